//! Sealed stores (keys at rest, docs/design.md §12) from Python: the
//! bodies of `Store.seal`, `unseal`, `change_passphrase`, `unlock`,
//! `unlock_from_keyring`, `lock`, `is_sealed`, `is_locked` and
//! `seal_status`, and the `peerid.SealStatus` they return. Every scrypt run
//! (seal, unlock, a new passphrase) happens with the GIL released.

use std::time::UNIX_EPOCH;

use peerid::SealOptions;
use pyo3::prelude::*;

use crate::convert;
use crate::errors::IntoPy;
use crate::shared::Shared;

/// A work factor argument: an int (the library checks its range: 10 to 22,
/// else `InvalidArgument`), or None for the default.
fn work_factor(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u8>> {
    obj.filter(|o| !o.is_none())
        .map(|n| convert::count(n, "work_factor", u8::MAX.into()))
        .transpose()
        .map(|n| n.map(|n| u8::try_from(n).unwrap_or(u8::MAX)))
}

/// `Store.seal`: a new store key wrapped under `passphrase`, every key
/// re-encrypted, one transaction; the store stays unlocked.
pub(crate) fn seal(
    py: Python<'_>,
    shared: &Shared,
    passphrase: &Bound<'_, PyAny>,
    work: Option<&Bound<'_, PyAny>>,
    keyring: bool,
) -> PyResult<()> {
    let passphrase = convert::password(passphrase)?;
    let opts = SealOptions {
        work_factor: work_factor(work)?,
        keyring,
    };
    py.detach(|| shared.lock().seal(&passphrase, &opts))
        .py_err()
}

/// `Store.unseal`: needs the key (unlocked without asking if need be).
pub(crate) fn unseal(py: Python<'_>, shared: &Shared) -> PyResult<()> {
    py.detach(|| shared.keyed(|s| s.unseal())).py_err()
}

/// `Store.change_passphrase`: needs the key (unlocked without asking if
/// need be); the key rows are not touched.
pub(crate) fn change_passphrase(
    py: Python<'_>,
    shared: &Shared,
    new: &Bound<'_, PyAny>,
    work: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let new = convert::password(new)?;
    let work = work_factor(work)?;
    py.detach(|| shared.keyed(|s| s.change_passphrase(&new, work)))
        .py_err()
}

/// `Store.unlock`: one scrypt run, the GIL released.
pub(crate) fn unlock(
    py: Python<'_>,
    shared: &Shared,
    passphrase: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let passphrase = convert::password(passphrase)?;
    py.detach(|| shared.lock().unlock(&passphrase)).py_err()
}

/// `Store.unlock_from_keyring`: whether the OS keyring gave the key.
pub(crate) fn unlock_from_keyring(py: Python<'_>, shared: &Shared) -> PyResult<bool> {
    py.detach(|| shared.lock().unlock_from_keyring()).py_err()
}

/// `Store.lock`: forgets the store key.
pub(crate) fn lock(py: Python<'_>, shared: &Shared) {
    py.detach(|| shared.lock().lock());
}

/// What `Store.seal_status()` returns: whether the store is sealed, how its
/// store key is kept, and whether this `Store` holds it. No secret.
#[pyclass(frozen, module = "peerid")]
pub struct SealStatus {
    /// Whether the store is sealed.
    #[pyo3(get)]
    sealed: bool,
    /// The scrypt work factor (log2 N) of the wrapped key; None if unsealed.
    #[pyo3(get)]
    work_factor: Option<u8>,
    /// Whether the store key is also kept in the OS keyring.
    #[pyo3(get)]
    keyring: bool,
    /// Whether this Store holds the store key (False when unsealed).
    #[pyo3(get)]
    unlocked: bool,
    /// The store's random id (names its keyring entry); None if unsealed.
    #[pyo3(get)]
    store_id: Option<String>,
    /// When it was sealed, seconds since the Unix epoch; None if unsealed.
    #[pyo3(get)]
    sealed_at: Option<u64>,
}

#[pymethods]
impl SealStatus {
    fn __repr__(&self) -> String {
        match self.work_factor {
            Some(n) if self.sealed => format!(
                "<peerid.SealStatus sealed work_factor={n} keyring={} unlocked={}>",
                if self.keyring { "True" } else { "False" },
                if self.unlocked { "True" } else { "False" },
            ),
            _ => "<peerid.SealStatus not sealed>".to_owned(),
        }
    }
}

/// `Store.seal_status()`.
pub(crate) fn status(py: Python<'_>, shared: &Shared) -> PyResult<SealStatus> {
    let s = shared.with(py, |s| s.seal_status())?;
    Ok(SealStatus {
        sealed: s.sealed,
        work_factor: s.work_factor,
        keyring: s.keyring,
        unlocked: s.unlocked,
        store_id: s.store_id,
        sealed_at: s
            .sealed_at
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs()),
    })
}
