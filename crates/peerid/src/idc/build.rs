//! Building an IDC: every field and extension as docs/design.md §2 lists
//! them (the table in the module above).

use std::str::FromStr;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::asn1::{BitString, OctetString, Utf8StringRef};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::Idc;
use crate::error::{Error, Result};
use crate::key::alg::oid;
use crate::key::{KeyType, PrivateKey};
use crate::name::PeerName;

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
/// from `not_before` for ever.
///
/// `not_before` is encoded as UTCTime before 2050 and GeneralizedTime from
/// 2050 on (RFC 5280 §4.1.2.5); notAfter is GeneralizedTime 99991231235959Z.
///
/// # Errors
/// [`Error::PeerNameMismatch`] if `peer_name`'s authority is not the key's;
/// [`Error::InvalidArgument`] for a `not_before` before 1970 or after 9999;
/// [`Error::Failed`] if the system random number generator or signing fails.
pub(super) fn build(key: &PrivateKey, peer_name: &PeerName, not_before: SystemTime) -> Result<Idc> {
    let authority = key.authority();
    if peer_name.authority() != &authority {
        return Err(Error::PeerNameMismatch {
            reason: format!("the peer name {peer_name} does not belong to key {authority}"),
        });
    }

    let time = Time::try_from(not_before).map_err(|_| {
        Error::InvalidArgument("the creation time must lie between 1970 and 9999".into())
    })?;
    let der = signed_der(key, &peer_name.to_string(), time)?;
    Ok(Idc {
        der,
        public_key: key.public_key(),
        peer_name: Some(peer_name.clone()),
        not_before: time.to_system_time(),
    })
}

/// The DER of an IDC of `key` whose subjectAltName peer name is
/// `peer_name_text`, whatever it says: [`build`] checked it; the hostile-input
/// tests (`testkit::idc_naming`, through [`Idc::der_naming`]) pass names that do not belong to the key.
pub(super) fn signed_der(key: &PrivateKey, peer_name_text: &str, time: Time) -> Result<Vec<u8>> {
    signed_der_with(key, peer_name_text, time, Vec::new())
}

/// [`signed_der`] with `extra` extensions after the IDC's own (for the tests
/// of the extension count bound).
pub(super) fn signed_der_with(
    key: &PrivateKey,
    peer_name_text: &str,
    time: Time,
    extra: Vec<Extension>,
) -> Result<Vec<u8>> {
    let authority = key.authority();
    let Some(auth_bytes) = authority.as_bytes() else {
        return Err(Error::failed(
            "building the identity certificate",
            "no secure authority",
        ));
    };
    let name = Name::from_str(&format!("CN={authority}")).map_err(encoding_bug)?;
    let validity = Validity::new(time, Time::INFINITY);
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&key.public_key_info_der()).map_err(encoding_bug)?;
    let sig_alg =
        AlgorithmIdentifierOwned::from_der(&key.signature_algorithm_der()).map_err(encoding_bug)?;

    let mut usages = KeyUsages::DigitalSignature.into();
    if matches!(key.key_type(), KeyType::Rsa(_)) {
        usages |= KeyUsages::KeyEncipherment;
    }
    let other_name = OtherName {
        type_id: oid::PEER_NAME,
        value: der::Any::encode_from(&Utf8StringRef::new(peer_name_text).map_err(encoding_bug)?)
            .map_err(encoding_bug)?,
    };
    let mut extensions = vec![
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
            // clientAuth since issue 12: OpenSSL 3.0 refuses a TLS client
            // certificate without it. Older IDCs lack it and stay valid.
            &ExtendedKeyUsage(vec![oid::PEER_AUTH_EKU, oid::SERVER_AUTH, oid::CLIENT_AUTH]),
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
        extension(oid::CERT_TYPE, false, &CERT_TYPE_IDENTITY)?,
        extension(oid::IDENTITY_FLAGS, false, &IDENTITY_FLAGS_NONE)?,
    ];
    extensions.extend(extra);

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
