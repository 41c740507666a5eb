//! Store paths no one else can swap (docs/design.md §6), run as a user runs
//! `peerid`: another user who owns a directory above the store and swaps
//! the store for its own in a loop gets no key, and a umask of 000 still
//! gives private directories. Needs root (to be a second user with
//! `setpriv`); CI runs as root, and elsewhere these fail loudly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::support::{Scratch, assert_no_panic, peerid_bin};

const ATTACKER: u32 = 65534;
const CREATES: usize = 40;

fn chown_tree(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid)).unwrap();
    if p.is_dir() && !p.is_symlink() {
        for e in fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

/// Rows in a store's identity table, read with the sqlite3 shell (the
/// attacker's database is not a store peerid would open).
fn identities_in(db: &Path) -> usize {
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(db)
        .arg("SELECT count(*) FROM identity")
        .output()
        .expect("sqlite3 (apt install sqlite3)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        // The whole group: the loop's shell and any `mv` it is running.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The attack: user 65534 owns `att`, the directory the victim's
/// store is in, and swaps the store for its own (`att/evil`, a peerid store
/// it can read, files mode 0666) in a tight loop while the victim creates
/// identities. Before DESIGN §6's ancestor rule, peerid checked the store
/// by name and then opened the database by name, so some creates landed in
/// the attacker's database. Now `att` itself is refused (it belongs to
/// another user, who could swap what is below it), every time, naming it;
/// and not one key reaches the attacker's database.
///
/// The rename race that remains possible where the ancestors do pass the
/// rule (only root or the user can rename there) is tested in the
/// library: `store::db::tests::a_swap_after_the_check_changes_nothing`.
#[test]
fn another_uid_swapping_the_store_gets_no_key() {
    let s = Scratch::new();
    // The attacker must be able to reach att.
    fs::set_permissions(s.tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let att = s.path("att");
    let store = att.join("store");
    let evil = att.join("evil");
    s.ok(&store, &["create", "--classifier", "before"]);
    s.ok(&evil, &["list"]);
    // The attacker owns att and its own store; the victim's store stays the
    // victim's, private, as peerid made it.
    chown_tree(&evil, ATTACKER);
    std::os::unix::fs::lchown(&att, Some(ATTACKER), Some(ATTACKER)).unwrap();
    fs::set_permissions(&evil, fs::Permissions::from_mode(0o777)).unwrap();
    for e in fs::read_dir(&evil).unwrap() {
        fs::set_permissions(e.unwrap().path(), fs::Permissions::from_mode(0o666)).unwrap();
    }
    let _swapper = Killed(
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "sh",
                "-c",
            ])
            .arg(
                "cd \"$1\" || exit 1; while :; do mv store real; mv evil store; \
                 mv store evil; mv real store; done 2>/dev/null",
            )
            .arg("swapper")
            .arg(&att)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("setpriv (util-linux)"),
    );
    for i in 0..CREATES {
        let out = s.run(&store, &["create", "--classifier", &format!("victim{i}")]);
        assert_no_panic(&out, "create");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "create {i}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{} on the way belongs to user id {ATTACKER}",
                att.display()
            )),
            "create {i}: {stderr}"
        );
    }
    drop(_swapper);
    // Whichever name each has now, neither database holds a victim key.
    for name in ["store", "evil", "real"] {
        let db = att.join(name).join("peerid.sqlite3");
        if db.exists() {
            let n = identities_in(&db);
            assert!(n <= 1, "{name}: {n} identities");
        }
    }
    let evil_db = [att.join("evil"), att.join("store"), att.join("real")]
        .into_iter()
        .map(|d| d.join("peerid.sqlite3"))
        .filter(|d| d.exists() && fs::metadata(d).unwrap().mode() & 0o777 == 0o666)
        .collect::<Vec<_>>();
    assert_eq!(evil_db.len(), 1, "the attacker's database is somewhere");
    assert_eq!(
        identities_in(&evil_db[0]),
        0,
        "a key landed in the attacker's database"
    );
    eprintln!(
        "store_paths: {CREATES} creates under an attacker's swap loop: all refused, no key leaked"
    );
}

/// XDG: directories peerid makes on the way to the default store are 0700
/// whatever the umask (before, `umask 000` gave a world-writable
/// `~/.local/share`).
#[test]
fn umask_000_still_gives_private_directories() {
    let s = Scratch::new();
    let home = s.path("home");
    fs::create_dir(&home).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" list")
        .arg(peerid_bin())
        .env_remove("PEERID_STORE")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for dir in [".local", ".local/share", ".local/share/peerid"] {
        assert_eq!(mode(&home.join(dir)), 0o700, "{dir}");
    }
    for file in fs::read_dir(home.join(".local/share/peerid")).unwrap() {
        let p = file.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

/// A world-writable directory above the store is refused with its name and
/// the fix, and the store is used once it is fixed.
#[test]
fn a_world_writable_parent_is_named_with_the_fix() {
    let s = Scratch::new();
    let open = s.path("open");
    fs::create_dir(&open).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
    let store = open.join("store");
    let out = s.run(&store, &["create"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains(&format!("chmod go-w {}", open.display())),
        "{stderr}"
    );
    assert!(!store.exists(), "nothing is made below an unsafe directory");
    fs::set_permissions(&open, fs::Permissions::from_mode(0o755)).unwrap();
    s.ok(&store, &["create"]);
}
