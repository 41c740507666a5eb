//! A full in-memory mutual TLS 1.3 handshake: peerid's IDCs and verifier
//! against the same handshake with rustls's own WebPKI verifiers and
//! certificates issued by a CA (rcgen) over a key of the same type. Same
//! provider (ring), same key exchange, no session resumption; each side
//! sends one certificate. Target (issue 12): peerid / WebPKI ≤ 1.1.
//! "peerid first contact" uses fresh configurations for each handshake
//! (made outside the timing); "peerid" reuses them, so its verifiers skip
//! the self-signature of an IDC they verified before.
//!
//! ```text
//! cargo bench -p peerid-rustls --bench handshake
//! ```
//!
//! After criterion's cases it times the three cases alternately (see
//! `alternating`), which is what BENCHMARKS.md records: criterion's cases
//! run one after another, and this machine's speed drifts between them.

use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group};
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

/// Two identities of type `kt`, Alice (client) and Bob (server).
fn identities(kt: KeyType) -> (Identity, Identity) {
    let id = |c: &str| {
        Identity::generate(
            kt,
            Classifier::new(c).expect("classifier"),
            FriendlyName::default(),
        )
        .expect("identity")
    };
    (id("alice"), id("bob"))
}

/// Fresh configurations (and so verifiers that have seen nobody yet).
fn peerid_configs(
    (alice, bob): &(Identity, Identity),
) -> (Arc<ClientConfig>, Arc<ServerConfig>, ServerName<'static>) {
    let mut client =
        client_config(alice, Policy::PeerName(bob.peer_name().clone())).expect("client");
    client.resumption = Resumption::disabled();
    let server = server_config(bob, Policy::PeerName(alice.peer_name().clone())).expect("server");
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
        let ids = identities(kt);
        // First contact: configurations made outside the timing, so each
        // handshake verifies both IDCs' self-signatures.
        group.bench_function(format!("peerid first contact/{label}"), |b| {
            b.iter_batched(
                || peerid_configs(&ids),
                |(client, server, name)| handshake(&client, &server, name),
                BatchSize::SmallInput,
            )
        });
        // Again with the same configurations: the verifiers remember the
        // IDCs they verified.
        let (client, server, name) = peerid_configs(&ids);
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

/// Where a handshake's time goes: one signature and one
/// verification (each side does one of each per handshake, plus one
/// verification of the peer's certificate) by peerid and by ring, on a
/// 130-byte message like TLS 1.3's CertificateVerify input. peerid's
/// ECDSA verification is ring's since it was measured here at 5x
/// RustCrypto's.
fn primitives(c: &mut Criterion) {
    let mut group = c.benchmark_group("P-256 ECDSA");
    group.sample_size(30);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(2));
    let message = [0x20u8; 130];
    let key = peerid::PrivateKey::generate(KeyType::P256).expect("key");
    let public = key.public_key();
    let signature = key.sign(&message).expect("sign");
    group.bench_function("peerid sign", |b| b.iter(|| key.sign(&message)));
    group.bench_function("peerid verify", |b| {
        b.iter(|| public.verify(&message, &signature))
    });

    use ring::signature::{self as sig, KeyPair as _};
    let rng = ring::rand::SystemRandom::new();
    let ring_key = sig::EcdsaKeyPair::from_pkcs8(
        &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
        &key.to_pkcs8_der(),
        &rng,
    )
    .expect("ring key");
    let ring_public = sig::UnparsedPublicKey::new(
        &sig::ECDSA_P256_SHA256_ASN1,
        ring_key.public_key().as_ref().to_vec(),
    );
    group.bench_function("ring sign", |b| b.iter(|| ring_key.sign(&rng, &message)));
    group.bench_function("ring verify", |b| {
        b.iter(|| ring_public.verify(&message, &signature))
    });
    group.finish();

    // The same for Ed25519: ed25519-dalek (verify_strict) against ring.
    let mut group = c.benchmark_group("Ed25519");
    group.sample_size(30);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(2));
    let key = peerid::PrivateKey::generate(KeyType::Ed25519).expect("key");
    let public = key.public_key();
    let signature = key.sign(&message).expect("sign");
    group.bench_function("peerid sign", |b| b.iter(|| key.sign(&message)));
    group.bench_function("peerid verify", |b| {
        b.iter(|| public.verify(&message, &signature))
    });
    let ring_key =
        sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&key.to_pkcs8_der()).expect("ring key");
    let ring_public =
        sig::UnparsedPublicKey::new(&sig::ED25519, ring_key.public_key().as_ref().to_vec());
    group.bench_function("ring sign", |b| b.iter(|| ring_key.sign(&message)));
    group.bench_function("ring verify", |b| {
        b.iter(|| ring_public.verify(&message, &signature))
    });
    group.finish();
}

/// Criterion measures one case after another, and this machine's speed
/// drifts between them by more than the 10% the target allows. So the
/// ratios of record come from here: ROUNDS rounds, each timing BATCH
/// handshakes of every case back to back (the order rotating), the median
/// of each case's per-round means, and the median of the per-round ratios.
fn alternating() {
    const ROUNDS: usize = 31;
    const BATCH: usize = 100;
    println!("\nalternating: {ROUNDS} rounds of {BATCH} handshakes per case, medians");
    println!("| key type | peerid first contact | peerid repeat | WebPKI | ratio first / repeat |");
    println!("|---|---:|---:|---:|---:|");
    for (label, kt, alg) in [
        ("Ed25519", KeyType::Ed25519, &rcgen::PKCS_ED25519),
        ("P-256", KeyType::P256, &rcgen::PKCS_ECDSA_P256_SHA256),
    ] {
        let ids = identities(kt);
        let repeat = peerid_configs(&ids);
        let webpki = webpki_configs(alg);
        // [first contact, repeat, webpki] microseconds per handshake, per round.
        let mut rounds: Vec<[f64; 3]> = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            let mut means = [0.0; 3];
            for k in 0..3 {
                let case = (round + k) % 3;
                let fresh: Vec<_> = if case == 0 {
                    (0..BATCH).map(|_| peerid_configs(&ids)).collect()
                } else {
                    Vec::new()
                };
                let start = std::time::Instant::now();
                match case {
                    0 => fresh
                        .iter()
                        .for_each(|(c, s, n)| handshake(c, s, n.clone())),
                    1 => (0..BATCH).for_each(|_| handshake(&repeat.0, &repeat.1, repeat.2.clone())),
                    _ => (0..BATCH).for_each(|_| handshake(&webpki.0, &webpki.1, webpki.2.clone())),
                }
                means[case] = start.elapsed().as_secs_f64() * 1e6 / BATCH as f64;
            }
            rounds.push(means);
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let col = |i: usize| median(rounds.iter().map(|r| r[i]).collect());
        let ratio = |i: usize| median(rounds.iter().map(|r| r[i] / r[2]).collect());
        println!(
            "| {label} | {:.0} µs | {:.0} µs | {:.0} µs | {:.2} / {:.2} |",
            col(0),
            col(1),
            col(2),
            ratio(0),
            ratio(1)
        );
    }
}

criterion_group!(benches, bench, primitives);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    // `cargo bench` passes --bench; `cargo test --benches` does not, and
    // criterion then only checks each case runs: so does this, by skipping.
    if std::env::args().any(|a| a == "--bench") {
        alternating();
    }
}
