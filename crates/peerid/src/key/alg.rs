//! The one table of algorithms and object identifiers: every OID peerid reads
//! or writes is named here, once, and the key and signature algorithms are
//! dispatched from here for both the private and the public half.

use pkcs8::spki::AlgorithmIdentifierRef;

use crate::error::Error;
use crate::key::KeyType;

/// Every object identifier peerid uses, with where it is defined.
pub(crate) mod oid {
    use const_oid::ObjectIdentifier as Oid;

    // Key algorithms (SubjectPublicKeyInfo, PKCS#8).
    /// rsaEncryption (RFC 8017 Appendix C).
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// id-ecPublicKey (RFC 5480 §2.1.1).
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// secp256r1, NIST P-256 (RFC 5480 §2.1.1.1).
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1, NIST P-384 (RFC 5480 §2.1.1.1).
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// id-Ed25519 (RFC 8410 §3): both the key and the signature algorithm.
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");

    // Signature algorithms (RFC 5280 Certificate.signatureAlgorithm).
    /// sha1WithRSAEncryption (RFC 3279): old Windows IDCs use it.
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    /// sha256WithRSAEncryption (RFC 4055).
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption (RFC 4055).
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption (RFC 4055).
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// ecdsa-with-SHA256 (RFC 5758).
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384 (RFC 5758).
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");

    // The IDC (docs/design.md §2).
    /// Peer networking: the peer name, as a SubjectAltName otherName.
    pub const PEER_NAME: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.44.0.2");
    /// Peer networking: certificate type extension.
    pub const CERT_TYPE: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.44.0.1");
    /// Peer networking: identity flags extension.
    pub const IDENTITY_FLAGS: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.44.2.2");
    /// Peer networking: peer authentication extended key usage.
    pub const PEER_AUTH_EKU: Oid = Oid::new_unwrap("1.3.6.1.4.1.311.44.3.4");
    /// id-kp-serverAuth (RFC 5280 §4.2.1.12).
    pub const SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
    /// id-kp-clientAuth (RFC 5280 §4.2.1.12).
    pub const CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");

    // CMS / PKCS#7 content types.
    /// PKCS#7 `data` (RFC 2315 §8).
    pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// PKCS#7 `signedData` (RFC 2315 §9; RFC 5652 §5).
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// PKCS#7 `encryptedData` (RFC 2315 §13).
    pub const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");

    // PKCS#12 (RFC 7292) and PKCS#9 attributes.
    /// RFC 7292 §4.2.1.
    pub const KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.1");
    /// RFC 7292 §4.2.2.
    pub const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
    /// RFC 7292 §4.2.3.
    pub const CERT_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.3");
    /// RFC 7292 §4.2.3, `x509Certificate` cert type.
    pub const X509_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.22.1");
    /// PKCS#9 `friendlyName` (RFC 2985 §5.5.1), a BMPString.
    pub const FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
    /// PKCS#9 `localKeyId` (RFC 2985 §5.5.2), an OCTET STRING.
    pub const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");

    // Password-based encryption (RFC 7292 Appendix C, RFC 8018).
    /// RFC 7292 Appendix C.
    pub const PBE_SHA1_RC2_128: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.5");
    /// RFC 7292 Appendix C.
    pub const PBE_SHA1_RC2_40: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.6");
    /// RFC 7292 Appendix C.
    pub const PBE_SHA1_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
    /// RFC 8018 §6.2.
    pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
    /// RFC 8018 §5.2.
    pub const PBKDF2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.12");
    /// RFC 7914 §7: refused, named only for the error message.
    pub const SCRYPT: Oid = Oid::new_unwrap("1.3.6.1.4.1.11591.4.11");

    /// RFC 8018 Appendix B.1.
    pub const HMAC_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.2.7");
    /// RFC 8018 Appendix B.1.
    pub const HMAC_SHA224: Oid = Oid::new_unwrap("1.2.840.113549.2.8");
    /// RFC 8018 Appendix B.1.
    pub const HMAC_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.2.9");
    /// RFC 8018 Appendix B.1.
    pub const HMAC_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.2.10");
    /// RFC 8018 Appendix B.1.
    pub const HMAC_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.2.11");

    /// RFC 3565 §4.1.
    pub const AES_128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
    /// RFC 3565 §4.1.
    pub const AES_192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
    /// RFC 3565 §4.1.
    pub const AES_256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
    /// RFC 8018 Appendix B.2.2.
    pub const DES_EDE3_CBC: Oid = Oid::new_unwrap("1.2.840.113549.3.7");

    // Digests.
    /// RFC 3279 §2.2.
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// RFC 5754 §2.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// RFC 5754 §2.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// RFC 5754 §2.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
}

/// A key algorithm as an `AlgorithmIdentifier` names it (the same for the
/// private key's PKCS#8 and the public key's SubjectPublicKeyInfo).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyAlg {
    Ed25519,
    P256,
    P384,
    Rsa,
}

/// Why an `AlgorithmIdentifier` names no key algorithm peerid reads.
pub(crate) enum KeyAlgError {
    /// `id-ecPublicKey` without a named curve: a malformed key.
    NoNamedCurve,
    /// A curve other than P-256 and P-384.
    UnknownCurve(const_oid::ObjectIdentifier),
    /// Another key algorithm.
    UnknownAlgorithm(const_oid::ObjectIdentifier),
}

impl KeyAlgError {
    /// The error for the `half` (`"private"`, `"public"`) of a key, with
    /// `no_curve` for an EC key that names no curve.
    pub(crate) fn into_error(self, half: &str, no_curve: Error) -> Error {
        match self {
            KeyAlgError::NoNamedCurve => no_curve,
            KeyAlgError::UnknownCurve(curve) => Error::UnsupportedAlgorithm {
                what: format!("elliptic curve {curve}"),
            },
            KeyAlgError::UnknownAlgorithm(o) => Error::UnsupportedAlgorithm {
                what: format!("{half} key algorithm {o}"),
            },
        }
    }
}

impl KeyAlg {
    /// The dispatch by OID, written once: rsaEncryption, id-ecPublicKey with
    /// secp256r1 or secp384r1, id-Ed25519.
    pub(crate) fn of(alg: &AlgorithmIdentifierRef<'_>) -> Result<KeyAlg, KeyAlgError> {
        let o = alg.oid;
        if o == oid::ED25519 {
            Ok(KeyAlg::Ed25519)
        } else if o == oid::RSA_ENCRYPTION {
            Ok(KeyAlg::Rsa)
        } else if o == oid::EC_PUBLIC_KEY {
            let curve = alg
                .parameters_oid()
                .map_err(|_| KeyAlgError::NoNamedCurve)?;
            if curve == oid::SECP256R1 {
                Ok(KeyAlg::P256)
            } else if curve == oid::SECP384R1 {
                Ok(KeyAlg::P384)
            } else {
                Err(KeyAlgError::UnknownCurve(curve))
            }
        } else {
            Err(KeyAlgError::UnknownAlgorithm(o))
        }
    }
}

/// The signature algorithms an IDC may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigAlg {
    RsaSha1,
    RsaSha256,
    RsaSha384,
    RsaSha512,
    EcdsaSha256,
    EcdsaSha384,
    Ed25519,
}

impl SigAlg {
    const TABLE: [(SigAlg, const_oid::ObjectIdentifier); 7] = [
        (SigAlg::RsaSha1, oid::SHA1_WITH_RSA),
        (SigAlg::RsaSha256, oid::SHA256_WITH_RSA),
        (SigAlg::RsaSha384, oid::SHA384_WITH_RSA),
        (SigAlg::RsaSha512, oid::SHA512_WITH_RSA),
        (SigAlg::EcdsaSha256, oid::ECDSA_SHA256),
        (SigAlg::EcdsaSha384, oid::ECDSA_SHA384),
        (SigAlg::Ed25519, oid::ED25519),
    ];

    /// The algorithm an OID names, if it is one peerid reads.
    pub(crate) fn from_oid(o: const_oid::ObjectIdentifier) -> Option<SigAlg> {
        Self::TABLE.iter().find(|(_, x)| *x == o).map(|(a, _)| *a)
    }

    /// Its object identifier.
    pub(crate) fn oid(self) -> const_oid::ObjectIdentifier {
        Self::TABLE
            .iter()
            .find(|(a, _)| *a == self)
            .map_or(oid::ED25519, |(_, o)| *o)
    }

    /// The algorithm a key of this type signs with: Ed25519 (pure), ECDSA
    /// P-256 with SHA-256, ECDSA P-384 with SHA-384, RSA PKCS#1 v1.5 with
    /// SHA-256.
    pub(crate) fn natural(kt: KeyType) -> SigAlg {
        match kt {
            KeyType::Ed25519 => SigAlg::Ed25519,
            KeyType::P256 => SigAlg::EcdsaSha256,
            KeyType::P384 => SigAlg::EcdsaSha384,
            KeyType::Rsa(_) => SigAlg::RsaSha256,
        }
    }

    /// Whether the identifier carries NULL parameters: per RFC 4055 the RSA
    /// ones do; the ECDSA (RFC 5758) and Ed25519 (RFC 8410) ones carry none.
    pub(crate) fn has_null_parameters(self) -> bool {
        matches!(
            self,
            SigAlg::RsaSha1 | SigAlg::RsaSha256 | SigAlg::RsaSha384 | SigAlg::RsaSha512
        )
    }

    /// The DER `AlgorithmIdentifier` of this algorithm.
    pub(crate) fn identifier_der(self) -> Vec<u8> {
        use pkcs8::der::Encode;
        let alg = AlgorithmIdentifierRef {
            oid: self.oid(),
            parameters: self
                .has_null_parameters()
                .then_some(pkcs8::der::asn1::AnyRef::NULL),
        };
        // An OID and an optional NULL always encode.
        #[allow(clippy::expect_used)]
        alg.to_der().expect("AlgorithmIdentifier encodes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_table_is_a_bijection() {
        for (alg, o) in SigAlg::TABLE {
            assert_eq!(SigAlg::from_oid(o), Some(alg));
            assert_eq!(alg.oid(), o);
        }
        assert_eq!(SigAlg::from_oid(oid::RSA_ENCRYPTION), None);
    }

    #[test]
    fn natural_algorithms() {
        assert_eq!(SigAlg::natural(KeyType::Ed25519), SigAlg::Ed25519);
        assert_eq!(SigAlg::natural(KeyType::P256), SigAlg::EcdsaSha256);
        assert_eq!(SigAlg::natural(KeyType::P384), SigAlg::EcdsaSha384);
        assert_eq!(SigAlg::natural(KeyType::Rsa(2048)), SigAlg::RsaSha256);
        // sha256WithRSAEncryption with NULL parameters.
        assert_eq!(
            SigAlg::RsaSha256.identifier_der(),
            [
                0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05,
                0x00
            ]
        );
    }
}
