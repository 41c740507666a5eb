//! Threads through the C ABI sharing one store (docs/design.md §6 and §8):
//! sixteen threads meeting a store that does not exist yet all succeed,
//! 100 rounds in a row; thirty-two concurrent `PeerIdentityCreate` calls
//! wait in line (the store's process-wide writer lock) rather than in
//! SQLite's sleep-and-retry, the slowest finishing in under 2 s.
//!
//! The store is chosen by `PEERID_STORE`, which is process-wide: the test
//! runs alone in a child process (`support::run_alone`).

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::ptr;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use peerid_p2p::alloc::PeerFreeData;
use peerid_p2p::enumeration::{PeerEndEnumeration, PeerEnumIdentities, PeerGetItemCount};
use peerid_p2p::identity::{PeerIdentityCreate, PeerIdentityGetDefault};
use peerid_p2p::types::{HPEERENUM, HRESULT, PWSTR, S_OK};

const THREADS: usize = 16;
const ROUNDS: usize = 100;
const WRITERS: usize = 32;
/// The bound for the slowest of 32 concurrent creates.
const SLOWEST_CREATE: Duration = Duration::from_secs(2);

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

/// Takes a string the library returned, and frees it.
fn take(p: PWSTR) -> String {
    assert!(!p.is_null());
    let mut units = Vec::new();
    // SAFETY: the library returns NUL-terminated UTF-16 it allocated.
    unsafe {
        let mut q = p;
        while *q != 0 {
            units.push(*q);
            q = q.add(1);
        }
        PeerFreeData(p.cast());
    }
    String::from_utf16(&units).unwrap()
}

fn create(classifier: &str) -> (HRESULT, Duration) {
    let c = wide(classifier);
    let mut out: PWSTR = ptr::null_mut();
    let t = Instant::now();
    // SAFETY: valid NUL-terminated strings and a writable out-pointer.
    let hr = unsafe { PeerIdentityCreate(c.as_ptr(), ptr::null(), 0, &mut out) };
    let took = t.elapsed();
    if hr == S_OK {
        take(out);
    }
    (hr, took)
}

fn count() -> Result<u32, HRESULT> {
    let mut e: HPEERENUM = ptr::null_mut();
    // SAFETY: writable out-pointers.
    let hr = unsafe { PeerEnumIdentities(&mut e) };
    if hr != S_OK {
        return Err(hr);
    }
    let mut n = 0;
    // SAFETY: a live handle and a writable out-pointer.
    let hr = unsafe { PeerGetItemCount(e, &mut n) };
    PeerEndEnumeration(e);
    if hr == S_OK { Ok(n) } else { Err(hr) }
}

fn default() -> HRESULT {
    let mut out: PWSTR = ptr::null_mut();
    // SAFETY: a writable out-pointer.
    let hr = unsafe { PeerIdentityGetDefault(&mut out) };
    if hr == S_OK {
        take(out);
    }
    hr
}

/// A private scratch directory under the system's temporary directory,
/// removed at the end (no tempfile here: cbindgen is the crate's one
/// dev-dependency).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("peerid-ffi-threads-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        // Private whatever the umask: a group-writable directory above a
        // store is refused (DESIGN §6). On Windows the temporary folder is
        // the user's already.
        #[cfg(unix)]
        std::fs::set_permissions(&dir, PermissionsExt::from_mode(0o700)).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn threads_share_a_store_through_the_c_abi() {
    if !crate::support::run_alone("threads::threads_share_a_store_through_the_c_abi") {
        return;
    }
    let tmp = Scratch::new();
    let store = tmp.0.join("store");
    // SAFETY: set before this test starts any thread, and this process runs
    // no other test that could read the environment meanwhile (`run_alone`).
    unsafe { std::env::set_var("PEERID_STORE", &store) };

    for round in 0..ROUNDS {
        let _ = std::fs::remove_dir_all(&store);
        let start = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|i| {
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    match i % 4 {
                        0 | 1 => create(&format!("t{i}")).0,
                        2 => count().err().unwrap_or(S_OK),
                        _ => default(),
                    }
                })
            })
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            let hr = t.join().unwrap();
            assert_eq!(hr, S_OK, "round {round}, thread {i}: HRESULT {hr:#010x}");
        }
        assert_eq!(count(), Ok(THREADS as u32 / 2 + 1), "round {round}");
    }

    let _ = std::fs::remove_dir_all(&store);
    assert_eq!(count(), Ok(0));
    let start = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|i| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                create(&format!("w{i}"))
            })
        })
        .collect();
    let mut times: Vec<Duration> = threads
        .into_iter()
        .map(|t| {
            let (hr, took) = t.join().unwrap();
            assert_eq!(hr, S_OK, "HRESULT {hr:#010x}");
            took
        })
        .collect();
    times.sort();
    let slowest = times[WRITERS - 1];
    eprintln!(
        "threads: {ROUNDS} rounds of {THREADS} threads on a new store all succeeded; \
         {WRITERS} concurrent creates: median {:?}, slowest {slowest:?}",
        times[WRITERS / 2]
    );
    assert_eq!(count(), Ok(WRITERS as u32));
    assert!(
        slowest < SLOWEST_CREATE,
        "the slowest of {WRITERS} concurrent creates took {slowest:?}"
    );
}
