//! Test-only hooks into [`super::Db::open`]: a step between the check of
//! the store directory and SQLite's open, and the open by name that systems
//! without `/proc` fall back to.

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
