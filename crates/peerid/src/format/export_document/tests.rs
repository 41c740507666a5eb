//! Tests of the export document: round trips, accepted variants, and one
//! test per refusal.

use super::*;

const PFX: &[u8] = b"\x30\x82\x01\x00 not really a PFX, but bytes \xff\x00";

fn b64() -> String {
    STANDARD.encode(PFX)
}

fn doc(name_tag: &str, data_tag: &str, body_name: &str, data_attrs: &str, data: &str) -> String {
    format!(
        "<PEERIDENTITYEXPORT VERSION=\"1.0\">\n   <{name_tag}>{body_name}</{name_tag}>\n   <{data_tag}{data_attrs}>{data}</{data_tag}>\n</PEERIDENTITYEXPORT>\n"
    )
}

const DT: &str = " xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\"";

fn refused(input: &str, reason_contains: &str) {
    match parse(input.as_bytes()) {
        Err(Error::MalformedDocument {
            document: "PEERIDENTITYEXPORT",
            reason,
        }) => {
            assert!(
                reason.contains(reason_contains),
                "reason {reason:?} should mention {reason_contains:?}"
            )
        }
        other => panic!("expected MalformedDocument for {input:?}, got {other:?}"),
    }
}

#[test]
fn emit_has_the_exact_design_shape() {
    let text = emit(
        "0123456789abcdef0123456789abcdef01234567.home",
        b"\x01\x02\x03",
    );
    assert_eq!(
        text,
        "<PEERIDENTITYEXPORT VERSION=\"1.0\">\n   <IDENTITY>0123456789abcdef0123456789abcdef01234567.home</IDENTITY>\n   <IDENTITYDATA xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">AQID</IDENTITYDATA>\n</PEERIDENTITYEXPORT>\n"
    );
}

#[test]
fn round_trip_with_characters_that_need_escaping() {
    for name in ["abc.", "a.<b> & \"c\" 'd'", "a.line\rbreak", "a.日本語 ☃"] {
        let text = emit(name, PFX);
        let back = parse(text.as_bytes()).expect("parse");
        assert_eq!(
            back,
            ExportDocument {
                peer_name: name.to_owned(),
                pfx: PFX.to_vec()
            }
        );
    }
}

#[test]
fn both_spellings() {
    let a = parse(doc("IDENTITY", "IDENTITYDATA", "x.y", DT, &b64()).as_bytes()).expect("IDENTITY");
    let b = parse(doc("PEERNAME", "DATA", "x.y", DT, &b64()).as_bytes()).expect("PEERNAME");
    let c = parse(doc("PEERNAME", "DATA", "x.y", "", &b64()).as_bytes()).expect("no dt attributes");
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_eq!(a.peer_name, "x.y");
}

#[test]
fn crlf_wrapped_base64_declaration_and_bom() {
    let wrapped: String = b64()
        .as_bytes()
        .chunks(8)
        .map(|c| format!("{}\r\n\t ", std::str::from_utf8(c).expect("ascii")))
        .collect();
    let text = doc(
        "IDENTITY",
        "IDENTITYDATA",
        "\r\n  x.y \r\n",
        DT,
        &format!("\r\n{wrapped}"),
    )
    .replace('\n', "\r\n");
    let text = format!("\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n{text}");
    let got = parse(text.as_bytes()).expect("parse");
    // Line ends are normalised to LF by XML (the CR CR LF made above is two
    // line ends); the text is otherwise kept.
    assert_eq!(got.peer_name, "\n\n  x.y \n\n");
    assert_eq!(got.peer_name_candidates(), ["x.y \n\n", "x.y"]);
    assert_eq!(got.pfx, PFX);
    // Single-line, no whitespace at all.
    let tight = format!(
        "<PEERIDENTITYEXPORT VERSION='1.0'><PEERNAME>x.y</PEERNAME><DATA>{}</DATA></PEERIDENTITYEXPORT>",
        b64()
    );
    assert_eq!(parse(tight.as_bytes()).expect("tight").pfx, PFX);
}

#[test]
fn doctype_is_refused() {
    let text = format!(
        "<!DOCTYPE PEERIDENTITYEXPORT>{}",
        doc("IDENTITY", "IDENTITYDATA", "x.y", DT, &b64())
    );
    refused(&text, "DTD");
}

#[test]
fn entity_declaration_is_refused() {
    let text = format!(
        "<!DOCTYPE PEERIDENTITYEXPORT [<!ENTITY a \"aaaa\">]>{}",
        doc("IDENTITY", "IDENTITYDATA", "&a;", DT, &b64())
    );
    refused(&text, "DTD");
    refused(
        "<!ENTITY a \"x\"><PEERIDENTITYEXPORT VERSION=\"1.0\"/>",
        "entity",
    );
    // An undeclared entity reference is not well-formed XML.
    refused(&doc("IDENTITY", "IDENTITYDATA", "&a;", DT, &b64()), "XML");
}

#[test]
fn comments_cdata_and_processing_instructions_are_refused() {
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x.y<!-- hi -->", DT, &b64()),
        "comments",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "<![CDATA[x.y]]>", DT, &b64()),
        "CDATA",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x.y<?pi x?>", DT, &b64()),
        "processing instructions",
    );
    refused(
        &format!(
            " <?xml version=\"1.0\"?>{}",
            doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
        ),
        "processing instructions",
    );
}

#[test]
fn extra_missing_or_mixed_elements_are_refused() {
    let extra = doc("IDENTITY", "IDENTITYDATA", "x.y", DT, &b64())
        .replace("</PEERIDENTITYEXPORT>", "<EXTRA/></PEERIDENTITYEXPORT>");
    refused(&extra, "<EXTRA>");
    refused(
        "<PEERIDENTITYEXPORT VERSION=\"1.0\"><IDENTITY>x</IDENTITY></PEERIDENTITYEXPORT>",
        "<IDENTITY>",
    );
    refused(
        &doc("IDENTITY", "DATA", "x.y", DT, &b64()),
        "<IDENTITY> <DATA>",
    );
    let swapped = format!(
        "<PEERIDENTITYEXPORT VERSION=\"1.0\"><DATA>{}</DATA><PEERNAME>x</PEERNAME></PEERIDENTITYEXPORT>",
        b64()
    );
    refused(&swapped, "found <DATA> <PEERNAME>");
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x<b/>", DT, &b64()),
        "text only",
    );
}

#[test]
fn extra_attributes_and_namespaces_are_refused() {
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
            .replace("VERSION=\"1.0\"", "VERSION=\"1.0\" X=\"1\""),
        "other than VERSION",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64()).replace("VERSION=\"1.0\"", ""),
        "VERSION attribute is missing",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
            .replace("<IDENTITY>", "<IDENTITY a=\"b\">"),
        "no attributes",
    );
    refused(
        &doc(
            "IDENTITY",
            "IDENTITYDATA",
            "x",
            &format!("{DT} dt:other=\"1\""),
            &b64(),
        ),
        "other than dt:dt",
    );
    refused(
        &doc(
            "IDENTITY",
            "IDENTITYDATA",
            "x",
            " xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"string\"",
            &b64(),
        ),
        "bin.base64",
    );
    refused(
        &doc(
            "IDENTITY",
            "IDENTITYDATA",
            "x",
            " xmlns:dt=\"urn:other\" dt:dt=\"bin.base64\"",
            &b64(),
        ),
        "namespace",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
            .replace("VERSION=\"1.0\"", "VERSION=\"1.0\" xmlns=\"urn:x\""),
        "namespace",
    );
}

#[test]
fn trailing_content_and_text_outside_are_refused() {
    refused(
        &format!(
            "{}<PEERIDENTITYEXPORT VERSION=\"1.0\"/>",
            doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
        ),
        "XML",
    );
    refused(
        &format!(
            "{}trailing",
            doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
        ),
        "XML",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
            .replace("</IDENTITY>", "</IDENTITY>stray"),
        "text outside",
    );
}

#[test]
fn other_root_or_version_is_refused() {
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64())
            .replace("PEERIDENTITYEXPORT", "PEERIDENTITYINFO"),
        "root element",
    );
    refused(
        &doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64()).replace("\"1.0\"", "\"2.0\""),
        "VERSION is \"2.0\"",
    );
}

#[test]
fn invalid_base64_is_refused() {
    let good = b64();
    let unpadded = good.trim_end_matches('=').to_owned();
    assert_ne!(unpadded, good, "the sample must need padding");
    for bad in [
        unpadded.as_str(),
        "AQID!",
        "AQ-_",
        "AQID====",
        "@@@@",
        "AQI=AQI=",
    ] {
        refused(&doc("IDENTITY", "IDENTITYDATA", "x", DT, bad), "base64");
    }
    refused(&doc("IDENTITY", "IDENTITYDATA", "x", DT, " \r\n "), "empty");
}

#[test]
fn deep_nesting_fails_fast() {
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let start = std::time::Instant::now();
    refused(&deep, "tags");
    let inside = doc(
        "IDENTITY",
        "IDENTITYDATA",
        &"<a>".repeat(100_000),
        DT,
        &b64(),
    );
    refused(&inside, "tags");
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn oversize_and_non_utf8_input() {
    let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        parse(&big),
        Err(Error::InputTooLarge {
            size: 1_048_577,
            limit: 1_048_576
        })
    ));
    let mut latin1 = doc("IDENTITY", "IDENTITYDATA", "x", DT, &b64()).into_bytes();
    latin1[45] = 0xe9;
    assert!(
        matches!(parse(&latin1), Err(Error::MalformedDocument { reason, .. }) if reason.contains("UTF-8"))
    );
}

#[test]
fn debug_does_not_print_the_pfx() {
    let d = ExportDocument {
        peer_name: "x.y".into(),
        pfx: vec![0xab; 4],
    };
    assert_eq!(
        format!("{d:?}"),
        "ExportDocument { peer_name: \"x.y\", pfx: [4 bytes] }"
    );
}

#[test]
fn peer_name_keeps_its_text_and_offers_both_readings() {
    let got =
        parse(doc("IDENTITY", "IDENTITYDATA", "x. y\t", DT, &b64()).as_bytes()).expect("parse");
    assert_eq!(got.peer_name, "x. y\t");
    assert_eq!(got.peer_name_candidates(), ["x. y\t", "x. y"]);
    let got = parse(doc("IDENTITY", "IDENTITYDATA", "x.y", DT, &b64()).as_bytes()).expect("parse");
    assert_eq!(got.peer_name_candidates(), ["x.y", "x.y"]);
    // An escaped CR is text, not layout: it survives as the name's last character.
    let got = parse(emit("x.y\r", PFX).as_bytes()).expect("parse");
    assert_eq!(got.peer_name, "x.y\r");
    assert_eq!(got.peer_name_candidates(), ["x.y\r", "x.y"]);
}
