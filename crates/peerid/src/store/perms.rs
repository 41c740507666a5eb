//! Creating the store's directory and database file with private
//! permissions, and refusing ones that others can read (as OpenSSH refuses
//! key files): docs/design.md §6.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

pub use super::path::{DIR_MODE, FILE_MODE};

fn inaccessible(path: &Path, err: &io::Error) -> Error {
    Error::StoreInaccessible {
        path: path.to_owned(),
        reason: err.to_string(),
    }
}

/// Makes sure `dir` exists as a private directory: creates it and any
/// missing parent 0700 (whatever the umask), or checks an existing one, and
/// checks every directory above it ([`super::path::StoreDir::open`]).
///
/// # Errors
/// [`Error::StorePermissions`] if it is group or world accessible,
/// [`Error::StoreInaccessible`] if it cannot be created or inspected, is not a
/// directory, belongs to another user, or a directory above it is unsafe.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    super::path::StoreDir::open(dir).map(drop)
}

/// Checks that a file or directory belongs to us and is not group or world
/// accessible.
fn check_private(path: &Path, meta: &fs::Metadata, is_dir: bool) -> Result<()> {
    let uid = rustix::process::geteuid().as_raw();
    if meta.uid() != uid {
        return Err(Error::StoreInaccessible {
            path: path.to_owned(),
            reason: format!(
                "it belongs to user id {}, not to you (user id {uid}); a store is private to its owner",
                meta.uid()
            ),
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(Error::StorePermissions {
            path: path.to_owned(),
            mode,
            is_dir,
        });
    }
    Ok(())
}

/// Checks an existing store file (database, WAL, shared memory); a missing
/// one is fine.
///
/// # Errors
/// As [`ensure_private_dir`], for files.
pub fn check_file_if_present(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) => {
            if !meta.is_file() {
                return Err(Error::StoreInaccessible {
                    path: path.to_owned(),
                    reason: "it is not a regular file".into(),
                });
            }
            check_private(path, &meta, false)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(inaccessible(path, &e)),
    }
}

/// Creates the database file 0600 if it does not exist yet, so that SQLite
/// (which gives its WAL and shared-memory files the database's mode) never
/// creates anything more open.
///
/// # Errors
/// [`Error::StoreInaccessible`] if it cannot be created.
pub fn create_file_if_missing(path: &Path) -> Result<()> {
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
    {
        Ok(f) => {
            f.set_permissions(fs::Permissions::from_mode(FILE_MODE))
                .map_err(|e| inaccessible(path, &e))?;
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(inaccessible(path, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_private_dir_despite_umask_and_refuses_open_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/store");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, DIR_MODE);

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
        match ensure_private_dir(&dir) {
            Err(Error::StorePermissions {
                mode, is_dir: true, ..
            }) => assert_eq!(mode, 0o750),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn file_checks() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("db");
        check_file_if_present(&f).unwrap();
        create_file_if_missing(&f).unwrap();
        assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, FILE_MODE);
        check_file_if_present(&f).unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o604)).unwrap();
        assert!(matches!(
            check_file_if_present(&f),
            Err(Error::StorePermissions { .. })
        ));
    }

    #[test]
    fn a_file_where_the_directory_should_be() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("store");
        fs::write(&f, b"x").unwrap();
        assert!(matches!(
            ensure_private_dir(&f),
            Err(Error::StoreInaccessible { .. })
        ));
    }
}
