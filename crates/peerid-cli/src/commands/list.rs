use std::fmt::Write;

use peerid::store::Store;

use crate::error::Result;
use crate::output::{Output, identity_json, terminal_safe};

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
            let _ = writeln!(
                out,
                "{}\t{}",
                terminal_safe(&s.peer_name.to_string()),
                terminal_safe(&s.friendly_name)
            );
            Ok(())
        })?;
    }
    Ok(Output::Rendered(out))
}
