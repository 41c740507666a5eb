//! The password prompt on a real pseudo-terminal (docs/design.md §7): a signal
//! at the prompt leaves the terminal exactly as it was (`stty -a` before
//! and after are the same), and Ctrl-C ends peerid by SIGINT, as a shell
//! expects (status 130). peerid runs as the session leader of a new pty
//! with nothing that repairs the terminal after it, as under dash or a
//! script. A small Python driver holds the pty (python3 is already needed
//! by the transfer tests).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic
#![cfg(target_os = "linux")]

use std::process::Command;

use crate::support::{ITERATIONS, Scratch};

/// argv: peerid, store, name, output file, action. Prints `stty -a` of the
/// pty before and after, the way peerid ended, and what it wrote on it.
const DRIVER: &str = r#"
import fcntl, json, os, select, signal, subprocess, sys, termios, time

peerid, store, name, out, action = sys.argv[1:6]
master, slave = os.openpty()

def stty():
    return subprocess.run(["stty", "-a"], stdin=slave, capture_output=True,
                          text=True, check=True).stdout

screen = b""
def read_until(text, timeout=20):
    global screen
    deadline = time.time() + timeout
    while text not in screen:
        left = deadline - time.time()
        r, _, _ = select.select([master], [], [], max(0, left))
        if not r:
            sys.exit("no %r on the terminal: %r" % (text, screen))
        screen += os.read(master, 4096)

def echo_off(timeout=20):
    deadline = time.time() + timeout
    while termios.tcgetattr(slave)[3] & termios.ECHO:
        if time.time() > deadline:
            sys.exit("echo never went off: %r" % screen)
        time.sleep(0.01)

before = stty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execv(peerid, [peerid, "--store", store, "export", name,
                      "--iterations", sys.argv[6], "-o", out])

read_until(b"New password")
echo_off()
if action == "ctrl-c":
    os.write(master, b"\x03")
elif action == "ctrl-backslash":
    os.write(master, b"\x1c")
elif action == "type-then-ctrl-c":
    os.write(master, b"half-typed")
    time.sleep(0.2)
    os.write(master, b"\x03")
elif action == "answer":
    os.write(master, b"tty-secret\n")
    read_until(b"Same password")
    echo_off()
    os.write(master, b"tty-secret\n")
else:
    os.kill(pid, getattr(signal, action))
_, status = os.waitpid(pid, 0)
after = stty()
# What is left to read is what peerid or the terminal wrote after the prompt.
os.set_blocking(master, False)
try:
    while True:
        chunk = os.read(master, 4096)
        if not chunk:
            break
        screen += chunk
except (BlockingIOError, OSError):
    pass
print(json.dumps({
    "before": before,
    "after": after,
    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "screen": screen.decode("utf-8", "replace"),
}))
"#;

struct Ended {
    before: String,
    after: String,
    signal: Option<i64>,
    code: Option<i64>,
    screen: String,
}

fn at_the_prompt(action: &str) -> (Scratch, std::path::PathBuf, Ended) {
    let s = Scratch::new();
    let store = s.path("store");
    let name = s.ok(&store, &["create"]).trim_end().to_owned();
    let out = s.path("typed.peerid");
    let result = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(crate::support::peerid_bin())
        .arg(&store)
        .arg(&name)
        .arg(&out)
        .arg(action)
        .arg(ITERATIONS)
        .env_remove("PEERID_STORE")
        .env("HOME", s.tmp.path())
        .output()
        .expect("python3 drives the pseudo-terminal");
    assert!(
        result.status.success(),
        "driver: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let text = |k: &str| v[k].as_str().unwrap().to_owned();
    let ended = Ended {
        before: text("before"),
        after: text("after"),
        signal: v["signal"].as_i64(),
        code: v["code"].as_i64(),
        screen: text("screen"),
    };
    (s, out, ended)
}

fn assert_terminal_as_it_was(action: &str, e: &Ended) {
    let flags: Vec<&str> = e.before.split_whitespace().collect();
    assert!(
        ["echo", "icanon", "isig"].iter().all(|f| flags.contains(f)),
        "the pty did not start sane: {}",
        e.before
    );
    assert_eq!(
        e.after, e.before,
        "after {action} at the prompt the terminal is not as it was"
    );
}

#[test]
fn ctrl_c_at_the_prompt_restores_the_terminal_and_ends_by_sigint() {
    for action in ["ctrl-c", "type-then-ctrl-c"] {
        let (_s, out, e) = at_the_prompt(action);
        assert_terminal_as_it_was(action, &e);
        // A shell reports 128 + 2 = 130.
        assert_eq!(
            e.signal,
            Some(2),
            "{action}: code {:?}, {}",
            e.code,
            e.screen
        );
        assert!(!out.exists());
        assert!(!e.screen.contains("half-typed"), "{}", e.screen);
    }
}

#[test]
fn sigterm_at_the_prompt_restores_the_terminal() {
    let (_s, out, e) = at_the_prompt("SIGTERM");
    assert_terminal_as_it_was("SIGTERM", &e);
    assert_eq!(e.signal, Some(15), "code {:?}, {}", e.code, e.screen);
    assert!(!out.exists());
}

/// Ctrl-\\ (VQUIT) is a key the user can press at the prompt as easily as
/// Ctrl-C: OpenSSH's readpassphrase catches SIGQUIT too (and SIGALRM,
/// SIGTTIN, SIGTTOU), so the terminal must come back with echo on.
#[test]
fn ctrl_backslash_at_the_prompt_restores_the_terminal() {
    let (_s, out, e) = at_the_prompt("ctrl-backslash");
    assert_terminal_as_it_was("Ctrl-\\ (SIGQUIT)", &e);
    assert_eq!(e.signal, Some(3), "code {:?}, {}", e.code, e.screen);
    assert!(!out.exists());
}

#[test]
fn sigalrm_at_the_prompt_restores_the_terminal() {
    let (_s, out, e) = at_the_prompt("SIGALRM");
    assert_terminal_as_it_was("SIGALRM", &e);
    assert_eq!(e.signal, Some(14), "code {:?}, {}", e.code, e.screen);
    assert!(!out.exists());
}

#[test]
fn sighup_at_the_prompt_restores_the_terminal() {
    let (_s, out, e) = at_the_prompt("SIGHUP");
    assert_terminal_as_it_was("SIGHUP", &e);
    assert_eq!(e.signal, Some(1), "code {:?}, {}", e.code, e.screen);
    assert!(!out.exists());
}

#[test]
fn a_typed_password_is_not_echoed_and_the_terminal_is_restored() {
    let (s, out, e) = at_the_prompt("answer");
    assert_terminal_as_it_was("answering", &e);
    assert_eq!(e.code, Some(0), "{}", e.screen);
    assert!(!e.screen.contains("tty-secret"), "echoed: {}", e.screen);
    let pw = s.path("typed-pw");
    std::fs::write(&pw, "tty-secret\n").unwrap();
    let other = s.path("other");
    s.ok(
        &other,
        &[
            "import",
            out.to_str().unwrap(),
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );
}

/// argv: peerid, store, name, output file, iterations. A job-control shell
/// in miniature: the session leader puts peerid in its own foreground
/// process group (so Ctrl-Z stops it, as under an interactive shell) and
/// tells the driver its pid. The driver presses Ctrl-Z at the prompt, takes
/// `stty -a` while peerid is stopped, continues it, and answers.
const TSTP_DRIVER: &str = r#"
import fcntl, json, os, select, signal, subprocess, sys, termios, time

peerid, store, name, out, iterations = sys.argv[1:6]
master, slave = os.openpty()
pid_r, pid_w = os.pipe()

def stty():
    return subprocess.run(["stty", "-a"], stdin=slave, capture_output=True,
                          text=True, check=True).stdout

screen = b""
def read_until(text, timeout=20):
    global screen
    deadline = time.time() + timeout
    while text not in screen:
        r, _, _ = select.select([master], [], [], max(0, deadline - time.time()))
        if not r:
            sys.exit("no %r on the terminal: %r" % (text, screen))
        screen += os.read(master, 4096)

def wait_for(what, test, timeout=20):
    deadline = time.time() + timeout
    while not test():
        if time.time() > deadline:
            sys.exit("%s never happened: %r" % (what, screen))
        time.sleep(0.01)

def echo_is_on():
    return bool(termios.tcgetattr(slave)[3] & termios.ECHO)

def state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]

before = stty()
leader = os.fork()
if leader == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execv(peerid, [peerid, "--store", store, "export", name,
                          "--iterations", iterations, "-o", out])
    try:
        # As a shell does, from both sides: the child may have exec'd
        # already (EACCES), having done it itself.
        os.setpgid(job, job)
    except PermissionError:
        pass
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(slave, job)
    os.write(pid_w, b"%d\n" % job)
    while True:
        _, status = os.waitpid(job, os.WUNTRACED)
        if not os.WIFSTOPPED(status):
            break
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 100 + os.WTERMSIG(status))

os.close(pid_w)
r, _, _ = select.select([pid_r], [], [], 20)
told = os.read(pid_r, 64) if r else b""
if not told:
    sys.exit("the session leader ended without starting peerid: %r"
             % (os.waitpid(leader, 0),))
job = int(told)
read_until(b"New password")
wait_for("echo off", lambda: not echo_is_on())
os.write(master, b"\x1a")
wait_for("the stop", lambda: state(job) == "T")
while_stopped = stty()
os.kill(job, signal.SIGCONT)
wait_for("echo off again", lambda: state(job) != "T" and not echo_is_on())
os.write(master, b"tty-secret\n")
read_until(b"Same password")
wait_for("echo off for the second prompt", lambda: not echo_is_on())
os.write(master, b"tty-secret\n")
_, status = os.waitpid(leader, 0)
print(json.dumps({
    "before": before,
    "while_stopped": while_stopped,
    "after": stty(),
    "code": os.WEXITSTATUS(status),
}))
"#;

#[test]
fn ctrl_z_at_the_prompt_restores_the_terminal_while_stopped() {
    let s = Scratch::new();
    let store = s.path("store");
    let name = s.ok(&store, &["create"]).trim_end().to_owned();
    let out = s.path("typed.peerid");
    let result = Command::new("python3")
        .arg("-c")
        .arg(TSTP_DRIVER)
        .arg(crate::support::peerid_bin())
        .arg(&store)
        .arg(&name)
        .arg(&out)
        .arg(ITERATIONS)
        .env_remove("PEERID_STORE")
        .env("HOME", s.tmp.path())
        .output()
        .expect("python3 drives the pseudo-terminal");
    assert!(
        result.status.success(),
        "driver: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(
        v["while_stopped"], v["before"],
        "stopped at the prompt with the terminal changed"
    );
    assert_eq!(v["after"], v["before"]);
    assert_eq!(v["code"], 0, "peerid did not finish after fg");
    assert!(out.exists());
}
