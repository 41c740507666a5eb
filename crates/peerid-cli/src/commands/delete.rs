use peerid::Store;

use super::identity_name;
use crate::error::Result;
use crate::output::{DeletedJson, Json, Reply};

pub fn run(store: &Store, name: &str) -> Result<Reply> {
    let name = identity_name(name)?;
    store.delete(&name)?;
    Ok(Reply {
        text: String::new(),
        json: Json::Deleted(DeletedJson {
            deleted: true,
            peer_name: name.to_string(),
        }),
    })
}
