//! The IDC, its PEERIDENTITYINFO wrapping and our PKCS#8 keys, checked with
//! an implementation nobody here wrote: the `openssl` command (3.0 or later).
//! Without `openssl` on PATH these tests fail; they do not skip.
//!
//! Also reads certificates made by Windows from
//! `tests/vectors/windows` (see the README there).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::SystemTime;

use base64::Engine;
use der::Decode;
use peerid::{Authority, Classifier, Error, Idc, KeyType, PeerName, PrivateKey};

use crate::support;

/// Runs `openssl args...` in `dir`; panics with its stderr unless it
/// succeeds. Returns stdout.
fn openssl(dir: &Path, args: &[&str]) -> String {
    support::openssl_text(args, dir)
}

/// Colon-separated uppercase hex, as OpenSSL prints key identifiers.
fn openssl_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The authority of the public key OpenSSL extracts from `cert.pem`: SHA-1 of
/// the subjectPublicKey BIT STRING of `openssl pkey -pubin -outform DER`.
fn authority_via_openssl_pubkey(dir: &Path, cert_pem: &str) -> Authority {
    openssl(
        dir,
        &[
            "x509", "-in", cert_pem, "-pubkey", "-noout", "-out", "pub.pem",
        ],
    );
    openssl(
        dir,
        &[
            "pkey", "-pubin", "-in", "pub.pem", "-outform", "DER", "-out", "pub.der",
        ],
    );
    let spki_der = std::fs::read(dir.join("pub.der")).unwrap();
    let spki = spki::SubjectPublicKeyInfoRef::from_der(&spki_der).unwrap();
    Authority::from_public_key_bits(spki.subject_public_key.as_bytes().unwrap())
}

/// The subject key identifier OpenSSL itself computes for a private key
/// (`subjectKeyIdentifier=hash`, RFC 5280 §4.2.1.2 method 1), via a throwaway
/// self-signed certificate.
fn ski_hash_computed_by_openssl(dir: &Path, key_pem: &str) -> String {
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            key_pem,
            "-subj",
            "/CN=ski",
            "-days",
            "1",
            "-addext",
            "subjectKeyIdentifier=hash",
            "-out",
            "ski.pem",
        ],
    );
    let text = openssl(
        dir,
        &[
            "x509",
            "-in",
            "ski.pem",
            "-noout",
            "-ext",
            "subjectKeyIdentifier",
        ],
    );
    text.lines().nth(1).unwrap().trim().to_owned()
}

fn check_key_type(kt: KeyType) {
    let dir = support::tempdir();
    let d = dir.path();
    let key = PrivateKey::generate(kt).unwrap();
    let authority = key.authority();
    let name = PeerName::new(authority, Classifier::new("openssl check").unwrap());
    let idc = Idc::build(&key, &name, SystemTime::now()).unwrap();
    let der = idc.as_der().to_vec();

    // OpenSSL reads our PKCS#8 key (always v1).
    std::fs::write(d.join("key.der"), &*key.to_pkcs8_der()).unwrap();
    openssl(d, &["pkey", "-inform", "DER", "-in", "key.der", "-noout"]);

    // The info document's payload is a PKCS#7 with exactly our certificate.
    let xml = idc.to_info_xml();
    let b64 = xml
        .split("bin.base64\">")
        .nth(1)
        .unwrap()
        .split("</IDC>")
        .next()
        .unwrap();
    let p7 = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    std::fs::write(d.join("idc.p7b"), &p7).unwrap();
    let pem = openssl(
        d,
        &["pkcs7", "-inform", "DER", "-in", "idc.p7b", "-print_certs"],
    );
    assert_eq!(
        pem.matches("-----BEGIN CERTIFICATE-----").count(),
        1,
        "{pem}"
    );
    std::fs::write(d.join("cert.pem"), &pem).unwrap();
    openssl(
        d,
        &[
            "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
        ],
    );
    assert_eq!(
        std::fs::read(d.join("cert.der")).unwrap(),
        der,
        "PKCS#7 must carry the IDC as is"
    );

    let text = openssl(
        d,
        &[
            "x509", "-inform", "DER", "-in", "cert.der", "-noout", "-text",
        ],
    );
    assert!(
        text.contains(&format!("Subject: CN = {authority}\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Issuer: CN = {authority}\n")),
        "{text}"
    );
    assert!(text.contains("Version: 3 (0x2)"), "{text}");
    assert!(
        text.contains("Not After : Dec 31 23:59:59 9999 GMT"),
        "{text}"
    );
    assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    let usage = if matches!(kt, KeyType::Rsa(_)) {
        "Digital Signature, Key Encipherment"
    } else {
        "Digital Signature\n"
    };
    assert!(text.contains(usage), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    for oid in ["1.3.6.1.4.1.311.44.0.1", "1.3.6.1.4.1.311.44.2.2"] {
        // Present and not critical.
        assert!(
            text.contains(&format!("{oid}: \n")),
            "{oid} missing or critical:\n{text}"
        );
    }
    let sig = match kt {
        KeyType::Ed25519 => "Signature Algorithm: ED25519",
        KeyType::P256 => "Signature Algorithm: ecdsa-with-SHA256",
        _ => "Signature Algorithm: sha256WithRSAEncryption",
    };
    assert!(text.contains(sig), "{text}");

    let exts = openssl(
        d,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "cert.der",
            "-noout",
            "-ext",
            "subjectAltName,subjectKeyIdentifier,extendedKeyUsage",
        ],
    );
    let auth_bytes = authority.as_bytes().unwrap();
    assert!(exts.contains(&openssl_hex(auth_bytes)), "SKI:\n{exts}");
    assert!(
        exts.contains(
            "1.3.6.1.4.1.311.44.3.4, TLS Web Server Authentication, TLS Web Client Authentication"
        ),
        "EKU:\n{exts}"
    );
    assert!(
        exts.contains("othername: 1.3.6.1.4.1.311.44.0.2::"),
        "SAN:\n{exts}"
    );
    // OpenSSL 3.0 does not print the value of an otherName it does not know;
    // read it from the structure instead.
    let asn1 = openssl(d, &["asn1parse", "-inform", "DER", "-in", "cert.der"]);
    let mut lines = asn1
        .lines()
        .skip_while(|l| !l.contains(":X509v3 Subject Alternative Name"));
    let value_line = lines.nth(1).unwrap();
    let offset = value_line.split(':').next().unwrap().trim();
    let san = openssl(
        d,
        &[
            "asn1parse",
            "-inform",
            "DER",
            "-in",
            "cert.der",
            "-strparse",
            offset,
        ],
    );
    assert!(san.contains(":1.3.6.1.4.1.311.44.0.2"), "{san}");
    assert!(
        san.contains(&format!("UTF8STRING        :{name}\n")),
        "{san}"
    );

    // OpenSSL checks the self-signature.
    let verified = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "cert.pem",
            "-check_ss_sig",
            "-purpose",
            "any",
            "cert.pem",
        ],
    );
    assert_eq!(verified.trim(), "cert.pem: OK");
    // The IDC is both a TLS server and a TLS client certificate to OpenSSL
    // (the purposes `s_server -verify_return_error` and `s_client` check):
    // sslclient fails without the clientAuth usage (issue 12).
    for purpose in ["sslserver", "sslclient"] {
        let verified = openssl(
            d,
            &[
                "verify", "-CAfile", "cert.pem", "-purpose", purpose, "cert.pem",
            ],
        );
        assert_eq!(verified.trim(), "cert.pem: OK", "purpose {purpose}");
    }

    // OpenSSL's view of the public key gives our authority, and OpenSSL's own
    // "hash" key identifier for our private key is our SKI.
    assert_eq!(authority_via_openssl_pubkey(d, "cert.pem"), authority);
    openssl(
        d,
        &[
            "pkey", "-inform", "DER", "-in", "key.der", "-out", "key.pem",
        ],
    );
    assert_eq!(
        ski_hash_computed_by_openssl(d, "key.pem"),
        openssl_hex(auth_bytes)
    );

    // And we read back what we wrote.
    let parsed = Idc::from_info_xml(xml.as_bytes()).unwrap();
    assert_eq!(parsed.peer_name(), Some(&name));
    assert_eq!(parsed.key_type(), kt);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn ed25519_idc_reads_in_openssl() {
    check_key_type(KeyType::Ed25519);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn p256_idc_reads_in_openssl() {
    check_key_type(KeyType::P256);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn rsa2048_idc_reads_in_openssl() {
    check_key_type(KeyType::Rsa(2048));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn rsa3072_idc_reads_in_openssl() {
    check_key_type(KeyType::Rsa(3072));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn rsa4096_idc_reads_in_openssl() {
    // The one RSA-4096 test of the suite: generation is slow.
    check_key_type(KeyType::Rsa(4096));
}

/// Extracts the certificate (DER) and key (PEM) of a Windows PFX with OpenSSL.
fn windows_certificate(d: &Path, file: &str, password: &str) -> Vec<u8> {
    let pfx = support::fixtures().join(file);
    let pass = format!("pass:{password}");
    let pfx = pfx.to_str().unwrap();
    let pem = openssl(
        d,
        &["pkcs12", "-in", pfx, "-passin", &pass, "-nokeys", "-legacy"],
    );
    std::fs::write(d.join("win.pem"), pem).unwrap();
    openssl(
        d,
        &[
            "x509", "-in", "win.pem", "-outform", "DER", "-out", "win.der",
        ],
    );
    openssl(
        d,
        &[
            "pkcs12", "-in", pfx, "-passin", &pass, "-nocerts", "-nodes", "-legacy", "-out",
            "win.key",
        ],
    );
    std::fs::read(d.join("win.der")).unwrap()
}

fn check_windows_identity(file: &str, password: &str, key_type: KeyType) {
    let dir = support::tempdir();
    let d = dir.path();
    let der = windows_certificate(d, file, password);
    let parsed = Idc::from_der(&der).unwrap();
    assert_eq!(parsed.key_type(), key_type);
    assert_eq!(
        parsed.peer_name(),
        None,
        "Windows certificates here carry no peer name"
    );
    assert_eq!(
        parsed.authority(),
        authority_via_openssl_pubkey(d, "win.pem")
    );
    assert_eq!(
        ski_hash_computed_by_openssl(d, "win.key"),
        openssl_hex(parsed.authority().as_bytes().unwrap())
    );

    // Wrapped in an info document (PKCS#7, and bare), it proves `<authority>.`.
    let expected = PeerName::new(parsed.authority(), Classifier::empty());
    let xml = parsed.to_info_xml();
    assert_eq!(
        Idc::from_info_xml(xml.as_bytes()).unwrap().peer_name(),
        Some(&expected)
    );
    let bare = format!(
        "<PEERIDENTITYINFO VERSION=\"1.0\">\r\n<IDC xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">{}</IDC>\r\n</PEERIDENTITYINFO>",
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    assert_eq!(
        Idc::from_info_xml(bare.as_bytes()).unwrap().peer_name(),
        Some(&expected)
    );

    // One changed bit in the signed part breaks the SHA-1 signature.
    let mut tampered = der.clone();
    let serial_byte = 15; // inside the serial number, well inside the TBS
    tampered[serial_byte] ^= 0x01;
    assert!(matches!(Idc::from_der(&tampered), Err(Error::BadSignature)));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn windows7_sha1_identity_verifies() {
    check_windows_identity("boringssl-windows7.p12", "foo", KeyType::Rsa(2048));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn windows_azure_tools_identity_verifies() {
    check_windows_identity("go-windows-azure-tools.p12", "", KeyType::Rsa(2048));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn windows_ias_rsa1024_identity_verifies() {
    check_windows_identity("go-windows-ias.p12", "", KeyType::Rsa(1024));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn windows_ca_issued_certificate_is_not_self_issued() {
    let dir = support::tempdir();
    let der = windows_certificate(dir.path(), "rustcrypto-windows-tdes.pfx", "password");
    assert!(matches!(Idc::from_der(&der), Err(Error::NotSelfIssued)));
}

/// Keys OpenSSL generates (PKCS#8 DER) load, with the public key OpenSSL
/// derives; RSA-512 is refused.
#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl or python3, Unix programs the Wine tests do not have"
)]
fn openssl_generated_keys_load() {
    let dir = support::tempdir();
    let d = dir.path();
    let cases: [(&[&str], Option<KeyType>); 5] = [
        (&["-algorithm", "ED25519"], Some(KeyType::Ed25519)),
        (
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Some(KeyType::P256),
        ),
        (
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            Some(KeyType::P384),
        ),
        (
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
            Some(KeyType::Rsa(1024)),
        ),
        (
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"],
            None,
        ),
    ];
    for (args, expected) in cases {
        let mut gen_args = vec!["genpkey"];
        gen_args.extend_from_slice(args);
        gen_args.extend_from_slice(&["-out", "gen.pem"]);
        openssl(d, &gen_args);
        openssl(
            d,
            &[
                "pkcs8", "-topk8", "-nocrypt", "-in", "gen.pem", "-outform", "DER", "-out",
                "gen.der",
            ],
        );
        openssl(
            d,
            &[
                "pkey",
                "-in",
                "gen.pem",
                "-pubout",
                "-outform",
                "DER",
                "-out",
                "genpub.der",
            ],
        );
        let der = std::fs::read(d.join("gen.der")).unwrap();
        match expected {
            Some(kt) => {
                let key = PrivateKey::from_pkcs8_der(&der).unwrap();
                assert_eq!(key.key_type(), kt);
                assert_eq!(
                    key.public_key_info_der(),
                    std::fs::read(d.join("genpub.der")).unwrap()
                );
            }
            None => assert!(matches!(
                PrivateKey::from_pkcs8_der(&der),
                Err(Error::UnsupportedAlgorithm { .. })
            )),
        }
    }
}
