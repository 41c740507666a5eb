//! SSH signatures and OpenSSH keys (docs/design.md §9) checked with
//! OpenSSH's own `ssh-keygen`, both ways: it reads our key lines and
//! fingerprints them as we do, and we verify what `ssh-keygen -Y sign`
//! makes with our private key, refusing every single-bit change of it.
//! Without `ssh-keygen` on PATH these tests fail; they do not skip
//! (scripts/test.sh installs openssh-client).
#![allow(clippy::unwrap_used)]

use std::fs;

use base64::Engine as _;
use peerid::{Classifier, Error, FriendlyName, Identity, KeyType, PrivateKey, SshSignature};

use crate::openssh_keys::{B64, identity, pem_key, ssh_keygen};

/// Every key type an identity may have; P-384 (imported only) signs as
/// ecdsa-sha2-nistp384.
const TYPES: [KeyType; 4] = [
    KeyType::Ed25519,
    KeyType::P256,
    KeyType::Rsa(2048),
    KeyType::P384,
];

/// An identity of any type, P-384 (which peerid does not create) on an
/// imported key.
fn any_identity(kt: KeyType) -> Identity {
    if kt != KeyType::P384 {
        return identity(kt);
    }
    use p384::elliptic_curve::Generate;
    use p384::pkcs8::EncodePrivateKey;
    let sk = p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
    let key = PrivateKey::from_pkcs8_der(sk.to_pkcs8_der().unwrap().as_bytes()).unwrap();
    Identity::from_key(
        key,
        Classifier::new("git").unwrap(),
        FriendlyName::default(),
    )
    .unwrap()
}

#[test]
fn we_verify_ssh_keygen_signatures_and_refuse_every_bit_flip() {
    let tmp = tempfile::tempdir().unwrap();
    let message = b"signed by OpenSSH\n";
    fs::write(tmp.path().join("msg"), message).unwrap();
    for kt in TYPES {
        let id = any_identity(kt);
        let key = pem_key(tmp.path(), &id);
        let _ = fs::remove_file(tmp.path().join("msg.sig"));
        let out = ssh_keygen(
            tmp.path(),
            &["-Y", "sign", "-n", "file", "-f", &key, "msg"],
            None,
        );
        assert!(
            out.status.success(),
            "{kt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = fs::read_to_string(tmp.path().join("msg.sig")).unwrap();
        let sig = SshSignature::from_armored(&text).unwrap();
        assert_eq!(sig.public_key(), id.public_key());
        peerid::verify(
            id.peer_name(),
            "file",
            &message[..],
            &sig,
            Some(id.public_key()),
        )
        .unwrap();
        assert!(peerid::verify(id.peer_name(), "git", &message[..], &sig, None).is_err());
        assert!(peerid::verify(id.peer_name(), "file", &b"other"[..], &sig, None).is_err());

        // Every single-bit flip of the decoded blob, re-armoured, is refused.
        let blob = sig.to_bytes();
        let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(
            B64.decode(b64).unwrap(),
            blob,
            "{kt}: our encoding is OpenSSH's"
        );
        for bit in 0..blob.len() * 8 {
            let mut b = blob.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let armoured = format!(
                "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
                B64.encode(&b)
            );
            let r = SshSignature::from_armored(&armoured)
                .and_then(|s| peerid::verify(id.peer_name(), "file", &message[..], &s, None));
            assert!(
                matches!(r, Err(Error::SignatureInvalid { .. })),
                "{kt}: bit {bit} flipped was not refused: {r:?}"
            );
        }
    }
}

#[test]
fn ssh_keygen_verifies_our_signatures() {
    let tmp = tempfile::tempdir().unwrap();
    let message = b"signed by peerid\n";
    for kt in TYPES {
        let id = any_identity(kt);
        let sig = id.sign_ssh("file", &message[..]).unwrap();
        fs::write(tmp.path().join("sig"), sig.to_armored()).unwrap();
        fs::write(
            tmp.path().join("allowed"),
            format!("{} {}\n", id.peer_name(), id.public_key().to_openssh()),
        )
        .unwrap();
        let verify = |ns: &str, msg: &[u8]| {
            ssh_keygen(
                tmp.path(),
                &[
                    "-Y",
                    "verify",
                    "-f",
                    "allowed",
                    "-I",
                    &id.peer_name().to_string(),
                    "-n",
                    ns,
                    "-s",
                    "sig",
                ],
                Some(msg),
            )
        };
        let out = verify("file", message);
        assert!(
            out.status.success(),
            "{kt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!verify("git", message).status.success(), "{kt}");
        assert!(!verify("file", b"other").status.success(), "{kt}");
    }
}
