//! Test helpers that take a PFX apart and put it back together changed, for
//! the unit tests of this module and the hostile-input tests of the store.
//!
//! Everything here works on DER bytes so that callers outside `pfx` do not
//! need the private `asn1` types; [`rebuild`] and [`with_key_bag`] give the
//! PFX's own tests finer control.

use der::asn1::{OctetString, SetOfVec};
use secrecy::SecretString;

use super::asn1::{
    self, CertBag, ContentInfo, EncryptedContentInfo, EncryptedData, EncryptedPrivateKeyInfo,
    Pbes2Params, Pbkdf2Params, Pfx, Pkcs12PbeParams, oid,
};
pub(crate) use super::asn1::{Attribute, SafeBag};
use super::mac::{self, MacDigest};
use crate::pbe::Cancel;
use crate::pbe::pkcs12_kdf::bmp_password;
use crate::pbe::scheme::Scheme;

/// Bytes from a hex string.
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A password.
pub(crate) fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Re-encode a PFX after changing its AuthenticatedSafe, with a fresh
/// HMAC-SHA1 MAC (one iteration) under `password`, or none.
pub(crate) fn rebuild(
    pfx_der: &[u8],
    password: Option<&str>,
    change: impl FnOnce(&mut Vec<ContentInfo>),
) -> Vec<u8> {
    let mut pfx: Pfx = asn1::from_der(pfx_der, "test").expect("pfx");
    let octets: OctetString =
        asn1::from_any(pfx.auth_safe.content.as_ref().expect("content"), "test").expect("octets");
    let mut safes: Vec<ContentInfo> = asn1::from_der(octets.as_bytes(), "test").expect("authsafe");
    change(&mut safes);
    let data = asn1::to_der(&safes).expect("der");
    pfx.mac_data = password.map(|p| {
        mac::compute(MacDigest::Sha1, &bmp_password(p), vec![1; 8], 1, &data).expect("mac")
    });
    pfx.auth_safe.content =
        Some(asn1::to_any(&OctetString::new(data).expect("octets")).expect("any"));
    asn1::to_der(&pfx).expect("der")
}

/// Change the bags of the plain `data` SafeContents (where [`super::encode()`]
/// puts the shrouded key bag).
pub(crate) fn with_data_bags(safes: &mut [ContentInfo], change: impl FnOnce(&mut Vec<SafeBag>)) {
    let info = safes
        .iter_mut()
        .find(|c| c.content_type == oid::DATA)
        .expect("data safe");
    let octets: OctetString =
        asn1::from_any(info.content.as_ref().expect("content"), "t").expect("octets");
    let mut bags: Vec<SafeBag> = asn1::from_der(octets.as_bytes(), "t").expect("bags");
    change(&mut bags);
    let der = asn1::to_der(&bags).expect("der");
    info.content = Some(asn1::to_any(&OctetString::new(der).expect("o")).expect("any"));
}

/// Change the first bag of the plain `data` SafeContents.
pub(crate) fn with_key_bag(safes: &mut [ContentInfo], change: impl FnOnce(&mut SafeBag)) {
    with_data_bags(safes, |bags| change(&mut bags[0]));
}

/// The same PFX with its MacData removed.
pub(crate) fn strip_mac(pfx_der: &[u8]) -> Vec<u8> {
    let mut pfx: Pfx = asn1::from_der(pfx_der, "test").expect("pfx");
    assert!(pfx.mac_data.take().is_some(), "the PFX had no MAC to strip");
    asn1::to_der(&pfx).expect("der")
}

/// The same PFX with the MAC's iteration count set to `iterations` (the MAC
/// value is left as it was: the count must be refused before it matters).
pub(crate) fn set_mac_iterations(pfx_der: &[u8], iterations: u64) -> Vec<u8> {
    let mut pfx: Pfx = asn1::from_der(pfx_der, "test").expect("pfx");
    pfx.mac_data.as_mut().expect("mac").iterations = iterations;
    asn1::to_der(&pfx).expect("der")
}

/// The same PFX with the shrouded key bag's iteration count set to
/// `iterations` (PKCS#12 PBE or PBES2/PBKDF2 alike), and a fresh valid MAC
/// under `password`.
pub(crate) fn set_key_bag_iterations(pfx_der: &[u8], password: &str, iterations: u64) -> Vec<u8> {
    rebuild(pfx_der, Some(password), |safes| {
        with_key_bag(safes, |bag| {
            assert_eq!(bag.bag_id, oid::SHROUDED_KEY_BAG, "not a shrouded key bag");
            let mut epki: EncryptedPrivateKeyInfo =
                asn1::from_any(&bag.bag_value, "t").expect("epki");
            let alg = &mut epki.encryption_algorithm;
            let params = alg.parameters.as_ref().expect("parameters");
            if alg.oid == oid::PBES2 {
                let mut p2: Pbes2Params = asn1::from_any(params, "t").expect("pbes2");
                let kdf_params = p2.key_derivation_func.parameters.as_ref().expect("p");
                let mut kdf: Pbkdf2Params = asn1::from_any(kdf_params, "t").expect("pbkdf2");
                kdf.iteration_count = iterations;
                p2.key_derivation_func.parameters = Some(asn1::to_any(&kdf).expect("any"));
                alg.parameters = Some(asn1::to_any(&p2).expect("any"));
            } else {
                let mut p: Pkcs12PbeParams = asn1::from_any(params, "t").expect("pbe");
                p.iterations = iterations;
                alg.parameters = Some(asn1::to_any(&p).expect("any"));
            }
            bag.bag_value = asn1::to_any(&epki).expect("any");
        })
    })
}

/// The same PFX without its key bag (the plain `data` SafeContents is
/// dropped), with a fresh valid MAC under `password`.
pub(crate) fn remove_key_bag(pfx_der: &[u8], password: &str) -> Vec<u8> {
    rebuild(pfx_der, Some(password), |safes| {
        let before = safes.len();
        safes.retain(|c| c.content_type != oid::DATA);
        assert_eq!(safes.len() + 1, before, "expected one data safe");
    })
}

/// The same PFX with its key bag present twice, with a fresh valid MAC
/// under `password`.
pub(crate) fn duplicate_key_bag(pfx_der: &[u8], password: &str) -> Vec<u8> {
    rebuild(pfx_der, Some(password), |safes| {
        with_data_bags(safes, |bags| {
            let key = bags
                .iter()
                .find(|b| b.bag_id == oid::SHROUDED_KEY_BAG)
                .expect("key bag")
                .clone();
            bags.push(key);
        })
    })
}

/// The same PFX with every certificate replaced by `cert_der` (the encrypted
/// certificate SafeContents is dropped; `cert_der` goes in a plain cert bag
/// next to the key bag), with a fresh valid MAC under `password`.
pub(crate) fn replace_certificates(pfx_der: &[u8], password: &str, cert_der: &[u8]) -> Vec<u8> {
    rebuild(pfx_der, Some(password), |safes| {
        safes.retain(|c| c.content_type == oid::DATA);
        with_data_bags(safes, |bags| {
            bags.retain(|b| b.bag_id != oid::CERT_BAG);
            let cert = CertBag {
                cert_id: oid::X509_CERTIFICATE,
                cert_value: asn1::to_any(&OctetString::new(cert_der.to_vec()).expect("o"))
                    .expect("any"),
            };
            bags.push(SafeBag {
                bag_id: oid::CERT_BAG,
                bag_value: asn1::to_any(&cert).expect("any"),
                bag_attributes: None::<SetOfVec<_>>,
            });
        })
    })
}

/// A plain certificate bag holding `cert_der`, with `attributes`.
pub(crate) fn cert_bag(cert_der: &[u8], attributes: Vec<Attribute>) -> SafeBag {
    let cert = CertBag {
        cert_id: oid::X509_CERTIFICATE,
        cert_value: asn1::to_any(&OctetString::new(cert_der.to_vec()).expect("o")).expect("any"),
    };
    SafeBag {
        bag_id: oid::CERT_BAG,
        bag_value: asn1::to_any(&cert).expect("any"),
        bag_attributes: (!attributes.is_empty())
            .then(|| SetOfVec::try_from(attributes).expect("attribute set")),
    }
}

/// One attribute with one value.
pub(crate) fn attribute(id: der::asn1::ObjectIdentifier, value: der::asn1::Any) -> Attribute {
    Attribute {
        attr_id: id,
        attr_values: SetOfVec::try_from(vec![value]).expect("set"),
    }
}

/// The bag attributes' OIDs, for the crate's `testkit` feature.
pub(crate) use oid::{FRIENDLY_NAME, LOCAL_KEY_ID};

/// One attribute `id` with one value of DER tag `tag` and content `value`:
/// the byte-level form of [`attribute`] that the crate's `testkit` feature
/// exposes.
pub(crate) fn attribute_of(id: der::asn1::ObjectIdentifier, tag: u8, value: &[u8]) -> Attribute {
    let length = u8::try_from(value.len())
        .ok()
        .filter(|n| *n < 0x80)
        .expect("a short value");
    let tlv = [&[tag, length][..], value].concat();
    attribute(id, der::Decode::from_der(&tlv).expect("any"))
}

/// The same PFX with `bags` added at the front of its plain `data`
/// SafeContents (so that they come before the certificate of the encrypted
/// one), with a fresh valid MAC under `password`.
pub(crate) fn prepend_data_bags(pfx_der: &[u8], password: &str, bags: Vec<SafeBag>) -> Vec<u8> {
    rebuild(pfx_der, Some(password), |safes| {
        with_data_bags(safes, |existing| {
            existing.splice(0..0, bags);
        })
    })
}

/// A PFX whose only key is a shrouded key bag (PBES1-3DES, `key_iterations`)
/// hidden inside an encrypted SafeContents beside the certificate bag: one
/// encrypted SafeContents (PBES1-3DES) per entry of `safe_iterations`, the
/// first with the two bags, the others empty; an HMAC-SHA1 MAC with
/// `mac_iterations`; everything under `password`.
pub(crate) fn hidden_key_pfx(
    key_pkcs8: &[u8],
    cert_der: &[u8],
    password: &str,
    mac_iterations: u32,
    safe_iterations: &[u32],
    key_iterations: u32,
) -> Vec<u8> {
    let bmp = bmp_password(password);
    let octets = |b: Vec<u8>| OctetString::new(b).expect("octets");
    let key_scheme = Scheme::new_legacy(key_iterations).expect("scheme");
    let key_secret = key_scheme.derive(&bmp, &Cancel::new()).expect("derive");
    let epki = EncryptedPrivateKeyInfo {
        encryption_algorithm: key_scheme.algorithm_identifier().expect("alg"),
        encrypted_data: octets(key_scheme.encrypt(&key_secret, key_pkcs8).expect("enc")),
    };
    let key_bag = SafeBag {
        bag_id: oid::SHROUDED_KEY_BAG,
        bag_value: asn1::to_any(&epki).expect("any"),
        bag_attributes: None,
    };
    let inner = asn1::to_der(&vec![key_bag, cert_bag(cert_der, Vec::new())]).expect("der");
    let empty = asn1::to_der(&Vec::<SafeBag>::new()).expect("der");
    let safes: Vec<ContentInfo> = safe_iterations
        .iter()
        .enumerate()
        .map(|(i, &iterations)| {
            let scheme = Scheme::new_legacy(iterations).expect("scheme");
            let secret = scheme.derive(&bmp, &Cancel::new()).expect("derive");
            let plain = if i == 0 { &inner } else { &empty };
            let encrypted = EncryptedData {
                version: 0,
                encrypted_content_info: EncryptedContentInfo {
                    content_type: oid::DATA,
                    content_encryption_algorithm: scheme.algorithm_identifier().expect("alg"),
                    encrypted_content: Some(octets(scheme.encrypt(&secret, plain).expect("enc"))),
                },
            };
            ContentInfo {
                content_type: oid::ENCRYPTED_DATA,
                content: Some(asn1::to_any(&encrypted).expect("any")),
            }
        })
        .collect();
    let data = asn1::to_der(&safes).expect("der");
    let mac = mac::compute(MacDigest::Sha1, &bmp, vec![7; 8], mac_iterations, &data).expect("mac");
    let pfx = Pfx {
        version: 3,
        auth_safe: ContentInfo {
            content_type: oid::DATA,
            content: Some(asn1::to_any(&octets(data)).expect("any")),
        },
        mac_data: Some(mac),
    };
    asn1::to_der(&pfx).expect("der")
}
