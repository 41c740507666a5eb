//! Every pairing of key types succeeds, and each side learns the other's
//! peer name.

use peerid::KeyType;
use peerid_rustls::{Policy, client_config, peer, server_config};

use crate::certs;
use crate::pump::{handshake, identity};

#[test]
fn every_pairing_of_key_types() {
    let types = [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)];
    let servers: Vec<_> = types.iter().map(|&kt| identity(kt, "server")).collect();
    let clients: Vec<_> = types.iter().map(|&kt| identity(kt, "client")).collect();
    for server in &servers {
        for client in &clients {
            let what = format!("{} server, {} client", server.key_type(), client.key_type());
            let mut out = handshake(
                client_config(client, Policy::PeerName(server.peer_name().clone())).unwrap(),
                server_config(server, Policy::PeerName(client.peer_name().clone())).unwrap(),
                Some(server.peer_name()),
            );
            assert!(
                out.ok(),
                "{what}: {:?} / {:?}",
                out.client_error,
                out.server_error
            );
            let seen_by_client = peer(&out.client).unwrap();
            let seen_by_server = peer(&out.server).unwrap();
            assert_eq!(seen_by_client.peer_name(), server.peer_name(), "{what}");
            assert_eq!(seen_by_client.public_key(), server.public_key(), "{what}");
            assert_eq!(seen_by_client.idc(), server.idc(), "{what}");
            assert_eq!(seen_by_server.peer_name(), client.peer_name(), "{what}");
            assert_eq!(
                seen_by_server.authority(),
                client.peer_name().authority(),
                "{what}"
            );
            assert_eq!(
                out.client.protocol_version(),
                Some(peerid_rustls::rustls::ProtocolVersion::TLSv1_3)
            );
            out.exchange(b"hello, peer");
        }
    }
}

/// An imported P-384 identity works too (ecdsa_secp384r1_sha384).
#[test]
fn p384_identity() {
    let key = certs::key(&rcgen::PKCS_ECDSA_P384_SHA384);
    let p384 = peerid::Identity::from_key(
        certs::peerid_key(&key),
        peerid::Classifier::new("old").unwrap(),
        peerid::FriendlyName::default(),
    )
    .unwrap();
    assert_eq!(p384.key_type(), KeyType::P384);
    let other = identity(KeyType::Ed25519, "");
    for (server, client) in [(&p384, &other), (&other, &p384)] {
        let out = handshake(
            client_config(client, Policy::Any).unwrap(),
            server_config(server, Policy::Any).unwrap(),
            None,
        );
        assert!(out.ok(), "{:?} / {:?}", out.client_error, out.server_error);
        assert_eq!(peer(&out.client).unwrap().peer_name(), server.peer_name());
        assert_eq!(peer(&out.server).unwrap().peer_name(), client.peer_name());
    }
}

#[test]
fn no_peer_before_the_handshake() {
    let a = identity(KeyType::Ed25519, "a");
    let conn = peerid_rustls::rustls::ClientConnection::new(
        std::sync::Arc::new(client_config(&a, Policy::Any).unwrap()),
        peerid_rustls::server_name(None),
    )
    .unwrap();
    assert!(peer(&conn).is_none());
}

#[test]
fn server_name_is_the_authority() {
    let a = identity(KeyType::Ed25519, "chat");
    let name = peerid_rustls::server_name(Some(a.peer_name()));
    assert_eq!(name.to_str(), a.peer_name().authority().to_string());
    assert_eq!(
        peerid_rustls::server_name(None).to_str(),
        peerid_rustls::PLACEHOLDER_SERVER_NAME
    );
    let unsecured = peerid::unsecured_peer_name(&peerid::Classifier::new("x").unwrap());
    assert_eq!(
        peerid_rustls::server_name(Some(&unsecured)).to_str(),
        peerid_rustls::PLACEHOLDER_SERVER_NAME
    );
}

/// A resumed session (TLS 1.3 tickets, on by default) still reports the
/// peer its first handshake authenticated, on both sides.
#[test]
fn resumed_sessions_know_the_peer() {
    use peerid_rustls::rustls::HandshakeKind;
    use std::sync::Arc;
    let alice = identity(KeyType::Ed25519, "alice");
    let bob = identity(KeyType::P256, "bob");
    let client =
        Arc::new(client_config(&alice, Policy::PeerName(bob.peer_name().clone())).unwrap());
    let server =
        Arc::new(server_config(&bob, Policy::PeerName(alice.peer_name().clone())).unwrap());
    let mut first = handshake(
        Arc::clone(&client),
        Arc::clone(&server),
        Some(bob.peer_name()),
    );
    assert!(first.ok());
    // The ticket comes after the handshake, with the first data.
    first.exchange(b"x");
    let second = handshake(client, server, Some(bob.peer_name()));
    assert!(
        second.ok(),
        "{:?} / {:?}",
        second.client_error,
        second.server_error
    );
    assert_eq!(second.client.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(peer(&second.client).unwrap().peer_name(), bob.peer_name());
    assert_eq!(peer(&second.server).unwrap().peer_name(), alice.peer_name());
}
