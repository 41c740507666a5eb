use peerid::FriendlyName;
use peerid::Store;

use super::identity_name;
use crate::cli::FriendlyNameArgs;
use crate::error::Result;
use crate::output::{FriendlyNameJson, Json, Reply, terminal_safe};

pub fn run(store: &Store, args: &FriendlyNameArgs) -> Result<Reply> {
    let name = identity_name(store, &args.name)?;
    let new = match (&args.new, args.reset) {
        (Some(new), _) => Some(FriendlyName::new(new)?),
        (None, true) => Some(FriendlyName::default()),
        (None, false) => None,
    };
    if let Some(new) = &new {
        store.set_friendly_name(&name, new)?;
    }
    let current = store.friendly_name(&name)?;
    let text = if new.is_some() {
        String::new()
    } else {
        terminal_safe(&current).into_owned()
    };
    Ok(Reply {
        text,
        json: Json::FriendlyName(FriendlyNameJson {
            friendly_name: current,
            peer_name: name.to_string(),
        }),
    })
}
