//! Finding the store directory so that no other local user can make peerid
//! use another one (docs/design.md §6), the rule of OpenSSH's StrictModes
//! `safe_path`:
//!
//! - every directory from `/` down to the store is owned by root or by the
//!   user and is not writable by group or others unless it is sticky (as
//!   `/tmp`); a symbolic link on the way is followed only when root or the
//!   user owns it;
//! - the walk goes one `openat` at a time from `/`, never by path, and checks
//!   each directory on the descriptor it opened, so what is checked is what
//!   is used;
//! - directories peerid creates on the way are `0700` whatever the umask;
//! - the store directory stays open ([`StoreDir`]) and the store's files are
//!   opened through that descriptor, so a rename after the check changes
//!   nothing.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

use crate::error::{Error, Result};

/// Mode of the directories peerid creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files peerid creates in the store.
pub const FILE_MODE: u32 = 0o600;

/// The lock file a store's writers take turns on ([`super::db`]).
pub type LockFile = OwnedFd;

/// Symbolic links followed on the way before giving up (Linux's own limit).
const MAX_SYMLINKS: usize = 40;

/// The store directory, open and checked.
#[derive(Debug)]
pub struct StoreDir {
    fd: OwnedFd,
    /// The directory as the user named it, for messages.
    given: PathBuf,
    /// Where the walk found it, symbolic links resolved.
    physical: PathBuf,
    read_only: bool,
    uid: u32,
}

impl StoreDir {
    /// Opens the store directory `path`, creating it and any missing parent
    /// (0700), after checking every directory above it.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`] naming the unsafe directory and the fix,
    /// or saying why the directory cannot be used; [`Error::StorePermissions`]
    /// when the store directory itself is group or world accessible.
    pub fn open(path: &Path) -> Result<StoreDir> {
        Walk::new(path)?.run()
    }

    /// The open directory.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The directory as it was named.
    pub fn path(&self) -> &Path {
        &self.given
    }

    #[cfg(test)]
    /// The directory with symbolic links resolved, as the walk found it.
    pub fn physical(&self) -> &Path {
        &self.physical
    }

    /// Whether it is on a read-only file system.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// A path through which other code (SQLite) reaches `name` inside this
    /// very directory, whatever was renamed since the check:
    /// `/proc/self/fd/N/name` where the system has it, else the physical
    /// path (then the caller must check afterwards with [`StoreDir::is_same_file`]).
    pub fn path_for(&self, name: &str) -> PathBuf {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::fd::AsRawFd;
            let link = PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()));
            // Only where /proc is mounted and really shows our descriptor.
            if let (Ok(via), Ok(ours)) = (rfs::stat(&link), rfs::fstat(&self.fd))
                && (via.st_dev, via.st_ino) == (ours.st_dev, ours.st_ino)
            {
                return link.join(name);
            }
        }
        self.physical.join(name)
    }

    /// Whether `path` now names the same file as `name` in this directory:
    /// the re-check after a library opened a file by path.
    pub fn is_same_file(&self, name: &str, path: &Path) -> bool {
        match (
            rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW),
            rfs::stat(path),
        ) {
            (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
            _ => false,
        }
    }

    /// Whether `name` exists in this directory (as anything, a symbolic
    /// link not followed).
    pub fn exists(&self, name: &str) -> bool {
        rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).is_ok()
    }

    /// Checks a store file (database, WAL, shared memory, lock) if it
    /// exists: a regular file, ours, not group or world accessible.
    ///
    /// # Errors
    /// [`Error::StorePermissions`] or [`Error::StoreInaccessible`].
    pub fn check_file_if_present(&self, name: &str) -> Result<()> {
        let path = self.given.join(name);
        match rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => check_private_file(&path, &st, self.uid),
            Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(inaccessible(&path, e)),
        }
    }

    /// Creates `name` (0600, whatever the umask) if it does not exist, so
    /// that SQLite, which gives its WAL and shared-memory files the
    /// database's mode, never creates anything more open.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`] if it cannot be created.
    pub fn create_file_if_missing(&self, name: &str) -> Result<()> {
        let flags = OFlags::WRONLY
            | OFlags::CREATE
            | OFlags::EXCL
            | OFlags::NOFOLLOW
            | OFlags::CLOEXEC
            | OFlags::NOCTTY;
        match rfs::openat(&self.fd, name, flags, Mode::from_raw_mode(FILE_MODE)) {
            Ok(f) => rfs::fchmod(&f, Mode::from_raw_mode(FILE_MODE))
                .map_err(|e| inaccessible(&self.given.join(name), e)),
            Err(Errno::EXIST) => Ok(()),
            Err(e) => Err(inaccessible(&self.given.join(name), e)),
        }
    }

    /// Opens (creating it 0600 where the file system allows) a file of the
    /// store to lock; `None` when it is missing on a read-only file system,
    /// where no one can write and so no one needs to wait.
    ///
    /// # Errors
    /// [`Error::StoreInaccessible`], [`Error::StorePermissions`].
    pub fn open_lock_file(&self, name: &str) -> Result<Option<LockFile>> {
        let path = self.given.join(name);
        let base = OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY;
        let mode = Mode::from_raw_mode(FILE_MODE);
        let fd = match rfs::openat(&self.fd, name, base | OFlags::RDWR | OFlags::CREATE, mode) {
            Ok(fd) => fd,
            Err(Errno::ROFS) => match rfs::openat(&self.fd, name, base | OFlags::RDONLY, mode) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(None),
                Err(e) => return Err(inaccessible(&path, e)),
            },
            Err(e) => return Err(inaccessible(&path, e)),
        };
        let st = rfs::fstat(&fd).map_err(|e| inaccessible(&path, e))?;
        if st.st_mode & 0o077 != 0 && st.st_uid == self.uid && !self.read_only {
            // Made by an older peerid or under an odd umask: ours to fix.
            rfs::fchmod(&fd, mode).map_err(|e| inaccessible(&path, e))?;
        }
        let st = rfs::fstat(&fd).map_err(|e| inaccessible(&path, e))?;
        check_private_file(&path, &st, self.uid)?;
        Ok(Some(fd))
    }
}

/// The walk from `/` to the store, one directory descriptor at a time.
struct Walk {
    given: PathBuf,
    uid: u32,
    /// Names still to walk; a symbolic link puts its target in front.
    queue: VecDeque<OsString>,
    /// The directories walked so far, `/` first, each with its physical path.
    stack: Vec<(OwnedFd, PathBuf)>,
    links: usize,
}

impl Walk {
    fn new(given: &Path) -> Result<Walk> {
        let uid = rustix::process::geteuid().as_raw();
        let absolute = if given.is_absolute() {
            given.to_owned()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::StoreInaccessible {
                    path: given.to_owned(),
                    reason: format!("the current directory cannot be found: {e}"),
                })?
                .join(given)
        };
        let root = Path::new("/");
        let fd = open_dir(rfs::CWD, root).map_err(|e| inaccessible(root, e))?;
        let mut walk = Walk {
            given: given.to_owned(),
            uid,
            queue: names(&absolute),
            stack: Vec::new(),
            links: 0,
        };
        walk.check_ancestor(root, &fd)?;
        walk.stack.push((fd, root.to_owned()));
        Ok(walk)
    }

    fn run(mut self) -> Result<StoreDir> {
        while let Some(name) = self.queue.pop_front() {
            if name == ".." {
                if self.stack.len() > 1 {
                    self.stack.pop();
                }
                continue;
            }
            self.step(name)?;
        }
        let Some((top, physical)) = self.stack.pop() else {
            return Err(inaccessible(&self.given, Errno::NOENT));
        };
        // The walk may have opened it O_PATH; reopen it for locking and
        // fstatvfs, through the checked descriptor.
        let fd = open_dir(&top, Path::new(".")).map_err(|e| inaccessible(&self.given, e))?;
        let st = rfs::fstat(&fd).map_err(|e| inaccessible(&self.given, e))?;
        check_private_dir(&self.given, &st, self.uid)?;
        let read_only = rfs::fstatvfs(&fd)
            .map(|v| v.f_flag.contains(rfs::StatVfsMountFlags::RDONLY))
            .unwrap_or(false);
        Ok(StoreDir {
            fd,
            given: self.given,
            physical,
            read_only,
            uid: self.uid,
        })
    }

    /// Goes down into `name` from the top of the stack: follows it if it is a
    /// symbolic link, creates it (0700) if it is missing, checks it.
    fn step(&mut self, name: OsString) -> Result<()> {
        let Some((parent, parent_path)) = self.stack.last() else {
            return Err(inaccessible(&self.given, Errno::NOENT));
        };
        let here = parent_path.join(&name);
        // The store itself gets the stricter check once the walk is done.
        let last = self.queue.is_empty();
        let mut created = false;
        match rfs::statat(parent, &*name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => {
                return self.follow(&name, &here, &st);
            }
            Ok(_) => {}
            Err(Errno::NOENT) => {
                match rfs::mkdirat(parent, &*name, Mode::from_raw_mode(DIR_MODE)) {
                    Ok(()) => created = true,
                    // Another process made it between our look and our mkdir.
                    Err(Errno::EXIST) => {}
                    Err(e) => return Err(self.cannot_create(&here, e)),
                }
            }
            Err(e) => return Err(inaccessible(&here, e)),
        }
        let fd = match open_dir(parent, Path::new(&name)) {
            Ok(fd) => fd,
            Err(Errno::NOTDIR) => {
                return Err(Error::StoreInaccessible {
                    path: self.given.clone(),
                    reason: format!("{} is not a directory", here.display()),
                });
            }
            // It became a symbolic link between our look and our open:
            // someone is changing the path; refuse rather than guess.
            Err(Errno::LOOP) => {
                return Err(Error::StoreInaccessible {
                    path: self.given.clone(),
                    reason: format!(
                        "{} changed while peerid was checking it; try again",
                        here.display()
                    ),
                });
            }
            Err(e) => return Err(inaccessible(&here, e)),
        };
        if created {
            // The umask may have removed bits we asked for; never added any.
            // Only on what we made: someone else's directory stays as it is
            // and fails the check below.
            let st = rfs::fstat(&fd).map_err(|e| inaccessible(&here, e))?;
            if st.st_uid == self.uid {
                set_mode(parent, &name, &fd).map_err(|e| inaccessible(&here, e))?;
            }
        }
        if !last {
            self.check_ancestor(&here, &fd)?;
        }
        self.stack.push((fd, here));
        Ok(())
    }

    fn follow(&mut self, name: &OsString, here: &Path, st: &Stat) -> Result<()> {
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(inaccessible(here, Errno::LOOP));
        }
        // A link in a sticky directory (as /tmp) may be anyone's; only one
        // that root or the user made may choose where the store is.
        if st.st_uid != 0 && st.st_uid != self.uid {
            return Err(Error::StoreInaccessible {
                path: self.given.clone(),
                reason: format!(
                    "the symbolic link {} on the way belongs to user id {}, who could point it \
                     at another store; only root or you (user id {}) may own the links and \
                     directories above a store. Use a path without it",
                    here.display(),
                    st.st_uid,
                    self.uid
                ),
            });
        }
        let Some((parent, _)) = self.stack.last() else {
            return Err(inaccessible(&self.given, Errno::NOENT));
        };
        let target =
            rfs::readlinkat(parent, &**name, Vec::new()).map_err(|e| inaccessible(here, e))?;
        let target = PathBuf::from(OsString::from_vec(target.into_bytes()));
        if target.is_absolute() {
            self.stack.truncate(1);
        }
        for n in names(&target).into_iter().rev() {
            self.queue.push_front(n);
        }
        Ok(())
    }

    /// The rule for every directory above the store (and the store itself,
    /// which then has to pass the stricter [`check_private_dir`]).
    fn check_ancestor(&self, dir: &Path, fd: &OwnedFd) -> Result<()> {
        let st = rfs::fstat(fd).map_err(|e| inaccessible(dir, e))?;
        let uid = self.uid;
        if st.st_uid != 0 && st.st_uid != uid {
            return Err(Error::StoreInaccessible {
                path: self.given.clone(),
                reason: format!(
                    "the directory {dir} on the way belongs to user id {owner}, who could swap \
                     the store for another; only root or you (user id {uid}) may own the \
                     directories above a store. Move the store, or fix with: \
                     chown {uid} {dir}",
                    dir = dir.display(),
                    owner = st.st_uid,
                ),
            });
        }
        let mode = st.st_mode & 0o7777;
        let sticky = mode & 0o1000 != 0;
        if mode & 0o022 != 0 && !sticky {
            let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                (true, true) => "group and others",
                (true, false) => "its group",
                _ => "others",
            };
            return Err(Error::StoreInaccessible {
                path: self.given.clone(),
                reason: format!(
                    "the directory {dir} on the way is writable by {who} (mode {mode:04o}), \
                     who could swap the store for another. Fix with: chmod go-w {dir}",
                    dir = dir.display(),
                ),
            });
        }
        Ok(())
    }

    fn cannot_create(&self, here: &Path, e: Errno) -> Error {
        let reason = if e == Errno::ROFS {
            format!(
                "{} does not exist and cannot be created: it is on a read-only file system",
                here.display()
            )
        } else {
            format!("{} cannot be created: {}", here.display(), io_error(e))
        };
        Error::StoreInaccessible {
            path: self.given.clone(),
            reason,
        }
    }
}

/// Opens a directory without following a symbolic link: for reading where
/// allowed (so that it can be locked and chmod-ed), else, on Linux, as a
/// bare `O_PATH` handle (a directory we may only search, as `/home` under
/// some setups, is still one we can walk through).
fn open_dir<Fd: AsFd>(parent: Fd, name: &Path) -> rustix::io::Result<OwnedFd> {
    let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rfs::openat(&parent, name, flags | OFlags::RDONLY, Mode::empty()) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Err(Errno::ACCESS) => rfs::openat(&parent, name, flags | OFlags::PATH, Mode::empty()),
        other => other,
    }
}

/// `chmod 0700` on a directory we just made.
fn set_mode(parent: &OwnedFd, name: &OsString, fd: &OwnedFd) -> rustix::io::Result<()> {
    match rfs::fchmod(fd, Mode::from_raw_mode(DIR_MODE)) {
        // An O_PATH handle cannot be fchmod-ed; the name is ours (we made it
        // in a directory that passed the check) so chmod it by name.
        Err(Errno::BADF) => rfs::chmodat(
            parent,
            &**name,
            Mode::from_raw_mode(DIR_MODE),
            AtFlags::empty(),
        ),
        other => other,
    }
}

/// The names of a path, in order; `.` dropped, `..` kept for the walk.
fn names(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect()
}

fn check_private_dir(path: &Path, st: &Stat, uid: u32) -> Result<()> {
    check_private(path, st, uid, true)
}

fn check_private_file(path: &Path, st: &Stat, uid: u32) -> Result<()> {
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(Error::StoreInaccessible {
            path: path.to_owned(),
            reason: "it is not a regular file".into(),
        });
    }
    check_private(path, st, uid, false)
}

/// Ours, and no access for group or others.
fn check_private(path: &Path, st: &Stat, uid: u32, is_dir: bool) -> Result<()> {
    check_owner(path, st, uid)?;
    let mode = st.st_mode & 0o7777;
    if mode & 0o077 != 0 {
        return Err(Error::StorePermissions {
            path: path.to_owned(),
            mode,
            is_dir,
        });
    }
    Ok(())
}

fn check_owner(path: &Path, st: &Stat, uid: u32) -> Result<()> {
    if st.st_uid != uid {
        return Err(Error::StoreInaccessible {
            path: path.to_owned(),
            reason: format!(
                "it belongs to user id {}, not to you (user id {uid}); a store is private to its owner",
                st.st_uid
            ),
        });
    }
    Ok(())
}

fn io_error(e: Errno) -> std::io::Error {
    std::io::Error::from_raw_os_error(e.raw_os_error())
}

fn inaccessible(path: &Path, e: Errno) -> Error {
    Error::StoreInaccessible {
        path: path.to_owned(),
        reason: if e == Errno::ROFS {
            "it is on a read-only file system".into()
        } else {
            io_error(e).to_string()
        },
    }
}

#[cfg(test)]
mod tests;
