use peerid::Store;

use super::identity_name;
use crate::cli::DefaultArgs;
use crate::error::Result;
use crate::output::Reply;

pub fn run(store: &Store, args: &DefaultArgs) -> Result<Reply> {
    if let Some(name) = &args.set {
        let name = identity_name(name)?;
        store.set_default(&name)?;
        return Ok(Reply::peer_name(&name));
    }
    Ok(Reply::peer_name(&store.default_identity()?))
}
