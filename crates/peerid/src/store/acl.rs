//! The Windows security calls behind the store's private directory
//! (docs/design.md §6): who the process runs as, the protected DACL peerid
//! gives what it creates, reading an object's owner and DACL, file
//! identities, byte-range locks.
//!
//! The one module of the library with `unsafe`: these are Win32 calls
//! through `windows-sys`, and no maintained safe crate covers them (the
//! `windows-acl` and `windows-permissions` crates were last released years
//! ago, on `winapi`). Everything here returns owned Rust values; no raw
//! pointer or handle leaves the module.
#![allow(unsafe_code)]

use std::ffi::{OsStr, c_void};
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::path::Path;
use std::ptr;

use windows_sys::Win32::Foundation::{
    ERROR_INSUFFICIENT_BUFFER, ERROR_NO_TOKEN, ERROR_SUCCESS, GENERIC_READ, GENERIC_WRITE, HANDLE,
    HLOCAL, INVALID_HANDLE_VALUE, LocalFree,
};
#[cfg(test)]
use windows_sys::Win32::Security::Authorization::GRANT_ACCESS;
use windows_sys::Win32::Security::Authorization::SetSecurityInfo;
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSidToSidW, EXPLICIT_ACCESS_W, GetSecurityInfo,
    NO_MULTIPLE_TRUSTEE, SE_FILE_OBJECT, SET_ACCESS, SetEntriesInAclW, TRUSTEE_IS_SID,
    TRUSTEE_IS_UNKNOWN, TRUSTEE_W,
};
use windows_sys::Win32::Security::PROTECTED_DACL_SECURITY_INFORMATION;
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, DACL_SECURITY_INFORMATION, GetAce,
    GetSecurityDescriptorControl, GetTokenInformation, InitializeSecurityDescriptor, IsValidSid,
    NO_INHERITANCE, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED,
    SECURITY_ATTRIBUTES, SECURITY_DESCRIPTOR, SUB_CONTAINERS_AND_OBJECTS_INHERIT,
    SetSecurityDescriptorControl, SetSecurityDescriptorDacl, TOKEN_INFORMATION_CLASS, TOKEN_QUERY,
    TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    BY_HANDLE_FILE_INFORMATION, CREATE_NEW, CreateDirectoryW, CreateFileW, FILE_ALL_ACCESS,
    FILE_ATTRIBUTE_NORMAL, FILE_FLAG_OPEN_REPARSE_POINT, FILE_ID_INFO, FILE_NAME_NORMALIZED,
    FILE_SHARE_READ, FILE_SHARE_WRITE, FileIdInfo, GetFileInformationByHandle,
    GetFileInformationByHandleEx, GetFinalPathNameByHandleW, GetVolumeInformationByHandleW,
    LOCKFILE_EXCLUSIVE_LOCK, LockFileEx, OPEN_ALWAYS, UnlockFileEx, VOLUME_NAME_DOS,
};
use windows_sys::Win32::System::IO::OVERLAPPED;
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentThread, OpenProcessToken, OpenThreadToken,
};

/// `LocalSystem`.
pub const SYSTEM: &str = "S-1-5-18";
/// `BUILTIN\Administrators`.
pub const ADMINISTRATORS: &str = "S-1-5-32-544";
/// `NT SERVICE\TrustedInstaller`, owner of the system's own directories.
pub const TRUSTED_INSTALLER: &str =
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
/// `CREATOR OWNER`: stands for whoever creates a child (inherit-only).
pub const CREATOR_OWNER: &str = "S-1-3-0";
/// `OWNER RIGHTS`: stands for the object's owner.
pub const OWNER_RIGHTS: &str = "S-1-3-4";
/// `Everyone`.
#[cfg(test)]
pub const EVERYONE: &str = "S-1-1-0";

/// `FILE_READ_ONLY_VOLUME` (in `Win32_System_SystemServices`, a large
/// feature to build for one constant).
const FILE_READ_ONLY_VOLUME: u32 = 0x0008_0000;
/// `SECURITY_DESCRIPTOR_REVISION`, likewise.
const SECURITY_DESCRIPTOR_REVISION: u32 = 1;

const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
const ACCESS_DENIED_ACE_TYPE: u8 = 1;
const ACCESS_ALLOWED_OBJECT_ACE_TYPE: u8 = 5;
const ACCESS_DENIED_OBJECT_ACE_TYPE: u8 = 6;
const ACCESS_ALLOWED_CALLBACK_ACE_TYPE: u8 = 9;
const ACCESS_DENIED_CALLBACK_ACE_TYPE: u8 = 10;
const ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE: u8 = 11;
const ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE: u8 = 12;

/// Who this process is: the user of its token, as a string SID.
///
/// The token's default owner (`TokenOwner`) is deliberately not trusted:
/// on Windows it is the user or Administrators, but Wine reports the
/// group `Domain Users` there, and granting that would open the store to
/// every user.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: String,
}

impl Me {
    /// Reads the token the calling thread acts with: its impersonation
    /// token if it has one (a service acting for a client creates and
    /// opens files as that client, so the store must be the client's),
    /// else the process token.
    pub fn get() -> io::Result<Me> {
        let token = match thread_token()? {
            Some(t) => t,
            None => process_token()?,
        };
        Ok(Me {
            user: token_sid(&token, TokenUser)?,
        })
    }

    /// The SIDs a store may grant access to: the user, `SYSTEM` and
    /// `Administrators` (docs/design.md §6 says why).
    pub fn is_trusted(&self, sid: &str) -> bool {
        sid == self.user || sid == SYSTEM || sid == ADMINISTRATORS
    }
}

/// The calling thread's impersonation token; `None` when it has none.
fn thread_token() -> io::Result<Option<OwnedHandle>> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: GetCurrentThread returns a pseudo-handle that needs no
    // closing; `token` is a valid place for the new handle. OpenAsSelf:
    // the access check is the process's, as an impersonated client may not
    // be allowed to read its own token.
    let ok = unsafe { OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, 1, &mut token) };
    if ok == 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(ERROR_NO_TOKEN as i32) {
            return Ok(None);
        }
        return Err(err);
    }
    // SAFETY: OpenThreadToken succeeded, so `token` is a handle we own.
    Ok(Some(unsafe { OwnedHandle::from_raw_handle(token) }))
}

fn process_token() -> io::Result<OwnedHandle> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no
    // closing; `token` is a valid place for the new handle.
    let ok = unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: OpenProcessToken succeeded, so `token` is a handle we own.
    Ok(unsafe { OwnedHandle::from_raw_handle(token) })
}

/// The SID of a `TOKEN_USER` or `TOKEN_OWNER`: both structures start with
/// the SID pointer.
fn token_sid(token: &OwnedHandle, class: TOKEN_INFORMATION_CLASS) -> io::Result<String> {
    let h = token.as_raw_handle();
    let mut len = 0u32;
    // SAFETY: a size query: no buffer, `len` receives the size needed.
    let ok = unsafe { GetTokenInformation(h, class, ptr::null_mut(), 0, &mut len) };
    let err = io::Error::last_os_error();
    if ok == 0 && err.raw_os_error() != Some(ERROR_INSUFFICIENT_BUFFER as i32) {
        return Err(err);
    }
    // u64s, so the structure at its start is aligned for its pointer.
    let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
    let size = u32::try_from(buf.len() * 8).map_err(|_| io::Error::other("token too large"))?;
    // SAFETY: `buf` is writable for `size` bytes.
    let ok = unsafe { GetTokenInformation(h, class, buf.as_mut_ptr().cast(), size, &mut len) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: on success the buffer holds a TOKEN_USER or TOKEN_OWNER, whose
    // first field is a PSID pointing into the same buffer, alive here.
    let sid = unsafe { *buf.as_ptr().cast::<PSID>() };
    sid_string(sid)
}

/// `S-1-...` for a SID the system handed us.
fn sid_string(sid: PSID) -> io::Result<String> {
    // SAFETY: IsValidSid only reads the SID, which the caller got from the
    // system and which is alive.
    if sid.is_null() || unsafe { IsValidSid(sid) } == 0 {
        return Err(io::Error::other("not a valid SID"));
    }
    let mut out: *mut u16 = ptr::null_mut();
    // SAFETY: `sid` is valid (checked); `out` receives a LocalAlloc-ed,
    // NUL-terminated string that we free below.
    if unsafe { ConvertSidToStringSidW(sid, &mut out) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut n = 0;
    // SAFETY: the string is NUL-terminated; we read up to the NUL, then
    // free it once, with the allocator it came from.
    let s = unsafe {
        while *out.add(n) != 0 {
            n += 1;
        }
        let s = String::from_utf16_lossy(std::slice::from_raw_parts(out, n));
        LocalFree(out as HLOCAL);
        s
    };
    Ok(s)
}

/// A SID made from its string form; freed on drop.
struct Sid(PSID);

impl Sid {
    fn parse(s: &str) -> io::Result<Sid> {
        let wide = wide(OsStr::new(s));
        let mut sid: PSID = ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated; `sid` receives a LocalAlloc-ed
        // SID that Drop frees.
        if unsafe { ConvertStringSidToSidW(wide.as_ptr(), &mut sid) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Sid(sid))
    }
}

impl Drop for Sid {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSidToSidW, freed once.
        unsafe { LocalFree(self.0 as HLOCAL) };
    }
}

/// An ACL the system allocated (SetEntriesInAclW); freed on drop.
struct LocalAcl(*mut ACL);

impl Drop for LocalAcl {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: allocated by SetEntriesInAclW, freed once.
            unsafe { LocalFree(self.0 as HLOCAL) };
        }
    }
}

fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

fn wide_path(p: &Path) -> io::Result<Vec<u16>> {
    let w = wide(p.as_os_str());
    if w[..w.len() - 1].contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a path with a NUL character",
        ));
    }
    Ok(w)
}

/// `SetEntriesInAclW` with full control (`FILE_ALL_ACCESS`) for each SID,
/// on top of `old` (or of nothing).
fn acl_granting(
    sids: &[&str],
    mask: u32,
    inherit: u32,
    mode: i32,
    old: *const ACL,
) -> io::Result<LocalAcl> {
    let parsed = sids
        .iter()
        .map(|s| Sid::parse(s))
        .collect::<io::Result<Vec<_>>>()?;
    let entries: Vec<EXPLICIT_ACCESS_W> = parsed
        .iter()
        .map(|sid| EXPLICIT_ACCESS_W {
            grfAccessPermissions: mask,
            grfAccessMode: mode,
            grfInheritance: inherit,
            Trustee: TRUSTEE_W {
                pMultipleTrustee: ptr::null_mut(),
                MultipleTrusteeOperation: NO_MULTIPLE_TRUSTEE,
                TrusteeForm: TRUSTEE_IS_SID,
                TrusteeType: TRUSTEE_IS_UNKNOWN,
                ptstrName: sid.0.cast(),
            },
        })
        .collect();
    let mut acl: *mut ACL = ptr::null_mut();
    let n = u32::try_from(entries.len()).map_err(|_| io::Error::other("too many entries"))?;
    // SAFETY: `entries` holds `n` entries whose SIDs (`parsed`) live until
    // after the call; `old` is null or an ACL the caller keeps alive; the
    // new ACL is LocalAlloc-ed and owned by the returned LocalAcl.
    let err = unsafe { SetEntriesInAclW(n, entries.as_ptr(), old, &mut acl) };
    if err != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(err as i32));
    }
    Ok(LocalAcl(acl))
}

/// The security descriptor peerid creates its directories and files with:
/// a protected DACL (nothing inherited from above) giving full control to
/// the user, SYSTEM and Administrators only; for a
/// directory, inherited by what is created in it (so SQLite's `-wal` and
/// `-shm` files get it too).
struct PrivateSd {
    sd: Box<SECURITY_DESCRIPTOR>,
    _acl: LocalAcl,
}

impl PrivateSd {
    fn new(me: &Me, dir: bool) -> io::Result<PrivateSd> {
        let sids = [me.user.as_str(), SYSTEM, ADMINISTRATORS];
        let inherit = if dir {
            SUB_CONTAINERS_AND_OBJECTS_INHERIT
        } else {
            NO_INHERITANCE
        };
        let acl = acl_granting(&sids, FILE_ALL_ACCESS, inherit, SET_ACCESS, ptr::null())?;
        // SAFETY: SECURITY_DESCRIPTOR is plain data; zeroed, then
        // initialised by InitializeSecurityDescriptor below.
        let mut sd: Box<SECURITY_DESCRIPTOR> = Box::new(unsafe { std::mem::zeroed() });
        let psd: PSECURITY_DESCRIPTOR = ptr::from_mut(&mut *sd).cast();
        // SAFETY: `psd` points to a SECURITY_DESCRIPTOR-sized, writable box
        // that outlives every use (it moves with PrivateSd, the heap address
        // stays); the ACL it points to is kept alive beside it.
        unsafe {
            if InitializeSecurityDescriptor(psd, SECURITY_DESCRIPTOR_REVISION) == 0
                || SetSecurityDescriptorDacl(psd, 1, acl.0, 0) == 0
                || SetSecurityDescriptorControl(psd, SE_DACL_PROTECTED, SE_DACL_PROTECTED) == 0
            {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(PrivateSd { sd, _acl: acl })
    }

    fn attributes(&mut self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: ptr::from_mut(&mut *self.sd).cast(),
            bInheritHandle: 0,
        }
    }
}

/// Creates the directory `path` with the private DACL, atomically (no
/// moment with an inherited one).
pub fn create_dir(path: &Path, me: &Me) -> io::Result<()> {
    let mut sd = PrivateSd::new(me, true)?;
    let sa = sd.attributes();
    let w = wide_path(path)?;
    // SAFETY: `w` is NUL-terminated; `sa` and the descriptor it points to
    // live until after the call.
    if unsafe { CreateDirectoryW(w.as_ptr(), &sa) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Opens `path` for reading and writing, creating it with the private DACL
/// (`create_new`: only if missing, else if missing or not), never
/// following a reparse point (a symbolic link is opened as itself).
pub fn create_file(path: &Path, me: &Me, create_new: bool) -> io::Result<File> {
    let mut sd = PrivateSd::new(me, false)?;
    let sa = sd.attributes();
    let w = wide_path(path)?;
    let disposition = if create_new { CREATE_NEW } else { OPEN_ALWAYS };
    // SAFETY: `w` is NUL-terminated; `sa` and its descriptor live until
    // after the call; no template handle.
    let h = unsafe {
        CreateFileW(
            w.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            &sa,
            disposition,
            FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
            ptr::null_mut(),
        )
    };
    if h == INVALID_HANDLE_VALUE || h.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: CreateFileW succeeded: `h` is a file handle we own.
    Ok(unsafe { File::from_raw_handle(h) })
}

/// Gives an existing file the private DACL (the handle needs
/// `WRITE_DAC`): for the files SQLite creates beside the database, which
/// on Windows inherit it from the store directory anyway, and under Wine,
/// which keeps no DACLs, would otherwise get the umask's mode.
pub fn set_private(file: &File, me: &Me) -> io::Result<()> {
    let acl = acl_granting(
        &[me.user.as_str(), SYSTEM, ADMINISTRATORS],
        FILE_ALL_ACCESS,
        NO_INHERITANCE,
        SET_ACCESS,
        ptr::null(),
    )?;
    set_protected_dacl(file, &acl)
}

/// Sets `acl` as the protected DACL of `file` (opened with `WRITE_DAC`).
fn set_protected_dacl(file: &File, acl: &LocalAcl) -> io::Result<()> {
    // SAFETY: the handle is open (with WRITE_DAC, the caller's job); the ACL
    // is alive (borrowed) until after the call.
    let err = unsafe {
        SetSecurityInfo(
            file.as_raw_handle(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            ptr::null_mut(),
            ptr::null_mut(),
            acl.0,
            ptr::null(),
        )
    };
    if err != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(err as i32));
    }
    Ok(())
}

/// What an access-control entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AceKind {
    Allow,
    Deny,
    /// An allowing entry of a kind files do not use (object ACEs): its
    /// SID is not read, so it counts as granting someone else.
    AllowUnknown,
    /// Audit, alarm, label: grants nothing.
    Other,
}

/// One access-control entry.
#[derive(Debug, Clone)]
pub struct Ace {
    pub kind: AceKind,
    pub flags: u8,
    pub mask: u32,
    pub sid: String,
}

/// An object's owner and DACL.
#[derive(Debug, Clone)]
pub struct Security {
    pub owner: String,
    /// `None`: a NULL DACL, which grants everyone everything.
    pub dacl: Option<Vec<Ace>>,
    /// Whether the DACL is protected from inheritance (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub protected: bool,
}

/// A security descriptor the system allocated; freed on drop.
struct LocalSd(PSECURITY_DESCRIPTOR);

impl Drop for LocalSd {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: allocated by GetSecurityInfo, freed once.
            unsafe { LocalFree(self.0 as HLOCAL) };
        }
    }
}

/// Reads the owner and DACL of an open file or directory (the handle needs
/// `READ_CONTROL`).
pub fn security(file: &File) -> io::Result<Security> {
    let mut owner: PSID = ptr::null_mut();
    let mut dacl: *mut ACL = ptr::null_mut();
    let mut psd: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: the handle is open; the out-pointers are valid places; the
    // owner and DACL point into `psd`, freed by LocalSd after we are done.
    let err = unsafe {
        GetSecurityInfo(
            file.as_raw_handle(),
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
            ptr::null_mut(),
            &mut dacl,
            ptr::null_mut(),
            &mut psd,
        )
    };
    if err != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(err as i32));
    }
    let sd = LocalSd(psd);
    let owner = sid_string(owner)?;
    let mut control = 0u16;
    let mut revision = 0u32;
    // SAFETY: `sd.0` is the valid descriptor GetSecurityInfo returned.
    if unsafe { GetSecurityDescriptorControl(sd.0, &mut control, &mut revision) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let dacl = if dacl.is_null() {
        None
    } else {
        // SAFETY: a DACL inside `sd`, alive for this call.
        Some(unsafe { entries(dacl) }?)
    };
    drop(sd);
    Ok(Security {
        owner,
        dacl,
        protected: control & SE_DACL_PROTECTED != 0,
    })
}

/// The ACE types known to grant no access: audit and alarm entries (plain,
/// object, callback and callback-object: 2, 3, 7, 8, 13 to 16), the
/// mandatory label (0x11), resource attributes (0x12), the scoped policy
/// (0x13), the process trust label (0x14) and the access filter (0x15).
/// Mandatory labels and filters only ever take access away.
const GRANTS_NOTHING: [u8; 13] = [2, 3, 7, 8, 13, 14, 15, 16, 0x11, 0x12, 0x13, 0x14, 0x15];

/// The entries of `acl`.
///
/// # Safety
/// `acl` points to a valid ACL that stays alive during the call.
unsafe fn entries(acl: *mut ACL) -> io::Result<Vec<Ace>> {
    // SAFETY: the caller's promise.
    let count = unsafe { (*acl).AceCount };
    let mut out = Vec::with_capacity(count.into());
    for i in 0..u32::from(count) {
        let mut ace: *mut c_void = ptr::null_mut();
        // SAFETY: `i` is below the ACL's count; GetAce gives a pointer
        // into the ACL, which the system validated when it built it.
        if unsafe { GetAce(acl, i, &mut ace) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: every ACE starts with an ACE_HEADER.
        let header = unsafe { ptr::read_unaligned(ace.cast::<ACE_HEADER>()) };
        let kind = match header.AceType {
            ACCESS_ALLOWED_ACE_TYPE | ACCESS_ALLOWED_CALLBACK_ACE_TYPE => AceKind::Allow,
            ACCESS_DENIED_ACE_TYPE | ACCESS_DENIED_CALLBACK_ACE_TYPE => AceKind::Deny,
            ACCESS_ALLOWED_OBJECT_ACE_TYPE | ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE => {
                AceKind::AllowUnknown
            }
            ACCESS_DENIED_OBJECT_ACE_TYPE | ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE => AceKind::Deny,
            t if GRANTS_NOTHING.contains(&t) => AceKind::Other,
            // Anything else (the old compound type 4, a type added later)
            // may grant access: counted as granting others everything.
            _ => AceKind::AllowUnknown,
        };
        let fixed = std::mem::size_of::<ACCESS_ALLOWED_ACE>();
        if kind == AceKind::Other || usize::from(header.AceSize) < fixed {
            out.push(Ace {
                kind: if kind == AceKind::Other {
                    kind
                } else {
                    AceKind::AllowUnknown
                },
                flags: header.AceFlags,
                mask: 0,
                sid: String::new(),
            });
            continue;
        }
        // SAFETY: allowed, denied and their object and callback forms all
        // have the access mask right after the header, and AceSize covers
        // an ACCESS_ALLOWED_ACE (checked above).
        let fields = unsafe { ptr::read_unaligned(ace.cast::<ACCESS_ALLOWED_ACE>()) };
        let sid = if matches!(kind, AceKind::Allow | AceKind::Deny)
            && matches!(
                header.AceType,
                ACCESS_ALLOWED_ACE_TYPE
                    | ACCESS_DENIED_ACE_TYPE
                    | ACCESS_ALLOWED_CALLBACK_ACE_TYPE
                    | ACCESS_DENIED_CALLBACK_ACE_TYPE
            ) {
            // SAFETY: in these four forms the SID starts at SidStart, inside
            // the ACE; sid_string validates it before reading it whole.
            let psid: PSID = unsafe { ace.cast::<u8>().add(8).cast() };
            sid_string(psid).unwrap_or_default()
        } else {
            String::new()
        };
        out.push(Ace {
            kind,
            flags: header.AceFlags,
            mask: fields.Mask,
            sid,
        });
    }
    Ok(out)
}

/// Adds an entry granting `mask` to `sid` with the inheritance flags
/// `inherit` (`SUB_CONTAINERS_AND_OBJECTS_INHERIT`, `INHERIT_ONLY_ACE`, ...),
/// the way `icacls /grant` does: how the tests make a store that others
/// can read.
#[cfg(test)]
pub fn grant(file: &File, sid: &str, mask: u32, inherit: u32) -> io::Result<()> {
    let mut dacl: *mut ACL = ptr::null_mut();
    let mut psd: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: as in `security`.
    let err = unsafe {
        GetSecurityInfo(
            file.as_raw_handle(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            ptr::null_mut(),
            ptr::null_mut(),
            &mut dacl,
            ptr::null_mut(),
            &mut psd,
        )
    };
    if err != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(err as i32));
    }
    let sd = LocalSd(psd);
    let acl = acl_granting(&[sid], mask, inherit, GRANT_ACCESS, dacl)?;
    drop(sd);
    set_protected_dacl(file, &acl)
}

/// What Windows says of an open file: its attributes and identity.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo {
    pub attributes: u32,
    /// Volume serial number and file id: the file's identity. The 128-bit
    /// id of `FILE_ID_INFO` where the file system gives one (ReFS's ids are
    /// 128 bits, and its 64-bit file index need not be unique), else the
    /// volume serial number and 64-bit file index of
    /// `GetFileInformationByHandle`. Within a volume it is always the same
    /// kind, so two of them compare as the files do.
    pub id: (u64, u128),
}

pub fn file_info(file: &File) -> io::Result<FileInfo> {
    let mut info = BY_HANDLE_FILE_INFORMATION::default();
    // SAFETY: the handle is open; `info` is a valid place for the answer.
    if unsafe { GetFileInformationByHandle(file.as_raw_handle(), &mut info) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut ids = FILE_ID_INFO::default();
    // SAFETY: the handle is open; `ids` is a FILE_ID_INFO of the size given.
    let id = if unsafe {
        GetFileInformationByHandleEx(
            file.as_raw_handle(),
            FileIdInfo,
            ptr::from_mut(&mut ids).cast::<c_void>(),
            size_of::<FILE_ID_INFO>() as u32,
        )
    } != 0
    {
        (
            ids.VolumeSerialNumber,
            u128::from_le_bytes(ids.FileId.Identifier),
        )
    } else {
        (
            u64::from(info.dwVolumeSerialNumber),
            u128::from(info.nFileIndexHigh) << 32 | u128::from(info.nFileIndexLow),
        )
    };
    Ok(FileInfo {
        attributes: info.dwFileAttributes,
        id,
    })
}

/// Where an open file really is: its full path with every link, junction
/// and mount point on the way resolved (`\\?\C:\...`).
pub fn final_path(file: &File) -> io::Result<std::path::PathBuf> {
    use std::os::windows::ffi::OsStringExt;
    let mut buf = vec![0u16; 512];
    loop {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: the handle is open; `buf` holds `len` UTF-16 units.
        let n = unsafe {
            GetFinalPathNameByHandleW(
                file.as_raw_handle(),
                buf.as_mut_ptr(),
                len,
                FILE_NAME_NORMALIZED | VOLUME_NAME_DOS,
            )
        } as usize;
        if n == 0 {
            return Err(io::Error::last_os_error());
        }
        // Too small: `n` is the size needed, terminator included.
        if n >= buf.len() {
            if n > 32_768 {
                return Err(io::Error::other(
                    "the final path is longer than Windows allows",
                ));
            }
            buf.resize(n, 0);
            continue;
        }
        buf.truncate(n);
        return Ok(std::ffi::OsString::from_wide(&buf).into());
    }
}

/// Whether the volume of an open file is read-only; `false` if unknown.
pub fn read_only_volume(file: &File) -> bool {
    let mut flags = 0u32;
    // SAFETY: no name buffers (null, size 0); `flags` is a valid place.
    let ok = unsafe {
        GetVolumeInformationByHandleW(
            file.as_raw_handle(),
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            ptr::null_mut(),
            &mut flags,
            ptr::null_mut(),
            0,
        )
    };
    ok != 0 && flags & FILE_READ_ONLY_VOLUME != 0
}

fn overlapped_at(offset: u64) -> OVERLAPPED {
    let mut ov = OVERLAPPED::default();
    ov.Anonymous.Anonymous.Offset = offset as u32;
    ov.Anonymous.Anonymous.OffsetHigh = (offset >> 32) as u32;
    ov
}

/// Locks byte `offset` of `file`, waiting for it (the handle is
/// synchronous, so `LockFileEx` returns once the lock is held).
pub fn lock_byte(file: &File, offset: u64, exclusive: bool) -> io::Result<()> {
    let mut ov = overlapped_at(offset);
    let flags = if exclusive {
        LOCKFILE_EXCLUSIVE_LOCK
    } else {
        0
    };
    // SAFETY: the handle is open and synchronous; `ov` lives until the
    // call returns, which for a synchronous handle is when it is done.
    if unsafe { LockFileEx(file.as_raw_handle(), flags, 0, 1, 0, &mut ov) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Releases what [`lock_byte`] took.
pub fn unlock_byte(file: &File, offset: u64) -> io::Result<()> {
    let mut ov = overlapped_at(offset);
    // SAFETY: as in `lock_byte`.
    if unsafe { UnlockFileEx(file.as_raw_handle(), 0, 1, 0, &mut ov) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
