//! The PFX layer against implementations nobody here wrote: OpenSSL reads
//! what we write; we read what OpenSSL, pyca/cryptography and Windows write.
//!
//! These tests need `openssl` and `python3` with `cryptography` on PATH; they
//! fail (never skip) when a tool is missing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::path::Path;

use peerid::Error;
use peerid::testkit::pfx::{self, DEFAULT_MAX_ITERATIONS, ExportParams, PfxProfile};

use crate::support::{fixtures, openssl, run, secret, tempdir};

const PASSWORD: &str = "pässwörd 1";

/// A key pair and self-signed certificate made by OpenSSL: (PKCS#8 DER, cert DER).
fn keypair(dir: &Path, kind: &str) -> (Vec<u8>, Vec<u8>) {
    let newkey: &[&str] = match kind {
        "ed25519" => &["-newkey", "ed25519"],
        "rsa" => &["-newkey", "rsa:2048"],
        "p256" => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        _ => unreachable!(),
    };
    let mut args = vec![
        "req",
        "-x509",
        "-nodes",
        "-subj",
        "/CN=peerid test",
        "-days",
        "3650",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
    ];
    args.extend_from_slice(newkey);
    openssl(&args, dir);
    openssl(
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der",
        ],
        dir,
    );
    openssl(
        &[
            "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
        ],
        dir,
    );
    (read(dir, "key.der"), read(dir, "cert.der"))
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

fn write_password(dir: &Path) {
    std::fs::write(dir.join("pass"), format!("{PASSWORD}\n")).expect("password file");
}

/// OpenSSL reads our PFX, verifies its MAC and finds exactly one key and one
/// certificate; returns what `-info` says about the PFX's algorithms.
fn openssl_reads(der: &[u8], dir: &Path, expect_mac: &str) -> String {
    std::fs::write(dir.join("ours.pfx"), der).expect("write");
    write_password(dir);
    let out = openssl(
        &[
            "pkcs12",
            "-in",
            "ours.pfx",
            "-info",
            "-nodes",
            "-passin",
            "file:pass",
        ],
        dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout.matches("-----BEGIN PRIVATE KEY-----").count(),
        1,
        "{stdout}{stderr}"
    );
    assert_eq!(
        stdout.matches("-----BEGIN CERTIFICATE-----").count(),
        1,
        "{stdout}{stderr}"
    );
    assert!(
        stderr.contains(expect_mac),
        "MAC line missing in:\n{stderr}"
    );
    assert!(
        stdout.contains("friendlyName: peer ☃ name") || stdout.contains("friendlyName: peer"),
        "{stdout}"
    );
    stderr.into_owned()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn openssl_reads_our_modern_and_legacy_output() {
    for kind in ["ed25519", "rsa", "p256"] {
        let dir = tempdir();
        let (key, cert) = keypair(dir.path(), kind);
        for (params, mac) in [
            (
                ExportParams {
                    profile: PfxProfile::Modern,
                    iterations: 2048,
                },
                "MAC: sha256, Iteration 2048",
            ),
            (ExportParams::legacy(), "MAC: sha1, Iteration 2048"),
        ] {
            let der = pfx::encode(&key, &cert, Some("peer ☃ name"), &secret(PASSWORD), &params)
                .expect("encode");
            let stderr = openssl_reads(&der, dir.path(), mac);
            if params.profile == PfxProfile::Legacy {
                assert!(
                    stderr.contains("pbeWithSHA1And3-KeyTripleDES-CBC"),
                    "{stderr}"
                );
                assert!(!stderr.contains("RC2"), "{stderr}");
            }
        }
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn openssl_reads_our_default_600000_iterations() {
    let dir = tempdir();
    let (key, cert) = keypair(dir.path(), "ed25519");
    let der = pfx::encode(
        &key,
        &cert,
        Some("peer"),
        &secret(PASSWORD),
        &ExportParams::default(),
    )
    .expect("encode");
    let stderr = openssl_reads(&der, dir.path(), "MAC: sha256, Iteration 600000");
    assert!(
        stderr.contains("PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"),
        "{stderr}"
    );
    let back = pfx::decode(&der, &secret(PASSWORD), DEFAULT_MAX_ITERATIONS).expect("decode");
    assert_eq!(back.keys[0].as_slice(), key.as_slice());
}

fn check_decoded(der: &[u8], password: &str, key: &[u8], cert: &[u8], name: Option<&str>) {
    let got = pfx::decode(der, &secret(password), DEFAULT_MAX_ITERATIONS).expect("decode");
    assert_eq!(got.keys.len(), 1);
    assert_eq!(got.keys[0].as_slice(), key, "key differs");
    assert_eq!(got.certificates, vec![cert.to_vec()]);
    assert_eq!(got.friendly_name.as_deref(), name);
    let wrong = pfx::decode(der, &secret("not the password"), DEFAULT_MAX_ITERATIONS);
    assert!(
        matches!(wrong, Err(Error::WrongPasswordOrTampered)),
        "{wrong:?}"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn we_read_openssl_pkcs12_export() {
    for kind in ["ed25519", "rsa", "p256"] {
        let dir = tempdir();
        let (key, cert) = keypair(dir.path(), kind);
        write_password(dir.path());
        let variants: [&[&str]; 3] = [
            &[],
            &[
                "-keypbe",
                "PBE-SHA1-3DES",
                "-certpbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ],
            &["-legacy"],
        ];
        for extra in variants {
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                "key.pem",
                "-in",
                "cert.pem",
                "-name",
                "from openssl",
                "-passout",
                "file:pass",
                "-out",
                "theirs.pfx",
            ];
            args.extend_from_slice(extra);
            openssl(&args, dir.path());
            check_decoded(
                &read(dir.path(), "theirs.pfx"),
                PASSWORD,
                &key,
                &cert,
                Some("from openssl"),
            );
        }
    }
}

const PYCA: &str = r#"
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12, PrivateFormat
key = serialization.load_der_private_key(open("key.der", "rb").read(), None)
cert = x509.load_der_x509_certificate(open("cert.der", "rb").read())
pw = sys.argv[1].encode()
def write(name, enc):
    open(name, "wb").write(pkcs12.serialize_key_and_certificates(b"from pyca", key, cert, None, enc))
write("best.pfx", serialization.BestAvailableEncryption(pw))
write("modern.pfx", PrivateFormat.PKCS12.encryption_builder().kdf_rounds(5000)
      .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(pw))
write("legacy.pfx", PrivateFormat.PKCS12.encryption_builder().kdf_rounds(5000)
      .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()).build(pw))
"#;

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn we_read_pyca_cryptography_output() {
    for kind in ["ed25519", "rsa", "p256"] {
        let dir = tempdir();
        let (key, cert) = keypair(dir.path(), kind);
        run("python3", &["-c", PYCA, PASSWORD], dir.path());
        for file in ["best.pfx", "modern.pfx", "legacy.pfx"] {
            check_decoded(
                &read(dir.path(), file),
                PASSWORD,
                &key,
                &cert,
                Some("from pyca"),
            );
        }
    }
}

#[test]
fn we_read_pfx_files_made_by_windows() {
    let dir = fixtures();
    for (file, password) in [
        ("boringssl-windows7.p12", "foo"),
        ("go-windows-azure-tools.p12", ""),
        ("go-windows-ias.p12", ""),
        ("rustcrypto-windows-aes.pfx", "password"),
        ("rustcrypto-windows-tdes.pfx", "password"),
    ] {
        let der = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = pfx::decode(&der, &secret(password), DEFAULT_MAX_ITERATIONS)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(got.keys.len(), 1, "{file}");
        assert!(!got.certificates.is_empty(), "{file}");
        assert!(
            got.friendly_name.is_some(),
            "{file}: Windows always writes a friendlyName"
        );
        let wrong = pfx::decode(&der, &secret("wrong"), DEFAULT_MAX_ITERATIONS);
        assert!(
            matches!(wrong, Err(Error::WrongPasswordOrTampered)),
            "{file}: {wrong:?}"
        );
    }
}
