//! Where passwords come from: a file, an environment variable, or the
//! terminal. Never an argument: other users can read those (`ps`, /proc).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use peerid::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::cli::PasswordArgs;

/// Longest password file line read, so that a wrong path (a disk image, say)
/// is refused instead of read whole.
const MAX_PASSWORD_BYTES: u64 = 64 * 1024;

/// Whether the password is for writing (asked twice) or reading.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Export: prompt twice and refuse a mismatch.
    Export,
    /// Import.
    Import,
}

/// Reads the password as the arguments say.
pub fn read(args: &PasswordArgs, purpose: Purpose) -> Result<SecretString> {
    if let Some(path) = &args.password_file {
        return from_file(path);
    }
    if let Some(var) = &args.password_env {
        let value = std::env::var(var).map_err(|_| {
            Error::InvalidArgument(format!(
                "environment variable {var} is not set or not UTF-8"
            ))
        })?;
        return Ok(SecretString::from(value));
    }
    prompt(purpose)
}

fn from_file(path: &Path) -> Result<SecretString> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::InvalidArgument(format!("cannot read password file {}: {e}", path.display()))
    })?;
    let mut reader = BufReader::new(file.take(MAX_PASSWORD_BYTES + 1));
    let mut line = Zeroizing::new(Vec::new());
    reader
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::InvalidArgument(format!("reading {}: {e}", path.display())))?;
    if line.len() as u64 > MAX_PASSWORD_BYTES {
        return Err(Error::InvalidArgument(format!(
            "the first line of {} is longer than {MAX_PASSWORD_BYTES} bytes; is it the right file?",
            path.display()
        )));
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    let text = std::str::from_utf8(&line).map_err(|_| {
        Error::InvalidArgument(format!("the password in {} is not UTF-8", path.display()))
    })?;
    Ok(SecretString::from(text.to_owned()))
}

fn prompt(purpose: Purpose) -> Result<SecretString> {
    let ask = |text: &str| {
        rpassword::prompt_password(text).map(SecretString::from).map_err(|e| {
            Error::InvalidArgument(format!(
                "cannot ask for a password on the terminal ({e}); use --password-file FILE or --password-env VAR"
            ))
        })
    };
    match purpose {
        Purpose::Import => ask("Password: "),
        Purpose::Export => {
            let first = ask("New password for the export: ")?;
            let second = ask("Same password again: ")?;
            if first.expose_secret() != second.expose_secret() {
                return Err(Error::InvalidArgument(
                    "the two passwords differ; nothing was written".into(),
                ));
            }
            Ok(first)
        }
    }
}
