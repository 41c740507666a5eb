//! `export -o FILE` (docs/design.md §7): the whole file or nothing, what is not
//! a regular file written through and never replaced, the store's own
//! files refused, no file peerid did not create ever removed, nothing left
//! behind after SIGINT, SIGTERM or SIGHUP; and the empty-password rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic
#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::strace::{child_of, wait_for_held_stop};
use crate::support::{ITERATIONS, Scratch};

struct Env {
    s: Scratch,
    store: PathBuf,
    name: String,
}

impl Env {
    fn new() -> Env {
        let s = Scratch::new();
        let store = s.path("store");
        let name = s.ok(&store, &["create"]).trim_end().to_owned();
        Env { s, store, name }
    }

    /// `peerid export NAME -o out --password-file pw`, plus `extra`.
    fn export_to(&self, out: &Path, extra: &[&str]) -> Command {
        let mut c = self.s.cmd(&self.store);
        c.args(["export", &self.name, "--iterations", ITERATIONS, "-o"])
            .arg(out)
            .arg("--password-file")
            .arg(&self.s.pw)
            .args(extra);
        c
    }

    fn import_ok(&self, doc: &Path) {
        let other = self.s.path("other-store");
        let _ = fs::remove_dir_all(&other);
        let got = self.s.ok(&other, &self.s.import_args(doc));
        assert_eq!(got.trim_end(), self.name);
    }
}

/// The names in `dir`.
fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_fifo_is_written_through_not_replaced() {
    let env = Env::new();
    let fifo = env.s.path("pipe");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    // A reader that is already there, non-blocking: the export (a few KB)
    // fits in the pipe, so peerid needs nobody to read while it writes.
    let reader = rustix::fs::open(
        &fifo,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let out = env.export_to(&fifo, &[]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
        "the FIFO was replaced by a regular file"
    );
    let mut doc = vec![0u8; 64 * 1024];
    let n = rustix::io::read(&reader, &mut doc).unwrap_or(0);
    assert!(n > 0, "nothing came through the FIFO");
    let copy = env.s.path("through-fifo.xml");
    fs::write(&copy, &doc[..n]).unwrap();
    env.import_ok(&copy);
}

#[test]
fn dev_fd_and_dev_stdout_are_the_redirection_the_shell_made() {
    let env = Env::new();
    for target in ["/dev/fd/1", "/dev/stdout", "/proc/self/fd/1"] {
        // stdout is a pipe here, then a regular file the "shell" opened.
        let out = env.export_to(Path::new(target), &[]).output().unwrap();
        assert!(out.status.success(), "-o {target}: {}", stderr(&out));
        assert!(
            out.stdout.starts_with(b"<PEERIDENTITYEXPORT"),
            "-o {target} did not reach stdout: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        let redirected = env.s.path("redirected.xml");
        let file = fs::File::create(&redirected).unwrap();
        let status = env
            .export_to(Path::new(target), &[])
            .stdout(Stdio::from(file))
            .status()
            .unwrap();
        assert!(status.success(), "-o {target} > file");
        env.import_ok(&redirected);
    }
    assert!(
        fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// `-o /dev/fd/3` with `3>>log`: added to the end, as the shell set it up.
#[test]
fn a_descriptor_opened_for_appending_is_appended_to() {
    let env = Env::new();
    let log = env.s.path("log");
    fs::write(&log, "kept\n").unwrap();
    let c = env.export_to(Path::new("/dev/fd/3"), &[]);
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"log="$1"; shift; exec "$@" 3>>"$log""#)
        .arg("sh")
        .arg(&log)
        .arg(c.get_program())
        .args(c.get_args())
        .env_remove("PEERID_STORE")
        .env("HOME", env.s.tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(&log).unwrap();
    let doc = text
        .strip_prefix("kept\n")
        .expect("the log's first line was overwritten");
    assert!(doc.starts_with("<PEERIDENTITYEXPORT"), "{text}");
}

#[test]
fn a_character_device_is_written_through() {
    let env = Env::new();
    let out = env.export_to(Path::new("/dev/null"), &[]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let null = fs::metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device());
    assert_eq!(null.rdev(), rustix::fs::makedev(1, 3));
}

#[test]
fn the_stores_own_files_are_refused() {
    let env = Env::new();
    let db = env.store.join("peerid.sqlite3");
    let link = env.s.path("looks-harmless");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let db_before = fs::read(&db).unwrap();
    let listing_before = listing(&env.store);
    assert!(listing_before.contains("peerid.sqlite3"));
    let mut targets: Vec<PathBuf> = ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| env.store.join(format!("peerid.sqlite3{suffix}")))
        .collect();
    targets.push(env.store.join("peerid.lock"));
    targets.push(link);
    for target in &targets {
        let out = env.export_to(target, &[]).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(5),
            "-o {}: {}",
            target.display(),
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("store's own files"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(fs::read(&db).unwrap(), db_before);
    assert_eq!(listing(&env.store), listing_before);
    let shown = env.s.ok(&env.store, &["show", &env.name]);
    assert!(shown.contains(&env.name));
}

/// Before, a `.NAME.PID.tmp` already there made the export fail and was then
/// deleted. The shell writes that very name with its own PID and then execs
/// peerid, which keeps the PID.
#[test]
fn a_file_peerid_did_not_create_is_never_removed() {
    let env = Env::new();
    let dir = env.s.path("out");
    fs::create_dir(&dir).unwrap();
    for no_tmpfile in [false, true] {
        let out = dir.join("id.peerid");
        // The second round writes over the first's file.
        let c = env.export_to(&out, &["--force"]);
        let program = c.get_program().to_owned();
        let args: Vec<_> = c.get_args().map(ToOwned::to_owned).collect();
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(r#"cd "$1" && echo not-peerids > ".id.peerid.$$.tmp" && shift && exec "$@""#)
            .arg("sh")
            .arg(&dir)
            .arg(program)
            .args(args)
            .envs(c.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
        for (k, v) in c.get_envs() {
            if v.is_none() {
                sh.env_remove(k);
            }
        }
        if no_tmpfile {
            sh.env("PEERID_NO_O_TMPFILE", "1");
        }
        let result = sh.output().unwrap();
        assert!(result.status.success(), "{}", stderr(&result));
        let decoys: Vec<_> = listing(&dir)
            .into_iter()
            .filter(|n| n.starts_with(".id.peerid.") && n.ends_with(".tmp"))
            .collect();
        assert_eq!(decoys.len(), if no_tmpfile { 2 } else { 1 }, "{decoys:?}");
        for d in decoys {
            assert_eq!(fs::read_to_string(dir.join(d)).unwrap(), "not-peerids\n");
        }
        env.import_ok(&out);
    }
}

/// An export to a new file makes no other name in the directory, ever:
/// inotify sees every name created there.
#[test]
fn a_new_file_appears_whole_under_its_own_name_only() {
    use rustix::fs::inotify;
    let env = Env::new();
    let dir = env.s.path("out");
    fs::create_dir(&dir).unwrap();
    let watch = inotify::init(inotify::CreateFlags::NONBLOCK).unwrap();
    inotify::add_watch(
        &watch,
        &dir,
        inotify::WatchFlags::CREATE | inotify::WatchFlags::MOVED_TO,
    )
    .unwrap();
    let out = dir.join("new.peerid");
    let result = env.export_to(&out, &[]).output().unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
    let mut names = Vec::new();
    let mut buf = [std::mem::MaybeUninit::uninit(); 4096];
    let mut reader = inotify::Reader::new(&watch, &mut buf);
    while let Ok(event) = reader.next() {
        names.push(event.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(names, ["new.peerid"], "names created in the directory");
    assert_eq!(fs::metadata(&out).unwrap().mode() & 0o777, 0o600);
    env.import_ok(&out);
}

/// A signal while the file is being written: strace (--seccomp-bpf, so it
/// stops nothing else) holds the first fsync, which comes after the
/// document is written and before it is named or renamed, for two seconds;
/// the signal is sent in that window. Nothing may be left in the directory
/// but what was there, and peerid must die by that signal.
fn signal_while_writing(signal: i32, no_tmpfile: bool, target_exists: bool) {
    let env = Env::new();
    let dir = env.s.path("out");
    fs::create_dir(&dir).unwrap();
    let out = dir.join("id.peerid");
    if target_exists {
        fs::write(&out, "the old export\n").unwrap();
    }
    let before = listing(&dir);
    // Over an existing file, --force; a new file is linked in where nothing
    // is (the path that keeps an existing one).
    let extra: &[&str] = if target_exists { &["--force"] } else { &[] };
    let peerid = env.export_to(&out, extra);
    let mut c = Command::new("strace");
    c.args([
        "-f",
        "-qq",
        "--seccomp-bpf",
        "-o",
        "/dev/null",
        "-e",
        "trace=fsync",
        "-e",
        "inject=fsync:delay_enter=2s:when=1",
        "--",
    ])
    .arg(peerid.get_program())
    .args(peerid.get_args())
    .env_remove("PEERID_STORE")
    .env("HOME", env.s.tmp.path())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    if no_tmpfile {
        c.env("PEERID_NO_O_TMPFILE", "1");
    }
    let mut strace = c
        .spawn()
        .expect("strace is needed to hold an export in the middle of its write");
    let pid = child_of(strace.id());
    wait_for_held_stop(pid);
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::from_named_raw(signal).unwrap(),
    )
    .unwrap();
    let status = strace.wait().unwrap();
    // strace ends itself by the signal that ended its tracee.
    assert_eq!(status.signal(), Some(signal), "{status:?}");
    assert_eq!(listing(&dir), before, "left behind after signal {signal}");
    if target_exists {
        assert_eq!(fs::read_to_string(&out).unwrap(), "the old export\n");
    }
}

#[test]
fn sigint_while_writing_leaves_nothing() {
    signal_while_writing(rustix::process::Signal::INT.as_raw(), false, false);
}

#[test]
fn sigterm_while_writing_leaves_nothing() {
    signal_while_writing(rustix::process::Signal::TERM.as_raw(), false, true);
}

#[test]
fn sighup_while_writing_leaves_nothing() {
    signal_while_writing(rustix::process::Signal::HUP.as_raw(), false, false);
}

#[test]
fn signals_while_writing_a_named_temporary_leave_nothing() {
    for signal in [
        rustix::process::Signal::INT,
        rustix::process::Signal::TERM,
        rustix::process::Signal::HUP,
    ] {
        signal_while_writing(
            signal.as_raw(),
            true,
            signal == rustix::process::Signal::TERM,
        );
    }
}

#[test]
fn an_empty_password_is_refused_unless_empty_password_says_so() {
    let env = Env::new();
    let empty = env.s.path("empty-pw");
    fs::write(&empty, "\n").unwrap();
    let out_file = env.s.path("empty.peerid");
    let export = |pw: Option<&Path>, extra: &[&str]| {
        let mut c = env.s.cmd(&env.store);
        c.args(["export", &env.name, "--iterations", ITERATIONS, "-o"])
            .arg(&out_file)
            .args(extra)
            .stdin(Stdio::null());
        if let Some(pw) = pw {
            c.arg("--password-file").arg(pw);
        }
        c.output().unwrap()
    };

    let out = export(Some(&empty), &[]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--empty-password"),
        "{}",
        stderr(&out)
    );
    let out = env
        .s
        .cmd(&env.store)
        .args(["export", &env.name, "--password-env", "PEERID_TEST_EMPTY"])
        .env("PEERID_TEST_EMPTY", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "an empty-password export was printed"
    );
    assert!(!out_file.exists());

    let out = export(Some(&empty), &["--empty-password"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let other = env.s.path("other-store");
    let args = [
        "import",
        out_file.to_str().unwrap(),
        "--password-file",
        empty.to_str().unwrap(),
    ];
    assert_eq!(env.s.ok(&other, &args).trim_end(), env.name);

    // With no source, --empty-password asks for nothing.
    fs::remove_file(&out_file).unwrap();
    let out = export(None, &["--empty-password"]);
    assert!(out.status.success(), "{}", stderr(&out));
    fs::remove_dir_all(&other).unwrap();
    assert_eq!(env.s.ok(&other, &args).trim_end(), env.name);

    // A password that is not empty, with --empty-password, is a mistake.
    let out = export(Some(&env.s.pw), &["--empty-password"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
}

/// `-o /tmp/x.peerid` where another local user made `/tmp/x.peerid` a FIFO
/// first: written through, the export goes to that user (and with
/// `--empty-password`, the key in the clear). A regular file of theirs in
/// the same place is safe (the rename over it fails in a sticky directory),
/// so the FIFO must be too: a special file is written through only when it
/// belongs to root or to the user (as `fs.protected_fifos=2` would insist
/// for an O_CREAT open, which peerid does not make).
#[test]
fn a_fifo_another_user_planted_in_a_sticky_directory_is_refused() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to make a FIFO owned by another user");
        return;
    }
    const NOBODY: u32 = 65534;
    let env = Env::new();
    let shared = env.s.path("shared-tmp");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(
        &shared,
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    let fifo = shared.join("laptop.peerid");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o622),
        0,
    )
    .unwrap();
    std::os::unix::fs::lchown(&fifo, Some(NOBODY), Some(NOBODY)).unwrap();
    // The other user's reader, waiting.
    let reader = rustix::fs::open(
        &fifo,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let out = env.export_to(&fifo, &[]).output().unwrap();
    let mut doc = vec![0u8; 64 * 1024];
    let n = rustix::io::read(&reader, &mut doc).unwrap_or(0);
    assert_eq!(
        n,
        0,
        "the export went into user {NOBODY}'s FIFO ({n} bytes: {:?}); peerid said {}",
        String::from_utf8_lossy(&doc[..n.min(60)]),
        stderr(&out)
    );
    assert!(!out.status.success());
}
