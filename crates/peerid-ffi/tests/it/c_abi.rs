//! The C test: `tests/c/test_p2p.c` compiled against `include/p2p.h` exactly
//! as a Windows program would be (`cc -Wall -Werror -std=c11`), linked with
//! the `libpeerid_p2p.so` that cargo built beside this test binary (the
//! library's cdylib, built once with the rlib these tests use), run, then
//! run again under valgrind: no invalid reads or writes, no definite leaks
//! (about a minute, most of it the 600,000-iteration export).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::one_at_a_time;

/// The directory of this test binary, where cargo puts the library's
/// cdylib and staticlib when it builds the library for the tests.
pub(crate) fn libdir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().to_path_buf();
    assert!(
        dir.join("libpeerid_p2p.so").is_file(),
        "no libpeerid_p2p.so beside the test binary in {}",
        dir.display()
    );
    dir
}

pub(crate) fn show(what: &str, out: &Output) {
    println!("== {what}: {}", out.status);
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}

/// Scratch space under cargo's per-target temporary directory, removed at
/// the end.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    /// A new empty scratch directory named after `what` and this process.
    pub(crate) fn new(what: &str) -> Scratch {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{what}.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

/// Compiles `tests/c/<source>` against `include/p2p.h` as a Windows
/// program would be, linked with the library's cdylib, into `exe`.
pub(crate) fn compile(source: &str, exe: &Path) {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cc = Command::new("cc")
        .args(["-Wall", "-Werror", "-std=c11", "-pthread", "-I"])
        .arg(crate_dir.join("include"))
        .arg(crate_dir.join("tests/c").join(source))
        .arg("-L")
        .arg(libdir())
        .args(["-lpeerid_p2p", "-o"])
        .arg(exe)
        .output()
        .expect("cc runs (test.sh installs gcc)");
    show(&format!("compile tests/c/{source}"), &cc);
    assert!(cc.status.success(), "tests/c/{source} does not compile");
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "builds with cc and runs valgrind on the Linux library; on Windows scripts/windows.sh compiles test_p2p.c with mingw and runs it under Wine"
)]
fn the_c_test_passes_natively_and_under_valgrind() {
    let libdir = libdir();
    let scratch = Scratch::new("c_abi");
    let exe = scratch.0.join("test_p2p");
    compile("test_p2p.c", &exe);

    one_at_a_time(|| {
        let run = Command::new(&exe)
            .env("LD_LIBRARY_PATH", &libdir)
            .output()
            .unwrap();
        show("run", &run);
        assert!(run.status.success(), "the C test failed");

        let valgrind = Command::new("valgrind")
            .args([
                "--quiet",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--error-exitcode=1",
            ])
            .arg(&exe)
            .env("LD_LIBRARY_PATH", &libdir)
            .output()
            .expect("valgrind runs (test.sh installs it)");
        show("run under valgrind", &valgrind);
        assert!(
            valgrind.status.success(),
            "the C test failed under valgrind"
        );
    });
}
