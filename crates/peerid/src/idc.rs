//! The identity certificate (IDC): an X.509 v3 self-signed certificate over
//! an identity's public key (docs/design.md §2; RFC 5280 §4.1).
//!
//! ```text
//! Certificate ::= SEQUENCE { tbsCertificate TBSCertificate,
//!     signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
//! TBSCertificate ::= SEQUENCE {
//!     version [0] EXPLICIT INTEGER (2),        -- v3
//!     serialNumber INTEGER,                    -- 16 random bytes, positive
//!     signature AlgorithmIdentifier,
//!     issuer Name,                             -- CN=<authority>
//!     validity Validity,                       -- creation .. 99991231235959Z
//!     subject Name,                            -- CN=<authority>
//!     subjectPublicKeyInfo SubjectPublicKeyInfo,
//!     extensions [3] EXPLICIT Extensions }
//! ```
//!
//! The extensions, in this order:
//!
//! | extension | critical | value |
//! |---|---|---|
//! | subjectKeyIdentifier (2.5.29.14) | no | the 20 authority bytes |
//! | keyUsage (2.5.29.15) | yes | digitalSignature (+ keyEncipherment for RSA) |
//! | extKeyUsage (2.5.29.37) | no | 1.3.6.1.4.1.311.44.3.4 (peer authentication), serverAuth |
//! | basicConstraints (2.5.29.19) | no | cA FALSE (an empty SEQUENCE in DER) |
//! | subjectAltName (2.5.29.17) | no | `otherName { 1.3.6.1.4.1.311.44.0.2, [0] EXPLICIT UTF8String peer-name }` |
//! | 1.3.6.1.4.1.311.44.0.1 (peer certificate type) | no | `INTEGER 3` (identity) |
//! | 1.3.6.1.4.1.311.44.2.2 (peer identity flags) | no | `INTEGER 0` |
//!
//! The two peer networking extension values are DER `INTEGER`s. Windows is
//! said to have stored them as a raw 4-byte DWORD; docs/design.md leaves the
//! encoding open, and an INTEGER is something generic tools can print.
//! basicConstraints with cA FALSE says plainly that the IDC may not issue
//! other certificates, as the Windows-made certificates we have seen do.

use std::str::FromStr;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitString, BitStringRef, OctetString, Utf8StringRef};
use der::referenced::OwnedToRef;
use der::{Decode, Encode, Reader, Sequence, SliceReader};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::error::{Error, Result};
use crate::key::{
    KeyType, OID_EC_PUBLIC_KEY, OID_ED25519, OID_RSA_ENCRYPTION, OID_SECP256R1, OID_SECP384R1,
    PrivateKey, check_rsa_bits, uint_bits,
};
use crate::name::{Authority, PeerName};

/// Largest certificate [`parse_and_verify`] reads, in bytes.
pub const MAX_IDC_LEN: usize = 64 * 1024;

/// Object identifiers of the IDC (docs/design.md §2) and of the signature
/// algorithms it may carry.
pub(crate) mod oids {
    use const_oid::ObjectIdentifier as Oid;

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
}

/// Value of the certificate type extension for an identity certificate.
const CERT_TYPE_IDENTITY: u32 = 3;
/// Value of the identity flags extension.
const IDENTITY_FLAGS_NONE: u32 = 0;

/// `TBSCertificate` as peerid writes it (RFC 5280 §4.1). Built by hand rather
/// than with `x509_cert::builder` so that every field and extension is
/// exactly what docs/design.md §2 says, with no profile adding its own.
#[derive(Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Extensions,
}

/// `Certificate` (RFC 5280 §4.1) around our own TBSCertificate.
#[derive(Sequence)]
struct CertificateOut {
    tbs_certificate: TbsCertificate,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

fn encoding_bug(e: der::Error) -> Error {
    Error::failed("encoding the identity certificate", e)
}

fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension> {
    let der = value.to_der().map_err(encoding_bug)?;
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(der).map_err(encoding_bug)?,
    })
}

/// A random positive 16-byte serial number: top bit clear so the INTEGER
/// needs no sign byte, first byte non-zero so it really is 16 bytes long.
fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    while bytes[0] == 0 {
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::failed("reading the system random number generator", e))?;
        bytes[0] &= 0x7f;
    }
    SerialNumber::new(&bytes).map_err(encoding_bug)
}

/// Builds and signs the IDC of `key` for `peer_name` (docs/design.md §2), valid
/// from `not_before` for ever. Returns the certificate's DER.
///
/// `not_before` is encoded as UTCTime before 2050 and GeneralizedTime from
/// 2050 on (RFC 5280 §4.1.2.5); notAfter is GeneralizedTime 99991231235959Z.
///
/// # Errors
/// [`Error::PeerNameMismatch`] if `peer_name`'s authority is not the key's;
/// [`Error::InvalidArgument`] for a `not_before` before 1970 or after 9999;
/// [`Error::Failed`] if the system random number generator or signing fails.
pub fn build(key: &PrivateKey, peer_name: &PeerName, not_before: SystemTime) -> Result<Vec<u8>> {
    let authority = key.authority();
    let Some(auth_bytes) = authority.as_bytes() else {
        return Err(Error::failed(
            "building the identity certificate",
            "no secure authority",
        ));
    };
    if peer_name.authority() != &authority {
        return Err(Error::PeerNameMismatch {
            reason: format!("the peer name {peer_name} does not belong to key {authority}"),
        });
    }

    let name = Name::from_str(&format!("CN={authority}")).map_err(encoding_bug)?;
    let not_before = Time::try_from(not_before).map_err(|_| {
        Error::InvalidArgument("the creation time must lie between 1970 and 9999".into())
    })?;
    let validity = Validity::new(not_before, Time::INFINITY);
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&key.public_key_info_der()).map_err(encoding_bug)?;
    let sig_alg =
        AlgorithmIdentifierOwned::from_der(&key.signature_algorithm_der()).map_err(encoding_bug)?;

    let mut usages = KeyUsages::DigitalSignature.into();
    if matches!(key.key_type(), KeyType::Rsa(_)) {
        usages |= KeyUsages::KeyEncipherment;
    }
    let peer_name_text = peer_name.to_string();
    let other_name = OtherName {
        type_id: oids::PEER_NAME,
        value: der::Any::encode_from(&Utf8StringRef::new(&peer_name_text).map_err(encoding_bug)?)
            .map_err(encoding_bug)?,
    };
    let extensions = vec![
        extension(
            const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(OctetString::new(auth_bytes.to_vec()).map_err(encoding_bug)?),
        )?,
        extension(
            const_oid::db::rfc5280::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(usages),
        )?,
        extension(
            const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![oids::PEER_AUTH_EKU, oids::SERVER_AUTH]),
        )?,
        extension(
            const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            false,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
        extension(
            const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
            false,
            &SubjectAltName(vec![GeneralName::OtherName(other_name)]),
        )?,
        extension(oids::CERT_TYPE, false, &CERT_TYPE_IDENTITY)?,
        extension(oids::IDENTITY_FLAGS, false, &IDENTITY_FLAGS_NONE)?,
    ];

    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: random_serial()?,
        signature: sig_alg.clone(),
        issuer: name.clone(),
        validity,
        subject: name,
        subject_public_key_info: spki,
        extensions,
    };
    let tbs_der = tbs.to_der().map_err(encoding_bug)?;
    let signature = key.sign(&tbs_der)?;
    let cert = CertificateOut {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&signature).map_err(encoding_bug)?,
    };
    cert.to_der().map_err(encoding_bug)
}

/// What [`parse_and_verify`] learns from a certificate whose self-signature
/// verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdcInfo {
    /// SHA-1 of the certificate's `subjectPublicKey` bits.
    pub authority: Authority,
    /// The peer name in the SubjectAltName otherName 1.3.6.1.4.1.311.44.0.2,
    /// if the certificate carries one (every IDC peerid makes does).
    pub peer_name: Option<PeerName>,
    /// The type of the certificate's key (RSA size from the modulus).
    pub key_type: KeyType,
    /// The certificate's `SubjectPublicKeyInfo`, DER.
    pub spki_der: Vec<u8>,
    /// The certificate, DER, exactly as given.
    pub der: Vec<u8>,
}

/// A public key of one of the types an IDC may carry.
enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Rsa(rsa::PublicKey, u32),
}

impl PublicKey {
    fn from_spki_der(spki_der: &[u8], spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey> {
        use spki::DecodePublicKey;
        let bad = |what: &str| Error::malformed_cert(format!("invalid {what} public key"));
        let oid = spki.algorithm.oid;
        if oid == OID_ED25519 {
            Ok(PublicKey::Ed25519(
                ed25519_dalek::VerifyingKey::from_public_key_der(spki_der)
                    .map_err(|_| bad("Ed25519"))?,
            ))
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .owned_to_ref()
                .parameters_oid()
                .map_err(|_| bad("EC (no named curve)"))?;
            if curve == OID_SECP256R1 {
                Ok(PublicKey::P256(
                    p256::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                        .map_err(|_| bad("P-256"))?,
                ))
            } else if curve == OID_SECP384R1 {
                Ok(PublicKey::P384(
                    p384::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                        .map_err(|_| bad("P-384"))?,
                ))
            } else {
                Err(Error::UnsupportedAlgorithm {
                    what: format!("elliptic curve {curve}"),
                })
            }
        } else if oid == OID_RSA_ENCRYPTION {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .ok_or_else(|| bad("RSA"))?;
            let pkcs1 = rsa::pkcs1::RsaPublicKeyRef::from_der(bits).map_err(|_| bad("RSA"))?;
            // Size first: a huge modulus must not cost any arithmetic.
            let size = uint_bits(pkcs1.modulus.as_bytes());
            check_rsa_bits(size)?;
            let key = rsa::PublicKey::from_public_key_der(spki_der).map_err(|_| bad("RSA"))?;
            Ok(PublicKey::Rsa(key, size))
        } else {
            Err(Error::UnsupportedAlgorithm {
                what: format!("public key algorithm {oid}"),
            })
        }
    }

    fn key_type(&self) -> KeyType {
        match self {
            PublicKey::Ed25519(_) => KeyType::Ed25519,
            PublicKey::P256(_) => KeyType::P256,
            PublicKey::P384(_) => KeyType::P384,
            PublicKey::Rsa(_, bits) => KeyType::Rsa(*bits),
        }
    }

    /// Verifies `sig` over `msg` under signature algorithm `alg`.
    fn verify(&self, alg: &AlgorithmIdentifierRef<'_>, msg: &[u8], sig: &[u8]) -> Result<()> {
        use signature::Verifier;
        use signature::hazmat::PrehashVerifier;

        let oid = alg.oid;
        let known = [
            oids::SHA1_WITH_RSA,
            oids::SHA256_WITH_RSA,
            oids::SHA384_WITH_RSA,
            oids::SHA512_WITH_RSA,
            oids::ECDSA_SHA256,
            oids::ECDSA_SHA384,
            OID_ED25519,
        ];
        if !known.contains(&oid) {
            return Err(Error::UnsupportedAlgorithm {
                what: format!("signature algorithm {oid}"),
            });
        }
        // RSA identifiers take NULL parameters (absent is tolerated, as RFC
        // 4055 §2.1 asks of readers); ECDSA and Ed25519 take none.
        let params_ok = match alg.parameters {
            None => true,
            Some(p) => p.is_null() && self.is_rsa(),
        };
        if !params_ok {
            return Err(Error::malformed_cert(
                "unexpected signature algorithm parameters",
            ));
        }
        let mismatch = || {
            Error::malformed_cert(format!(
                "signature algorithm {oid} does not fit a {} key",
                self.key_type()
            ))
        };
        let ok = match self {
            PublicKey::Ed25519(k) => {
                if oid != OID_ED25519 {
                    return Err(mismatch());
                }
                let s =
                    ed25519_dalek::Signature::from_slice(sig).map_err(|_| Error::BadSignature)?;
                k.verify_strict(msg, &s).is_ok()
            }
            PublicKey::P256(k) => {
                let s =
                    p256::ecdsa::DerSignature::from_bytes(sig).map_err(|_| Error::BadSignature)?;
                let h = ecdsa_prehash(oid).ok_or_else(mismatch)?(msg);
                k.verify_prehash(&h, &s).is_ok()
            }
            PublicKey::P384(k) => {
                let s =
                    p384::ecdsa::DerSignature::from_bytes(sig).map_err(|_| Error::BadSignature)?;
                let h = ecdsa_prehash(oid).ok_or_else(mismatch)?(msg);
                k.verify_prehash(&h, &s).is_ok()
            }
            PublicKey::Rsa(k, _) => {
                use rsa::pkcs1v15::{Signature, VerifyingKey};
                let s = Signature::try_from(sig).map_err(|_| Error::BadSignature)?;
                let k = k.clone();
                match oid {
                    o if o == oids::SHA1_WITH_RSA => {
                        VerifyingKey::<sha1::Sha1>::new(k).verify(msg, &s).is_ok()
                    }
                    o if o == oids::SHA256_WITH_RSA => {
                        VerifyingKey::<sha2::Sha256>::new(k).verify(msg, &s).is_ok()
                    }
                    o if o == oids::SHA384_WITH_RSA => {
                        VerifyingKey::<sha2::Sha384>::new(k).verify(msg, &s).is_ok()
                    }
                    o if o == oids::SHA512_WITH_RSA => {
                        VerifyingKey::<sha2::Sha512>::new(k).verify(msg, &s).is_ok()
                    }
                    _ => return Err(mismatch()),
                }
            }
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    fn is_rsa(&self) -> bool {
        matches!(self, PublicKey::Rsa(..))
    }
}

/// A message digest function.
type Prehash = fn(&[u8]) -> Vec<u8>;

/// The digest function of an ECDSA signature algorithm.
fn ecdsa_prehash(oid: ObjectIdentifier) -> Option<Prehash> {
    use sha2::Digest;
    if oid == oids::ECDSA_SHA256 {
        Some(|m| sha2::Sha256::digest(m).to_vec())
    } else if oid == oids::ECDSA_SHA384 {
        Some(|m| sha2::Sha384::digest(m).to_vec())
    } else {
        None
    }
}

/// The outer `Certificate` SEQUENCE, keeping the TBSCertificate as the exact
/// bytes that were signed.
struct RawCertificate<'a> {
    tbs: &'a [u8],
    signature_algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

fn split_certificate(der: &[u8]) -> der::Result<RawCertificate<'_>> {
    let mut reader = SliceReader::new(der)?;
    let raw = reader.sequence(|r| -> der::Result<_> {
        Ok(RawCertificate {
            tbs: r.tlv_bytes()?,
            signature_algorithm: r.decode()?,
            signature: r.decode()?,
        })
    })?;
    reader.finish()?;
    Ok(raw)
}

/// Parses a DER certificate and checks that it is an identity certificate:
/// self-issued (issuer = subject) with a self-signature that verifies under
/// its own key. Validity dates are not checked: an identity does not expire
/// (docs/design.md §4 step 5).
///
/// Signature algorithms read: sha1/sha256/sha384/sha512WithRSAEncryption
/// (RSA keys of 1024 to 8192 bits), ecdsa-with-SHA256/SHA384 (P-256, P-384)
/// and Ed25519.
///
/// # Errors
/// [`Error::InputTooLarge`] over 64 KiB; [`Error::MalformedCertificate`] if
/// it does not decode, repeats an extension, or carries an invalid or
/// repeated peer name; [`Error::NotSelfIssued`]; [`Error::UnsupportedAlgorithm`]
/// for another key or signature algorithm or RSA size; [`Error::BadSignature`]
/// if the self-signature does not verify; [`Error::PeerNameMismatch`] if the
/// peer name in the certificate has another key's authority.
pub fn parse_and_verify(der: &[u8]) -> Result<IdcInfo> {
    if der.len() > MAX_IDC_LEN {
        return Err(Error::InputTooLarge {
            size: der.len() as u64,
            limit: MAX_IDC_LEN as u64,
        });
    }
    let malformed = |e: der::Error| Error::malformed_cert(e.to_string());
    let raw = split_certificate(der).map_err(malformed)?;
    // Only read, never re-encoded: the signature is checked over the bytes
    // as given (`raw.tbs`).
    let cert = x509_cert::Certificate::from_der(der).map_err(malformed)?;
    let tbs = cert.tbs_certificate();

    if tbs.issuer() != tbs.subject() {
        return Err(Error::NotSelfIssued);
    }
    if tbs.signature() != cert.signature_algorithm() {
        return Err(Error::malformed_cert(
            "the signature algorithm inside and outside the signed part differ",
        ));
    }
    let spki = tbs.subject_public_key_info();
    let spki_der = spki.to_der().map_err(malformed)?;
    let key = PublicKey::from_spki_der(&spki_der, spki)?;
    let signature = raw
        .signature
        .as_bytes()
        .ok_or_else(|| Error::malformed_cert("the signature is not a whole number of bytes"))?;
    key.verify(&raw.signature_algorithm, raw.tbs, signature)?;

    let key_bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::malformed_cert("the public key is not a whole number of bytes"))?;
    let authority = Authority::from_public_key_bits(key_bits);
    let peer_name = peer_name_of(tbs.extensions().map(Vec::as_slice).unwrap_or_default())?;
    if let Some(name) = &peer_name
        && name.authority() != &authority
    {
        return Err(Error::PeerNameMismatch {
            reason: format!("the certificate names {name} but its key's authority is {authority}"),
        });
    }
    Ok(IdcInfo {
        authority,
        peer_name,
        key_type: key.key_type(),
        spki_der,
        der: der.to_vec(),
    })
}

/// The peer name from the SubjectAltName otherName 1.3.6.1.4.1.311.44.0.2,
/// checking on the way that no extension appears twice (RFC 5280 §4.2).
fn peer_name_of(extensions: &[Extension]) -> Result<Option<PeerName>> {
    for (i, e) in extensions.iter().enumerate() {
        if extensions[..i].iter().any(|o| o.extn_id == e.extn_id) {
            return Err(Error::malformed_cert(format!(
                "extension {} appears twice",
                e.extn_id
            )));
        }
    }
    let Some(san) = extensions
        .iter()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)
    else {
        return Ok(None);
    };
    let san = SubjectAltName::from_der(san.extn_value.as_bytes())
        .map_err(|e| Error::malformed_cert(format!("subjectAltName: {e}")))?;
    let mut found = None;
    for name in &san.0 {
        let GeneralName::OtherName(other) = name else {
            continue;
        };
        if other.type_id != oids::PEER_NAME {
            continue;
        }
        if found.is_some() {
            return Err(Error::malformed_cert(
                "the subjectAltName holds two peer names",
            ));
        }
        let text: Utf8StringRef<'_> = AnyRef::from(&other.value)
            .decode_as()
            .map_err(|_| Error::malformed_cert("the peer name is not a UTF8String"))?;
        let parsed = PeerName::parse_secure(text.as_str()).map_err(|e| {
            Error::malformed_cert(format!("the subjectAltName peer name is invalid: {e}"))
        })?;
        found = Some(parsed);
    }
    Ok(found)
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::name::Classifier;
    use std::time::{Duration, UNIX_EPOCH};

    fn name_for(key: &PrivateKey, classifier: &str) -> PeerName {
        PeerName::new(key.authority(), Classifier::new(classifier).unwrap())
    }

    fn round_trip(kt: KeyType) {
        let key = PrivateKey::generate(kt).unwrap();
        let name = name_for(&key, "Ünïcode classifier. with dots");
        let der = build(&key, &name, SystemTime::now()).unwrap();
        let info = parse_and_verify(&der).unwrap();
        assert_eq!(info.authority, key.authority());
        assert_eq!(info.peer_name.as_ref(), Some(&name));
        assert_eq!(info.key_type, kt);
        assert_eq!(info.spki_der, key.public_key_info_der());
        assert_eq!(info.der, der);
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
    fn p384_round_trip() {
        use p384::elliptic_curve::Generate;
        use pkcs8::EncodePrivateKey;
        let sk = p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
        let key = PrivateKey::from_pkcs8_der(sk.to_pkcs8_der().unwrap().as_bytes()).unwrap();
        let name = name_for(&key, "");
        let der = build(&key, &name, SystemTime::now()).unwrap();
        let info = parse_and_verify(&der).unwrap();
        assert_eq!(info.key_type, KeyType::P384);
        assert_eq!(info.peer_name, Some(name));
    }

    fn ed25519_idc() -> (PrivateKey, Vec<u8>) {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let der = build(&key, &name_for(&key, "x"), SystemTime::now()).unwrap();
        (key, der)
    }

    #[test]
    fn fields_are_as_designed() {
        let key = PrivateKey::generate(KeyType::P256).unwrap();
        let created = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let der = build(&key, &name_for(&key, "c"), created).unwrap();
        let cert = x509_cert::Certificate::from_der(&der).unwrap();
        let tbs = cert.tbs_certificate();
        assert_eq!(tbs.version(), Version::V3);
        let serial = tbs.serial_number().as_bytes();
        assert_eq!(serial.len(), 16);
        assert!(serial[0] != 0 && serial[0] < 0x80);
        assert_eq!(tbs.subject().to_string(), format!("CN={}", key.authority()));
        assert_eq!(tbs.issuer(), tbs.subject());
        assert!(matches!(tbs.validity().not_before, Time::UtcTime(_)));
        assert_eq!(tbs.validity().not_before.to_system_time(), created);
        assert_eq!(tbs.validity().not_after, Time::INFINITY);
        let exts = tbs.extensions().unwrap();
        let get = |oid| exts.iter().find(|e| e.extn_id == oid).unwrap();
        let ski = get(const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER);
        assert_eq!(
            ski.extn_value.as_bytes()[2..],
            key.authority().as_bytes().unwrap()[..]
        );
        assert!(get(const_oid::db::rfc5280::ID_CE_KEY_USAGE).critical);
        for (oid, value) in [
            (oids::CERT_TYPE, [2u8, 1, 3]),
            (oids::IDENTITY_FLAGS, [2, 1, 0]),
        ] {
            let e = get(oid);
            assert!(!e.critical);
            assert_eq!(e.extn_value.as_bytes(), value);
        }
        // Two certificates of the same key differ in their serial numbers.
        let again = build(&key, &name_for(&key, "c"), created).unwrap();
        let cert2 = x509_cert::Certificate::from_der(&again).unwrap();
        assert_ne!(cert2.tbs_certificate().serial_number(), tbs.serial_number());
    }

    #[test]
    fn generalized_time_from_2050() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let t = UNIX_EPOCH + Duration::from_secs(2_600_000_000); // 2052
        let der = build(&key, &name_for(&key, ""), t).unwrap();
        let cert = x509_cert::Certificate::from_der(&der).unwrap();
        assert!(matches!(
            cert.tbs_certificate().validity().not_before,
            Time::GeneralTime(_)
        ));
        parse_and_verify(&der).unwrap();
    }

    #[test]
    fn foreign_peer_name_refused() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let other = PrivateKey::generate(KeyType::Ed25519).unwrap();
        assert!(matches!(
            build(&key, &name_for(&other, "x"), SystemTime::now()),
            Err(Error::PeerNameMismatch { .. })
        ));
    }

    #[test]
    fn tampered_signature_is_bad_signature() {
        let (_, mut der) = ed25519_idc();
        let last = der.len() - 1;
        der[last] ^= 0x01;
        assert!(matches!(parse_and_verify(&der), Err(Error::BadSignature)));
    }

    #[test]
    fn tampered_tbs_is_bad_signature() {
        for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
            let key = PrivateKey::generate(kt).unwrap();
            let mut der = build(&key, &name_for(&key, "abc"), SystemTime::now()).unwrap();
            // Change the classifier inside the SAN: still valid DER, same length.
            let pos = der.windows(3).position(|w| w == b"abc").unwrap();
            der[pos] = b'x';
            assert!(
                matches!(parse_and_verify(&der), Err(Error::BadSignature)),
                "{kt:?}"
            );
        }
    }

    /// Replaces every occurrence of `from` in `der` by `to` (same length).
    fn replace_all(der: &mut [u8], from: &[u8], to: &[u8]) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i + from.len() <= der.len() {
            if &der[i..i + from.len()] == from {
                der[i..i + from.len()].copy_from_slice(to);
                n += 1;
            }
            i += 1;
        }
        n
    }

    #[test]
    fn signature_algorithms_outside_the_list_are_unsupported() {
        let key = PrivateKey::generate(KeyType::Rsa(2048)).unwrap();
        let der = build(&key, &name_for(&key, ""), SystemTime::now()).unwrap();
        let sha256_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        // md5WithRSAEncryption (1.2.840.113549.1.1.4), inside and outside.
        let mut md5 = der.clone();
        let mut md5_oid = sha256_rsa;
        md5_oid[8] = 0x04;
        assert_eq!(replace_all(&mut md5, &sha256_rsa, &md5_oid), 2);
        assert!(matches!(
            parse_and_verify(&md5),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        // Only the outer one changed: the two must agree.
        let mut outer = der.clone();
        let last = outer.windows(9).rposition(|w| w == sha256_rsa).unwrap();
        outer[last + 8] = 0x0c; // sha384WithRSAEncryption
        assert!(matches!(
            parse_and_verify(&outer),
            Err(Error::MalformedCertificate { .. })
        ));
    }

    #[test]
    fn other_issuer_is_not_self_issued() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let mut der = build(&key, &name_for(&key, ""), SystemTime::now()).unwrap();
        // The CN text appears twice (issuer, then subject); change the first
        // byte of the issuer's copy.
        let cn = key.authority().to_string();
        let pos = der
            .windows(cn.len())
            .position(|w| w == cn.as_bytes())
            .unwrap();
        der[pos] = if der[pos] == b'0' { b'1' } else { b'0' };
        assert!(matches!(parse_and_verify(&der), Err(Error::NotSelfIssued)));
    }

    #[test]
    fn bounded_and_garbage() {
        assert!(matches!(
            parse_and_verify(&vec![0u8; MAX_IDC_LEN + 1]),
            Err(Error::InputTooLarge { .. })
        ));
        for bad in [&b""[..], b"\x30\x00", b"not a certificate"] {
            assert!(matches!(
                parse_and_verify(bad),
                Err(Error::MalformedCertificate { .. })
            ));
        }
        let (_, mut der) = ed25519_idc();
        der.push(0);
        assert!(matches!(
            parse_and_verify(&der),
            Err(Error::MalformedCertificate { .. })
        ));
    }
}
