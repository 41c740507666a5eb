//! A hostile export document around a genuine PFX: DTDs and entities, deep
//! nesting, trailing content, another root or version, invalid base64,
//! oversize input.

use super::*;

#[test]
fn dtd_or_entity() {
    let w = world();
    let doc = w.export(PfxProfile::Modern);
    let name = w.traveller.to_string();
    let with_dtd = |dtd: &str, name_text: &str| {
        format!("{dtd}\n{}", doc.replacen(&name, name_text, 1)).into_bytes()
    };
    for bad in [
        with_dtd(
            &format!("<!DOCTYPE PEERIDENTITYEXPORT [<!ENTITY n \"{name}\">]>"),
            "&n;",
        ),
        with_dtd("<!DOCTYPE PEERIDENTITYEXPORT>", &name),
        with_dtd(
            "<!DOCTYPE PEERIDENTITYEXPORT SYSTEM \"file:///etc/passwd\">",
            &name,
        ),
        // Billion laughs, small.
        with_dtd(
            "<!DOCTYPE PEERIDENTITYEXPORT [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
            "&c;",
        ),
        // An entity reference without a DTD.
        doc.replacen(&name, "&n;", 1).into_bytes(),
    ] {
        w.refused(&bad, PASSWORD, |e| {
            matches!(
                e,
                Error::MalformedDocument {
                    document: "PEERIDENTITYEXPORT",
                    ..
                }
            )
        });
    }
    w.genuine_still_imports(PfxProfile::Modern);
}

#[test]
fn element_nesting_100_000_deep() {
    let w = world();
    let doc = w.export(PfxProfile::Legacy);
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    for bad in [
        // Inside the name element, inside the root, and as the whole document.
        edit(
            &doc,
            "travelling laptop<",
            &format!("travelling laptop{deep}<"),
        ),
        edit(&doc, "   <IDENTITY>", &format!("{deep}   <IDENTITY>")),
        deep.clone().into_bytes(),
    ] {
        let start = Instant::now();
        w.refused(&bad, PASSWORD, |e| {
            matches!(e, Error::MalformedDocument { .. })
        });
        assert!(start.elapsed() < Duration::from_secs(1));
    }
    w.genuine_still_imports(PfxProfile::Legacy);
}

#[test]
fn trailing_content() {
    let w = world();
    let doc = w.export(PfxProfile::Modern);
    for tail in [
        "x",
        "<PEERIDENTITYEXPORT VERSION=\"1.0\"/>",
        "<!-- comment -->",
        "<?pi?>",
        "&amp;",
        "\u{0}",
    ] {
        let bad = format!("{doc}{tail}");
        w.refused(bad.as_bytes(), PASSWORD, |e| {
            matches!(e, Error::MalformedDocument { .. })
        });
    }
    // Trailing bytes that are not UTF-8.
    let mut bad = doc.clone().into_bytes();
    bad.push(0xff);
    w.refused(&bad, PASSWORD, |e| {
        matches!(e, Error::MalformedDocument { .. })
    });
    w.genuine_still_imports(PfxProfile::Modern);
}

#[test]
fn another_root_element() {
    let w = world();
    let doc = w.export(PfxProfile::Modern);
    for root in [
        "PEERIDENTITYINFO",
        "peeridentityexport",
        "PEERIDENTITYEXPORTX",
        "x:PEERIDENTITYEXPORT",
    ] {
        let mut bad = doc.replace("PEERIDENTITYEXPORT", root);
        if root.starts_with("x:") {
            bad = bad.replacen(" VERSION", " xmlns:x=\"urn:x\" VERSION", 1);
        }
        w.refused(bad.as_bytes(), PASSWORD, |e| {
            matches!(e, Error::MalformedDocument { .. })
        });
    }
    // The genuine document wrapped in another root.
    let bad = format!("<ROOT>{doc}</ROOT>");
    w.refused(bad.as_bytes(), PASSWORD, |e| {
        matches!(e, Error::MalformedDocument { .. })
    });
    w.genuine_still_imports(PfxProfile::Modern);
}

#[test]
fn version_other_than_1_0() {
    let w = world();
    let doc = w.export(PfxProfile::Legacy);
    for version in [
        "VERSION=\"2.0\"",
        "VERSION=\"1.1\"",
        "VERSION=\"1\"",
        "VERSION=\" 1.0\"",
        "VERSION=\"\"",
        "version=\"1.0\"",
        "",
    ] {
        let bad = edit(&doc, "VERSION=\"1.0\"", version);
        w.refused(&bad, PASSWORD, |e| {
            matches!(e, Error::MalformedDocument { .. })
        });
    }
    w.genuine_still_imports(PfxProfile::Legacy);
}

#[test]
fn invalid_base64() {
    let w = world();
    let doc = w.export(PfxProfile::Modern);
    // Every export has fresh salts: take the base64 of this very document.
    let b64 = STANDARD.encode(export_document::parse(doc.as_bytes()).expect("parse").pfx);
    let mut bad_docs = Vec::new();
    // A character outside the alphabet, URL-safe alphabet, lost padding,
    // a truncated quantum, padding in the middle.
    let mid = b64.len() / 2;
    for broken in [
        format!("{}!{}", &b64[..mid], &b64[mid + 1..]),
        b64.replace('+', "-").replace('/', "_") + "-_",
        b64.trim_end_matches('=').to_owned() + "A===",
        b64[..b64.len() - 1].to_owned(),
        format!("{}=={}", &b64[..mid - mid % 4], &b64[mid - mid % 4..]),
        String::new(),
    ] {
        bad_docs.push(edit(&doc, &b64, &broken));
    }
    for bad in bad_docs {
        w.refused(&bad, PASSWORD, |e| {
            matches!(e, Error::MalformedDocument { .. })
        });
    }
    w.genuine_still_imports(PfxProfile::Modern);
}

#[test]
fn input_over_1_mib() {
    let w = world();
    let doc = w.export(PfxProfile::Modern);
    // The genuine document padded with (otherwise acceptable) whitespace.
    let limit = export_document::MAX_DOCUMENT_BYTES;
    let padded = format!("{doc}{}", " ".repeat(limit + 1 - doc.len()));
    assert_eq!(padded.len(), limit + 1);
    w.refused(
        padded.as_bytes(),
        PASSWORD,
        |e| matches!(e, Error::InputTooLarge { size, limit: 1_048_576 } if *size == 1_048_577),
    );
    let huge = vec![b'<'; 8 << 20];
    w.refused(
        &huge,
        PASSWORD,
        |e| matches!(e, Error::InputTooLarge { size, .. } if *size == 8 << 20),
    );
    // Exactly at the limit is parsed (and imports).
    let exact = &padded[..limit];
    let name = w
        .target
        .import(exact.as_bytes(), &pw(PASSWORD), &ImportOptions::default())
        .expect("a document of exactly 1 MiB is read");
    assert_eq!(name, w.traveller);
}
