use std::io::Write;
use std::path::Path;

use peerid::format::pfx::{ExportParams, PfxProfile};
use peerid::store::Store;
use peerid::{Error, Result};
use serde_json::json;

use super::identity_name;
use crate::cli::ExportArgs;
use crate::output::Reply;
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
    let password = password::read(&args.password, Purpose::Export)?;
    let document = store.export(&name, &password, &params)?;
    match &args.output {
        Some(path) => {
            write_private_atomically(path, document.as_bytes())?;
            Ok(Reply {
                text: String::new(),
                json: json!({ "peer_name": name.to_string(), "file": path.display().to_string() }),
            })
        }
        None => Ok(Reply {
            json: json!({ "peer_name": name.to_string(), "document": document }),
            text: document,
        }),
    }
}

/// Writes `data` to `path` with mode 0600: into a new temporary file beside
/// it, synced, then renamed over, so no partial file is ever left there.
fn write_private_atomically(path: &Path, data: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let fail =
        |what: &str, e: std::io::Error| Error::failed(format!("{what} {}", path.display()), e);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::InvalidArgument(format!("{} is not a file name", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| fail("creating a temporary file for", e))?;
        f.write_all(data).map_err(|e| fail("writing", e))?;
        f.sync_all().map_err(|e| fail("syncing", e))?;
        std::fs::rename(&tmp, path).map_err(|e| fail("renaming into", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
