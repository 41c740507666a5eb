//! Where passwords come from: a file, an environment variable, or the
//! terminal. Never an argument: other users can read those (`ps`, /proc).

use std::io::Read;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::cli::PasswordArgs;
use crate::error::{Error, Result};

/// Longest password file line read, so that a wrong path (a disk image, say)
/// is refused instead of read whole.
const MAX_PASSWORD_BYTES: usize = 64 * 1024;

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
        let value = std::env::var(var).map_err(|_| Error::PasswordEnv { var: var.clone() })?;
        return Ok(SecretString::from(value));
    }
    prompt(purpose)
}

fn from_file(path: &Path) -> Result<SecretString> {
    secret_line(path).map_err(|e| match e {
        LineError::Io(source) => Error::ReadingPasswordFile {
            path: path.to_owned(),
            source,
        },
        LineError::TooLong => Error::PasswordFileLineTooLong {
            path: path.to_owned(),
            limit: MAX_PASSWORD_BYTES,
        },
        LineError::NotUtf8 => Error::PasswordFileNotUtf8 {
            path: path.to_owned(),
        },
    })
}

/// Why a secret's file gave no secret.
enum LineError {
    Io(std::io::Error),
    TooLong,
    NotUtf8,
}

/// The first line of `path` as a secret, read as [`read_line`] does into
/// one wiped buffer.
fn secret_line(path: &Path) -> std::result::Result<SecretString, LineError> {
    let failed = LineError::Io;
    let mut file = std::fs::File::open(path).map_err(failed)?;
    // One buffer, allocated once at its full size and wiped on drop: a
    // BufReader, or a Vec that grows, would leave copies of the password
    // in memory that nothing wipes.
    let mut buf = Zeroizing::new(vec![0u8; MAX_PASSWORD_BYTES + 1]);
    let line = read_line(&mut file, &mut buf).map_err(failed)?;
    if line.len() > MAX_PASSWORD_BYTES {
        return Err(LineError::TooLong);
    }
    secret_from(line).ok_or(LineError::NotUtf8)
}

/// Reads a sealed store's passphrase from the first line of `path` (the
/// same bounded, wiped read as a password file's).
pub fn passphrase_from_file(path: &Path) -> Result<SecretString> {
    secret_line(path).map_err(|e| match e {
        LineError::Io(source) => Error::ReadingPassphraseFile {
            path: path.to_owned(),
            source,
        },
        LineError::TooLong => Error::PassphraseFileLineTooLong {
            path: path.to_owned(),
            limit: MAX_PASSWORD_BYTES,
        },
        LineError::NotUtf8 => Error::PassphraseFileNotUtf8 {
            path: path.to_owned(),
        },
    })
}

/// The prompt for a sealed store's passphrase.
pub const PASSPHRASE_PROMPT: &str = "Passphrase for the identity store: ";

/// Asks for the passphrase of a sealed store on the terminal, once.
pub fn ask_passphrase() -> Result<SecretString> {
    terminal::ask(PASSPHRASE_PROMPT).map_err(for_passphrase)
}

/// The terminal's errors in a passphrase's words.
fn for_passphrase(e: Error) -> Error {
    match e {
        Error::Terminal { reason } => Error::PassphraseTerminal { reason },
        Error::NoPassword => Error::NoPassphrase,
        Error::TypedPasswordNotUtf8 => Error::TypedPassphraseNotUtf8,
        other => other,
    }
}

/// A new passphrase for a store: the first line of `file`, else typed twice
/// on the terminal (three tries to make them match). An empty one is refused.
pub fn new_passphrase(file: Option<&Path>) -> Result<SecretString> {
    let passphrase = match file {
        Some(path) => passphrase_from_file(path)?,
        None => typed_twice()?,
    };
    if passphrase.expose_secret().is_empty() {
        return Err(Error::EmptyPassphrase);
    }
    Ok(passphrase)
}

/// Whether a person can be asked for a passphrase: stdin or stderr is a
/// terminal (a script's are not: it is told what to pass at once, instead
/// of a prompt it cannot see).
pub fn can_prompt() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() || std::io::stderr().is_terminal()
}

fn typed_twice() -> Result<SecretString> {
    if !can_prompt() {
        return Err(Error::PassphraseTerminal {
            reason: "neither stdin nor stderr is a terminal".to_owned(),
        });
    }
    for tried in 1..=TRIES {
        let first =
            terminal::ask("New passphrase for the identity store: ").map_err(for_passphrase)?;
        if first.expose_secret().is_empty() {
            return Err(Error::EmptyPassphrase);
        }
        let second = terminal::ask("Same passphrase again: ").map_err(for_passphrase)?;
        if first.expose_secret() == second.expose_secret() {
            return Ok(first);
        }
        if tried < TRIES {
            terminal::say("The passphrases differ; try again.\n").map_err(for_passphrase)?;
        }
    }
    Err(Error::PassphrasesDiffer)
}

/// Reads into `buf` until a line end, the end of input, or a full buffer,
/// and returns the line without its line end (`\n` or `\r\n`). Stops at the
/// line end, so a FIFO or a terminal is not read further.
fn read_line<'b>(source: &mut impl Read, buf: &'b mut [u8]) -> std::io::Result<&'b [u8]> {
    read_line_or_end(source, buf).map(|(line, _)| line)
}

/// As [`read_line`], and whether the input ended before a single byte
/// (Ctrl-D at an empty prompt), which an empty line (Enter) is not.
fn read_line_or_end<'b>(
    source: &mut impl Read,
    buf: &'b mut [u8],
) -> std::io::Result<(&'b [u8], bool)> {
    let mut filled = 0;
    let end = loop {
        if let Some(i) = buf[..filled].iter().position(|&b| b == b'\n') {
            break i;
        }
        if filled == buf.len() {
            break filled;
        }
        match source.read(&mut buf[filled..]) {
            Ok(0) => break filled,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    let ended = filled == 0;
    let line = &buf[..end];
    Ok((
        match line {
            [rest @ .., b'\r'] if end < filled => rest,
            _ => line,
        },
        ended,
    ))
}

/// The password as a secret, copied once into an allocation of its exact
/// size; `None` if it is not UTF-8.
fn secret_from(line: &[u8]) -> Option<SecretString> {
    std::str::from_utf8(line)
        .ok()
        .map(|text| SecretString::from(text.to_owned()))
}

/// How many times export asks for the password twice before giving up.
const TRIES: usize = 3;

fn prompt(purpose: Purpose) -> Result<SecretString> {
    match purpose {
        Purpose::Import => terminal::ask("Password: "),
        Purpose::Export => {
            for tried in 1..=TRIES {
                let first = terminal::ask("New password for the export: ")?;
                let second = terminal::ask("Same password again: ")?;
                if first.expose_secret() == second.expose_secret() {
                    return Ok(first);
                }
                if tried < TRIES {
                    terminal::say("The passwords differ; try again.\n")?;
                }
            }
            Err(Error::PasswordsDiffer)
        }
    }
}

/// The prompt on the controlling terminal, as OpenSSH's readpassphrase
/// does it: echo off and nothing else changed (so Ctrl-C still sends
/// SIGINT and line editing still works), and the saved settings put back
/// on every way out, a signal included ([`crate::interrupt`]).
#[cfg(unix)]
mod terminal {
    use std::sync::Arc;

    use rustix::fs::{Mode, OFlags};
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    use secrecy::SecretString;
    use zeroize::Zeroizing;

    use crate::error::{Error, Result};
    use crate::interrupt::{self, Terminal};

    /// Longest line a terminal in canonical mode passes on (Linux: 4095
    /// bytes and the line end).
    const MAX_TYPED: usize = 4096;

    fn unavailable(e: impl std::fmt::Display) -> Error {
        Error::Terminal {
            reason: e.to_string(),
        }
    }

    pub fn ask(prompt: &str) -> Result<SecretString> {
        let fd = rustix::fs::open(
            "/dev/tty",
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(unavailable)?;
        let fd = Arc::new(fd);
        let saved = tcgetattr(&*fd).map_err(unavailable)?;
        interrupt::install()?;
        let mut quiet = saved.clone();
        quiet
            .local_modes
            .remove(LocalModes::ECHO | LocalModes::ECHONL);
        {
            let mut pending = interrupt::pending();
            pending.terminal = Some(Terminal {
                fd: Arc::clone(&fd),
                saved: saved.clone(),
                quiet: quiet.clone(),
            });
            // Flush: nothing typed ahead with echo on counts as the password.
            if let Err(e) = tcsetattr(&*fd, OptionalActions::Flush, &quiet) {
                pending.terminal = None;
                return Err(unavailable(e));
            }
        }
        let mut buf = Zeroizing::new(vec![0u8; MAX_TYPED]);
        let typed = write_all(&fd, prompt.as_bytes()).and_then(|()| {
            super::read_line_or_end(&mut TtyReader(&fd), &mut buf).map(|(l, end)| (l.len(), end))
        });
        {
            let mut pending = interrupt::pending();
            let restored = tcsetattr(&*fd, OptionalActions::Flush, &saved);
            pending.terminal = None;
            restored.map_err(unavailable)?;
        }
        // The Enter the user typed was not echoed.
        let _ = write_all(&fd, b"\n");
        let (len, ended) = typed.map_err(unavailable)?;
        if ended {
            // Ctrl-D: the user chose not to give one.
            return Err(Error::NoPassword);
        }
        super::secret_from(&buf[..len]).ok_or(Error::TypedPasswordNotUtf8)
    }

    /// Writes a line on the terminal (not stderr, which may be a file).
    pub fn say(text: &str) -> Result<()> {
        let fd = rustix::fs::open(
            "/dev/tty",
            OFlags::WRONLY | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(unavailable)?;
        write_all(&fd, text.as_bytes()).map_err(unavailable)
    }

    fn write_all(fd: &rustix::fd::OwnedFd, mut data: &[u8]) -> std::io::Result<()> {
        while !data.is_empty() {
            match rustix::io::write(fd, data) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    struct TtyReader<'a>(&'a rustix::fd::OwnedFd);

    impl std::io::Read for TtyReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            rustix::io::read(self.0, buf).map_err(Into::into)
        }
    }
}

/// The prompt on the console (`CONIN$`, `CONOUT$`), by `rpassword`, which
/// turns echo off while it reads and puts the console's mode back after.
/// The end of input is `Ctrl-Z` on Windows, as Ctrl-D is on Unix.
#[cfg(windows)]
mod terminal {
    use secrecy::SecretString;
    use zeroize::Zeroizing;

    use crate::error::{Error, Result};

    /// What a console gives for Ctrl-Z, Windows' end of input.
    const END_OF_INPUT: &str = "\u{1a}";

    fn unavailable(e: impl std::fmt::Display) -> Error {
        Error::Terminal {
            reason: e.to_string(),
        }
    }

    pub fn ask(prompt: &str) -> Result<SecretString> {
        crate::interrupt::install()?;
        let mut typed = match rpassword::prompt_password(prompt) {
            Ok(typed) => Zeroizing::new(typed),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(Error::NoPassword);
            }
            Err(e) => return Err(unavailable(e)),
        };
        if typed.as_str() == END_OF_INPUT {
            return Err(Error::NoPassword);
        }
        // Moved, not copied: what is left behind is empty.
        Ok(SecretString::from(std::mem::take(&mut *typed)))
    }

    /// Writes a line on the console (not stderr, which may be a file).
    pub fn say(text: &str) -> Result<()> {
        use std::io::Write;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .open("CONOUT$")
            .map_err(unavailable)?;
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::read_line;

    #[test]
    fn the_first_line_without_its_line_end() {
        let cases: [(&[u8], &[u8]); 7] = [
            (b"pw\nsecond\n", b"pw"),
            (b"pw\r\nsecond", b"pw"),
            (b"pw", b"pw"),
            (b"pw\r", b"pw\r"),
            (b"\n", b""),
            (b"", b""),
            (b"a\rb\n", b"a\rb"),
        ];
        for (input, line) in cases {
            let mut buf = [0u8; 16];
            let got = read_line(&mut &input[..], &mut buf).unwrap();
            assert_eq!(got, line, "{input:?}");
        }
    }

    #[test]
    fn the_end_of_input_before_any_byte_is_told_from_an_empty_line() {
        let cases: [(&[u8], bool); 4] = [
            (b"", true),
            (b"\n", false),
            (b"pw", false),
            (b"\r\n", false),
        ];
        for (input, ended) in cases {
            let mut buf = [0u8; 16];
            let (_, got) = super::read_line_or_end(&mut &input[..], &mut buf).unwrap();
            assert_eq!(got, ended, "{input:?}");
        }
    }

    #[test]
    fn a_full_buffer_is_returned_whole_for_the_caller_to_refuse() {
        let mut buf = [0u8; 4];
        let got = read_line(&mut &b"abcdefg\n"[..], &mut buf).unwrap();
        assert_eq!(got, b"abcd");
    }
}
