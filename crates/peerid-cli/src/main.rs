//! `peerid`: the command line over the peerid library. This file only wires
//! parsing, the command and the exit code together.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod error;
mod interrupt;
mod outfile;
mod output;
mod password;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::error::Error;
use crate::output::{Output, error_json, terminal_safe};

/// Exit code for command-line usage errors.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
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
                let doc = error_json(
                    "USAGE",
                    peerid::ErrorKind::InvalidArg.hresult(),
                    e.render().to_string().trim_end(),
                );
                say(&mut std::io::stdout(), &doc);
            }
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match commands::run(&cli.command, cli.store.as_deref(), cli.json) {
        Ok(output) => {
            let mut out = std::io::stdout().lock();
            let written = match output {
                Output::Rendered(s) => out.write_all(s.as_bytes()),
                Output::Reply(reply) if cli.json => writeln!(out, "{}", reply.json),
                Output::Reply(reply) if reply.text.is_empty() || reply.text.ends_with('\n') => {
                    out.write_all(reply.text.as_bytes())
                }
                Output::Reply(reply) => writeln!(out, "{}", reply.text),
            };
            match written.and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (`peerid list | head`) is not worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                // The command has run: a create or an import is in the
                // store, so say so rather than let a retry be surprised.
                // Only on stderr: stdout is what just failed.
                Err(source) => report(&Error::WritingOutput { source }, false),
            }
        }
        Err(err) => report(&err, cli.json),
    }
}

/// Tells the user what failed, on stderr and, with `--json`, as the error
/// object on stdout; returns the exit code of docs/design.md §5.
fn report(err: &Error, json: bool) -> ExitCode {
    let message = err.to_string();
    if json {
        let doc = error_json(err.code_name(), err.hresult(), &message);
        say(&mut std::io::stdout(), &doc);
    }
    // A message can quote the input (a name, an element of a
    // document), which may be hostile.
    say(
        &mut std::io::stderr(),
        &format!("peerid: error: {}", terminal_safe(&message)),
    );
    ExitCode::from(err.exit_code())
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
