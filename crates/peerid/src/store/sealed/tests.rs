use super::*;
use crate::{CreateOptions, Error, KeyType, PeerName};

fn pass(s: &str) -> SecretString {
    SecretString::from(s)
}

const FAST: SealOptions = SealOptions {
    work_factor: Some(10),
    keyring: false,
};

/// A store with identities of every key type peerid makes quickly, and
/// their PKCS#8 as they were before sealing.
/// Peer names and their keys' PKCS#8.
type Keys = Vec<(PeerName, Zeroizing<Vec<u8>>)>;

fn store_with_keys(dir: &Path) -> (Store, Keys) {
    let store = Store::open(dir).unwrap();
    let mut keys = Vec::new();
    for (key_type, classifier) in [
        (KeyType::Ed25519, ""),
        (KeyType::P256, ""),
        (KeyType::Rsa(2048), ""),
        (KeyType::Ed25519, "second"),
    ] {
        let name = store
            .create(&CreateOptions {
                key_type,
                classifier: crate::Classifier::new(classifier).unwrap(),
                ..CreateOptions::default()
            })
            .unwrap();
        let pkcs8 = store.private_key(&name).unwrap().to_pkcs8_der();
        keys.push((name, pkcs8));
    }
    (store, keys)
}

fn raw_key_rows(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(dir.join(Store::DB_FILE)).unwrap();
    let mut stmt = conn
        .prepare("SELECT peer_name, private_key FROM identity ORDER BY peer_name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_sealed_store_serves_public_data_and_keys_only_unlocked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    assert!(!store.is_sealed().unwrap());
    store.seal(&pass("pw one"), &FAST).unwrap();
    let status = store.seal_status().unwrap();
    assert!(status.sealed && status.unlocked && !status.keyring);
    assert_eq!(status.work_factor, Some(10));
    // The sealing Store keeps working.
    assert_eq!(
        store.private_key(&keys[0].0).unwrap().to_pkcs8_der(),
        keys[0].1
    );

    let mut other = Store::open(&dir).unwrap();
    assert!(other.is_locked().unwrap());
    assert_eq!(other.list().unwrap().len(), keys.len());
    for (name, _) in &keys {
        other.show(name).unwrap();
        other.public_key(name).unwrap();
        other.info_xml(Some(name)).unwrap();
        let err = other.get(name).unwrap_err();
        assert!(matches!(err, Error::StoreLocked { .. }), "{err}");
        assert_eq!(err.exit_code(), 6);
        assert!(matches!(
            other.private_key(name),
            Err(Error::StoreLocked { .. })
        ));
    }
    // Writing a key needs the store key too; the rest does not.
    assert!(matches!(
        other.create(&CreateOptions::default()),
        Err(Error::StoreLocked { .. })
    ));
    other
        .set_friendly_name(&keys[0].0, &crate::FriendlyName::new("renamed").unwrap())
        .unwrap();
    other.set_default(&keys[1].0).unwrap();

    let err = other.unlock(&pass("pw two")).unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase));
    assert_eq!(
        (err.to_string().as_str(), err.exit_code()),
        ("wrong passphrase", 6)
    );
    other.unlock(&pass("pw one")).unwrap();
    assert!(!other.is_locked().unwrap());
    for (name, pkcs8) in &keys {
        assert_eq!(
            &other.get(name).unwrap().private_key().to_pkcs8_der(),
            pkcs8
        );
    }
    other.lock();
    assert!(other.is_locked().unwrap());
}

#[test]
fn after_sealing_no_file_of_the_store_holds_a_plain_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    // A reader of another connection, as `peerid list` would be, before.
    let reader = Store::open(&dir).unwrap();
    reader.list().unwrap();
    let files = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.display().to_string(), std::fs::read(&p).unwrap())
            })
            .collect::<Vec<_>>()
    };
    // The test can fail: before sealing, the keys are there.
    assert!(
        keys.iter()
            .all(|(_, k)| files().iter().any(|(_, f)| contains(f, k)))
    );
    let certificates: Vec<Vec<u8>> = keys
        .iter()
        .map(|(n, _)| store.get(n).unwrap().idc().as_der().to_vec())
        .collect();
    store.seal(&pass("pw"), &FAST).unwrap();
    let after = files();
    for ((name, pkcs8), cert) in keys.iter().zip(&certificates) {
        for (file, f) in &after {
            assert!(!contains(f, pkcs8), "the key of {name} is still in {file}");
            // Every 16-byte piece of the key that is not public (the
            // certificate's key and parameters are) is gone as well.
            for piece in pkcs8.windows(16).step_by(4) {
                if !contains(cert, piece) {
                    assert!(
                        !contains(f, piece),
                        "part of the key of {name} is in {file}"
                    );
                }
            }
        }
    }
    for (_, row) in raw_key_rows(&dir) {
        assert_eq!(row[0], 1);
    }
    drop(reader);
}

#[test]
fn new_identities_in_a_sealed_store_are_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let mut store = Store::open(&dir).unwrap();
    store.seal(&pass("pw"), &FAST).unwrap();
    let made = store.create(&CreateOptions::default()).unwrap();
    let (default, created) = store.default_identity_created().unwrap();
    assert!(created);
    let generated =
        crate::Identity::generate(KeyType::P256, Default::default(), Default::default()).unwrap();
    store.insert(&generated).unwrap();
    let rows = raw_key_rows(&dir);
    assert_eq!(rows.len(), 3);
    for (name, row) in &rows {
        assert_eq!(row[0], 1, "{name}");
        assert_ne!(row[1], 0x30);
    }
    let mut other = Store::open(&dir).unwrap();
    other.unlock(&pass("pw")).unwrap();
    for name in [&made, &default, generated.peer_name()] {
        other.get(name).unwrap();
    }
    assert_eq!(
        other
            .get(generated.peer_name())
            .unwrap()
            .private_key()
            .to_pkcs8_der(),
        generated.private_key().to_pkcs8_der()
    );
}

#[test]
fn a_changed_or_moved_key_row_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    store.seal(&pass("pw"), &FAST).unwrap();
    let conn = rusqlite::Connection::open(dir.join(Store::DB_FILE)).unwrap();
    // Move the first identity's key row onto the second.
    conn.execute(
        "UPDATE identity SET private_key = (SELECT private_key FROM identity WHERE peer_name = ?1)
         WHERE peer_name = ?2",
        [keys[0].0.to_string(), keys[1].0.to_string()],
    )
    .unwrap();
    let err = store.get(&keys[1].0).unwrap_err();
    assert!(matches!(err, Error::StoreCorrupted { .. }), "{err}");
    assert!(err.to_string().contains("does not decrypt"), "{err}");
    // Flip one byte of the third.
    let mut row: Vec<u8> = conn
        .query_row(
            "SELECT private_key FROM identity WHERE peer_name = ?1",
            [keys[2].0.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    *row.last_mut().unwrap() ^= 0x40;
    conn.execute(
        "UPDATE identity SET private_key = ?1 WHERE peer_name = ?2",
        rusqlite::params![row, keys[2].0.to_string()],
    )
    .unwrap();
    assert!(matches!(
        store.get(&keys[2].0),
        Err(Error::StoreCorrupted { .. })
    ));
    // A plain key cannot be written into a sealed store, even by another
    // program (the schema's triggers) ...
    let refused = conn.execute(
        "UPDATE identity SET private_key = ?1 WHERE peer_name = ?2",
        rusqlite::params![&keys[3].1[..], keys[3].0.to_string()],
    );
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("plain private key")
    );
    // ... and one that got there anyway (triggers dropped) is refused too.
    conn.execute_batch("DROP TRIGGER identity_sealed_update")
        .unwrap();
    conn.execute(
        "UPDATE identity SET private_key = ?1 WHERE peer_name = ?2",
        rusqlite::params![&keys[3].1[..], keys[3].0.to_string()],
    )
    .unwrap();
    assert!(matches!(
        store.get(&keys[3].0),
        Err(Error::StoreCorrupted { .. })
    ));
    // Unsealing stops at the first bad row and changes nothing.
    assert!(matches!(store.unseal(), Err(Error::StoreCorrupted { .. })));
    assert!(store.is_sealed().unwrap());
    store.get(&keys[0].0).unwrap();
}

#[test]
fn unsealing_gives_back_the_plain_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    store.seal(&pass("pw"), &FAST).unwrap();
    let mut other = Store::open(&dir).unwrap();
    assert!(matches!(other.unseal(), Err(Error::StoreLocked { .. })));
    other.unlock(&pass("pw")).unwrap();
    other.unseal().unwrap();
    assert!(!other.is_sealed().unwrap() && !other.is_locked().unwrap());
    let rows = raw_key_rows(&dir);
    for (name, pkcs8) in &keys {
        let row = &rows.iter().find(|(n, _)| *n == name.to_string()).unwrap().1;
        assert_eq!(row, &pkcs8[..]);
    }
    // The Store that sealed it holds a key of a seal that is gone: no matter.
    assert_eq!(
        &store.private_key(&keys[0].0).unwrap().to_pkcs8_der(),
        &keys[0].1
    );
    assert!(matches!(other.unseal(), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        other.wrapped_store_key(),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_new_passphrase_rewraps_without_touching_the_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    store.seal(&pass("old"), &FAST).unwrap();
    let rows = raw_key_rows(&dir);
    let wrapped = store.wrapped_store_key().unwrap();
    store.change_passphrase(&pass("new"), Some(11)).unwrap();
    assert_eq!(raw_key_rows(&dir), rows);
    assert_ne!(store.wrapped_store_key().unwrap(), wrapped);
    assert_eq!(store.seal_status().unwrap().work_factor, Some(11));
    let mut other = Store::open(&dir).unwrap();
    assert!(matches!(
        other.unlock(&pass("old")),
        Err(Error::WrongPassphrase)
    ));
    other.unlock(&pass("new")).unwrap();
    other.get(&keys[0].0).unwrap();
    // Locked, it cannot.
    other.lock();
    assert!(matches!(
        other.change_passphrase(&pass("third"), Some(10)),
        Err(Error::StoreLocked { .. })
    ));
    // The old wrapping is not left in the files.
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        assert!(!contains(&bytes, &wrapped[wrapped.len() - 48..]));
    }
}

#[test]
fn a_store_sealed_again_elsewhere_is_locked_here() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut first, keys) = store_with_keys(&dir);
    first.seal(&pass("pw"), &FAST).unwrap();
    let mut second = Store::open(&dir).unwrap();
    second.unlock(&pass("pw")).unwrap();
    second.unseal().unwrap();
    second.seal(&pass("pw"), &FAST).unwrap();
    let err = first.get(&keys[0].0).unwrap_err();
    assert!(matches!(err, Error::StoreLocked { .. }), "{err}");
    assert!(err.to_string().contains("sealed again"), "{err}");
    assert!(first.is_locked().unwrap());
    assert!(matches!(
        first.create(&CreateOptions::default()),
        Err(Error::StoreLocked { .. })
    ));
    first.unlock(&pass("pw")).unwrap();
    first.get(&keys[0].0).unwrap();
}

#[test]
fn bad_requests_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, _) = store_with_keys(&dir);
    let rows = raw_key_rows(&dir);
    assert!(matches!(
        store.seal(&pass(""), &FAST),
        Err(Error::InvalidArgument(_))
    ));
    for n in [9, 23] {
        let opts = SealOptions {
            work_factor: Some(n),
            keyring: false,
        };
        assert!(matches!(
            store.seal(&pass("pw"), &opts),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        store.change_passphrase(&pass("pw"), None),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(raw_key_rows(&dir), rows);
    assert!(!store.is_sealed().unwrap());
    store.seal(&pass("pw"), &FAST).unwrap();
    assert!(matches!(
        store.seal(&pass("pw"), &FAST),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_passphrase_file_unlocks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    store.seal(&pass("from a file"), &FAST).unwrap();
    let file = tmp.path().join("pw");
    std::fs::write(&file, "from a file\n").unwrap();
    let mut other = Store::open(&dir).unwrap();
    other.unlock_with_passphrase_file(&file).unwrap();
    other.get(&keys[0].0).unwrap();
    std::fs::write(&file, "not it\n").unwrap();
    other.lock();
    assert!(matches!(
        other.unlock_with_passphrase_file(&file),
        Err(Error::WrongPassphrase)
    ));
    // Without the keyring chosen, the keyring gives nothing.
    assert!(!other.unlock_from_keyring().unwrap());
}

#[test]
fn a_store_of_the_previous_schema_is_migrated_and_seals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (store, keys) = store_with_keys(&dir);
    drop(store);
    // Make it what the previous release (schema 2) wrote.
    {
        let conn = rusqlite::Connection::open(dir.join(Store::DB_FILE)).unwrap();
        conn.execute_batch(
            "DROP TRIGGER identity_sealed_insert; DROP TRIGGER identity_sealed_update;
             DROP TABLE seal; UPDATE schema_version SET version = 2 WHERE id = 1;",
        )
        .unwrap();
    }
    let mut store = Store::open(&dir).unwrap();
    assert_eq!(store.db().version().unwrap(), 3);
    assert_eq!(
        &store.private_key(&keys[0].0).unwrap().to_pkcs8_der(),
        &keys[0].1
    );
    store.seal(&pass("pw"), &FAST).unwrap();
    let mut other = Store::open(&dir).unwrap();
    other.unlock(&pass("pw")).unwrap();
    for (name, pkcs8) in &keys {
        assert_eq!(&other.private_key(name).unwrap().to_pkcs8_der(), pkcs8);
    }
}

#[test]
fn status_and_debug_show_no_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path().join("s")).unwrap();
    store.seal(&pass("hunter2 hunter2"), &FAST).unwrap();
    let status = store.seal_status().unwrap();
    assert_eq!(status.store_id.as_ref().map(String::len), Some(32));
    assert!(status.sealed_at.is_some());
    let shown = format!("{status:?} {:?}", store.key);
    assert!(!shown.contains("hunter2"));
    assert!(shown.contains("redacted"));
}

#[test]
fn a_scrub_left_owed_is_finished_by_the_next_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let (mut store, keys) = store_with_keys(&dir);
    store.seal(&pass("pw"), &FAST).unwrap();
    drop(store);
    // As a seal killed after its commit leaves it: owed, and (here) a plain
    // copy of a key in a free page.
    {
        let conn = rusqlite::Connection::open(dir.join(Store::DB_FILE)).unwrap();
        conn.execute_batch(
            "PRAGMA secure_delete = OFF;
             UPDATE seal SET scrub_pending = 1;
             CREATE TABLE leftover (k BLOB);",
        )
        .unwrap();
        conn.execute("INSERT INTO leftover VALUES (?1)", [&keys[0].1[..]])
            .unwrap();
        conn.execute_batch("DROP TABLE leftover;").unwrap();
    }
    let db = std::fs::read(dir.join(Store::DB_FILE)).unwrap();
    let wal = std::fs::read(dir.join(format!("{}-wal", Store::DB_FILE))).unwrap_or_default();
    assert!(contains(&db, &keys[0].1) || contains(&wal, &keys[0].1));
    let store = Store::open(&dir).unwrap();
    assert!(!store.db().seal_row().unwrap().unwrap().scrub_pending);
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        assert!(!contains(&bytes, &keys[0].1));
    }
}
