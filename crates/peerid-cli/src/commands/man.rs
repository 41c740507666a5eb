//! `peerid man`: one manual page in roff, made from the same clap
//! definitions as `--help`. clap_mangen writes the title, NAME, SYNOPSIS,
//! DESCRIPTION and the global OPTIONS; COMMANDS then gives each command
//! (one page for all: there are no peerid-create(1) pages) its usage, its
//! own options (with their defaults) and
//! examples, and EXAMPLES the top-level text, both kept as laid out in
//! `--help` (no filling: the examples are typed as shown).

use clap::{Arg, Command, CommandFactory};
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::output::Output;

pub fn run() -> Result<Output> {
    let mut command = Cli::command();
    command.build();
    let man = Man::new(command.clone());
    let mut out = Vec::new();
    let fail = |source| Error::WritingOutput { source };
    man.render_title(&mut out).map_err(fail)?;
    man.render_name_section(&mut out).map_err(fail)?;
    man.render_synopsis_section(&mut out).map_err(fail)?;
    man.render_description_section(&mut out).map_err(fail)?;
    man.render_options_section(&mut out).map_err(fail)?;
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        command_section(&mut roff, sub);
    }
    if let Some(text) = command.get_after_help() {
        roff.control("SH", ["EXAMPLES"]);
        preformatted(&mut roff, &text.to_string());
    }
    out.extend(roff.to_roff().into_bytes());
    man.render_version_section(&mut out).map_err(fail)?;
    Ok(Output::Rendered(out))
}

/// One command: `peerid NAME` and its usage, what it does, its aliases,
/// arguments and options, and its examples.
fn command_section(roff: &mut Roff, sub: &Command) {
    let usage = sub
        .clone()
        .bin_name(format!("peerid {}", sub.get_name()))
        .render_usage()
        .to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).to_owned();
    roff.control("SS", [usage.as_str()]);
    if let Some(about) = sub.get_long_about().or(sub.get_about()) {
        roff.text([roman(about.to_string())]);
    }
    let aliases: Vec<&str> = sub.get_visible_aliases().collect();
    if !aliases.is_empty() {
        roff.control("PP", []);
        roff.text([roman(format!(
            "Also: peerid {}.",
            aliases.join(", peerid ")
        ))]);
    }
    // The global options are in OPTIONS, once.
    let own = |a: &&Arg| {
        !a.is_hide_set() && !a.is_global_set() && !matches!(a.get_id().as_str(), "help" | "version")
    };
    for arg in sub.get_arguments().filter(own) {
        roff.control("TP", []);
        roff.text(arg_label(arg));
        roff.text([roman(arg_help(arg))]);
    }
    if let Some(text) = sub.get_after_help() {
        roff.control("PP", []);
        preformatted(roff, &text.to_string());
    }
}

/// `-c, --classifier C`, or `NAME` for a positional argument.
fn arg_label(arg: &Arg) -> Vec<Inline> {
    let value = arg
        .get_value_names()
        .map(|v| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
    if arg.is_positional() {
        return vec![italic(value)];
    }
    let mut label = Vec::new();
    if let Some(short) = arg.get_short() {
        label.push(bold(format!("-{short}")));
        label.push(roman(", "));
    }
    if let Some(long) = arg.get_long() {
        label.push(bold(format!("--{long}")));
    }
    if arg.get_action().takes_values() {
        label.push(roman(" "));
        label.push(italic(value));
    }
    label
}

/// The option's help, its default (unless hidden or said in the help) and
/// its possible values.
fn arg_help(arg: &Arg) -> String {
    let mut help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && !arg.is_hide_default_value_set() && arg.get_action().takes_values() {
        help.push_str(&format!(" [default: {}]", defaults.join(", ")));
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !values.is_empty() && arg.get_action().takes_values() {
        help.push_str(&format!(" [possible values: {}]", values.join(", ")));
    }
    help
}

/// Text shown line for line, as in `--help`, indented.
fn preformatted(roff: &mut Roff, text: &str) {
    roff.control("RS", []);
    roff.control("nf", []);
    for line in text.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff.control("RE", []);
}
