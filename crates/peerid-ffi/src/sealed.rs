//! Sealed stores (keys at rest, docs/design.md §12): a C program cannot be
//! asked for a passphrase, so a call that needs a private key unlocks a
//! sealed store the way `Store::unlock_without_asking` does (the OS keyring
//! if the user chose it, then the file named by `$PEERID_PASSPHRASE_FILE`)
//! and otherwise fails with `PEER_E_NO_KEY_ACCESS`. Everything public
//! (enumerations, XML, friendly names, delete) never unlocks: it works on a
//! sealed store with no passphrase at all.
//!
//! Each exported function opens its own store, so each call that needs a
//! key on a sealed store pays one scrypt run (or one keyring look-up).

use peerid::Store;

use crate::call::lib_err;
use crate::types::{HRESULT, PEER_E_NO_KEY_ACCESS};

/// Runs `f`, a store call that may need a private key. If it fails because
/// the store is sealed and locked, unlocks the store without asking and
/// runs `f` once more: a call that turns out to need no key (a default
/// identity that already exists, an unknown name) costs no scrypt run.
/// A call that failed with `StoreLocked` changed nothing (one transaction),
/// so running it again is safe.
///
/// # Errors
/// `f`'s, mapped to their HRESULT; `PEER_E_NO_KEY_ACCESS` when the store
/// cannot be unlocked: no keyring entry and no passphrase file, a wrong
/// passphrase, or a passphrase file that cannot be read (which the library
/// calls an invalid argument, but the caller passed no such argument).
pub(crate) fn keyed<T>(
    store: &mut Store,
    mut f: impl FnMut(&Store) -> peerid::Result<T>,
) -> Result<T, HRESULT> {
    match f(store) {
        Err(peerid::Error::StoreLocked { .. }) => {
            store.unlock_without_asking().map_err(|e| match e {
                peerid::Error::InvalidArgument(_) => PEER_E_NO_KEY_ACCESS,
                e => lib_err(e),
            })?;
            f(store).map_err(lib_err)
        }
        other => other.map_err(lib_err),
    }
}
