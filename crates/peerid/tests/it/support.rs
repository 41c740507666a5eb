//! Helpers every topic of the integration tests shares, written once: the
//! vendored Windows vectors, temporary directories, passwords, and running
//! the external tools (`openssl`, `python3`) the interop tests check us
//! against. External tools are required: a test fails, never skips, when
//! one is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secrecy::SecretString;

/// The PFX files made by Windows, vendored in `tests/vectors/windows` (see
/// the README there for each file's origin and password).
pub fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/windows");
    assert!(
        dir.is_dir(),
        "the Windows PFX fixtures are missing: expected them in {}",
        dir.display()
    );
    dir
}

/// A fresh temporary directory, removed when dropped: every store a test
/// opens lives in one, never in the user's real store.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A password.
pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Runs `program args...` in `dir` and returns its output; panics, with
/// its stdout and stderr, unless it ran and succeeded.
pub fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| {
        panic!("cannot run `{program}` ({e}); these interoperability tests need it installed and on PATH")
    });
    assert!(
        out.status.success(),
        "`{program} {}` failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `openssl args...` in `dir` (see [`run`]).
pub fn openssl(args: &[&str], dir: &Path) -> Output {
    run("openssl", args, dir)
}

/// [`openssl`]'s stdout as text.
pub fn openssl_text(args: &[&str], dir: &Path) -> String {
    String::from_utf8(openssl(args, dir).stdout).expect("openssl printed UTF-8")
}
