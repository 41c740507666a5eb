//! The store's locks on Unix: `flock`, on the store directory (to
//! initialise) and on its lock file (to write).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::FlockOperation;

use super::super::path::{LockFile, StoreDir};

/// An `flock` held on its own open file description until dropped.
pub(crate) struct Flock(OwnedFd);

impl Flock {
    fn take(fd: BorrowedFd<'_>, exclusive: bool) -> std::io::Result<Flock> {
        let fd = fd.try_clone_to_owned()?;
        let op = if exclusive {
            FlockOperation::LockExclusive
        } else {
            FlockOperation::LockShared
        };
        loop {
            match rustix::fs::flock(&fd, op) {
                Ok(()) => return Ok(Flock(fd)),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Drop for Flock {
    fn drop(&mut self) {
        // The descriptor is a dup: closing it would not release the lock
        // while the original is open, so unlock explicitly.
        let _ = rustix::fs::flock(&self.0, FlockOperation::Unlock);
    }
}

impl Flock {
    /// The initialisation lock: on the store directory itself.
    pub(super) fn init(
        store: &StoreDir,
        _lock_file: Option<&LockFile>,
        exclusive: bool,
    ) -> std::io::Result<Flock> {
        Flock::take(store.fd(), exclusive)
    }

    /// A writer's turn: exclusive, on the lock file.
    pub(super) fn writer(lock_file: &LockFile) -> std::io::Result<Flock> {
        Flock::take(lock_file.as_fd(), true)
    }
}
