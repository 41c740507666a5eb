//! Enumerations: `PeerEnumIdentities`, `PeerEnumGroups`, `PeerGetItemCount`,
//! `PeerGetNextItem`, `PeerEndEnumeration`. An enumeration is a snapshot
//! taken when it is opened, kept in [`crate::handles::ENUMERATIONS`].

use core::ffi::c_void;

use crate::alloc::name_pair_array;
use crate::call::{self, lib_err};
use crate::handles::{ENUMERATIONS, Enumeration};
use crate::identity::{identity, open_store};
use crate::types::{E_INVALIDARG, HPEERENUM, HRESULT, PCWSTR, PVOID, ULONG};

fn open(items: Vec<(String, String)>, out: *mut HPEERENUM) -> Result<(), HRESULT> {
    let h = ENUMERATIONS.insert(Enumeration { items, next: 0 })?;
    // SAFETY: every caller checked `out` is non-NULL; the C caller promises
    // it is writable.
    unsafe { out.write(h as HPEERENUM) };
    Ok(())
}

/// Opens an enumeration over every identity of the store; items are
/// `PEER_NAME_PAIR *` (peer name, friendly name), ordered by peer name.
///
/// # Errors
/// `E_INVALIDARG` for a NULL `phPeerEnum`.
///
/// # Safety
/// `phPeerEnum` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerEnumIdentities(phPeerEnum: *mut HPEERENUM) -> HRESULT {
    call::hresult(|| {
        if phPeerEnum.is_null() {
            return Err(E_INVALIDARG);
        }
        let items = open_store()?
            .list()
            .map_err(lib_err)?
            .into_iter()
            .map(|s| (s.peer_name.to_string(), s.friendly_name.as_str().to_owned()))
            .collect();
        open(items, phPeerEnum)
    })
}

/// Opens an enumeration over the groups an identity belongs to: always
/// empty, as peerid has no groups.
///
/// # Errors
/// `E_INVALIDARG` for a NULL argument, `PEER_E_NOT_FOUND` for an unknown
/// identity.
///
/// # Safety
/// `pwzIdentity` is NULL or NUL-terminated UTF-16; `phPeerEnum` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerEnumGroups(
    pwzIdentity: PCWSTR,
    phPeerEnum: *mut HPEERENUM,
) -> HRESULT {
    call::hresult(|| {
        if phPeerEnum.is_null() {
            return Err(E_INVALIDARG);
        }
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let name = unsafe { identity(pwzIdentity) }?;
        open_store()?.show(&name).map_err(lib_err)?;
        open(Vec::new(), phPeerEnum)
    })
}

/// The total number of items in the enumeration (read or not).
///
/// # Errors
/// `E_INVALIDARG` for a NULL `pCount` or an unknown handle.
///
/// # Safety
/// `pCount` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerGetItemCount(hPeerEnum: HPEERENUM, pCount: *mut ULONG) -> HRESULT {
    call::hresult(|| {
        if pCount.is_null() {
            return Err(E_INVALIDARG);
        }
        let n = ENUMERATIONS
            .with(hPeerEnum as usize, |e| e.items.len())
            .ok_or(E_INVALIDARG)?;
        let n = ULONG::try_from(n).unwrap_or(ULONG::MAX);
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { pCount.write(n) };
        Ok(())
    })
}

/// Returns up to `*pCount` items as an array of `PEER_NAME_PAIR *` in
/// `*pppvItems` and how many in `*pCount`. Zero items (and a NULL array)
/// mark the end. One `PeerFreeData` on the array frees it and everything it
/// points to.
///
/// # Errors
/// `E_INVALIDARG` for a NULL pointer, an unknown handle or a requested count
/// of 0.
///
/// # Safety
/// `pCount` and `pppvItems` are NULL or valid for reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerGetNextItem(
    hPeerEnum: HPEERENUM,
    pCount: *mut ULONG,
    pppvItems: *mut *mut PVOID,
) -> HRESULT {
    call::hresult(|| {
        if pCount.is_null() || pppvItems.is_null() {
            return Err(E_INVALIDARG);
        }
        // SAFETY: checked non-NULL; the caller promises it is readable.
        let wanted = unsafe { pCount.read() } as usize;
        if wanted == 0 {
            return Err(E_INVALIDARG);
        }
        // Build the block under the lock, so that two threads reading one
        // enumeration never get the same item or lose one.
        let (array, got) = ENUMERATIONS
            .with(hPeerEnum as usize, |e| {
                let end = e.next.saturating_add(wanted).min(e.items.len());
                let array = name_pair_array(&e.items[e.next..end])?;
                let got = end - e.next;
                e.next = end;
                Ok::<_, HRESULT>((array, got))
            })
            .ok_or(E_INVALIDARG)??;
        // SAFETY: both checked non-NULL; the caller promises they are
        // writable. `got <= wanted`, which came from a ULONG.
        unsafe {
            pppvItems.write(array.cast::<*mut c_void>());
            pCount.write(got as ULONG);
        }
        Ok(())
    })
}

/// Closes an enumeration. Arrays it returned stay valid until freed.
///
/// # Errors
/// `E_INVALIDARG` for an unknown or already closed handle.
#[unsafe(no_mangle)]
pub extern "C" fn PeerEndEnumeration(hPeerEnum: HPEERENUM) -> HRESULT {
    call::hresult(|| {
        ENUMERATIONS
            .remove(hPeerEnum as usize)
            .map(drop)
            .ok_or(E_INVALIDARG)
    })
}
