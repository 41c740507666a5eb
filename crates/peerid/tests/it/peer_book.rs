//! Issue 11: the peer book (docs/design.md §10) through the public API:
//! add, list, show, remove; identities and peers kept apart; hostile
//! documents refused with nothing stored.
#![allow(clippy::unwrap_used)] // a test that cannot go on should panic

use std::time::{Duration, SystemTime};

use peerid::testkit::{self, identity_info};
use peerid::{
    Classifier, CreateOptions, Error, ErrorKind, FriendlyName, Identity, KeyType, PeerName,
    PrivateKey, Store,
};

use crate::support;

fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(dir.path().join("store")).unwrap()
}

fn identity(kt: KeyType, classifier: &str) -> Identity {
    Identity::generate(
        kt,
        Classifier::new(classifier).unwrap(),
        FriendlyName::default(),
    )
    .unwrap()
}

fn friendly(s: &str) -> Option<FriendlyName> {
    Some(FriendlyName::new(s).unwrap())
}

#[test]
fn add_list_show_remove() {
    let dir = support::tempdir();
    let s = store(&dir);
    let before = SystemTime::now() - Duration::from_secs(1);
    let bob = identity(KeyType::P256, "bob");
    let carol = identity(KeyType::Ed25519, "");
    let added = s
        .add_peer(bob.idc().to_info_xml().as_bytes(), friendly("Bob"))
        .unwrap();
    assert_eq!(added.peer_name(), bob.peer_name());
    assert_eq!(added.public_key(), bob.public_key());
    assert_eq!(added.idc().as_der(), bob.idc().as_der());
    assert_eq!(added.friendly_name().as_str(), "Bob");
    assert!(added.added_at() >= before && added.added_at() <= SystemTime::now());
    let carol_peer = s
        .add_peer(carol.idc().to_info_xml().as_bytes(), None)
        .unwrap();
    assert_eq!(
        carol_peer.friendly_name().as_str(),
        carol.peer_name().to_string(),
        "no friendly name given: the peer name is shown"
    );

    let all = s.peers().unwrap();
    let mut expected = vec![bob.peer_name().clone(), carol.peer_name().clone()];
    expected.sort_by_key(ToString::to_string);
    let names: Vec<PeerName> = all.iter().map(|p| p.peer_name().clone()).collect();
    assert_eq!(names, expected, "sorted by peer name");
    assert_eq!(s.peer(bob.peer_name()).unwrap(), added);
    assert!(s.list().unwrap().is_empty(), "peers are not identities");
    assert!(matches!(
        s.get(bob.peer_name()),
        Err(Error::NotFound { .. })
    ));

    s.remove_peer(bob.peer_name()).unwrap();
    assert!(matches!(
        s.peer(bob.peer_name()),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.remove_peer(bob.peer_name()),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(s.peers().unwrap(), vec![carol_peer]);
    // Another store on the same directory sees the same book.
    drop(s);
    assert_eq!(store(&dir).peers().unwrap().len(), 1);
}

#[test]
fn same_name_twice_is_refused_and_the_first_kept() {
    let dir = support::tempdir();
    let s = store(&dir);
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let name = PeerName::new(key.authority(), Classifier::new("x").unwrap());
    let first = peerid::Idc::build(&key, &name, SystemTime::now()).unwrap();
    // The same peer name, the same key, another certificate (new serial).
    let second = peerid::Idc::build(&key, &name, SystemTime::now()).unwrap();
    assert_ne!(first.as_der(), second.as_der());
    s.add_peer(first.to_info_xml().as_bytes(), friendly("First"))
        .unwrap();
    for doc in [second.to_info_xml(), first.to_info_xml()] {
        let err = s.add_peer(doc.as_bytes(), friendly("Second")).unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    }
    let kept = s.peer(&name).unwrap();
    assert_eq!(kept.idc().as_der(), first.as_der());
    assert_eq!(kept.friendly_name().as_str(), "First");
    assert_eq!(s.peers().unwrap().len(), 1);
}

/// One of our own identities may be a peer too (its document is public);
/// deleting the identity leaves the peer, removing the peer leaves the
/// identity.
#[test]
fn own_identity_as_a_peer_and_delete_keeps_peers() {
    let dir = support::tempdir();
    let s = store(&dir);
    let mine = s.create(&CreateOptions::default()).unwrap();
    let other = s.create(&CreateOptions::default()).unwrap();
    let doc = s.info_xml(Some(&mine)).unwrap();
    s.add_peer(doc.as_bytes(), None).unwrap();
    let other_doc = s.info_xml(Some(&other)).unwrap();
    s.add_peer(other_doc.as_bytes(), None).unwrap();

    s.delete(&mine).unwrap();
    assert_eq!(s.peer(&mine).unwrap().idc().as_der(), testkit_cert(&doc));
    s.remove_peer(&other).unwrap();
    assert_eq!(s.show(&other).unwrap().peer_name, other);
    assert_eq!(s.peers().unwrap().len(), 1);
}

fn testkit_cert(doc: &str) -> Vec<u8> {
    identity_info::parse(doc.as_bytes())
        .unwrap()
        .as_der()
        .to_vec()
}

/// A removed peer's certificate is gone from every file of the store
/// (secure delete, and the log checkpointed).
#[test]
fn removed_peer_leaves_no_trace_in_the_files() {
    let dir = support::tempdir();
    let s = store(&dir);
    let bob = identity(KeyType::Ed25519, "gone");
    s.add_peer(bob.idc().to_info_xml().as_bytes(), None)
        .unwrap();
    let der = bob.idc().as_der();
    // The signature: 64 random-looking bytes found nowhere else.
    let needle = &der[der.len() - 64..];
    let in_files = || {
        std::fs::read_dir(dir.path().join("store"))
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
    };
    assert!(in_files(), "the test looks for the right bytes");
    s.remove_peer(bob.peer_name()).unwrap();
    assert!(
        !in_files(),
        "the removed certificate is still in the store's files"
    );
}

/// Each hostile document is refused with its own error, and nothing is
/// stored; afterwards a genuine document is still added.
#[test]
fn hostile_documents_store_nothing() {
    let dir = support::tempdir();
    let s = store(&dir);
    let bob = identity(KeyType::Ed25519, "bob");
    let good = bob.idc().to_info_xml();

    let mut tampered = bob.idc().as_der().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;

    // Mallory's key, self-signed honestly, under Bob's peer name.
    let mallory = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let impostor = testkit::idc_naming(&mallory, &bob.peer_name().to_string()).unwrap();
    // Mallory's own authority with a name that is no secure peer name.
    let unsecured = testkit::idc_naming(&mallory, "0.mallory").unwrap();
    let garbled = testkit::idc_naming(&mallory, &format!("{}x.m", mallory.authority())).unwrap();

    let rsa = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/peers/rsa8704-selfsigned.der"),
    )
    .unwrap();

    let mut oversized = good.clone().into_bytes();
    oversized.resize(identity_info::MAX_INFO_LEN + 1, b' ');

    type Check = fn(&Error) -> bool;
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        (
            "tampered self-signature",
            identity_info::emit(&tampered).into_bytes(),
            |e| matches!(e, Error::BadSignature),
        ),
        (
            "another key under this peer name",
            identity_info::emit(&impostor).into_bytes(),
            |e| matches!(e, Error::PeerNameMismatch { .. }),
        ),
        (
            "an unsecured peer name",
            identity_info::emit(&unsecured).into_bytes(),
            |e| matches!(e, Error::MalformedCertificate { .. }),
        ),
        (
            "an invalid peer name",
            identity_info::emit(&garbled).into_bytes(),
            |e| matches!(e, Error::MalformedCertificate { .. }),
        ),
        ("RSA-8704", identity_info::emit(&rsa).into_bytes(), |e| {
            matches!(e, Error::UnsupportedAlgorithm { .. })
        }),
        ("oversized", oversized, |e| {
            matches!(e, Error::InputTooLarge { .. })
        }),
        (
            "not XML",
            b"\x00\x01 this is not a document".to_vec(),
            |e| matches!(e, Error::MalformedDocument { .. }),
        ),
        ("empty", Vec::new(), |e| {
            matches!(e, Error::MalformedDocument { .. })
        }),
        (
            "an export document",
            b"<PEERIDENTITYEXPORT VERSION=\"1.0\"/>".to_vec(),
            |e| matches!(e, Error::MalformedDocument { .. }),
        ),
    ];
    for (what, doc, check) in &cases {
        let err = s.add_peer(doc, None).unwrap_err();
        assert!(check(&err), "{what}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::InvalidArg, "{what}");
        assert!(
            s.peers().unwrap().is_empty(),
            "{what}: something was stored"
        );
    }
    // Truncated anywhere: refused, never a panic, nothing stored.
    let bytes = good.as_bytes();
    for cut in (0..bytes.len()).step_by(7) {
        let err = s.add_peer(&bytes[..cut], None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArg, "cut at {cut}: {err:?}");
    }
    assert!(s.peers().unwrap().is_empty());
    s.add_peer(good.as_bytes(), None).unwrap();
    assert_eq!(s.peers().unwrap().len(), 1);
}
