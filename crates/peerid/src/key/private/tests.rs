use super::*;
use crate::key::{KeyType, uint_bits};

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
