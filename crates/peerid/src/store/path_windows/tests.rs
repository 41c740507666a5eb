//! The Windows rules of docs/design.md §6, on the DACLs Wine keeps (in an
//! extended attribute of each file, so these run on a Linux file system).

use std::fs::{self, File, OpenOptions};
use std::os::windows::fs::OpenOptionsExt;
use std::path::Path;

use windows_sys::Win32::Security::{
    INHERIT_ONLY_ACE, NO_INHERITANCE, SUB_CONTAINERS_AND_OBJECTS_INHERIT,
};
use windows_sys::Win32::Storage::FileSystem::{
    DELETE, FILE_ALL_ACCESS, FILE_DELETE_CHILD, FILE_FLAG_BACKUP_SEMANTICS, FILE_GENERIC_EXECUTE,
    FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    READ_CONTROL, WRITE_DAC,
};

use super::super::acl::{self, AceKind, EVERYONE, Me};
use super::*;
use crate::error::ErrorKind;

/// Opens `path` (a file or a directory) to change its DACL.
fn for_dacl(path: &Path) -> File {
    OpenOptions::new()
        .access_mode(READ_CONTROL | WRITE_DAC)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)
        .unwrap()
}

/// What `icacls PATH /grant Everyone:R` does (with `(OI)(CI)` for a
/// directory).
pub(crate) fn grant_everyone(path: &Path, dir: bool) {
    let inherit = if dir {
        SUB_CONTAINERS_AND_OBJECTS_INHERIT
    } else {
        NO_INHERITANCE
    };
    acl::grant(&for_dacl(path), EVERYONE, FILE_GENERIC_READ, inherit).unwrap();
}

/// What `icacls PATH /grant Everyone:M` does, with the right to delete
/// entries too: what lets others empty (or rename things in) a directory.
fn let_everyone_empty(path: &Path) {
    let modify = FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE;
    acl::grant(
        &for_dacl(path),
        EVERYONE,
        modify | FILE_DELETE_CHILD,
        NO_INHERITANCE,
    )
    .unwrap();
}

fn security(path: &Path) -> acl::Security {
    acl::security(&for_dacl(path)).unwrap()
}

/// Whether the tests run under Wine (scripts/windows.sh says so). Wine
/// keeps no security descriptors: it turns a DACL it is given into Unix
/// mode bits and makes one up from them when asked, so the protected flag,
/// the Administrators entry and inherit-only entries do not survive there.
pub(crate) fn under_wine() -> bool {
    std::env::var_os("PEERID_TEST_UNDER_WINE").is_some()
}

/// The DACL of what peerid creates: protected, and full control for the
/// user, SYSTEM and Administrators only (under Wine: entries for no one
/// but those, and full control for the user).
fn assert_private(path: &Path, me: &Me) {
    let sec = security(path);
    assert_eq!(sec.owner, me.user, "{}: {sec:?}", path.display());
    let dacl = sec.dacl.clone().expect("a DACL");
    for ace in &dacl {
        assert_eq!(ace.kind, AceKind::Allow, "{}: {ace:?}", path.display());
        assert!(me.is_trusted(&ace.sid), "{}: {dacl:?}", path.display());
    }
    assert!(
        dacl.iter()
            .any(|a| a.sid == me.user && a.mask & FILE_ALL_ACCESS == FILE_ALL_ACCESS),
        "{}: {dacl:?}",
        path.display()
    );
    if under_wine() {
        return;
    }
    assert!(
        sec.protected,
        "{}: inherits from above: {sec:?}",
        path.display()
    );
    let mut sids: Vec<&str> = dacl.iter().map(|a| a.sid.as_str()).collect();
    sids.sort_unstable();
    let mut want = vec![me.user.as_str(), acl::SYSTEM, acl::ADMINISTRATORS];
    want.sort_unstable();
    assert_eq!(sids, want, "{}: {dacl:?}", path.display());
    for ace in &dacl {
        assert_eq!(ace.mask, FILE_ALL_ACCESS, "{ace:?}");
    }
}

/// The control for [`assert_private`]: what `std::fs` creates in the
/// temporary directory grants Everyone (under Wine, from the umask's mode;
/// on Windows, inherited from the profile's Temp folder, which grants
/// SYSTEM and Administrators only... so the control is Wine's).
fn assert_not_private(path: &Path, me: &Me) {
    let dacl = security(path).dacl.expect("a DACL");
    assert!(
        dacl.iter().any(|a| !me.is_trusted(&a.sid)),
        "{}: the control is private too: {dacl:?}",
        path.display()
    );
}

#[test]
fn a_created_store_grants_only_the_user() {
    let me = Me::get().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    if under_wine() {
        fs::create_dir(tmp.path().join("control")).unwrap();
        fs::write(tmp.path().join("control.txt"), b"x").unwrap();
        assert_not_private(&tmp.path().join("control"), &me);
        assert_not_private(&tmp.path().join("control.txt"), &me);
    }
    let store = tmp.path().join("a").join("b").join("store");
    let dir = StoreDir::open(&store).unwrap();
    dir.create_file_if_missing("f").unwrap();
    drop(dir);
    for p in [
        tmp.path().join("a"),
        tmp.path().join("a").join("b"),
        store.clone(),
        store.join("f"),
    ] {
        assert_private(&p, &me);
    }
    // A file that SQLite makes (its -wal, -shm) inherits the directory's
    // entries, and so grants no one else either (not under Wine, which
    // does not inherit: Db::open fixes those files there).
    if under_wine() {
        return;
    }
    fs::write(store.join("g"), b"x").unwrap();
    let inherited = security(&store.join("g")).dacl.unwrap();
    assert!(
        inherited.iter().all(|a| me.is_trusted(&a.sid)),
        "{inherited:?}"
    );
    StoreDir::open(&store)
        .unwrap()
        .check_file_if_present("g")
        .unwrap();
}

#[test]
fn a_store_everyone_may_read_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    drop(StoreDir::open(&store).unwrap());
    grant_everyone(&store, true);
    let err = StoreDir::open(&store).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoKeyAccess, "{err:?}");
    match &err {
        Error::StorePermissions { mode, is_dir, .. } => {
            assert!(*is_dir);
            assert_eq!(*mode & FILE_GENERIC_READ, FILE_GENERIC_READ, "{mode:#x}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("icacls"), "{err}");
}

#[test]
fn an_entry_only_for_what_is_created_inside_is_refused_too() {
    if under_wine() {
        eprintln!("not run: Wine keeps no inherit-only entries");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    drop(StoreDir::open(&store).unwrap());
    // It does not open the directory itself, but every file SQLite
    // creates in it would get it.
    let inherit = SUB_CONTAINERS_AND_OBJECTS_INHERIT | INHERIT_ONLY_ACE;
    acl::grant(&for_dacl(&store), EVERYONE, FILE_GENERIC_READ, inherit).unwrap();
    let dacl = security(&store).dacl.unwrap();
    assert!(
        dacl.iter()
            .any(|a| a.sid == EVERYONE && a.flags & INHERIT_ONLY_ACE as u8 != 0),
        "{dacl:?}"
    );
    assert!(matches!(
        StoreDir::open(&store),
        Err(Error::StorePermissions { is_dir: true, .. })
    ));
}

#[test]
fn a_store_file_everyone_may_read_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let dir = StoreDir::open(&store).unwrap();
    dir.create_file_if_missing("f").unwrap();
    dir.check_file_if_present("f").unwrap();
    grant_everyone(&store.join("f"), false);
    assert!(matches!(
        dir.check_file_if_present("f"),
        Err(Error::StorePermissions { is_dir: false, .. })
    ));
    assert!(matches!(
        dir.open_lock_file("f"),
        Err(Error::StorePermissions { is_dir: false, .. })
    ));
}

#[test]
fn a_directory_above_that_others_may_empty_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let above = tmp.path().join("above");
    let store = above.join("s");
    drop(StoreDir::open(&store).unwrap());
    StoreDir::open(&store).unwrap();
    // Everyone may modify `above`, so delete (or rename) what is in it: the
    // store itself.
    let_everyone_empty(&above);
    match StoreDir::open(&store) {
        Err(Error::StoreInaccessible { reason, .. }) => {
            assert!(reason.contains("on the way"), "{reason}");
            assert!(reason.contains(EVERYONE), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Reading it is no threat.
    let tmp2 = tempfile::tempdir().unwrap();
    let above2 = tmp2.path().join("above");
    drop(StoreDir::open(&above2.join("s")).unwrap());
    grant_everyone(&above2, false);
    StoreDir::open(&above2.join("s")).unwrap();
}

/// A store named through a directory link further up: the directories
/// where it really is are checked too, so a link's target that others may
/// empty is refused, however the store is named.
#[test]
#[ignore = "Wine 8.0 makes no links (CreateSymbolicLinkW succeeds and creates nothing), and \
            Windows lets only Developer Mode or an administrator make one: run with --ignored there"]
fn a_directory_others_may_empty_behind_a_link_further_up_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    drop(StoreDir::open(&real.join("above").join("s")).unwrap());
    let link = tmp.path().join("link");
    std::os::windows::fs::symlink_dir(&real, &link).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "no link was made"
    );
    let via = link.join("above").join("s");
    StoreDir::open(&via).unwrap();
    let_everyone_empty(&real);
    match StoreDir::open(&via) {
        Err(Error::StoreInaccessible { reason, .. }) => {
            assert!(reason.contains("on the way"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_where_the_store_should_be() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("store");
    fs::write(&f, b"x").unwrap();
    assert!(matches!(
        StoreDir::open(&f),
        Err(Error::StoreInaccessible { .. })
    ));
}

#[test]
fn the_same_file_by_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let dir = StoreDir::open(&store).unwrap();
    dir.create_file_if_missing("a").unwrap();
    dir.create_file_if_missing("b").unwrap();
    assert!(dir.exists("a"));
    assert!(!dir.exists("c"));
    assert!(dir.is_same_file("a", &dir.path_for("a")));
    assert!(!dir.is_same_file("a", &dir.path_for("b")));
    assert!(!dir.is_same_file("a", &dir.path_for("c")));
    // Another name of the same file (a hard link) is the same file.
    fs::hard_link(dir.path_for("a"), dir.path_for("a2")).unwrap();
    assert!(dir.is_same_file("a", &dir.path_for("a2")));
    assert!(!dir.is_same_file("b", &dir.path_for("a2")));
}

#[test]
fn the_lock_file_is_created_private() {
    let me = Me::get().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let dir = StoreDir::open(&store).unwrap();
    assert!(dir.open_lock_file("l").unwrap().is_some());
    assert!(dir.open_lock_file("l").unwrap().is_some());
    drop(dir);
    assert_private(&store.join("l"), &me);
}
