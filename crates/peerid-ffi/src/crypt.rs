//! `CryptReleaseContext`: releases a key handle from
//! `PeerIdentityGetCryptKey` (`crate::identity`).

use crate::call;
use crate::handles::KEYS;
use crate::types::{BOOL, DWORD, FALSE, HCRYPTPROV, TRUE};

/// Releases a key handle. Returns TRUE on success, FALSE for an unknown or
/// already released handle or for `dwFlags` other than 0 (Windows reserves
/// the flags and requires 0).
#[unsafe(no_mangle)]
pub extern "C" fn CryptReleaseContext(hProv: HCRYPTPROV, dwFlags: DWORD) -> BOOL {
    call::or(FALSE, || {
        if dwFlags != 0 {
            return FALSE;
        }
        // The key is wiped when the last Arc drops (a PeerIdentityCreate
        // running on another thread may still hold it).
        match KEYS.remove(hProv) {
            Some(_) => TRUE,
            None => FALSE,
        }
    })
}
