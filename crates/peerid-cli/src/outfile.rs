//! `-o FILE`: the whole file or nothing (docs/design.md §7).
//!
//! - A FIFO, a terminal or another device, and `/dev/stdout`, `/dev/stderr`,
//!   `/dev/fd/N` and `/proc/self/fd/N`, are written through: what the user
//!   (or the shell) set up there is kept, never replaced by a regular file.
//! - The store's own database, and its `-wal`, `-shm` and `-journal`, are
//!   refused: replacing them would destroy the store.
//! - Anything else (a regular file, or nothing yet) gets a new file, mode
//!   0600, that appears whole. On Linux it is written unnamed (`O_TMPFILE`)
//!   and given its name by `linkat`, so no temporary name ever exists when
//!   the target does not; over an existing file it is linked under a fresh
//!   name and renamed over, both while holding [`interrupt::pending`], so a
//!   signal removes that name or finds it already renamed. Elsewhere, or on
//!   a file system without `O_TMPFILE`, a fresh name is created with
//!   `O_EXCL`, remembered as ours, and removed on failure or on a signal.
//!   A name we did not create is never removed.
//! - An existing regular file is replaced only when the caller says so
//!   ([`Existing::Replace`]: `--force`, or a yes at the terminal, which
//!   [`existing`] asks for); otherwise the new file is only ever linked in
//!   where nothing is, so one that appears meanwhile is kept too.
//!
//! On Windows ([`windows`]): there are no `/dev/fd` names; a device that
//! std does not report as a file or directory (`NUL`, `CON`) is written
//! through; anything else gets a fresh name in the same directory, created
//! with `create_new` and the protected DACL the store's files get (the
//! user, SYSTEM and Administrators only: [`peerid::create_private_file`],
//! mode 0600's counterpart, rather than whatever the directory would hand
//! down, since the file holds a key), filled, synced, then `hard_link`ed
//! to the name (which fails if anything is there) and removed, or, to
//! replace, renamed over it (`MoveFileEx` with replace). The store's files
//! are refused by name and by file identity (`same-file`: volume serial
//! number and file index, so a hard link is caught too, which comparing
//! canonical paths would miss).

use std::ffi::{OsStr, OsString};
#[cfg(unix)]
use std::fs::File;
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::{FileTypeExt, MetadataExt};
#[cfg(unix)]
use std::path::Component;
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::sync::Arc;

use peerid::Store;
#[cfg(unix)]
use rustix::fd::OwnedFd;
#[cfg(unix)]
use rustix::fs::{AtFlags, Mode, OFlags};
#[cfg(unix)]
use rustix::io::Errno;

use crate::error::{Error, Result};
#[cfg(unix)]
use crate::interrupt::{self, Temp};

#[cfg(windows)]
mod windows;

/// The store's database file name and the companions SQLite may create
/// (the store's lock file is refused beside them).
const STORE_FILE_SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// Set (to anything) to skip `O_TMPFILE` on Linux and take the portable
/// path that other systems take, so Linux CI tests it too.
#[cfg(unix)]
const NO_TMPFILE_ENV: &str = "PEERID_NO_O_TMPFILE";

/// How many fresh names to try before giving up (each is 64 random bits).
const NAME_TRIES: u32 = 16;

/// What to do when the `-o` file exists and is a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Keep it: refuse with [`Error::OutputExists`].
    Keep,
    /// Replace it (`--force`, or a yes at the terminal).
    Replace,
}

/// Decides, before any work, what happens to an existing regular file at
/// `path`: with `force`, it is replaced; otherwise a person at the terminal
/// is asked, and without one the command is refused.
///
/// # Errors
/// [`Error::OutputExists`] where no one can be asked,
/// [`Error::NotConfirmed`] for a no, [`Error::Confirm`].
pub fn existing(path: &Path, force: bool) -> Result<Existing> {
    if force || fd_named_by(path).is_some() {
        return Ok(Existing::Replace);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        _ => return Ok(Existing::Keep),
    }
    if !crate::confirm::can_ask() {
        return Err(Error::OutputExists {
            path: path.to_owned(),
        });
    }
    let shown = crate::output::terminal_safe(&path.display().to_string()).into_owned();
    if crate::confirm::ask(&format!("{shown} exists. Replace it? [y/N] "))? {
        Ok(Existing::Replace)
    } else {
        Err(Error::NotConfirmed {
            what: format!("replacing {}", path.display()),
        })
    }
}

/// Writes `data` to `path` as the module documentation says, keeping an
/// existing regular file ([`write_with`] and [`Existing::Keep`]).
///
/// # Errors
/// As [`write_with`].
// The form for `-o` options with no --force of their own (sign's -o SIG).
#[allow(dead_code)]
pub fn write(path: &Path, data: &[u8], store: &Store) -> Result<()> {
    write_with(path, data, store, Existing::Keep)
}

/// Writes `data` to `path` as the module documentation says.
///
/// # Errors
/// [`Error::OutputIsStoreFile`], [`Error::OutputIsDirectory`] or
/// [`Error::OutputNotAFileName`] for a target that is refused,
/// [`Error::OutputExists`] for a regular file kept,
/// [`Error::WritingOutputFile`] for what the system refuses.
pub fn write_with(path: &Path, data: &[u8], store: &Store, existing: Existing) -> Result<()> {
    refuse_store_files(path, store)?;
    #[cfg(unix)]
    let fail = |step: &'static str, source: std::io::Error| Error::WritingOutputFile {
        step,
        path: path.to_owned(),
        source,
    };
    #[cfg(windows)]
    return windows::write_with(path, data, existing);
    #[cfg(unix)]
    let written = match kind_of(path) {
        Target::Fd(1) => write_through(&mut std::io::stdout().lock(), data),
        Target::Fd(2) => write_through(&mut std::io::stderr().lock(), data),
        target @ (Target::Fd(_) | Target::Special) => {
            // No O_CREAT, no O_TRUNC: it is there, and it is not ours.
            // NOCTTY: a terminal named here must not become our
            // controlling one. APPEND for a shell's descriptor: `3>>log`
            // is added to, as the shell set it up (`3>f` is empty anyway).
            if matches!(target, Target::Special) {
                // Also before the open, which would wait for a reader of
                // a FIFO that is not ours.
                if let Ok(m) = std::fs::metadata(path) {
                    refuse_foreign_special_file(path, m.uid())?;
                }
            }
            let append = if matches!(target, Target::Fd(_)) {
                OFlags::APPEND
            } else {
                OFlags::empty()
            };
            let fd = rustix::fs::open(
                path,
                OFlags::WRONLY | OFlags::NOCTTY | OFlags::CLOEXEC | append,
                Mode::empty(),
            )
            .map_err(|e| fail("opening", e.into()))?;
            if matches!(target, Target::Special) {
                // On the descriptor, so a swap after `kind_of` looked
                // changes nothing; before a byte is written.
                let owner = rustix::fs::fstat(&fd)
                    .map_err(|e| fail("inspecting", e.into()))?
                    .st_uid;
                refuse_foreign_special_file(path, owner)?;
            }
            write_through(&mut File::from(fd), data)
        }
        Target::Directory => {
            return Err(Error::OutputIsDirectory {
                path: path.to_owned(),
            });
        }
        Target::Replace => return replace(path, data, existing),
    };
    #[cfg(unix)]
    written.map_err(|e| fail("writing", e))
}

/// A FIFO, device or socket is written through only when it belongs to
/// root or to the user. In a sticky directory such as `/tmp` another user
/// can plant a FIFO under the name before the export and read the document
/// (with `--empty-password`, the key in the clear) as it is written; their
/// regular file there is safe already, since the rename over it fails.
#[cfg(unix)]
fn refuse_foreign_special_file(path: &Path, owner: u32) -> Result<()> {
    let me = rustix::process::geteuid().as_raw();
    if owner == 0 || owner == me {
        return Ok(());
    }
    Err(Error::OutputOwnedByAnotherUser {
        path: path.to_owned(),
        owner,
    })
}

fn write_through(out: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    out.write_all(data)?;
    out.flush()
}

#[cfg(unix)]
enum Target {
    /// One of this process's descriptors, by a `/dev/fd`-like name.
    Fd(u32),
    /// A FIFO, a device or a socket: written through.
    Special,
    Directory,
    /// A regular file, or nothing yet.
    Replace,
}

#[cfg(unix)]
fn kind_of(path: &Path) -> Target {
    if let Some(fd) = fd_named_by(path) {
        return Target::Fd(fd);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Target::Directory,
        Ok(m) if m.is_file() => Target::Replace,
        Ok(m) => {
            let t = m.file_type();
            debug_assert!(
                t.is_fifo() || t.is_char_device() || t.is_block_device() || t.is_socket()
            );
            Target::Special
        }
        Err(_) => Target::Replace,
    }
}

/// The descriptor a path names when it, or a symbolic link it leads
/// through, is `/dev/std{in,out,err}`, `/dev/fd/N` or `/proc/{self,PID}/fd/N`:
/// those are the shell's redirections, not files to replace.
#[cfg(unix)]
fn fd_named_by(path: &Path) -> Option<u32> {
    let mut path = path.to_owned();
    // The kernel's own limit on links followed in one lookup.
    for _ in 0..40 {
        if let Some(fd) = fd_name(&path) {
            return Some(fd);
        }
        let target = std::fs::read_link(&path).ok()?;
        path = match path.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    None
}

/// Windows has no such names: `/dev/stdout` there is an ordinary path.
#[cfg(windows)]
fn fd_named_by(_path: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn fd_name(path: &Path) -> Option<u32> {
    let parts: Vec<&OsStr> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(Component::as_os_str)
        .collect();
    let text = |i: usize| parts.get(i).and_then(|p| p.to_str());
    let number = |s: Option<&str>| s.and_then(|s| s.parse::<u32>().ok());
    match (parts.len(), text(0), text(1), text(2)) {
        (3, Some("/"), Some("dev"), Some("stdin")) => Some(0),
        (3, Some("/"), Some("dev"), Some("stdout")) => Some(1),
        (3, Some("/"), Some("dev"), Some("stderr")) => Some(2),
        (4, Some("/"), Some("dev"), Some("fd")) => number(text(3)),
        (5, Some("/"), Some("proc"), Some(who)) if text(3) == Some("fd") => {
            let ours = who == "self"
                || who == "thread-self"
                || who.parse::<u32>().ok() == Some(std::process::id());
            if ours { number(text(4)) } else { None }
        }
        _ => None,
    }
}

/// Refuses the store's database and its companions, by name (they may not
/// exist yet) and by identity (a link to one).
///
/// # Errors
/// [`Error::OutputIsStoreFile`] if `path` is one of them.
pub fn refuse_store_files(path: &Path, store: &Store) -> Result<()> {
    let db = store.dir().join(peerid::Store::DB_FILE);
    let files: Vec<PathBuf> = STORE_FILE_SUFFIXES
        .iter()
        .map(|suffix| {
            let mut s = db.as_os_str().to_owned();
            s.push(suffix);
            PathBuf::from(s)
        })
        .chain(std::iter::once(store.dir().join(peerid::Store::LOCK_FILE)))
        .collect();
    let refuse = || {
        Err(Error::OutputIsStoreFile {
            path: path.to_owned(),
        })
    };
    if std::fs::metadata(path).is_ok() {
        for file in &files {
            if same_file(file, path) {
                return refuse();
            }
        }
    }
    let (dir, name) = split(path)?;
    let is_store_name = files.iter().any(|f| f.file_name() == Some(name));
    if is_store_name && same_file(&dir, store.dir()) {
        return refuse();
    }
    Ok(())
}

/// Whether `a` and `b` are the same file (device and inode), following
/// links; false if either cannot be looked at.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `a` and `b` are the same file (volume serial number and file
/// index, following links); false if either cannot be opened.
#[cfg(windows)]
fn same_file(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

fn split(path: &Path) -> Result<(PathBuf, &OsStr)> {
    let name = path.file_name().ok_or_else(|| Error::OutputNotAFileName {
        path: path.to_owned(),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

#[cfg(unix)]
fn replace(path: &Path, data: &[u8], existing: Existing) -> Result<()> {
    let fail = |step: &'static str, e: Errno| match (step, e) {
        (KEPT, _) => Error::OutputExists {
            path: path.to_owned(),
        },
        _ => Error::WritingOutputFile {
            step,
            path: path.to_owned(),
            source: e.into(),
        },
    };
    let (dir, name) = split(path)?;
    let dir_fd = rustix::fs::open(
        &dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| fail("opening the directory of", e))?;
    let dir_fd = Arc::new(dir_fd);
    #[cfg(target_os = "linux")]
    if std::env::var_os(NO_TMPFILE_ENV).is_none() && Path::new("/proc/self/fd").is_dir() {
        match rustix::fs::openat(
            &*dir_fd,
            ".",
            OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => {
                return unnamed(&dir_fd, name, fd, data, existing)
                    .map_err(|(what, e)| fail(what, e));
            }
            // The file system (or, EISDIR, the kernel) has no O_TMPFILE.
            Err(Errno::OPNOTSUPP | Errno::ISDIR) => {}
            Err(e) => return Err(fail("creating a file in the directory of", e)),
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = NO_TMPFILE_ENV;
    named(&dir_fd, name, data, existing).map_err(|(what, e)| fail(what, e))
}

#[cfg(unix)]
type Step<T> = std::result::Result<T, (&'static str, Errno)>;

/// The step that failed because a file is there that must be kept.
const KEPT: &str = "keeping";

#[cfg(unix)]
/// Fills `fd`, gives it mode 0600 whatever the umask, and syncs it.
fn fill(fd: OwnedFd, data: &[u8]) -> Step<OwnedFd> {
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o600)).map_err(|e| ("setting the mode of", e))?;
    let mut file = File::from(fd);
    file.write_all(data)
        .map_err(|e| ("writing", Errno::from_io_error(&e).unwrap_or(Errno::IO)))?;
    file.sync_all()
        .map_err(|e| ("syncing", Errno::from_io_error(&e).unwrap_or(Errno::IO)))?;
    Ok(OwnedFd::from(file))
}

/// A fresh name in `dir` for `name`: `.NAME.<random>.tmp`.
fn fresh_name(name: &OsStr) -> OsString {
    use std::hash::{BuildHasher, RandomState};
    let noise = RandomState::new().hash_one((std::process::id(), std::time::SystemTime::now()));
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".{noise:016x}.tmp"));
    s
}

/// Linux: the file is written unnamed and then linked in.
#[cfg(target_os = "linux")]
fn unnamed(
    dir: &Arc<OwnedFd>,
    name: &OsStr,
    fd: OwnedFd,
    data: &[u8],
    existing: Existing,
) -> Step<()> {
    use rustix::fd::AsRawFd;
    let fd = fill(fd, data)?;
    let me = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let link =
        |to: &OsStr| rustix::fs::linkat(rustix::fs::CWD, &me, &**dir, to, AtFlags::SYMLINK_FOLLOW);
    match link(name) {
        Ok(()) => return sync_dir(dir),
        Err(Errno::EXIST) if existing == Existing::Keep => return Err((KEPT, Errno::EXIST)),
        Err(Errno::EXIST) => {}
        Err(e) => return Err(("naming", e)),
    }
    // Something is there already: a regular file when we looked. linkat
    // cannot replace it, so link under a fresh name and rename that over
    // it, holding the lock so that a signal finds the name either ours to
    // remove or already gone.
    let mut pending = interrupt::pending();
    let mut tries = 0;
    let temp = loop {
        let candidate = fresh_name(name);
        match link(&candidate) {
            Ok(()) => break candidate,
            Err(Errno::EXIST) if tries < NAME_TRIES => tries += 1,
            Err(e) => return Err(("linking a temporary name beside", e)),
        }
    };
    pending.temp = Some(Temp {
        dir: Arc::clone(dir),
        name: temp.clone(),
    });
    let renamed = rustix::fs::renameat(&**dir, &temp, &**dir, name);
    if renamed.is_err() {
        let _ = rustix::fs::unlinkat(&**dir, &temp, AtFlags::empty());
    }
    pending.temp = None;
    drop(pending);
    renamed.map_err(|e| ("renaming into", e))?;
    sync_dir(dir)
}

#[cfg(unix)]
/// Elsewhere: a fresh name created with O_EXCL, filled, and renamed over
/// the name; or, to keep a file that is there, linked to the name (which
/// fails if anything is there) and then removed.
fn named(dir: &Arc<OwnedFd>, name: &OsStr, data: &[u8], existing: Existing) -> Step<()> {
    let mut tries = 0;
    let (fd, temp) = {
        let mut pending = interrupt::pending();
        loop {
            let candidate = fresh_name(name);
            match rustix::fs::openat(
                &**dir,
                &candidate,
                OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            ) {
                Ok(fd) => {
                    pending.temp = Some(Temp {
                        dir: Arc::clone(dir),
                        name: candidate.clone(),
                    });
                    break (fd, candidate);
                }
                Err(Errno::EXIST) if tries < NAME_TRIES => tries += 1,
                Err(e) => return Err(("creating a temporary file beside", e)),
            }
        }
    };
    let result = fill(fd, data).and_then(|_| {
        let mut pending = interrupt::pending();
        if existing == Existing::Keep {
            // The temporary name stays ours (and is removed below) whether
            // or not the link is made.
            return match rustix::fs::linkat(&**dir, &temp, &**dir, name, AtFlags::empty()) {
                Ok(()) => Ok(()),
                Err(Errno::EXIST) => Err((KEPT, Errno::EXIST)),
                Err(e) => Err(("naming", e)),
            };
        }
        let renamed = rustix::fs::renameat(&**dir, &temp, &**dir, name);
        if renamed.is_ok() {
            // Under the same lock: once renamed, the temporary name is no
            // longer ours, and a signal must not remove whatever takes it.
            pending.temp = None;
        }
        drop(pending);
        renamed.map_err(|e| ("renaming into", e))
    });
    let mut pending = interrupt::pending();
    let linked_beside = existing == Existing::Keep;
    if (result.is_err() || linked_beside) && pending.temp.as_ref().is_some_and(|t| t.name == temp) {
        // Ours: created above with O_EXCL.
        let _ = rustix::fs::unlinkat(&**dir, &temp, AtFlags::empty());
    }
    pending.temp = None;
    drop(pending);
    result?;
    sync_dir(dir)
}

/// Makes the new name durable, as the file's contents already are.
#[cfg(unix)]
fn sync_dir(dir: &OwnedFd) -> Step<()> {
    rustix::fs::fsync(dir).map_err(|e| ("syncing the directory of", e))
}

// The Windows-only parts (device names, the store's files refused by file
// identity) are tested in `windows.rs`.
#[cfg(test)]
mod tests {
    use super::*;

    /// What the command's check before the work cannot see: a file that
    /// appears after it. It is kept, on every way of writing, and nothing
    /// else is left in the directory; replacing replaces.
    #[test]
    fn a_file_that_is_there_is_kept_unless_replacing_was_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("s")).unwrap();
        let dir = tmp.path().join("d");
        std::fs::create_dir(&dir).unwrap();
        let out = dir.join("out");
        std::fs::write(&out, "old").unwrap();
        let listing = || {
            let mut names: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let err = write_with(&out, b"new", &store, Existing::Keep).unwrap_err();
        assert!(matches!(err, Error::OutputExists { .. }), "{err:?}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        assert_eq!(listing(), ["out"]);
        // Unix's other way, through a named temporary file (where there is
        // no O_TMPFILE), called directly.
        #[cfg(unix)]
        {
            let dir_fd = Arc::new(
                rustix::fs::open(&dir, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap(),
            );
            let (step, _) = named(&dir_fd, OsStr::new("out"), b"new", Existing::Keep).unwrap_err();
            assert_eq!(step, KEPT);
            assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
            assert_eq!(listing(), ["out"]);
        }
        let new = dir.join("new");
        write_with(&new, b"fresh", &store, Existing::Keep).unwrap();
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "fresh");
        assert_eq!(listing(), ["new", "out"]);
        write_with(&out, b"new", &store, Existing::Replace).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert_eq!(listing(), ["new", "out"]);
    }

    #[cfg(unix)]
    #[test]
    fn descriptor_names() {
        let me = std::process::id();
        let cases = [
            ("/dev/stdout", Some(1)),
            ("/dev/stderr", Some(2)),
            ("/dev/stdin", Some(0)),
            ("/dev/fd/7", Some(7)),
            ("/proc/self/fd/1", Some(1)),
            ("/proc/thread-self/fd/3", Some(3)),
            (&format!("/proc/{me}/fd/4"), Some(4)),
            ("/proc/1/fd/4", None),
            ("/dev/fd/x", None),
            ("/dev/null", None),
            ("dev/stdout", None),
            ("/dev/fd", None),
            ("out.pfx", None),
        ];
        for (path, fd) in cases {
            assert_eq!(fd_name(Path::new(path)), fd, "{path}");
        }
    }
}
