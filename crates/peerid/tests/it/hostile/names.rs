//! What an import takes from the document beside the key: peer names
//! (spaces, names XML cannot carry, an IDC without one), which of several
//! certificates, and friendly names the store cannot hold.

use super::*;

#[test]
fn classifier_with_surrounding_spaces_round_trips() {
    let w = world();
    for classifier in [" spaced ", "tab\t", "line\n", "cr\r", "  ", " lead"] {
        let name = create(&w.source, classifier, "", KeyType::Ed25519);
        assert_eq!(name.classifier().as_str(), classifier);
        for profile in PROFILES {
            let doc = w
                .source
                .export(&name, &pw(PASSWORD), &params(profile))
                .expect("export");
            let got = w
                .target
                .import(doc.as_bytes(), &pw(PASSWORD), &ImportOptions::default())
                .unwrap_or_else(|e| panic!("{classifier:?}, {profile:?}: {e}"));
            assert_eq!(got, name);
            assert_eq!(got.classifier().as_str(), classifier);
            assert_eq!(w.target.show(&name).expect("show").peer_name, name);
            w.target.delete(&name).expect("delete");
        }
    }
    // Layout around a plain name is still layout.
    let doc = w.export(PfxProfile::Modern);
    let name = w.traveller.to_string();
    let wrapped = edit(&doc, &name, &format!("\r\n\t  {name} \r\n   "));
    let got = w
        .target
        .import(&wrapped, &pw(PASSWORD), &ImportOptions::default())
        .expect("import");
    assert_eq!(got, w.traveller);
}

#[test]
fn export_refuses_peer_names_xml_cannot_carry() {
    let w = world();
    for classifier in [
        "bell\u{7}",
        "\u{1}",
        "esc\u{1b}x",
        "x\u{FFFE}",
        "x\u{FFFF}",
        "\u{1f}",
    ] {
        let name = create(&w.source, classifier, "", KeyType::Ed25519);
        match w
            .source
            .export(&name, &pw(PASSWORD), &params(PfxProfile::Legacy))
        {
            Err(Error::InvalidArgument(msg)) => {
                assert!(
                    msg.contains("peer name") && msg.contains("XML 1.0"),
                    "{msg}"
                )
            }
            other => panic!("{classifier:?}: {other:?}"),
        }
    }
    // The friendly name travels in the PFX (a UTF-16 BMPString), not in the
    // XML, so any friendly name the store holds exports and imports back
    // exactly, even one with characters XML could not carry.
    for friendly in ["bell\u{7}", "x\u{FFFF}", "\u{1b}[31mred\u{FFFE}", "\u{1}😀"] {
        let name = create(&w.source, "fine", friendly, KeyType::Ed25519);
        let doc = w
            .source
            .export(&name, &pw(PASSWORD), &params(PfxProfile::Modern))
            .expect("export");
        assert!(!doc.contains(friendly), "the friendly name is not XML text");
        let got = w
            .target
            .import(doc.as_bytes(), &pw(PASSWORD), &ImportOptions::default())
            .expect("import");
        assert_eq!(got, name);
        assert_eq!(w.target.friendly_name(&name).expect("f"), friendly);
        w.source.delete(&name).expect("delete");
        w.target.delete(&name).expect("delete");
    }

    // Characters XML does carry are exported, and import back.
    let name = create(
        &w.source,
        "ok\t\u{85}\u{FFFD}\u{10FFFF}😀",
        "tab\there",
        KeyType::Ed25519,
    );
    let doc = w
        .source
        .export(&name, &pw(PASSWORD), &params(PfxProfile::Modern))
        .expect("export");
    let got = w
        .target
        .import(doc.as_bytes(), &pw(PASSWORD), &ImportOptions::default())
        .expect("import");
    assert_eq!(got, name);
    assert_eq!(w.target.friendly_name(&name).expect("f"), "tab\there");
}

#[test]
fn windows_identity_without_a_peer_name_in_its_idc() {
    let w = world();
    let pfx = std::fs::read(support::fixtures().join("boringssl-windows7.p12")).expect("fixture");
    let contents = pfx::decode(&pfx, &pw("foo"), pfx::DEFAULT_MAX_ITERATIONS).expect("decode");
    let key = PrivateKey::from_pkcs8_der(&contents.keys[0]).expect("key");
    let authority = key.authority();
    assert!(authority.is_secure());

    // Under any other authority: refused, store unchanged.
    for other in [
        *w.traveller.authority(),
        *w.residents[0].authority(),
        Authority::Secure([0x5a; 20]),
    ] {
        let doc = export_document::emit(&format!("{other}.anything"), &pfx);
        w.refused(doc.as_bytes(), "foo", |e| {
            matches!(e, Error::PeerNameMismatch { .. })
        });
    }
    // A wrong password is still a wrong password.
    let doc = export_document::emit(&format!("{authority}.anything"), &pfx);
    w.refused(doc.as_bytes(), "bar", |e| {
        matches!(e, Error::WrongPasswordOrTampered)
    });

    // Under its own authority and any classifier: imported, with trailing
    // whitespace trimmed (nothing in the IDC says it belongs to the name).
    let before = snapshot(&w.target);
    let spaced = export_document::emit(&format!("{authority}.anything  "), &pfx);
    let name = w
        .target
        .import(spaced.as_bytes(), &pw("foo"), &ImportOptions::default())
        .expect("import");
    assert_eq!(name.to_string(), format!("{authority}.anything"));
    let shown = w.target.show(&name).expect("show");
    assert_eq!(shown.key_type.name(), "rsa2048");
    assert_eq!(
        w.target.private_key(&name).expect("key").authority(),
        authority
    );
    assert_eq!(snapshot(&w.target).len(), before.len() + 1);
    // The same key under a second classifier is a second identity.
    let again = export_document::emit(&format!("{authority}.second"), &pfx);
    w.target
        .import(again.as_bytes(), &pw("foo"), &ImportOptions::default())
        .expect("second classifier");
    // And the first again is AlreadyExists, store untouched.
    let before = snapshot(&w.target);
    assert!(matches!(
        w.target
            .import(doc.as_bytes(), &pw("foo"), &ImportOptions::default()),
        Err(Error::AlreadyExists { .. })
    ));
    assert_eq!(snapshot(&w.target), before);
}

#[test]
fn of_several_certificates_with_the_key_the_first_that_passes_every_check_is_taken() {
    let w = world();
    let own = testkit::certificate(&w.source, &w.traveller.to_string()).expect("cert");
    // The traveller's own IDC with its signature broken: the same key, so
    // it matches, but it fails the self-signature check.
    let mut broken = own.clone();
    *broken.last_mut().expect("byte") ^= 1;
    // A CA-like certificate (another key) with attributes that are not well
    // formed: ignored, attributes and all.
    let donor = testkit::certificate(&w.source, &w.donor.to_string()).expect("cert");
    // DER tags: UTF8String, BMPString (here of odd length), INTEGER.
    let (utf8, odd, int) = (0x0C, 0x1E, 0x02);
    let ca = testkit::cert_bag(
        &donor,
        vec![
            testkit::attribute(testkit::FRIENDLY_NAME, utf8, b"CA"),
            testkit::attribute(testkit::LOCAL_KEY_ID, int, &[1]),
        ],
    );
    let ca_odd = testkit::cert_bag(
        &donor,
        vec![testkit::attribute(
            testkit::FRIENDLY_NAME,
            odd,
            &[0, b'C', 0],
        )],
    );
    for profile in PROFILES {
        let bags = vec![
            ca.clone(),
            testkit::cert_bag(&broken, Vec::new()),
            ca_odd.clone(),
        ];
        let pfx = testkit::prepend_data_bags(&w.traveller_pfx(profile), PASSWORD, bags);
        // The broken one alone is refused, so it is checked, not skipped.
        let alone = testkit::replace_certificates(&pfx, PASSWORD, &broken);
        let doc = export_document::emit(&w.traveller.to_string(), &alone);
        w.refused(doc.as_bytes(), PASSWORD, |e| {
            matches!(e, Error::BadSignature)
        });

        let doc = export_document::emit(&w.traveller.to_string(), &pfx);
        let name = w
            .target
            .import(doc.as_bytes(), &pw(PASSWORD), &ImportOptions::default())
            .expect("the valid certificate after the broken one is taken");
        assert_eq!(name, w.traveller);
        assert_eq!(
            testkit::certificate(&w.target, &name.to_string()).expect("cert"),
            own
        );
        assert_eq!(
            w.target.friendly_name(&name).expect("f"),
            "Ålice's laptop ☃"
        );
        w.target.delete(&name).expect("delete");
    }
}

#[test]
fn a_friendly_name_the_store_cannot_hold_is_left_out_and_reported() {
    let w = world();
    let record = testkit::record(&w.source, &w.traveller.to_string()).expect("record");
    let long = "é".repeat(256);
    for (friendly, why) in [(long.as_str(), "256 UTF-16"), ("nul\0inside", "NUL")] {
        for profile in PROFILES {
            let pfx = pfx::encode(
                &record.private_key,
                &record.certificate,
                Some(friendly),
                &pw(PASSWORD),
                &params(profile),
            )
            .expect("encode");
            let doc = export_document::emit(&w.traveller.to_string(), &pfx);
            let imported = w
                .target
                .import_with_notices(doc.as_bytes(), &pw(PASSWORD), &ImportOptions::default())
                .expect("imported without its friendly name");
            assert_eq!(imported.peer_name(), &w.traveller);
            match imported.notices.as_slice() {
                [ImportNotice::FriendlyNameUnset { reason }] => {
                    assert!(reason.contains(why), "{reason}");
                    let shown = imported.notices[0].to_string();
                    assert!(!shown.contains(friendly), "the name itself is not echoed");
                }
                other => panic!("expected one notice, got {other:?}"),
            }
            let stored = testkit::record(&w.target, &w.traveller.to_string()).expect("record");
            assert_eq!(stored.friendly_name, "", "unset");
            w.target.delete(&w.traveller).expect("delete");
        }
    }
    // A name the store holds gives no notice.
    let imported = w
        .target
        .import_with_notices(
            w.export(PfxProfile::Modern).as_bytes(),
            &pw(PASSWORD),
            &ImportOptions::default(),
        )
        .expect("import");
    assert_eq!(imported.notices, []);
}
