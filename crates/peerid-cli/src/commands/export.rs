use std::io::Write;

use peerid::Store;
use peerid::{ExportParams, ImportOptions, PfxProfile};
use secrecy::{ExposeSecret, SecretString};

use super::identity_name;
use crate::cli::ExportArgs;
use crate::error::{Error, Result};
use crate::outfile::{self, Existing};
use crate::output::{ExportedJson, ExportedToJson, Json, Reply};
use crate::password::{self, Purpose};

pub fn run(
    store: &mut Store,
    args: &ExportArgs,
    passphrase_file: Option<&std::path::Path>,
) -> Result<Reply> {
    let name = identity_name(store, &args.name)?;
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
        warn_about_iterations(n);
    }
    // Look the identity up before asking for a password the user would type in vain.
    store.show(&name)?;
    let mut existing = Existing::Keep;
    if let Some(path) = &args.output {
        // Refuse before the key derivation, not after it, and ask about an
        // existing file before the password; from here a signal removes
        // whatever temporary name the write creates.
        outfile::refuse_store_files(path, store)?;
        existing = outfile::existing(path, args.force)?;
        crate::interrupt::install()?;
    }
    // A sealed store's passphrase first: the export's password is the
    // second question, and is not asked in vain.
    crate::unlock::unlock(store, passphrase_file)?;
    let password = password(args)?;
    let document = store.export(&name, &password, &params)?;
    // Wiped now, not after the write, which may wait on a FIFO's reader.
    drop(password);
    match &args.output {
        Some(path) => {
            outfile::write_with(path, document.as_bytes(), store, existing)?;
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

/// Fewest iterations that do not draw a warning.
const WEAK_ITERATIONS: u32 = 10_000;

/// Warns on stderr about an `--iterations` count that makes the password
/// cheap to guess from the file, or that `peerid import` refuses by default.
fn warn_about_iterations(n: u32) {
    let cap = ImportOptions::default().max_iterations;
    let warning = if n < WEAK_ITERATIONS {
        format!(
            "--iterations {n} is below {WEAK_ITERATIONS}: anyone with the file can try passwords quickly"
        )
    } else if n > cap {
        format!(
            "--iterations {n} is above the {cap} that `peerid import` accepts by default: the reader will need `peerid import --max-iterations {n}`"
        )
    } else {
        return;
    };
    // Ignore a failed write, as main's `say` does.
    let _ = std::io::stderr().write_all(format!("peerid: warning: {warning}\n").as_bytes());
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
