//! Each policy accepts the right peer and refuses another, on both sides.

use peerid::{Identity, KeyType, Store};
use peerid_rustls::{Policy, client_config, peer, server_config};

use crate::pump::{Outcome, handshake, identity, refused_by_client, refused_by_server, same_key};

/// `client` connects to `server`, which applies `policy`; the client takes
/// any server.
fn server_applies(server: &Identity, client: &Identity, policy: Policy) -> Outcome {
    handshake(
        client_config(client, Policy::Any).unwrap(),
        server_config(server, policy).unwrap(),
        Some(server.peer_name()),
    )
}

/// `client` applies `policy` to `server`, which takes any client.
fn client_applies(server: &Identity, client: &Identity, policy: Policy) -> Outcome {
    handshake(
        client_config(client, policy).unwrap(),
        server_config(server, Policy::Any).unwrap(),
        Some(server.peer_name()),
    )
}

/// `policy` admits `good` and refuses `bad`, whichever side applies it.
fn admits_only(policy: Policy, good: &Identity, bad: &Identity) {
    let me = identity(KeyType::Ed25519, "me");
    let out = server_applies(&me, good, policy.clone());
    assert!(out.ok(), "{policy:?}: {:?}", out.server_error);
    assert_eq!(peer(&out.server).unwrap().peer_name(), good.peer_name());
    let out = client_applies(good, &me, policy.clone());
    assert!(out.ok(), "{policy:?}: {:?}", out.client_error);
    assert_eq!(peer(&out.client).unwrap().peer_name(), good.peer_name());

    let why = refused_by_server(&server_applies(&me, bad, policy.clone()));
    assert!(why.contains(&bad.peer_name().to_string()), "{why}");
    let why = refused_by_client(&client_applies(bad, &me, policy.clone()));
    assert!(why.contains(&bad.peer_name().to_string()), "{why}");
}

#[test]
fn peer_name() {
    let bob = identity(KeyType::Ed25519, "bob");
    let carol = identity(KeyType::P256, "carol");
    admits_only(Policy::PeerName(bob.peer_name().clone()), &bob, &carol);
    // The same key under another classifier is another peer name.
    admits_only(
        Policy::PeerName(bob.peer_name().clone()),
        &bob,
        &same_key(&bob, "other"),
    );
}

#[test]
fn one_of() {
    let bob = identity(KeyType::Ed25519, "bob");
    let carol = identity(KeyType::Ed25519, "carol");
    let dave = identity(KeyType::Ed25519, "dave");
    let both = Policy::OneOf(vec![carol.peer_name().clone(), bob.peer_name().clone()]);
    admits_only(both.clone(), &bob, &dave);
    admits_only(both, &carol, &dave);
    admits_only(Policy::OneOf(vec![carol.peer_name().clone()]), &carol, &bob);
    admits_only(Policy::OneOf(vec![bob.peer_name().clone()]), &bob, &carol);
}

#[test]
fn authority() {
    let bob = identity(KeyType::Ed25519, "bob");
    let carol = identity(KeyType::Ed25519, "bob");
    let policy = Policy::Authority(*bob.peer_name().authority());
    admits_only(policy.clone(), &bob, &carol);
    // Any classifier of that authority.
    admits_only(policy, &same_key(&bob, "laptop"), &carol);
}

#[test]
fn peer_book() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("store")).unwrap();
    let bob = identity(KeyType::P256, "bob");
    let carol = identity(KeyType::P256, "carol");
    store
        .add_peer(bob.idc().to_info_xml().as_bytes(), None)
        .unwrap();
    let policy = Policy::peer_book(&store).unwrap();
    let why = {
        let me = identity(KeyType::Ed25519, "me");
        refused_by_server(&server_applies(&me, &carol, policy.clone()))
    };
    assert!(why.contains("not in the peer book"), "{why}");
    admits_only(policy.clone(), &bob, &carol);
    // Bob's key under a classifier the book does not have.
    admits_only(policy, &bob, &same_key(&bob, "other"));
    // An empty book admits nobody.
    let empty = Store::open(tmp.path().join("empty")).unwrap();
    let me = identity(KeyType::Ed25519, "me");
    refused_by_server(&server_applies(
        &me,
        &bob,
        Policy::peer_book(&empty).unwrap(),
    ));
}

#[test]
fn any() {
    for kt in [KeyType::Ed25519, KeyType::P256] {
        let someone = identity(kt, "");
        let me = identity(KeyType::Ed25519, "me");
        assert!(server_applies(&me, &someone, Policy::Any).ok());
        assert!(client_applies(&someone, &me, Policy::Any).ok());
    }
}
