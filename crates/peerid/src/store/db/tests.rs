//! The database's unit tests: records, permissions, secure delete, a
//! swap of the store directory between its check and the open, and
//! concurrent writers waiting in line.

use super::*;
use std::fs;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use zeroize::Zeroizing;

/// Makes `dir` an empty private directory, as a store's would be: 0700 on
/// Unix, the private DACL on Windows.
fn private_dir(dir: &Path) {
    #[cfg(unix)]
    {
        fs::create_dir(dir).unwrap();
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).unwrap();
    }
    #[cfg(windows)]
    drop(StoreDir::open(dir).unwrap());
}

/// Makes `name` in the private directory `dir` a private file (0600, or the
/// private DACL) holding `bytes`.
fn private_file(dir: &Path, name: &str, bytes: &[u8]) {
    #[cfg(unix)]
    {
        fs::write(dir.join(name), bytes).unwrap();
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o600)).unwrap();
    }
    #[cfg(windows)]
    {
        StoreDir::open(dir)
            .unwrap()
            .create_file_if_missing(name)
            .unwrap();
        fs::write(dir.join(name), bytes).unwrap();
    }
}

fn rec(name: &str) -> Record {
    Record {
        peer_name: name.into(),
        authority: name.split('.').next().unwrap_or_default().into(),
        classifier: name.split_once('.').map(|x| x.1).unwrap_or_default().into(),
        friendly_name: String::new(),
        key_type: "ed25519".into(),
        private_key: Zeroizing::new(vec![7; 48]),
        certificate: vec![1, 2, 3],
        created_at: 1,
    }
}

#[test]
fn insert_get_list_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(&tmp.path().join("s")).unwrap();
    db.insert(&[rec("b.x"), rec("a.y")], None).unwrap();
    assert_eq!(db.get("a.y").unwrap().0.private_key.as_slice(), &[7; 48]);
    let names: Vec<_> = db
        .list()
        .unwrap()
        .into_iter()
        .map(|s| s.peer_name)
        .collect();
    assert_eq!(names, ["a.y", "b.x"]);
    db.set_friendly_name("a.y", "Alice").unwrap();
    assert_eq!(db.summary("a.y").unwrap().friendly_name, "Alice");
    db.delete("a.y").unwrap();
    assert!(matches!(db.get("a.y"), Err(Error::NotFound { .. })));
    assert!(matches!(db.delete("a.y"), Err(Error::NotFound { .. })));
    assert!(matches!(
        db.set_friendly_name("a.y", ""),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn duplicate_insert_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(&tmp.path().join("s")).unwrap();
    db.insert(&[rec("a.x")], None).unwrap();
    db.set_friendly_name("a.x", "kept").unwrap();
    let err = db.insert(&[rec("c.z"), rec("a.x")], None).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { ref peer_name } if peer_name == "a.x"));
    // The batch rolled back as a whole and the stored one is untouched.
    assert!(matches!(db.get("c.z"), Err(Error::NotFound { .. })));
    assert_eq!(db.summary("a.x").unwrap().friendly_name, "kept");
}

#[test]
fn default_mark_follows_the_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(&tmp.path().join("s")).unwrap();
    assert_eq!(db.default_name().unwrap(), None);
    let name = db.default_or_insert_with(|| Ok(rec("d.")), None);
    assert_eq!(name.unwrap(), "d.");
    // A second request does not make another.
    let again = db
        .default_or_insert_with(|| panic!("must not create twice"), None)
        .unwrap();
    assert_eq!(again, "d.");
    assert!(db.summary("d.").unwrap().is_default);
    db.insert(&[rec("e.")], None).unwrap();
    db.set_default("e.").unwrap();
    assert!(!db.summary("d.").unwrap().is_default);
    db.delete("e.").unwrap();
    assert_eq!(db.default_name().unwrap(), None);
    assert!(matches!(
        db.set_default("nope."),
        Err(Error::NotFound { .. })
    ));
}

#[test]
#[cfg(unix)] // modes; the Windows DACLs: path_windows/tests.rs
fn files_are_private_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let db = Db::open(&dir).unwrap();
    db.insert(&[rec("a.")], None).unwrap();
    for entry in fs::read_dir(&dir).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[test]
fn garbage_file_is_a_corrupted_store() {
    let tmp = tempfile::tempdir().unwrap();
    private_dir(&tmp.path().join("s"));
    private_file(&tmp.path().join("s"), DB_FILE, &[0x5a; 8192]);
    assert!(matches!(
        Db::open(&tmp.path().join("s")),
        Err(Error::StoreCorrupted { .. })
    ));
}

#[test]
fn another_programs_database_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    private_dir(&tmp.path().join("s"));
    private_file(&tmp.path().join("s"), DB_FILE, b"");
    let path = tmp.path().join("s").join(DB_FILE);
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE songs (title TEXT)").unwrap();
    }
    assert!(matches!(
        Db::open(&tmp.path().join("s")),
        Err(Error::StoreCorrupted { .. })
    ));
}

#[test]
fn open_database_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Db::open(&tmp.path().join("s")).unwrap());
    let path = tmp.path().join("s").join(DB_FILE);
    #[cfg(unix)]
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    #[cfg(windows)]
    super::super::path::tests::grant_everyone(&path, false);
    assert!(matches!(
        Db::open(&tmp.path().join("s")),
        Err(Error::StorePermissions { is_dir: false, .. })
    ));
}

#[test]
fn deleted_keys_do_not_stay_in_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let db = Db::open(&tmp.path().join("s")).unwrap();
    let mut r = rec("a.");
    r.private_key = Zeroizing::new(b"SECRET-KEY-MATERIAL-0123456789".repeat(4));
    db.insert(&[r], None).unwrap();
    db.delete("a.").unwrap();
    drop(db);
    for entry in fs::read_dir(tmp.path().join("s")).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(30)
                .any(|w| w == b"SECRET-KEY-MATERIAL-0123456789"),
            "key bytes left behind"
        );
    }
}

/// An attacker's store: a valid, empty peerid database in a directory
/// user 65534 owns and everyone may read and write.
#[cfg(unix)]
fn decoy(dir: &Path) {
    drop(Db::open(dir).unwrap());
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).unwrap();
    }
    std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
}

const SECRET: &[u8] = b"KEY-THAT-MUST-NOT-LEAVE-THE-STORE";

fn holds_secret(dir: &Path) -> bool {
    fs::read_dir(dir).unwrap().any(|e| {
        let bytes = fs::read(e.unwrap().path()).unwrap();
        bytes.windows(SECRET.len()).any(|w| w == SECRET)
    })
}

/// Opens the store at `store` while, between the check of the directory
/// and SQLite's open, the directory is renamed away and `decoy` put in
/// its place (what docs/design.md §6 says must change nothing), then writes a
/// key. Returns what the open said.
///
/// Who may do such a rename? Since the walk refuses any directory above
/// the store that another user owns or may write (unless sticky, where
/// only an entry's owner may rename it), only root or the user: another
/// user's swap is refused before it can matter (the CLI test
/// `store_paths::another_uid_swapping_the_store_gets_no_key` runs one).
/// So the rename happens here, from the hook, at the one moment where it
/// would do harm if the database were opened by name.
// Unix only: chown. The Windows counterpart is
// `a_swap_after_the_check_sends_no_key_to_the_decoy`, below.
#[cfg(unix)]
fn swap_then_write(tmp: &Path) -> Result<()> {
    let store = tmp.join("s");
    drop(Db::open(&store).unwrap());
    decoy(&tmp.join("decoy"));
    let (from, aside, decoy) = (store.clone(), tmp.join("s.moved"), tmp.join("decoy"));
    hooks::set_after_check(move || {
        fs::rename(&from, &aside).unwrap();
        fs::rename(&decoy, &from).unwrap();
    });
    let opened = Db::open(&store);
    hooks::set_by_path(false, false);
    let mut r = rec("a.");
    r.private_key = Zeroizing::new(SECRET.to_vec());
    opened?.insert(&[r], None)
}

#[test]
#[cfg(unix)] // see swap_then_write
fn a_swap_after_the_check_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    swap_then_write(tmp.path()).unwrap();
    // The key is in the directory that was checked, now at s.moved; the
    // decoy now at s has none of it.
    let checked = Db::open(&tmp.path().join("s.moved")).unwrap();
    assert_eq!(checked.get("a.").unwrap().0.private_key.as_slice(), SECRET);
    drop(checked);
    assert!(
        !holds_secret(&tmp.path().join("s")),
        "the key went to the decoy"
    );
}

#[test]
#[cfg(unix)] // see swap_then_write
fn without_proc_a_swap_is_caught_by_the_re_check() {
    let tmp = tempfile::tempdir().unwrap();
    hooks::set_by_path(true, false);
    let err = swap_then_write(tmp.path()).unwrap_err();
    assert!(
        matches!(err, Error::StoreInaccessible { ref reason, .. } if reason.contains("moved or replaced")),
        "{err:?}"
    );
    assert!(
        !holds_secret(&tmp.path().join("s")),
        "the key went to the decoy"
    );
}

/// The control: opened by name with no re-check, the same swap does
/// send the key to the decoy. This is what the two tests above would
/// see if the open went by path.
#[test]
#[cfg(unix)] // see swap_then_write
fn opened_by_name_the_swap_would_win() {
    let tmp = tempfile::tempdir().unwrap();
    hooks::set_by_path(true, true);
    swap_then_write(tmp.path()).unwrap();
    assert!(holds_secret(&tmp.path().join("s")));
}

/// Windows' counterpart of the swap tests above: between the check and
/// SQLite's open the store directory is renamed away and a decoy store put
/// in its place. On Windows the rename fails (the directory is held open
/// without `FILE_SHARE_DELETE`) and the key goes to the checked store;
/// Wine does not enforce that sharing mode on directories, so there the
/// rename works, and the re-check by file identity must catch it. Either
/// way the decoy gets no key.
#[test]
#[cfg(windows)]
fn a_swap_after_the_check_sends_no_key_to_the_decoy() {
    use std::cell::Cell;
    use std::rc::Rc;
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let decoy = tmp.path().join("decoy");
    drop(Db::open(&store).unwrap());
    drop(Db::open(&decoy).unwrap());
    let (from, aside, swap_in) = (store.clone(), tmp.path().join("s.moved"), decoy.clone());
    let renamed = Rc::new(Cell::new(None));
    let seen = renamed.clone();
    hooks::set_after_check(move || {
        let moved = fs::rename(&from, &aside).is_ok();
        if moved {
            fs::rename(&swap_in, &from).unwrap();
        }
        seen.set(Some(moved));
    });
    let opened = Db::open(&store);
    let mut r = rec("a.");
    r.private_key = Zeroizing::new(SECRET.to_vec());
    let written = opened.and_then(|db| db.insert(&[r], None));
    match renamed.get() {
        Some(false) => {
            written.unwrap();
            assert!(holds_secret(&store));
        }
        Some(true) => {
            // On Windows itself the held handle's share mode refuses the
            // rename; only Wine, which does not enforce it, gets here.
            assert!(
                crate::store::path::tests::under_wine(),
                "the held store directory was renamed"
            );
            let err = written.unwrap_err();
            assert!(
                matches!(err, Error::StoreInaccessible { ref reason, .. } if reason.contains("moved or replaced")),
                "{err:?}"
            );
            assert!(!holds_secret(&store), "the key went to the decoy");
            eprintln!("the rename was allowed (Wine); the re-check caught it");
        }
        None => panic!("the hook did not run"),
    }
}

/// Windows: the last connection to close keeps the `-wal` and `-shm` files
/// `open` made private (persistent WAL) and empties the log, so SQLite
/// never makes them again without a security descriptor, and no frame of
/// an old row stays in the kept log.
#[test]
#[cfg(windows)]
fn the_log_and_shared_memory_are_kept_private_and_the_log_emptied_at_the_last_close() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s");
    let wal = store.join(format!("{DB_FILE}-wal"));
    let db = Db::open(&store).unwrap();
    let mut r = rec("a.");
    r.private_key = Zeroizing::new(SECRET.to_vec());
    db.insert(&[r], None).unwrap();
    assert!(
        fs::metadata(&wal).unwrap().len() > 0,
        "the insert is not in the log"
    );
    drop(db);
    for suffix in ["-wal", "-shm"] {
        assert!(
            store.join(format!("{DB_FILE}{suffix}")).exists(),
            "the last close deleted {suffix}"
        );
    }
    assert_eq!(
        fs::metadata(&wal).unwrap().len(),
        0,
        "the kept log holds frames"
    );
    let dir = StoreDir::open(&store).unwrap();
    for suffix in ["-wal", "-shm"] {
        dir.check_file_if_present(&format!("{DB_FILE}{suffix}"))
            .unwrap();
    }
    drop(dir);
    let db = Db::open(&store).unwrap();
    assert!(holds_secret(&store));
    drop(db);
}

#[test]
fn two_connections_one_store() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Db::open(&tmp.path().join("s")).unwrap();
    let b = Db::open(&tmp.path().join("s")).unwrap();
    a.insert(&[rec("a.")], None).unwrap();
    assert!(matches!(
        b.insert(&[rec("a.")], None),
        Err(Error::AlreadyExists { .. })
    ));
    assert_eq!(b.list().unwrap().len(), 1);
}

/// Where deleted key material goes when a reader holds a snapshot: delete
/// does not wait for it, so the log keeps the old frames while the reader
/// lives (they are the reader's snapshot); once it is gone, the next
/// connection to close checkpoints and removes the log, and no copy of the
/// key is left in any file.
#[test]
fn a_key_deleted_beside_a_reader_is_gone_once_the_reader_is() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let db = Db::open(&dir).unwrap();
    let mut r = rec("a.");
    r.private_key = Zeroizing::new(SECRET.to_vec());
    db.insert(&[r], None).unwrap();
    let reader = Connection::open(dir.join(DB_FILE)).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let n: i64 = reader
        .query_row("SELECT count(*) FROM identity", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let t = std::time::Instant::now();
    db.delete("a.").unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "delete waited for the reader"
    );
    let seen: Vec<u8> = reader
        .query_row("SELECT private_key FROM identity", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, SECRET, "the reader keeps its snapshot");
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    drop(db);
    assert!(!holds_secret(&dir), "key bytes left behind");
}

/// DESIGN.md §6, "a write waits in line rather than in a sleep-and-retry
/// lottery": thirty-two threads, each with its own `Store` on one directory
/// (as the C ABI opens one per call), create an identity at the same moment,
/// and not one of them finds the database locked at `BEGIN IMMEDIATE`: each
/// waited its turn on the writers' locks instead. Without those locks
/// (`WRITER` and the `flock` on `LOCK_FILE`), writers meet each other's
/// transactions and go to SQLite's busy handler.
#[test]
fn thirty_two_writers_never_sleep_and_retry() {
    use crate::Classifier;
    use crate::store::{CreateOptions, Store};
    use std::sync::{Arc, Barrier};
    use std::time::Instant;

    const WRITERS: usize = 32;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    drop(Store::open(&dir).unwrap());
    let start = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (start, dir) = (start.clone(), dir.clone());
            std::thread::spawn(move || {
                let store = Store::open(&dir).unwrap();
                let opts = CreateOptions {
                    classifier: Classifier::new(&format!("w{i}")).unwrap(),
                    ..CreateOptions::default()
                };
                start.wait();
                let t = Instant::now();
                store.create(&opts).unwrap();
                (hooks::writer_waits(), t.elapsed())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let waits: u64 = results.iter().map(|r| r.0).sum();
    let slowest = results.iter().map(|r| r.1).max().unwrap();
    eprintln!("{WRITERS} concurrent creates: {waits} busy waits, slowest {slowest:?}");
    assert_eq!(Store::open(&dir).unwrap().list().unwrap().len(), WRITERS);
    assert_eq!(
        waits, 0,
        "{waits} of the {WRITERS} writers found the store locked and went to SQLite's sleep-and-retry"
    );
}
