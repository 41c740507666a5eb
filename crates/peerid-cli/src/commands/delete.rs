use peerid::store::Store;
use serde_json::json;

use super::identity_name;
use crate::error::Result;
use crate::output::Reply;

pub fn run(store: &Store, name: &str) -> Result<Reply> {
    let name = identity_name(name)?;
    store.delete(&name)?;
    Ok(Reply {
        text: String::new(),
        json: json!({ "peer_name": name.to_string(), "deleted": true }),
    })
}
