//! `peerid.Store`: a user's identity store (docs/design.md §6).

use std::path::PathBuf;
use std::sync::Arc;

use peerid::transfer::{self, DEFAULT_MAX_ITERATIONS};
use peerid::{
    Classifier, CreateOptions, ExportParams, FriendlyName, ImportOptions, KeyType, PfxProfile,
};
use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList};

use crate::convert::peer_name;
use crate::errors::IntoPy;
use crate::identity::Identity;
use crate::peers::PeerBook;
use crate::shared::Shared;

/// The most identities one `create_batch` call makes.
const MAX_BATCH: u64 = 100_000;

/// A user's identity store: a private directory holding an SQLite database.
/// Safe to share between threads; every call is one transaction and
/// releases the GIL while it runs.
///
/// On a sealed store, what needs a private key (`create`, `create_batch`,
/// `export`, `import_`, `default` when it makes one, `Identity.sign`,
/// `unseal`, `change_passphrase`) unlocks it without asking when it is
/// locked, as the `peerid` command and the C ABI do: from the OS keyring if
/// the store was sealed with it, then from the file named by
/// `$PEERID_PASSPHRASE_FILE`; otherwise `NoKeyAccess`. `unlock` gives the
/// passphrase explicitly.
#[pyclass(frozen, module = "peerid")]
pub struct Store {
    shared: Arc<Shared>,
}

impl Store {
    /// Runs `f` on the library store with the GIL released.
    pub(crate) fn with_store<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&peerid::Store) -> peerid::Result<T> + Send,
    ) -> PyResult<T> {
        self.shared.with(py, f)
    }

    fn identity(&self, py: Python<'_>, name: &peerid::PeerName) -> PyResult<Identity> {
        let summary = self.shared.with(py, |s| s.show(name))?;
        Ok(Identity::new(&self.shared, summary))
    }
}

fn create_options(
    classifier: &str,
    friendly_name: Option<&str>,
    key: &str,
) -> PyResult<CreateOptions> {
    Ok(CreateOptions {
        classifier: Classifier::new(classifier).py_err()?,
        friendly_name: friendly_name
            .map(FriendlyName::new)
            .transpose()
            .py_err()?
            .unwrap_or_default(),
        key_type: KeyType::parse(key).py_err()?,
    })
}

#[pymethods]
impl Store {
    /// Opens the store in `path`, creating it (0700, database 0600) if
    /// needed; `None` is `$PEERID_STORE`, else the per-user data directory
    /// (`~/.local/share/peerid` on Linux), as for the `peerid` command.
    #[new]
    #[pyo3(signature = (path = None))]
    fn new(py: Python<'_>, path: Option<PathBuf>) -> PyResult<Store> {
        Ok(Store {
            shared: Shared::open(py, path)?,
        })
    }

    /// The store's directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.shared.dir().to_owned()
    }

    /// The peer book of this store.
    #[getter]
    fn peers(&self) -> PeerBook {
        PeerBook::new(&self.shared)
    }

    /// Creates an identity with a new key. `key` is one of ed25519 (the
    /// default), p256, rsa2048, rsa3072, rsa4096. The key is made with the
    /// GIL released and the store unlocked.
    #[pyo3(signature = (classifier = "", friendly_name = None, key = "ed25519"))]
    fn create(
        &self,
        py: Python<'_>,
        classifier: &str,
        friendly_name: Option<&str>,
        key: &str,
    ) -> PyResult<Identity> {
        let opts = create_options(classifier, friendly_name, key)?;
        let shared = &self.shared;
        let name = py
            .detach(|| {
                // The key is made (an RSA-4096 key takes about a second)
                // before the lock is taken; the insert is Store::create's.
                let identity =
                    peerid::Identity::generate(opts.key_type, opts.classifier, opts.friendly_name)?;
                shared.keyed(|s| s.insert(&identity))?;
                Ok(identity.peer_name().clone())
            })
            .py_err()?;
        self.identity(py, &name)
    }

    /// Creates `count` identities with new keys in one transaction (0 to
    /// 100,000 at a time): the quick way to fill a store. The keys are made
    /// with the GIL released and the store unlocked; then all are added, or
    /// none.
    #[pyo3(signature = (count, classifier = "", key = "ed25519"))]
    fn create_batch(
        &self,
        py: Python<'_>,
        count: &Bound<'_, PyAny>,
        classifier: &str,
        key: &str,
    ) -> PyResult<Vec<Identity>> {
        let count = crate::convert::count(count, "count", MAX_BATCH)?;
        let count = usize::try_from(count).unwrap_or(0);
        let opts = create_options(classifier, None, key)?;
        let shared = &self.shared;
        let names = py
            .detach(|| {
                // Every key is made before the lock is taken; then one
                // transaction adds them all, or none.
                let identities = (0..count)
                    .map(|_| {
                        peerid::Identity::generate(
                            opts.key_type,
                            opts.classifier.clone(),
                            opts.friendly_name.clone(),
                        )
                    })
                    .collect::<peerid::Result<Vec<_>>>()?;
                shared.keyed(|s| s.insert_batch(&identities))?;
                Ok(identities
                    .iter()
                    .map(|i| i.peer_name().clone())
                    .collect::<Vec<_>>())
            })
            .py_err()?;
        let wanted: std::collections::BTreeSet<_> = names.into_iter().collect();
        let all = self.shared.with(py, |s| s.list())?;
        Ok(all
            .into_iter()
            .filter(|s| wanted.contains(&s.peer_name))
            .map(|s| Identity::new(&self.shared, s))
            .collect())
    }

    /// Every identity, ordered by peer name.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<Identity>> {
        let all = self.shared.with(py, |s| s.list())?;
        Ok(all
            .into_iter()
            .map(|s| Identity::new(&self.shared, s))
            .collect())
    }

    /// The default identity, created (Ed25519, no classifier) on first use.
    fn default(&self, py: Python<'_>) -> PyResult<Identity> {
        let shared = &self.shared;
        let name = py
            .detach(|| shared.keyed(|s| s.default_identity()))
            .py_err()?;
        self.identity(py, &name)
    }

    /// Makes an identity the store's default.
    fn set_default(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        let name = peer_name(name)?;
        self.shared.with(py, |s| s.set_default(&name))
    }

    /// Exports an identity, private key included, as a `PEERIDENTITYEXPORT`
    /// document protected by `password` (str, or bytes holding UTF-8; never
    /// kept). `iterations` defaults to 600,000 (2,048 with `legacy`, which
    /// uses 3DES and HMAC-SHA1 for readers that predate AES PFX files). The
    /// key derivation runs with the GIL released and the store unlocked.
    #[pyo3(signature = (name, password, iterations = None, legacy = false))]
    fn export(
        &self,
        py: Python<'_>,
        name: &str,
        password: &Bound<'_, PyAny>,
        iterations: Option<&Bound<'_, PyAny>>,
        legacy: bool,
    ) -> PyResult<String> {
        let iterations = iterations
            .map(|n| crate::convert::count(n, "iterations", u32::MAX.into()))
            .transpose()?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let name = peer_name(name)?;
        let password = crate::convert::password(password)?;
        let base = if legacy {
            ExportParams::legacy()
        } else {
            ExportParams::default()
        };
        let params = ExportParams {
            profile: if legacy {
                PfxProfile::Legacy
            } else {
                PfxProfile::Modern
            },
            iterations: iterations.unwrap_or(base.iterations),
        };
        let shared = &self.shared;
        py.detach(|| {
            let identity = shared.keyed(|s| s.get(&name))?;
            transfer::export(&identity, &password, &params)
        })
        .py_err()
    }

    /// Imports an identity from an export document (str or bytes) with its
    /// password, refusing a document whose key derivation asks for more than
    /// `max_iterations` (default 1,000,000). What of the document could not
    /// be kept (a friendly name the store cannot hold) is a `UserWarning`,
    /// given before the identity is added: a warning filter that makes it
    /// an error leaves the store unchanged.
    #[pyo3(signature = (document, password, max_iterations = DEFAULT_MAX_ITERATIONS))]
    fn import_(
        &self,
        py: Python<'_>,
        document: &Bound<'_, PyAny>,
        password: &Bound<'_, PyAny>,
        max_iterations: u32,
    ) -> PyResult<Identity> {
        let doc = crate::convert::document(document)?;
        let password = crate::convert::password(password)?;
        let opts = ImportOptions { max_iterations };
        let shared = &self.shared;
        // Steps 1-6 of the import (the key derivation among them) without
        // the lock; then the warnings, so that one turned into an error
        // (warnings.simplefilter("error")) leaves the store unchanged; then
        // the one atomic insert.
        let imported = py
            .detach(|| transfer::import(&doc, &password, &opts))
            .py_err()?;
        for notice in &imported.notices {
            PyErr::warn(
                py,
                &py.get_type::<PyUserWarning>(),
                &std::ffi::CString::new(notice.to_string()).unwrap_or_default(),
                1,
            )?;
        }
        py.detach(|| shared.keyed(|s| s.insert(&imported.identity)))
            .py_err()?;
        let name = imported.peer_name().clone();
        drop(imported);
        self.identity(py, &name)
    }

    /// Seals the store (keys at rest): a new random store key wrapped with
    /// `passphrase` (str, or bytes holding UTF-8) in age's scrypt format,
    /// every private key encrypted under it, in one transaction. The store
    /// stays unlocked. `work_factor`: scrypt's log2 N (10 to 22; None:
    /// age's choice, 1 to 2 s); `keyring`: also keep the store key in the OS
    /// keyring. The scrypt run happens with the GIL released.
    #[pyo3(signature = (passphrase, *, work_factor = None, keyring = false))]
    fn seal(
        &self,
        py: Python<'_>,
        passphrase: &Bound<'_, PyAny>,
        work_factor: Option<&Bound<'_, PyAny>>,
        keyring: bool,
    ) -> PyResult<()> {
        crate::seal::seal(py, &self.shared, passphrase, work_factor, keyring)
    }

    /// Decrypts every key back and drops the seal, in one transaction.
    /// Needs the store key: unlocked as for `export` if need be.
    fn unseal(&self, py: Python<'_>) -> PyResult<()> {
        crate::seal::unseal(py, &self.shared)
    }

    /// Wraps the same store key under a new passphrase; the keys are not
    /// touched. Needs the store key: unlocked as for `export` if need be.
    #[pyo3(signature = (new, *, work_factor = None))]
    fn change_passphrase(
        &self,
        py: Python<'_>,
        new: &Bound<'_, PyAny>,
        work_factor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        crate::seal::change_passphrase(py, &self.shared, new, work_factor)
    }

    /// Unlocks a sealed store with its passphrase (one scrypt run, the GIL
    /// released); nothing on an unsealed store.
    fn unlock(&self, py: Python<'_>, passphrase: &Bound<'_, PyAny>) -> PyResult<()> {
        crate::seal::unlock(py, &self.shared, passphrase)
    }

    /// Unlocks a store sealed with `keyring=True` from the OS keyring;
    /// whether it did.
    fn unlock_from_keyring(&self, py: Python<'_>) -> PyResult<bool> {
        crate::seal::unlock_from_keyring(py, &self.shared)
    }

    /// Forgets the store key (wiped); a sealed store is locked again.
    fn lock(&self, py: Python<'_>) {
        crate::seal::lock(py, &self.shared);
    }

    /// Whether the store is sealed.
    #[getter]
    fn is_sealed(&self, py: Python<'_>) -> PyResult<bool> {
        self.shared.with(py, |s| s.is_sealed())
    }

    /// Whether the store is sealed and this Store does not hold its key.
    #[getter]
    fn is_locked(&self, py: Python<'_>) -> PyResult<bool> {
        self.shared.with(py, |s| s.is_locked())
    }

    /// Whether the store is sealed, how its key is kept, whether unlocked.
    fn seal_status(&self, py: Python<'_>) -> PyResult<crate::seal::SealStatus> {
        crate::seal::status(py, &self.shared)
    }

    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Identity> {
        let name = peer_name(name)?;
        self.identity(py, &name)
    }

    fn __delitem__(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        let name = peer_name(name)?;
        self.shared.with(py, |s| s.delete(&name))
    }

    fn __contains__(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<bool> {
        // Anything but a str naming a peer is not in the store.
        let Ok(name) = name.extract::<String>() else {
            return Ok(false);
        };
        let Ok(name) = peer_name(&name) else {
            return Ok(false);
        };
        match py.detach(|| self.shared.lock().show(&name)) {
            Ok(_) => Ok(true),
            Err(peerid::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(crate::errors::to_py(e)),
        }
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        let mut n = 0usize;
        self.shared.with(py, |s| {
            s.list_each(|_| {
                n += 1;
                Ok(())
            })
        })?;
        Ok(n)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        let list = PyList::new(py, self.list(py)?)?;
        PyIterator::from_object(&list)
    }

    fn __repr__(&self) -> String {
        format!("<peerid.Store {}>", self.shared.dir().display())
    }
}
