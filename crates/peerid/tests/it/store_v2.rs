//! Issue 13: a store made by the previous release (schema version 2, by the
//! `peerid` binary of cbbe5c9: `tests/vectors/store-v2/README.md`) opens
//! with this one (schema version 3), keeps its identities whole, and can be
//! sealed, unlocked and unsealed.
#![allow(clippy::unwrap_used)] // a test that cannot go on should panic

use std::path::Path;

use peerid::secrecy::SecretString;
use peerid::testkit;
use peerid::{Error, PeerName, SealOptions, Store};

use crate::support;

fn vector_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/store-v2")
}

#[test]
fn a_version_2_store_opens_at_version_3_and_seals() {
    let tmp = support::tempdir();
    let dir = tmp.path().join("store");
    peerid::testkit::private_dir(&dir).unwrap();
    peerid::testkit::private_copy(&vector_dir().join(Store::DB_FILE), &dir, Store::DB_FILE)
        .unwrap();
    let expected: Vec<(PeerName, String, String)> =
        std::fs::read_to_string(vector_dir().join("identities.tsv"))
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (
                    PeerName::parse_secure(f[0]).unwrap(),
                    f[1].into(),
                    f[2].into(),
                )
            })
            .collect();
    assert_eq!(expected.len(), 2);

    let mut store = Store::open(&dir).unwrap();
    assert_eq!(testkit::schema_version(&store).unwrap(), 3);
    assert!(!store.is_sealed().unwrap());
    let listed: Vec<_> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.peer_name,
                s.friendly_name.as_str().to_owned(),
                s.key_type.name(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    let keys: Vec<_> = expected
        .iter()
        .map(|(n, _, _)| store.private_key(n).unwrap().to_pkcs8_der())
        .collect();

    let passphrase = SecretString::from("previous release".to_owned());
    let opts = SealOptions {
        work_factor: Some(10),
        ..SealOptions::default()
    };
    store.seal(&passphrase, &opts).unwrap();
    drop(store);

    let mut store = Store::open(&dir).unwrap();
    assert!(store.is_locked().unwrap());
    assert!(matches!(
        store.private_key(&expected[0].0),
        Err(Error::StoreLocked { .. })
    ));
    store.unlock(&passphrase).unwrap();
    for ((name, _, _), key) in expected.iter().zip(&keys) {
        let identity = store.get(name).unwrap();
        assert_eq!(&identity.private_key().to_pkcs8_der(), key);
        let sig = identity.sign(b"sealed and mine").unwrap();
        identity
            .public_key()
            .verify(b"sealed and mine", &sig)
            .unwrap();
    }
    store.unseal().unwrap();
    for ((name, _, _), key) in expected.iter().zip(&keys) {
        assert_eq!(
            &Store::open(&dir)
                .unwrap()
                .private_key(name)
                .unwrap()
                .to_pkcs8_der(),
            key
        );
    }
    store.check_integrity().unwrap();
}
