//! Issue 11: a store made by the previous release (schema version 1, by
//! the `peerid` binary of f9bfe0a: `tests/vectors/store-v1/README.md`)
//! opens with this one, keeps its identities whole, and gains the peer book
//! (schema version 2).
#![allow(clippy::unwrap_used)] // a test that cannot go on should panic

use std::path::Path;

use peerid::secrecy::SecretString;
use peerid::testkit;
use peerid::{
    Classifier, ExportParams, FriendlyName, Identity, ImportOptions, KeyType, PeerName, Store,
};

use crate::support;

fn vector_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/store-v1")
}

/// `peer name<TAB>friendly name<TAB>key type` of each identity, as the old
/// binary's `list` and `show` printed them when the store was made.
fn expected() -> Vec<(PeerName, String, String)> {
    std::fs::read_to_string(vector_dir().join("identities.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                PeerName::parse_secure(f[0]).unwrap(),
                f[1].to_owned(),
                f[2].to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_version_1_store_opens_and_gains_the_peer_book() {
    let tmp = support::tempdir();
    let dir = tmp.path().join("store");
    peerid::testkit::private_dir(&dir).unwrap();
    let db = dir.join(Store::DB_FILE);
    // Only the database file: the old binary left no log to replay.
    peerid::testkit::private_copy(&vector_dir().join(Store::DB_FILE), &dir, Store::DB_FILE)
        .unwrap();
    let header = std::fs::read(&db).unwrap();
    assert_eq!(&header[..16], b"SQLite format 3\0");
    // Bytes 68..72: the application id, "PEER".
    assert_eq!(&header[68..72], b"PEER");

    let store = Store::open(&dir).unwrap();
    // Through 2 (the peer book) to 3 (sealing).
    assert_eq!(testkit::schema_version(&store).unwrap(), 3);
    let expected = expected();
    assert_eq!(expected.len(), 2);
    let listed = store.list().unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|s| (
                s.peer_name.clone(),
                s.friendly_name.as_str().to_owned(),
                s.key_type.name()
            ))
            .collect::<Vec<_>>(),
        expected
    );
    let password = SecretString::from("old store".to_owned());
    let params = ExportParams {
        iterations: 1_000,
        ..ExportParams::default()
    };
    for (name, friendly, kt) in &expected {
        let identity = store.get(name).unwrap();
        assert_eq!(identity.public_key().key_type().name(), *kt);
        let sig = identity.sign(b"still mine").unwrap();
        identity.public_key().verify(b"still mine", &sig).unwrap();
        let doc = store.export(name, &password, &params).unwrap();
        let back =
            peerid::transfer::import(doc.as_bytes(), &password, &ImportOptions::default()).unwrap();
        assert_eq!(back.identity.public_key(), identity.public_key());
        assert_eq!(back.identity.friendly_name(), identity.friendly_name());
        assert_eq!(store.friendly_name(name).unwrap(), *friendly);
    }
    let bob = Identity::generate(
        KeyType::Ed25519,
        Classifier::new("bob").unwrap(),
        FriendlyName::default(),
    )
    .unwrap();
    store
        .add_peer(bob.idc().to_info_xml().as_bytes(), None)
        .unwrap();
    drop(store);

    // Opened again: still version 3, identities and the peer both there.
    let store = Store::open(&dir).unwrap();
    assert_eq!(testkit::schema_version(&store).unwrap(), 3);
    assert_eq!(store.list().unwrap().len(), 2);
    assert_eq!(store.peers().unwrap().len(), 1);
    store.check_integrity().unwrap();
}
