//! The identity store: one private directory per user holding an SQLite
//! database (docs/design.md §6), and the operations of the Windows Peer Identity
//! Manager on it.

// The Win32 security calls of the Windows store: the library's only
// `unsafe` code.
#[cfg(windows)]
mod acl;
pub(crate) mod db;
#[cfg(feature = "keyring")]
mod keyring;
// The store directory's permission and path-safety rules (§6): modes and
// `openat` on Unix, DACLs and held handles on Windows.
#[cfg_attr(windows, path = "path_windows.rs")]
pub(crate) mod path;
mod peers;
// The path-based form of the checks in `path.rs`, kept for its tests.
#[cfg(all(test, unix))]
mod perms;
mod schema;
mod sealed;
mod sealing;
mod signatures;
mod transfer;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::format::identity_info;
use crate::idc::Idc;
use crate::identity::Identity;
use crate::key::{KeyType, PrivateKey, PublicKey};
use crate::name::{Authority, Classifier, FriendlyName, PeerName};
use db::{Db, Record, Summary};
use sealing::StoreKey;

pub use sealed::{PASSPHRASE_FILE_ENV, SealOptions, SealStatus};
pub use sealing::{MAX_SEAL_WORK_FACTOR, MIN_SEAL_WORK_FACTOR};

/// Environment variable that names the store directory.
pub const STORE_ENV: &str = "PEERID_STORE";

/// What a new identity is made of.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Classifier; empty gives the name `<authority>.`.
    pub classifier: Classifier,
    /// Friendly name; empty means unset.
    pub friendly_name: FriendlyName,
    /// Key type of a newly generated key.
    pub key_type: KeyType,
}

/// An identity as `list` and `show` present it. Holds no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySummary {
    /// The identity's peer name.
    pub peer_name: PeerName,
    /// The friendly name, or the peer name when it is unset.
    pub friendly_name: FriendlyName,
    /// The key type.
    pub key_type: KeyType,
    /// Whether this is the store's default identity.
    pub is_default: bool,
}

/// A user's identity store.
///
/// Each method is one transaction: it changes the store completely or not at
/// all. Several `Store`s, in one process or many, may use the same directory
/// at once.
pub struct Store {
    db: Db,
    dir: PathBuf,
    /// The store key of a sealed store, once unlocked (docs/design.md §12).
    key: Option<StoreKey>,
}

impl Store {
    /// File name of the database inside the store directory.
    pub const DB_FILE: &str = db::DB_FILE;

    /// File name of the writers' lock file inside the store directory.
    pub const LOCK_FILE: &str = db::LOCK_FILE;

    /// Opens the store in `dir`, creating it (0700, database 0600) if needed.
    ///
    /// # Errors
    /// [`Error::StorePermissions`] if the directory or database is group or
    /// world accessible, [`Error::StoreInaccessible`] if it cannot be used,
    /// [`Error::StoreCorrupted`] if the database is damaged or not a store.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store> {
        let dir = dir.as_ref().to_owned();
        let db = Db::open(&dir)?;
        Ok(Store { db, dir, key: None })
    }

    /// The directory used when none is given: `$PEERID_STORE`, else the
    /// platform's per-user data directory (`~/.local/share/peerid` on
    /// Linux, `%APPDATA%\peerid` on Windows).
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`] if no home directory can be found.
    pub fn default_dir() -> Result<PathBuf> {
        if let Some(dir) = std::env::var_os(STORE_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        // `ProjectDirs` would add a `data` folder on Windows
        // (`%APPDATA%\peerid\data`); the roaming application data folder
        // itself is what Windows programs use.
        #[cfg(windows)]
        let dir = directories::BaseDirs::new().map(|b| b.data_dir().join("peerid"));
        #[cfg(not(windows))]
        let dir = directories::ProjectDirs::from("", "", "peerid").map(|p| p.data_dir().to_owned());
        dir.ok_or_else(|| Error::StoreInaccessible {
            path: PathBuf::from("~"),
            reason: format!("no home directory found, and {STORE_ENV} is not set"),
        })
    }

    /// Opens the store in [`Store::default_dir`].
    ///
    /// # Errors
    /// As [`Store::default_dir`] and [`Store::open`].
    pub fn open_default() -> Result<Store> {
        Store::open(Store::default_dir()?)
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates an identity with a new key and returns its peer name.
    ///
    /// # Errors
    /// [`Error::UnknownKeyType`] for a key type that cannot be created, or
    /// any store error.
    pub fn create(&self, opts: &CreateOptions) -> Result<PeerName> {
        let identity = Identity::generate(
            opts.key_type,
            opts.classifier.clone(),
            opts.friendly_name.clone(),
        )?;
        self.insert(&identity)?;
        Ok(identity.peer_name().clone())
    }

    /// Adds an identity (made by [`Identity::generate`], say, or read by
    /// [`transfer::import`](crate::transfer::import)).
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if an identity of that peer name is already
    /// here (it is left untouched), or a store error.
    pub fn insert(&self, identity: &Identity) -> Result<()> {
        self.db
            .insert(std::slice::from_ref(&record_of(identity)), self.store_key())
    }

    /// Adds many identities (made by [`Identity::generate`], say) in one
    /// transaction: all or none. Generating keys before taking whatever
    /// lock guards the store, then calling this, keeps the lock short.
    ///
    /// # Errors
    /// As [`Store::insert`]; on any error none is added.
    pub fn insert_batch(&self, identities: &[Identity]) -> Result<()> {
        let records: Vec<_> = identities.iter().map(record_of).collect();
        self.db.insert(&records, self.store_key())
    }

    /// One identity, key included.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::StoreCorrupted`] if the stored key or
    /// certificate does not parse or verify, or a store error.
    pub fn get(&self, name: &PeerName) -> Result<Identity> {
        let (record, check) = self.db.get(&name.to_string())?;
        let corrupted = |what: &str, e: Error| Error::StoreCorrupted {
            path: self.db.path().to_owned(),
            reason: format!("the {what} of {name} does not parse: {e}"),
        };
        let pkcs8 = self.plain_key(&record, check.as_deref())?;
        let key = PrivateKey::from_pkcs8_der(&pkcs8).map_err(|e| corrupted("key", e))?;
        let idc = Idc::from_der(&record.certificate).map_err(|e| corrupted("certificate", e))?;
        let friendly_name =
            FriendlyName::new(&record.friendly_name).map_err(|e| corrupted("friendly name", e))?;
        Ok(Identity::from_verified_parts(
            name.clone(),
            key,
            idc,
            friendly_name,
        ))
    }

    /// Creates an identity on an existing key (the `hCryptProv` of
    /// `PeerIdentityCreate`): same authority, its own classifier and IDC.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if that key and classifier are already an
    /// identity here, or any store error.
    pub fn create_with_key(
        &self,
        key: &PrivateKey,
        classifier: &Classifier,
        friendly_name: &FriendlyName,
    ) -> Result<PeerName> {
        let record = new_record(key, classifier, friendly_name)?;
        let name = PeerName::parse_secure(&record.peer_name)?;
        self.db
            .insert(std::slice::from_ref(&record), self.store_key())?;
        Ok(name)
    }

    /// Creates many identities in one transaction: all or none.
    ///
    /// # Errors
    /// As [`Store::create`].
    pub fn create_batch(&self, opts: &[CreateOptions]) -> Result<Vec<PeerName>> {
        let mut records = Vec::with_capacity(opts.len());
        let mut names = Vec::with_capacity(opts.len());
        for o in opts {
            let key = PrivateKey::generate(o.key_type)?;
            let r = new_record(&key, &o.classifier, &o.friendly_name)?;
            names.push(PeerName::parse_secure(&r.peer_name)?);
            records.push(r);
        }
        self.db.insert(&records, self.store_key())?;
        Ok(names)
    }

    /// Every identity, ordered by peer name.
    ///
    /// # Errors
    /// Store errors only.
    pub fn list(&self) -> Result<Vec<IdentitySummary>> {
        let mut out = Vec::new();
        self.list_each(|s| {
            out.push(s);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with every identity, ordered by peer name, one at a time:
    /// the way to walk a large store without holding it in memory.
    ///
    /// # Errors
    /// Store errors, or the first error `f` returns (which stops the walk).
    pub fn list_each(&self, mut f: impl FnMut(IdentitySummary) -> Result<()>) -> Result<()> {
        self.db.list_each(|s| f(self.summary_of(s)?))
    }

    /// An identity's public key, from its certificate; the private key is
    /// not read.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::StoreCorrupted`] if the certificate does
    /// not parse or verify, or a store error.
    pub fn public_key(&self, name: &PeerName) -> Result<PublicKey> {
        let der = self.db.certificate(&name.to_string())?;
        let idc = Idc::from_der(&der).map_err(|e| Error::StoreCorrupted {
            path: self.db.path().to_owned(),
            reason: format!("the certificate of {name} does not parse: {e}"),
        })?;
        Ok(idc.public_key().clone())
    }

    /// As [`Store::list_each`], with each identity's creation time. Each
    /// row is read whole (not only the index `list_each` reads), though no
    /// key is decoded.
    ///
    /// # Errors
    /// Store errors, or the first error `f` returns (which stops the walk).
    pub fn list_each_created(
        &self,
        mut f: impl FnMut(IdentitySummary, SystemTime) -> Result<()>,
    ) -> Result<()> {
        self.db
            .list_each_created(|s, created| f(self.summary_of(s)?, time_of(created)))
    }

    /// When an identity was created (made or imported into this store), to
    /// the second.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn created(&self, name: &PeerName) -> Result<SystemTime> {
        Ok(time_of(self.db.created_at(&name.to_string())?))
    }

    /// One identity.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn show(&self, name: &PeerName) -> Result<IdentitySummary> {
        let s = self.db.summary(&name.to_string())?;
        self.summary_of(s)
    }

    fn summary_of(&self, s: Summary) -> Result<IdentitySummary> {
        let peer_name =
            PeerName::parse_secure(&s.peer_name).map_err(|e| Error::StoreCorrupted {
                path: self.db.path().to_owned(),
                reason: format!("stored peer name {:?} is invalid: {e}", s.peer_name),
            })?;
        let corrupted = |reason: String| Error::StoreCorrupted {
            path: self.db.path().to_owned(),
            reason,
        };
        let shown = if s.friendly_name.is_empty() {
            &s.peer_name
        } else {
            &s.friendly_name
        };
        let friendly_name = FriendlyName::new(shown)
            .map_err(|e| corrupted(format!("stored friendly name of {peer_name}: {e}")))?;
        let key_type = KeyType::from_name(&s.key_type).ok_or_else(|| {
            corrupted(format!(
                "stored key type {:?} of {peer_name} is unknown",
                s.key_type
            ))
        })?;
        Ok(IdentitySummary {
            peer_name,
            friendly_name,
            key_type,
            is_default: s.is_default,
        })
    }

    /// Deletes an identity; its key is overwritten in the database. Deleting
    /// the default identity clears the mark.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn delete(&self, name: &PeerName) -> Result<()> {
        self.db.delete(&name.to_string())
    }

    /// The friendly name, or the peer name when it is unset.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn friendly_name(&self, name: &PeerName) -> Result<String> {
        Ok(self.show(name)?.friendly_name.as_str().to_owned())
    }

    /// Sets the friendly name; an empty one resets it to the peer name.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn set_friendly_name(&self, name: &PeerName, friendly: &FriendlyName) -> Result<()> {
        self.db
            .set_friendly_name(&name.to_string(), friendly.as_str())
    }

    /// The default identity, created (Ed25519, no classifier, friendly name
    /// unset) on first request.
    ///
    /// # Errors
    /// Store errors only.
    pub fn default_identity(&self) -> Result<PeerName> {
        Ok(self.default_identity_created()?.0)
    }

    /// As [`Store::default_identity`], and whether this call created it
    /// (the store had no default identity), so a user can be told.
    ///
    /// # Errors
    /// Store errors only.
    pub fn default_identity_created(&self) -> Result<(PeerName, bool)> {
        let mut created = false;
        let name = self.db.default_or_insert_with(
            || {
                // Called only inside the transaction that inserts it.
                created = true;
                let key = PrivateKey::generate(KeyType::default())?;
                new_record(&key, &Classifier::empty(), &FriendlyName::default())
            },
            self.store_key(),
        )?;
        Ok((PeerName::parse_secure(&name)?, created))
    }

    /// Moves the default mark to an existing identity.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn set_default(&self, name: &PeerName) -> Result<()> {
        self.db.set_default(&name.to_string())
    }

    /// The `PEERIDENTITYINFO` document of an identity; `None` means the
    /// default identity (created if needed), as `PeerIdentityGetXML(NULL)`.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a store error.
    pub fn info_xml(&self, name: Option<&PeerName>) -> Result<String> {
        let name = match name {
            Some(n) => n.clone(),
            None => self.default_identity()?,
        };
        let cert = self.db.certificate(&name.to_string())?;
        Ok(identity_info::emit(&cert))
    }

    /// The identity's private key (for `PeerIdentityGetCryptKey`).
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::StoreCorrupted`] if the stored key does
    /// not parse, or a store error.
    pub fn private_key(&self, name: &PeerName) -> Result<PrivateKey> {
        let (record, check) = self.db.get(&name.to_string())?;
        let pkcs8 = self.plain_key(&record, check.as_deref())?;
        PrivateKey::from_pkcs8_der(&pkcs8).map_err(|e| Error::StoreCorrupted {
            path: self.db.path().to_owned(),
            reason: format!("the key of {name} does not parse: {e}"),
        })
    }

    /// `PeerCreatePeerName`: a peer name with the authority of `identity`
    /// (which must be in this store) and the given classifier.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown identity, or a store error.
    pub fn create_peer_name(
        &self,
        identity: &PeerName,
        classifier: &Classifier,
    ) -> Result<PeerName> {
        self.db.summary(&identity.to_string())?;
        Ok(PeerName::new(*identity.authority(), classifier.clone()))
    }

    /// Runs SQLite's full integrity check on the database.
    ///
    /// # Errors
    /// [`Error::StoreCorrupted`] if it finds damage.
    pub fn check_integrity(&self) -> Result<()> {
        self.db.check_integrity()
    }

    #[cfg(any(test, feature = "testkit"))]
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }
}

/// `PeerCreatePeerName` without an identity: the unsecured name `0.<classifier>`.
pub fn unsecured_peer_name(classifier: &Classifier) -> PeerName {
    PeerName::new(Authority::Unsecured, classifier.clone())
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Builds the record of a new identity: its IDC over `key`, named by the
/// key's authority and `classifier`.
pub(crate) fn new_record(
    key: &PrivateKey,
    classifier: &Classifier,
    friendly_name: &FriendlyName,
) -> Result<Record> {
    let name = PeerName::new(key.authority(), classifier.clone());
    let certificate = Idc::build(key, &name, SystemTime::now())?.as_der().to_vec();
    Ok(record_for(key, &name, friendly_name, certificate))
}

/// A stored creation time; one before 1970 (which peerid never writes)
/// reads as the epoch.
fn time_of(secs: i64) -> SystemTime {
    UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// The record of an identity, as the database holds it.
pub(crate) fn record_of(identity: &Identity) -> Record {
    record_for(
        identity.private_key(),
        identity.peer_name(),
        identity.friendly_name(),
        identity.idc().as_der().to_vec(),
    )
}

pub(crate) fn record_for(
    key: &PrivateKey,
    name: &PeerName,
    friendly_name: &FriendlyName,
    certificate: Vec<u8>,
) -> Record {
    Record {
        peer_name: name.to_string(),
        authority: name.authority().to_string(),
        classifier: name.classifier().to_string(),
        friendly_name: friendly_name.as_str().to_owned(),
        key_type: key.key_type().name(),
        private_key: key.to_pkcs8_der(),
        certificate,
        created_at: now_unix(),
    }
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_and_summaries_carry_types() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("s")).unwrap();
        let named = Identity::generate(
            KeyType::P256,
            Classifier::new("x").unwrap(),
            FriendlyName::new("Named").unwrap(),
        )
        .unwrap();
        let unnamed = Identity::generate(
            KeyType::Ed25519,
            Classifier::empty(),
            FriendlyName::default(),
        )
        .unwrap();
        store.insert(&named).unwrap();
        store.insert(&unnamed).unwrap();
        assert!(matches!(
            store.insert(&named),
            Err(Error::AlreadyExists { .. })
        ));

        let back = store.get(named.peer_name()).unwrap();
        assert_eq!(back.peer_name(), named.peer_name());
        assert_eq!(back.public_key(), named.public_key());
        assert_eq!(back.idc().as_der(), named.idc().as_der());
        assert_eq!(back.friendly_name(), named.friendly_name());
        let sig = back.sign(b"m").unwrap();
        named.public_key().verify(b"m", &sig).unwrap();

        let shown = store.show(named.peer_name()).unwrap();
        assert_eq!(shown.key_type, KeyType::P256);
        assert_eq!(shown.friendly_name.as_str(), "Named");
        let shown = store.show(unnamed.peer_name()).unwrap();
        assert_eq!(shown.key_type, KeyType::Ed25519);
        assert_eq!(
            shown.friendly_name.as_str(),
            unnamed.peer_name().to_string(),
            "an unset friendly name shows as the peer name"
        );
        let missing = PeerName::new(
            *unnamed.peer_name().authority(),
            Classifier::new("y").unwrap(),
        );
        assert!(matches!(store.get(&missing), Err(Error::NotFound { .. })));
    }

    #[test]
    fn insert_batch_is_all_or_none() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("s")).unwrap();
        let new = || {
            Identity::generate(
                KeyType::Ed25519,
                Classifier::empty(),
                FriendlyName::default(),
            )
            .unwrap()
        };
        let first = [new(), new()];
        store.insert_batch(&first).unwrap();
        assert_eq!(store.list().unwrap().len(), 2);
        assert!(store.get(first[1].peer_name()).is_ok());
        // A new one with one already here: neither is added.
        let second = [new(), new()];
        store.insert(&second[1]).unwrap();
        assert!(matches!(
            store.insert_batch(&second),
            Err(Error::AlreadyExists { .. })
        ));
        assert!(matches!(
            store.get(second[0].peer_name()),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(store.list().unwrap().len(), 3);
        store.insert_batch(&[]).unwrap();
        assert_eq!(store.list().unwrap().len(), 3);
    }

    #[test]
    fn stored_key_type_names_read_back() {
        for kt in [
            KeyType::Ed25519,
            KeyType::P256,
            KeyType::P384,
            KeyType::Rsa(1024),
            KeyType::Rsa(2048),
        ] {
            assert_eq!(KeyType::from_name(&kt.name()), Some(kt));
        }
        for bad in ["", "rsa", "rsa02048", "RSA2048", "ed448", "rsa+1"] {
            assert_eq!(KeyType::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn creation_times_and_the_default_made_on_first_use() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("s")).unwrap();
        let before = now_unix();
        let (first, created) = store.default_identity_created().unwrap();
        assert!(created);
        let (again, created) = store.default_identity_created().unwrap();
        assert_eq!((&again, created), (&first, false));
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let at = secs(store.created(&first).unwrap());
        assert!(before <= at && at <= now_unix(), "{before} {at}");
        let mut seen = Vec::new();
        store
            .list_each_created(|s, t| {
                seen.push((s.peer_name, secs(t)));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, vec![(first.clone(), at)]);
        assert_eq!(
            &store.public_key(&first).unwrap(),
            store.get(&first).unwrap().public_key()
        );
        store.delete(&first).unwrap();
        assert!(matches!(store.created(&first), Err(Error::NotFound { .. })));
        let (second, created) = store.default_identity_created().unwrap();
        assert!(created);
        assert_ne!(second, first);
    }
}

/// Creates a new file at `path` with the protected DACL the store's own
/// files get (full control for the user, SYSTEM and Administrators,
/// nothing inherited, nobody else): Windows' counterpart of creating a
/// file 0600, for the CLI's `-o FILE` (docs/design.md §7). Fails if
/// anything is at `path`, a link included (it is not followed). The file
/// is open for reading and writing.
///
/// # Errors
/// The system's error: `AlreadyExists` if something is there.
#[cfg(windows)]
pub fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let me = acl::Me::get()?;
    acl::create_file(path, &me, true)
}
