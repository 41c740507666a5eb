//! What a signal must undo before it ends the process: the terminal's
//! settings while a password is typed with echo off, and the named temporary
//! file an export may hold for an instant (docs/design.md §7: after SIGINT,
//! SIGTERM or SIGHUP nothing is left behind, and the terminal is as it was).
//!
//! A thread waits for the signals (signal-hook's iterator: the handler
//! itself only wakes the thread, so the work runs in ordinary code and may
//! lock and make system calls). It takes the lock on [`Pending`], undoes
//! what is there, and, still holding the lock so that the command cannot
//! go on to rename a file it has just removed, lets the signal end the
//! process with its default action: a shell sees 130 after Ctrl-C, as for
//! any program. SIGQUIT and SIGALRM are handled the same way. SIGTSTP
//! (Ctrl-Z) puts the terminal back, stops, and on `fg` turns echo off
//! again, as OpenSSH's readpassphrase does.
//!
//! The handlers are installed for the rest of the (short) process: removing
//! signal-hook's handlers would leave the signals ignored, not default.

use std::ffi::OsString;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rustix::fd::OwnedFd;
use rustix::termios::{OptionalActions, Termios, tcsetattr};
use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
use signal_hook::iterator::Signals;
use signal_hook::low_level::emulate_default_handler;

use crate::error::{Error, Result};

/// What a signal must undo; empty when nothing is in flight.
#[derive(Default)]
pub struct Pending {
    /// A terminal whose echo is off for a password prompt.
    pub terminal: Option<Terminal>,
    /// A temporary name this process created and has not yet renamed.
    pub temp: Option<Temp>,
}

/// A terminal and its settings before and during a prompt.
pub struct Terminal {
    /// The open `/dev/tty`.
    pub fd: Arc<OwnedFd>,
    /// As it was before the prompt: restored on every way out.
    pub saved: Termios,
    /// As the prompt set it (echo off): set again after a stop.
    pub quiet: Termios,
}

/// A file name this process created with `O_EXCL` (or `linkat`, which never
/// replaces), so removing it can only remove our own file.
pub struct Temp {
    /// The directory it is in, held open so a rename of the path above
    /// changes nothing.
    pub dir: Arc<OwnedFd>,
    /// Its name in that directory.
    pub name: OsString,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    terminal: None,
    temp: None,
});

static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// The state the signal thread reads. Hold the guard across any step that
/// creates or removes what it records, so a signal sees before or after,
/// never between.
pub fn pending() -> MutexGuard<'static, Pending> {
    // A panic while holding the lock leaves data that is still meaningful.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the signal thread, once per process.
///
/// # Errors
/// [`Error::Signals`] if the handlers or the thread cannot be set up.
pub fn install() -> Result<()> {
    INSTALLED
        .get_or_init(|| {
            // SIGQUIT (Ctrl-\) and SIGALRM end the process too, so they
            // must restore the terminal as well (readpassphrase's list).
            let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGTSTP])
                .map_err(|e| format!("installing the handlers: {e}"))?;
            std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    for signal in signals.forever() {
                        on_signal(signal);
                    }
                })
                .map(drop)
                .map_err(|e| format!("starting the signal thread: {e}"))
        })
        .clone()
        .map_err(|reason| Error::Signals { reason })
}

fn on_signal(signal: i32) {
    let mut pending = pending();
    if let Some(t) = &pending.terminal {
        // Flush: what was typed of the password must not reach the shell.
        let _ = tcsetattr(&*t.fd, OptionalActions::Flush, &t.saved);
    }
    if signal == SIGTSTP {
        // Stops here until SIGCONT.
        let _ = emulate_default_handler(SIGTSTP);
        if let Some(t) = &pending.terminal {
            let _ = tcsetattr(&*t.fd, OptionalActions::Flush, &t.quiet);
        }
        return;
    }
    if let Some(temp) = pending.temp.take() {
        let _ = rustix::fs::unlinkat(&*temp.dir, &temp.name, rustix::fs::AtFlags::empty());
    }
    // Ends the process by the signal (it aborts if it cannot), with the
    // lock still held.
    let _ = emulate_default_handler(signal);
}
