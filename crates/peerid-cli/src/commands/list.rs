use std::fmt::Write;

use peerid::Result;
use peerid::store::Store;

use crate::output::{Output, identity_json};

/// Streams the store into the one form asked for: lines of
/// `peer name<TAB>friendly name`, or a JSON array.
pub fn run(store: &Store, json: bool) -> Result<Output> {
    let mut out = String::new();
    if json {
        out.push('[');
        let mut first = true;
        store.list_each(|s| {
            if !std::mem::take(&mut first) {
                out.push(',');
            }
            out.push_str(&identity_json(&s).to_string());
            Ok(())
        })?;
        out.push_str("]\n");
    } else {
        store.list_each(|s| {
            // Tabs and line breaks inside a friendly name would break the
            // one-line-per-identity format; show them escaped.
            let _ = writeln!(out, "{}\t{}", s.peer_name, s.friendly_name.escape_default());
            Ok(())
        })?;
    }
    Ok(Output::Rendered(out))
}
