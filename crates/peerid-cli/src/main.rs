//! `peerid`: the command line over the peerid library. This file only wires
//! parsing, the command and the exit code together.
#![forbid(unsafe_code)]

mod allowed_signers;
mod cli;
mod commands;
mod confirm;
mod error;
// Signals on Unix; the console control handler on Windows.
#[cfg_attr(windows, path = "interrupt_windows.rs")]
mod interrupt;
mod outfile;
mod output;
mod password;
mod resolve;
mod ssh_keygen;
mod unlock;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::error::Error;
use crate::output::{ErrorJson, to_json};

/// Exit code for command-line usage errors.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    // git runs gpg.ssh.program as ssh-keygen: `peerid -Y sign ...` (§9).
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv
        .get(1)
        .is_some_and(|a| a.as_encoded_bytes().starts_with(b"-Y"))
    {
        return ssh_keygen::run(&argv).map_or_else(|e| report(&e, false), |()| ExitCode::SUCCESS);
    }
    let wants_json = std::env::args_os().any(|a| a == "--json");
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if !e.use_stderr() {
                // --help and --version.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if wants_json {
                let message = e.render().to_string();
                let doc = ErrorJson::new(
                    "USAGE",
                    peerid::ErrorKind::InvalidArg.hresult(),
                    message.trim_end(),
                );
                say_json(&doc);
            }
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match commands::run(
        &cli.command,
        cli.store.as_deref(),
        unlock::passphrase_file(cli.passphrase_file.as_deref()).as_deref(),
        cli.json,
    ) {
        Ok(output) => {
            let bytes = match output.into_bytes(cli.json) {
                Ok(bytes) => bytes,
                Err(err) => return report(&err, cli.json),
            };
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (`peerid list | head`) is not worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                // The command has run: a create or an import is in the
                // store, so say so rather than let a retry be surprised.
                // Only on stderr: stdout is what just failed.
                Err(source) => report(&Error::WritingOutput { source }, false),
            }
        }
        // tls's stdout is the peer's data: what it says goes to stderr.
        Err(err) if matches!(cli.command, cli::Command::Tls(_)) => {
            report_to_stderr(&err, cli.json);
            ExitCode::from(err.exit_code())
        }
        Err(err) => report(&err, cli.json),
    }
}

/// Tells the user what failed on stderr only: with `--json` as the one-line
/// error object, else as `peerid: error: ...`. For `tls`, whose stdout
/// carries the peer's data.
pub(crate) fn report_to_stderr(err: &Error, json: bool) {
    if json {
        let message = err.to_string();
        let doc = ErrorJson::new(err.code_name(), err.hresult(), &message);
        if let Ok(bytes) = to_json(&doc) {
            say(&mut std::io::stderr(), &String::from_utf8_lossy(&bytes));
        }
    } else {
        say(
            &mut std::io::stderr(),
            &format!("peerid: error: {}", err.for_terminal()),
        );
    }
}

/// Tells the user what failed, on stderr and, with `--json`, as the error
/// object on stdout; returns the exit code of docs/design.md §5.
fn report(err: &Error, json: bool) -> ExitCode {
    let message = err.to_string();
    if json {
        say_json(&ErrorJson::new(err.code_name(), err.hresult(), &message));
    }
    // A message can quote the input (a name, an element of a
    // document), which may be hostile.
    say(
        &mut std::io::stderr(),
        &format!("peerid: error: {}", err.for_terminal()),
    );
    ExitCode::from(err.exit_code())
}

/// Writes the JSON error object on stdout as one line. It is only
/// strings, which serde_json always formats; were it ever refused, stderr
/// still says what failed and the exit code is the same.
fn say_json(doc: &ErrorJson<'_>) {
    if let Ok(bytes) = to_json(doc) {
        say(&mut std::io::stdout(), &String::from_utf8_lossy(&bytes));
    }
}

/// Writes one line and ignores failure: `println!` and `eprintln!` panic when
/// the stream cannot be written (stderr redirected to a full disk or past a
/// file size limit), and the exit code already tells what happened. The
/// line goes out in one write, so it is whole or absent, never cut short.
fn say(stream: &mut impl Write, line: &dyn std::fmt::Display) {
    let _ = stream
        .write_all(format!("{line}\n").as_bytes())
        .and_then(|()| stream.flush());
}
