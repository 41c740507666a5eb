//! The OpenSSH encodings of our keys and of their signatures, as SSHSIG
//! (`PROTOCOL.sshsig`) carries them and `ssh-keygen` reads them:
//!
//! | key | public key blob | signature blob |
//! |---|---|---|
//! | Ed25519 | `string "ssh-ed25519", string key` (RFC 8709 §4) | `string "ssh-ed25519", string sig` (64 bytes) |
//! | P-256 | `string "ecdsa-sha2-nistp256", string "nistp256", string Q` (RFC 5656 §3.1) | `string "ecdsa-sha2-nistp256", string (mpint r, mpint s)` over SHA-256 |
//! | P-384 | the same with `nistp384` | the same over SHA-384 |
//! | RSA | `string "ssh-rsa", mpint e, mpint n` (RFC 4253 §6.6) | `string "rsa-sha2-512", string s` (RFC 8332, PKCS#1 v1.5 with SHA-512) |
//!
//! The wire encoding itself is RustCrypto's `ssh-key` (`KeyData`,
//! `Signature`); the arithmetic is ours (`PrivateKey`, `PublicKey`).

use pkcs8::der::Encode;
use pkcs8::spki::EncodePublicKey;
use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};
use ssh_key::{Algorithm, EcdsaCurve, HashAlg, Mpint, Signature};

use super::private::Inner;
use super::public::PublicInner;
use super::{PrivateKey, PublicKey, check_rsa_bits, uint_bits};
use crate::error::{Error, Result};

impl PublicKey {
    /// The key as OpenSSH's `KeyData` (the public key blob).
    pub(crate) fn ssh_key_data(&self) -> KeyData {
        use rsa::traits::PublicKeyParts;
        // Every key here encodes: a valid point, a positive exponent and modulus.
        match self.inner() {
            PublicInner::Ed25519(k) => KeyData::Ed25519(Ed25519PublicKey(k.to_bytes())),
            // An uncompressed SEC1 point of the right curve is always accepted.
            PublicInner::P256(k) => KeyData::Ecdsa(
                EcdsaPublicKey::from_sec1_bytes(k.to_sec1_point(false).as_bytes())
                    .unwrap_or_else(|_| unreachable_key()),
            ),
            PublicInner::P384(k) => KeyData::Ecdsa(
                EcdsaPublicKey::from_sec1_bytes(k.to_sec1_point(false).as_bytes())
                    .unwrap_or_else(|_| unreachable_key()),
            ),
            PublicInner::Rsa(k, _) => KeyData::Rsa(
                RsaPublicKey::new(
                    Mpint::from_positive_bytes(&k.e_bytes()),
                    Mpint::from_positive_bytes(&k.n_bytes()),
                )
                .unwrap_or_else(|_| unreachable_key()),
            ),
        }
    }

    /// The key as OpenSSH writes it in `authorized_keys` and
    /// `allowed_signers`, without a comment: the algorithm name and the
    /// base64 public key blob.
    ///
    /// ```
    /// # fn main() -> peerid::Result<()> {
    /// let key = peerid::PrivateKey::generate(peerid::KeyType::Ed25519)?;
    /// assert!(key.public_key().to_openssh().starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
    /// # Ok(()) }
    /// ```
    pub fn to_openssh(&self) -> String {
        let key = ssh_key::PublicKey::new(self.ssh_key_data(), "");
        // Encoding a well-formed key into a String does not fail.
        key.to_openssh().unwrap_or_default()
    }

    /// The fingerprint `ssh-keygen -l` prints for this key:
    /// `SHA256:` and the unpadded base64 of the SHA-256 of the key blob.
    pub fn openssh_fingerprint(&self) -> String {
        self.ssh_key_data().fingerprint(HashAlg::Sha256).to_string()
    }

    /// Reads an OpenSSH public key line, `KEYTYPE BASE64 [COMMENT]` (what
    /// [`PublicKey::to_openssh`] and `ssh-keygen` write), of a type an
    /// identity may have.
    ///
    /// # Errors
    /// [`Error::InputTooLarge`] for a line above 16 KiB;
    /// [`Error::InvalidArgument`] for text that is not such a line;
    /// [`Error::UnsupportedAlgorithm`] for a key type identities do not have.
    pub fn from_openssh(line: &str) -> Result<PublicKey> {
        const MAX: usize = 16 * 1024;
        if line.len() > MAX {
            return Err(Error::InputTooLarge {
                size: line.len() as u64,
                limit: MAX as u64,
            });
        }
        let key = ssh_key::PublicKey::from_openssh(line.trim())
            .map_err(|e| Error::InvalidArgument(format!("not an OpenSSH public key line ({e})")))?;
        PublicKey::from_ssh_key_data(key.key_data())
    }

    /// Reads an OpenSSH public key blob of a type an identity may have.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for another key type (DSA, security
    /// keys, certificates, P-521) or an RSA size out of range (checked before
    /// any arithmetic); [`Error::InvalidArgument`] for a key that is not valid.
    pub(crate) fn from_ssh_key_data(data: &KeyData) -> Result<PublicKey> {
        let bad = |what: &str| Error::InvalidArgument(format!("invalid {what} OpenSSH public key"));
        let der = match data {
            KeyData::Ed25519(k) => ed25519_dalek::VerifyingKey::from_bytes(&k.0)
                .map_err(|_| bad("Ed25519"))?
                .to_public_key_der(),
            KeyData::Ecdsa(EcdsaPublicKey::NistP256(p)) => {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(p.as_bytes())
                    .map_err(|_| bad("P-256"))?
                    .to_public_key_der()
            }
            KeyData::Ecdsa(EcdsaPublicKey::NistP384(p)) => {
                p384::ecdsa::VerifyingKey::from_sec1_bytes(p.as_bytes())
                    .map_err(|_| bad("P-384"))?
                    .to_public_key_der()
            }
            KeyData::Rsa(k) => {
                let (Some(n), Some(e)) = (k.n().as_positive_bytes(), k.e().as_positive_bytes())
                else {
                    return Err(bad("RSA"));
                };
                // Size first: a huge modulus must not cost any arithmetic.
                check_rsa_bits(uint_bits(n))?;
                let pkcs1 = rsa::pkcs1::RsaPublicKey {
                    modulus: pkcs8::der::asn1::UintRef::new(n).map_err(|_| bad("RSA"))?,
                    public_exponent: pkcs8::der::asn1::UintRef::new(e).map_err(|_| bad("RSA"))?,
                }
                .to_der()
                .map_err(|_| bad("RSA"))?;
                use rsa::pkcs1::DecodeRsaPublicKey;
                rsa::PublicKey::from_pkcs1_der(&pkcs1)
                    .map_err(|_| bad("RSA"))?
                    .to_public_key_der()
            }
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    what: format!(
                        "OpenSSH key type {} (identities are Ed25519, ECDSA P-256/P-384 or RSA)",
                        other.algorithm()
                    ),
                });
            }
        };
        let der = der.map_err(|_| bad("encoded"))?;
        PublicKey::from_spki_der(der.as_bytes())
    }

    /// Checks an OpenSSH signature (`ssh_key::Signature`: algorithm and
    /// blob) over `data`.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if the signature's algorithm does not
    /// fit the key, its blob is malformed, or it does not verify.
    pub(crate) fn verify_ssh(&self, data: &[u8], sig: &Signature) -> Result<()> {
        use signature::Verifier;
        let invalid = |reason: &str| Error::SignatureInvalid {
            reason: reason.to_owned(),
        };
        let blob = sig.as_bytes();
        let ok = match (self.inner(), sig.algorithm()) {
            (PublicInner::Ed25519(k), Algorithm::Ed25519) => {
                let s = ed25519_dalek::Signature::from_slice(blob)
                    .map_err(|_| invalid("malformed Ed25519 signature"))?;
                k.verify_strict(data, &s).is_ok()
            }
            (
                PublicInner::P256(k),
                Algorithm::Ecdsa {
                    curve: EcdsaCurve::NistP256,
                },
            ) => {
                let rs = ecdsa_rs(blob, 32).ok_or_else(|| invalid("malformed ECDSA signature"))?;
                let s = p256::ecdsa::Signature::from_slice(&rs)
                    .map_err(|_| invalid("malformed ECDSA signature"))?;
                k.verify(data, &s).is_ok()
            }
            (
                PublicInner::P384(k),
                Algorithm::Ecdsa {
                    curve: EcdsaCurve::NistP384,
                },
            ) => {
                let rs = ecdsa_rs(blob, 48).ok_or_else(|| invalid("malformed ECDSA signature"))?;
                let s = p384::ecdsa::Signature::from_slice(&rs)
                    .map_err(|_| invalid("malformed ECDSA signature"))?;
                k.verify(data, &s).is_ok()
            }
            // OpenSSH signs with rsa-sha2-512 and accepts rsa-sha2-256; the
            // SHA-1 `ssh-rsa` signature it refuses, and so do we.
            (PublicInner::Rsa(k, _), Algorithm::Rsa { hash: Some(h) }) => {
                use rsa::pkcs1v15::{Signature as RsaSig, VerifyingKey};
                let s = RsaSig::try_from(blob).map_err(|_| invalid("malformed RSA signature"))?;
                match h {
                    HashAlg::Sha512 => VerifyingKey::<sha2::Sha512>::new(k.clone())
                        .verify(data, &s)
                        .is_ok(),
                    HashAlg::Sha256 => VerifyingKey::<sha2::Sha256>::new(k.clone())
                        .verify(data, &s)
                        .is_ok(),
                    _ => return Err(invalid("RSA signature with an unsupported hash")),
                }
            }
            (_, alg) => {
                return Err(invalid(&format!(
                    "a {alg} signature cannot be made by the {} key it names",
                    self.key_type()
                )));
            }
        };
        if ok {
            Ok(())
        } else {
            Err(invalid("the signature does not match the data and key"))
        }
    }
}

impl PrivateKey {
    /// Signs `data` as an OpenSSH signature blob: Ed25519, ECDSA with the
    /// curve's hash (`mpint r, mpint s`), RSA as `rsa-sha2-512`.
    ///
    /// # Errors
    /// [`Error::Failed`] if the system random number generator or signing
    /// fails.
    pub(crate) fn sign_ssh(&self, data: &[u8]) -> Result<Signature> {
        use signature::{RandomizedSigner, SignatureEncoding, Signer};
        let failed = |e: signature::Error| Error::failed("signing", e);
        let (alg, blob) = match self.inner() {
            Inner::Ed25519(k) => (Algorithm::Ed25519, k.sign(data).to_bytes().to_vec()),
            Inner::P256(k) => {
                let s: p256::ecdsa::Signature = k.try_sign(data).map_err(failed)?;
                let (r, s) = s.split_bytes();
                (
                    Algorithm::Ecdsa {
                        curve: EcdsaCurve::NistP256,
                    },
                    ecdsa_blob(&r, &s),
                )
            }
            Inner::P384(k) => {
                let s: p384::ecdsa::Signature = k.try_sign(data).map_err(failed)?;
                let (r, s) = s.split_bytes();
                (
                    Algorithm::Ecdsa {
                        curve: EcdsaCurve::NistP384,
                    },
                    ecdsa_blob(&r, &s),
                )
            }
            Inner::Rsa(k) => {
                // Randomized signing blinds the private-key operation.
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(k.as_ref().clone());
                let s = sk
                    .try_sign_with_rng(&mut getrandom::SysRng, data)
                    .map_err(failed)?;
                (
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha512),
                    },
                    s.to_vec(),
                )
            }
        };
        Signature::new(alg, blob).map_err(|e| Error::failed("encoding the signature", e))
    }
}

/// `mpint r, mpint s`, the inner ECDSA signature blob (RFC 5656 §3.1.2).
fn ecdsa_blob(r: &[u8], s: &[u8]) -> Vec<u8> {
    use ssh_key::encoding::Encode as _;
    let mut out = Vec::with_capacity(2 * (r.len() + 5));
    for x in [r, s] {
        // Writing to a Vec does not fail.
        let _ = Mpint::from_positive_bytes(x).encode(&mut out);
    }
    out
}

/// `r || s`, each left-padded to `size` bytes, from `mpint r, mpint s` with
/// nothing after them; `None` for anything else.
fn ecdsa_rs(blob: &[u8], size: usize) -> Option<Vec<u8>> {
    use ssh_key::encoding::{Decode as _, Reader as _};
    let mut reader = blob;
    let r = Mpint::decode(&mut reader).ok()?;
    let s = Mpint::decode(&mut reader).ok()?;
    if !reader.is_finished() {
        return None;
    }
    let mut out = vec![0u8; 2 * size];
    for (i, x) in [r, s].iter().enumerate() {
        let bytes = x.as_positive_bytes()?;
        if bytes.len() > size {
            return None;
        }
        out[(i + 1) * size - bytes.len()..(i + 1) * size].copy_from_slice(bytes);
    }
    Some(out)
}

/// A valid key always has an OpenSSH encoding (an uncompressed SEC1 point,
/// a positive exponent and modulus); reaching this is a bug in an encoder.
#[cold]
fn unreachable_key<T>() -> T {
    #[allow(clippy::panic)]
    {
        panic!("the OpenSSH encoding of a valid public key was refused")
    }
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::key::KeyType;

    #[test]
    fn blob_round_trip_and_signatures() {
        for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
            let key = PrivateKey::generate(kt).unwrap();
            let public = key.public_key();
            let back = PublicKey::from_ssh_key_data(&public.ssh_key_data()).unwrap();
            assert_eq!(back, public, "{kt}");
            let line = format!("{} a comment", public.to_openssh());
            assert_eq!(PublicKey::from_openssh(&line).unwrap(), public);
            assert_eq!(back.authority(), key.authority());
            let sig = key.sign_ssh(b"data").unwrap();
            public.verify_ssh(b"data", &sig).unwrap();
            assert!(matches!(
                public.verify_ssh(b"datA", &sig),
                Err(Error::SignatureInvalid { .. })
            ));
            let other = PrivateKey::generate(kt).unwrap().sign_ssh(b"data").unwrap();
            assert!(public.verify_ssh(b"data", &other).is_err());
        }
    }

    #[test]
    fn p384_signs() {
        use p384::elliptic_curve::Generate;
        use pkcs8::EncodePrivateKey;
        let sk = p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
        let key = PrivateKey::from_pkcs8_der(sk.to_pkcs8_der().unwrap().as_bytes()).unwrap();
        let sig = key.sign_ssh(b"m").unwrap();
        assert_eq!(sig.algorithm().as_str(), "ecdsa-sha2-nistp384");
        key.public_key().verify_ssh(b"m", &sig).unwrap();
        let back = PublicKey::from_ssh_key_data(&key.public_key().ssh_key_data()).unwrap();
        assert_eq!(back, key.public_key());
    }

    #[test]
    fn a_signature_of_another_algorithm_is_refused() {
        let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let p = PrivateKey::generate(KeyType::P256).unwrap();
        let sig = p.sign_ssh(b"m").unwrap();
        assert!(matches!(
            ed.public_key().verify_ssh(b"m", &sig),
            Err(Error::SignatureInvalid { .. })
        ));
    }

    #[test]
    fn openssh_line_shape() {
        let key = PrivateKey::generate(KeyType::P256).unwrap().public_key();
        let line = key.to_openssh();
        assert!(line.starts_with("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY"));
        assert_eq!(line.split(' ').count(), 2, "{line}");
        let fp = key.openssh_fingerprint();
        assert!(fp.starts_with("SHA256:") && !fp.ends_with('='), "{fp}");
        assert_eq!(fp.len(), 7 + 43);
    }
}
