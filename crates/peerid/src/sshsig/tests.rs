use super::*;
use crate::name::{Classifier, FriendlyName};

fn identity(kt: KeyType) -> Identity {
    Identity::generate(kt, Classifier::new("t").unwrap(), FriendlyName::default()).unwrap()
}

#[test]
fn sign_verify_every_creatable_type() {
    for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
        let id = identity(kt);
        let sig = id.sign_ssh("file", &b"message"[..]).unwrap();
        let sig = SshSignature::from_armored(&sig.to_armored()).unwrap();
        assert_eq!(sig.namespace(), "file");
        assert_eq!(sig.public_key(), id.public_key());
        verify(id.peer_name(), "file", &b"message"[..], &sig, None).unwrap();
        verify(
            id.peer_name(),
            "file",
            &b"message"[..],
            &sig,
            Some(id.public_key()),
        )
        .unwrap();
        let bad = |r: Result<()>| assert!(matches!(r, Err(Error::SignatureInvalid { .. })), "{kt}");
        bad(verify(id.peer_name(), "git", &b"message"[..], &sig, None));
        bad(verify(id.peer_name(), "file", &b"massage"[..], &sig, None));
        let other = identity(kt);
        bad(verify(
            other.peer_name(),
            "file",
            &b"message"[..],
            &sig,
            None,
        ));
        bad(verify(
            id.peer_name(),
            "file",
            &b"message"[..],
            &sig,
            Some(other.public_key()),
        ));
    }
}

#[test]
fn rsa_signs_as_rsa_sha2_512() {
    let id = identity(KeyType::Rsa(2048));
    let sig = id.sign_ssh("file", &b"m"[..]).unwrap();
    assert_eq!(sig.sig.algorithm().as_str(), "rsa-sha2-512");
    assert_eq!(sig.sig.hash_alg(), HashAlg::Sha512);
}

#[test]
fn namespace_is_required() {
    let id = identity(KeyType::Ed25519);
    assert!(matches!(
        id.sign_ssh("", &b"m"[..]),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn every_bit_flip_is_refused() {
    for kt in [KeyType::Ed25519, KeyType::P256] {
        let id = identity(kt);
        let blob = id.sign_ssh("file", &b"m"[..]).unwrap().to_bytes();
        assert!(SshSignature::from_bytes(&blob).is_ok());
        for i in 0..blob.len() * 8 {
            let mut b = blob.clone();
            b[i / 8] ^= 1 << (i % 8);
            let ok = SshSignature::from_bytes(&b)
                .and_then(|s| verify(id.peer_name(), "file", &b"m"[..], &s, None));
            assert!(
                matches!(ok, Err(Error::SignatureInvalid { .. })),
                "{kt} bit {i}: {ok:?}"
            );
        }
    }
}

#[test]
fn hostile_input_is_refused() {
    let huge = "A".repeat(MAX_SSH_SIGNATURE_LEN + 1);
    assert!(matches!(
        SshSignature::from_armored(&huge),
        Err(Error::InputTooLarge { .. })
    ));
    for bad in [
        "",
        "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
        "not a signature",
    ] {
        assert!(
            matches!(
                SshSignature::from_armored(bad),
                Err(Error::SignatureInvalid { .. })
            ),
            "{bad:?}"
        );
    }
    let id = identity(KeyType::Ed25519);
    let mut blob = id.sign_ssh("file", &b"m"[..]).unwrap().to_bytes();
    blob.push(0);
    assert!(SshSignature::from_bytes(&blob).is_err());
}

/// A reader that yields `len` zero bytes in small, odd pieces.
struct Zeros {
    left: usize,
}

impl Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.left.min(buf.len()).min(1000);
        buf[..n].fill(0);
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn streamed_message_hashes_as_a_whole() {
    let id = identity(KeyType::Ed25519);
    let sig = id.sign_ssh("file", Zeros { left: 200_001 }).unwrap();
    verify(id.peer_name(), "file", &vec![0u8; 200_001][..], &sig, None).unwrap();
    assert!(verify(id.peer_name(), "file", &vec![0u8; 200_000][..], &sig, None).is_err());
}

#[test]
fn debug_prints_no_signature_bytes() {
    let id = identity(KeyType::Ed25519);
    let sig = id.sign_ssh("file", &b"m"[..]).unwrap();
    let dbg = format!("{sig:?}");
    assert!(dbg.contains("file") && !dbg.contains("AAAA"), "{dbg}");
}
