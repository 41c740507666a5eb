//! Windows' way of writing `-o FILE` (the parent module says what and why).
//!
//! No directory is synced: Windows cannot flush a directory handle, and
//! NTFS journals the name change itself.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::{Existing, KEPT, NAME_TRIES, fresh_name, split, write_through};
use crate::error::{Error, Result};
use crate::interrupt::{self, Temp};

type Step<T> = std::result::Result<T, (&'static str, std::io::Error)>;

/// Writes `data` to `path`: through, for a device; else a new file that
/// appears whole.
pub(super) fn write_with(path: &Path, data: &[u8], existing: Existing) -> Result<()> {
    let fail = |step: &'static str, source: std::io::Error| match step {
        KEPT => Error::OutputExists {
            path: path.to_owned(),
        },
        _ => Error::WritingOutputFile {
            step,
            path: path.to_owned(),
            source,
        },
    };
    let device = is_device_name(path);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Error::OutputIsDirectory {
                path: path.to_owned(),
            });
        }
        // A device (`NUL`, `CON`, a named pipe): it is there and not
        // ours, so opened as it is, neither created nor truncated.
        Ok(m) if !m.is_file() || device => {}
        Err(_) if device => {}
        _ => {
            let (dir, name) = split(path)?;
            return replace(&dir, path, name, data, existing).map_err(|(step, e)| fail(step, e));
        }
    }
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| fail("opening", e))?;
    write_through(&mut out, data).map_err(|e| fail("writing", e))
}

/// Whether the last component is one of the names Windows reserves for
/// devices in every directory (`NUL`, `CON`, `COM1`, ... with or without an
/// extension), which std may not report as anything but a file.
fn is_device_name(path: &Path) -> bool {
    let Some(stem) = path.file_name().and_then(|n| n.to_str()).map(|n| {
        n.split('.')
            .next()
            .unwrap_or(n)
            .trim_end()
            .to_ascii_uppercase()
    }) else {
        return false;
    };
    matches!(
        stem.as_str(),
        "NUL" | "CON" | "PRN" | "AUX" | "CONIN$" | "CONOUT$"
    ) || ((stem.starts_with("COM") || stem.starts_with("LPT"))
        && stem.len() == 4
        && stem.as_bytes()[3].is_ascii_digit()
        && stem.as_bytes()[3] != b'0')
}

/// A fresh name beside `path` created with `create_new` and the private
/// DACL, remembered as ours, filled and synced; then linked to `path`
/// (keeping whatever is there) or renamed over it; the fresh name removed
/// on failure, after a link, and on Ctrl-C.
fn replace(
    dir: &Path,
    path: &Path,
    name: &std::ffi::OsStr,
    data: &[u8],
    existing: Existing,
) -> Step<()> {
    let mut tries = 0;
    let (file, temp) = {
        let mut pending = interrupt::pending();
        loop {
            let candidate = dir.join(fresh_name(name));
            match peerid::create_private_file(&candidate) {
                Ok(file) => {
                    pending.temp = Some(Temp {
                        path: candidate.clone(),
                    });
                    break (file, candidate);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < NAME_TRIES => {
                    tries += 1;
                }
                Err(e) => return Err(("creating a temporary file beside", e)),
            }
        }
    };
    // The handle is closed before the link or rename: it does not share
    // delete access, which a rename needs.
    let result = fill(file, data).and_then(|()| {
        let mut pending = interrupt::pending();
        if existing == Existing::Keep {
            // The temporary name stays ours (and is removed below) whether
            // or not the link is made.
            return match std::fs::hard_link(&temp, path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err((KEPT, e)),
                Err(e) => Err(("naming", e)),
            };
        }
        let renamed = std::fs::rename(&temp, path);
        if renamed.is_ok() {
            // Under the same lock: once renamed, the temporary name is no
            // longer ours, and Ctrl-C must not remove whatever takes it.
            pending.temp = None;
        }
        drop(pending);
        renamed.map_err(|e| ("renaming into", e))
    });
    let mut pending = interrupt::pending();
    let linked_beside = existing == Existing::Keep;
    if (result.is_err() || linked_beside) && pending.temp.as_ref().is_some_and(|t| t.path == temp) {
        // Ours: created above with create_new.
        let _ = std::fs::remove_file(&temp);
    }
    pending.temp = None;
    drop(pending);
    result
}

fn fill(mut file: File, data: &[u8]) -> Step<()> {
    file.write_all(data).map_err(|e| ("writing", e))?;
    file.sync_all().map_err(|e| ("syncing", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerid::Store;

    #[test]
    fn device_names() {
        for name in [
            "NUL",
            "nul",
            "NUL.txt",
            "C:\\x\\con",
            "COM1",
            "lpt9.log",
            "CONOUT$",
        ] {
            assert!(is_device_name(Path::new(name)), "{name}");
        }
        for name in ["null", "COM0", "COM10", "out.pfx", "CONSOLE", "nul\\x"] {
            assert!(!is_device_name(Path::new(name)), "{name}");
        }
    }

    /// The store's database is refused by name and through a hard link
    /// (by file identity), even with replacing asked.
    #[test]
    fn the_store_s_database_is_refused_by_name_and_by_identity() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("s")).unwrap();
        let dir = tmp.path().join("d");
        std::fs::create_dir(&dir).unwrap();
        let db = store.dir().join(Store::DB_FILE);
        let err = super::super::write_with(&db, b"x", &store, Existing::Replace).unwrap_err();
        assert!(matches!(err, Error::OutputIsStoreFile { .. }), "{err:?}");
        let link = dir.join("link");
        std::fs::hard_link(&db, &link).unwrap();
        let err = super::super::write_with(&link, b"x", &store, Existing::Replace).unwrap_err();
        assert!(matches!(err, Error::OutputIsStoreFile { .. }), "{err:?}");
    }
}
