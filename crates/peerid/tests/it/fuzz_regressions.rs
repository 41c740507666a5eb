//! The fuzz vectors. The replay of every file under `fuzz/regressions/`
//! through the fuzz targets' entry points is a unit test of the library
//! (`src/fuzz.rs`, `fuzz::regressions`), where those entry points live.

use std::path::Path;

/// Every committed fuzz vector the project made itself is what
/// `fuzz/vectors.py` makes, so the script stays the record of how each file
/// was made. Needs `python3` and `openssl`, like the interop tests.
#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn committed_vectors_are_what_fuzz_vectors_py_makes() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    crate::support::run("python3", &["fuzz/vectors.py", "--check"], &repo);
}
