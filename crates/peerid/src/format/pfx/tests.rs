//! Unit tests of the PFX module: round trips and every refusal path.

use std::time::{Duration, Instant};

use der::Decode;
use der::asn1::{Any, ObjectIdentifier, OctetString};

use super::asn1::{
    self, ContentInfo, EncryptedData, EncryptedPrivateKeyInfo, Pbes2Params, SafeBag, oid,
};
use super::testkit::{self, pw, rebuild, unhex, with_key_bag};
use super::*;
use crate::error::{Error, Result};

/// An Ed25519 key and its self-signed certificate, made with
/// `openssl req -x509 -newkey ed25519 -nodes -subj /CN=test` and
/// `openssl pkcs8 -topk8 -nocrypt -outform DER`.
const KEY_HEX: &str = "302e020100300506032b657004220420bd1feae38296d2a66260927a9207d42a9e0418adae4be9caca5bafe2db2e77bd";
const CERT_HEX: &str = "308201343081e7a003020102021478d072b47aec4b8d1aae6026aba375b431bf1d32300506032b6570300f310d300b06035504030c04746573743020170d3236313132363232323933385a180f32313236313130323232323933385a300f310d300b06035504030c0474657374302a300506032b65700321002ed87ce4d3fd082eb17f2d3d7ff871292c79daca4c288b4cfbdf301f424311e2a3533051301d0603551d0e04160414795e6a01834779e63bd7b469e8dc8a6619ec1ace301f0603551d23041830168014795e6a01834779e63bd7b469e8dc8a6619ec1ace300f0603551d130101ff040530030101ff300506032b6570034100bfedf1cfa3520d73b20d4baaaeeef7d603235212fed15bf989852ca20ea69130e1e65242db54305070fc16ea259c0ae7b08c76cb748d4e8a3aad0d1401120009";

fn low(profile: PfxProfile) -> ExportParams {
    ExportParams {
        profile,
        iterations: 2,
    }
}

fn sample(profile: PfxProfile, password: &str) -> Vec<u8> {
    encode(
        &unhex(KEY_HEX),
        &unhex(CERT_HEX),
        Some("Ålice's key ☃ 🔑"),
        &pw(password),
        &low(profile),
    )
    .expect("encode")
}

fn assert_err(result: Result<PfxContents>, check: impl Fn(&Error) -> bool) {
    match result {
        Err(e) if check(&e) => {}
        other => panic!("unexpected result: {other:?}"),
    }
}

#[test]
fn round_trip_both_profiles() {
    for profile in [PfxProfile::Modern, PfxProfile::Legacy] {
        let der = sample(profile, "correct horse");
        let got = decode(&der, &pw("correct horse"), DEFAULT_MAX_ITERATIONS).expect("decode");
        assert_eq!(got.keys.len(), 1);
        assert_eq!(got.keys[0].as_slice(), unhex(KEY_HEX).as_slice());
        assert_eq!(got.certificates, vec![unhex(CERT_HEX)]);
        assert_eq!(got.friendly_name.as_deref(), Some("Ålice's key ☃ 🔑"));
    }
}

#[test]
fn round_trip_empty_password_and_no_friendly_name() {
    let der = encode(
        &unhex(KEY_HEX),
        &unhex(CERT_HEX),
        None,
        &pw(""),
        &ExportParams {
            iterations: 1,
            ..ExportParams::legacy()
        },
    )
    .expect("encode");
    let got = decode(&der, &pw(""), DEFAULT_MAX_ITERATIONS).expect("decode");
    assert_eq!(got.friendly_name, None);
    assert_eq!(got.keys.len(), 1);
}

#[test]
fn absent_password_form_is_tried_for_an_empty_password() {
    // MAC and bags under the zero-length PKCS#12 password, as some Windows
    // versions write an empty password.
    for profile in [PfxProfile::Legacy, PfxProfile::Modern] {
        let der = encode::encode_with_password_forms(
            &unhex(KEY_HEX),
            &unhex(CERT_HEX),
            None,
            &[],
            &[],
            &low(profile),
        )
        .expect("encode");
        let got = decode(&der, &pw(""), 10).expect("absent password form");
        assert_eq!(got.keys.len(), 1);
        assert_eq!(got.certificates.len(), 1);
        // The BMPString form of "" is 00 00, which is not the same password.
        let der = encode::encode_with_password_forms(
            &unhex(KEY_HEX),
            &unhex(CERT_HEX),
            None,
            &[0, 0],
            &[],
            &low(profile),
        )
        .expect("encode");
        assert!(decode(&der, &pw(""), 10).is_ok());
        assert_err(decode(&der, &pw("x"), 10), |e| {
            matches!(e, Error::WrongPasswordOrTampered)
        });
    }
}

#[test]
fn defaults() {
    assert_eq!(
        ExportParams::default(),
        ExportParams {
            profile: PfxProfile::Modern,
            iterations: 600_000
        }
    );
    assert_eq!(
        ExportParams::legacy(),
        ExportParams {
            profile: PfxProfile::Legacy,
            iterations: 2_048
        }
    );
    assert_eq!(DEFAULT_MAX_ITERATIONS, 1_000_000);
}

#[test]
fn zero_iterations_are_refused_on_export() {
    let params = ExportParams {
        profile: PfxProfile::Modern,
        iterations: 0,
    };
    assert!(matches!(
        encode(&unhex(KEY_HEX), &unhex(CERT_HEX), None, &pw("p"), &params),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn debug_does_not_print_key_bytes() {
    let got = decode(&sample(PfxProfile::Legacy, "p"), &pw("p"), 10).expect("decode");
    let text = format!("{got:?}");
    assert!(
        !text.contains("bd1fea") && !text.contains("189") && !text.contains("0x"),
        "{text}"
    );
    assert!(text.contains("redacted"));
}

#[test]
fn wrong_password() {
    for profile in [PfxProfile::Modern, PfxProfile::Legacy] {
        assert_err(decode(&sample(profile, "right"), &pw("wrong"), 10), |e| {
            matches!(e, Error::WrongPasswordOrTampered)
        });
        assert_err(decode(&sample(profile, "right"), &pw(""), 10), |e| {
            matches!(e, Error::WrongPasswordOrTampered)
        });
    }
}

#[test]
fn flipped_byte_in_the_encrypted_certificate() {
    let der = sample(PfxProfile::Modern, "p");
    // The last bytes of the authSafe are the key bag's ciphertext; just
    // before the MacData. Flip one well inside the encrypted content.
    let mut bad = der.clone();
    let i = der.len() / 2;
    bad[i] ^= 0x01;
    assert_err(decode(&bad, &pw("p"), 10), |e| {
        matches!(e, Error::WrongPasswordOrTampered)
    });
}

#[test]
fn missing_mac() {
    let der = testkit::strip_mac(&sample(PfxProfile::Legacy, "p"));
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::MissingMac)
    });
}

#[test]
fn huge_mac_iterations_are_refused_before_any_derivation() {
    let der = testkit::set_mac_iterations(&sample(PfxProfile::Modern, "p"), (1 << 31) - 1);
    let start = Instant::now();
    assert_err(decode(&der, &pw("p"), DEFAULT_MAX_ITERATIONS), |e| {
        matches!(
            e,
            Error::WorkFactorTooHigh {
                asked: 2_147_483_647,
                limit: 1_000_000
            }
        )
    });
    // Deriving 2^31 - 1 SHA-256 rounds would take minutes.
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn huge_key_bag_iterations_are_refused() {
    let der = testkit::set_key_bag_iterations(
        &sample(PfxProfile::Legacy, "p"),
        "p",
        u64::from(u32::MAX) + 5,
    );
    let start = Instant::now();
    assert_err(decode(&der, &pw("p"), DEFAULT_MAX_ITERATIONS), |e| {
        matches!(
            e,
            Error::WorkFactorTooHigh {
                asked: 4_294_967_300,
                ..
            }
        )
    });
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn huge_certificate_safe_iterations_are_refused() {
    let der = sample(PfxProfile::Modern, "p");
    let der = rebuild(&der, Some("p"), |safes| {
        let info = safes
            .iter_mut()
            .find(|c| c.content_type == oid::ENCRYPTED_DATA)
            .expect("enc");
        let mut ed: EncryptedData =
            asn1::from_any(info.content.as_ref().expect("c"), "t").expect("ed");
        let alg = &mut ed.encrypted_content_info.content_encryption_algorithm;
        let mut p2: Pbes2Params =
            asn1::from_any(alg.parameters.as_ref().expect("p"), "t").expect("pbes2");
        let mut kdf: asn1::Pbkdf2Params =
            asn1::from_any(p2.key_derivation_func.parameters.as_ref().expect("p"), "t")
                .expect("kdf");
        kdf.iteration_count = 1_000_001;
        p2.key_derivation_func.parameters = Some(asn1::to_any(&kdf).expect("any"));
        alg.parameters = Some(asn1::to_any(&p2).expect("any"));
        info.content = Some(asn1::to_any(&ed).expect("any"));
    });
    assert_err(decode(&der, &pw("p"), DEFAULT_MAX_ITERATIONS), |e| {
        matches!(
            e,
            Error::WorkFactorTooHigh {
                asked: 1_000_001,
                limit: 1_000_000
            }
        )
    });
    // A raised cap lets the same file through to the MAC check (which passes,
    // since the MAC was recomputed) and to decryption, which fails because the
    // iteration count is part of the key.
    assert_err(decode(&der, &pw("p"), 2_000_000), |e| {
        matches!(e, Error::WrongPasswordOrTampered)
    });
}

#[test]
fn scrypt_and_unknown_kdfs_are_unsupported() {
    for kdf_oid in [oid::SCRYPT, ObjectIdentifier::new_unwrap("1.2.3.4.5")] {
        let der = rebuild(&sample(PfxProfile::Modern, "p"), Some("p"), |safes| {
            with_key_bag(safes, |bag| {
                let mut epki: EncryptedPrivateKeyInfo =
                    asn1::from_any(&bag.bag_value, "t").expect("epki");
                let mut p2: Pbes2Params = asn1::from_any(
                    epki.encryption_algorithm.parameters.as_ref().expect("p"),
                    "t",
                )
                .expect("p2");
                p2.key_derivation_func.oid = kdf_oid;
                epki.encryption_algorithm.parameters = Some(asn1::to_any(&p2).expect("any"));
                bag.bag_value = asn1::to_any(&epki).expect("any");
            })
        });
        assert_err(decode(&der, &pw("p"), 10), |e| {
            matches!(e, Error::UnsupportedAlgorithm { .. })
        });
    }
}

#[test]
fn unknown_encryption_scheme_is_unsupported() {
    let der = rebuild(&sample(PfxProfile::Legacy, "p"), Some("p"), |safes| {
        with_key_bag(safes, |bag| {
            let mut epki: EncryptedPrivateKeyInfo =
                asn1::from_any(&bag.bag_value, "t").expect("epki");
            epki.encryption_algorithm.oid = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1"); // RC4-128
            bag.bag_value = asn1::to_any(&epki).expect("any");
        })
    });
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::UnsupportedAlgorithm { .. })
    });
}

#[test]
fn no_key() {
    let der = testkit::remove_key_bag(&sample(PfxProfile::Legacy, "p"), "p");
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::NoPrivateKey)
    });
}

#[test]
fn two_keys() {
    let der = rebuild(&sample(PfxProfile::Legacy, "p"), Some("p"), |safes| {
        let data = safes
            .iter()
            .find(|c| c.content_type == oid::DATA)
            .expect("data")
            .clone();
        safes.push(data);
    });
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::MultiplePrivateKeys { count: 2 })
    });
}

#[test]
fn plain_key_bag_and_unknown_bags_are_read_and_ignored() {
    let der = rebuild(&sample(PfxProfile::Legacy, "p"), Some("p"), |safes| {
        let key = Any::from_der(&unhex(KEY_HEX)).expect("any");
        let plain = SafeBag {
            bag_id: oid::KEY_BAG,
            bag_value: key,
            bag_attributes: None,
        };
        let secret = SafeBag {
            bag_id: ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5"),
            bag_value: Any::null(),
            bag_attributes: None,
        };
        let bags = asn1::to_der(&vec![plain, secret]).expect("der");
        safes.retain(|c| c.content_type != oid::DATA);
        safes.push(ContentInfo {
            content_type: oid::DATA,
            content: Some(asn1::to_any(&OctetString::new(bags).expect("o")).expect("a")),
        });
    });
    let got = decode(&der, &pw("p"), 10).expect("decode");
    assert_eq!(got.keys[0].as_slice(), unhex(KEY_HEX).as_slice());
    // The key bag has no friendlyName and no localKeyId: nothing to borrow.
    assert_eq!(got.friendly_name, None);
    assert_eq!(got.certificates.len(), 1);
}

#[test]
fn too_many_bags() {
    let der = rebuild(&sample(PfxProfile::Legacy, "p"), Some("p"), |safes| {
        let bag = SafeBag {
            bag_id: ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5"),
            bag_value: Any::null(),
            bag_attributes: None,
        };
        let bags = asn1::to_der(&vec![bag; MAX_BAGS + 1]).expect("der");
        safes.push(ContentInfo {
            content_type: oid::DATA,
            content: Some(asn1::to_any(&OctetString::new(bags).expect("o")).expect("a")),
        });
    });
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::MalformedPfx { .. })
    });
}

#[test]
fn oversize_input() {
    let big = vec![0x30; MAX_PFX_BYTES + 1];
    assert_err(
        decode(&big, &pw("p"), 10),
        |e| matches!(e, Error::InputTooLarge { size, limit: 1_048_576 } if *size == 1_048_577),
    );
}

#[test]
fn garbage_and_deep_nesting_are_malformed() {
    assert_err(decode(b"not der", &pw("p"), 10), |e| {
        matches!(e, Error::MalformedPfx { .. })
    });
    // 100,000 nested SEQUENCEs in indefinite-length form: refused, no stack overflow.
    let mut deep = [0x30, 0x80].repeat(100_000);
    deep.extend(vec![0; 200_000]);
    assert_err(decode(&deep, &pw("p"), 10), |e| {
        matches!(e, Error::MalformedPfx { .. })
    });
}

#[test]
fn friendly_name_falls_back_to_the_cert_bag_with_the_same_local_key_id() {
    let der = rebuild(&sample(PfxProfile::Legacy, "p"), Some("p"), |safes| {
        with_key_bag(safes, |bag| {
            let attrs = bag.bag_attributes.take().expect("attributes");
            let kept: Vec<_> = attrs
                .iter()
                .filter(|a| a.attr_id == oid::LOCAL_KEY_ID)
                .cloned()
                .collect();
            bag.bag_attributes = Some(kept.try_into().expect("set"));
        })
    });
    let got = decode(&der, &pw("p"), 10).expect("decode");
    assert_eq!(got.friendly_name.as_deref(), Some("Ålice's key ☃ 🔑"));
}

#[test]
fn deep_definite_length_nesting_is_malformed_without_overflow() {
    let mut der: Vec<u8> = Vec::new();
    for _ in 0..20_000 {
        let len = der.len();
        let mut outer = vec![0x30];
        if len < 0x80 {
            outer.push(len as u8);
        } else {
            let bytes = (len as u32).to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            outer.push(0x80 | (4 - skip) as u8);
            outer.extend_from_slice(&bytes[skip..]);
        }
        outer.extend_from_slice(&der);
        der = outer;
    }
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::MalformedPfx { .. })
    });
}

/// The derivations a decode started, in order: see [`super::derive::log`].
fn derivations() -> Vec<(&'static str, u64)> {
    super::derive::log::take()
}

#[test]
fn export_derives_the_mac_key_alongside_both_bag_keys() {
    // Not after them: the MAC key needs only the password and its salt, and
    // three derivations side by side on two cores take 1.5 bag times where
    // the bags and then the MAC take 2 (a 600,000-iteration export).
    for profile in [PfxProfile::Modern, PfxProfile::Legacy] {
        super::derive::log::take_runs();
        sample(profile, "p");
        assert_eq!(
            super::derive::log::take_runs(),
            [vec![("bag", 2), ("bag", 2), ("mac", 2)]],
            "{profile:?}"
        );
    }
}

#[test]
fn the_mac_is_verified_before_any_bag_key_is_derived() {
    for profile in [PfxProfile::Modern, PfxProfile::Legacy] {
        let der = sample(profile, "right");
        derivations();
        // A wrong password: one MAC derivation, nothing else.
        assert_err(decode(&der, &pw("wrong"), 10), |e| {
            matches!(e, Error::WrongPasswordOrTampered)
        });
        assert_eq!(derivations(), [("mac", 2)], "{profile:?}");
        // The empty password: its two forms, and still nothing else.
        assert_err(decode(&der, &pw(""), 10), |e| {
            matches!(e, Error::WrongPasswordOrTampered)
        });
        assert_eq!(derivations(), [("mac", 2), ("mac", 2)], "{profile:?}");
        // The right password: the MAC, then both bag keys.
        decode(&der, &pw("right"), 10).expect("decode");
        assert_eq!(
            derivations(),
            [("mac", 2), ("bag", 2), ("bag", 2)],
            "{profile:?}"
        );
        // The right empty password: bag keys for the form that verified only.
        let der = sample(profile, "");
        derivations();
        decode(&der, &pw(""), 10).expect("decode");
        assert_eq!(
            derivations(),
            [("mac", 2), ("mac", 2), ("bag", 2), ("bag", 2)],
            "{profile:?}"
        );
    }
}

#[test]
fn the_iteration_counts_of_a_file_add_up_to_at_most_three_times_the_cap() {
    // MAC 1 (rebuild's), key bag 2, and the certificate's SafeContents (2)
    // twice: 7 in all, each within a cap of 2.
    let der = rebuild(&sample(PfxProfile::Legacy, "p"), Some("p"), |safes| {
        let encrypted = safes
            .iter()
            .find(|c| c.content_type == oid::ENCRYPTED_DATA)
            .expect("encrypted safe")
            .clone();
        safes.push(encrypted);
    });
    derivations();
    assert_err(decode(&der, &pw("p"), 2), |e| {
        matches!(
            e,
            Error::IterationBudgetExceeded {
                total: 7,
                limit: 6,
                per_item: 2
            }
        )
    });
    assert_eq!(derivations(), [], "refused before any derivation");
    // With a wrong password too: the budget comes before the MAC.
    assert_err(decode(&der, &pw("wrong"), 2), |e| {
        matches!(
            e,
            Error::IterationBudgetExceeded {
                total: 7,
                limit: 6,
                per_item: 2
            }
        )
    });
    assert_eq!(derivations(), []);
    // Within the budget of a cap of 3 (9) the same file is read.
    let got = decode(&der, &pw("p"), 3).expect("decode");
    assert_eq!(got.certificates.len(), 2);
    // A count over the cap is named as such, before the sum.
    assert_err(decode(&der, &pw("p"), 1), |e| {
        matches!(e, Error::WorkFactorTooHigh { asked: 2, limit: 1 })
    });
}

#[test]
fn hidden_key_bags_count_against_the_budget_before_they_are_derived() {
    let (key, cert) = (unhex(KEY_HEX), unhex(CERT_HEX));
    // MAC 3 and two encrypted SafeContents of 3: 9, the budget of a cap of 3.
    // The key bag inside the first (1 more) is seen only once it is decrypted.
    let der = testkit::hidden_key_pfx(&key, &cert, "p", 3, &[3, 3], 1);
    derivations();
    assert_err(decode(&der, &pw("p"), 3), |e| {
        matches!(
            e,
            Error::IterationBudgetExceeded {
                total: 10,
                limit: 9,
                per_item: 3
            }
        )
    });
    assert_eq!(
        derivations(),
        [("mac", 3), ("bag", 3), ("bag", 3)],
        "the hidden key bag's key is not derived"
    );
    // A hidden key bag over the cap on its own is named as such.
    let der_high = testkit::hidden_key_pfx(&key, &cert, "p", 1, &[1], 4);
    assert_err(decode(&der_high, &pw("p"), 3), |e| {
        matches!(e, Error::WorkFactorTooHigh { asked: 4, limit: 3 })
    });
    derivations();
    // Within a cap of 4 (budget 12) it is read, and its key derived last.
    let got = decode(&der, &pw("p"), 4).expect("decode");
    assert_eq!(got.keys[0].as_slice(), key.as_slice());
    assert_eq!(got.certificates, vec![cert.clone()]);
    assert_eq!(
        derivations(),
        [("mac", 3), ("bag", 3), ("bag", 3), ("bag", 1)]
    );
}

#[test]
fn a_second_hidden_key_is_refused_without_deriving_it() {
    let (key, cert) = (unhex(KEY_HEX), unhex(CERT_HEX));
    let der = testkit::hidden_key_pfx(&key, &cert, "p", 1, &[1], 1);
    // Add a plain key bag beside the hidden one.
    let der = rebuild(&der, Some("p"), |safes| {
        let plain = SafeBag {
            bag_id: oid::KEY_BAG,
            bag_value: Any::from_der(&key).expect("any"),
            bag_attributes: None,
        };
        let bags = asn1::to_der(&vec![plain]).expect("der");
        safes.push(ContentInfo {
            content_type: oid::DATA,
            content: Some(asn1::to_any(&OctetString::new(bags).expect("o")).expect("a")),
        });
    });
    derivations();
    assert_err(decode(&der, &pw("p"), 10), |e| {
        matches!(e, Error::MultiplePrivateKeys { count: 2 })
    });
    assert_eq!(derivations(), [("mac", 1), ("bag", 1)]);
}

#[test]
fn malformed_attributes_of_another_certificate_are_ignored() {
    let bmp_odd = Any::new(der::Tag::BmpString, vec![0, b'C', 0]).expect("any");
    let utf8 = Any::new(der::Tag::Utf8String, b"CA".to_vec()).expect("any");
    let lone_surrogate = Any::new(der::Tag::BmpString, vec![0xd8, 0x00]).expect("any");
    let int_id = Any::new(der::Tag::Integer, vec![1]).expect("any");
    let ca = |attrs| testkit::cert_bag(b"\x30\x03\x02\x01\x01", attrs);
    let bags = vec![
        ca(vec![testkit::attribute(oid::FRIENDLY_NAME, utf8)]),
        ca(vec![testkit::attribute(oid::FRIENDLY_NAME, bmp_odd)]),
        ca(vec![testkit::attribute(oid::FRIENDLY_NAME, lone_surrogate)]),
        ca(vec![testkit::attribute(oid::LOCAL_KEY_ID, int_id)]),
    ];
    for profile in [PfxProfile::Modern, PfxProfile::Legacy] {
        let der = testkit::prepend_data_bags(&sample(profile, "p"), "p", bags.clone());
        let got = decode(&der, &pw("p"), 10).expect("decode");
        assert_eq!(got.certificates.len(), 5);
        assert_eq!(got.certificates[4], unhex(CERT_HEX));
        assert_eq!(got.friendly_name.as_deref(), Some("Ålice's key ☃ 🔑"));
        assert_eq!(
            got.certificate_friendly_names[..4],
            [None, None, None, None]
        );
        assert_eq!(
            got.certificate_friendly_names[4].as_deref(),
            Some("Ålice's key ☃ 🔑")
        );
    }
}

#[test]
fn pbes1_keys_are_derived_into_one_buffer_of_their_final_size() {
    // Growing a Vec moves its bytes and frees the old buffer unwiped, so the
    // key and IV must go into a buffer that never grows.
    use crate::pbe::scheme::{Pbes1Cipher, Scheme};
    for (cipher, len) in [
        (Pbes1Cipher::Tdes, 32),
        (Pbes1Cipher::Rc2_128, 24),
        (Pbes1Cipher::Rc2_40, 13),
    ] {
        let scheme = Scheme::Pbes1 {
            cipher,
            salt: vec![1; 8],
            iterations: 1,
        };
        let derived = scheme
            .derive(&[0, b'p', 0, 0], &crate::pbe::Cancel::new())
            .expect("derive");
        assert_eq!(derived.len(), len, "{cipher:?}");
        assert_eq!(
            derived.capacity(),
            len,
            "{cipher:?}: not allocated at its final size"
        );
    }
}
