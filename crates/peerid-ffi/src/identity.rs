//! `PeerIdentity*` and `PeerCreatePeerName`: check pointers, convert, call
//! [`peerid::Store`], map the error. The store is opened per call
//! (`Store::open_default`, which honours `PEERID_STORE`), so every call has
//! its own SQLite connection and threads never share one. What needs a
//! private key unlocks a sealed store without asking ([`crate::sealed`]).

use peerid::{Classifier, FriendlyName, PeerName};
use peerid::{CreateOptions, ExportParams, ImportOptions, Store, transfer, unsecured_peer_name};

use crate::alloc::wide_string;
use crate::call::{self, lib_err};
use crate::handles::KEYS;
use crate::sealed::keyed;
use crate::types::{E_HANDLE, E_INVALIDARG, HCRYPTPROV, HRESULT, PCWSTR, PWSTR};
use crate::utf16::{self, MAX_DOCUMENT_UNITS, MAX_NAME_UNITS};

pub(crate) fn open_store() -> Result<Store, HRESULT> {
    Store::open_default().map_err(lib_err)
}

/// Reads a required identity name.
///
/// # Safety
/// As [`utf16::units`].
pub(crate) unsafe fn identity(p: PCWSTR) -> Result<PeerName, HRESULT> {
    // SAFETY: forwarded to the caller.
    let s = unsafe { utf16::read(p, MAX_NAME_UNITS) }?;
    PeerName::parse_secure(&s).map_err(lib_err)
}

/// Reads an optional identity name; NULL means the default identity
/// (created if needed, which on a sealed store needs its key), as
/// `PeerIdentityGetXML(NULL)` does on Windows.
///
/// # Safety
/// As [`utf16::units`].
unsafe fn identity_or_default(p: PCWSTR, store: &mut Store) -> Result<PeerName, HRESULT> {
    if p.is_null() {
        keyed(store, Store::default_identity)
    } else {
        // SAFETY: forwarded to the caller.
        unsafe { identity(p) }
    }
}

/// Reads an optional classifier; NULL is the empty one.
///
/// # Safety
/// As [`utf16::units`].
unsafe fn classifier(p: PCWSTR) -> Result<Classifier, HRESULT> {
    // SAFETY: forwarded to the caller.
    match unsafe { utf16::read_opt(p, MAX_NAME_UNITS) }? {
        Some(s) => Classifier::new(&s).map_err(lib_err),
        None => Ok(Classifier::empty()),
    }
}

/// Reads an optional friendly name; NULL and empty both mean unset.
///
/// # Safety
/// As [`utf16::units`].
unsafe fn friendly_name(p: PCWSTR) -> Result<FriendlyName, HRESULT> {
    // SAFETY: forwarded to the caller.
    match unsafe { utf16::read_opt(p, MAX_NAME_UNITS) }? {
        Some(s) => FriendlyName::new(&s).map_err(lib_err),
        None => Ok(FriendlyName::default()),
    }
}

/// Stores `s` as a new string in `*out`.
///
/// # Safety
/// `out` is non-NULL and writable.
unsafe fn put_string(out: *mut PWSTR, s: &str) -> Result<(), HRESULT> {
    let w = wide_string(s)?;
    // SAFETY: the caller checked `out` and promises it is writable.
    unsafe { out.write(w) };
    Ok(())
}

/// Creates an identity and returns its peer name in `*ppwzIdentity`.
///
/// `hCryptProv` 0 generates a new Ed25519 key; a handle from
/// `PeerIdentityGetCryptKey` makes a new identity on that key (same
/// authority; it needs another classifier). `*ppwzIdentity` is set to NULL
/// on failure, as Windows documents.
///
/// # Errors
/// `E_INVALIDARG` (NULL `ppwzIdentity`, bad string, classifier over 149 or
/// friendly name over 255 code units); `E_HANDLE` (0x80070006,
/// `HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)`) for an unknown `hCryptProv`;
/// `PEER_E_ALREADY_EXISTS` for the same key and classifier twice;
/// `PEER_E_NO_KEY_ACCESS` on a sealed store that cannot be unlocked without
/// asking (no keyring entry, no `$PEERID_PASSPHRASE_FILE`, or a wrong
/// passphrase in it): the new key is stored sealed.
///
/// # Safety
/// The strings are NULL or NUL-terminated UTF-16; `ppwzIdentity` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityCreate(
    pwzClassifier: PCWSTR,
    pwzFriendlyName: PCWSTR,
    hCryptProv: HCRYPTPROV,
    ppwzIdentity: *mut PWSTR,
) -> HRESULT {
    call::hresult(|| {
        if ppwzIdentity.is_null() {
            return Err(E_INVALIDARG);
        }
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { ppwzIdentity.write(core::ptr::null_mut()) };
        // SAFETY: the caller promises NULL or NUL-terminated strings.
        let classifier = unsafe { classifier(pwzClassifier) }?;
        // SAFETY: as above.
        let friendly_name = unsafe { friendly_name(pwzFriendlyName) }?;
        let key = match hCryptProv {
            0 => None,
            h => Some(KEYS.with(h, |k| k.clone()).ok_or(E_HANDLE)?),
        };
        let opts = CreateOptions {
            classifier,
            friendly_name,
            ..CreateOptions::default()
        };
        let mut store = open_store()?;
        let name = keyed(&mut store, |s| match &key {
            None => s.create(&opts),
            Some(key) => s.create_with_key(key, &opts.classifier, &opts.friendly_name),
        })?;
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzIdentity, &name.to_string()) }
    })
}

/// Deletes an identity.
///
/// # Errors
/// `E_INVALIDARG` (NULL or bad name), `PEER_E_NOT_FOUND`.
///
/// # Safety
/// `pwzIdentity` is NULL or NUL-terminated UTF-16.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityDelete(pwzIdentity: PCWSTR) -> HRESULT {
    call::hresult(|| {
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let name = unsafe { identity(pwzIdentity) }?;
        open_store()?.delete(&name).map_err(lib_err)
    })
}

/// Exports an identity, key included, as a `PEERIDENTITYEXPORT` document
/// protected by `pwzPassword` (PBES2 AES-256, 600,000 PBKDF2 iterations).
///
/// # Errors
/// `E_INVALIDARG` (a NULL argument: the identity is required, as the Windows
/// documentation says), `PEER_E_NOT_FOUND`; `PEER_E_NO_KEY_ACCESS` on a
/// sealed store that cannot be unlocked without asking (the OS keyring if
/// the store was sealed with it, then the passphrase in the file named by
/// `$PEERID_PASSPHRASE_FILE`).
///
/// # Safety
/// The strings are NULL or NUL-terminated UTF-16; `ppwzExportXML` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityExport(
    pwzIdentity: PCWSTR,
    pwzPassword: PCWSTR,
    ppwzExportXML: *mut PWSTR,
) -> HRESULT {
    call::hresult(|| {
        if ppwzExportXML.is_null() {
            return Err(E_INVALIDARG);
        }
        // SAFETY: the caller promises NULL or NUL-terminated strings.
        let name = unsafe { identity(pwzIdentity) }?;
        // SAFETY: as above.
        let password = unsafe { utf16::read_secret(pwzPassword) }?;
        let xml = keyed(&mut open_store()?, |s| {
            s.export(&name, &password, &ExportParams::default())
        })?;
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzExportXML, &xml) }
    })
}

/// Imports an identity from a `PEERIDENTITYEXPORT` document.
///
/// # Errors
/// `E_INVALIDARG` (NULL argument, bad document, wrong password or tampered
/// data), `PEER_E_ALREADY_EXISTS`; `PEER_E_NO_KEY_ACCESS` on a sealed store
/// that cannot be unlocked without asking (the key is stored sealed).
///
/// # Safety
/// The strings are NULL or NUL-terminated UTF-16; `ppwzIdentity` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityImport(
    pwzImportXML: PCWSTR,
    pwzPassword: PCWSTR,
    ppwzIdentity: *mut PWSTR,
) -> HRESULT {
    call::hresult(|| {
        if ppwzIdentity.is_null() {
            return Err(E_INVALIDARG);
        }
        // SAFETY: the caller promises NULL or NUL-terminated strings.
        let xml = unsafe { utf16::read(pwzImportXML, MAX_DOCUMENT_UNITS) }?;
        // SAFETY: as above.
        let password = unsafe { utf16::read_secret(pwzPassword) }?;
        // The document is read and its key derived before the store is
        // touched, so that unlocking a sealed store cannot make it run twice.
        let imported = transfer::import(xml.as_bytes(), &password, &ImportOptions::default())
            .map_err(lib_err)?;
        keyed(&mut open_store()?, |s| s.insert(&imported.identity))?;
        let name = imported.peer_name();
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzIdentity, &name.to_string()) }
    })
}

/// The `PEERIDENTITYINFO` document of an identity; NULL means the default
/// identity, created if needed. Public: a sealed store needs no passphrase
/// unless the default identity must be created.
///
/// # Errors
/// `E_INVALIDARG`, `PEER_E_NOT_FOUND`; `PEER_E_NO_KEY_ACCESS` when a
/// default identity must be made on a sealed store that cannot be unlocked
/// without asking.
///
/// # Safety
/// `pwzIdentity` is NULL or NUL-terminated UTF-16; `ppwzIdentityXML` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityGetXML(
    pwzIdentity: PCWSTR,
    ppwzIdentityXML: *mut PWSTR,
) -> HRESULT {
    call::hresult(|| {
        if ppwzIdentityXML.is_null() {
            return Err(E_INVALIDARG);
        }
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let name = unsafe { utf16::read_opt(pwzIdentity, MAX_NAME_UNITS) }?
            .map(|s| PeerName::parse_secure(&s))
            .transpose()
            .map_err(lib_err)?;
        let xml = keyed(&mut open_store()?, |s| s.info_xml(name.as_ref()))?;
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzIdentityXML, &xml) }
    })
}

/// The friendly name of an identity (its peer name when unset); NULL means
/// the default identity. Public: no passphrase on a sealed store.
///
/// # Errors
/// `E_INVALIDARG`, `PEER_E_NOT_FOUND`; `PEER_E_NO_KEY_ACCESS` when NULL
/// asks for a default identity that must be made on a sealed store that
/// cannot be unlocked without asking.
///
/// # Safety
/// `pwzIdentity` is NULL or NUL-terminated UTF-16; `ppwzFriendlyName` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityGetFriendlyName(
    pwzIdentity: PCWSTR,
    ppwzFriendlyName: *mut PWSTR,
) -> HRESULT {
    call::hresult(|| {
        if ppwzFriendlyName.is_null() {
            return Err(E_INVALIDARG);
        }
        let mut store = open_store()?;
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let name = unsafe { identity_or_default(pwzIdentity, &mut store) }?;
        let friendly = store.friendly_name(&name).map_err(lib_err)?;
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzFriendlyName, &friendly) }
    })
}

/// Sets the friendly name of an identity (NULL means the default identity);
/// a NULL or empty friendly name resets it to the peer name.
///
/// # Errors
/// `E_INVALIDARG` (bad string, over 255 code units), `PEER_E_NOT_FOUND`;
/// `PEER_E_NO_KEY_ACCESS` as for `PeerIdentityGetFriendlyName`.
///
/// # Safety
/// The strings are NULL or NUL-terminated UTF-16.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentitySetFriendlyName(
    pwzIdentity: PCWSTR,
    pwzFriendlyName: PCWSTR,
) -> HRESULT {
    call::hresult(|| {
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let friendly = unsafe { friendly_name(pwzFriendlyName) }?;
        let mut store = open_store()?;
        // SAFETY: as above.
        let name = unsafe { identity_or_default(pwzIdentity, &mut store) }?;
        store.set_friendly_name(&name, &friendly).map_err(lib_err)
    })
}

/// A handle on the identity's private key (NULL means the default
/// identity), for `PeerIdentityCreate` and `CryptReleaseContext`.
///
/// # Errors
/// `E_INVALIDARG`, `PEER_E_NOT_FOUND`; `PEER_E_NO_KEY_ACCESS` on a sealed
/// store that cannot be unlocked without asking (the OS keyring if the
/// store was sealed with it, then `$PEERID_PASSPHRASE_FILE`).
///
/// # Safety
/// `pwzIdentity` is NULL or NUL-terminated UTF-16; `phCryptProv` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityGetCryptKey(
    pwzIdentity: PCWSTR,
    phCryptProv: *mut HCRYPTPROV,
) -> HRESULT {
    call::hresult(|| {
        if phCryptProv.is_null() {
            return Err(E_INVALIDARG);
        }
        let mut store = open_store()?;
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let name = unsafe { identity_or_default(pwzIdentity, &mut store) }?;
        let key = keyed(&mut store, |s| s.private_key(&name))?;
        let h = KEYS.insert(std::sync::Arc::new(key))?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { phCryptProv.write(h) };
        Ok(())
    })
}

/// The default identity's peer name, created if there is none.
///
/// # Errors
/// `E_INVALIDARG` for a NULL `ppwzPeerName`; `PEER_E_NO_KEY_ACCESS` when it
/// must be created on a sealed store that cannot be unlocked without asking.
///
/// # Safety
/// `ppwzPeerName` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerIdentityGetDefault(ppwzPeerName: *mut PWSTR) -> HRESULT {
    call::hresult(|| {
        if ppwzPeerName.is_null() {
            return Err(E_INVALIDARG);
        }
        let name = keyed(&mut open_store()?, Store::default_identity)?;
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzPeerName, &name.to_string()) }
    })
}

/// A peer name from an identity's authority and a classifier. A NULL
/// identity gives the unsecured name `0.<classifier>`; a NULL classifier
/// gives the identity's own name; both NULL is `E_INVALIDARG`.
///
/// # Errors
/// `E_INVALIDARG`, `PEER_E_NOT_FOUND` (the identity is not in the store).
///
/// # Safety
/// The strings are NULL or NUL-terminated UTF-16; `ppwzPeerName` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerCreatePeerName(
    pwzIdentity: PCWSTR,
    pwzClassifier: PCWSTR,
    ppwzPeerName: *mut PWSTR,
) -> HRESULT {
    call::hresult(|| {
        if ppwzPeerName.is_null() || (pwzIdentity.is_null() && pwzClassifier.is_null()) {
            return Err(E_INVALIDARG);
        }
        let name = if pwzIdentity.is_null() {
            // SAFETY: the caller promises a NUL-terminated string.
            unsecured_peer_name(&unsafe { classifier(pwzClassifier) }?)
        } else {
            // SAFETY: as above.
            let id = unsafe { identity(pwzIdentity) }?;
            let class = if pwzClassifier.is_null() {
                id.classifier().clone()
            } else {
                // SAFETY: as above.
                unsafe { classifier(pwzClassifier) }?
            };
            open_store()?
                .create_peer_name(&id, &class)
                .map_err(lib_err)?
        };
        // SAFETY: checked non-NULL above.
        unsafe { put_string(ppwzPeerName, &name.to_string()) }
    })
}
