//! The secret half of an identity's key pair.
//!
//! Private keys are encoded as PKCS#8 `PrivateKeyInfo` (RFC 5208, version 1):
//!
//! ```text
//! PrivateKeyInfo ::= SEQUENCE {
//!     version                   INTEGER (0),
//!     privateKeyAlgorithm       AlgorithmIdentifier,
//!     privateKey                OCTET STRING }
//! ```
//!
//! Public keys as X.509 `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7).

use std::fmt;

use pkcs8::der::Decode;
use pkcs8::spki::EncodePublicKey;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoRef};
use zeroize::{Zeroize, Zeroizing};

use super::alg::{KeyAlg, SigAlg};
use super::public::PublicInner;
use super::{KeyType, PublicKey, check_rsa_bits, uint_bits};
use crate::error::{Error, Result};
use crate::name::Authority;

/// The secret half of one of the supported key types.
///
/// Each inner key type wipes its secret on drop (`ZeroizeOnDrop`, checked at
/// compile time below), so this enum needs no `Drop` of its own.
pub(super) enum Inner {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
}

const _: () = {
    const fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<ed25519_dalek::SigningKey>();
    wiped_on_drop::<p256::ecdsa::SigningKey>();
    wiped_on_drop::<p384::ecdsa::SigningKey>();
    wiped_on_drop::<rsa::PrivateKey>();
};

/// An identity's private key. Wiped from memory when dropped; its `Debug`
/// output names the key type only.
pub struct PrivateKey {
    inner: Inner,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("key_type", &self.key_type())
            .finish_non_exhaustive()
    }
}

fn rng_failed(e: impl fmt::Display) -> Error {
    Error::failed("reading the system random number generator", e)
}

impl PrivateKey {
    /// Generates a new key pair from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`Error::UnknownKeyType`] for a type peerid does not create (P-384,
    /// RSA sizes other than 2048/3072/4096); [`Error::Failed`] if the system
    /// random number generator fails.
    pub fn generate(kt: KeyType) -> Result<PrivateKey> {
        if !kt.is_creatable() {
            return Err(Error::UnknownKeyType { given: kt.name() });
        }
        let inner = match kt {
            KeyType::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                getrandom::fill(seed.as_mut()).map_err(rng_failed)?;
                Inner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            KeyType::P256 => {
                use p256::elliptic_curve::Generate;
                Inner::P256(
                    p256::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng)
                        .map_err(rng_failed)?,
                )
            }
            KeyType::P384 => {
                use p384::elliptic_curve::Generate;
                Inner::P384(
                    p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng)
                        .map_err(rng_failed)?,
                )
            }
            KeyType::Rsa(bits) => {
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits as usize)
                    .map_err(|e| Error::failed("generating an RSA key", e))?;
                Inner::Rsa(Box::new(key))
            }
        };
        Ok(PrivateKey { inner })
    }

    /// Reads a PKCS#8 `PrivateKeyInfo` (RFC 5208) or `OneAsymmetricKey`
    /// (RFC 5958, "v2", as some tools write Ed25519 keys with the public key
    /// attached; the attached key must match).
    ///
    /// Accepts Ed25519, ECDSA P-256 and P-384 (`id-ecPublicKey` with a named
    /// curve), and RSA with a modulus of 1024 to 8192 bits.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for another algorithm or curve, or an
    /// RSA modulus outside 1024..=8192 bits (checked before any arithmetic on
    /// the key); [`Error::InvalidArgument`] for bytes that are not a valid
    /// key of the algorithm they name.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey> {
        let bad =
            |what: &str| Error::InvalidArgument(format!("malformed PKCS#8 private key: {what}"));
        let info = PrivateKeyInfoRef::from_der(der).map_err(|_| bad("not a PrivateKeyInfo"))?;
        let alg = KeyAlg::of(&info.algorithm)
            .map_err(|e| e.into_error("private", bad("EC key without a named curve")))?;
        let inner = match alg {
            KeyAlg::Ed25519 => {
                Inner::Ed25519(ed25519_from_info(&info).ok_or_else(|| bad("invalid Ed25519 key"))?)
            }
            KeyAlg::P256 => Inner::P256(
                p256::ecdsa::SigningKey::from_pkcs8_der(der)
                    .map_err(|_| bad("invalid P-256 key"))?,
            ),
            KeyAlg::P384 => Inner::P384(
                p384::ecdsa::SigningKey::from_pkcs8_der(der)
                    .map_err(|_| bad("invalid P-384 key"))?,
            ),
            KeyAlg::Rsa => {
                // Look at the modulus size before doing any arithmetic with it.
                let pkcs1 = rsa::pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                    .map_err(|_| bad("invalid RSA key"))?;
                let bits = uint_bits(pkcs1.modulus.as_bytes());
                check_rsa_bits(bits)?;
                Inner::Rsa(Box::new(
                    rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| bad("invalid RSA key"))?,
                ))
            }
        };
        Ok(PrivateKey { inner })
    }

    /// Encodes the key as PKCS#8 version 1 (`PrivateKeyInfo`, RFC 5208),
    /// never version 2: OpenSSL 3.0 rejects an Ed25519 v2 key with the public
    /// key attached.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let doc = match &self.inner {
            Inner::Ed25519(k) => {
                let mut bytes = ed25519_dalek::pkcs8::KeypairBytes {
                    secret_key: k.to_bytes(),
                    public_key: None,
                };
                let doc = bytes.to_pkcs8_der();
                // `KeypairBytes` wipes itself only with the `ed25519/zeroize`
                // feature, which nothing here enables.
                bytes.secret_key.zeroize();
                doc
            }
            Inner::P256(k) => k.to_pkcs8_der(),
            Inner::P384(k) => k.to_pkcs8_der(),
            Inner::Rsa(k) => k.to_pkcs8_der(),
        };
        // Encoding a valid in-memory key into a Vec cannot fail; a failure here
        // is a bug in the encoder, not a condition callers could handle.
        #[allow(clippy::expect_used)]
        let doc = doc.expect("PKCS#8 encoding of a valid key");
        Zeroizing::new(doc.as_bytes().to_vec())
    }

    pub(super) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        use rsa::traits::PublicKeyParts;
        match &self.inner {
            Inner::Ed25519(_) => KeyType::Ed25519,
            Inner::P256(_) => KeyType::P256,
            Inner::P384(_) => KeyType::P384,
            Inner::Rsa(k) => KeyType::Rsa(uint_bits(&k.n_bytes())),
        }
    }

    /// The public key as a DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7).
    pub fn public_key_info_der(&self) -> Vec<u8> {
        let doc = match &self.inner {
            Inner::Ed25519(k) => k.verifying_key().to_public_key_der(),
            Inner::P256(k) => k.verifying_key().to_public_key_der(),
            Inner::P384(k) => k.verifying_key().to_public_key_der(),
            Inner::Rsa(k) => k.as_public_key().to_public_key_der(),
        };
        #[allow(clippy::expect_used)]
        let doc = doc.expect("SubjectPublicKeyInfo encoding of a valid key");
        doc.into_vec()
    }

    /// The contents of the `subjectPublicKey` BIT STRING: what the authority
    /// hashes (RFC 5280 §4.2.1.2 method 1).
    pub fn public_key_bits(&self) -> Vec<u8> {
        let der = self.public_key_info_der();
        #[allow(clippy::expect_used)]
        let spki = pkcs8::spki::SubjectPublicKeyInfoRef::from_der(&der)
            .expect("our own SubjectPublicKeyInfo decodes");
        spki.subject_public_key.raw_bytes().to_vec()
    }

    /// The secure authority of this key: SHA-1 of [`PrivateKey::public_key_bits`].
    pub fn authority(&self) -> Authority {
        Authority::from_public_key_bits(&self.public_key_bits())
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        let inner = match &self.inner {
            Inner::Ed25519(k) => PublicInner::Ed25519(k.verifying_key()),
            Inner::P256(k) => PublicInner::P256(*k.verifying_key()),
            Inner::P384(k) => PublicInner::P384(*k.verifying_key()),
            Inner::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                PublicInner::Rsa(k.as_public_key().clone(), uint_bits(&k.n_bytes()))
            }
        };
        PublicKey::from_parts(inner, self.public_key_info_der())
    }

    /// Signs `msg` with the key's natural algorithm, the one its IDC is
    /// signed with and [`PublicKey::verify`] checks:
    ///
    /// | key | signature | encoding |
    /// |---|---|---|
    /// | Ed25519 | Ed25519 (RFC 8032, pure) | 64 bytes |
    /// | P-256 | ECDSA with SHA-256 | DER `Ecdsa-Sig-Value` (RFC 5480 §2.2.3, as X.509 carries it) |
    /// | P-384 | ECDSA with SHA-384 | DER `Ecdsa-Sig-Value` |
    /// | RSA | RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2) | modulus-sized |
    ///
    /// # Errors
    /// [`Error::Failed`] if the system random number generator fails (RSA
    /// signing is randomized to blind the private-key operation) or, with a
    /// negligible probability, ECDSA signing does.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        use signature::{RandomizedSigner, SignatureEncoding, Signer};
        let sig = match &self.inner {
            Inner::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            Inner::P256(k) => {
                let s: p256::ecdsa::DerSignature =
                    k.try_sign(msg).map_err(|e| Error::failed("signing", e))?;
                s.to_vec()
            }
            Inner::P384(k) => {
                let s: p384::ecdsa::DerSignature =
                    k.try_sign(msg).map_err(|e| Error::failed("signing", e))?;
                s.to_vec()
            }
            Inner::Rsa(k) => {
                // Randomized signing blinds the private-key operation.
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.as_ref().clone());
                sk.try_sign_with_rng(&mut getrandom::SysRng, msg)
                    .map_err(|e| Error::failed("signing", e))?
                    .to_vec()
            }
        };
        Ok(sig)
    }

    /// Signs `msg` with RSASSA-PSS (RFC 8017 §8.1): SHA-256, MGF1 with
    /// SHA-256 and a 32-byte salt, as TLS 1.3's `rsa_pss_rsae_sha256` (RFC
    /// 8446 §4.2.3) wants it. Salt and blinding come from the system random
    /// number generator. [`PublicKey::verify_rsa_pss_sha256`] checks it.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for a key that is not RSA;
    /// [`Error::Failed`] if the system random number generator fails.
    pub fn sign_rsa_pss_sha256(&self, msg: &[u8]) -> Result<Vec<u8>> {
        use signature::{RandomizedSigner, SignatureEncoding};
        let Inner::Rsa(k) = &self.inner else {
            return Err(Error::UnsupportedAlgorithm {
                what: format!("RSA-PSS with a {} key", self.key_type()),
            });
        };
        // The salt length is the digest's, 32 bytes (RFC 8446 §4.2.3); the
        // copy of the key inside the signing key is wiped when it drops.
        let sk = rsa::pss::SigningKey::<sha2::Sha256>::new(k.as_ref().clone());
        Ok(sk
            .try_sign_with_rng(&mut getrandom::SysRng, msg)
            .map_err(|e| Error::failed("signing", e))?
            .to_vec())
    }

    /// The DER `AlgorithmIdentifier` of the signatures [`PrivateKey::sign`]
    /// makes.
    pub(crate) fn signature_algorithm_der(&self) -> Vec<u8> {
        SigAlg::natural(self.key_type()).identifier_der()
    }
}

/// An Ed25519 key from its PKCS#8 structure (RFC 8410 §7):
/// `privateKey` is an OCTET STRING holding `CurvePrivateKey ::= OCTET STRING`
/// (the 32-byte seed). A v2 structure's public key must be the seed's.
///
/// Done here rather than with `ed25519_dalek`'s decoder, whose intermediate
/// `KeypairBytes` is not wiped without a feature of the `ed25519` crate.
fn ed25519_from_info(info: &PrivateKeyInfoRef<'_>) -> Option<ed25519_dalek::SigningKey> {
    if info.algorithm.parameters.is_some() {
        return None;
    }
    let seed = <&pkcs8::der::asn1::OctetStringRef>::from_der(info.private_key.as_bytes()).ok()?;
    let mut seed_bytes: Zeroizing<[u8; 32]> = Zeroizing::new(seed.as_bytes().try_into().ok()?);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed_bytes);
    seed_bytes.zeroize();
    if let Some(public) = &info.public_key
        && public.as_bytes() != Some(key.verifying_key().as_bytes().as_slice())
    {
        return None;
    }
    Some(key)
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
