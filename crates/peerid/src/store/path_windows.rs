//! The store directory on Windows (docs/design.md §6): the counterpart of
//! `path.rs`, with the rules said in DACLs instead of modes.
//!
//! - directories and files peerid creates get a protected DACL (nothing
//!   inherited) granting full control to the user, SYSTEM and
//!   Administrators only, set at creation ([`acl::create_dir`]);
//! - an existing store directory or file whose DACL allows anyone else
//!   anything, or that has no DACL, is refused with
//!   [`Error::StorePermissions`] (its `mode` then holds the access mask
//!   granted to others); one owned by someone else with
//!   [`Error::StoreInaccessible`];
//! - every directory above the store must be owned by the user, SYSTEM,
//!   Administrators or TrustedInstaller and must not let anyone else
//!   delete, rename or re-permission it or its entries (`DELETE`,
//!   `FILE_DELETE_CHILD`, `WRITE_DAC`, `WRITE_OWNER`, `GENERIC_ALL`): the
//!   rule of `safe_path` in Windows' terms;
//! - the store directory stays open ([`StoreDir`]) without
//!   `FILE_SHARE_DELETE`, so that it cannot be renamed or removed while
//!   peerid uses it, and SQLite is handed its path; the files SQLite opened
//!   are then checked to be the ones in that directory, by file identity.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::windows::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use windows_sys::Win32::Foundation::{
    ERROR_ALREADY_EXISTS, ERROR_FILE_EXISTS, ERROR_WRITE_PROTECT, GENERIC_ALL,
};
use windows_sys::Win32::Security::INHERIT_ONLY_ACE;
use windows_sys::Win32::Storage::FileSystem::{
    DELETE, FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_REPARSE_POINT, FILE_DELETE_CHILD,
    FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT, FILE_LIST_DIRECTORY,
    FILE_READ_ATTRIBUTES, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_TRAVERSE,
    READ_CONTROL, SYNCHRONIZE, WRITE_DAC, WRITE_OWNER,
};

use super::acl::{self, AceKind, Me, Security};
use crate::error::{Error, Result};

/// What others must not hold on a directory above the store: each lets
/// them move, remove or re-permission it or what is in it.
const SWAP_RIGHTS: u32 = DELETE | FILE_DELETE_CHILD | WRITE_DAC | WRITE_OWNER | GENERIC_ALL;

/// The lock file a store's writers take turns on ([`super::db`]).
pub type LockFile = File;

/// The store directory, open and checked.
#[derive(Debug)]
pub struct StoreDir {
    /// Held open without `FILE_SHARE_DELETE`: nobody can rename it away.
    handle: File,
    /// The directory as the user named it, for messages.
    given: PathBuf,
    /// The absolute path SQLite and the checks use.
    physical: PathBuf,
    read_only: bool,
    me: Me,
}

impl StoreDir {
    /// Opens the store directory `path`, creating it and any missing parent
    /// with the private DACL, after checking every directory above it.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`] naming the unsafe directory, or saying
    /// why the directory cannot be used; [`Error::StorePermissions`] when
    /// the store directory itself grants access to others.
    pub fn open(path: &Path) -> Result<StoreDir> {
        let me = Me::get().map_err(|e| inaccessible(path, &e))?;
        let physical = std::path::absolute(path).map_err(|e| Error::StoreInaccessible {
            path: path.to_owned(),
            reason: format!("the current directory cannot be found: {e}"),
        })?;
        let mut prefixes: Vec<&Path> = physical.ancestors().collect();
        prefixes.reverse();
        let Some((store, above)) = prefixes.split_last() else {
            return Err(Error::StoreInaccessible {
                path: path.to_owned(),
                reason: "it names no directory".into(),
            });
        };
        for dir in above {
            // A volume root ("C:\") has no parent to create it in.
            if dir.parent().is_some() {
                create_if_missing(path, dir, &me)?;
            }
            check_ancestor(path, dir, &me)?;
        }
        create_if_missing(path, store, &me)?;
        // A link or junction in the store's place is checked as an ancestor
        // (who may re-point it), then what it leads to as the store.
        let link = open_meta(store, false).map_err(|e| inaccessible(store, &e))?;
        let info = acl::file_info(&link).map_err(|e| inaccessible(store, &e))?;
        if info.attributes & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
            check_ancestor(path, store, &me)?;
        }
        // Listing and traversal rights, not metadata alone: Windows checks
        // (and so enforces) a handle's share mode only for opens that ask
        // for data, execute or delete access, so a metadata-only handle
        // without FILE_SHARE_DELETE would not stop a rename (as cmd.exe's
        // handle on its current directory does).
        let handle = OpenOptions::new()
            .access_mode(
                READ_CONTROL
                    | FILE_READ_ATTRIBUTES
                    | FILE_LIST_DIRECTORY
                    | FILE_TRAVERSE
                    | SYNCHRONIZE,
            )
            .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
            .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
            .open(store)
            .map_err(|e| inaccessible(path, &e))?;
        let info = acl::file_info(&handle).map_err(|e| inaccessible(path, &e))?;
        if info.attributes & FILE_ATTRIBUTE_DIRECTORY == 0 {
            return Err(Error::StoreInaccessible {
                path: path.to_owned(),
                reason: format!("{} is not a directory", store.display()),
            });
        }
        let sec = acl::security(&handle).map_err(|e| inaccessible(path, &e))?;
        check_private(path, &sec, &me, true)?;
        // Where the store really is, every link and junction on the way
        // resolved: the directories above it there are checked too, as
        // Unix's walk checks what a link leads to (above, a link on the way
        // was checked only as the link, for who may re-point it).
        let real = acl::final_path(&handle).map_err(|e| Error::StoreInaccessible {
            path: path.to_owned(),
            reason: format!("where {} leads cannot be found: {e}", store.display()),
        })?;
        for dir in real.ancestors().skip(1) {
            check_ancestor(path, dir, &me)?;
        }
        Ok(StoreDir {
            read_only: acl::read_only_volume(&handle),
            handle,
            given: path.to_owned(),
            physical: store.to_path_buf(),
            me,
        })
    }

    /// The directory as it was named.
    pub fn path(&self) -> &Path {
        &self.given
    }

    #[cfg(test)]
    /// The absolute path of the directory.
    pub fn physical(&self) -> &Path {
        &self.physical
    }

    /// Whether it is on a read-only volume.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The path through which SQLite reaches `name` in this directory: the
    /// directory cannot be renamed while we hold it, and
    /// [`StoreDir::is_same_file`] checks afterwards.
    pub fn path_for(&self, name: &str) -> PathBuf {
        self.physical.join(name)
    }

    /// Whether `name` exists in this directory (as anything). Only "not
    /// found" is absence: a file that cannot be opened for another reason
    /// counts as present, so that what follows checks it (and refuses it)
    /// rather than passing it by.
    pub fn exists(&self, name: &str) -> bool {
        match open_meta(&self.physical.join(name), false) {
            Ok(_) => true,
            Err(e) => e.kind() != io::ErrorKind::NotFound,
        }
    }

    /// The size of `name`, a file in this directory.
    pub fn len(&self, name: &str) -> io::Result<u64> {
        Ok(std::fs::symlink_metadata(self.physical.join(name))?.len())
    }

    /// Whether `path` now names the same file as `name` in this directory.
    pub fn is_same_file(&self, name: &str, path: &Path) -> bool {
        let id = |p: &Path, links: bool| {
            open_meta(p, links)
                .and_then(|f| acl::file_info(&f))
                .map(|i| i.id)
        };
        // The directory we hold is still where we think it is, and the
        // file SQLite named is the one in it.
        let dir_here = OpenOptions::new()
            .access_mode(FILE_READ_ATTRIBUTES)
            .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
            .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
            .open(&self.physical)
            .and_then(|f| acl::file_info(&f))
            .map(|i| i.id);
        let dir_held = acl::file_info(&self.handle).map(|i| i.id);
        match (
            dir_here,
            dir_held,
            id(&self.physical.join(name), false),
            id(path, true),
        ) {
            // A file system that gives every file id 0 tells nothing apart:
            // not the same, so the check fails closed.
            (Ok(a), Ok(b), Ok(c), Ok(d)) => a.1 != 0 && c.1 != 0 && a == b && c == d,
            _ => false,
        }
    }

    /// Checks a store file (database, WAL, shared memory, lock) if it
    /// exists: a regular file, ours, granting no one else anything.
    ///
    /// # Errors
    /// [`Error::StorePermissions`] or [`Error::StoreInaccessible`].
    pub fn check_file_if_present(&self, name: &str) -> Result<()> {
        let path = self.given.join(name);
        match open_meta(&self.physical.join(name), false) {
            Ok(f) => check_private_file(&path, &f, &self.me),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(inaccessible(&path, &e)),
        }
    }

    /// Gives `name`, if it exists and is ours, the private DACL: for the
    /// `-wal` and `-shm` files SQLite creates, as Unix SQLite gives them
    /// the database's mode. On Windows they inherit it from the directory
    /// already; under Wine, which keeps no DACLs, they would otherwise have
    /// the umask's mode.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`] if it cannot be changed.
    pub fn make_private_if_present(&self, name: &str) -> Result<()> {
        let path = self.given.join(name);
        let f = match OpenOptions::new()
            .access_mode(READ_CONTROL | WRITE_DAC | FILE_READ_ATTRIBUTES)
            .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
            .open(self.physical.join(name))
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(inaccessible(&path, &e)),
        };
        let info = acl::file_info(&f).map_err(|e| inaccessible(&path, &e))?;
        let sec = acl::security(&f).map_err(|e| inaccessible(&path, &e))?;
        if info.attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT) == 0
            && sec.owner == self.me.user
        {
            acl::set_private(&f, &self.me).map_err(|e| inaccessible(&path, &e))?;
        }
        Ok(())
    }

    /// Creates `name` with the private DACL if it does not exist.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`] if it cannot be created.
    pub fn create_file_if_missing(&self, name: &str) -> Result<()> {
        match acl::create_file(&self.physical.join(name), &self.me, true) {
            Ok(_) => Ok(()),
            Err(e) if is_exists(&e) => Ok(()),
            Err(e) => Err(inaccessible(&self.given.join(name), &e)),
        }
    }

    /// Opens (creating it with the private DACL where the volume allows) a
    /// file of the store to lock; `None` when it is missing on a read-only
    /// volume.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`], [`Error::StorePermissions`].
    pub fn open_lock_file(&self, name: &str) -> Result<Option<LockFile>> {
        let path = self.given.join(name);
        let file = match acl::create_file(&self.physical.join(name), &self.me, false) {
            Ok(f) => f,
            Err(e) if e.raw_os_error() == Some(ERROR_WRITE_PROTECT as i32) || self.read_only => {
                match OpenOptions::new()
                    .read(true)
                    .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
                    .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
                    .open(self.physical.join(name))
                {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(inaccessible(&path, &e)),
                }
            }
            Err(e) => return Err(inaccessible(&path, &e)),
        };
        check_private_file(&path, &file, &self.me)?;
        Ok(Some(file))
    }
}

/// Opens `path` to read its attributes and security, without following a
/// reparse point unless `follow`, sharing everything (a check must not get
/// in SQLite's way).
fn open_meta(path: &Path, follow: bool) -> io::Result<File> {
    let mut flags = FILE_FLAG_BACKUP_SEMANTICS;
    if !follow {
        flags |= FILE_FLAG_OPEN_REPARSE_POINT;
    }
    OpenOptions::new()
        .access_mode(READ_CONTROL | FILE_READ_ATTRIBUTES)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(flags)
        .open(path)
}

fn is_exists(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::AlreadyExists
        || matches!(e.raw_os_error(), Some(c) if c == ERROR_ALREADY_EXISTS as i32 || c == ERROR_FILE_EXISTS as i32)
}

/// Creates `dir` with the private DACL if it is missing; whether it did.
fn create_if_missing(given: &Path, dir: &Path, me: &Me) -> Result<bool> {
    match open_meta(dir, false) {
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(inaccessible(dir, &e)),
    }
    match acl::create_dir(dir, me) {
        Ok(()) => Ok(true),
        // Another process made it between our look and ours.
        Err(e) if is_exists(&e) => Ok(false),
        Err(e) => Err(Error::StoreInaccessible {
            path: given.to_owned(),
            reason: if e.raw_os_error() == Some(ERROR_WRITE_PROTECT as i32) {
                format!(
                    "{} does not exist and cannot be created: it is on a read-only volume",
                    dir.display()
                )
            } else {
                format!("{} cannot be created: {e}", dir.display())
            },
        }),
    }
}

/// The rule for every directory above the store (and a link in the store's
/// place): owned by a trusted principal, and no one else may move, remove
/// or re-permission it or its entries.
fn check_ancestor(given: &Path, dir: &Path, me: &Me) -> Result<()> {
    let f = open_meta(dir, false).map_err(|e| inaccessible(dir, &e))?;
    let sec = acl::security(&f).map_err(|e| inaccessible(dir, &e))?;
    if !(me.is_trusted(&sec.owner) || sec.owner == acl::TRUSTED_INSTALLER) {
        return Err(Error::StoreInaccessible {
            path: given.to_owned(),
            reason: format!(
                "the directory {} on the way belongs to {}, who could swap the store for \
                 another; only you ({}), SYSTEM, Administrators or TrustedInstaller may own \
                 the directories above a store. Move the store",
                dir.display(),
                sec.owner,
                me.user
            ),
        });
    }
    let Some(dacl) = &sec.dacl else {
        return Err(swappable(given, dir, "everyone (it has no access list)"));
    };
    for ace in dacl {
        // An inherit-only entry is for the children, each checked in turn.
        if ace.flags & INHERIT_ONLY_ACE as u8 != 0 {
            continue;
        }
        let other = match ace.kind {
            AceKind::Allow => !trusted_grantee(&ace.sid, me, true),
            AceKind::AllowUnknown => true,
            AceKind::Deny | AceKind::Other => false,
        };
        if other && ace.mask & SWAP_RIGHTS != 0 {
            let who = if ace.sid.is_empty() {
                "someone"
            } else {
                &ace.sid
            };
            return Err(swappable(given, dir, who));
        }
    }
    Ok(())
}

fn swappable(given: &Path, dir: &Path, who: &str) -> Error {
    Error::StoreInaccessible {
        path: given.to_owned(),
        reason: format!(
            "the directory {} on the way lets {who} delete, rename or re-permission it or \
             what is in it, who could swap the store for another. Move the store, or remove \
             that entry (icacls {})",
            dir.display(),
            dir.display()
        ),
    }
}

/// Whether an allowing entry for `sid` is one a store may have.
/// `CREATOR OWNER` and `OWNER RIGHTS` stand for the owner, who is checked
/// separately.
fn trusted_grantee(sid: &str, me: &Me, ancestor: bool) -> bool {
    me.is_trusted(sid)
        || sid == acl::CREATOR_OWNER
        || sid == acl::OWNER_RIGHTS
        || (ancestor && sid == acl::TRUSTED_INSTALLER)
}

fn check_private_file(path: &Path, f: &File, me: &Me) -> Result<()> {
    let info = acl::file_info(f).map_err(|e| inaccessible(path, &e))?;
    if info.attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT) != 0 {
        return Err(Error::StoreInaccessible {
            path: path.to_owned(),
            reason: "it is not a regular file".into(),
        });
    }
    let sec = acl::security(f).map_err(|e| inaccessible(path, &e))?;
    check_private(path, &sec, me, false)
}

/// Ours, and no access for anyone else: the counterpart of mode 0700/0600.
fn check_private(path: &Path, sec: &Security, me: &Me, is_dir: bool) -> Result<()> {
    // An elevated administrator's token makes Administrators the owner.
    let ours = sec.owner == me.user || sec.owner == acl::ADMINISTRATORS;
    if !ours {
        return Err(Error::StoreInaccessible {
            path: path.to_owned(),
            reason: format!(
                "it belongs to {}, not to you ({}); a store is private to its owner",
                sec.owner, me.user
            ),
        });
    }
    let Some(dacl) = &sec.dacl else {
        return Err(Error::StorePermissions {
            path: path.to_owned(),
            mode: u32::MAX,
            is_dir,
        });
    };
    let mut others = 0u32;
    for ace in dacl {
        let other = match ace.kind {
            AceKind::Allow => !trusted_grantee(&ace.sid, me, false),
            AceKind::AllowUnknown => true,
            AceKind::Deny | AceKind::Other => false,
        };
        if other {
            // Inherit-only entries too: what SQLite creates in the
            // directory would get them.
            others |= ace.mask.max(1);
        }
    }
    if others != 0 {
        return Err(Error::StorePermissions {
            path: path.to_owned(),
            mode: others,
            is_dir,
        });
    }
    Ok(())
}

fn inaccessible(path: &Path, e: &io::Error) -> Error {
    Error::StoreInaccessible {
        path: path.to_owned(),
        reason: if e.raw_os_error() == Some(ERROR_WRITE_PROTECT as i32) {
            "it is on a read-only volume".into()
        } else {
            e.to_string()
        },
    }
}

#[cfg(test)]
#[path = "path_windows/tests.rs"]
pub(super) mod tests;
