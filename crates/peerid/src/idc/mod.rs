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
//! | extKeyUsage (2.5.29.37) | no | 1.3.6.1.4.1.311.44.3.4 (peer authentication), serverAuth, clientAuth |
//! | basicConstraints (2.5.29.19) | no | cA FALSE (an empty SEQUENCE in DER) |
//! | subjectAltName (2.5.29.17) | no | `otherName { 1.3.6.1.4.1.311.44.0.2, [0] EXPLICIT UTF8String peer-name }` |
//! | 1.3.6.1.4.1.311.44.0.1 (peer certificate type) | no | `INTEGER 3` (identity) |
//! | 1.3.6.1.4.1.311.44.2.2 (peer identity flags) | no | `INTEGER 0` |
//!
//! The two peer networking extension values are DER `INTEGER`s. Windows is
//! said to have stored them as a raw 4-byte DWORD; docs/design.md leaves the
//! encoding open, and an INTEGER is something generic tools can print.
//! clientAuth was added in issue 12 (the IDC is also the TLS client
//! certificate, and OpenSSL 3.0 refuses a client certificate without it);
//! IDCs made before keep their two usages and stay valid: nothing re-signs
//! them, and parsing never required any extended key usage.
//! basicConstraints with cA FALSE says plainly that the IDC may not issue
//! other certificates, as the Windows-made certificates we have seen do.

use std::time::SystemTime;

use der::asn1::{AnyRef, BitStringRef, Utf8StringRef};
use der::{Decode, Encode, Reader, SliceReader};
use spki::AlgorithmIdentifierRef;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::error::{Error, Result};
use crate::key::alg::oid;
use crate::key::{KeyType, PrivateKey, PublicKey};
use crate::name::{Authority, Classifier, PeerName};

mod build;

/// Largest certificate [`Idc::from_der`] reads, in bytes.
pub const MAX_IDC_LEN: usize = 64 * 1024;

/// Most extensions [`Idc::from_der`] reads in a certificate: an IDC has 7
/// (the Windows-made ones we have seen, as many or fewer). The bound keeps
/// the check that no extension repeats (quadratic) cheap.
pub const MAX_IDC_EXTENSIONS: usize = 64;

/// An identity certificate whose self-signature verifies: the certificate
/// (DER, exactly as read or made) and what it says.
#[derive(Clone, PartialEq, Eq)]
pub struct Idc {
    der: Vec<u8>,
    public_key: PublicKey,
    /// The peer name in the SubjectAltName otherName 1.3.6.1.4.1.311.44.0.2,
    /// if the certificate carries one (every IDC peerid makes does).
    pub(crate) peer_name: Option<PeerName>,
    not_before: SystemTime,
}

impl std::fmt::Debug for Idc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idc")
            .field("peer_name", &self.peer_name)
            .field("public_key", &self.public_key)
            .field("not_before", &self.not_before)
            .finish_non_exhaustive()
    }
}

impl Idc {
    /// Builds and signs the IDC of `key` for `peer_name` (docs/design.md §2),
    /// valid from `not_before` for ever.
    ///
    /// `not_before` is encoded as UTCTime before 2050 and GeneralizedTime
    /// from 2050 on (RFC 5280 §4.1.2.5); notAfter is GeneralizedTime
    /// 99991231235959Z.
    ///
    /// # Errors
    /// [`Error::PeerNameMismatch`] if `peer_name`'s authority is not the
    /// key's; [`Error::InvalidArgument`] for a `not_before` before 1970 or
    /// after 9999; [`Error::Failed`] if the system random number generator
    /// or signing fails.
    pub fn build(key: &PrivateKey, peer_name: &PeerName, not_before: SystemTime) -> Result<Idc> {
        build::build(key, peer_name, not_before)
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
    /// it does not decode, has more than [`MAX_IDC_EXTENSIONS`] extensions,
    /// repeats an extension, or carries an invalid or
    /// repeated peer name; [`Error::NotSelfIssued`]; [`Error::UnsupportedAlgorithm`]
    /// for another key or signature algorithm or RSA size; [`Error::BadSignature`]
    /// if the self-signature does not verify; [`Error::PeerNameMismatch`] if the
    /// peer name in the certificate has another key's authority.
    pub fn from_der(der: &[u8]) -> Result<Idc> {
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
        let key = PublicKey::read(&spki_der, |what| {
            Error::malformed_cert(format!("invalid {what} public key"))
        })?;
        let signature = raw
            .signature
            .as_bytes()
            .ok_or_else(|| Error::malformed_cert("the signature is not a whole number of bytes"))?;
        key.verify_with(&raw.signature_algorithm, raw.tbs, signature)?;

        let key_bits = spki.subject_public_key.as_bytes().ok_or_else(|| {
            Error::malformed_cert("the public key is not a whole number of bytes")
        })?;
        let authority = Authority::from_public_key_bits(key_bits);
        let peer_name = peer_name_of(tbs.extensions().map(Vec::as_slice).unwrap_or_default())?;
        if let Some(name) = &peer_name
            && name.authority() != &authority
        {
            return Err(Error::PeerNameMismatch {
                reason: format!(
                    "the certificate names {name} but its key's authority is {authority}"
                ),
            });
        }
        Ok(Idc {
            der: der.to_vec(),
            public_key: key,
            peer_name,
            not_before: tbs.validity().not_before.to_system_time(),
        })
    }

    /// The certificate, DER, exactly as read or made.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// SHA-1 of the certificate's `subjectPublicKey` bits.
    pub fn authority(&self) -> Authority {
        self.public_key.authority()
    }

    /// The type of the certificate's key (RSA size from the modulus).
    pub fn key_type(&self) -> KeyType {
        self.public_key.key_type()
    }

    /// The peer name the certificate carries (SubjectAltName otherName
    /// 1.3.6.1.4.1.311.44.0.2), if it carries one: every IDC peerid makes
    /// does; one read from a `PEERIDENTITYINFO` document without one has
    /// `<authority>.` filled in.
    pub fn peer_name(&self) -> Option<&PeerName> {
        self.peer_name.as_ref()
    }

    /// The peer name the certificate proves: the one it carries (whose
    /// authority [`Idc::from_der`] checked is its key's), else
    /// `<authority>.`, the key's authority with the empty classifier (a
    /// certificate peerid did not make may carry none). The peer book, TLS
    /// and the Python package all name a peer by this.
    pub fn proven_peer_name(&self) -> PeerName {
        self.peer_name
            .clone()
            .unwrap_or_else(|| PeerName::new(self.authority(), Classifier::empty()))
    }

    /// The start of the validity period (`notBefore`): the identity's
    /// creation. Its end is never checked: an identity does not expire.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The `PEERIDENTITYINFO` document of this IDC (docs/design.md §3): the
    /// public half of an identity, safe to give to anyone.
    pub fn to_info_xml(&self) -> String {
        crate::format::identity_info::emit(&self.der)
    }

    /// The DER of an IDC of `key`, made now, that names `peer_name_text`
    /// whether or not it is the key's (or a peer name at all): for the
    /// hostile-input tests ([`crate::testkit::idc_naming`]).
    #[cfg(feature = "testkit")]
    pub(crate) fn der_naming(key: &PrivateKey, peer_name_text: &str) -> Result<Vec<u8>> {
        let time = x509_cert::time::Time::try_from(SystemTime::now())
            .map_err(|e| Error::failed("building a test certificate", e))?;
        build::signed_der(key, peer_name_text, time)
    }

    /// Reads a `PEERIDENTITYINFO` document and checks the IDC in it.
    ///
    /// # Errors
    /// [`Error::InputTooLarge`] over 1 MiB; [`Error::MalformedDocument`] for
    /// anything but the documented shape; then the errors of
    /// [`Idc::from_der`].
    pub fn from_info_xml(document: &[u8]) -> Result<Idc> {
        crate::format::identity_info::parse(document)
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

/// The peer name from the SubjectAltName otherName 1.3.6.1.4.1.311.44.0.2,
/// checking on the way that no extension appears twice (RFC 5280 §4.2).
fn peer_name_of(extensions: &[Extension]) -> Result<Option<PeerName>> {
    // x509-cert has decoded the whole list by now (linear, and bounded by
    // MAX_IDC_LEN); the pairwise check below is not.
    if extensions.len() > MAX_IDC_EXTENSIONS {
        return Err(Error::malformed_cert(format!(
            "too many extensions: {}, at most {MAX_IDC_EXTENSIONS}",
            extensions.len()
        )));
    }
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
        if other.type_id != oid::PEER_NAME {
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
pub(crate) mod tests;
