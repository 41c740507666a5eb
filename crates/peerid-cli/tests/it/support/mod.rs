//! What the reliability harnesses share: a scratch directory with a
//! password file, the real `peerid` binary, a seeded RNG, and the check
//! that a store is whole (every identity it lists shows, has its XML,
//! exports and imports elsewhere).

pub mod env;
// On Windows most of it is for the tests that run openssl, which are
// Unix-only there.
#[cfg_attr(windows, allow(dead_code))]
pub mod interop;
pub mod running;
pub mod seal;
#[cfg(unix)]
pub mod strace;
pub mod terminal;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};

use peerid::ExportParams;
use peerid::{Error, PeerName};
use peerid::{ImportOptions, Store};
use secrecy::SecretString;

pub const PASSWORD: &str = "correct horse";

/// Iterations of the exports the harnesses make: low, so a round is cheap.
pub const ITERATIONS: &str = "1000";

pub struct Scratch {
    pub tmp: tempfile::TempDir,
    pub pw: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        let tmp = tempfile::tempdir().unwrap();
        let pw = tmp.path().join("pw");
        fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
        Scratch { tmp, pw }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `peerid --store STORE` with a clean environment.
    pub fn cmd(&self, store: &Path) -> Command {
        let mut c = Command::new(peerid_bin());
        // No passphrase from the caller's environment, and no way to the
        // caller's OS keyring: the keyring tests start a Secret Service of
        // their own.
        c.env_remove("PEERID_STORE")
            .env_remove("PEERID_PASSPHRASE_FILE")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .env("HOME", self.tmp.path())
            .env("RUST_BACKTRACE", "0")
            .arg("--store")
            .arg(store);
        c
    }

    pub fn run(&self, store: &Path, args: &[&str]) -> Output {
        self.cmd(store).args(args).output().unwrap()
    }

    pub fn ok(&self, store: &Path, args: &[&str]) -> String {
        let out = self.run(store, args);
        assert!(
            out.status.success(),
            "peerid {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The arguments of an import of `doc` with the scratch password.
    pub fn import_args<'a>(&'a self, doc: &'a Path) -> Vec<&'a str> {
        vec![
            "import",
            doc.to_str().unwrap(),
            "--password-file",
            self.pw.to_str().unwrap(),
        ]
    }

    /// Creates `count` identities in a source store and exports each to a
    /// file: (peer name, document path).
    pub fn make_documents(&self, count: usize) -> Vec<(String, PathBuf)> {
        let source = self.path("source");
        (0..count)
            .map(|i| {
                let classifier = format!("doc{i}");
                let name = self.ok(&source, &["create", "--classifier", &classifier]);
                let name = name.trim().to_owned();
                let doc = self.path(&format!("doc{i}.xml"));
                self.ok(
                    &source,
                    &[
                        "export",
                        &name,
                        "-o",
                        doc.to_str().unwrap(),
                        "--iterations",
                        ITERATIONS,
                        "--password-file",
                        self.pw.to_str().unwrap(),
                    ],
                );
                (name, doc)
            })
            .collect()
    }
}

pub fn peerid_bin() -> &'static str {
    env!("CARGO_BIN_EXE_peerid")
}

pub fn password() -> SecretString {
    SecretString::from(PASSWORD.to_owned())
}

/// The listed peer names of a store, through the library.
pub fn names(store: &Store) -> Vec<PeerName> {
    store
        .list()
        .unwrap()
        .into_iter()
        .map(|s| s.peer_name)
        .collect()
}

/// Checks that the store at `dir` opens and that every identity it lists is
/// whole: show, xml and export agree it is there, and the export imports
/// into a fresh store as the same identity. Returns the names.
pub fn assert_whole(dir: &Path, scratch: &Path) -> Vec<PeerName> {
    let store = Store::open(dir).unwrap_or_else(|e| panic!("the store does not open: {e}"));
    store.check_integrity().unwrap();
    let listed = names(&store);
    let _ = fs::remove_dir_all(scratch);
    let other = Store::open(scratch).unwrap();
    let params = ExportParams {
        iterations: 1,
        ..ExportParams::default()
    };
    for name in &listed {
        let shown = store
            .show(name)
            .unwrap_or_else(|e| panic!("{name} listed, show says {e}"));
        assert_eq!(&shown.peer_name, name);
        store
            .info_xml(Some(name))
            .unwrap_or_else(|e| panic!("{name} listed, xml says {e}"));
        let doc = store
            .export(name, &password(), &params)
            .unwrap_or_else(|e| panic!("{name} listed, export says {e}"));
        let back = other
            .import(doc.as_bytes(), &password(), &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{name} exports, but its export does not import: {e}"));
        assert_eq!(&back, name);
    }
    listed
}

/// Whether the identity is absent by every account (show, xml, export).
pub fn absent_everywhere(store: &Store, name: &PeerName) -> bool {
    let params = ExportParams {
        iterations: 1,
        ..ExportParams::default()
    };
    let show = matches!(store.show(name), Err(Error::NotFound { .. }));
    let xml = matches!(store.info_xml(Some(name)), Err(Error::NotFound { .. }));
    let export = matches!(
        store.export(name, &password(), &params),
        Err(Error::NotFound { .. })
    );
    assert!(
        show == xml && xml == export,
        "{name}: show, xml and export disagree on whether it exists"
    );
    show && !names(store).contains(name)
}

/// A small seeded generator (SplitMix64): the seed is printed so a failing
/// run can be repeated with `PEERID_TEST_SEED=<seed>`.
pub struct Rng(u64);

impl Rng {
    pub fn from_env(test: &str) -> Rng {
        let seed = std::env::var("PEERID_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: seed {seed} (repeat with PEERID_TEST_SEED={seed})");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The rounds a round-by-round harness runs: `var` from the environment
/// when it holds a number, else `default`.
pub fn rounds(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Panics if a run panicked: exit 101 or "panicked" on stderr.
pub fn assert_no_panic(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() != Some(101) && !stderr.contains("panicked"),
        "{what} panicked: {stderr}"
    );
}

/// A scratch directory on tmpfs (/dev/shm) where there is one. Not on
/// Windows: under Wine /dev/shm is Z:\dev\shm, writable by Everyone, and
/// the store refuses such a parent; %TEMP% is the user's own there.
pub fn tmpfs_tempdir() -> tempfile::TempDir {
    #[cfg(not(windows))]
    if let Ok(d) = tempfile::tempdir_in("/dev/shm") {
        return d;
    }
    tempfile::tempdir().unwrap()
}

/// Kills `child` at once and reaps it: SIGKILL on Unix; on Windows
/// `TerminateProcess` with an exit code of its own, [`KILLED`] (std's
/// `Child::kill` uses 1 there, which `peerid` also exits with on an error,
/// so a kill could not be told from a failure). Returns whether this killed
/// it, and its status: when it had already exited, the status is its own.
pub fn kill_now(child: &mut Child) -> (bool, ExitStatus) {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        let _ = child.kill(); // harmless if it already exited
        let status = child.wait().unwrap();
        (status.signal() == Some(9), status)
    }
    #[cfg(windows)]
    {
        terminate(child);
        let status = child.wait().unwrap();
        (status.code() == Some(KILLED as i32), status)
    }
}

/// `TerminateProcess(child, KILLED)`; if it already exited, the call fails
/// and changes nothing.
#[cfg(windows)]
#[allow(unsafe_code)]
fn terminate(child: &Child) {
    use std::os::windows::io::AsRawHandle;
    // SAFETY: the handle is the child's process handle, open until `child`
    // is dropped, and the call reads nothing else.
    unsafe {
        windows_sys::Win32::System::Threading::TerminateProcess(child.as_raw_handle(), KILLED);
    }
}

/// The exit code [`kill_now`] gives a process it kills on Windows.
#[cfg(windows)]
pub const KILLED: u32 = 0xC0DE_0009;
