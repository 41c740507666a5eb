//! The handle registries: what an `HPEERENUM` or an `HCRYPTPROV` stands for.
//!
//! A handle is a random non-zero 64-bit value (on 64-bit targets), never a
//! pointer: it is only ever looked up in a Mutex'd map, so a bogus, forged or
//! already released handle is an error, not undefined behaviour, and handles
//! are hard to guess across an enumeration.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use peerid::PrivateKey;

use crate::types::{E_FAIL, HRESULT};

/// A map from handle values to what they stand for.
#[derive(Debug)]
pub struct Registry<T> {
    map: Mutex<BTreeMap<usize, T>>,
}

impl<T> Registry<T> {
    /// An empty registry (usable in a `static`).
    pub const fn new() -> Self {
        Registry {
            map: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, T>> {
        // A panic while the lock was held cannot have left the map half
        // updated (every change is one insert or remove), so carry on.
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers `value` under a new handle.
    ///
    /// # Errors
    /// `E_FAIL` if the system random number generator fails.
    pub fn insert(&self, value: T) -> Result<usize, HRESULT> {
        let mut map = self.lock();
        loop {
            let h = getrandom::u64().map_err(|_| E_FAIL)? as usize;
            if h != 0 && !map.contains_key(&h) {
                map.insert(h, value);
                return Ok(h);
            }
        }
    }

    /// Runs `f` on the value of handle `h`; `None` for an unknown handle.
    pub fn with<R>(&self, h: usize, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.lock().get_mut(&h).map(f)
    }

    /// Removes handle `h`; `None` if it is unknown (never issued, or already
    /// released).
    pub fn remove(&self, h: usize) -> Option<T> {
        self.lock().remove(&h)
    }
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// An open enumeration: a snapshot of (peer name, friendly name) pairs taken
/// when it was opened, and how far the caller has read.
#[derive(Debug, Default)]
pub struct Enumeration {
    /// Every item, in order.
    pub items: Vec<(String, String)>,
    /// Index of the next item `PeerGetNextItem` returns.
    pub next: usize,
}

/// Open `HPEERENUM`s.
pub static ENUMERATIONS: Registry<Enumeration> = Registry::new();

/// Open `HCRYPTPROV`s: the private key of an identity, held until
/// `CryptReleaseContext` (it is wiped when the last user drops it).
pub static KEYS: Registry<Arc<PrivateKey>> = Registry::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_unique_and_released_once() {
        let r: Registry<u32> = Registry::new();
        let a = r.insert(1).expect("rng");
        let b = r.insert(2).expect("rng");
        assert_ne!(a, 0);
        assert_ne!(a, b);
        assert_eq!(r.with(a, |v| *v), Some(1));
        assert_eq!(r.remove(a), Some(1));
        assert_eq!(r.remove(a), None);
        assert_eq!(r.with(a, |v| *v), None);
        assert_eq!(r.with(12345, |v| *v), None);
        assert_eq!(r.remove(b), Some(2));
    }
}
