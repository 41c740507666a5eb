//! Writing a PFX: one shrouded key bag and one certificate bag, linked by
//! `localKeyId`, with a MAC (docs/design.md §3).

use der::Tagged;
use der::asn1::{Any, OctetString, SetOfVec};
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::asn1::{
    self, Attribute, CertBag, ContentInfo, EncryptedContentInfo, EncryptedData,
    EncryptedPrivateKeyInfo, Pfx, SafeBag, oid,
};
use super::derive::{Jobs, Work};
use super::mac::{self, MacDigest, MacParams};
use super::{ExportParams, PfxProfile};
use crate::error::{Error, Result};
use crate::pbe::pkcs12_kdf::bmp_password;
use crate::pbe::scheme::{Scheme, random};

/// Write a PFX holding `key_pkcs8` (DER PKCS#8 v1 private key) and
/// `cert_der` (DER X.509), protected by `password`, as docs/design.md §3 says:
///
/// ```text
/// AuthenticatedSafe ::= SEQUENCE {
///     ContentInfo encryptedData { SafeContents { certBag x509Certificate } },
///     ContentInfo data          { SafeContents { pkcs8ShroudedKeyBag } } }
/// ```
///
/// Both bags carry `localKeyId` (SHA-1 of the certificate) and, when given,
/// `friendlyName`.
///
/// # Errors
/// [`Error::InvalidArgument`] for zero iterations or inputs that are not DER
/// SEQUENCEs; [`Error::Failed`] if the system has no random numbers.
pub fn encode(
    key_pkcs8: &[u8],
    cert_der: &[u8],
    friendly_name: Option<&str>,
    password: &SecretString,
    params: &ExportParams,
) -> Result<Vec<u8>> {
    if params.iterations == 0 {
        return Err(Error::InvalidArgument(
            "the PFX iteration count must be at least 1".into(),
        ));
    }
    for (what, der) in [("private key", key_pkcs8), ("certificate", cert_der)] {
        asn1::from_der::<der::asn1::AnyRef<'_>>(der, what)
            .ok()
            .filter(|a| a.tag() == der::Tag::Sequence)
            .ok_or_else(|| Error::InvalidArgument(format!("the {what} is not a DER SEQUENCE")))?;
    }

    let password = password.expose_secret();
    let pkcs12_password = bmp_password(password);
    let utf8_password = Zeroizing::new(password.as_bytes().to_vec());
    encode_with_password_forms(
        key_pkcs8,
        cert_der,
        friendly_name,
        &pkcs12_password,
        &utf8_password,
        params,
    )
}

/// [`encode()`] with the password already in its two forms (the tests use it
/// to write the absent PKCS#12 password that Windows sometimes writes).
pub(super) fn encode_with_password_forms(
    key_pkcs8: &[u8],
    cert_der: &[u8],
    friendly_name: Option<&str>,
    pkcs12_password: &[u8],
    utf8_password: &[u8],
    params: &ExportParams,
) -> Result<Vec<u8>> {
    let new_scheme = |iterations| match params.profile {
        PfxProfile::Modern => Scheme::new_modern(iterations),
        PfxProfile::Legacy => Scheme::new_legacy(iterations),
    };
    let key_scheme = new_scheme(params.iterations)?;
    let cert_scheme = new_scheme(params.iterations)?;
    let mac_digest = match params.profile {
        PfxProfile::Modern => MacDigest::Sha256,
        PfxProfile::Legacy => MacDigest::Sha1,
    };
    let mac_salt = random(match params.profile {
        PfxProfile::Modern => 16,
        PfxProfile::Legacy => 20,
    })?;

    let attributes = bag_attributes(&Sha1::digest(cert_der), friendly_name)?;

    // The three derivations (both bags and the MAC key, which depends only
    // on the password and its salt) are independent: run them side by side,
    // one thread each (jobs.rs). On two cores three equal shares finish in
    // 1.5 bag times, where the bags and then the MAC would take 1.5 + 0.5.
    let mac_params = MacParams::for_writing(mac_digest, mac_salt, params.iterations);
    let key_password = key_scheme.password_for(pkcs12_password, utf8_password);
    let cert_password = cert_scheme.password_for(pkcs12_password, utf8_password);
    let mut jobs = Jobs::default();
    jobs.add(Work::Bag(&key_scheme), key_password);
    jobs.add(Work::Bag(&cert_scheme), cert_password);
    jobs.add(Work::Mac(&mac_params), pkcs12_password);
    let derived = jobs.run()?;
    let missing = || Error::failed("encoding the PFX", "a derivation did not run");
    let key_secret = derived
        .get(Work::Bag(&key_scheme), key_password)
        .ok_or_else(missing)?;
    let cert_secret = derived
        .get(Work::Bag(&cert_scheme), cert_password)
        .ok_or_else(missing)?;
    let mac_key = derived
        .get(Work::Mac(&mac_params), pkcs12_password)
        .ok_or_else(missing)?;

    // The key bag.
    let epki = EncryptedPrivateKeyInfo {
        encryption_algorithm: key_scheme.algorithm_identifier()?,
        encrypted_data: octets(key_scheme.encrypt(key_secret, key_pkcs8)?)?,
    };
    let key_bag = SafeBag {
        bag_id: oid::SHROUDED_KEY_BAG,
        bag_value: asn1::to_any(&epki)?,
        bag_attributes: Some(attributes.clone()),
    };
    let key_safe = asn1::to_der(&vec![key_bag])?;

    // The certificate bag, in its own encrypted SafeContents.
    let cert_bag = CertBag {
        cert_id: oid::X509_CERTIFICATE,
        cert_value: asn1::to_any(&octets(cert_der.to_vec())?)?,
    };
    let cert_safe_bag = SafeBag {
        bag_id: oid::CERT_BAG,
        bag_value: asn1::to_any(&cert_bag)?,
        bag_attributes: Some(attributes),
    };
    let cert_safe = asn1::to_der(&vec![cert_safe_bag])?;
    let encrypted = EncryptedData {
        version: 0,
        encrypted_content_info: EncryptedContentInfo {
            content_type: oid::DATA,
            content_encryption_algorithm: cert_scheme.algorithm_identifier()?,
            encrypted_content: Some(octets(cert_scheme.encrypt(cert_secret, &cert_safe)?)?),
        },
    };

    let auth_safe = vec![
        ContentInfo {
            content_type: oid::ENCRYPTED_DATA,
            content: Some(asn1::to_any(&encrypted)?),
        },
        ContentInfo {
            content_type: oid::DATA,
            content: Some(asn1::to_any(&octets(key_safe)?)?),
        },
    ];
    let auth_safe_der = asn1::to_der(&auth_safe)?;
    let mac_data = mac::compute_with_key(&mac_params, mac_key, &auth_safe_der)?;

    let pfx = Pfx {
        version: 3,
        auth_safe: ContentInfo {
            content_type: oid::DATA,
            content: Some(asn1::to_any(&octets(auth_safe_der)?)?),
        },
        mac_data: Some(mac_data),
    };
    asn1::to_der(&pfx)
}

fn octets(bytes: Vec<u8>) -> Result<OctetString> {
    OctetString::new(bytes).map_err(|e| Error::failed("encoding the PFX", e))
}

fn bag_attributes(local_key_id: &[u8], friendly_name: Option<&str>) -> Result<SetOfVec<Attribute>> {
    let fail = |e: der::Error| Error::failed("encoding the PFX", e);
    let single =
        |value: Any| -> Result<SetOfVec<Any>> { SetOfVec::try_from(vec![value]).map_err(fail) };
    let mut attributes = vec![Attribute {
        attr_id: oid::LOCAL_KEY_ID,
        attr_values: single(asn1::to_any(&octets(local_key_id.to_vec())?)?)?,
    }];
    if let Some(name) = friendly_name {
        // UTF-16, as Windows writes it: strict UCS-2 (der's BmpString)
        // would refuse characters outside the BMP, which Windows names can hold.
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bmp = Any::new(der::Tag::BmpString, utf16).map_err(fail)?;
        attributes.push(Attribute {
            attr_id: oid::FRIENDLY_NAME,
            attr_values: single(bmp)?,
        });
    }
    SetOfVec::try_from(attributes).map_err(fail)
}
