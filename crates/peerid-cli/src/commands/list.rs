use std::fmt::Write;

use peerid::Store;

use crate::error::Result;
use crate::output::{IdentityJson, Output, terminal_safe, to_json};

/// Streams the store into the one form asked for: lines of
/// `peer name<TAB>friendly name`, or a JSON array.
pub fn run(store: &Store, json: bool) -> Result<Output> {
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
