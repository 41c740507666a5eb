use std::io::{IsTerminal, Write};

use peerid::KeyType;
use peerid::{Classifier, FriendlyName};
use peerid::{CreateOptions, Store};

use crate::cli::{CreateArgs, KeyArg};
use crate::error::Result;
use crate::output::{Reply, terminal_safe};

pub fn run(store: &Store, args: &CreateArgs) -> Result<Reply> {
    let opts = CreateOptions {
        classifier: Classifier::new(args.classifier.as_deref().unwrap_or(""))?,
        friendly_name: FriendlyName::new(args.friendly_name.as_deref().unwrap_or(""))?,
        key_type: match args.key {
            KeyArg::Ed25519 => KeyType::Ed25519,
            KeyArg::P256 => KeyType::P256,
            KeyArg::Rsa2048 => KeyType::Rsa(2048),
            KeyArg::Rsa3072 => KeyType::Rsa(3072),
            KeyArg::Rsa4096 => KeyType::Rsa(4096),
        },
    };
    let name = store.create(&opts)?;
    // stdout is the peer name alone, for scripts; a person at a terminal is
    // also told what was made and where.
    let stderr = std::io::stderr();
    if stderr.is_terminal() {
        let friendly = if opts.friendly_name.is_unset() {
            "(unset: the peer name is shown)".to_owned()
        } else {
            terminal_safe(opts.friendly_name.as_str()).into_owned()
        };
        let text = format!(
            "friendly name: {friendly}\nkey type:      {}\nstore:         {}\n",
            opts.key_type,
            terminal_safe(&store.dir().display().to_string()),
        );
        let _ = stderr.lock().write_all(text.as_bytes());
    }
    Ok(Reply::peer_name(&name))
}
