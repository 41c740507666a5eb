//! `peerid export` and `peerid import` as a user runs them, checked against
//! implementations nobody here wrote: OpenSSL's command line, Python's
//! cryptography package, and PFX files made by Windows itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as Proc, Output};

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::Value;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

struct Env {
    tmp: tempfile::TempDir,
    store: PathBuf,
    pw: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("store");
        let pw = tmp.path().join("pw");
        fs::write(&pw, "correct horse\n").unwrap();
        Env { tmp, store, pw }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("peerid").unwrap();
        c.env_remove("PEERID_STORE").env("HOME", self.tmp.path());
        c.arg("--store").arg(&self.store);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "peerid {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn pw_arg(&self) -> String {
        self.pw.to_str().unwrap().to_owned()
    }

    /// Imports `doc`; returns (exit code, stderr).
    fn import(&self, doc: &[u8], password_file: &Path) -> (i32, String, String) {
        let f = self.path("incoming.xml");
        fs::write(&f, doc).unwrap();
        let out = self.run(&[
            "import",
            f.to_str().unwrap(),
            "--password-file",
            password_file.to_str().unwrap(),
        ]);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Everything a user can see of the store, to check that a refused
    /// import changed nothing.
    fn snapshot(&self) -> String {
        let list = self.ok(&["--json", "list"]);
        let docs: Vec<Value> = serde_json::from_str(&list).unwrap();
        let mut all = list.clone();
        for d in docs {
            all.push_str(&self.ok(&["xml", d["peer_name"].as_str().unwrap()]));
        }
        all
    }
}

fn openssl(args: &[&str]) -> Output {
    let out = Proc::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command line is needed for these tests (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `openssl pkcs12` on the PFX inside one of our export documents, with the
/// test's password file: `openssl pkcs12 -in PFX -passin file:PW EXTRA...`.
fn openssl_pkcs12_of_export(env: &Env, doc: &str, extra: &[&str]) -> Output {
    let pfx = env.path("export.pfx");
    fs::write(&pfx, pfx_of(doc)).unwrap();
    let pass = format!("file:{}", env.pw_arg());
    let mut args = vec!["pkcs12", "-in", pfx.to_str().unwrap(), "-passin", &pass];
    args.extend_from_slice(extra);
    openssl(&args)
}

/// Wraps a PFX in the export document, as Windows' PeerIdentityExport would.
fn envelope(peer_name: &str, pfx: &[u8]) -> String {
    format!(
        "<PEERIDENTITYEXPORT VERSION=\"1.0\">\r\n   <IDENTITY>{peer_name}</IDENTITY>\r\n   <IDENTITYDATA xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">{}</IDENTITYDATA>\r\n</PEERIDENTITYEXPORT>",
        B64.encode(pfx)
    )
}

/// The PFX inside an export document.
fn pfx_of(doc: &str) -> Vec<u8> {
    let start = doc.find("bin.base64\">").unwrap() + "bin.base64\">".len();
    let end = doc[start..].find('<').unwrap() + start;
    let b64: String = doc[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    B64.decode(b64).unwrap()
}

/// The secure authority of a certificate's key, computed by OpenSSL: SHA-1
/// of the subjectPublicKey bits, which OpenSSL prints as the "hash" SKI.
fn authority_by_openssl(env: &Env, cert_pem: &Path) -> String {
    let pubkey = env.path("pub.der");
    let pem = openssl(&[
        "x509",
        "-in",
        cert_pem.to_str().unwrap(),
        "-noout",
        "-pubkey",
    ])
    .stdout;
    let pem_path = env.path("pub.pem");
    fs::write(&pem_path, pem).unwrap();
    openssl(&[
        "pkey",
        "-pubin",
        "-in",
        pem_path.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        pubkey.to_str().unwrap(),
    ]);
    let der = fs::read(&pubkey).unwrap();
    // The BIT STRING is the last element of the SubjectPublicKeyInfo: find
    // its header and hash what follows the unused-bits byte.
    let bits = last_bit_string(&der);
    let out = Proc::new("openssl")
        .args(["dgst", "-sha1", "-r"])
        .stdin_bytes(bits);
    out.split_whitespace().next().unwrap().to_owned()
}

fn last_bit_string(spki: &[u8]) -> Vec<u8> {
    // SEQUENCE { AlgorithmIdentifier, BIT STRING }
    let (_, body) = tlv(spki);
    let (alg_len, _) = tlv(body);
    let rest = &body[alg_len..];
    let (_, bits) = tlv(rest);
    bits[1..].to_vec()
}

/// Returns (total length of the TLV, its contents).
fn tlv(d: &[u8]) -> (usize, &[u8]) {
    let (len, hdr) = match d[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (d[2] as usize, 3),
        0x82 => (((d[2] as usize) << 8) | d[3] as usize, 4),
        _ => panic!("long DER"),
    };
    (hdr + len, &d[hdr..hdr + len])
}

trait StdinBytes {
    fn stdin_bytes(&mut self, data: Vec<u8>) -> String;
}

impl StdinBytes for Proc {
    fn stdin_bytes(&mut self, data: Vec<u8>) -> String {
        use std::io::Write;
        let mut child = self
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&data).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    }
}

#[test]
fn round_trip_restores_name_xml_and_friendly_name() {
    let env = Env::new();
    for key in ["ed25519", "p256", "rsa2048"] {
        let name = env.ok(&[
            "create",
            "--key",
            key,
            "--classifier",
            key,
            "--friendly-name",
            "Round ☃ trip",
        ]);
        let name = name.trim_end();
        let xml_before = env.ok(&["xml", name]);
        let file = env.path(&format!("{key}.peerid"));
        env.ok(&[
            "export",
            name,
            "-o",
            file.to_str().unwrap(),
            "--iterations",
            "2048",
            "--password-file",
            &env.pw_arg(),
        ]);
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        env.ok(&["delete", name]);
        let imported = env.ok(&[
            "import",
            file.to_str().unwrap(),
            "--password-file",
            &env.pw_arg(),
        ]);
        assert_eq!(imported.trim_end(), name);
        assert_eq!(
            env.ok(&["xml", name]),
            xml_before,
            "{key}: the IDC must come back byte for byte"
        );
        assert_eq!(env.ok(&["friendly-name", name]).trim_end(), "Round ☃ trip");
        // A second import of the same identity is PEER_E_ALREADY_EXISTS.
        let out = env.run(&[
            "import",
            file.to_str().unwrap(),
            "--password-file",
            &env.pw_arg(),
        ]);
        assert_eq!(out.status.code(), Some(4));
    }
}

/// The library says what the limit is; the command line says which flag
/// raises it, on stderr and in the JSON error alike.
#[test]
fn a_work_factor_above_the_limit_names_the_flag_that_raises_it() {
    let env = Env::new();
    let name = env.ok(&["create"]);
    let name = name.trim_end();
    let file = env.path("three.peerid");
    let file = file.to_str().unwrap();
    let pw = env.pw_arg();
    env.ok(&[
        "export",
        name,
        "-o",
        file,
        "--iterations",
        "3",
        "--password-file",
        &pw,
    ]);
    env.ok(&["delete", name]);
    let import = [
        "import",
        file,
        "--password-file",
        &pw,
        "--max-iterations",
        "2",
    ];
    let out = env.run(&import);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let message = "work factor 3 is above the limit of 2; \
                   if you trust the sender, raise the limit with --max-iterations";
    assert_eq!(stderr, format!("peerid: error: {message}\n"));
    let out = env.run(&[&["--json"][..], &import].concat());
    assert_eq!(out.status.code(), Some(5));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["message"], message);
    assert_eq!(doc["error"]["code"], "E_INVALIDARG");
    // Raised, as the hint says, it imports.
    let imported = env.ok(&[
        "import",
        file,
        "--password-file",
        &pw,
        "--max-iterations",
        "3",
    ]);
    assert_eq!(imported.trim_end(), name);
}

#[test]
fn export_document_has_the_design_shape() {
    let env = Env::new();
    let name = env
        .ok(&["create", "--classifier", "a<&>b"])
        .trim_end()
        .to_owned();
    let doc = env.ok(&[
        "export",
        &name,
        "--iterations",
        "1000",
        "--password-file",
        &env.pw_arg(),
    ]);
    assert!(
        doc.starts_with("<PEERIDENTITYEXPORT VERSION=\"1.0\">\n   <IDENTITY>"),
        "{doc}"
    );
    assert!(
        doc.contains(&format!(
            "<IDENTITY>{}.a&lt;&amp;&gt;b</IDENTITY>",
            &name[..40]
        )),
        "{doc}"
    );
    assert!(doc.contains(
        "<IDENTITYDATA xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">"
    ));
    assert!(doc.trim_end().ends_with("</PEERIDENTITYEXPORT>"));
}

#[test]
fn password_from_environment_and_crlf_file() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let doc = env
        .cmd()
        .env("PEERID_PW", "correct horse")
        .args([
            "export",
            &name,
            "--iterations",
            "1000",
            "--password-env",
            "PEERID_PW",
        ])
        .output()
        .unwrap();
    assert!(doc.status.success());
    env.ok(&["delete", &name]);
    let crlf = env.path("pw-crlf");
    fs::write(&crlf, "correct horse\r\nsecond line ignored\n").unwrap();
    let (code, out, err) = env.import(&doc.stdout, &crlf);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), name);
}

#[test]
fn no_password_argument_exists() {
    let env = Env::new();
    for flag in ["--password", "--pass", "-p"] {
        let out = env.run(&["export", "x", flag, "secret"]);
        assert_eq!(out.status.code(), Some(2), "{flag} must not be accepted");
        let out = env.run(&["import", flag, "secret"]);
        assert_eq!(out.status.code(), Some(2), "{flag} must not be accepted");
    }
}

#[test]
fn export_of_unknown_identity_writes_nothing() {
    let env = Env::new();
    let out_file = env.path("never.peerid");
    let ghost = format!("{}.x", "ab".repeat(20));
    let out = env.run(&[
        "export",
        &ghost,
        "-o",
        out_file.to_str().unwrap(),
        "--password-file",
        &env.pw_arg(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!out_file.exists());
    assert_eq!(
        fs::read_dir(env.tmp.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp")
            })
            .count(),
        0
    );
}

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
        let (code, out, err) = env.import(doc.as_bytes(), &env.pw);
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
            &env.pw,
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
        let doc = env.ok(&[
            "export",
            &name,
            "--iterations",
            "1000",
            "--password-file",
            &env.pw_arg(),
        ]);
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

#[test]
fn wrong_password_and_changed_byte_say_the_same() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let doc = env.ok(&[
        "export",
        &name,
        "--iterations",
        "1000",
        "--password-file",
        &env.pw_arg(),
    ]);
    env.ok(&["delete", &name]);
    let before = env.snapshot();

    let wrong = env.path("wrong");
    fs::write(&wrong, "Correct horse").unwrap();
    let (code, _, wrong_err) = env.import(doc.as_bytes(), &wrong);
    assert_eq!(code, 5);
    assert!(
        wrong_err.contains("wrong password, or the data was changed"),
        "{wrong_err}"
    );
    assert!(!wrong_err.contains("Correct horse"));

    let mut pfx = pfx_of(&doc);
    let mid = pfx.len() / 2;
    pfx[mid] ^= 0x01;
    let (code, _, flipped_err) = env.import(envelope(&name, &pfx).as_bytes(), &env.pw);
    assert_eq!(code, 5);
    assert_eq!(flipped_err, wrong_err);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn error_messages_quoting_a_hostile_document_are_escaped() {
    let env = Env::new();
    // U+061C (ARABIC LETTER MARK) is a bidirectional control that XML allows
    // in element names; the error message quotes the root element's name.
    let doc = "<a\u{61C}b VERSION=\"1.0\"/>";
    let (code, out, err) = env.import(doc.as_bytes(), &env.pw);
    assert_eq!(code, 5, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("the root element is <a\\u{61c}b>"), "{err:?}");
    assert!(!err.contains('\u{61C}'), "{err:?}");
}

/// Runs `peerid args` on a pseudo-terminal (util-linux `script`), typing each
/// answer only once its prompt has appeared; returns (exit code, screen).
fn on_terminal(env: &Env, args: &[&str], answers: &[(&str, &str)]) -> (i32, String) {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    let bin = assert_cmd::cargo::cargo_bin("peerid");
    let mut line = format!("{} --store {}", bin.display(), env.store.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let mut child = Proc::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("HOME", env.tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs the command on a terminal");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let mut stdin = child.stdin.take().unwrap();
    for (prompt, answer) in answers {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !screen.contains(prompt) {
            let wait = deadline.saturating_duration_since(std::time::Instant::now());
            let chunk = rx
                .recv_timeout(wait)
                .unwrap_or_else(|_| panic!("no prompt {prompt:?}: {screen}"));
            screen.push_str(&String::from_utf8_lossy(&chunk));
        }
        // Typed after the prompt, so the terminal's echo setting is peerid's.
        std::thread::sleep(std::time::Duration::from_millis(100));
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        screen = screen.replace(prompt, "<prompt>");
    }
    drop(stdin);
    let status = child.wait().unwrap();
    while let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_secs(2)) {
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    (status.code().unwrap_or(-1), screen)
}

#[test]
fn terminal_prompt_asks_twice_hides_the_password_and_refuses_a_mismatch() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let out = env.path("typed.peerid");
    let out_s = out.to_str().unwrap();
    let (code, screen) = on_terminal(
        &env,
        &["export", &name, "--iterations", "1000", "-o", out_s],
        &[
            ("New password", "tty-secret-1"),
            ("Same password", "tty-secret-1"),
        ],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("tty-secret-1"),
        "the password was echoed: {screen}"
    );
    assert!(out.exists());

    let other = env.path("mismatch.peerid");
    let (code, screen) = on_terminal(
        &env,
        &[
            "export",
            &name,
            "--iterations",
            "1000",
            "-o",
            other.to_str().unwrap(),
        ],
        &[("New password", "one"), ("Same password", "two")],
    );
    assert_eq!(code, 5, "{screen}");
    assert!(screen.contains("differ"), "{screen}");
    assert!(!other.exists(), "nothing may be written after a mismatch");

    env.ok(&["delete", &name]);
    let (code, screen) = on_terminal(&env, &["import", out_s], &[("Password", "tty-secret-1")]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(&name), "{screen}");
    assert!(!screen.contains("tty-secret-1"), "{screen}");
}
