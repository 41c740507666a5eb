use peerid::Store;

use super::identity_name;
use crate::error::Result;
use crate::output::{IdentityJson, Json, Reply, rfc3339, terminal_safe};

pub fn run(store: &Store, name: &str) -> Result<Reply> {
    let name = identity_name(store, name)?;
    let s = store.show(&name)?;
    let created = rfc3339(store.created(&name)?);
    let fingerprint = store.public_key(&name)?.openssh_fingerprint();
    let text = format!(
        "peer name:     {}\nfriendly name: {}\nkey type:      {}\nauthority:     {}\nclassifier:    {}\ndefault:       {}\ncreated:       {created}\nfingerprint:   {fingerprint}\n",
        terminal_safe(&s.peer_name.to_string()),
        terminal_safe(s.friendly_name.as_str()),
        s.key_type,
        s.peer_name.authority(),
        terminal_safe(s.peer_name.classifier().as_str()),
        if s.is_default { "yes" } else { "no" },
    );
    Ok(Reply {
        text,
        // The documented shape (docs/design.md §7), the same as each of
        // `list`'s: the creation time is for people.
        json: Json::Identity(IdentityJson::from(&s)),
    })
}
