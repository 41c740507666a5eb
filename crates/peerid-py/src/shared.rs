//! The one library [`Store`](peerid::Store) behind every Python object of a
//! store: a `Store` is `Send` but not `Sync`, so it is used by one thread at
//! a time, behind a mutex that is only ever waited for with the GIL
//! released (a thread holding the GIL never blocks on it, so no deadlock).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;

use crate::errors::IntoPy;

/// A store shared by the Python `Store`, its `PeerBook` and its identities.
pub(crate) struct Shared {
    store: Mutex<peerid::Store>,
    dir: PathBuf,
}

impl Shared {
    /// Opens a store (the default one for `None`), without the GIL.
    pub(crate) fn open(py: Python<'_>, dir: Option<PathBuf>) -> PyResult<Arc<Shared>> {
        py.detach(|| {
            let store = match dir {
                Some(d) => peerid::Store::open(d)?,
                None => peerid::Store::open_default()?,
            };
            let dir = store.dir().to_owned();
            Ok(Arc::new(Shared {
                store: Mutex::new(store),
                dir,
            }))
        })
        .py_err()
    }

    /// The store's directory.
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Runs `f` on the store with the GIL released: one library call (one
    /// transaction). Keep key derivation and the reading of Python files
    /// out of `f`, so that other threads are not kept waiting on the lock.
    pub(crate) fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&peerid::Store) -> peerid::Result<T> + Send,
    ) -> PyResult<T> {
        py.detach(|| f(&self.lock())).py_err()
    }

    /// Runs `f`, a call that may need a private key, on the store; the
    /// caller is already detached from the interpreter. If it fails because
    /// the store is sealed and locked, unlocks it without asking (the OS
    /// keyring if the store was sealed with it, then the passphrase in the
    /// file named by `$PEERID_PASSPHRASE_FILE`: what the CLI and the C ABI
    /// do) and runs `f` once more; a failed call changed nothing (one
    /// transaction), and one that needs no key after all (an unknown name,
    /// a default that exists) costs no scrypt run. The lock is held while
    /// unlocking: other threads on this store wait for it, without the GIL.
    pub(crate) fn keyed<T>(
        &self,
        mut f: impl FnMut(&mut peerid::Store) -> peerid::Result<T>,
    ) -> peerid::Result<T> {
        let mut store = self.lock();
        match f(&mut store) {
            Err(peerid::Error::StoreLocked { .. }) => {
                store.unlock_without_asking()?;
                f(&mut store)
            }
            other => other,
        }
    }

    /// The lock, for a caller already detached from the interpreter.
    pub(crate) fn lock(&self) -> MutexGuard<'_, peerid::Store> {
        // A panic while locked cannot leave a half-done change: each call
        // is one SQLite transaction, rolled back if not committed.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
