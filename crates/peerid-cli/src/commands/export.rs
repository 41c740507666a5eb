use peerid::Store;
use peerid::{ExportParams, PfxProfile};
use secrecy::{ExposeSecret, SecretString};

use super::identity_name;
use crate::cli::ExportArgs;
use crate::error::{Error, Result};
use crate::outfile;
use crate::output::{ExportedJson, ExportedToJson, Json, Reply};
use crate::password::{self, Purpose};

pub fn run(store: &Store, args: &ExportArgs) -> Result<Reply> {
    let name = identity_name(&args.name)?;
    let mut params = if args.legacy {
        ExportParams::legacy()
    } else {
        ExportParams::default()
    };
    debug_assert!(matches!(
        params.profile,
        PfxProfile::Modern | PfxProfile::Legacy
    ));
    if let Some(n) = args.iterations {
        params.iterations = n;
    }
    // Look the identity up before asking for a password the user would type in vain.
    store.show(&name)?;
    if let Some(path) = &args.output {
        // Refuse before the key derivation, not after it; and from here a
        // signal removes whatever temporary name the write creates.
        outfile::refuse_store_files(path, store)?;
        crate::interrupt::install()?;
    }
    let password = password(args)?;
    let document = store.export(&name, &password, &params)?;
    // Wiped now, not after the write, which may wait on a FIFO's reader.
    drop(password);
    match &args.output {
        Some(path) => {
            outfile::write(path, document.as_bytes(), store)?;
            Ok(Reply {
                text: String::new(),
                json: Json::ExportedTo(ExportedToJson {
                    file: path.display().to_string(),
                    peer_name: name.to_string(),
                }),
            })
        }
        None => Ok(Reply {
            json: Json::Exported(ExportedJson {
                document: document.clone(),
                peer_name: name.to_string(),
            }),
            text: document,
        }),
    }
}

/// The export's password. An empty one is refused unless `--empty-password`
/// says it is meant (docs/design.md §7), and `--empty-password` with no source
/// asks for none; with a source, that source must indeed give an empty one.
fn password(args: &ExportArgs) -> Result<SecretString> {
    let has_source = args.password.password_file.is_some() || args.password.password_env.is_some();
    if args.empty_password && !has_source {
        return Ok(SecretString::from(String::new()));
    }
    let password = password::read(&args.password, Purpose::Export)?;
    match (password.expose_secret().is_empty(), args.empty_password) {
        (true, false) => Err(Error::EmptyPassword),
        (false, true) => Err(Error::PasswordNotEmpty),
        _ => Ok(password),
    }
}
