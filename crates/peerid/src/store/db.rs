//! The SQLite database behind a store: opening it safely, and one
//! transaction per change.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::path::{LockFile, StoreDir};
use super::schema::{self, Found};
use crate::error::{Error, Result};

/// File name of the database inside the store directory.
pub const DB_FILE: &str = "peerid.sqlite3";

/// File name of the writers' lock file inside the store directory.
pub const LOCK_FILE: &str = "peerid.lock";

// The store's locks: `flock` on Unix, byte-range locks on Windows.
#[cfg_attr(windows, path = "db/flock_windows.rs")]
mod flock;
mod peers;
mod queries;
mod seal;

use flock::Flock;

pub use peers::PeerRecord;
pub use queries::{Record, Summary};
pub use seal::{NewSeal, SealRow};

/// How long a writer waits for another process's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

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
    writer_lock: Option<LockFile>,
    read_only: bool,
    /// Whether the schema has the peer book (version 2 on). Only a store of
    /// an older version on a read-only file system, which cannot be
    /// migrated, lacks it: it is served as it is, with an empty book.
    pub(super) has_peer_book: bool,
    /// Whether the schema can be sealed (version 3 on); as `has_peer_book`,
    /// only an old store on a read-only file system lacks it (it is then
    /// unsealed).
    pub(super) has_seal: bool,
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
        let mut init = Flock::init(&store, writer_lock.as_ref(), false).map_err(lock_err)?;
        if !read_only {
            store.create_file_if_missing(DB_FILE)?;
            // Windows SQLite creates both without a security descriptor:
            // made here first, they are private from the start, and kept
            // (`configure`: persistent WAL) once made. On Windows they would
            // inherit it; under Wine, which does not inherit, another opener
            // could find them open meanwhile.
            #[cfg(windows)]
            for suffix in ["-wal", "-shm"] {
                store.create_file_if_missing(&format!("{DB_FILE}{suffix}"))?;
            }
        }
        #[cfg(test)]
        hooks::after_check();
        let open_path = open_path(&store);
        let conn = connect(&open_path, read_only, &store).map_err(|e| map_err(&path, e))?;
        let mut db = Db {
            conn,
            path,
            open_path,
            dir: store,
            writer_lock,
            read_only,
            has_peer_book: true,
            has_seal: true,
        };
        db.configure().map_err(|e| db.err(e))?;
        // The first read above opened the WAL and shared-memory files too:
        // check that SQLite has the files of the directory we checked.
        db.check_same_files()?;
        if !db.is_ready()? {
            drop(init);
            init = Flock::init(&db.dir, db.writer_lock.as_ref(), true).map_err(lock_err)?;
            db.initialise()?;
            // Switching a new store to WAL created the log and the
            // shared-memory file: they too must be the checked directory's.
            db.check_same_files()?;
        }
        drop(init);
        let version = db.version()?;
        db.has_peer_book = version >= schema::PEER_BOOK_VERSION;
        db.has_seal = version >= schema::SEAL_VERSION;
        db.finish_scrub();
        Ok(db)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Windows: the `-wal` and `-shm` files this process made private
        // in `open` are kept when the last connection closes, not deleted,
        // so SQLite never makes them again without a security descriptor
        // (on Windows they would inherit the directory's; under Wine, which
        // has no inheritance, another process could meet them open to all
        // before `check_same_files` made them private). With a size limit
        // of 0 the log is emptied instead at that close, as deleting it
        // did, and whenever a checkpoint restarts it: no frame of an old
        // row stays behind in a kept log. (Another program's connection
        // closing last, a sqlite3 shell's, still deletes them; the next
        // `open` makes them private again, as before.)
        #[cfg(windows)]
        if !self.read_only {
            let mut persist = 1;
            self.conn.file_control(
                rusqlite::DEFAULT_NAME,
                rusqlite::FileControl::PersistWal(&mut persist),
            )?;
            self.conn.pragma_update(None, "journal_size_limit", 0)?;
        }
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
        // SQLite's own files beside the database: what Unix SQLite gives
        // the database's mode, Windows SQLite leaves to inheritance.
        #[cfg(windows)]
        if !self.read_only {
            for suffix in ["-wal", "-shm"] {
                let name = format!("{DB_FILE}{suffix}");
                self.dir.make_private_if_present(&name)?;
                // What was not ours to change is refused here, as on Unix.
                self.dir.check_file_if_present(&name)?;
            }
        }
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
                if self.dir.exists(&name) || theirs.exists() {
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
            // An older store cannot be migrated here: serve it as it is
            // (every read of it works; the peer book is empty).
            return match found {
                Found::Store(v) if v >= 1 => Ok(true),
                _ => Err(self.read_only_error()),
            };
        }
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(current && mode.eq_ignore_ascii_case("wal"))
    }

    /// The schema version recorded in the database.
    pub(crate) fn version(&self) -> Result<i64> {
        match schema::inspect(&self.conn).map_err(|e| self.err(e))? {
            Found::Store(v) => Ok(v),
            _ => Err(self.corrupted("the database lost its schema version")),
        }
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
            Some(file) => Some(Flock::writer(file).map_err(|e| Error::Failed {
                context: format!("locking {}", self.dir.path().join(LOCK_FILE).display()),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let tx = self.begin_immediate().map_err(|e| self.err(e))?;
        Ok(WriteTx {
            tx,
            _file: file,
            _process: process,
        })
    }

    /// `BEGIN IMMEDIATE`, waiting in the busy handler if the database is
    /// locked. Test builds count the writers that find it locked
    /// ([`hooks::writer_waits`]).
    fn begin_immediate(&self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        #[cfg(test)]
        if let Some(tx) = hooks::begin_or_count_wait(&self.conn)? {
            return Ok(tx);
        }
        rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
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
    let has_wal = store.exists(&wal);
    // Windows keeps the log once emptied (`configure`: persistent WAL): an
    // empty one has nothing to read, and the store opens immutable as it
    // did when the log was deleted.
    #[cfg(windows)]
    let has_wal = has_wal && store.len(&wal).map_or(true, |n| n > 0);
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
/// between (see `tests::a_swap_after_the_check_changes_nothing`), and the
/// count of writers that met a locked database (see
/// `tests::thirty_two_writers_never_sleep_and_retry`).
#[cfg(test)]
pub(crate) mod hooks;

/// Maps SQLite's failures to the store errors of docs/design.md §5.
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
mod tests;
