//! Secret hygiene of the command line: no option takes a password (other
//! users can read arguments in `ps` and /proc), and on Linux the commands
//! that hold a key or a password mark themselves not dumpable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::process::Command;

use crate::support::{Scratch, peerid_bin};

fn help(args: &[&str]) -> String {
    let out = Command::new(peerid_bin())
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "peerid {args:?} --help");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands `peerid --help` lists (but `help`).
fn commands() -> Vec<String> {
    help(&[])
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A command's line is indented two spaces; a wrapped description more.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect()
}

#[test]
fn no_option_takes_a_password() {
    let cmds = commands();
    assert!(cmds.len() >= 10, "{cmds:?}");
    let mut options = 0;
    // The store's subcommands too: they are where passphrases are set.
    let mut all: Vec<Vec<String>> = vec![vec![]];
    all.extend(cmds.iter().map(|c| vec![c.clone()]));
    for sub in ["seal", "unseal", "passphrase", "status"] {
        all.push(vec!["store".into(), sub.into()]);
    }
    for cmd in &all {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let text = help(&args);
        for line in text
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with('-'))
        {
            options += 1;
            let spec = line.split("  ").next().unwrap();
            let lower = spec.to_lowercase();
            if lower.contains("pass") || lower.contains("secret") || lower.contains("pw") {
                // --empty-password is a switch: it takes no value; the
                // passphrase options name a file.
                assert!(
                    spec == "--password-file <FILE>"
                        || spec == "--password-env <VAR>"
                        || spec == "--empty-password"
                        || spec == "--passphrase-file <FILE>"
                        || spec == "--new-passphrase-file <FILE>",
                    "peerid {cmd:?}: option {spec:?} may take a password"
                );
            }
        }
    }
    eprintln!("{} commands, {options} option lines scanned", cmds.len());
}

#[test]
fn password_arguments_are_refused() {
    let s = Scratch::new();
    let store = s.path("store");
    for cmd in ["import", "export", "create"] {
        for flag in ["--password", "--pass", "--passwd", "-p", "--pw"] {
            let mut c = s.cmd(&store);
            c.arg(cmd);
            if cmd == "export" {
                c.arg("0.x");
            }
            let out = c.args([flag, "hunter2"]).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(2),
                "peerid {cmd} {flag} hunter2 was not refused as a usage error: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The observable: the kernel makes a non-dumpable process's /proc/<pid>/mem
/// (and environ, maps, ...) owned by root (task_dump_owner() in
/// fs/proc/base.c), which is what stops other processes of the same user
/// from reading its memory. So the child runs as an unprivileged user
/// (`setpriv`, when the test is root) or as the test's own user, and the
/// owner of /proc/<pid>/mem is root exactly when it is not dumpable. `cat`,
/// run the same way, is the control.
#[cfg(target_os = "linux")]
#[test]
fn import_is_not_dumpable() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::fs::PermissionsExt;
    use std::process::{Child, Stdio};
    use std::time::{Duration, Instant};

    const NOBODY: u32 = 65534;
    let s = Scratch::new();
    let root = rustix::process::geteuid().is_root();
    let uid = if root {
        NOBODY
    } else {
        rustix::process::geteuid().as_raw()
    };
    std::fs::set_permissions(s.tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = s.path("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    if root {
        std::os::unix::fs::chown(&home, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let spawn = |program: &str, args: &[&str]| -> Child {
        let mut c = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
            c.arg(program);
            c
        } else {
            Command::new(program)
        };
        c.args(args)
            .env("HOME", &home)
            .env_remove("PEERID_STORE")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("setpriv (util-linux) is needed when the tests run as root")
    };
    // Owner of /proc/<pid> once the child has settled (exec'd and blocked
    // on its stdin), or None if it exited.
    let owner_after_settling = |child: &mut Child| -> Option<u32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let proc_dir = format!("/proc/{}", child.id());
        let mut last = None;
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return None;
            }
            let status = std::fs::read_to_string(format!("{proc_dir}/stat")).unwrap_or_default();
            let sleeping = status
                .rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('S'));
            let exe = std::fs::read_link(format!("{proc_dir}/exe")).ok();
            let owner = std::fs::metadata(format!("{proc_dir}/mem"))
                .ok()
                .map(|m| m.uid());
            if sleeping && exe.is_some_and(|e| !e.ends_with("setpriv")) {
                return owner;
            }
            last = owner;
            std::thread::sleep(Duration::from_millis(20));
        }
        last
    };

    let store = home.join("store");
    let pw = home.join("pw");
    std::fs::write(&pw, "x\n").unwrap();
    if root {
        std::os::unix::fs::chown(&pw, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    // peerid import reads the document from the pipe this test keeps open.
    let mut peerid = spawn(
        peerid_bin(),
        &[
            "--store",
            store.to_str().unwrap(),
            "import",
            "-",
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );
    let mut control = spawn("cat", &[]);
    let peerid_owner = owner_after_settling(&mut peerid);
    let control_owner = owner_after_settling(&mut control);
    for c in [&mut peerid, &mut control] {
        let _ = c.kill();
    }
    let peerid_out = peerid.wait_with_output().unwrap();
    control.wait().unwrap();
    assert_eq!(
        control_owner,
        Some(uid),
        "the control shows the observable does not work"
    );
    assert_eq!(
        peerid_owner,
        Some(0),
        "peerid import is dumpable while it waits for its input (uid {uid}): {}",
        String::from_utf8_lossy(&peerid_out.stderr)
    );
}

/// The password file's password leaves no copy in memory once it has been
/// used: no BufReader buffer, no outgrown Vec, freed without wiping.
/// peerid is held by strace at the fsync of its output, after the export
/// is made and the password dropped, and every writable mapping of it is
/// searched for the password (its tail: a freed heap chunk's first 16
/// bytes are overwritten by the allocator's list pointers). Reading the
/// memory of a non-dumpable process takes root (CAP_SYS_PTRACE).
#[cfg(target_os = "linux")]
#[test]
fn the_password_files_password_is_not_left_in_memory() {
    use crate::support::strace::{child_of, wait_for_held_stop};
    use std::io::{Read, Seek, SeekFrom};
    use std::process::Stdio;

    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: reading a non-dumpable process's memory takes root");
        return;
    }
    const PASSWORD: &str = "canary:6f1d93a2be47c058-no-copy-may-outlive-its-use-e2b9";
    let tail = &PASSWORD.as_bytes()[20..];
    let s = Scratch::new();
    let store = s.path("store");
    let name = s.ok(&store, &["create"]).trim_end().to_owned();
    let pw = s.path("canary-pw");
    std::fs::write(&pw, format!("{PASSWORD}\nsecond line\n")).unwrap();
    let out = s.path("out.peerid");
    let mut strace = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "--seccomp-bpf",
            "-o",
            "/dev/null",
            "-e",
            "trace=fsync",
            "-e",
            "inject=fsync:delay_enter=3s:when=1",
            "--",
            peerid_bin(),
            "--store",
            store.to_str().unwrap(),
            "export",
            &name,
            "--iterations",
            "1000",
            "-o",
            out.to_str().unwrap(),
            "--password-file",
            pw.to_str().unwrap(),
        ])
        .env_remove("PEERID_STORE")
        .env("HOME", s.tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("strace is needed to hold peerid after it used the password");
    let pid = child_of(strace.id());
    wait_for_held_stop(pid);

    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let (mut searched, mut found) = (0usize, Vec::new());
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (range, perms) = (fields.next().unwrap(), fields.next().unwrap());
        if !perms.starts_with("rw") {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut bytes = vec![0u8; usize::try_from(end - start).unwrap()];
        if mem.seek(SeekFrom::Start(start)).is_err() || mem.read_exact(&mut bytes).is_err() {
            continue;
        }
        searched += bytes.len();
        if bytes.windows(tail.len()).any(|w| w == tail) {
            found.push(line.to_owned());
        }
    }
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap(),
        rustix::process::Signal::KILL,
    );
    let _ = strace.wait();
    assert!(searched > 0, "no memory of peerid could be read");
    assert!(
        found.is_empty(),
        "the password is still in peerid's memory after use, in: {found:?}"
    );
}
