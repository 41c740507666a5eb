//! The store's locks on Windows: one byte each of the lock file, locked
//! with `LockFileEx` (a directory cannot be locked there). Byte 0 is the
//! writers' turn, byte 1 the initialisation lock that Unix takes on the
//! directory. The lock file is never read or written, so the locks being
//! mandatory on Windows gets in no one's way.

use std::fs::File;
use std::io;

use super::super::acl;
use super::super::path::{LockFile, StoreDir};

const WRITER_BYTE: u64 = 0;
const INIT_BYTE: u64 = 1;

/// A lock held until dropped, on its own duplicate of the lock file's
/// handle (the same file object, so the same lock); `None` where there is
/// no lock file (a read-only volume: nobody writes there, nobody waits).
pub(crate) struct Flock(Option<(File, u64)>);

impl Flock {
    fn take(file: &LockFile, offset: u64, exclusive: bool) -> io::Result<Flock> {
        let file = file.try_clone()?;
        acl::lock_byte(&file, offset, exclusive)?;
        Ok(Flock(Some((file, offset))))
    }

    /// The initialisation lock.
    pub(super) fn init(
        _store: &StoreDir,
        lock_file: Option<&LockFile>,
        exclusive: bool,
    ) -> io::Result<Flock> {
        match lock_file {
            Some(f) => Flock::take(f, INIT_BYTE, exclusive),
            None => Ok(Flock(None)),
        }
    }

    /// A writer's turn: exclusive.
    pub(super) fn writer(lock_file: &LockFile) -> io::Result<Flock> {
        Flock::take(lock_file, WRITER_BYTE, true)
    }
}

impl Drop for Flock {
    fn drop(&mut self) {
        if let Some((file, offset)) = &self.0 {
            // Closing the duplicate would not release it while the
            // original is open, so unlock explicitly.
            let _ = acl::unlock_byte(file, *offset);
        }
    }
}
