//! Yes-or-no questions on the terminal, before something that cannot be
//! undone (`delete`, `export -o` over a file). Asked only when stdin is a
//! terminal, so that a script never waits on a question it cannot see;
//! there, the command's flag (`--yes`, `--force`) says it is meant.

use std::io::IsTerminal;

use crate::error::{Error, Result};

/// Longest answer read; the rest of a longer line is left unread.
const MAX_ANSWER: usize = 256;

/// Whether a person can be asked: stdin is a terminal.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks `question` (which should end in "[y/N] ") on the controlling
/// terminal and says whether the answer was yes (`y` or `yes`, any case).
/// End of input, an empty line or anything else is no.
///
/// # Errors
/// [`Error::Confirm`] when the terminal cannot be opened, written or read.
pub fn ask(question: &str) -> Result<bool> {
    let answer = terminal::ask(question).map_err(|e| Error::Confirm {
        reason: e.to_string(),
    })?;
    let answer = answer.trim();
    Ok(answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes"))
}

#[cfg(unix)]
mod terminal {
    use std::io::{Read, Write};

    /// Opens `/dev/tty` (not stdin: the question is for the person, even
    /// when stdin is also the terminal), writes the question, and reads one
    /// line with echo as the terminal has it.
    pub fn ask(question: &str) -> std::io::Result<String> {
        let mut tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        tty.write_all(question.as_bytes())?;
        tty.flush()?;
        let mut buf = [0u8; super::MAX_ANSWER];
        let mut filled = 0;
        while filled < buf.len() {
            let n = match tty.read(&mut buf[filled..]) {
                Ok(0) => {
                    // Ctrl-D: end the prompt's line, as the Enter would.
                    let _ = tty.write_all(b"\n");
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            filled += n;
            if buf[..filled].contains(&b'\n') {
                break;
            }
        }
        let line = buf[..filled].split(|&b| b == b'\n').next().unwrap_or(&[]);
        Ok(String::from_utf8_lossy(line).into_owned())
    }
}

/// Windows: the console (`CONIN$` and `CONOUT$`), as `/dev/tty` on Unix.
#[cfg(windows)]
mod terminal {
    use std::io::{Read, Write};

    pub fn ask(question: &str) -> std::io::Result<String> {
        let mut out = std::fs::OpenOptions::new().write(true).open("CONOUT$")?;
        let mut input = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("CONIN$")?;
        out.write_all(question.as_bytes())?;
        out.flush()?;
        let mut buf = [0u8; super::MAX_ANSWER];
        let mut filled = 0;
        while filled < buf.len() {
            let n = match input.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            filled += n;
            if buf[..filled].contains(&b'\n') {
                break;
            }
        }
        let line = buf[..filled].split(|&b| b == b'\n').next().unwrap_or(&[]);
        Ok(String::from_utf8_lossy(line).into_owned())
    }
}

#[cfg(not(any(unix, windows)))]
mod terminal {
    pub fn ask(_question: &str) -> std::io::Result<String> {
        Err(std::io::Error::other("no terminal prompt on this system"))
    }
}
