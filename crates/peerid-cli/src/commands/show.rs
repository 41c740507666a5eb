use peerid::Store;

use super::identity_name;
use crate::error::Result;
use crate::output::{IdentityJson, Json, Reply, terminal_safe};

pub fn run(store: &Store, name: &str) -> Result<Reply> {
    let s = store.show(&identity_name(name)?)?;
    let text = format!(
        "peer name:     {}\nfriendly name: {}\nkey type:      {}\nauthority:     {}\nclassifier:    {}\ndefault:       {}\n",
        terminal_safe(&s.peer_name.to_string()),
        terminal_safe(s.friendly_name.as_str()),
        s.key_type,
        s.peer_name.authority(),
        terminal_safe(s.peer_name.classifier().as_str()),
        if s.is_default { "yes" } else { "no" },
    );
    Ok(Reply {
        text,
        json: Json::Identity(IdentityJson::from(&s)),
    })
}
