//! `PrivateKey::sign` and `PublicKey::verify` (docs/design.md §14, each key
//! type's natural algorithm) checked with the `openssl` command both ways:
//! OpenSSL verifies what we sign with the public key we export, and we
//! verify what OpenSSL signs with the private key we export. Without
//! `openssl` on PATH these tests fail; they do not skip.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use peerid::{Classifier, FriendlyName, Identity, KeyType, PrivateKey};

use crate::support;

const MESSAGE: &[u8] = b"a message worth signing\n";

/// The `openssl` arguments that verify `sig.bin` over `msg.bin` with the
/// DER public key `pub.der`, for this key type.
fn openssl_verify_args(kt: KeyType) -> Vec<&'static str> {
    match kt {
        // Ed25519 signs the message itself (no digest): pkeyutl -rawin.
        KeyType::Ed25519 => vec![
            "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "pub.der", "-rawin",
            "-in", "msg.bin", "-sigfile", "sig.bin",
        ],
        KeyType::P384 => vec![
            "dgst",
            "-sha384",
            "-keyform",
            "DER",
            "-verify",
            "pub.der",
            "-signature",
            "sig.bin",
            "msg.bin",
        ],
        _ => vec![
            "dgst",
            "-sha256",
            "-keyform",
            "DER",
            "-verify",
            "pub.der",
            "-signature",
            "sig.bin",
            "msg.bin",
        ],
    }
}

/// The `openssl` arguments that sign `msg.bin` into `sig.bin` with the DER
/// PKCS#8 key `key.der`.
fn openssl_sign_args(kt: KeyType) -> Vec<&'static str> {
    match kt {
        KeyType::Ed25519 => vec![
            "pkeyutl", "-sign", "-keyform", "DER", "-inkey", "key.der", "-rawin", "-in", "msg.bin",
            "-out", "sig.bin",
        ],
        KeyType::P384 => vec![
            "dgst", "-sha384", "-keyform", "DER", "-sign", "key.der", "-out", "sig.bin", "msg.bin",
        ],
        _ => vec![
            "dgst", "-sha256", "-keyform", "DER", "-sign", "key.der", "-out", "sig.bin", "msg.bin",
        ],
    }
}

/// Whether `openssl args` succeeds in `dir` (no assertion: used for the
/// verifications that must fail).
fn openssl_succeeds(args: &[&str], dir: &Path) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl")
        .status
        .success()
}

fn both_ways(key: &PrivateKey) {
    let kt = key.key_type();
    let tmp = support::tempdir();
    let dir = tmp.path();
    let public = key.public_key();
    std::fs::write(dir.join("pub.der"), public.to_spki_der()).unwrap();
    std::fs::write(dir.join("key.der"), key.to_pkcs8_der().as_slice()).unwrap();
    std::fs::write(dir.join("msg.bin"), MESSAGE).unwrap();

    // Ours, verified by OpenSSL; and refused by it over another message.
    std::fs::write(dir.join("sig.bin"), key.sign(MESSAGE).unwrap()).unwrap();
    support::openssl(&openssl_verify_args(kt), dir);
    std::fs::write(dir.join("msg.bin"), b"another message\n").unwrap();
    assert!(
        !openssl_succeeds(&openssl_verify_args(kt), dir),
        "{kt}: OpenSSL accepted our signature over another message"
    );

    // OpenSSL's, verified by us; and refused over another message or with
    // one bit changed.
    std::fs::write(dir.join("msg.bin"), MESSAGE).unwrap();
    support::openssl(&openssl_sign_args(kt), dir);
    let theirs = std::fs::read(dir.join("sig.bin")).unwrap();
    public.verify(MESSAGE, &theirs).unwrap();
    assert!(
        public.verify(b"another message\n", &theirs).is_err(),
        "{kt}"
    );
    let mut flipped = theirs.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert!(public.verify(MESSAGE, &flipped).is_err(), "{kt}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn signatures_of_every_creatable_key_type_interoperate_with_openssl() {
    for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
        let identity =
            Identity::generate(kt, Classifier::empty(), FriendlyName::default()).unwrap();
        both_ways(identity.private_key());
        // The identity's own sign is the key's.
        let sig = identity.sign(MESSAGE).unwrap();
        identity.public_key().verify(MESSAGE, &sig).unwrap();
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn p384_signatures_interoperate_with_openssl() {
    // peerid does not create P-384 keys but reads them (docs/design.md §2):
    // one made by OpenSSL.
    let tmp = support::tempdir();
    support::openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-out",
            "p384.pem",
        ],
        tmp.path(),
    );
    // genpkey's DER is SEC1's ECPrivateKey; peerid reads PKCS#8.
    support::openssl(
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "p384.pem", "-outform", "DER", "-out", "p384.der",
        ],
        tmp.path(),
    );
    let der = std::fs::read(tmp.path().join("p384.der")).unwrap();
    let key = PrivateKey::from_pkcs8_der(&der).unwrap();
    assert_eq!(key.key_type(), KeyType::P384);
    both_ways(&key);
}
