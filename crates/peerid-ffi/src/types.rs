//! The Windows types and constants the identity functions use, with the sizes
//! Windows gives them (`p2p.h`, `windef.h`, `winerror.h`). cbindgen turns
//! this module into the typedefs and `#define`s of `include/p2p.h`.

use core::ffi::c_void;

/// A UTF-16 code unit.
pub type WCHAR = u16;
/// A NUL-terminated UTF-16 string the library returns (free with `PeerFreeData`).
pub type PWSTR = *mut WCHAR;
/// A NUL-terminated UTF-16 string the caller passes.
pub type PCWSTR = *const WCHAR;
/// A COM-style result code: negative on failure.
pub type HRESULT = i32;
/// Windows `ULONG`: 32 bits on every Windows target.
pub type ULONG = u32;
/// Windows `DWORD`.
pub type DWORD = u32;
/// Windows `BOOL`: 0 is FALSE, anything else TRUE.
pub type BOOL = i32;
/// An untyped pointer.
pub type PVOID = *mut c_void;
/// An untyped pointer to constant data.
pub type LPCVOID = *const c_void;
/// A key handle (`ULONG_PTR` on Windows): from `PeerIdentityGetCryptKey`,
/// released with `CryptReleaseContext`.
pub type HCRYPTPROV = usize;
/// An enumeration handle: from `PeerEnumIdentities` or `PeerEnumGroups`,
/// released with `PeerEndEnumeration`.
pub type HPEERENUM = *mut c_void;

/// One item of an identity or group enumeration.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PEER_NAME_PAIR {
    /// `sizeof(PEER_NAME_PAIR)`.
    pub dwSize: DWORD,
    /// The peer name of the identity or group.
    pub pwzPeerName: PWSTR,
    /// Its friendly name.
    pub pwzFriendlyName: PWSTR,
}

/// A pointer to a [`PEER_NAME_PAIR`].
pub type PPEER_NAME_PAIR = *mut PEER_NAME_PAIR;

/// Windows `TRUE`.
pub const TRUE: BOOL = 1;
/// Windows `FALSE`.
pub const FALSE: BOOL = 0;

/// Success.
pub const S_OK: HRESULT = 0;
/// A bad argument, bad or tampered input, or a wrong password.
pub const E_INVALIDARG: HRESULT = 0x8007_0057_u32 as HRESULT;
/// Out of memory.
pub const E_OUTOFMEMORY: HRESULT = 0x8007_000E_u32 as HRESULT;
/// Anything else, including a panic caught at the boundary.
pub const E_FAIL: HRESULT = 0x8000_4005_u32 as HRESULT;
/// An invalid handle: `HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)`, what
/// `PeerIdentityCreate` returns for an unknown `hCryptProv`.
pub const E_HANDLE: HRESULT = 0x8007_0006_u32 as HRESULT;
/// The identity (or other item) does not exist.
pub const PEER_E_NOT_FOUND: HRESULT = 0x8007_0490_u32 as HRESULT;
/// The identity already exists.
pub const PEER_E_ALREADY_EXISTS: HRESULT = 0x8007_00B7_u32 as HRESULT;
/// The store cannot be used, or is group or world accessible.
pub const PEER_E_NO_KEY_ACCESS: HRESULT = 0x8063_0203_u32 as HRESULT;
/// The store is damaged.
pub const PEER_E_CERT_STORE_CORRUPTED: HRESULT = 0x8063_0801_u32 as HRESULT;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_the_windows_ones() {
        assert_eq!(size_of::<WCHAR>(), 2);
        assert_eq!(size_of::<HRESULT>(), 4);
        assert_eq!(size_of::<ULONG>(), 4);
        assert_eq!(size_of::<DWORD>(), 4);
        assert_eq!(size_of::<BOOL>(), 4);
        assert_eq!(size_of::<HCRYPTPROV>(), size_of::<*const c_void>());
        assert_eq!(
            size_of::<PEER_NAME_PAIR>(),
            if cfg!(target_pointer_width = "64") {
                24
            } else {
                12
            }
        );
    }

    #[test]
    fn hresults_are_the_library_ones() {
        use peerid::ErrorKind;
        assert_eq!(E_INVALIDARG, ErrorKind::InvalidArg.hresult());
        assert_eq!(E_OUTOFMEMORY, ErrorKind::OutOfMemory.hresult());
        assert_eq!(E_FAIL, ErrorKind::Fail.hresult());
        assert_eq!(PEER_E_NOT_FOUND, ErrorKind::NotFound.hresult());
        assert_eq!(PEER_E_ALREADY_EXISTS, ErrorKind::AlreadyExists.hresult());
        assert_eq!(PEER_E_NO_KEY_ACCESS, ErrorKind::NoKeyAccess.hresult());
        assert_eq!(
            PEER_E_CERT_STORE_CORRUPTED,
            ErrorKind::StoreCorrupted.hresult()
        );
    }

    #[test]
    fn hresults_are_the_windows_values() {
        assert_eq!(E_INVALIDARG as u32, 0x8007_0057);
        assert_eq!(E_OUTOFMEMORY as u32, 0x8007_000E);
        assert_eq!(E_FAIL as u32, 0x8000_4005);
        assert_eq!(E_HANDLE as u32, 0x8007_0006);
        assert_eq!(PEER_E_NOT_FOUND as u32, 0x8007_0490);
        assert_eq!(PEER_E_ALREADY_EXISTS as u32, 0x8007_00B7);
        assert_eq!(PEER_E_NO_KEY_ACCESS as u32, 0x8063_0203);
        assert_eq!(PEER_E_CERT_STORE_CORRUPTED as u32, 0x8063_0801);
    }
}
