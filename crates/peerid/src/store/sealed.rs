//! Keys at rest (docs/design.md §12): sealing a store, unsealing it,
//! changing its passphrase, and unlocking it.
//!
//! A sealed store keeps every private key encrypted (ChaCha20-Poly1305, a
//! random nonce per key, the peer name and key type as associated data)
//! under a random 256-bit store key. The store key is kept wrapped with a
//! passphrase as an age v1 file (scrypt recipient), which Debian's
//! `age -d` opens, and, if the user asks, in the OS keyring. Everything
//! public works on a sealed store without its key; what needs a private key
//! needs the store unlocked first.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::Store;
use super::db::{NewSeal, Record, SealRow};
use super::sealing::{self, StoreKey};
use crate::error::{Error, Result};

/// Environment variable naming a file whose first line is a sealed store's
/// passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "PEERID_PASSPHRASE_FILE";

/// How to seal a store.
#[derive(Debug, Clone, Default)]
pub struct SealOptions {
    /// The scrypt work factor (log2 N) of the passphrase wrapping, from
    /// [`MIN_SEAL_WORK_FACTOR`](crate::MIN_SEAL_WORK_FACTOR) to
    /// [`MAX_SEAL_WORK_FACTOR`](crate::MAX_SEAL_WORK_FACTOR); `None` takes
    /// age's choice: what its one timing of this machine puts at one to two
    /// seconds (never over the bound).
    pub work_factor: Option<u8>,
    /// Also keep the store key in the OS keyring, so that this user is not
    /// asked for the passphrase (needs the `keyring` feature).
    pub keyring: bool,
}

/// Whether and how a store is sealed. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealStatus {
    /// Whether the store is sealed.
    pub sealed: bool,
    /// The scrypt work factor of the wrapped key; `None` when unsealed.
    pub work_factor: Option<u8>,
    /// Whether the user chose to keep the store key in the OS keyring.
    pub keyring: bool,
    /// Whether this `Store` holds the store key (always `false` when the
    /// store is not sealed).
    pub unlocked: bool,
    /// The store's random identifier, which names its keyring entry
    /// (service `peerid`, user `store key <id>`); `None` when unsealed.
    pub store_id: Option<String>,
    /// When it was sealed, to the second.
    pub sealed_at: Option<SystemTime>,
}

impl Store {
    /// Whether and how this store is sealed.
    ///
    /// # Errors
    /// Store errors; [`Error::StoreCorrupted`] if the wrapped key is not one.
    pub fn seal_status(&self) -> Result<SealStatus> {
        let Some(row) = self.db.seal_row()? else {
            return Ok(SealStatus {
                sealed: false,
                work_factor: None,
                keyring: false,
                unlocked: false,
                store_id: None,
                sealed_at: None,
            });
        };
        let work_factor =
            sealing::wrapped_work_factor(&row.wrapped_key).map_err(|e| self.here(e))?;
        Ok(SealStatus {
            sealed: true,
            work_factor: Some(work_factor),
            keyring: row.keyring,
            unlocked: self.key.as_ref().is_some_and(|k| k.matches(&row.key_check)),
            store_id: Some(row.store_id),
            // A time past what this platform's clock holds (a damaged
            // row) is shown as unknown.
            sealed_at: UNIX_EPOCH.checked_add(std::time::Duration::from_secs(
                u64::try_from(row.sealed_at).unwrap_or(0),
            )),
        })
    }

    /// Whether this store is sealed.
    ///
    /// # Errors
    /// Store errors.
    pub fn is_sealed(&self) -> Result<bool> {
        Ok(self.db.seal_row()?.is_some())
    }

    /// Whether the store is sealed and this `Store` does not hold its key:
    /// then what needs a private key fails with [`Error::StoreLocked`].
    ///
    /// # Errors
    /// Store errors.
    pub fn is_locked(&self) -> Result<bool> {
        Ok(match self.db.seal_row()? {
            None => false,
            Some(row) => !self.key.as_ref().is_some_and(|k| k.matches(&row.key_check)),
        })
    }

    /// Seals the store: makes a random store key, wraps it with
    /// `passphrase`, and encrypts every private key under it, in one
    /// transaction; then rebuilds the database and truncates its log, so
    /// that no plaintext key is left in any of the store's files. The
    /// `Store` stays unlocked.
    ///
    /// ```
    /// use peerid::{CreateOptions, SealOptions, Store};
    /// use peerid::secrecy::SecretString;
    ///
    /// # fn main() -> peerid::Result<()> {
    /// # let tmp = tempfile::tempdir().unwrap();
    /// let mut store = Store::open(tmp.path().join("store"))?;
    /// let name = store.create(&CreateOptions::default())?;
    /// let passphrase = SecretString::from("correct horse battery staple");
    /// # let opts = SealOptions { work_factor: Some(10), ..SealOptions::default() };
    /// store.seal(&passphrase, &opts)?;
    ///
    /// // Another process (or a new Store) sees it sealed and locked.
    /// let mut other = Store::open(store.dir())?;
    /// assert!(other.is_locked()?);
    /// assert!(other.get(&name).is_err());
    /// other.list()?; // public data needs no passphrase
    /// other.unlock(&passphrase)?;
    /// other.get(&name)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the store is already sealed, the
    /// passphrase is empty, the work factor is out of range, or the keyring
    /// is asked for in a build without it; [`Error::Failed`] if the OS
    /// keyring cannot be used (then nothing changed); store errors.
    pub fn seal(&mut self, passphrase: &SecretString, opts: &SealOptions) -> Result<()> {
        if self.is_sealed()? {
            return Err(Error::InvalidArgument(
                "the store is already sealed (`store passphrase` changes its passphrase)".into(),
            ));
        }
        sealing::check_passphrase(passphrase)?;
        if let Some(n) = opts.work_factor {
            sealing::check_work_factor(n)?;
        }
        if opts.keyring && !cfg!(feature = "keyring") {
            return Err(Error::InvalidArgument(
                "this build of peerid has no OS keyring support".into(),
            ));
        }
        let key = StoreKey::generate()?;
        let wrapped = key.wrap(passphrase, opts.work_factor)?;
        let store_id = new_store_id()?;
        // The keyring first: if it cannot be used, nothing has changed.
        #[cfg(feature = "keyring")]
        if opts.keyring {
            super::keyring::put(&store_id, &key)?;
        }
        let sealed = self.db.seal_all(&NewSeal {
            key: &key,
            wrapped_key: &wrapped,
            store_id: &store_id,
            keyring: opts.keyring,
            sealed_at: super::now_unix(),
        });
        // Whether the seal committed is whether the store now has our key:
        // an error may come after the commit (the scrub), or from another
        // process that sealed it first.
        let ours = sealed.is_ok()
            || self
                .db
                .seal_row()
                .ok()
                .flatten()
                .is_some_and(|row| key.matches(&row.key_check));
        #[cfg(feature = "keyring")]
        if opts.keyring && !ours {
            let _ = super::keyring::delete(&store_id);
        }
        if ours {
            self.key = Some(key);
        }
        sealed
    }

    /// Unseals the store: decrypts every private key back to plain PKCS#8
    /// and drops the wrapped key, in one transaction; then removes the
    /// store key from the OS keyring if it was there. The store must be
    /// unlocked.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if it is not sealed; [`Error::StoreLocked`];
    /// [`Error::StoreCorrupted`] if a key row does not decrypt (nothing
    /// changes); store errors.
    pub fn unseal(&mut self) -> Result<()> {
        let row = self
            .db
            .seal_row()?
            .ok_or_else(|| Error::InvalidArgument("the store is not sealed".into()))?;
        let key = self.key.as_ref().ok_or_else(|| self.db.locked(""))?;
        self.db.unseal_all(key)?;
        self.key = None;
        #[cfg(feature = "keyring")]
        if row.keyring {
            // Only an entry holding this store's key, so that a changed id
            // cannot remove another's. (A copy of the store directory shares
            // id and key: unsealing one leaves the other to its passphrase.)
            if let Ok(Some(hex)) = super::keyring::get(&row.store_id)
                && StoreKey::from_hex_checked(&hex, &row.key_check).is_some()
            {
                let _ = super::keyring::delete(&row.store_id);
            }
        }
        #[cfg(not(feature = "keyring"))]
        let _ = row;
        Ok(())
    }

    /// Changes the passphrase: wraps the same store key under `new`; the
    /// key rows are not touched. The store must be unlocked.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if it is not sealed, the passphrase is
    /// empty or the work factor out of range; [`Error::StoreLocked`]; store
    /// errors.
    pub fn change_passphrase(&mut self, new: &SecretString, work_factor: Option<u8>) -> Result<()> {
        if !self.is_sealed()? {
            return Err(Error::InvalidArgument("the store is not sealed".into()));
        }
        let key = self.key.as_ref().ok_or_else(|| self.db.locked(""))?;
        let wrapped = key.wrap(new, work_factor)?;
        self.db.rewrap(key, &wrapped)
    }

    /// Unlocks a sealed store with its passphrase: one scrypt run. Nothing
    /// to do on a store that is not sealed.
    ///
    /// # Errors
    /// [`Error::WrongPassphrase`]; [`Error::StoreCorrupted`] if the wrapped
    /// key is damaged or asks for more scrypt work than allowed; store
    /// errors.
    pub fn unlock(&mut self, passphrase: &SecretString) -> Result<()> {
        let Some(row) = self.db.seal_row()? else {
            return Ok(());
        };
        let key = StoreKey::unwrap(&row.wrapped_key, &row.key_check, passphrase)
            .map_err(|e| self.here(e))?;
        self.key = Some(key);
        Ok(())
    }

    /// As [`Store::unlock`], with the first line of `path` as the
    /// passphrase (at most 64 KiB; a final line end is not part of it).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the file cannot be read; as
    /// [`Store::unlock`].
    pub fn unlock_with_passphrase_file(&mut self, path: &Path) -> Result<()> {
        if !self.is_sealed()? {
            return Ok(());
        }
        let passphrase = sealing::passphrase_from_file(path)?;
        self.unlock(&passphrase)
    }

    /// Unlocks the store with the key kept in the OS keyring, if it was
    /// sealed with the keyring. `Ok(false)`: not sealed, not sealed with
    /// the keyring, or the keyring has no entry for it or a stale one.
    ///
    /// # Errors
    /// [`Error::Failed`] if the keyring cannot be reached (within 20 s);
    /// store errors.
    pub fn unlock_from_keyring(&mut self) -> Result<bool> {
        let Some(row) = self.db.seal_row()? else {
            return Ok(false);
        };
        if !row.keyring {
            return Ok(false);
        }
        self.unlock_from_keyring_row(&row)
    }

    #[cfg(feature = "keyring")]
    fn unlock_from_keyring_row(&mut self, row: &SealRow) -> Result<bool> {
        let Some(hex) = super::keyring::get(&row.store_id)? else {
            return Ok(false);
        };
        match StoreKey::from_hex_checked(&hex, &row.key_check) {
            Some(key) => {
                self.key = Some(key);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    #[cfg(not(feature = "keyring"))]
    fn unlock_from_keyring_row(&mut self, _row: &SealRow) -> Result<bool> {
        Ok(false)
    }

    /// Unlocks a sealed store without asking anyone, as the C ABI and the
    /// Python package do: from the OS keyring if the store was sealed with
    /// it, else with the passphrase file named by
    /// [`PASSPHRASE_FILE_ENV`]. Nothing to do if the store is not sealed or
    /// already unlocked.
    ///
    /// # Errors
    /// [`Error::StoreLocked`] if neither gave the key (its message says
    /// what was tried); [`Error::WrongPassphrase`]; as [`Store::unlock`].
    pub fn unlock_without_asking(&mut self) -> Result<()> {
        if !self.is_locked()? {
            return Ok(());
        }
        let mut tried = String::new();
        match self.unlock_from_keyring() {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => tried = format!("; the OS keyring could not be used: {e}"),
        }
        match std::env::var_os(PASSPHRASE_FILE_ENV).filter(|v| !v.is_empty()) {
            Some(file) => self.unlock_with_passphrase_file(Path::new(&file)),
            None => Err(self.db.locked(&format!(
                "{tried}; set {PASSPHRASE_FILE_ENV} to a file holding it"
            ))),
        }
    }

    /// Forgets the store key: the store is locked again (if sealed).
    pub fn lock(&mut self) {
        self.key = None;
    }

    /// The wrapped store key: an age v1 file that `age -d` opens with the
    /// passphrase to the 32 bytes of the store key (for a backup, or to
    /// check the wrapping with age itself).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the store is not sealed; store errors.
    pub fn wrapped_store_key(&self) -> Result<Vec<u8>> {
        self.db
            .seal_row()?
            .map(|row| row.wrapped_key)
            .ok_or_else(|| Error::InvalidArgument("the store is not sealed".into()))
    }

    /// The plain PKCS#8 of a record read with `check` (the seal's key check
    /// as read with it, `None` if the store was not sealed then).
    pub(crate) fn plain_key(
        &self,
        record: &Record,
        check: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let Some(check) = check else {
            return Ok(record.private_key.clone());
        };
        let key = match &self.key {
            Some(k) if k.matches(check) => k,
            Some(_) => {
                return Err(self
                    .db
                    .locked("; it was sealed again with another key since it was unlocked"));
            }
            None => return Err(self.db.locked("")),
        };
        key.open_row(&record.peer_name, &record.key_type, &record.private_key)
            .ok_or_else(|| self.db.tampered_row(&record.peer_name))
    }

    /// The store key, for the writes that seal new rows.
    pub(crate) fn store_key(&self) -> Option<&StoreKey> {
        self.key.as_ref()
    }

    /// Puts this store's database path into a [`Error::StoreCorrupted`]
    /// made without one.
    fn here(&self, e: Error) -> Error {
        match e {
            Error::StoreCorrupted { path, reason } if path.as_os_str().is_empty() => {
                Error::StoreCorrupted {
                    path: self.db.path().to_owned(),
                    reason,
                }
            }
            e => e,
        }
    }
}

fn new_store_id() -> Result<String> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| Error::Failed {
        context: "drawing random bytes".into(),
        reason: e.to_string(),
    })?;
    Ok(id.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
