//! Secret hygiene (docs/design.md §6): the `Debug` output of every type that
//! holds key material or a password prints none of its bytes, in any of the
//! forms a formatter could produce (hex, a decimal byte list, base64), and
//! errors carry no password.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use base64::Engine as _;
use peerid::secrecy::SecretString;
use peerid::testkit::Record;
use peerid::testkit::export_document::ExportDocument;
use peerid::testkit::pfx::PfxContents;
use peerid::{
    Classifier, CreateOptions, ExportParams, FriendlyName, Identity, ImportOptions, KeyType,
    PrivateKey, Store,
};
use zeroize::Zeroizing;

/// Whether `text` shows any 6-byte run of `secret` as hex (either case, run
/// together or as a list), as a decimal list (Rust's `{:?}` of a byte
/// slice), or as base64; says how.
fn leaks(text: &str, secret: &[u8]) -> Option<String> {
    let lower = text.to_lowercase();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // "[0a, 1b, ...]" and "0x0a 0x1b" read as one hex string.
    let hex_only: String = lower
        .replace("0x", "")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    for w in secret.windows(6) {
        let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
        let list = format!("{:?}", w).trim_matches(['[', ']']).replace(' ', "");
        if lower.contains(&hex) || hex_only.contains(&hex) {
            return Some(format!("hex {hex}"));
        }
        if compact.contains(&list) {
            return Some(format!("byte list {list}"));
        }
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
    for w in b64.as_bytes().windows(12) {
        let w = std::str::from_utf8(w).unwrap();
        if text.contains(w) {
            return Some(format!("base64 {w}"));
        }
    }
    None
}

fn assert_clean(what: &str, debug: &str, secret: &[u8]) {
    if let Some(how) = leaks(debug, secret) {
        panic!("Debug of {what} shows the secret ({how}): {debug}");
    }
    // The check itself must see a secret printed the usual ways.
    assert!(leaks(&format!("{secret:?}"), secret).is_some());
    assert!(leaks(&format!("{secret:02x?}"), secret).is_some());
}

#[test]
fn private_keys_of_every_type() {
    for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
        let key = PrivateKey::generate(kt).unwrap();
        let der = key.to_pkcs8_der();
        for form in [format!("{key:?}"), format!("{key:#?}")] {
            assert_clean(&format!("PrivateKey ({kt:?})"), &form, &der);
        }
    }
}

#[test]
fn identities_of_every_type() {
    for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
        let identity = Identity::generate(
            kt,
            Classifier::new("debug").unwrap(),
            FriendlyName::new("Debug").unwrap(),
        )
        .unwrap();
        let der = identity.private_key().to_pkcs8_der();
        for form in [format!("{identity:?}"), format!("{identity:#?}")] {
            assert_clean(&format!("Identity ({kt:?})"), &form, &der);
            assert!(form.contains(&identity.peer_name().to_string()), "{form}");
        }
    }
}

#[test]
fn records_pfx_contents_and_export_documents() {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let der = key.to_pkcs8_der();
    let record = Record {
        peer_name: "0.x".into(),
        authority: "0".into(),
        classifier: "x".into(),
        friendly_name: String::new(),
        key_type: "ed25519".into(),
        private_key: der.clone(),
        certificate: vec![1, 2, 3],
        created_at: 0,
    };
    assert_clean("Record", &format!("{record:?}"), &der);
    assert_clean("Record", &format!("{record:#?}"), &der);

    let contents = PfxContents {
        keys: vec![Zeroizing::new(der.to_vec())],
        certificates: vec![],
        friendly_name: None,
        key_friendly_name: None,
        certificate_friendly_names: vec![],
    };
    assert_clean("PfxContents", &format!("{contents:?}"), &der);
    assert_clean("PfxContents", &format!("{contents:#?}"), &der);

    // The PFX of an export is encrypted, but it still has no business in logs.
    let pfx: Vec<u8> = (0..=255).collect();
    let doc = ExportDocument {
        peer_name: "0.x".into(),
        pfx: pfx.clone(),
    };
    assert_clean("ExportDocument", &format!("{doc:?}"), &pfx);
}

#[test]
fn passwords_stay_out_of_debug_and_errors() {
    let password = "Tr0ub4dor&3-unique-password";
    let secret = SecretString::from(password.to_owned());
    assert_clean("SecretString", &format!("{secret:?}"), password.as_bytes());

    let tmp = crate::support::tempdir();
    let store = Store::open(tmp.path().join("a")).unwrap();
    let name = store.create(&CreateOptions::default()).unwrap();
    let params = ExportParams {
        iterations: 1,
        ..ExportParams::default()
    };
    let doc = store.export(&name, &secret, &params).unwrap();
    let other = Store::open(tmp.path().join("b")).unwrap();
    let wrong = SecretString::from(format!("{password}!"));
    let err = other
        .import(doc.as_bytes(), &wrong, &ImportOptions::default())
        .unwrap_err();
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(password), "{text}");
    }
    // The key, exported and imported, appears in no error or Debug either.
    let key = store.private_key(&name).unwrap();
    assert_clean(
        "Store::private_key",
        &format!("{key:?}"),
        &key.to_pkcs8_der(),
    );
}
