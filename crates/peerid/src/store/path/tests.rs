//! The walk's rules (docs/design.md §6), each with the directory layout that
//! breaks it. Some need root (a second owner); CI runs as root, and a run
//! that is not root fails loudly rather than skipping.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

use super::*;

const NOBODY: u32 = 65534;

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid))
        .unwrap_or_else(|e| panic!("chown {} (these tests run as root): {e}", p.display()));
}

fn refusal(store: &Path) -> String {
    match StoreDir::open(store) {
        Err(e @ Error::StoreInaccessible { .. }) => {
            assert_eq!(e.kind(), crate::ErrorKind::NoKeyAccess);
            e.to_string()
        }
        other => panic!("{}: expected a refusal, got {other:?}", store.display()),
    }
}

#[test]
fn a_directory_above_writable_by_others_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open");
    fs::create_dir(&open).unwrap();
    let store = open.join("sub/store");
    for mode in [0o777, 0o775, 0o757] {
        chmod(&open, mode);
        let msg = refusal(&store);
        assert!(
            msg.contains(&format!("{} on the way", open.display())),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("chmod go-w {}", open.display())),
            "{msg}"
        );
        assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
    }
    // Nothing was created under the unsafe directory.
    assert!(!open.join("sub").exists());
    // Sticky, as /tmp: allowed.
    chmod(&open, 0o1777);
    StoreDir::open(&store).unwrap();
    chmod(&open, 0o755);
    StoreDir::open(&store).unwrap();
}

#[test]
fn a_directory_above_owned_by_another_user_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let theirs = tmp.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    let store = theirs.join("store");
    StoreDir::open(&store).unwrap();
    chown(&theirs, NOBODY);
    let msg = refusal(&store);
    assert!(
        msg.contains(&format!("{} on the way", theirs.display())),
        "{msg}"
    );
    assert!(msg.contains("user id 65534"), "{msg}");
    // What to do is said in the library's words; the command line adds
    // its flag (--store).
    assert!(msg.contains("Move the store, or fix with: chown"), "{msg}");
    assert!(!msg.contains("--"), "{msg}");
    // Sticky does not help a directory someone else owns.
    chmod(&theirs, 0o1777);
    let msg = refusal(&store);
    assert!(msg.contains("user id 65534"), "{msg}");
}

#[test]
fn the_store_itself_must_be_ours_and_private() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let dir = StoreDir::open(&store).unwrap();
    assert_eq!(fs::metadata(&store).unwrap().mode() & 0o7777, DIR_MODE);
    drop(dir);
    chmod(&store, 0o750);
    assert!(matches!(
        StoreDir::open(&store),
        Err(Error::StorePermissions {
            mode: 0o750,
            is_dir: true,
            ..
        })
    ));
    chmod(&store, 0o700);
    chown(&store, NOBODY);
    let msg = refusal(&store);
    assert!(
        msg.contains("belongs to user id 65534, not to you"),
        "{msg}"
    );
}

#[test]
fn a_symbolic_link_is_followed_only_when_root_or_we_own_it() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    let sticky = tmp.path().join("sticky");
    fs::create_dir(&sticky).unwrap();
    chmod(&sticky, 0o1777);
    let link = sticky.join("link");
    symlink(&real, &link).unwrap();
    // Ours: followed, and the store is made at its target.
    let dir = StoreDir::open(&link.join("store")).unwrap();
    assert_eq!(dir.physical(), real.join("store"));
    assert!(real.join("store").is_dir());
    // Someone else's link in a sticky directory could point anywhere.
    chown(&link, NOBODY);
    let msg = refusal(&link.join("store"));
    assert!(
        msg.contains(&format!("symbolic link {}", link.display())),
        "{msg}"
    );
    assert!(msg.contains("Use a path without it"), "{msg}");
    assert!(!msg.contains("--"), "{msg}");
    assert!(msg.contains("user id 65534"), "{msg}");
}

#[test]
fn relative_links_and_dot_dot_resolve_as_the_kernel_does() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a/b");
    fs::create_dir_all(&a).unwrap();
    symlink("../c", a.join("up")).unwrap();
    // a/b/up -> a/c; a/b/up/../store is a/store (the link's parent), not a/b/store.
    let dir = StoreDir::open(&a.join("up/../store")).unwrap();
    assert_eq!(dir.physical(), tmp.path().join("a/store"));
    assert!(tmp.path().join("a/c").is_dir());
    assert!(tmp.path().join("a/store").is_dir());
    assert!(!a.join("store").exists());
}

#[test]
fn a_link_loop_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    symlink("loop", tmp.path().join("loop")).unwrap();
    refusal(&tmp.path().join("loop/store"));
}

#[test]
fn files_are_checked_and_made_through_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StoreDir::open(&tmp.path().join("s")).unwrap();
    dir.check_file_if_present("f").unwrap();
    dir.create_file_if_missing("f").unwrap();
    let f = tmp.path().join("s/f");
    assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, FILE_MODE);
    chmod(&f, 0o640);
    assert!(matches!(
        dir.check_file_if_present("f"),
        Err(Error::StorePermissions { is_dir: false, .. })
    ));
    fs::remove_file(&f).unwrap();
    symlink("/etc/passwd", &f).unwrap();
    assert!(matches!(
        dir.check_file_if_present("f"),
        Err(Error::StoreInaccessible { .. })
    ));
    // A lock file is made private, and a world-readable one is fixed.
    let lock = dir.open_lock_file("l").unwrap();
    assert!(lock.is_some());
    assert_eq!(
        fs::metadata(tmp.path().join("s/l")).unwrap().mode() & 0o777,
        FILE_MODE
    );
}
