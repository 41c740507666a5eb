//! Test-only hooks into [`super::Db::open`]: a step between the check of
//! the store directory and SQLite's open, and the open by name that systems
//! without `/proc` fall back to; and into [`super::Db::write_tx`]: a count
//! of the writers that found the database locked and went to SQLite's
//! sleep-and-retry.

use std::cell::{Cell, RefCell};

use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

use super::BUSY_TIMEOUT;

thread_local! {
    static AFTER_CHECK: RefCell<Option<Box<dyn FnOnce()>>> = RefCell::new(None);
    static BY_PATH: Cell<bool> = const { Cell::new(false) };
    static SKIP_RECHECK: Cell<bool> = const { Cell::new(false) };
    static WRITER_WAITS: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` on this thread's next open, after the directory was checked
/// and before SQLite opens the database.
pub fn set_after_check(f: impl FnOnce() + 'static) {
    AFTER_CHECK.with(|h| *h.borrow_mut() = Some(Box::new(f)));
}

/// Opens the database by its physical path (the fallback for systems
/// without `/proc`), and whether to skip the re-check after it. Only the
/// Unix swap tests use it.
#[cfg_attr(windows, allow(dead_code))]
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

/// How many of this thread's write transactions found the database locked
/// at `BEGIN IMMEDIATE`, and so waited in SQLite's busy handler (the sleep
/// and retry that the writers' locks exist to avoid). Per thread, so tests
/// running beside each other do not count each other's waits.
pub fn writer_waits() -> u64 {
    WRITER_WAITS.with(Cell::get)
}

/// `BEGIN IMMEDIATE` tried once with no busy handler: the transaction if
/// the database was free; `None`, counted in [`writer_waits`], if it was
/// locked, and the caller then begins as usual, in the busy handler. SQLite
/// calls its busy handler exactly when that first attempt meets a lock, so
/// this counts the writers that would have slept and retried, and leaves
/// them to do it. (`Connection::busy_handler` needs the connection `&mut`,
/// which [`super::Db`] does not have where it restores the timeout.)
pub(super) fn begin_or_count_wait(conn: &Connection) -> rusqlite::Result<Option<Transaction<'_>>> {
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let first = Transaction::new_unchecked(conn, TransactionBehavior::Immediate);
    conn.busy_timeout(BUSY_TIMEOUT)?;
    match first {
        Ok(tx) => Ok(Some(tx)),
        Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == ErrorCode::DatabaseBusy => {
            WRITER_WAITS.with(|n| n.set(n.get() + 1));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
