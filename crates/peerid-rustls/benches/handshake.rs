//! A full in-memory mutual TLS 1.3 handshake: peerid's IDCs and verifier
//! against the same handshake with rustls's own WebPKI verifiers and
//! certificates issued by a CA (rcgen) over a key of the same type. Same
//! provider (ring), same key exchange, no session resumption; each side
//! sends one certificate. Target (issue 12): peerid / WebPKI ≤ 1.1.
//!
//! ```text
//! cargo bench -p peerid-rustls --bench handshake
//! ```

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use peerid::{Classifier, FriendlyName, Identity, KeyType};
use peerid_rustls::rustls::client::Resumption;
use peerid_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use peerid_rustls::rustls::server::WebPkiClientVerifier;
use peerid_rustls::rustls::{
    self, ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection,
};
use peerid_rustls::{Policy, client_config, server_config, server_name};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

/// Runs one handshake to the end, panicking if it fails.
fn handshake(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>, name: ServerName<'static>) {
    let mut c = ClientConnection::new(Arc::clone(client), name).expect("client");
    let mut s = ServerConnection::new(Arc::clone(server)).expect("server");
    let mut buf = Vec::new();
    while c.is_handshaking() || s.is_handshaking() || c.wants_write() {
        buf.clear();
        while c.wants_write() {
            c.write_tls(&mut buf).expect("write");
        }
        let mut rest = buf.as_slice();
        while !rest.is_empty() {
            s.read_tls(&mut rest).expect("read");
            s.process_new_packets().expect("server handshake");
        }
        buf.clear();
        while s.wants_write() {
            s.write_tls(&mut buf).expect("write");
        }
        let mut rest = buf.as_slice();
        while !rest.is_empty() {
            c.read_tls(&mut rest).expect("read");
            c.process_new_packets().expect("client handshake");
        }
    }
}

fn peerid_configs(kt: KeyType) -> (Arc<ClientConfig>, Arc<ServerConfig>, ServerName<'static>) {
    let id = |c: &str| {
        Identity::generate(
            kt,
            Classifier::new(c).expect("classifier"),
            FriendlyName::default(),
        )
        .expect("identity")
    };
    let (alice, bob) = (id("alice"), id("bob"));
    let mut client =
        client_config(&alice, Policy::PeerName(bob.peer_name().clone())).expect("client");
    client.resumption = Resumption::disabled();
    let server = server_config(&bob, Policy::PeerName(alice.peer_name().clone())).expect("server");
    (
        Arc::new(client),
        Arc::new(server),
        server_name(Some(bob.peer_name())),
    )
}

fn webpki_configs(
    alg: &'static rcgen::SignatureAlgorithm,
) -> (Arc<ClientConfig>, Arc<ServerConfig>, ServerName<'static>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate_for(alg).expect("key");
    let ca = ca_params.self_signed(&ca_key).expect("CA").der().clone();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = |name: &str| {
        let key = KeyPair::generate_for(alg).expect("key");
        let cert = CertificateParams::new(vec![name.to_owned()])
            .expect("params")
            .signed_by(&key, &issuer)
            .expect("leaf")
            .der()
            .clone();
        (
            vec![cert],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    };
    let mut roots = RootCertStore::empty();
    roots.add(ca).expect("root");
    let roots = Arc::new(roots);

    let (server_chain, server_key) = leaf("server.test");
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider))
            .build()
            .expect("client verifier");
    let server = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(server_chain, server_key)
        .expect("server");
    let (client_chain, client_key) = leaf("client.test");
    let mut client = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(client_chain, client_key)
        .expect("client");
    client.resumption = Resumption::disabled();
    let name = ServerName::try_from("server.test").expect("name");
    (Arc::new(client), Arc::new(server), name)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("mutual TLS 1.3 handshake");
    group.sample_size(30);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(4));
    for (label, kt, alg) in [
        ("ed25519", KeyType::Ed25519, &rcgen::PKCS_ED25519),
        ("p256", KeyType::P256, &rcgen::PKCS_ECDSA_P256_SHA256),
    ] {
        let (client, server, name) = peerid_configs(kt);
        group.bench_function(format!("peerid/{label}"), |b| {
            b.iter(|| handshake(&client, &server, name.clone()))
        });
        let (client, server, name) = webpki_configs(alg);
        group.bench_function(format!("webpki/{label}"), |b| {
            b.iter(|| handshake(&client, &server, name.clone()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
