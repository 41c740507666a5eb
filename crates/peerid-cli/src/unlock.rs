//! Unlocking a sealed store before a command that needs a private key
//! (docs/design.md §12), in the one order every command keeps: the OS
//! keyring if the store was sealed with `--keyring`, then the passphrase
//! file (`--passphrase-file`, else `$PEERID_PASSPHRASE_FILE`: the flag wins;
//! an empty variable is unset), then the terminal. Each passphrase tried costs one
//! scrypt run.

use std::io::Write;
use std::path::{Path, PathBuf};

use peerid::Store;

use crate::error::{Error, Result};
use crate::output::terminal_safe;
use crate::password;

/// How many passphrases a person at the terminal may type.
const TRIES: usize = 3;

/// The passphrase file: `--passphrase-file` if given, else
/// `$PEERID_PASSPHRASE_FILE` unless it is unset or empty.
pub fn passphrase_file(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(peerid::PASSPHRASE_FILE_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// Unlocks `store` if it is sealed and locked; does nothing otherwise.
///
/// # Errors
/// [`peerid::Error::WrongPassphrase`] for a passphrase file's wrong
/// passphrase (or three typed), [`peerid::Error::StoreLocked`] (with the
/// hint of [`crate::error`]) when no source gave one, the passphrase
/// file's own errors, store errors.
pub fn unlock(store: &mut Store, passphrase_file: Option<&Path>) -> Result<()> {
    if !store.is_locked()? {
        return Ok(());
    }
    let mut reason = String::new();
    if store.seal_status()?.keyring {
        match store.unlock_from_keyring() {
            Ok(true) => return Ok(()),
            Ok(false) => reason = "; the OS keyring holds no store key for it".to_owned(),
            Err(e) => {
                warn(&format!(
                    "the OS keyring cannot be used ({e}); trying the passphrase instead"
                ));
                reason = format!("; the OS keyring cannot be used ({e})");
            }
        }
    }
    if let Some(path) = passphrase_file {
        let passphrase = password::passphrase_from_file(path)?;
        return Ok(store.unlock(&passphrase)?);
    }
    if password::can_prompt() {
        for tried in 1..=TRIES {
            // Ctrl-D, or a terminal that cannot be used: the store stays
            // locked, which is what the caller is told (exit 6).
            let passphrase = match password::ask_passphrase() {
                Ok(p) => p,
                Err(Error::NoPassphrase) => {
                    return Err(locked(store, "; no passphrase was typed"));
                }
                Err(Error::PassphraseTerminal { reason }) => {
                    return Err(locked(
                        store,
                        &format!("; the terminal cannot be used ({reason})"),
                    ));
                }
                Err(e) => return Err(e),
            };
            match store.unlock(&passphrase) {
                Ok(()) => return Ok(()),
                Err(peerid::Error::WrongPassphrase) if tried < TRIES => {
                    warn("wrong passphrase; try again");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Err(locked(store, &reason))
}

fn locked(store: &Store, reason: &str) -> Error {
    Error::Library(peerid::Error::StoreLocked {
        path: store.dir().to_owned(),
        reason: reason.to_owned(),
    })
}

/// Runs `op`; if it found the store locked (`default`, `xml` with no name:
/// only when they must create the default identity), unlocks it and runs
/// `op` once more. Nothing was done by the first run.
///
/// # Errors
/// As `op`, or as [`unlock`].
pub fn when_needed<T>(
    store: &mut Store,
    passphrase_file: Option<&Path>,
    op: impl Fn(&Store) -> Result<T>,
) -> Result<T> {
    match op(store) {
        Err(Error::Library(peerid::Error::StoreLocked { .. })) => {
            unlock(store, passphrase_file)?;
            op(store)
        }
        done => done,
    }
}

/// A warning on stderr; a failed write is ignored, as main's `say` does.
fn warn(text: &str) {
    let line = format!("peerid: warning: {}\n", terminal_safe(text));
    let _ = std::io::stderr().write_all(line.as_bytes());
}
