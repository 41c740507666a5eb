//! The ASN.1 structures of a PFX (RFC 7292 §4, Appendix D; RFC 2315 and RFC
//! 5652 for ContentInfo and EncryptedData; RFC 8018 for PBES2), as `der`
//! types. Owned types almost throughout: a PFX is at most 1 MiB, so the
//! copies are cheap, and one set of types serves both reading and writing;
//! the one borrowed type, [`SafeBagRef`], keeps decrypted bags in place.

use der::asn1::{Any, AnyRef, ObjectIdentifier as Oid, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence, ValueOrd};
use spki::AlgorithmIdentifierOwned;

use crate::error::{Error, Result};

/// Object identifiers used by PKCS#12 and the schemes it carries: the one
/// table in `key/alg.rs`, under the name the PFX code has always used.
pub(crate) use crate::key::alg::oid;

/// RFC 7292 §4:
/// ```text
/// PFX ::= SEQUENCE {
///     version    INTEGER {v3(3)}(v3,...),
///     authSafe   ContentInfo,
///     macData    MacData OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct Pfx {
    pub version: u8,
    pub auth_safe: ContentInfo,
    pub mac_data: Option<MacData>,
}

/// RFC 7292 §4:
/// ```text
/// MacData ::= SEQUENCE {
///     mac        DigestInfo,
///     macSalt    OCTET STRING,
///     iterations INTEGER DEFAULT 1 }
/// ```
/// `iterations` is read as `u64` so that any value a peer can write is
/// compared with the cap instead of failing as a decode error.
#[derive(Clone, Debug, Sequence)]
pub(crate) struct MacData {
    pub mac: DigestInfo,
    pub mac_salt: OctetString,
    #[asn1(default = "one")]
    pub iterations: u64,
}

fn one() -> u64 {
    1
}

/// RFC 8017 §9.2: `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }`
#[derive(Clone, Debug, Sequence)]
pub(crate) struct DigestInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub digest: OctetString,
}

/// RFC 5652 §3:
/// ```text
/// ContentInfo ::= SEQUENCE {
///     contentType ContentType,
///     content     [0] EXPLICIT ANY DEFINED BY contentType OPTIONAL }
/// ```
/// The `AuthenticatedSafe` of RFC 7292 §4.1 is `SEQUENCE OF ContentInfo`.
#[derive(Clone, Debug, Sequence)]
pub(crate) struct ContentInfo {
    pub content_type: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub content: Option<Any>,
}

/// RFC 5652 §8: `EncryptedData ::= SEQUENCE { version CMSVersion, encryptedContentInfo EncryptedContentInfo, ... }`
#[derive(Clone, Debug, Sequence)]
pub(crate) struct EncryptedData {
    pub version: u8,
    pub encrypted_content_info: EncryptedContentInfo,
}

/// RFC 5652 §6.1:
/// ```text
/// EncryptedContentInfo ::= SEQUENCE {
///     contentType                ContentType,
///     contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
///     encryptedContent           [0] IMPLICIT OCTET STRING OPTIONAL }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct EncryptedContentInfo {
    pub content_type: Oid,
    pub content_encryption_algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub encrypted_content: Option<OctetString>,
}

/// RFC 7292 §4.2:
/// ```text
/// SafeBag ::= SEQUENCE {
///     bagId         BAG-TYPE.&id ({PKCS12BagSet}),
///     bagValue      [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
///     bagAttributes SET OF PKCS12Attribute OPTIONAL }
/// ```
/// `SafeContents ::= SEQUENCE OF SafeBag`.
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SafeBag {
    pub bag_id: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: Any,
    pub bag_attributes: Option<SetOfVec<Attribute>>,
}

/// RFC 7292 §4.2: `PKCS12Attribute ::= SEQUENCE { attrId OBJECT IDENTIFIER, attrValues SET OF ANY }`
/// A [`SafeBag`] read in place from its SafeContents, its value borrowed:
/// decrypted SafeContents are held in memory that is wiped on drop, and a
/// plain `keyBag` among them must not be copied out of it into memory that
/// is not.
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SafeBagRef<'a> {
    pub bag_id: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: AnyRef<'a>,
    pub bag_attributes: Option<SetOfVec<Attribute>>,
}

#[derive(Clone, Debug, Sequence, ValueOrd)]
pub(crate) struct Attribute {
    pub attr_id: Oid,
    pub attr_values: SetOfVec<Any>,
}

/// RFC 7292 §4.2.3:
/// ```text
/// CertBag ::= SEQUENCE {
///     certId    BAG-TYPE.&id   ({CertTypes}),
///     certValue [0] EXPLICIT BAG-TYPE.&Type ({CertTypes}{@certId}) }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct CertBag {
    pub cert_id: Oid,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub cert_value: Any,
}

/// RFC 5958 §3 (the shrouded key bag of RFC 7292 §4.2.2):
/// ```text
/// EncryptedPrivateKeyInfo ::= SEQUENCE {
///     encryptionAlgorithm EncryptionAlgorithmIdentifier,
///     encryptedData       OCTET STRING }
/// ```
#[derive(Clone, Debug, Sequence)]
pub(crate) struct EncryptedPrivateKeyInfo {
    pub encryption_algorithm: AlgorithmIdentifierOwned,
    pub encrypted_data: OctetString,
}

/// RFC 8018 Appendix A.4:
/// `PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }`
#[derive(Clone, Debug, Sequence)]
pub(crate) struct Pbes2Params {
    pub key_derivation_func: AlgorithmIdentifierOwned,
    pub encryption_scheme: AlgorithmIdentifierOwned,
}

/// RFC 8018 Appendix A.2:
/// ```text
/// PBKDF2-params ::= SEQUENCE {
///     salt           CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier },
///     iterationCount INTEGER (1..MAX),
///     keyLength      INTEGER (1..MAX) OPTIONAL,
///     prf            AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }
/// ```
/// Only the `specified` salt is read (nobody writes `otherSource`).
#[derive(Clone, Debug, Sequence)]
pub(crate) struct Pbkdf2Params {
    pub salt: OctetString,
    pub iteration_count: u64,
    pub key_length: Option<u32>,
    pub prf: Option<AlgorithmIdentifierOwned>,
}

/// RFC 7292 Appendix C:
/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }`
#[derive(Clone, Debug, Sequence)]
pub(crate) struct Pkcs12PbeParams {
    pub salt: OctetString,
    pub iterations: u64,
}

/// Decode `T` from DER, mapping errors to [`Error::MalformedPfx`] with `what`.
pub(crate) fn from_der<'a, T: Decode<'a, Error = der::Error>>(
    bytes: &'a [u8],
    what: &str,
) -> Result<T> {
    T::from_der(bytes).map_err(|e| Error::malformed_pfx(format!("{what}: {e}")))
}

/// Decode `T` from the value held in an `ANY`.
pub(crate) fn from_any<T: for<'a> Decode<'a, Error = der::Error>>(
    any: &Any,
    what: &str,
) -> Result<T> {
    let der = any
        .to_der()
        .map_err(|e| Error::malformed_pfx(format!("{what}: {e}")))?;
    from_der(&der, what)
}

/// As [`from_any`], for a borrowed value (which is copied to be decoded:
/// only for values that are not secret).
pub(crate) fn from_any_ref<T: for<'a> Decode<'a, Error = der::Error>>(
    any: AnyRef<'_>,
    what: &str,
) -> Result<T> {
    let der = any
        .to_der()
        .map_err(|e| Error::malformed_pfx(format!("{what}: {e}")))?;
    from_der(&der, what)
}

/// Encode `value` to DER. Only fails on lengths past 256 MiB, which cannot happen here.
pub(crate) fn to_der<T: Encode>(value: &T) -> Result<Vec<u8>> {
    value
        .to_der()
        .map_err(|e| Error::failed("encoding the PFX", e))
}

/// Wrap an encodable value in an `ANY`.
pub(crate) fn to_any<T: Encode>(value: &T) -> Result<Any> {
    let der = to_der(value)?;
    Any::from_der(&der).map_err(|e| Error::failed("encoding the PFX", e))
}

/// The `parameters` of an AlgorithmIdentifier, or a malformed-PFX error.
pub(crate) fn params<'a>(alg: &'a AlgorithmIdentifierOwned, what: &str) -> Result<&'a Any> {
    alg.parameters
        .as_ref()
        .ok_or_else(|| Error::malformed_pfx(format!("{what}: missing parameters")))
}
