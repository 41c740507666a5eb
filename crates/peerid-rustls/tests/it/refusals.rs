//! Refusals (issue 12): each certificate that is not the expected peer's
//! valid IDC, on either side, is refused with `NotAuthenticated`.

use peerid::KeyType;
use peerid_rustls::rustls::{self, ClientConfig};
use peerid_rustls::{Policy, client_config, peer, server_config};
use rcgen::ExtendedKeyUsagePurpose as Eku;

use crate::certs::{
    self, ca_and_leaf, client_presenting, ring_signer, self_signed, server_presenting,
};
use crate::pump::{handshake, identity, refused_by_client, refused_by_server};

/// The server (Bob, expecting Alice) refuses a client presenting `chain`
/// signed with `key`, and so does the client (Alice, expecting Bob) when
/// the server presents it. Returns both refusals' messages.
fn refused_both_ways(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: std::sync::Arc<dyn rustls::sign::SigningKey>,
    expected: &peerid::PeerName,
) -> (String, String) {
    let server_id = identity(KeyType::Ed25519, "bob");
    let client_id = identity(KeyType::Ed25519, "alice");
    let out = handshake(
        client_presenting(
            client_config(&client_id, Policy::Any).unwrap(),
            chain.clone(),
            key.clone(),
        ),
        server_config(&server_id, Policy::PeerName(expected.clone())).unwrap(),
        Some(server_id.peer_name()),
    );
    let by_server = refused_by_server(&out);
    let out = handshake(
        client_config(&client_id, Policy::PeerName(expected.clone())).unwrap(),
        server_presenting(server_config(&server_id, Policy::Any).unwrap(), chain, key),
        Some(expected),
    );
    (by_server, refused_by_client(&out))
}

#[test]
fn a_chain_of_two() {
    // Even two valid IDCs, the first the expected peer's: exactly one.
    let alice = identity(KeyType::Ed25519, "alice");
    let other = identity(KeyType::Ed25519, "other");
    let key = certs::key(&rcgen::PKCS_ED25519);
    // The signer does not matter: the chain is refused before.
    let chain = vec![
        alice.idc().as_der().to_vec().into(),
        other.idc().as_der().to_vec().into(),
    ];
    let (s, c) = refused_both_ways(chain, ring_signer(&key), alice.peer_name());
    assert!(
        s.contains("chain of 2") && c.contains("chain of 2"),
        "{s} / {c}"
    );
}

#[test]
fn a_ca_signed_certificate() {
    for alg in [&rcgen::PKCS_ED25519, &rcgen::PKCS_ECDSA_P256_SHA256] {
        let leaf_key = certs::key(alg);
        let name = certs::name_of(&leaf_key, "leaf");
        let (ca, leaf) = ca_and_leaf(certs::key(alg), &leaf_key, &name.to_string());
        let (s, c) = refused_both_ways(vec![leaf.clone()], ring_signer(&leaf_key), &name);
        assert!(
            s.contains("not self-issued") && c.contains("not self-issued"),
            "{s} / {c}"
        );
        // With its CA after it: a chain.
        let (s, _) = refused_both_ways(vec![leaf, ca], ring_signer(&leaf_key), &name);
        assert!(s.contains("chain of 2"), "{s}");
    }
}

#[test]
fn a_key_that_does_not_hash_to_the_expected_authority() {
    let bob = identity(KeyType::Ed25519, "bob");
    let mallory = certs::key(&rcgen::PKCS_ED25519);
    // Claiming Bob's peer name over another key: the IDC is inconsistent.
    let claims_bob = self_signed(&mallory, Some(&bob.peer_name().to_string()), vec![]);
    let (s, c) = refused_both_ways(vec![claims_bob], ring_signer(&mallory), bob.peer_name());
    assert!(
        s.contains("peer name mismatch") && c.contains("peer name mismatch"),
        "{s} / {c}"
    );
    // A plain self-signed certificate, no peer name: its own authority.
    let plain = self_signed(&mallory, None, vec![Eku::ServerAuth, Eku::ClientAuth]);
    let (s, c) = refused_both_ways(vec![plain], ring_signer(&mallory), bob.peer_name());
    let own = certs::name_of(&mallory, "").to_string();
    assert!(s.contains(&own) && c.contains(&own), "{s} / {c}");
}

#[test]
fn a_valid_idc_of_another_peer() {
    let bob = identity(KeyType::P256, "bob");
    let carol = identity(KeyType::P256, "carol");
    let key = certs::key(&rcgen::PKCS_ECDSA_P256_SHA256);
    // Carol's own IDC (the signer is irrelevant: the policy refuses first).
    let (s, c) = refused_both_ways(
        vec![carol.idc().as_der().to_vec().into()],
        ring_signer(&key),
        bob.peer_name(),
    );
    assert!(s.contains(&carol.peer_name().to_string()), "{s}");
    assert!(c.contains("the peer expected is"), "{c}");
}

#[test]
fn the_expected_idc_without_its_key() {
    // Bob's real IDC, presented by someone who cannot sign with Bob's key.
    let bob = identity(KeyType::Ed25519, "bob");
    let mallory = certs::key(&rcgen::PKCS_ED25519);
    let (s, c) = refused_both_ways(
        vec![bob.idc().as_der().to_vec().into()],
        ring_signer(&mallory),
        bob.peer_name(),
    );
    assert!(s.contains("handshake signature does not verify"), "{s}");
    assert!(c.contains("handshake signature does not verify"), "{c}");
}

#[test]
fn a_peer_book_name_with_another_key() {
    let tmp = tempfile::tempdir().unwrap();
    let store = peerid::Store::open(tmp.path().join("store")).unwrap();
    let bob = identity(KeyType::Ed25519, "bob");
    store
        .add_peer(bob.idc().to_info_xml().as_bytes(), None)
        .unwrap();
    let book = Policy::peer_book(&store).unwrap();
    let mallory = certs::key(&rcgen::PKCS_ED25519);
    let claims_bob = self_signed(&mallory, Some(&bob.peer_name().to_string()), vec![]);
    let me = identity(KeyType::Ed25519, "me");
    let out = handshake(
        client_presenting(
            client_config(&me, Policy::Any).unwrap(),
            vec![claims_bob],
            ring_signer(&mallory),
        ),
        server_config(&me, book).unwrap(),
        None,
    );
    let why = refused_by_server(&out);
    assert!(why.contains("peer name mismatch"), "{why}");
}

#[test]
fn tls12_only_peers() {
    let bob = identity(KeyType::P256, "bob");
    let alice = identity(KeyType::P256, "alice");
    // A TLS 1.2-only client (which would accept anything) is refused by the
    // server's protocol version alone.
    let mut tls12 =
        ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(std::sync::Arc::new(AcceptAnything))
            .with_no_client_auth();
    tls12.client_auth_cert_resolver = client_config(&alice, Policy::Any)
        .unwrap()
        .client_auth_cert_resolver;
    let out = handshake(tls12, server_config(&bob, Policy::Any).unwrap(), None);
    assert!(
        matches!(out.server_error, Some(rustls::Error::PeerIncompatible(_))),
        "{:?}",
        out.server_error
    );
    assert!(
        matches!(
            out.client_error,
            Some(rustls::Error::AlertReceived(
                rustls::AlertDescription::ProtocolVersion
            ))
        ),
        "{:?}",
        out.client_error
    );
    assert!(peer(&out.server).is_none());

    // Our client refuses a TLS 1.2-only server the same way.
    let tls12_server = rustls::ServerConfig::builder_with_provider(
        rustls::crypto::ring::default_provider().into(),
    )
    .with_protocol_versions(&[&rustls::version::TLS12])
    .unwrap()
    .with_no_client_auth()
    .with_cert_resolver(server_config(&bob, Policy::Any).unwrap().cert_resolver);
    let out = handshake(
        client_config(&alice, Policy::Any).unwrap(),
        tls12_server,
        None,
    );
    assert!(
        out.client_error.is_some() && peer(&out.client).is_none(),
        "{:?}",
        out.client_error
    );
}

#[test]
fn an_idc_without_client_auth_is_accepted() {
    // An older IDC: peer authentication + serverAuth, no clientAuth, as
    // peerid made them before clientAuth was added (§2).
    let key = certs::key(&rcgen::PKCS_ED25519);
    let name = certs::name_of(&key, "old");
    let cert = self_signed(
        &key,
        Some(&name.to_string()),
        vec![
            Eku::Other(vec![1, 3, 6, 1, 4, 1, 311, 44, 3, 4]),
            Eku::ServerAuth,
        ],
    );
    let old = certs::identity_with(&key, &cert, "old");
    let bob = identity(KeyType::Ed25519, "bob");
    let out = handshake(
        client_config(&old, Policy::PeerName(bob.peer_name().clone())).unwrap(),
        server_config(&bob, Policy::PeerName(name.clone())).unwrap(),
        Some(bob.peer_name()),
    );
    assert!(out.ok(), "{:?} / {:?}", out.client_error, out.server_error);
    assert_eq!(peer(&out.server).unwrap().peer_name(), &name);
    // And a certificate with no SubjectAltName presents `<authority>.`.
    let bare = self_signed(&key, None, vec![]);
    let bare_id = certs::identity_with(&key, &bare, "");
    let out = handshake(
        client_config(&bare_id, Policy::Any).unwrap(),
        server_config(&bob, Policy::Authority(*name.authority())).unwrap(),
        None,
    );
    assert!(out.ok(), "{:?}", out.server_error);
    assert_eq!(
        peer(&out.server).unwrap().peer_name(),
        &certs::name_of(&key, "")
    );
}

/// A TLS 1.2 client's verifier that accepts any server: the refusal must
/// come from the server.
#[derive(Debug)]
struct AcceptAnything;

impl rustls::client::danger::ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The verifier remembers IDCs it verified; that must never let a peer past
/// the policy or the handshake signature on a later connection.
#[test]
fn remembered_idcs_are_still_checked() {
    use std::sync::Arc;
    let bob = identity(KeyType::Ed25519, "bob");
    let alice = identity(KeyType::P256, "alice");
    let carol = identity(KeyType::P256, "carol");
    let server =
        Arc::new(server_config(&bob, Policy::PeerName(alice.peer_name().clone())).unwrap());
    let connect = |client| handshake(client, Arc::clone(&server), None);
    assert!(connect(client_config(&alice, Policy::Any).unwrap()).ok());
    assert!(
        connect(client_config(&carol, Policy::Any).unwrap())
            .server_error
            .is_some()
    );
    // Carol's IDC is remembered now, and still refused.
    refused_by_server(&connect(client_config(&carol, Policy::Any).unwrap()));
    // Alice's IDC is remembered, but without Alice's key it is refused.
    let mallory = certs::key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let why = refused_by_server(&connect(client_presenting(
        client_config(&carol, Policy::Any).unwrap(),
        vec![alice.idc().as_der().to_vec().into()],
        ring_signer(&mallory),
    )));
    assert!(why.contains("handshake signature does not verify"), "{why}");
    assert!(connect(client_config(&alice, Policy::Any).unwrap()).ok());
}

/// A new RSA-1024 identity (an old Windows one, say): peerid does not make
/// such keys, so openssl does.
fn rsa1024_identity() -> peerid::Identity {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(
            "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
             | openssl pkcs8 -topk8 -nocrypt -outform DER",
        )
        .output()
        .expect("openssl (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = peerid::PrivateKey::from_pkcs8_der(&out.stdout).unwrap();
    assert_eq!(key.key_type(), KeyType::Rsa(1024));
    peerid::Identity::from_key(
        key,
        peerid::Classifier::new("old").unwrap(),
        peerid::FriendlyName::default(),
    )
    .unwrap()
}

#[test]
fn an_rsa1024_peer() {
    // Imported RSA-1024 identities stay valid, but do not authenticate a
    // TLS peer, client or server, even one the policy names.
    let old = rsa1024_identity();
    let me = identity(KeyType::Ed25519, "me");
    let out = handshake(
        client_config(&old, Policy::Any).unwrap(),
        server_config(&me, Policy::PeerName(old.peer_name().clone())).unwrap(),
        Some(me.peer_name()),
    );
    let s = refused_by_server(&out);
    let out = handshake(
        client_config(&me, Policy::PeerName(old.peer_name().clone())).unwrap(),
        server_config(&old, Policy::Any).unwrap(),
        Some(old.peer_name()),
    );
    let c = refused_by_client(&out);
    for why in [s, c] {
        assert!(
            why.contains("RSA-1024 is too weak for TLS (2048 bits at least)"),
            "{why}"
        );
    }
}
