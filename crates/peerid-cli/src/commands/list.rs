use std::fmt::Write;

use peerid::Result;
use peerid::store::Store;

use crate::output::{Reply, identity_json};

pub fn run(store: &Store) -> Result<Reply> {
    let all = store.list()?;
    let mut text = String::with_capacity(all.len() * 64);
    for s in &all {
        // Tabs and line breaks inside a friendly name would break the
        // one-line-per-identity format; show them escaped.
        let _ = writeln!(
            text,
            "{}\t{}",
            s.peer_name,
            s.friendly_name.escape_default()
        );
    }
    let json = all.iter().map(identity_json).collect();
    Ok(Reply { text, json })
}
