//! What the tests of this binary share: running a test alone in a process.

use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Set in the child process to the name of the one test it runs.
const ALONE: &str = "PEERID_FFI_TEST_ALONE";

/// One child at a time: the children are the timed or heavy tests (a wall
/// clock bound on 32 concurrent creates, a CPU-time bound, a C program under
/// valgrind), which ran one after the other when each was its own binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs the test `name` (its path in this binary, `module::function`) alone
/// in a child process of this binary, so that what it does to the process
/// (`PEERID_STORE`, the process's CPU clock) meets no other test.
///
/// Returns `true` in the child, where the caller goes on with the test's
/// body; in the parent it waits for the child, fails if the child failed or
/// did not run exactly that test, and returns `false`.
pub fn run_alone(name: &str) -> bool {
    if std::env::var_os(ALONE).is_some_and(|n| n == name) {
        return true;
    }
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, name)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "{name}, alone in a child process, failed"
    );
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{name}: the child process did not run exactly that test"
    );
    false
}

/// Runs a heavy command (the C test, valgrind) while no child test runs.
pub fn one_at_a_time<T>(f: impl FnOnce() -> T) -> T {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f()
}
