use std::io::{Read, Write};
use std::path::Path;

use peerid::transfer::MAX_DOCUMENT_BYTES;
use peerid::{ImportOptions, Store};

use crate::cli::ImportArgs;
use crate::error::{Error, Result};
use crate::output::{Reply, terminal_safe};
use crate::password::{self, Purpose};

pub fn run(store: &Store, args: &ImportArgs) -> Result<Reply> {
    let document = read_bounded(args.file.as_deref(), MAX_DOCUMENT_BYTES)?;
    let password = password::read(&args.password, Purpose::Import)?;
    let mut opts = ImportOptions::default();
    if let Some(n) = args.max_iterations {
        opts.max_iterations = n;
    }
    let imported = store.import_with_notices(&document, &password, &opts)?;
    for notice in &imported.notices {
        // Ignore a failed write, as main's `say` does: the import is done.
        let line = format!("peerid: warning: {}\n", terminal_safe(&notice.to_string()));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    Ok(Reply::peer_name(imported.peer_name()))
}

/// Reads the document from a file or stdin (`-` or none), never more than
/// one byte past `max`, so an endless stream is refused (by the library's
/// size check), not swallowed.
pub(super) fn read_bounded(file: Option<&Path>, max: usize) -> Result<Vec<u8>> {
    let limit = max as u64 + 1;
    let mut buf = Vec::new();
    let res = match file {
        None => std::io::stdin().lock().take(limit).read_to_end(&mut buf),
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdin().lock().take(limit).read_to_end(&mut buf)
        }
        Some(p) => std::fs::File::open(p)
            .map_err(|source| Error::OpeningDocument {
                path: p.to_owned(),
                source,
            })?
            .take(limit)
            .read_to_end(&mut buf),
    };
    res.map_err(|source| Error::ReadingDocument { source })?;
    Ok(buf)
}
