//! The SQLite database behind a store: opening it safely, and one
//! transaction per change.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use zeroize::Zeroizing;

use super::perms;
use super::schema::{self, Found};
use crate::error::{Error, Result};

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "peerid.sqlite3";

/// How long a writer waits for another process's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// One identity as the database holds it.
pub struct Record {
    /// Canonical peer name.
    pub peer_name: String,
    /// Authority hex (or `0`), for look-ups by key.
    pub authority: String,
    /// Classifier text.
    pub classifier: String,
    /// Friendly name; empty when unset.
    pub friendly_name: String,
    /// Key type as `--key` names it.
    pub key_type: String,
    /// PKCS#8 v1 DER of the private key.
    pub private_key: Zeroizing<Vec<u8>>,
    /// DER of the IDC.
    pub certificate: Vec<u8>,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: i64,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("peer_name", &self.peer_name)
            .field("friendly_name", &self.friendly_name)
            .field("key_type", &self.key_type)
            .field("private_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The columns `list` and `show` need, without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Canonical peer name.
    pub peer_name: String,
    /// Friendly name; empty when unset.
    pub friendly_name: String,
    /// Key type as `--key` names it.
    pub key_type: String,
    /// Whether it is the store's default identity.
    pub is_default: bool,
}

/// An open database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl Db {
    /// Opens (creating if needed) the database in `dir`, checking the
    /// permissions of everything it touches.
    pub fn open(dir: &Path) -> Result<Db> {
        perms::ensure_private_dir(dir)?;
        let path = dir.join(DB_FILE);
        for suffix in ["", "-wal", "-shm"] {
            perms::check_file_if_present(&companion(&path, suffix))?;
        }
        perms::create_file_if_missing(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| map_err(&path, e))?;
        let db = Db { conn, path };
        db.configure().map_err(|e| db.err(e))?;
        db.prepare_schema()?;
        Ok(db)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Zero deleted content so removed keys do not linger in free pages.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // FULL: a commit is on disk when it returns (WAL fsync per commit).
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Persistent in the file: only the first opener of a new store pays.
            self.conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        }
        Ok(())
    }

    fn prepare_schema(&self) -> Result<()> {
        let found = schema::inspect(&self.conn).map_err(|e| self.err(e))?;
        match found {
            Found::Store(v) if v == schema::CURRENT_VERSION => Ok(()),
            Found::Foreign => Err(self.corrupted("the database belongs to another program")),
            Found::Store(v) if v > schema::CURRENT_VERSION => Err(Error::Failed {
                context: format!("opening {}", self.path.display()),
                reason: format!(
                    "the store has schema version {v}, newer than this peerid understands ({}); upgrade peerid",
                    schema::CURRENT_VERSION
                ),
            }),
            Found::Empty | Found::Store(_) => {
                let tx = self.write_tx()?;
                // Look again under the write lock: another process may have
                // initialised or migrated the store meanwhile.
                match schema::inspect(&tx).map_err(|e| self.err(e))? {
                    Found::Empty => schema::migrate(&tx, 0),
                    Found::Store(v) => schema::migrate(&tx, v),
                    Found::Foreign => {
                        return Err(self.corrupted("the database belongs to another program"));
                    }
                }
                .map_err(|e| self.err(e))?;
                tx.commit().map_err(|e| self.err(e))
            }
        }
    }

    fn write_tx(&self) -> Result<rusqlite::Transaction<'_>> {
        // IMMEDIATE takes the write lock up front, so two writers queue on the
        // busy timeout instead of failing on a lock upgrade.
        rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        let corrupt = is_corrupt(&e);
        let mapped = map_err(&self.path, e);
        if !corrupt {
            return mapped;
        }
        // A failed read (EIO, a dying disk, injected faults) can reach
        // SQLite as a page that does not parse. Calling the store damaged
        // then would send the user to restore a good store, so look again
        // before saying so. Found by failing random preads under libfiu
        // (tests/full_disk.rs).
        let context = format!("reading {}", self.path.display());
        match self.second_look() {
            Ok(true) => Error::Failed {
                context,
                reason: format!(
                    "{mapped}; but a second look finds the store intact, so a read \
                     failed on the way (a failing disk?); nothing was changed"
                ),
            },
            Ok(false) => mapped,
            Err(e) if !is_corrupt(&e) => Error::Failed {
                context,
                reason: format!(
                    "{mapped}; a second look could not read the store either ({e}): the \
                     disk is failing, or the store is damaged; nothing was changed"
                ),
            },
            Err(_) => mapped,
        }
    }

    /// A fresh connection's `PRAGMA quick_check`: whether it passes.
    fn second_look(&self) -> rusqlite::Result<bool> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let c = Connection::open_with_flags(&self.path, flags)?;
        c.busy_timeout(BUSY_TIMEOUT)?;
        let verdict: String = c.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
        Ok(verdict == "ok")
    }

    fn corrupted(&self, reason: &str) -> Error {
        Error::StoreCorrupted {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds records in one transaction; none is added if any exists.
    pub fn insert(&self, records: &[Record]) -> Result<()> {
        let tx = self.write_tx()?;
        for r in records {
            self.insert_one(&tx, r)?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Inserts one record inside the caller's transaction.
    fn insert_one(&self, tx: &rusqlite::Transaction<'_>, r: &Record) -> Result<()> {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO identity (peer_name, authority, classifier, friendly_name,
                     key_type, private_key, certificate, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(|e| self.err(e))?;
        let res = stmt.execute(params![
            r.peer_name,
            r.authority,
            r.classifier,
            r.friendly_name,
            r.key_type,
            &r.private_key[..],
            r.certificate,
            r.created_at
        ]);
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                peer_name: r.peer_name.clone(),
            }),
            Err(e) => Err(self.err(e)),
        }
    }

    /// The whole record, key included.
    pub fn get(&self, peer_name: &str) -> Result<Record> {
        self.conn
            .query_row(
                "SELECT peer_name, authority, classifier, friendly_name, key_type,
                        private_key, certificate, created_at
                 FROM identity WHERE peer_name = ?1",
                [peer_name],
                |row| {
                    Ok(Record {
                        peer_name: row.get(0)?,
                        authority: row.get(1)?,
                        classifier: row.get(2)?,
                        friendly_name: row.get(3)?,
                        key_type: row.get(4)?,
                        private_key: Zeroizing::new(row.get(5)?),
                        certificate: row.get(6)?,
                        created_at: row.get(7)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// The IDC of one identity, without reading its key.
    pub fn certificate(&self, peer_name: &str) -> Result<Vec<u8>> {
        self.conn
            .query_row(
                "SELECT certificate FROM identity WHERE peer_name = ?1",
                [peer_name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// One identity's summary.
    pub fn summary(&self, peer_name: &str) -> Result<Summary> {
        self.conn
            .query_row(
                "SELECT i.peer_name, i.friendly_name, i.key_type, d.peer_name IS NOT NULL
                 FROM identity i LEFT JOIN default_identity d ON d.peer_name = i.peer_name
                 WHERE i.peer_name = ?1",
                [peer_name],
                summary_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// Calls `f` with every identity, ordered by peer name, without holding
    /// them all in memory.
    pub fn list_each(&self, mut f: impl FnMut(Summary) -> Result<()>) -> Result<()> {
        let default = self.default_name()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT peer_name, friendly_name, key_type, 0 FROM identity
                 INDEXED BY identity_list ORDER BY peer_name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], summary_row).map_err(|e| self.err(e))?;
        for row in rows {
            let mut s = row.map_err(|e| self.err(e))?;
            s.is_default = default.as_deref() == Some(s.peer_name.as_str());
            f(s)?;
        }
        Ok(())
    }

    /// Every identity, ordered by peer name (the tests' view; `Store::list`
    /// builds its own from [`Db::list_each`]).
    #[cfg(test)]
    pub fn list(&self) -> Result<Vec<Summary>> {
        let mut out = Vec::new();
        self.list_each(|s| {
            out.push(s);
            Ok(())
        })?;
        Ok(out)
    }

    /// Removes one identity (and the default mark, if it had it), and
    /// truncates the write-ahead log so no copy of the key stays in it.
    pub fn delete(&self, peer_name: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx
            .execute("DELETE FROM identity WHERE peer_name = ?1", [peer_name])
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        tx.commit().map_err(|e| self.err(e))?;
        // Best effort: a reader elsewhere may hold the log; the pages in it are
        // overwritten on the next checkpoint anyway.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }

    /// Sets the friendly name ("" resets it).
    pub fn set_friendly_name(&self, peer_name: &str, friendly: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx
            .execute(
                "UPDATE identity SET friendly_name = ?2 WHERE peer_name = ?1",
                [peer_name, friendly],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The default identity's peer name, if one is marked.
    pub fn default_name(&self) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT peer_name FROM default_identity WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Marks an existing identity as the default.
    pub fn set_default(&self, peer_name: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM identity WHERE peer_name = ?1)",
                [peer_name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if !exists {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        tx.execute(
            "INSERT OR REPLACE INTO default_identity (id, peer_name) VALUES (1, ?1)",
            [peer_name],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// The default identity's name, creating it with `make` under the write
    /// lock if there is none, so that two processes asking at once agree.
    pub fn default_or_insert_with(&self, make: impl FnOnce() -> Result<Record>) -> Result<String> {
        if let Some(name) = self.default_name()? {
            return Ok(name);
        }
        let tx = self.write_tx()?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT peer_name FROM default_identity WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(name) = existing {
            return Ok(name);
        }
        let r = make()?;
        self.insert_one(&tx, &r)?;
        tx.execute(
            "INSERT INTO default_identity (id, peer_name) VALUES (1, ?1)",
            [&r.peer_name],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(r.peer_name)
    }

    /// Runs SQLite's integrity check.
    pub fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(self.corrupted(&verdict))
        }
    }
}

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    Ok(Summary {
        peer_name: row.get(0)?,
        friendly_name: row.get(1)?,
        key_type: row.get(2)?,
        is_default: row.get(3)?,
    })
}

fn companion(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// Maps SQLite's failures to the store errors of DESIGN.md §5.
fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::DatabaseCorrupt)
}

fn map_err(path: &Path, e: rusqlite::Error) -> Error {
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    let path = path.to_owned();
    match code {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::StoreCorrupted {
            path,
            reason: e.to_string(),
        },
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly
            | ErrorCode::AuthorizationForStatementDenied,
        ) => Error::StoreInaccessible {
            path,
            reason: e.to_string(),
        },
        Some(ErrorCode::OutOfMemory) => Error::OutOfMemory,
        Some(ErrorCode::DiskFull) => Error::Failed {
            context: format!("writing {}", path.display()),
            reason: "the disk is full; nothing was changed".into(),
        },
        // EFBIG (a file size limit), EIO and failed fsyncs all arrive as
        // SQLITE_IOERR; the transaction was rolled back, so say that rather
        // than SQLite's bare "disk I/O error".
        Some(ErrorCode::SystemIoFailure) => Error::Failed {
            context: format!("using {}", path.display()),
            reason: format!(
                "the system failed a read or write ({e}: a full or failing disk, or a \
                 file size limit); nothing was changed"
            ),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Failed {
            context: format!("using {}", path.display()),
            reason: "another process kept the store locked for too long; try again".into(),
        },
        // A row whose column has the wrong type: only a damaged or forged store.
        None if matches!(
            e,
            rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..)
        ) =>
        {
            Error::StoreCorrupted {
                path,
                reason: e.to_string(),
            }
        }
        _ => Error::Failed {
            context: format!("using {}", path.display()),
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn rec(name: &str) -> Record {
        Record {
            peer_name: name.into(),
            authority: name.split('.').next().unwrap_or_default().into(),
            classifier: name.split_once('.').map(|x| x.1).unwrap_or_default().into(),
            friendly_name: String::new(),
            key_type: "ed25519".into(),
            private_key: Zeroizing::new(vec![7; 48]),
            certificate: vec![1, 2, 3],
            created_at: 1,
        }
    }

    #[test]
    fn insert_get_list_delete() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(&tmp.path().join("s")).unwrap();
        db.insert(&[rec("b.x"), rec("a.y")]).unwrap();
        assert_eq!(db.get("a.y").unwrap().private_key.as_slice(), &[7; 48]);
        let names: Vec<_> = db
            .list()
            .unwrap()
            .into_iter()
            .map(|s| s.peer_name)
            .collect();
        assert_eq!(names, ["a.y", "b.x"]);
        db.set_friendly_name("a.y", "Alice").unwrap();
        assert_eq!(db.summary("a.y").unwrap().friendly_name, "Alice");
        db.delete("a.y").unwrap();
        assert!(matches!(db.get("a.y"), Err(Error::NotFound { .. })));
        assert!(matches!(db.delete("a.y"), Err(Error::NotFound { .. })));
        assert!(matches!(
            db.set_friendly_name("a.y", ""),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn duplicate_insert_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(&tmp.path().join("s")).unwrap();
        db.insert(&[rec("a.x")]).unwrap();
        db.set_friendly_name("a.x", "kept").unwrap();
        let err = db.insert(&[rec("c.z"), rec("a.x")]).unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { ref peer_name } if peer_name == "a.x"));
        // The batch rolled back as a whole and the stored one is untouched.
        assert!(matches!(db.get("c.z"), Err(Error::NotFound { .. })));
        assert_eq!(db.summary("a.x").unwrap().friendly_name, "kept");
    }

    #[test]
    fn default_mark_follows_the_identity() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(&tmp.path().join("s")).unwrap();
        assert_eq!(db.default_name().unwrap(), None);
        let name = db.default_or_insert_with(|| Ok(rec("d.")));
        assert_eq!(name.unwrap(), "d.");
        // A second request does not make another.
        let again = db
            .default_or_insert_with(|| panic!("must not create twice"))
            .unwrap();
        assert_eq!(again, "d.");
        assert!(db.summary("d.").unwrap().is_default);
        db.insert(&[rec("e.")]).unwrap();
        db.set_default("e.").unwrap();
        assert!(!db.summary("d.").unwrap().is_default);
        db.delete("e.").unwrap();
        assert_eq!(db.default_name().unwrap(), None);
        assert!(matches!(
            db.set_default("nope."),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn files_are_private_whatever_the_umask() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("s");
        let db = Db::open(&dir).unwrap();
        db.insert(&[rec("a.")]).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let mode = entry.unwrap().metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    #[test]
    fn garbage_file_is_a_corrupted_store() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("s")).unwrap();
        fs::set_permissions(tmp.path().join("s"), fs::Permissions::from_mode(0o700)).unwrap();
        let path = tmp.path().join("s").join(DB_FILE);
        fs::write(&path, vec![0x5a; 8192]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            Db::open(&tmp.path().join("s")),
            Err(Error::StoreCorrupted { .. })
        ));
    }

    #[test]
    fn another_programs_database_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("s")).unwrap();
        fs::set_permissions(tmp.path().join("s"), fs::Permissions::from_mode(0o700)).unwrap();
        let path = tmp.path().join("s").join(DB_FILE);
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("CREATE TABLE songs (title TEXT)").unwrap();
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            Db::open(&tmp.path().join("s")),
            Err(Error::StoreCorrupted { .. })
        ));
    }

    #[test]
    fn open_database_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        drop(Db::open(&tmp.path().join("s")).unwrap());
        let path = tmp.path().join("s").join(DB_FILE);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Db::open(&tmp.path().join("s")),
            Err(Error::StorePermissions { is_dir: false, .. })
        ));
    }

    #[test]
    fn deleted_keys_do_not_stay_in_the_files() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(&tmp.path().join("s")).unwrap();
        let mut r = rec("a.");
        r.private_key = Zeroizing::new(b"SECRET-KEY-MATERIAL-0123456789".repeat(4));
        db.insert(&[r]).unwrap();
        db.delete("a.").unwrap();
        drop(db);
        for entry in fs::read_dir(tmp.path().join("s")).unwrap() {
            let bytes = fs::read(entry.unwrap().path()).unwrap();
            assert!(
                !bytes
                    .windows(30)
                    .any(|w| w == b"SECRET-KEY-MATERIAL-0123456789"),
                "key bytes left behind"
            );
        }
    }

    #[test]
    fn two_connections_one_store() {
        let tmp = tempfile::tempdir().unwrap();
        let a = Db::open(&tmp.path().join("s")).unwrap();
        let b = Db::open(&tmp.path().join("s")).unwrap();
        a.insert(&[rec("a.")]).unwrap();
        assert!(matches!(
            b.insert(&[rec("a.")]),
            Err(Error::AlreadyExists { .. })
        ));
        assert_eq!(b.list().unwrap().len(), 1);
    }
}
