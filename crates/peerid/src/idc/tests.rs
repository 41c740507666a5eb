use super::*;
use der::Decode;
use x509_cert::certificate::Version;
use x509_cert::time::Time;

/// The DER of a new IDC (the tests' shorthand for [`Idc::build`]).
fn build(key: &PrivateKey, name: &PeerName, not_before: SystemTime) -> Result<Vec<u8>> {
    Idc::build(key, name, not_before).map(|idc| idc.as_der().to_vec())
}

fn parse_and_verify(der: &[u8]) -> Result<Idc> {
    Idc::from_der(der)
}
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
    assert_eq!(info.authority(), key.authority());
    assert_eq!(info.peer_name(), Some(&name));
    assert_eq!(info.key_type(), kt);
    assert_eq!(info.public_key().to_spki_der(), key.public_key_info_der());
    assert_eq!(info.as_der(), der);
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
    assert_eq!(info.key_type(), KeyType::P384);
    assert_eq!(info.peer_name(), Some(&name));
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
    let eku = get(const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE);
    assert!(!eku.critical);
    let eku = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(eku.extn_value.as_bytes()).unwrap();
    assert_eq!(
        eku.0,
        [oid::PEER_AUTH_EKU, oid::SERVER_AUTH, oid::CLIENT_AUTH],
        "peer authentication, serverAuth, clientAuth, in that order"
    );
    for (oid, value) in [
        (oid::CERT_TYPE, [2u8, 1, 3]),
        (oid::IDENTITY_FLAGS, [2, 1, 0]),
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
        let mut der = build(&key, &name_for(&key, TAMPER_ME), SystemTime::now()).unwrap();
        // Change the classifier inside the SAN: still valid DER, same length.
        let pos = classifier_at(&der);
        der[pos] = b'x';
        assert!(
            matches!(parse_and_verify(&der), Err(Error::BadSignature)),
            "{kt:?}"
        );
    }
}

/// A classifier that cannot occur by chance anywhere else in a certificate:
/// not in the hex authority (`-`, `t`, `m` are not hex digits; a classifier
/// `abc` was found there about once in a hundred keys, and the test then
/// tampered with the authority instead), nor in the random bytes of a key or
/// a signature (15 bytes).
pub(crate) const TAMPER_ME: &str = "tamper-with-me!";

/// Where [`TAMPER_ME`] first occurs in `der`.
pub(crate) fn classifier_at(der: &[u8]) -> usize {
    der.windows(TAMPER_ME.len())
        .position(|w| w == TAMPER_ME.as_bytes())
        .expect("the classifier is in the certificate")
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

/// An Ed25519 IDC with `total` extensions: its own 7, then distinct empty
/// ones under 1.2.
fn idc_with_extensions(total: usize) -> Vec<u8> {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let extra = (0..total - 7)
        .map(|i| Extension {
            extn_id: const_oid::ObjectIdentifier::new(&format!("1.2.{i}")).unwrap(),
            critical: false,
            extn_value: der::asn1::OctetString::new(Vec::new()).unwrap(),
        })
        .collect();
    let time = Time::try_from(SystemTime::now()).unwrap();
    build::signed_der_with(&key, &name_for(&key, "x").to_string(), time, extra).unwrap()
}

#[test]
fn too_many_extensions() {
    let idc = Idc::from_der(&idc_with_extensions(MAX_IDC_EXTENSIONS)).unwrap();
    assert_eq!(idc.key_type(), KeyType::Ed25519);
    for total in [MAX_IDC_EXTENSIONS + 1, 4000] {
        let der = idc_with_extensions(total);
        assert!(der.len() <= MAX_IDC_LEN);
        match Idc::from_der(&der) {
            Err(Error::MalformedCertificate { reason }) => {
                assert!(
                    reason.contains(&format!("too many extensions: {total}, at most 64")),
                    "{reason}"
                );
            }
            other => panic!("{total} extensions: {other:?}"),
        }
    }
}
