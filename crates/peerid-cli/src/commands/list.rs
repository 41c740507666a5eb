use std::fmt::Write;

use peerid::Store;

use crate::cli::ListArgs;
use crate::error::Result;
use crate::output::{IdentityJson, Output, rfc3339, terminal_safe, to_json};

/// Streams the store into the one form asked for: lines of
/// `peer name<TAB>friendly name`, or a JSON array; `--long` is for people.
pub fn run(store: &Store, args: &ListArgs, json: bool) -> Result<Output> {
    if args.long && !json {
        return long(store);
    }
    if json {
        let mut out = b"[".to_vec();
        let mut first = true;
        // The walk's closure can only stop with a library error; a JSON
        // error (which these types never give) is kept and reported after.
        let mut formatted = Ok(());
        store.list_each(|s| {
            if formatted.is_ok() {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                formatted = to_json(&IdentityJson::from(&s)).map(|one| out.extend(one));
            }
            Ok(())
        })?;
        formatted?;
        out.extend(b"]\n");
        return Ok(Output::Rendered(out));
    }
    let mut out = String::new();
    store.list_each(|s| {
        let _ = writeln!(
            out,
            "{}\t{}",
            terminal_safe(&s.peer_name.to_string()),
            terminal_safe(s.friendly_name.as_str())
        );
        Ok(())
    })?;
    Ok(Output::Rendered(out.into_bytes()))
}

/// `list --long`: a header and aligned columns. The widths need every row,
/// so the rows are held (as escaped text, no key); the friendly name is
/// last, so its width does not matter.
fn long(store: &Store) -> Result<Output> {
    const HEADER: [&str; 5] = ["PEER NAME", "KEY", "DEFAULT", "CREATED", "FRIENDLY NAME"];
    let mut rows: Vec<[String; 5]> = Vec::new();
    store.list_each_created(|s, created| {
        let name = terminal_safe(&s.peer_name.to_string()).into_owned();
        let friendly = terminal_safe(s.friendly_name.as_str()).into_owned();
        rows.push([
            name,
            s.key_type.to_string(),
            if s.is_default { "*" } else { "" }.to_owned(),
            rfc3339(created),
            friendly,
        ]);
        Ok(())
    })?;
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = HEADER.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[i]);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    Ok(Output::Rendered(out.into_bytes()))
}
