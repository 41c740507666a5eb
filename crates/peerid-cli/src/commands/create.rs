use peerid::KeyType;
use peerid::{Classifier, FriendlyName};
use peerid::{CreateOptions, Store};

use crate::cli::{CreateArgs, KeyArg};
use crate::error::Result;
use crate::output::Reply;

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
    Ok(Reply::peer_name(&name))
}
