use peerid::Classifier;
use peerid::{Store, unsecured_peer_name};

use super::identity_name;
use crate::cli::PeerNameArgs;
use crate::error::Result;
use crate::output::Reply;

pub fn run(store: &Store, args: &PeerNameArgs) -> Result<Reply> {
    let classifier = Classifier::new(&args.classifier)?;
    let Some(identity) = &args.identity else {
        return unsecured(args);
    };
    let identity = identity_name(store, identity)?;
    Ok(Reply::peer_name(
        &store.create_peer_name(&identity, &classifier)?,
    ))
}

pub fn unsecured(args: &PeerNameArgs) -> Result<Reply> {
    let classifier = Classifier::new(&args.classifier)?;
    Ok(Reply::peer_name(&unsecured_peer_name(&classifier)))
}
