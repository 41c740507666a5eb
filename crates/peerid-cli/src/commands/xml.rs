use peerid::Store;

use super::identity_name;
use crate::error::Result;
use crate::output::{Json, Reply, XmlJson};

pub fn run(store: &Store, name: Option<&str>) -> Result<Reply> {
    let name = match name {
        Some(n) => identity_name(store, n)?,
        None => store.default_identity()?,
    };
    let xml = store.info_xml(Some(&name))?;
    Ok(Reply {
        json: Json::Xml(XmlJson {
            peer_name: name.to_string(),
            xml: xml.clone(),
        }),
        text: xml,
    })
}
