//! Identity key pairs (docs/design.md §2): the types peerid creates, the wider set
//! it imports, and their PKCS#8 and SubjectPublicKeyInfo encodings.
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

use pkcs8::der::{Decode, Encode};
use pkcs8::spki::{EncodePublicKey, ObjectIdentifier};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoRef};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::name::Authority;

pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
pub(crate) const OID_SECP256R1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Smallest RSA modulus accepted on import: old Windows identities are RSA-1024.
pub const MIN_RSA_BITS: u32 = 1024;
/// Largest RSA modulus accepted on import; bounds the work an input can cause.
pub const MAX_RSA_BITS: u32 = 8192;

/// The kind of key pair behind an identity.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub enum KeyType {
    /// Ed25519 (RFC 8032), the default.
    #[default]
    Ed25519,
    /// ECDSA on NIST P-256.
    P256,
    /// ECDSA on NIST P-384 (imported only).
    P384,
    /// RSA with a modulus of this many bits.
    Rsa(u32),
}

impl KeyType {
    /// The names `--key` accepts: the only key types peerid creates.
    pub const CREATABLE: [&str; 5] = ["ed25519", "p256", "rsa2048", "rsa3072", "rsa4096"];

    /// Parses a key type name as `--key` takes it.
    ///
    /// # Errors
    /// [`Error::UnknownKeyType`] for anything but the names in
    /// [`KeyType::CREATABLE`] (P-384 and RSA-1024 are read on import but never
    /// created).
    pub fn parse(s: &str) -> Result<KeyType> {
        match s {
            "ed25519" => Ok(KeyType::Ed25519),
            "p256" => Ok(KeyType::P256),
            "rsa2048" => Ok(KeyType::Rsa(2048)),
            "rsa3072" => Ok(KeyType::Rsa(3072)),
            "rsa4096" => Ok(KeyType::Rsa(4096)),
            _ => Err(Error::UnknownKeyType {
                given: s.to_owned(),
            }),
        }
    }

    /// The name of this key type as `--key` spells it (`rsa1024` for an
    /// imported RSA-1024 key, `p384` for P-384).
    pub fn name(&self) -> String {
        match self {
            KeyType::Ed25519 => "ed25519".to_owned(),
            KeyType::P256 => "p256".to_owned(),
            KeyType::P384 => "p384".to_owned(),
            KeyType::Rsa(bits) => format!("rsa{bits}"),
        }
    }

    /// Whether peerid creates keys of this type.
    pub fn is_creatable(&self) -> bool {
        Self::CREATABLE.contains(&self.name().as_str())
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The secret half of one of the supported key types.
///
/// Each inner key type wipes its secret on drop (`ZeroizeOnDrop`, checked at
/// compile time below), so this enum needs no `Drop` of its own.
enum Inner {
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
        let oid = info.algorithm.oid;
        let inner = if oid == OID_ED25519 {
            Inner::Ed25519(ed25519_from_info(&info).ok_or_else(|| bad("invalid Ed25519 key"))?)
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| bad("EC key without a named curve"))?;
            if curve == OID_SECP256R1 {
                Inner::P256(
                    p256::ecdsa::SigningKey::from_pkcs8_der(der)
                        .map_err(|_| bad("invalid P-256 key"))?,
                )
            } else if curve == OID_SECP384R1 {
                Inner::P384(
                    p384::ecdsa::SigningKey::from_pkcs8_der(der)
                        .map_err(|_| bad("invalid P-384 key"))?,
                )
            } else {
                return Err(Error::UnsupportedAlgorithm {
                    what: format!("elliptic curve {curve}"),
                });
            }
        } else if oid == OID_RSA_ENCRYPTION {
            // Look at the modulus size before doing any arithmetic with it.
            let pkcs1 = rsa::pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                .map_err(|_| bad("invalid RSA key"))?;
            let bits = uint_bits(pkcs1.modulus.as_bytes());
            check_rsa_bits(bits)?;
            Inner::Rsa(Box::new(
                rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| bad("invalid RSA key"))?,
            ))
        } else {
            return Err(Error::UnsupportedAlgorithm {
                what: format!("private key algorithm {oid}"),
            });
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

    /// Signs `msg` with this key's IDC signature algorithm
    /// ([`PrivateKey::signature_algorithm_der`]); returns the signature value
    /// (DER `Ecdsa-Sig-Value` for ECDSA).
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
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

    /// The DER `AlgorithmIdentifier` of the IDC signature this key makes.
    pub(crate) fn signature_algorithm_der(&self) -> Vec<u8> {
        use crate::idc::oids;
        // Per RFC 4055 the RSA identifiers carry NULL parameters; the ECDSA
        // (RFC 5758) and Ed25519 (RFC 8410) ones carry none.
        let (oid, null) = match &self.inner {
            Inner::Ed25519(_) => (OID_ED25519, false),
            Inner::P256(_) => (oids::ECDSA_SHA256, false),
            Inner::P384(_) => (oids::ECDSA_SHA384, false),
            Inner::Rsa(_) => (oids::SHA256_WITH_RSA, true),
        };
        let params = null.then_some(pkcs8::der::asn1::AnyRef::NULL);
        let alg = pkcs8::spki::AlgorithmIdentifierRef {
            oid,
            parameters: params,
        };
        #[allow(clippy::expect_used)]
        alg.to_der().expect("AlgorithmIdentifier encodes")
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

/// Bit length of a big-endian unsigned integer.
pub(crate) fn uint_bits(be: &[u8]) -> u32 {
    let be = match be.iter().position(|b| *b != 0) {
        Some(i) => &be[i..],
        None => return 0,
    };
    (be.len() as u32 - 1) * 8 + (8 - be[0].leading_zeros())
}

pub(crate) fn check_rsa_bits(bits: u32) -> Result<()> {
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(Error::UnsupportedAlgorithm {
            what: format!(
                "RSA-{bits} (peerid reads RSA keys of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits)"
            ),
        });
    }
    Ok(())
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The raw secret scalar/seed (or RSA private exponent) for Debug checks.
    fn secret_bytes(k: &PrivateKey) -> Vec<u8> {
        use rsa::traits::PrivateKeyParts;
        match &k.inner {
            Inner::Ed25519(k) => k.to_bytes().to_vec(),
            Inner::P256(k) => k.to_bytes().to_vec(),
            Inner::P384(k) => k.to_bytes().to_vec(),
            Inner::Rsa(k) => k.d().to_be_bytes().to_vec(),
        }
    }

    #[test]
    fn parse_and_name() {
        for name in KeyType::CREATABLE {
            let kt = KeyType::parse(name).unwrap();
            assert_eq!(kt.name(), name);
            assert!(kt.is_creatable());
        }
        for bad in ["p384", "rsa1024", "RSA2048", "ed448", "", "rsa"] {
            assert!(
                matches!(KeyType::parse(bad), Err(Error::UnknownKeyType { .. })),
                "{bad}"
            );
        }
        assert_eq!(KeyType::default(), KeyType::Ed25519);
        assert_eq!(KeyType::P384.name(), "p384");
        assert_eq!(KeyType::Rsa(1024).name(), "rsa1024");
    }

    #[test]
    fn generate_refuses_non_creatable() {
        assert!(matches!(
            PrivateKey::generate(KeyType::P384),
            Err(Error::UnknownKeyType { .. })
        ));
        assert!(matches!(
            PrivateKey::generate(KeyType::Rsa(1024)),
            Err(Error::UnknownKeyType { .. })
        ));
    }

    fn round_trip(kt: KeyType) {
        let k = PrivateKey::generate(kt).unwrap();
        assert_eq!(k.key_type(), kt);
        let der = k.to_pkcs8_der();
        let info = PrivateKeyInfoRef::from_der(&der).unwrap();
        assert!(info.public_key.is_none(), "must be PKCS#8 v1");
        let back = PrivateKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(back.key_type(), kt);
        assert_eq!(back.public_key_info_der(), k.public_key_info_der());
        assert_eq!(back.authority(), k.authority());
        assert_eq!(
            Authority::from_public_key_bits(&k.public_key_bits()),
            k.authority()
        );
        // Debug shows the type and never the secret.
        let dbg = format!("{k:?}");
        assert!(dbg.contains(&format!("{kt:?}")), "{dbg}");
        let secret = hex(&secret_bytes(&k));
        assert!(!dbg.to_lowercase().contains(&secret), "{dbg}");
        assert!(!dbg.contains(&format!("{:?}", secret_bytes(&k))));
    }

    #[test]
    fn ed25519_round_trip() {
        round_trip(KeyType::Ed25519);
    }

    #[test]
    fn p256_round_trip() {
        round_trip(KeyType::P256);
    }

    #[test]
    fn rsa2048_round_trip() {
        round_trip(KeyType::Rsa(2048));
    }

    #[test]
    fn rsa3072_round_trip() {
        round_trip(KeyType::Rsa(3072));
    }

    #[test]
    fn p384_import() {
        use p384::elliptic_curve::Generate;
        let sk = p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
        let der = sk.to_pkcs8_der().unwrap();
        let k = PrivateKey::from_pkcs8_der(der.as_bytes()).unwrap();
        assert_eq!(k.key_type(), KeyType::P384);
        assert_eq!(&*k.to_pkcs8_der(), der.as_bytes());
    }

    /// An Ed25519 PKCS#8 v2 (`OneAsymmetricKey`) key with its public key
    /// attached, built by hand:
    ///
    /// ```text
    /// SEQUENCE { INTEGER 1, SEQUENCE { OID 1.3.101.112 },
    ///            OCTET STRING { OCTET STRING seed }, [1] IMPLICIT BIT STRING public }
    /// ```
    fn ed25519_v2_der(seed: [u8; 32], public: [u8; 32]) -> Vec<u8> {
        let mut v = vec![
            0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
        ];
        v.extend_from_slice(&[0x04, 0x22, 0x04, 0x20]);
        v.extend_from_slice(&seed);
        v.extend_from_slice(&[0x81, 0x21, 0x00]);
        v.extend_from_slice(&public);
        v
    }

    #[test]
    fn ed25519_v2_accepted_and_written_back_as_v1() {
        let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        let der = ed25519_v2_der(seed, sk.verifying_key().to_bytes());
        assert_eq!(
            PrivateKeyInfoRef::from_der(&der).unwrap().version(),
            pkcs8::Version::V2
        );
        let k = PrivateKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(k.key_type(), KeyType::Ed25519);
        assert_eq!(k.public_key_bits(), sk.verifying_key().to_bytes().to_vec());
        let v1 = k.to_pkcs8_der();
        assert_eq!(
            PrivateKeyInfoRef::from_der(&v1).unwrap().version(),
            pkcs8::Version::V1
        );

        // A v2 key whose attached public key is not its own is refused.
        let other = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
            .verifying_key()
            .to_bytes();
        assert!(PrivateKey::from_pkcs8_der(&ed25519_v2_der(seed, other)).is_err());
    }

    /// The v2 example of RFC 8410 §10.3 (with an attribute and the public
    /// key). Neither OpenSSL 3.0 nor pyca/cryptography 48 reads it, so it was
    /// checked by deriving the public key from the seed with pyca/cryptography:
    /// `Ed25519PrivateKey.from_private_bytes(der[16:48])` gives `der[-32:]`.
    const RFC8410_V2: &str = "MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhCoB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=";

    #[test]
    fn ed25519_v2_rfc8410_example() {
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD
            .decode(RFC8410_V2)
            .unwrap();
        let k = PrivateKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(k.key_type(), KeyType::Ed25519);
        assert_eq!(k.public_key_bits(), der[der.len() - 32..].to_vec());
    }

    /// RSA-512 PKCS#8 key made with
    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 |
    /// openssl pkcs8 -topk8 -nocrypt -outform DER | base64` (OpenSSL 3.0).
    const RSA512_PKCS8: &str = "MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAxyI6aVf1PgGVrS6IRsesGKKRr75CxDDsluwuq7Z8iweb0wO5m8WZQDF2VSJc9fcVSv6dsBxGiLOwWNCXEba4nQIDAQABAkAExHQDi6CKcH1F3SRUFXmwSUwVmgd9LPKtFlBzufW3Wldo0wWTn5VLgeN7hOGIColMXuIliWaqywWefvuREWkdAiEA+sQL+rSqAx8uQUwGqMaV8JoogDLGYDAmKZBXZH/MYvcCIQDLSknAGlB2yYc0zk+UtSkfpd/7z1D4wF/GKxZ5iW9ICwIgG3BGK0mHbM4Fnql19RO9plUH53cm07GRC2060slVEOMCIQCQdylz7/9QeySvXRHmvtsLl4hV3V1QeP1WyZX+JrHDQwIgUfNMkV4cAXupgWGPWBjV1mIThmT/3n8QxpVPK9PNksY=";

    #[test]
    fn rsa512_refused() {
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD
            .decode(RSA512_PKCS8)
            .unwrap();
        assert!(PrivateKeyInfoRef::from_der(&der).is_ok());
        match PrivateKey::from_pkcs8_der(&der) {
            Err(Error::UnsupportedAlgorithm { what }) => assert!(what.contains("512"), "{what}"),
            other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
        }
    }

    #[test]
    fn garbage_refused() {
        assert!(PrivateKey::from_pkcs8_der(b"").is_err());
        assert!(PrivateKey::from_pkcs8_der(&[0x30, 0x00]).is_err());
        // An Ed25519 seed of 31 bytes.
        let mut short = ed25519_v2_der([1; 32], [0; 32]);
        short.truncate(16 + 32); // drop the public key
        short[1] = 0x2d; // outer length
        short[4] = 0x00; // version 1
        short[13] = 0x21; // privateKey OCTET STRING length
        short[15] = 0x1f; // CurvePrivateKey length
        short.pop();
        assert!(PrivateKeyInfoRef::from_der(&short).is_ok());
        assert!(matches!(
            PrivateKey::from_pkcs8_der(&short),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(uint_bits(&[]), 0);
        assert_eq!(uint_bits(&[0, 0x01]), 1);
        assert_eq!(uint_bits(&[0x80, 0]), 16);
        assert_eq!(uint_bits(&[0x7f, 0]), 15);
    }
}
