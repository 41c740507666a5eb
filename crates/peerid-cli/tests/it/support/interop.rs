//! Talking to implementations nobody here wrote: OpenSSL's command line
//! on our exports, and the DER and envelope pieces the transfer tests take
//! apart and put together by hand.

use std::fs;
use std::path::Path;
use std::process::{Command as Proc, Output};

use base64::Engine as _;

use super::env::Env;

pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub fn openssl(args: &[&str]) -> Output {
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
pub fn openssl_pkcs12_of_export(env: &Env, doc: &str, extra: &[&str]) -> Output {
    let pfx = env.path("export.pfx");
    fs::write(&pfx, pfx_of(doc)).unwrap();
    let pass = format!("file:{}", env.pw_arg());
    let mut args = vec!["pkcs12", "-in", pfx.to_str().unwrap(), "-passin", &pass];
    args.extend_from_slice(extra);
    openssl(&args)
}

/// Wraps a PFX in the export document, as Windows' PeerIdentityExport would.
pub fn envelope(peer_name: &str, pfx: &[u8]) -> String {
    format!(
        "<PEERIDENTITYEXPORT VERSION=\"1.0\">\r\n   <IDENTITY>{peer_name}</IDENTITY>\r\n   <IDENTITYDATA xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">{}</IDENTITYDATA>\r\n</PEERIDENTITYEXPORT>",
        B64.encode(pfx)
    )
}

/// The PFX inside an export document.
pub fn pfx_of(doc: &str) -> Vec<u8> {
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
pub fn authority_by_openssl(env: &Env, cert_pem: &Path) -> String {
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

pub fn last_bit_string(spki: &[u8]) -> Vec<u8> {
    // SEQUENCE { AlgorithmIdentifier, BIT STRING }
    let (_, body) = tlv(spki);
    let (alg_len, _) = tlv(body);
    let rest = &body[alg_len..];
    let (_, bits) = tlv(rest);
    bits[1..].to_vec()
}

/// Returns (total length of the TLV, its contents).
pub fn tlv(d: &[u8]) -> (usize, &[u8]) {
    let (len, hdr) = match d[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (d[2] as usize, 3),
        0x82 => (((d[2] as usize) << 8) | d[3] as usize, 4),
        _ => panic!("long DER"),
    };
    (hdr + len, &d[hdr..hdr + len])
}

pub trait StdinBytes {
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
