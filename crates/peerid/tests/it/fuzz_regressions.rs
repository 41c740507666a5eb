//! Replays every file under `fuzz/regressions/<target>/` through the entry
//! point of that fuzz target (built here without `cfg(fuzzing)`, so MACs are
//! checked and derivations run in full). Each must return, Ok or Err, without
//! panicking. A crash the fuzzer finds is fixed in the library and its input
//! added there (fuzz/README.md).

use crate::fuzz_entry;

use std::path::{Path, PathBuf};

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression files in {}",
        dir.display()
    );
    files
}

/// Runs `entry` on each file, naming the file if it panics. Files named
/// `ok-*` are valid inputs that must also be accepted: they show that the
/// seeds reach the end of the path being fuzzed.
fn replay(target: &str, entry: fn(&[u8]) -> peerid::Result<()>) {
    for path in regressions(target) {
        let data = std::fs::read(&path).expect("read regression file");
        let outcome = std::panic::catch_unwind(|| entry(&data));
        let Ok(result) = outcome else {
            panic!("{} panicked", path.display());
        };
        let must_pass = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("ok-"));
        if must_pass {
            assert!(result.is_ok(), "{}: {:?}", path.display(), result.err());
        }
    }
}

#[test]
fn export_document() {
    replay("export_document", fuzz_entry::export_document);
}

#[test]
fn pfx_decode() {
    replay("pfx_decode", fuzz_entry::pfx_decode);
}

#[test]
fn identity_info() {
    replay("identity_info", fuzz_entry::identity_info);
}

#[test]
fn peer_name() {
    replay("peer_name", |data| {
        fuzz_entry::peer_name(data);
        Ok(())
    });
}

/// Every committed fuzz vector the project made itself is what
/// `fuzz/vectors.py` makes, so the script stays the record of how each file
/// was made. Needs `python3` and `openssl`, like the interop tests.
#[test]
fn committed_vectors_are_what_fuzz_vectors_py_makes() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    crate::support::run("python3", &["fuzz/vectors.py", "--check"], &repo);
}
