use peerid::Result;
use peerid::store::Store;

use super::identity_name;
use crate::output::{Reply, identity_json};

pub fn run(store: &Store, name: &str) -> Result<Reply> {
    let s = store.show(&identity_name(name)?)?;
    let text = format!(
        "peer name:     {}\nfriendly name: {}\nkey type:      {}\nauthority:     {}\nclassifier:    {}\ndefault:       {}\n",
        s.peer_name,
        s.friendly_name,
        s.key_type,
        s.peer_name.authority(),
        s.peer_name.classifier(),
        if s.is_default { "yes" } else { "no" },
    );
    Ok(Reply {
        text,
        json: identity_json(&s),
    })
}
