//! Creating the store's directory and database file with private
//! permissions, and refusing ones that others can read (as OpenSSH refuses
//! key files): DESIGN.md §6.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Mode of the store directory.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the database and its companion files.
pub const FILE_MODE: u32 = 0o600;

fn inaccessible(path: &Path, err: &io::Error) -> Error {
    Error::StoreInaccessible {
        path: path.to_owned(),
        reason: err.to_string(),
    }
}

/// Makes sure `dir` exists as a private directory: creates it 0700 (whatever
/// the umask), or checks an existing one.
///
/// # Errors
/// [`Error::StorePermissions`] if it is group or world accessible,
/// [`Error::StoreInaccessible`] if it cannot be created or inspected, is not a
/// directory, or belongs to another user.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent).map_err(|e| inaccessible(parent, &e))?;
            }
            match fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
                Ok(()) => {
                    // The umask may have removed bits we asked for; never added any.
                    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
                        .map_err(|e| inaccessible(dir, &e))?;
                }
                // Another process made it between our look and our create.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(inaccessible(dir, &e)),
            }
        }
        Err(e) => return Err(inaccessible(dir, &e)),
    }
    // Follow a symlink the user put there on purpose, then check the target.
    let meta = fs::metadata(dir).map_err(|e| inaccessible(dir, &e))?;
    if !meta.is_dir() {
        return Err(Error::StoreInaccessible {
            path: dir.to_owned(),
            reason: "it is not a directory".into(),
        });
    }
    check_private(dir, &meta, true)
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
