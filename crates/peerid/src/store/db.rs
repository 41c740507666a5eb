//! The SQLite database behind a store: opening it safely, and one
//! transaction per change.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use rustix::fs::{AtFlags, FlockOperation};
use zeroize::Zeroizing;

use super::path::StoreDir;
use super::schema::{self, Found};
use crate::error::{Error, Result};

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "peerid.sqlite3";

/// File name of the writers' lock file inside the store directory.
pub const LOCK_FILE: &str = "peerid.lock";

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
    /// The database as the user would name it, for messages.
    path: PathBuf,
    /// The path SQLite was given (through the checked directory).
    open_path: PathBuf,
    dir: StoreDir,
    /// The file every peerid writer of this store locks, in turn
    /// ([`Db::write_tx`]); `None` on a read-only file system that has none.
    writer_lock: Option<OwnedFd>,
    read_only: bool,
}

/// Writers of this process wait here, in line, before they queue with
/// other processes on the store's lock file: SQLite's own busy handler
/// sleeps and retries, which lets a writer lose every round.
static WRITER: Mutex<()> = Mutex::new(());

/// A write transaction and the locks that let it run without contention.
/// Fields drop in order: the transaction (rolled back unless committed),
/// then the locks.
pub(crate) struct WriteTx<'a> {
    tx: rusqlite::Transaction<'a>,
    _file: Option<Flock>,
    _process: MutexGuard<'static, ()>,
}

impl<'a> std::ops::Deref for WriteTx<'a> {
    type Target = rusqlite::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl WriteTx<'_> {
    fn commit(self) -> rusqlite::Result<()> {
        self.tx.commit()
    }
}

/// An `flock` held on its own open file description until dropped.
pub(crate) struct Flock(OwnedFd);

impl Flock {
    fn take(fd: BorrowedFd<'_>, exclusive: bool) -> std::io::Result<Flock> {
        let fd = fd.try_clone_to_owned()?;
        let op = if exclusive {
            FlockOperation::LockExclusive
        } else {
            FlockOperation::LockShared
        };
        loop {
            match rustix::fs::flock(&fd, op) {
                Ok(()) => return Ok(Flock(fd)),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Drop for Flock {
    fn drop(&mut self) {
        // The descriptor is a dup: closing it would not release the lock
        // while the original is open, so unlock explicitly.
        let _ = rustix::fs::flock(&self.0, FlockOperation::Unlock);
    }
}

impl Db {
    /// Opens (creating if needed) the database in `dir`, checking the
    /// permissions of everything it touches and every directory above it.
    pub fn open(dir: &Path) -> Result<Db> {
        let store = StoreDir::open(dir)?;
        let path = dir.join(DB_FILE);
        for suffix in ["", "-wal", "-shm"] {
            store.check_file_if_present(&format!("{DB_FILE}{suffix}"))?;
        }
        let writer_lock = store.open_lock_file(LOCK_FILE)?;
        let read_only = store.read_only();
        // Opening and first use are serialised against initialisation (a
        // shared lock here, an exclusive one to initialise), so sixteen
        // processes meeting a new store never see it half made.
        let lock_err = |e: std::io::Error| Error::StoreInaccessible {
            path: dir.to_owned(),
            reason: format!("cannot lock the store directory: {e}"),
        };
        let mut init = Flock::take(store.fd(), false).map_err(lock_err)?;
        if !read_only {
            store.create_file_if_missing(DB_FILE)?;
        }
        #[cfg(test)]
        hooks::after_check();
        let open_path = open_path(&store);
        let conn = connect(&open_path, read_only, &store).map_err(|e| map_err(&path, e))?;
        let db = Db {
            conn,
            path,
            open_path,
            dir: store,
            writer_lock,
            read_only,
        };
        db.configure().map_err(|e| db.err(e))?;
        // The first read above opened the WAL and shared-memory files too:
        // check that SQLite has the files of the directory we checked.
        db.check_same_files()?;
        if !db.is_ready()? {
            drop(init);
            init = Flock::take(db.dir.fd(), true).map_err(lock_err)?;
            db.initialise()?;
        }
        drop(init);
        Ok(db)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Zero deleted content so removed keys do not linger in free pages.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // FULL: a commit is on disk when it returns (WAL fsync per commit).
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        // A read: it opens the WAL and shared memory where there are any.
        self.conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })?;
        Ok(())
    }

    /// The re-check after SQLite opened the database by name: the file it
    /// has (by its own resolved name) is the one in the checked directory.
    /// Through `/proc/self/fd` SQLite resolved the directory's current name
    /// at open time, so this holds unless the directory moved within those
    /// microseconds; on a system without `/proc` it is the safeguard.
    fn check_same_files(&self) -> Result<()> {
        #[cfg(test)]
        if hooks::skip_recheck() {
            return Ok(());
        }
        let opened = self.conn.path().map(PathBuf::from);
        let mut same = opened
            .as_deref()
            .is_some_and(|p| self.dir.is_same_file(DB_FILE, p));
        if let Some(p) = opened.as_deref().filter(|_| same) {
            for suffix in ["-wal", "-shm"] {
                let name = format!("{DB_FILE}{suffix}");
                let theirs = PathBuf::from(format!("{}{suffix}", p.display()));
                let ours =
                    rustix::fs::statat(self.dir.fd(), name.as_str(), AtFlags::SYMLINK_NOFOLLOW);
                if ours.is_ok() || theirs.exists() {
                    same &= self.dir.is_same_file(&name, &theirs);
                }
            }
        }
        if same {
            return Ok(());
        }
        Err(Error::StoreInaccessible {
            path: self.dir.path().to_owned(),
            reason: "the store directory was moved or replaced while peerid was opening it, \
                     so peerid did not use it; nothing was changed. Try again, and find out \
                     who moves it"
                .into(),
        })
    }

    /// Whether the store is a WAL-mode store at the current schema version;
    /// an error for a foreign or newer database.
    fn is_ready(&self) -> Result<bool> {
        let found = schema::inspect(&self.conn).map_err(|e| self.err(e))?;
        let current = match found {
            Found::Store(v) if v == schema::CURRENT_VERSION => true,
            Found::Foreign => return Err(self.corrupted("the database belongs to another program")),
            Found::Store(v) if v > schema::CURRENT_VERSION => {
                return Err(Error::Failed {
                    context: format!("opening {}", self.path.display()),
                    reason: format!(
                        "the store has schema version {v}, newer than this peerid understands ({}); upgrade peerid",
                        schema::CURRENT_VERSION
                    ),
                });
            }
            Found::Empty | Found::Store(_) => false,
        };
        if self.read_only {
            return if current {
                Ok(true)
            } else {
                Err(self.read_only_error())
            };
        }
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(current && mode.eq_ignore_ascii_case("wal"))
    }

    /// Makes a new store, or migrates an old one, under the exclusive
    /// initialisation lock: whoever comes second finds it done.
    fn initialise(&self) -> Result<()> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Persistent in the file: only the first opener of a new store pays.
            self.conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map_err(|e| self.err(e))?;
        }
        self.prepare_schema()
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

    /// Begins a write transaction once this writer's turn has come: first
    /// among the threads of this process, then among the processes using the
    /// store (an exclusive `flock` on its lock file). IMMEDIATE then finds
    /// the database free, so SQLite's busy handler (which sleeps and
    /// retries) is left for writers that are not peerid.
    pub(crate) fn write_tx(&self) -> Result<WriteTx<'_>> {
        if self.read_only {
            return Err(self.read_only_error());
        }
        let process = WRITER.lock().unwrap_or_else(PoisonError::into_inner);
        let file = match &self.writer_lock {
            Some(fd) => Some(Flock::take(fd.as_fd(), true).map_err(|e| Error::Failed {
                context: format!("locking {}", self.dir.path().join(LOCK_FILE).display()),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        Ok(WriteTx {
            tx,
            _file: file,
            _process: process,
        })
    }

    fn read_only_error(&self) -> Error {
        Error::StoreInaccessible {
            path: self.dir.path().to_owned(),
            reason: "it is on a read-only file system, so it can be read but not changed; \
                     nothing was changed"
                .into(),
        }
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
        let c = connect(&self.open_path, true, &self.dir)?;
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

    /// Removes one identity (and the default mark, if it had it). Its key is
    /// zeroed in the database's pages (`secure_delete`); the write-ahead log
    /// is then checkpointed and truncated if no reader holds a snapshot in
    /// it, without waiting for one that does: the log's old frames are then
    /// overwritten by later checkpoints, and the log is removed when the last
    /// connection closes.
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
        let WriteTx {
            tx,
            _file,
            _process,
        } = tx;
        tx.commit().map_err(|e| self.err(e))?;
        // Still holding the writers' locks, so no peerid writer meets this
        // checkpoint; a reader's snapshot makes it stop, not wait.
        self.checkpoint_without_waiting();
        Ok(())
    }

    /// `wal_checkpoint(TRUNCATE)` with no busy handler: SQLITE_BUSY at once
    /// where TRUNCATE would wait for readers (and with the 30 s busy timeout
    /// did: a `sqlite3` shell in `BEGIN; SELECT ...` made `delete` wait 30 s).
    fn checkpoint_without_waiting(&self) {
        if self.conn.busy_timeout(Duration::ZERO).is_ok() {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
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

/// The path SQLite gets for the database: through the checked directory's
/// descriptor where the system allows ([`StoreDir::path_for`]).
fn open_path(store: &StoreDir) -> PathBuf {
    #[cfg(test)]
    if hooks::by_path() {
        return store.physical().join(DB_FILE);
    }
    store.path_for(DB_FILE)
}

/// Opens SQLite on `path`, read-write or read-only. On a read-only file
/// system with no write-ahead log (the store was closed cleanly) SQLite
/// cannot make the shared-memory file a WAL reader needs, so the database is
/// opened `immutable`: nothing can change it there, and all of it is in the
/// main file. With a log present, SQLite reads log and shared memory as they
/// are.
fn connect(path: &Path, read_only: bool, store: &StoreDir) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !read_only {
        return Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_READ_WRITE);
    }
    let flags = flags | OpenFlags::SQLITE_OPEN_READ_ONLY;
    let wal = format!("{DB_FILE}-wal");
    let has_wal = rustix::fs::statat(store.fd(), wal.as_str(), AtFlags::SYMLINK_NOFOLLOW).is_ok();
    if store.read_only() && !has_wal {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        return Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI);
    }
    Connection::open_with_flags(path, flags)
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'%' | b'?' | b'#' => out.push_str(&format!("%{b:02X}")),
            b if b.is_ascii() && !b.is_ascii_control() => out.push(char::from(*b)),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What the tests of a race between the check and the open use to step in
/// between (see `tests::a_swap_after_the_check_changes_nothing`).
#[cfg(test)]
pub(crate) mod hooks {
    use std::cell::{Cell, RefCell};

    thread_local! {
        static AFTER_CHECK: RefCell<Option<Box<dyn FnOnce()>>> = RefCell::new(None);
        static BY_PATH: Cell<bool> = const { Cell::new(false) };
        static SKIP_RECHECK: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `f` on this thread's next open, after the directory was checked
    /// and before SQLite opens the database.
    pub fn set_after_check(f: impl FnOnce() + 'static) {
        AFTER_CHECK.with(|h| *h.borrow_mut() = Some(Box::new(f)));
    }

    /// Opens the database by its physical path (the fallback for systems
    /// without `/proc`), and whether to skip the re-check after it.
    pub fn set_by_path(by_path: bool, skip_recheck: bool) {
        BY_PATH.with(|c| c.set(by_path));
        SKIP_RECHECK.with(|c| c.set(skip_recheck));
    }

    pub(super) fn after_check() {
        if let Some(f) = AFTER_CHECK.with(|h| h.borrow_mut().take()) {
            f();
        }
    }

    pub(super) fn by_path() -> bool {
        BY_PATH.with(Cell::get)
    }

    pub(super) fn skip_recheck() -> bool {
        SKIP_RECHECK.with(Cell::get)
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

    /// An attacker's store: a valid, empty peerid database in a directory
    /// user 65534 owns and everyone may read and write.
    fn decoy(dir: &Path) {
        drop(Db::open(dir).unwrap());
        for entry in fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).unwrap();
        }
        std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
        fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    }

    const SECRET: &[u8] = b"KEY-THAT-MUST-NOT-LEAVE-THE-STORE";

    fn holds_secret(dir: &Path) -> bool {
        fs::read_dir(dir).unwrap().any(|e| {
            let bytes = fs::read(e.unwrap().path()).unwrap();
            bytes.windows(SECRET.len()).any(|w| w == SECRET)
        })
    }

    /// Opens the store at `store` while, between the check of the directory
    /// and SQLite's open, the directory is renamed away and `decoy` put in
    /// its place (what DESIGN.md §6 says must change nothing), then writes a
    /// key. Returns what the open said.
    ///
    /// Who may do such a rename? Since the walk refuses any directory above
    /// the store that another user owns or may write (unless sticky, where
    /// only an entry's owner may rename it), only root or the user: another
    /// user's swap is refused before it can matter (the CLI test
    /// `store_paths::another_uid_swapping_the_store_gets_no_key` runs one).
    /// So the rename happens here, from the hook, at the one moment where it
    /// would do harm if the database were opened by name.
    fn swap_then_write(tmp: &Path) -> Result<()> {
        let store = tmp.join("s");
        drop(Db::open(&store).unwrap());
        decoy(&tmp.join("decoy"));
        let (from, aside, decoy) = (store.clone(), tmp.join("s.moved"), tmp.join("decoy"));
        hooks::set_after_check(move || {
            fs::rename(&from, &aside).unwrap();
            fs::rename(&decoy, &from).unwrap();
        });
        let opened = Db::open(&store);
        hooks::set_by_path(false, false);
        let mut r = rec("a.");
        r.private_key = Zeroizing::new(SECRET.to_vec());
        opened?.insert(&[r])
    }

    #[test]
    fn a_swap_after_the_check_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        swap_then_write(tmp.path()).unwrap();
        // The key is in the directory that was checked, now at s.moved; the
        // decoy now at s has none of it.
        let checked = Db::open(&tmp.path().join("s.moved")).unwrap();
        assert_eq!(checked.get("a.").unwrap().private_key.as_slice(), SECRET);
        drop(checked);
        assert!(
            !holds_secret(&tmp.path().join("s")),
            "the key went to the decoy"
        );
    }

    #[test]
    fn without_proc_a_swap_is_caught_by_the_re_check() {
        let tmp = tempfile::tempdir().unwrap();
        hooks::set_by_path(true, false);
        let err = swap_then_write(tmp.path()).unwrap_err();
        assert!(
            matches!(err, Error::StoreInaccessible { ref reason, .. } if reason.contains("moved or replaced")),
            "{err:?}"
        );
        assert!(
            !holds_secret(&tmp.path().join("s")),
            "the key went to the decoy"
        );
    }

    /// The control: opened by name with no re-check, the same swap does
    /// send the key to the decoy. This is what the two tests above would
    /// see if the open went by path.
    #[test]
    fn opened_by_name_the_swap_would_win() {
        let tmp = tempfile::tempdir().unwrap();
        hooks::set_by_path(true, true);
        swap_then_write(tmp.path()).unwrap();
        assert!(holds_secret(&tmp.path().join("s")));
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
