//! Windows: what Ctrl-C, Ctrl-Break or closing the console must undo
//! before the process ends: the named temporary file an export may hold
//! (docs/design.md §7: nothing of the output is left behind).
//!
//! `ctrlc` (with its `termination` feature, so console close, logoff and
//! shutdown too) runs the handler on a thread of its own, in ordinary
//! code. It takes the lock on [`Pending`], removes the file, and, still
//! holding the lock so that the command cannot go on to rename a file it
//! has just removed, ends the process with `STATUS_CONTROL_C_EXIT`
//! (0xC000013A), the status Windows gives a console program that Ctrl-C
//! ends without a handler, so a caller sees the same either way.
//!
//! The terminal needs nothing here: the password prompt (`rpassword`)
//! changes the console's mode only while it reads, and cmd and PowerShell
//! set the mode they want when they read the next command.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::error::{Error, Result};

/// Exit status of a console program ended by Ctrl-C (`STATUS_CONTROL_C_EXIT`).
const STATUS_CONTROL_C_EXIT: u32 = 0xC000_013A;

/// What an interrupt must undo; empty when nothing is in flight.
#[derive(Default)]
pub struct Pending {
    /// A temporary name this process created and has not yet renamed.
    pub temp: Option<Temp>,
}

/// A file this process created with `create_new` (or `hard_link`, which
/// never replaces), so removing it can only remove our own file.
pub struct Temp {
    /// Its full path.
    pub path: PathBuf,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending { temp: None });

static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// The state the handler reads. Hold the guard across any step that
/// creates or removes what it records, so an interrupt sees before or
/// after, never between.
pub fn pending() -> MutexGuard<'static, Pending> {
    // A panic while holding the lock leaves data that is still meaningful.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the console control handler, once per process.
///
/// # Errors
/// [`Error::Signals`] if it cannot be installed.
pub fn install() -> Result<()> {
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(on_interrupt)
                .map_err(|e| format!("installing the console control handler: {e}"))
        })
        .clone()
        .map_err(|reason| Error::Signals { reason })
}

fn on_interrupt() {
    let mut pending = pending();
    if let Some(temp) = pending.temp.take() {
        let _ = std::fs::remove_file(&temp.path);
    }
    // With the lock still held: no destructor runs, the guard is never
    // released. The cast keeps the bits: Windows reads the exit code as
    // an unsigned 32-bit status.
    #[allow(clippy::cast_possible_wrap)]
    std::process::exit(STATUS_CONTROL_C_EXIT as i32);
}
