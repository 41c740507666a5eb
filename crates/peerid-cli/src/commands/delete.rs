use peerid::Store;

use super::identity_name;
use crate::cli::DeleteArgs;
use crate::confirm;
use crate::error::{Error, Result};
use crate::output::{DeletedJson, Json, Reply, terminal_safe};

pub fn run(store: &Store, args: &DeleteArgs) -> Result<Reply> {
    let name = identity_name(store, &args.name)?;
    if !args.yes {
        if !confirm::can_ask() {
            return Err(Error::DeleteNeedsYes {
                name: name.to_string(),
            });
        }
        let s = store.show(&name)?;
        let shown = terminal_safe(&name.to_string()).into_owned();
        let friendly = terminal_safe(s.friendly_name.as_str());
        let label = if friendly == shown {
            shown
        } else {
            format!("{shown} ({friendly})")
        };
        let question = format!(
            "Delete {label}? Its private key is overwritten and cannot be recovered unless it was exported. [y/N] "
        );
        if !confirm::ask(&question)? {
            return Err(Error::NotConfirmed {
                what: format!("deleting {name}"),
            });
        }
    }
    store.delete(&name)?;
    Ok(Reply {
        text: String::new(),
        json: Json::Deleted(DeletedJson {
            deleted: true,
            peer_name: name.to_string(),
        }),
    })
}
