//! Exports and imports checked against implementations nobody here wrote:
//! OpenSSL's command line, Python's cryptography package, and PFX files
//! made by Windows itself.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use serde_json::Value;

use crate::support::env::Env;
use crate::support::interop::{authority_by_openssl, envelope, openssl, openssl_pkcs12_of_export};

#[test]
fn openssl_reads_our_exports_for_every_key_type_and_profile() {
    let env = Env::new();
    for key in ["ed25519", "p256", "rsa2048"] {
        let name = env.ok(&["create", "--key", key]).trim_end().to_owned();
        for legacy in [false, true] {
            let pw = env.pw_arg();
            let mut args = vec!["export", &name, "--password-file", &pw];
            if legacy {
                args.push("--legacy");
            } else {
                args.extend(["--iterations", "2048"]);
            }
            let doc = env.ok(&args);
            let out = openssl_pkcs12_of_export(&env, &doc, &["-info", "-nodes"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let info = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(
                text.matches("-----BEGIN PRIVATE KEY-----").count(),
                1,
                "{key} legacy={legacy}: {text}"
            );
            assert_eq!(
                text.matches("-----BEGIN CERTIFICATE-----").count(),
                1,
                "{key} legacy={legacy}"
            );
            if legacy {
                assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
                assert!(info.contains("MAC: sha1"), "{info}");
            } else {
                assert!(info.contains("PBES2, PBKDF2, AES-256-CBC"), "{info}");
                assert!(info.contains("MAC: sha256"), "{info}");
            }
            // The key OpenSSL decrypted is the identity's: same public key as the IDC.
            let pem = env.path("both.pem");
            fs::write(&pem, &out.stdout).unwrap();
            let from_key = openssl(&["pkey", "-in", pem.to_str().unwrap(), "-pubout"]).stdout;
            let from_cert =
                openssl(&["x509", "-in", pem.to_str().unwrap(), "-noout", "-pubkey"]).stdout;
            assert_eq!(from_key, from_cert);
        }
    }
}

#[test]
fn default_export_uses_600000_iterations() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let doc = env.ok(&["export", &name, "--password-file", &env.pw_arg()]);
    let out = openssl_pkcs12_of_export(&env, &doc, &["-info", "-noout"]);
    let info = String::from_utf8_lossy(&out.stderr);
    assert!(info.contains("Iteration 600000"), "{info}");
    assert!(!info.contains("Iteration 2048"), "{info}");
}

/// Makes a self-signed key and certificate with OpenSSL; returns
/// (key PEM path, cert PEM path, peer name for classifier `c`).
fn openssl_identity(env: &Env, alg: &[&str], tag: &str) -> (PathBuf, PathBuf, String) {
    let key = env.path(&format!("{tag}.key"));
    let cert = env.path(&format!("{tag}.crt"));
    let mut args = vec![
        "req",
        "-x509",
        "-nodes",
        "-subj",
        "/CN=made by openssl",
        "-days",
        "30",
    ];
    args.extend_from_slice(alg);
    args.extend([
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    openssl(&args);
    let name = format!("{}.{tag}", authority_by_openssl(env, &cert));
    (key, cert, name)
}

#[test]
fn imports_pfx_files_written_by_openssl() {
    let env = Env::new();
    let variants: &[(&str, &[&str])] = &[
        ("defaults", &[]),
        (
            "tdes",
            &[
                "-keypbe",
                "PBE-SHA1-3DES",
                "-certpbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ],
        ),
        ("legacy", &["-legacy"]),
    ];
    for (i, (tag, extra)) in variants.iter().enumerate() {
        let alg: &[&str] = match i {
            0 => &["-newkey", "ed25519"],
            1 => &["-newkey", "rsa:2048"],
            _ => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        };
        let (key, cert, name) = openssl_identity(&env, alg, tag);
        let pfx = env.path(&format!("{tag}.pfx"));
        let mut args = vec![
            "pkcs12",
            "-export",
            "-inkey",
            key.to_str().unwrap(),
            "-in",
            cert.to_str().unwrap(),
            "-out",
            pfx.to_str().unwrap(),
            "-name",
            "from openssl",
        ];
        let pass = format!("file:{}", env.pw_arg());
        args.extend(["-passout", &pass]);
        args.extend_from_slice(extra);
        openssl(&args);
        let doc = envelope(&name, &fs::read(&pfx).unwrap());
        let (code, out, err) = env.import(doc.as_bytes(), &env.s.pw);
        assert_eq!(code, 0, "{tag}: {err}");
        assert_eq!(out.trim_end(), name, "{tag}");
        assert_eq!(env.ok(&["friendly-name", &name]).trim_end(), "from openssl");
    }
}

#[test]
fn imports_pfx_files_written_by_python_cryptography() {
    let env = Env::new();
    let script = r#"
import sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12, PrivateFormat
import datetime
kind, out = sys.argv[1], sys.argv[2]
key = {"ed25519": lambda: ed25519.Ed25519PrivateKey.generate(),
       "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
       "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)}[kind.split("-")[0]]()
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py")])
now = datetime.datetime.now(datetime.timezone.utc)
algo = None if kind.startswith("ed25519") else hashes.SHA256()
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, algo))
if kind.endswith("legacy"):
    enc = PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048).key_cert_algorithm(
        pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()).build(b"correct horse")
elif kind.endswith("modern"):
    enc = PrivateFormat.PKCS12.encryption_builder().kdf_rounds(5000).key_cert_algorithm(
        pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(b"correct horse")
else:
    enc = serialization.BestAvailableEncryption(b"correct horse")
open(out, "wb").write(pkcs12.serialize_key_and_certificates(b"from python", key, cert, None, enc))
"#;
    for kind in ["ed25519-best", "p256-modern", "rsa-legacy"] {
        let pfx = env.path(&format!("{kind}.pfx"));
        let out = Proc::new("python3")
            .args(["-c", script, kind, pfx.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Let OpenSSL tell us the certificate, then the authority.
        let cert = env.path(&format!("{kind}.crt"));
        let pem = openssl(&[
            "pkcs12",
            "-in",
            pfx.to_str().unwrap(),
            "-nokeys",
            "-passin",
            "pass:correct horse",
        ])
        .stdout;
        fs::write(&cert, pem).unwrap();
        let name = format!("{}.{kind}", authority_by_openssl(&env, &cert));
        let (code, out, err) = env.import(
            envelope(&name, &fs::read(&pfx).unwrap()).as_bytes(),
            &env.s.pw,
        );
        assert_eq!(code, 0, "{kind}: {err}");
        assert_eq!(out.trim_end(), name);
        assert_eq!(env.ok(&["friendly-name", &name]).trim_end(), "from python");
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../peerid/tests/vectors/windows");
    fs::read(dir.join(name))
        .unwrap_or_else(|e| panic!("fixture {name} missing from {}: {e}", dir.display()))
}

/// The authority of the certificate in a fixture, by OpenSSL.
fn fixture_authority(env: &Env, name: &str, pass: &str) -> String {
    let pfx = env.path(name);
    fs::write(&pfx, fixture(name)).unwrap();
    let pem = openssl(&[
        "pkcs12",
        "-in",
        pfx.to_str().unwrap(),
        "-nokeys",
        "-clcerts",
        "-legacy",
        "-passin",
        &format!("pass:{pass}"),
    ])
    .stdout;
    let cert = env.path(&format!("{name}.crt"));
    fs::write(&cert, pem).unwrap();
    authority_by_openssl(env, &cert)
}

#[test]
fn imports_the_self_signed_windows_fixtures() {
    let env = Env::new();
    for (file, pass) in [
        ("boringssl-windows7.p12", "foo"),
        ("go-windows-azure-tools.p12", ""),
        ("go-windows-ias.p12", ""),
    ] {
        let name = format!("{}.windows", fixture_authority(&env, file, pass));
        let pwfile = env.path("fixture-pw");
        fs::write(&pwfile, pass).unwrap();
        let (code, out, err) = env.import(envelope(&name, &fixture(file)).as_bytes(), &pwfile);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(out.trim_end(), name);
        let shown: Value = serde_json::from_str(&env.ok(&["--json", "show", &name])).unwrap();
        assert!(
            shown["key_type"].as_str().unwrap().starts_with("rsa"),
            "{shown}"
        );
        // What we imported, we export again and OpenSSL reads it.
        let doc = env.export(&name);
        openssl_pkcs12_of_export(&env, &doc, &["-nodes"]);
    }
}

#[test]
fn refuses_the_ca_issued_windows_fixtures_as_not_self_issued() {
    let env = Env::new();
    let pwfile = env.path("fixture-pw");
    fs::write(&pwfile, "password").unwrap();
    let before = env.snapshot();
    for file in ["rustcrypto-windows-aes.pfx", "rustcrypto-windows-tdes.pfx"] {
        let name = format!("{}.ca", fixture_authority(&env, file, "password"));
        let (code, _, err) = env.import(envelope(&name, &fixture(file)).as_bytes(), &pwfile);
        assert_eq!(code, 5, "{file}: {err}");
        assert!(err.contains("not self-issued"), "{file}: {err}");
    }
    assert_eq!(env.snapshot(), before);
}
