//! What an import costs and what it tells, through the command line as a
//! user runs it (docs/design.md §4 steps 3 to 5).
//!
//! The work bound: every document up to 1 MiB, of any shape, with a wrong
//! password, is refused in under 3 s of CPU at the default cap. The hostile
//! documents are written by `tests/it/support/hostile_pfx.py` (DER by hand, every work
//! factor at the cap, a MAC that cannot verify); the child's CPU time (user +
//! system, all its threads) is read from `/proc` while it is a zombie, so that
//! neither wall time nor other tests running beside it count.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::fs;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use peerid::testkit::{export_document, pfx};
use peerid::{CreateOptions, Store};
use secrecy::SecretString;

/// docs/design.md §4: the refusal of any document with a wrong password.
const CPU_LIMIT: Duration = Duration::from_secs(3);

/// `/proc/PID/stat` counts in USER_HZ ticks, which Linux fixes at 100 for
/// user space on every architecture.
const USER_HZ: u64 = 100;

/// Run `cmd` to its end; its exit status, its stderr and the CPU time it
/// used (user + system, every thread).
fn run_measured(mut cmd: Command, stderr_file: &Path) -> (ExitStatus, String, Duration) {
    let stderr = fs::File::create(stderr_file).unwrap();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let pid = rustix::process::Pid::from_child(&child);
    // Wait for the exit but leave the child a zombie, whose /proc entry
    // still holds the times of the whole process.
    use rustix::process::{WaitId, WaitIdOptions, waitid};
    waitid(
        WaitId::Pid(pid),
        WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
    )
    .unwrap();
    let stat = fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
    // Fields after the command name in parentheses start at field 3;
    // utime and stime are fields 14 and 15.
    let rest: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = rest[11].parse::<u64>().unwrap() + rest[12].parse::<u64>().unwrap();
    let status = child.wait().unwrap();
    let cpu = Duration::from_millis(ticks * 1000 / USER_HZ);
    (status, fs::read_to_string(stderr_file).unwrap(), cpu)
}

fn peerid(store: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peerid"));
    cmd.arg("--store").arg(store).env_remove("PEERID_STORE");
    cmd
}

#[test]
fn any_document_with_a_wrong_password_is_refused_in_under_3_s_of_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/hostile_pfx.py");
    let store = tmp.path().join("store");
    let mut worst = Duration::ZERO;
    for (shape, refusal) in [
        // 64 x the cap in all: the file budget refuses it before any work.
        ("many", "add up to 64000000, above the limit of 3000000"),
        // Exactly the budget: only the MAC can refuse it.
        ("budget-sha512", "wrong password, or the data was changed"),
        ("budget-sha1", "wrong password, or the data was changed"),
    ] {
        let doc = tmp.path().join(format!("{shape}.xml"));
        let made = Command::new("python3")
            .arg(&script)
            .arg(shape)
            .arg(&doc)
            .status()
            .expect("python3 runs");
        assert!(made.success(), "hostile_pfx.py {shape}");
        let size = fs::metadata(&doc).unwrap().len();
        assert!(size > 1_000_000 && size <= 1 << 20, "{shape}: {size} bytes");
        // The empty password is tried in both its PKCS#12 forms.
        for password in ["a wrong password", ""] {
            let pw_file = tmp.path().join("pw");
            fs::write(&pw_file, format!("{password}\n")).unwrap();
            let mut cmd = peerid(&store);
            cmd.arg("import")
                .arg(&doc)
                .arg("--password-file")
                .arg(&pw_file);
            let (status, stderr, cpu) = run_measured(cmd, &tmp.path().join("stderr"));
            eprintln!("{shape}, password {password:?}: {cpu:?} of CPU");
            assert_eq!(status.code(), Some(5), "{shape}: {stderr}");
            assert!(stderr.contains(refusal), "{shape}: {stderr}");
            assert!(
                cpu < CPU_LIMIT,
                "{shape}, password {password:?}: {cpu:?} of CPU"
            );
            worst = worst.max(cpu);
        }
    }
    eprintln!("worst: {worst:?} of CPU");
    let list = peerid(&store).arg("list").output().unwrap();
    assert!(list.status.success());
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "",
        "nothing imported"
    );
}

#[test]
fn a_friendly_name_the_store_cannot_hold_is_dropped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let source = Store::open(tmp.path().join("source")).unwrap();
    let name = source.create(&CreateOptions::default()).unwrap();
    let password = SecretString::from("pw".to_owned());
    let params = pfx::ExportParams {
        iterations: 2,
        ..pfx::ExportParams::default()
    };
    let doc = source.export(&name, &password, &params).unwrap();
    let contents = pfx::decode(
        &export_document::parse(doc.as_bytes()).unwrap().pfx,
        &password,
        10,
    )
    .unwrap();
    // 256 UTF-16 code units, one more than the store holds, and a control
    // character that must not reach the terminal.
    let long = format!("\u{1b}[31m{}", "x".repeat(251));
    let pfx = pfx::encode(
        &contents.keys[0],
        &contents.certificates[0],
        Some(&long),
        &password,
        &params,
    )
    .unwrap();
    let hostile = tmp.path().join("doc.xml");
    fs::write(&hostile, export_document::emit(&name.to_string(), &pfx)).unwrap();
    let pw_file = tmp.path().join("pw");
    fs::write(&pw_file, "pw\n").unwrap();

    let store = tmp.path().join("target");
    let out = peerid(&store)
        .arg("import")
        .arg(&hostile)
        .arg("--password-file")
        .arg(&pw_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        name.to_string()
    );
    assert!(
        stderr.starts_with("peerid: warning: the friendly name in the document was not imported"),
        "{stderr}"
    );
    assert!(stderr.contains("256 UTF-16 code units"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    let list = peerid(&store).arg("list").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        // An unset friendly name reads as the peer name.
        format!("{name}\t{name}\n"),
        "imported, friendly name unset"
    );
}
