//! OpenSSH public keys (`PublicKey::to_openssh`, `openssh_fingerprint`)
//! checked with OpenSSH's own `ssh-keygen`: it reads our key lines and
//! fingerprints them as we do, and derives the same line from our private
//! key. Without `ssh-keygen` on PATH these tests fail; they do not skip
//! (scripts/test.sh installs openssh-client).
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;
use peerid::{Classifier, FriendlyName, Identity, KeyType};

pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub fn ssh_keygen(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new("ssh-keygen")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh-keygen is needed for these tests (scripts/test.sh installs openssh-client)");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// The identity's private key in a file `ssh-keygen` signs with (mode
/// 0600, as it insists). What OpenSSH 9 reads differs by type: RSA and
/// ECDSA keys as the PEM PKCS#8 `PRIVATE KEY` OpenSSL writes, given the
/// public key beside it in `KEY.pub` (`-Y sign` loads that first; `ssh-keygen
/// -y` derives it); an Ed25519 PKCS#8 key it cannot load ("invalid
/// format"), so that one is converted to OpenSSH's own format with Python's
/// cryptography package (which scripts/test.sh installs).
pub fn pem_key(dir: &Path, id: &Identity) -> String {
    let der = id.private_key().to_pkcs8_der();
    let b64 = B64.encode(&*der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    ssh_keygen_key(dir, &pem, id.key_type() == KeyType::Ed25519)
}

/// Writes a PEM PKCS#8 key where `ssh-keygen` can sign with it (see
/// [`pem_key`]); returns the file name in `dir`.
pub fn ssh_keygen_key(dir: &Path, pem: &str, ed25519: bool) -> String {
    let path = dir.join("key.pem");
    let _ = fs::remove_file(dir.join("key.pem.pub"));
    fs::write(&path, pem).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    if ed25519 {
        let out = Command::new("python3")
            .current_dir(dir)
            .args(["-c", "from cryptography.hazmat.primitives import serialization as s\nk = s.load_pem_private_key(open('key.pem', 'rb').read(), None)\nopen('key.pem', 'wb').write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, s.NoEncryption()))"])
            .output()
            .expect("python3 with cryptography converts the Ed25519 key for ssh-keygen");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        let out = ssh_keygen(dir, &["-y", "-f", "key.pem"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        fs::write(dir.join("key.pem.pub"), out.stdout).unwrap();
    }
    "key.pem".to_owned()
}

pub fn identity(kt: KeyType) -> Identity {
    Identity::generate(kt, Classifier::new("git").unwrap(), FriendlyName::default()).unwrap()
}

#[test]
fn ssh_keygen_fingerprints_our_key_lines_as_we_do() {
    let tmp = tempfile::tempdir().unwrap();
    for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
        let id = identity(kt);
        let public = id.public_key();
        fs::write(
            tmp.path().join("key.pub"),
            public.to_openssh() + " comment\n",
        )
        .unwrap();
        let out = ssh_keygen(tmp.path(), &["-l", "-f", "key.pub"], None);
        assert!(
            out.status.success(),
            "{kt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            line.split(' ').nth(1),
            Some(public.openssh_fingerprint().as_str()),
            "{kt}: {line}"
        );
        // And the private key ssh-keygen reads has the same fingerprint.
        let key = pem_key(tmp.path(), &id);
        let out = ssh_keygen(tmp.path(), &["-l", "-f", &key], None);
        let line = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            line.split(' ').nth(1),
            Some(public.openssh_fingerprint().as_str()),
            "{kt}: {line}"
        );
        // The public key ssh-keygen derives from the private key is our line.
        let out = ssh_keygen(tmp.path(), &["-y", "-f", &key], None);
        let derived = String::from_utf8(out.stdout).unwrap();
        assert_eq!(derived.trim_end(), public.to_openssh(), "{kt}");
    }
}
