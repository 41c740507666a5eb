use super::*;

fn pass(s: &str) -> SecretString {
    SecretString::from(s)
}

#[test]
fn a_wrapped_key_opens_with_its_passphrase_only() {
    let key = StoreKey::generate().unwrap();
    let wrapped = key.wrap(&pass("correct horse"), Some(10)).unwrap();
    assert!(wrapped.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    assert_eq!(wrapped_work_factor(&wrapped).unwrap(), 10);
    let back = StoreKey::unwrap(&wrapped, key.check(), &pass("correct horse")).unwrap();
    assert_eq!(*back.key, *key.key);
    assert!(matches!(
        StoreKey::unwrap(&wrapped, key.check(), &pass("wrong")),
        Err(Error::WrongPassphrase)
    ));
    // The right passphrase on another store's wrapped key: refused by the check.
    let other = StoreKey::generate().unwrap();
    assert!(matches!(
        StoreKey::unwrap(&wrapped, other.check(), &pass("correct horse")),
        Err(Error::StoreCorrupted { .. })
    ));
}

#[test]
fn an_excessive_work_factor_is_refused_before_any_scrypt() {
    let key = StoreKey::generate().unwrap();
    let wrapped = key.wrap(&pass("pw"), Some(10)).unwrap();
    let text = String::from_utf8_lossy(&wrapped).into_owned();
    // Rewrite the work factor to 30 (16 GiB of scrypt): refused at once.
    let line_end = text[22..].find('\n').unwrap() + 22;
    let stanza = &text[22..line_end];
    let forged_stanza = format!("{} 30", stanza.rsplit_once(' ').unwrap().0);
    let mut forged = wrapped.clone();
    forged.splice(22..line_end, forged_stanza.bytes());
    let started = std::time::Instant::now();
    let err = StoreKey::unwrap(&forged, key.check(), &pass("pw")).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert!(matches!(err, Error::StoreCorrupted { .. }), "{err}");
    assert!(err.to_string().contains("work factor is 30"), "{err}");
    // And one that is not canonical decimal, or not scrypt at all.
    for bad in [
        &b"age-encryption.org/v1\n-> scrypt c2FsdA 010\n"[..],
        b"age-encryption.org/v1\n-> X25519 abc\n",
        b"not age at all",
        b"",
    ] {
        assert!(matches!(
            StoreKey::unwrap(bad, key.check(), &pass("pw")),
            Err(Error::StoreCorrupted { .. })
        ));
    }
    let huge = vec![b'a'; MAX_WRAPPED_KEY_LEN + 1];
    assert!(wrapped_work_factor(&huge).is_err());
}

#[test]
fn rows_open_only_for_their_name_and_type() {
    let key = StoreKey::generate().unwrap();
    let row = key
        .seal_row("abc.laptop", "ed25519", b"secret pkcs8")
        .unwrap();
    assert_eq!(row[0], 1);
    assert_eq!(row.len(), 1 + 12 + 12 + 16);
    assert_eq!(
        &key.open_row("abc.laptop", "ed25519", &row).unwrap()[..],
        b"secret pkcs8"
    );
    // Two seals of one key differ (random nonce).
    assert_ne!(
        row,
        key.seal_row("abc.laptop", "ed25519", b"secret pkcs8")
            .unwrap()
    );
    assert!(key.open_row("abc.phone", "ed25519", &row).is_none());
    assert!(key.open_row("abc.laptop", "p256", &row).is_none());
    for i in 0..row.len() {
        let mut bad = row.clone();
        bad[i] ^= 1;
        assert!(
            key.open_row("abc.laptop", "ed25519", &bad).is_none(),
            "byte {i}"
        );
    }
    assert!(
        key.open_row("abc.laptop", "ed25519", &row[..row.len() - 1])
            .is_none()
    );
    let other = StoreKey::generate().unwrap();
    assert!(other.open_row("abc.laptop", "ed25519", &row).is_none());
}

#[test]
fn hex_round_trip_is_checked() {
    let key = StoreKey::generate().unwrap();
    let hex = key.to_hex();
    assert_eq!(hex.len(), 64);
    let back = StoreKey::from_hex_checked(&hex, key.check()).unwrap();
    assert_eq!(*back.key, *key.key);
    let other = StoreKey::generate().unwrap();
    assert!(StoreKey::from_hex_checked(&hex, other.check()).is_none());
    assert!(StoreKey::from_hex_checked("zz", key.check()).is_none());
    assert!(!format!("{key:?}").contains(&hex[..8]));
}

#[test]
fn empty_passphrases_and_wild_work_factors_are_refused() {
    let key = StoreKey::generate().unwrap();
    assert!(matches!(
        key.wrap(&pass(""), Some(10)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        key.wrap(&pass("pw"), Some(9)),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        key.wrap(&pass("pw"), Some(23)),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn passphrase_files_give_their_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pw");
    for (content, expected) in [
        (&b"secret\n"[..], "secret"),
        (b"secret\r\nsecond", "secret"),
        (b"no newline", "no newline"),
    ] {
        std::fs::write(&p, content).unwrap();
        assert_eq!(passphrase_from_file(&p).unwrap().expose_secret(), expected);
    }
    std::fs::write(&p, vec![b'a'; 64 * 1024 + 1]).unwrap();
    assert!(passphrase_from_file(&p).is_err());
    std::fs::write(&p, b"\xff\n").unwrap();
    assert!(passphrase_from_file(&p).is_err());
    assert!(passphrase_from_file(&dir.path().join("missing")).is_err());
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// A wrapped key changed anywhere (a byte, a cut, an insertion)
        /// never panics, never runs scrypt past the bound, and never opens
        /// to any key but the store's.
        // Under Wine it found age's i18n panic (the workspace Cargo.toml,
        // rust-embed's `debug-embed`).
        #[test]
        fn a_changed_wrapped_key_is_refused_or_is_the_same_key(
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            how in 0u8..3,
        ) {
            let key = StoreKey::generate().unwrap();
            let mut wrapped = key.wrap(&pass("pw"), Some(10)).unwrap();
            let i = at.index(wrapped.len());
            match how {
                0 => wrapped[i] = byte,
                1 => wrapped.truncate(i),
                _ => wrapped.insert(i, byte),
            }
            if let Ok(n) = wrapped_work_factor(&wrapped) {
                prop_assert!(n <= 99);
            }
            match StoreKey::unwrap(&wrapped, key.check(), &pass("pw")) {
                Ok(back) => prop_assert_eq!(*back.key, *key.key),
                Err(Error::WrongPassphrase | Error::StoreCorrupted { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        /// Arbitrary bytes as a sealed row never open, and never panic.
        #[test]
        fn arbitrary_rows_never_open(row in prop::collection::vec(any::<u8>(), 0..200)) {
            let key = StoreKey::generate().unwrap();
            prop_assert!(key.open_row("a.b", "ed25519", &row).is_none());
        }
    }
}
