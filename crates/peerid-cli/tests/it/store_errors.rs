//! A store the command line cannot use (docs/design.md §5 and §6): its
//! permissions, an unreadable, corrupt or damaged database, each with its
//! exit code and the fix; where the store comes from; its files' modes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;

use crate::support::env::Env;

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn open_store_permissions_are_exit_6_with_the_fix() {
    let env = Env::new();
    env.create(&[]);
    chmod(&env.store, 0o755);
    let (code, stderr, doc) = env.fails(&["list"]);
    assert_eq!(code, 6);
    assert_eq!(doc["error"]["code"], "PEER_E_NO_KEY_ACCESS");
    assert_eq!(doc["error"]["hresult"], "0x80630203");
    assert!(stderr.contains("chmod 700"), "{stderr}");
    assert!(stderr.contains(env.store.to_str().unwrap()), "{stderr}");
    chmod(&env.store, 0o700);

    let db = env.store.join("peerid.sqlite3");
    chmod(&db, 0o640);
    let (code, stderr, _) = env.fails(&["list"]);
    assert_eq!(code, 6);
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

/// The library names the store and what is wrong with it; the command
/// line adds how to choose another.
#[test]
fn a_store_that_cannot_be_used_names_the_flag_that_chooses_one() {
    let env = Env::new();
    fs::write(&env.store, "not a directory").unwrap();
    let (code, stderr, doc) = env.fails(&["list"]);
    assert_eq!(code, 6);
    assert_eq!(doc["error"]["code"], "PEER_E_NO_KEY_ACCESS");
    let store = env.store.display();
    let message = format!(
        "cannot access the identity store at {store}: {store} is not a directory; \
         a store can be chosen with --store DIR"
    );
    assert_eq!(stderr, format!("peerid: error: {message}\n"));
    assert_eq!(doc["error"]["message"], message.as_str());
}

#[test]
fn unreadable_store_is_exit_6() {
    let env = Env::new();
    env.create(&[]);
    let db = env.store.join("peerid.sqlite3");
    if rustix_is_root() {
        // Root reads anything: run peerid as an unprivileged user on a
        // store that user owns, whose database it cannot open.
        let nobody = 65534;
        std::os::unix::fs::chown(&env.store, Some(nobody), Some(nobody)).unwrap();
        chmod(&env.store, 0o700);
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(assert_cmd::cargo::cargo_bin("peerid"))
            .arg("--store")
            .arg(&env.store)
            .arg("list")
            .env("HOME", &env.home)
            .output()
            .expect("setpriv (util-linux) is needed to test as root");
        assert_eq!(
            out.status.code(),
            Some(6),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        chmod(&db, 0o000);
        let (code, _, _) = env.fails(&["list"]);
        assert_eq!(code, 6);
    }
}

fn rustix_is_root() -> bool {
    // SAFETY-free check: the owner of a file we just made is our euid.
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::MetadataExt::uid(&tmp.as_file().metadata().unwrap()) == 0
}

#[test]
fn corrupt_or_foreign_database_is_exit_7() {
    let env = Env::new();
    env.create(&[]);
    let db = env.store.join("peerid.sqlite3");
    for f in ["peerid.sqlite3-wal", "peerid.sqlite3-shm"] {
        let _ = fs::remove_file(env.store.join(f));
    }
    fs::write(&db, vec![0xA5; 16384]).unwrap();
    let (code, _, doc) = env.fails(&["list"]);
    assert_eq!(code, 7);
    assert_eq!(doc["error"]["code"], "PEER_E_CERT_STORE_CORRUPTED");
    assert_eq!(doc["error"]["hresult"], "0x80630801");
}

#[test]
fn damaged_pages_are_exit_7_not_a_panic() {
    let env = Env::new();
    for i in 0..40 {
        env.create(&["--classifier", &format!("c{i}")]);
    }
    env.ok(&["list"]); // checkpoint happens at close
    let db = env.store.join("peerid.sqlite3");
    let mut bytes = fs::read(&db).unwrap();
    // Keep the header (so it is still SQLite), scramble the rest.
    for (i, b) in bytes.iter_mut().enumerate().skip(100) {
        *b = (i as u8).wrapping_mul(31);
    }
    fs::write(&db, bytes).unwrap();
    for f in ["peerid.sqlite3-wal", "peerid.sqlite3-shm"] {
        let _ = fs::remove_file(env.store.join(f));
    }
    let out = env.cmd().arg("list").output().unwrap();
    let code = out.status.code().unwrap();
    assert_eq!(code, 7, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn store_comes_from_the_environment_when_not_given() {
    let env = Env::new();
    let mut c = Command::cargo_bin("peerid").unwrap();
    let out = c
        .env("PEERID_STORE", &env.store)
        .env("HOME", &env.home)
        .args(["create", "--classifier", "envstore"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(env.ok(&["list"]).contains(".envstore"));
    assert!(
        !env.home.join(".local").exists(),
        "must not touch the home directory"
    );
}

#[test]
fn store_files_are_private() {
    let env = Env::new();
    env.create(&[]);
    assert_eq!(
        fs::metadata(&env.store).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for e in fs::read_dir(&env.store).unwrap() {
        let mode = e.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0);
    }
}
