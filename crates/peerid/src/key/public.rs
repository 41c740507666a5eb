//! The public half of an identity's key pair, as an X.509
//! `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7) carries it:
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE {
//!     algorithm            AlgorithmIdentifier,
//!     subjectPublicKey     BIT STRING }
//! ```

use std::fmt;

use pkcs8::der::{Decode, Encode};
use pkcs8::spki::{AlgorithmIdentifierRef, DecodePublicKey, SubjectPublicKeyInfoRef};

use super::alg::{KeyAlg, SigAlg};
use super::{KeyType, check_rsa_bits, uint_bits};
use crate::error::{Error, Result};
use crate::idc::Idc;
use crate::name::Authority;

/// A public key of one of the types an identity may have.
#[derive(Clone)]
pub(crate) enum PublicInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    /// The key and its modulus size in bits.
    Rsa(rsa::PublicKey, u32),
}

/// An identity's public key: what its IDC carries, what its secure peer name
/// is the hash of, and what checks its signatures. Safe to give to anyone.
///
/// Two `PublicKey`s are equal when their SubjectPublicKeyInfo DER is.
#[derive(Clone)]
pub struct PublicKey {
    inner: PublicInner,
    /// The DER `SubjectPublicKeyInfo`, as re-encoded from what was read.
    spki_der: Vec<u8>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("key_type", &self.key_type())
            .field("authority", &self.authority())
            .finish()
    }
}

impl PublicKey {
    pub(crate) fn from_parts(inner: PublicInner, spki_der: Vec<u8>) -> PublicKey {
        PublicKey { inner, spki_der }
    }

    pub(super) fn inner(&self) -> &PublicInner {
        &self.inner
    }

    /// Reads a DER `SubjectPublicKeyInfo` of an Ed25519, ECDSA P-256 or
    /// P-384 (`id-ecPublicKey` with a named curve) key, or an RSA key of 1024
    /// to 8192 bits.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for another algorithm, curve or RSA
    /// size (the size is checked before any arithmetic on the key);
    /// [`Error::InvalidArgument`] for bytes that are not a valid key.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey> {
        Self::read(der, |what| {
            Error::InvalidArgument(format!(
                "malformed SubjectPublicKeyInfo: invalid {what} public key"
            ))
        })
    }

    /// The key an identity certificate carries (as [`Idc::public_key`]).
    pub fn from_idc(idc: &Idc) -> PublicKey {
        idc.public_key().clone()
    }

    /// Reads a SubjectPublicKeyInfo, naming a bad key with `bad`.
    pub(crate) fn read(der: &[u8], bad: impl Fn(&str) -> Error) -> Result<PublicKey> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| bad("encoded"))?;
        let alg = KeyAlg::of(&spki.algorithm)
            .map_err(|e| e.into_error("public", bad("EC (no named curve)")))?;
        let inner = match alg {
            KeyAlg::Ed25519 => PublicInner::Ed25519(
                ed25519_dalek::VerifyingKey::from_public_key_der(der)
                    .map_err(|_| bad("Ed25519"))?,
            ),
            KeyAlg::P256 => PublicInner::P256(
                p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|_| bad("P-256"))?,
            ),
            KeyAlg::P384 => PublicInner::P384(
                p384::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|_| bad("P-384"))?,
            ),
            KeyAlg::Rsa => {
                let bits = spki
                    .subject_public_key
                    .as_bytes()
                    .ok_or_else(|| bad("RSA"))?;
                let pkcs1 = rsa::pkcs1::RsaPublicKeyRef::from_der(bits).map_err(|_| bad("RSA"))?;
                // Size first: a huge modulus must not cost any arithmetic.
                let size = uint_bits(pkcs1.modulus.as_bytes());
                check_rsa_bits(size)?;
                let key = rsa::PublicKey::from_public_key_der(der).map_err(|_| bad("RSA"))?;
                PublicInner::Rsa(key, size)
            }
        };
        let spki_der = spki.to_der().map_err(|_| bad("encoded"))?;
        Ok(PublicKey { inner, spki_der })
    }

    /// The key type (for RSA, the modulus size).
    pub fn key_type(&self) -> KeyType {
        match &self.inner {
            PublicInner::Ed25519(_) => KeyType::Ed25519,
            PublicInner::P256(_) => KeyType::P256,
            PublicInner::P384(_) => KeyType::P384,
            PublicInner::Rsa(_, bits) => KeyType::Rsa(*bits),
        }
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn to_spki_der(&self) -> Vec<u8> {
        self.spki_der.clone()
    }

    /// The contents of the `subjectPublicKey` BIT STRING: what the authority
    /// hashes (RFC 5280 §4.2.1.2 method 1).
    pub(crate) fn key_bits(&self) -> &[u8] {
        SubjectPublicKeyInfoRef::from_der(&self.spki_der)
            .map(|s| s.subject_public_key.raw_bytes())
            .unwrap_or_default()
    }

    /// The secure authority of this key: SHA-1 of its `subjectPublicKey` bits.
    pub fn authority(&self) -> Authority {
        Authority::from_public_key_bits(self.key_bits())
    }

    /// Checks a signature that [`PrivateKey::sign`](crate::PrivateKey::sign)
    /// made over `msg`, in the key's natural algorithm (the table there).
    ///
    /// # Errors
    /// [`Error::BadSignature`] if it does not verify.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        self.verify_as(SigAlg::natural(self.key_type()), msg, sig)
    }

    /// Checks an RSASSA-PSS signature over `msg` with SHA-256, MGF1 with
    /// SHA-256 and a 32-byte salt (TLS 1.3's `rsa_pss_rsae_sha256`), as
    /// [`PrivateKey::sign_rsa_pss_sha256`](crate::PrivateKey::sign_rsa_pss_sha256)
    /// makes it.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for a key that is not RSA;
    /// [`Error::BadSignature`] if the signature does not verify.
    pub fn verify_rsa_pss_sha256(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        use signature::Verifier;
        let PublicInner::Rsa(k, _) = &self.inner else {
            return Err(Error::UnsupportedAlgorithm {
                what: format!("RSA-PSS with a {} key", self.key_type()),
            });
        };
        let s = rsa::pss::Signature::try_from(sig).map_err(|_| Error::BadSignature)?;
        rsa::pss::VerifyingKey::<sha2::Sha256>::new(k.clone())
            .verify(msg, &s)
            .map_err(|_| Error::BadSignature)
    }

    /// Verifies `sig` over `msg` under the signature algorithm an IDC names.
    pub(crate) fn verify_with(
        &self,
        alg: &AlgorithmIdentifierRef<'_>,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        let oid = alg.oid;
        let Some(sig_alg) = SigAlg::from_oid(oid) else {
            return Err(Error::UnsupportedAlgorithm {
                what: format!("signature algorithm {oid}"),
            });
        };
        // RSA identifiers take NULL parameters (absent is tolerated, as RFC
        // 4055 §2.1 asks of readers); ECDSA and Ed25519 take none.
        let params_ok = match alg.parameters {
            None => true,
            Some(p) => p.is_null() && matches!(self.inner, PublicInner::Rsa(..)),
        };
        if !params_ok {
            return Err(Error::malformed_cert(
                "unexpected signature algorithm parameters",
            ));
        }
        self.verify_as(sig_alg, msg, sig)
    }

    fn verify_as(&self, alg: SigAlg, msg: &[u8], sig: &[u8]) -> Result<()> {
        use signature::Verifier;
        use signature::hazmat::PrehashVerifier;

        let mismatch = || {
            Error::malformed_cert(format!(
                "signature algorithm {} does not fit a {} key",
                alg.oid(),
                self.key_type()
            ))
        };
        let ok = match &self.inner {
            PublicInner::Ed25519(k) => {
                if alg != SigAlg::Ed25519 {
                    return Err(mismatch());
                }
                let s =
                    ed25519_dalek::Signature::from_slice(sig).map_err(|_| Error::BadSignature)?;
                k.verify_strict(msg, &s).is_ok()
            }
            PublicInner::P256(k) => {
                let s =
                    p256::ecdsa::DerSignature::from_bytes(sig).map_err(|_| Error::BadSignature)?;
                let h = ecdsa_prehash(alg).ok_or_else(mismatch)?(msg);
                k.verify_prehash(&h, &s).is_ok()
            }
            PublicInner::P384(k) => {
                let s =
                    p384::ecdsa::DerSignature::from_bytes(sig).map_err(|_| Error::BadSignature)?;
                let h = ecdsa_prehash(alg).ok_or_else(mismatch)?(msg);
                k.verify_prehash(&h, &s).is_ok()
            }
            PublicInner::Rsa(k, _) => {
                use rsa::pkcs1v15::{Signature, VerifyingKey};
                let s = Signature::try_from(sig).map_err(|_| Error::BadSignature)?;
                let k = k.clone();
                match alg {
                    SigAlg::RsaSha1 => VerifyingKey::<sha1::Sha1>::new(k).verify(msg, &s).is_ok(),
                    SigAlg::RsaSha256 => {
                        VerifyingKey::<sha2::Sha256>::new(k).verify(msg, &s).is_ok()
                    }
                    SigAlg::RsaSha384 => {
                        VerifyingKey::<sha2::Sha384>::new(k).verify(msg, &s).is_ok()
                    }
                    SigAlg::RsaSha512 => {
                        VerifyingKey::<sha2::Sha512>::new(k).verify(msg, &s).is_ok()
                    }
                    _ => return Err(mismatch()),
                }
            }
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

/// A message digest function.
type Prehash = fn(&[u8]) -> Vec<u8>;

/// The digest function of an ECDSA signature algorithm.
fn ecdsa_prehash(alg: SigAlg) -> Option<Prehash> {
    use sha2::Digest;
    match alg {
        SigAlg::EcdsaSha256 => Some(|m| sha2::Sha256::digest(m).to_vec()),
        SigAlg::EcdsaSha384 => Some(|m| sha2::Sha384::digest(m).to_vec()),
        _ => None,
    }
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::key::PrivateKey;

    fn sign_and_verify(kt: KeyType) {
        let key = PrivateKey::generate(kt).unwrap();
        let public = key.public_key();
        assert_eq!(public.key_type(), kt);
        assert_eq!(public.authority(), key.authority());
        assert_eq!(public.to_spki_der(), key.public_key_info_der());
        let again = PublicKey::from_spki_der(&public.to_spki_der()).unwrap();
        assert_eq!(again, public);
        assert_eq!(again.key_type(), kt);

        let sig = key.sign(b"message").unwrap();
        public.verify(b"message", &sig).unwrap();
        again.verify(b"message", &sig).unwrap();
        assert!(matches!(
            public.verify(b"massage", &sig),
            Err(Error::BadSignature)
        ));
        let mut flipped = sig.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(public.verify(b"message", &flipped).is_err());
        // Another key's signature does not verify.
        let other = PrivateKey::generate(kt).unwrap();
        assert!(
            public
                .verify(b"message", &other.sign(b"message").unwrap())
                .is_err()
        );
    }

    #[test]
    fn ed25519() {
        sign_and_verify(KeyType::Ed25519);
    }

    #[test]
    fn p256() {
        sign_and_verify(KeyType::P256);
    }

    #[test]
    fn rsa2048() {
        sign_and_verify(KeyType::Rsa(2048));
    }

    #[test]
    fn p384() {
        use p384::elliptic_curve::Generate;
        use pkcs8::EncodePrivateKey;
        let sk = p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
        let key = PrivateKey::from_pkcs8_der(sk.to_pkcs8_der().unwrap().as_bytes()).unwrap();
        let sig = key.sign(b"m").unwrap();
        key.public_key().verify(b"m", &sig).unwrap();
        assert_eq!(key.public_key().key_type(), KeyType::P384);
    }

    #[test]
    fn rsa_pss_sha256() {
        let key = PrivateKey::generate(KeyType::Rsa(2048)).unwrap();
        let public = key.public_key();
        let sig = key.sign_rsa_pss_sha256(b"message").unwrap();
        assert_eq!(sig.len(), 256);
        public.verify_rsa_pss_sha256(b"message", &sig).unwrap();
        // Randomized: a fresh salt each time.
        assert_ne!(sig, key.sign_rsa_pss_sha256(b"message").unwrap());
        assert!(matches!(
            public.verify_rsa_pss_sha256(b"massage", &sig),
            Err(Error::BadSignature)
        ));
        // Not interchangeable with PKCS#1 v1.5, either way.
        assert!(public.verify(b"message", &sig).is_err());
        let v15 = key.sign(b"message").unwrap();
        assert!(public.verify_rsa_pss_sha256(b"message", &v15).is_err());
        // Salt length 32 with MGF1-SHA-256: what ring checks for
        // RSA_PSS_SHA256 (the scheme TLS 1.3 uses), an implementation
        // nobody here wrote.
        let n = {
            let spki = public.to_spki_der();
            let parsed = SubjectPublicKeyInfoRef::from_der(&spki).unwrap();
            parsed.subject_public_key.raw_bytes().to_vec()
        };
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PSS_2048_8192_SHA256, n)
            .verify(b"message", &sig)
            .unwrap();
        // Other key types have no PSS.
        let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
        assert!(matches!(
            ed.sign_rsa_pss_sha256(b"m"),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(
            ed.public_key().verify_rsa_pss_sha256(b"m", &sig),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn garbage_refused() {
        for bad in [&b""[..], b"\x30\x00", b"not a key"] {
            assert!(matches!(
                PublicKey::from_spki_der(bad),
                Err(Error::InvalidArgument(_))
            ));
        }
        let mut der = PrivateKey::generate(KeyType::Ed25519)
            .unwrap()
            .public_key_info_der();
        der.push(0);
        assert!(PublicKey::from_spki_der(&der).is_err());
    }

    #[test]
    fn debug_is_short() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let dbg = format!("{:?}", key.public_key());
        assert!(dbg.contains("Ed25519") && dbg.contains(&key.authority().to_string()));
    }
}
