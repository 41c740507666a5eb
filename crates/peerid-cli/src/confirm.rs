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

/// Reads one answer from `input`: the bytes up to the first newline, at
/// most [`MAX_ANSWER`] of them (the rest of a longer line is left unread),
/// and whether input ended before a newline did.
#[cfg_attr(not(any(unix, windows)), allow(dead_code))]
fn read_answer(input: &mut impl std::io::Read) -> std::io::Result<(String, bool)> {
    let mut buf = [0u8; MAX_ANSWER];
    let mut filled = 0;
    let mut ended = false;
    while filled < buf.len() {
        let n = match input.read(&mut buf[filled..]) {
            Ok(0) => {
                ended = true;
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
    Ok((String::from_utf8_lossy(line).into_owned(), ended))
}

#[cfg(unix)]
mod terminal {
    use std::io::Write;

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
        let (line, ended) = super::read_answer(&mut tty)?;
        if ended {
            // Ctrl-D: end the prompt's line, as the Enter would.
            let _ = tty.write_all(b"\n");
        }
        Ok(line)
    }
}

/// Windows: the console (`CONIN$` and `CONOUT$`), as `/dev/tty` on Unix.
/// The line ends in CR LF there; [`super::ask`] trims the CR.
#[cfg(windows)]
mod terminal {
    use std::io::Write;

    pub fn ask(question: &str) -> std::io::Result<String> {
        let mut out = std::fs::OpenOptions::new().write(true).open("CONOUT$")?;
        let mut input = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("CONIN$")?;
        out.write_all(question.as_bytes())?;
        out.flush()?;
        Ok(super::read_answer(&mut input)?.0)
    }
}

#[cfg(not(any(unix, windows)))]
mod terminal {
    pub fn ask(_question: &str) -> std::io::Result<String> {
        Err(std::io::Error::other("no terminal prompt on this system"))
    }
}

#[cfg(test)]
mod tests {
    use super::read_answer;

    /// Gives its bytes a few at a time, as a terminal gives a line.
    struct Trickle<'a>(&'a [u8]);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn one_line_is_read_up_to_its_newline() {
        let answer = |bytes: &[u8]| read_answer(&mut Trickle(bytes)).unwrap();
        assert_eq!(answer(b"yes\nrm -rf\n"), ("yes".to_owned(), false));
        assert_eq!(answer(b"y\r\n"), ("y\r".to_owned(), false));
        assert_eq!(answer(b"no newline"), ("no newline".to_owned(), true));
        assert_eq!(answer(b""), (String::new(), true));
        let long = [b'y'; 1000];
        assert_eq!(answer(&long), ("y".repeat(super::MAX_ANSWER), false));
    }
}
