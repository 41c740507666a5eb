use std::io::Write;

use peerid::Store;

use super::identity_name;
use crate::cli::DefaultArgs;
use crate::error::Result;
use crate::output::{Reply, terminal_safe};

pub fn run(store: &Store, args: &DefaultArgs) -> Result<Reply> {
    if let Some(name) = &args.set {
        let name = identity_name(store, name)?;
        store.set_default(&name)?;
        return Ok(Reply::peer_name(&name));
    }
    let (name, created) = store.default_identity_created()?;
    if created {
        // On stderr, so that `$(peerid default)` is still only the name; a
        // failed write is ignored, as main's `say` does: the work is done.
        let line = format!(
            "peerid: the store had no default identity; created {} ({}) in {}\n",
            terminal_safe(&name.to_string()),
            peerid::KeyType::default(),
            terminal_safe(&store.dir().display().to_string()),
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    Ok(Reply::peer_name(&name))
}
