//! The one strict XML reader that both documents (`PEERIDENTITYEXPORT` in
//! `envelope.rs`, `PEERIDENTITYINFO` in `info.rs`) go through, and the small
//! helpers their shape checks share.
//!
//! [`read`] does everything that does not depend on the document's shape, in
//! this order, each bound checked before work is spent past it:
//!
//! 1. the size limit ([`Error::InputTooLarge`], before anything else);
//! 2. UTF-8 only, with one optional byte-order mark (the encoding named by an
//!    XML declaration is not consulted: the bytes must be UTF-8 whatever it
//!    says);
//! 3. a scan of the raw text that refuses, with a precise reason, the markup
//!    neither document ever holds: any DTD (also a bare `<!DOCTYPE x>`, which
//!    roxmltree 0.21 refuses with `allow_dtd: false` but older releases let
//!    through: the refusal must not hang on the parser's version), entity and other
//!    markup declarations, comments, processing instructions other than one
//!    XML declaration at the very start, and (per document) CDATA sections
//!    and more markup starts than the document can hold;
//! 4. roxmltree with DTDs off and a node limit.
//!
//! What is left to the caller is the shape: root name, attributes, children.

use crate::error::{Error, Result};

/// The namespace of the `dt:dt="bin.base64"` attribute both documents carry.
pub(crate) const DATATYPES_NS: &str = "urn:schemas-microsoft-com:datatypes";

/// roxmltree's node limit: far above what either document holds (under ten
/// nodes), low enough that no input makes the tree large.
const NODES_LIMIT: u32 = 64;

/// What differs between the two documents' readers. Each difference keeps a
/// rule the document had before the reader was shared; see the fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    /// The root element's name, also the `document` of every error.
    pub document: &'static str,
    /// The largest input read, in bytes.
    pub max_bytes: usize,
    /// The markup starts (`<`) a valid document can hold, counted before
    /// parsing; `None` leaves the bound to roxmltree's node limit. The export
    /// document counts (7: the declaration and six tags); the info document
    /// never has, and because it reads CDATA (below) a valid one may hold
    /// any number of `<![CDATA[` sections.
    pub max_markup: Option<usize>,
    /// Whether CDATA sections are read as text. The info document always has
    /// (roxmltree merges CDATA into the text of `<IDC>`, and its parser only
    /// looked at text); the export document refuses them.
    pub cdata_is_text: bool,
}

/// Check `input` against everything in the module documentation and parse it.
///
/// # Errors
/// [`Error::InputTooLarge`] over `rules.max_bytes`; [`Error::MalformedDocument`]
/// for input that is not UTF-8, holds refused markup, or is not well-formed.
pub(crate) fn read<'a>(input: &'a [u8], rules: &Rules) -> Result<roxmltree::Document<'a>> {
    if input.len() > rules.max_bytes {
        return Err(Error::InputTooLarge {
            size: input.len() as u64,
            limit: rules.max_bytes as u64,
        });
    }
    let bad = |reason: &str| malformed(rules.document, reason);
    let text = std::str::from_utf8(input).map_err(|_| bad("the document is not UTF-8"))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    scan(text, rules)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| malformed(rules.document, format!("not well-formed XML: {e}")))
}

/// Refuse, before the XML parser runs, the markup these documents never hold.
fn scan(text: &str, rules: &Rules) -> Result<()> {
    let bad = |reason: &str| malformed(rules.document, reason);
    let mut refused = vec![
        ("<!DOCTYPE", "a DTD (<!DOCTYPE) is not allowed"),
        ("<!ENTITY", "entity declarations are not allowed"),
        ("<!--", "comments are not allowed"),
    ];
    if !rules.cdata_is_text {
        refused.push(("<![CDATA[", "CDATA sections are not allowed"));
    }
    for (needle, reason) in refused {
        if text.contains(needle) {
            return Err(bad(reason));
        }
    }
    for (i, _) in text.match_indices("<!") {
        if !(rules.cdata_is_text && text[i..].starts_with("<![CDATA[")) {
            return Err(bad("markup declarations are not allowed"));
        }
    }
    for (i, _) in text.match_indices("<?") {
        let is_declaration =
            i == 0 && text.starts_with("<?xml") && text[5..].starts_with(is_space_char);
        if !is_declaration {
            return Err(bad(
                "processing instructions are not allowed (only a leading XML declaration)",
            ));
        }
    }
    if let Some(max) = rules.max_markup {
        let tags = text.bytes().filter(|&b| b == b'<').count();
        if tags > max {
            return Err(malformed(
                rules.document,
                format!(
                    "{tags} tags, more than the {max} this document can hold (extra or nested elements)"
                ),
            ));
        }
    }
    Ok(())
}

/// The `MalformedDocument` error of `document`.
pub(crate) fn malformed(document: &'static str, reason: impl Into<String>) -> Error {
    Error::MalformedDocument {
        document,
        reason: reason.into(),
    }
}

/// Whether `node` is the element `name` in no namespace.
pub(crate) fn is_named(node: roxmltree::Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace().is_none() && node.tag_name().name() == name
}

/// The only attribute of `node`: `Ok(None)` without attributes, `Err(())`
/// with more than one.
pub(crate) fn only_attribute<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
) -> std::result::Result<Option<roxmltree::Attribute<'a, 'i>>, ()> {
    let mut attributes = node.attributes();
    match (attributes.next(), attributes.next()) {
        (a, None) => Ok(a),
        _ => Err(()),
    }
}

/// Whether `node` is the `dt:dt` attribute in the datatypes namespace.
pub(crate) fn is_datatype(attribute: &roxmltree::Attribute<'_, '_>) -> bool {
    attribute.namespace() == Some(DATATYPES_NS) && attribute.name() == "dt"
}

/// The concatenated text of an element, or `None` if it holds anything but
/// text (elements; comments and PIs cannot get past [`read`]).
pub(crate) fn text_only(node: roxmltree::Node<'_, '_>) -> Option<String> {
    let mut out = String::new();
    for child in node.children() {
        out.push_str(child.text().filter(|_| child.is_text())?);
    }
    Some(out)
}

/// Whether a node is text made only of XML whitespace (layout between
/// elements).
pub(crate) fn is_layout(node: roxmltree::Node<'_, '_>) -> bool {
    node.is_text() && is_space(node.text().unwrap_or_default())
}

/// XML whitespace (XML 1.0 §2.3 production S).
pub(crate) fn is_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Whether `s` is all XML whitespace.
pub(crate) fn is_space(s: &str) -> bool {
    s.chars().all(is_space_char)
}

/// `s` without XML whitespace anywhere (base64 may be wrapped and indented).
pub(crate) fn without_space(s: &str) -> String {
    s.chars().filter(|c| !is_space_char(*c)).collect()
}

// Each bound and refusal of `read`, for both documents' rules, and the
// helpers. A failed expect in a test is the test failing, with its location.
#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Rules = Rules {
        document: "STRICT",
        max_bytes: 256,
        max_markup: Some(7),
        cdata_is_text: false,
    };

    const LENIENT: Rules = Rules {
        document: "LENIENT",
        max_bytes: 256,
        max_markup: None,
        cdata_is_text: true,
    };

    fn refused(input: &str, rules: &Rules, reason_contains: &str) {
        match read(input.as_bytes(), rules) {
            Err(Error::MalformedDocument { document, reason }) => {
                assert_eq!(document, rules.document);
                assert!(
                    reason.contains(reason_contains),
                    "reason {reason:?} should mention {reason_contains:?}"
                );
            }
            Err(other) => panic!("expected MalformedDocument for {input:?}, got {other:?}"),
            Ok(_) => panic!("expected MalformedDocument for {input:?}, got a document"),
        }
    }

    fn root_name(input: &[u8], rules: &Rules) -> String {
        match read(input, rules) {
            Ok(doc) => doc.root_element().tag_name().name().to_owned(),
            Err(e) => panic!("{input:?} should parse: {e}"),
        }
    }

    #[test]
    fn plain_document_with_declaration_and_bom_is_read() {
        for rules in [&STRICT, &LENIENT] {
            assert_eq!(root_name(b"<R A=\"1\"><C>t</C></R>", rules), "R");
            assert_eq!(
                root_name(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<R/>\r\n", rules),
                "R"
            );
        }
    }

    #[test]
    fn size_limit_comes_before_anything_else() {
        let mut big = vec![0xFF; 257];
        big[0] = b'<';
        for rules in [&STRICT, &LENIENT] {
            assert!(matches!(
                read(&big, rules),
                Err(Error::InputTooLarge {
                    size: 257,
                    limit: 256
                })
            ));
            assert!(read(&big[..256], rules).is_err());
        }
    }

    #[test]
    fn only_utf8_whatever_the_declaration_says() {
        for rules in [&STRICT, &LENIENT] {
            refused("\u{FEFF}", rules, "");
            match read(b"<R>\xE9</R>", rules) {
                Err(Error::MalformedDocument { reason, .. }) => assert!(reason.contains("UTF-8")),
                other => panic!("latin-1 must be refused, got {:?}", other.map(|_| ())),
            }
            // UTF-16 with its byte-order mark is not UTF-8 either.
            refused_bytes(b"\xFF\xFE<\x00R\x00/\x00>\x00", rules, "UTF-8");
            // A declaration naming another encoding does not change how the
            // bytes are read: this is the UTF-8 document it looks like.
            assert_eq!(
                root_name(
                    b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><R/>",
                    rules
                ),
                "R"
            );
            // roxmltree skips a byte-order mark of its own, so a second one
            // after ours is read too, as it was before the reader was shared.
            assert_eq!(root_name("\u{FEFF}\u{FEFF}<R/>".as_bytes(), rules), "R");
            refused("\u{FEFF}\u{FEFF}\u{FEFF}<R/>", rules, "XML");
        }
    }

    fn refused_bytes(input: &[u8], rules: &Rules, reason_contains: &str) {
        match read(input, rules) {
            Err(Error::MalformedDocument { reason, .. }) => assert!(
                reason.contains(reason_contains),
                "reason {reason:?} should mention {reason_contains:?}"
            ),
            other => panic!("expected MalformedDocument, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn every_dtd_is_refused_even_the_bare_doctype_roxmltree_allows() {
        for rules in [&STRICT, &LENIENT] {
            refused("<!DOCTYPE R><R/>", rules, "DTD");
            refused("<!DOCTYPE R [<!ENTITY a \"b\">]><R>&a;</R>", rules, "DTD");
            refused("<!ENTITY a \"b\"><R/>", rules, "entity");
            refused("<!ELEMENT R ANY><R/>", rules, "markup declarations");
        }
        // roxmltree 0.21 refuses the bare DOCTYPE too (older releases let it
        // through); the scan keeps the refusal whatever the parser's version
        // does, and names the DTD in the reason.
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        };
        assert!(roxmltree::Document::parse_with_options("<!DOCTYPE R><R/>", options).is_err());
    }

    #[test]
    fn comments_and_processing_instructions_are_refused() {
        for rules in [&STRICT, &LENIENT] {
            refused("<R><!-- c --></R>", rules, "comments");
            refused("<R/><!-- after -->", rules, "comments");
            refused("<R><?pi x?></R>", rules, "processing instructions");
            refused("<?pi x?><R/>", rules, "processing instructions");
            // The declaration only at the very start (after a BOM).
            refused(
                " <?xml version=\"1.0\"?><R/>",
                rules,
                "processing instructions",
            );
            refused(
                "<R/><?xml version=\"1.0\"?>",
                rules,
                "processing instructions",
            );
            refused(
                "<?xml-stylesheet href=\"x\"?><R/>",
                rules,
                "processing instructions",
            );
            refused(
                "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><R/>",
                rules,
                "processing instructions",
            );
        }
    }

    #[test]
    fn cdata_per_document() {
        refused("<R><![CDATA[text]]></R>", &STRICT, "CDATA");
        let doc = read(b"<R><![CDATA[te]]><![CDATA[xt]]></R>", &LENIENT).expect("CDATA as text");
        assert_eq!(text_only(doc.root_element()).as_deref(), Some("text"));
    }

    #[test]
    fn markup_bound_before_parsing() {
        let seven = "<?xml version=\"1.0\"?><R><A/><B></B><C/></R>";
        assert_eq!(root_name(seven.as_bytes(), &STRICT), "R");
        refused(
            "<R><A/><B/><C/><D/><E/><F/></R>",
            &STRICT,
            "8 tags, more than the 7",
        );
        // Without a markup bound, roxmltree's node limit still holds.
        let many = format!("<R>{}</R>", "<A/>".repeat(100));
        let rules = Rules {
            max_bytes: 1 << 20,
            ..LENIENT
        };
        refused(&many, &rules, "XML");
        let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let start = std::time::Instant::now();
        refused(
            &deep,
            &Rules {
                max_bytes: 1 << 20,
                ..STRICT
            },
            "tags",
        );
        refused(&deep, &rules, "XML");
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn not_well_formed() {
        for rules in [&STRICT, &LENIENT] {
            refused("", rules, "not well-formed XML");
            refused("<R>", rules, "not well-formed XML");
            refused("<R/><R/>", rules, "not well-formed XML");
            refused("<R>&undeclared;</R>", rules, "not well-formed XML");
        }
    }

    #[test]
    fn helpers() {
        let text = format!(
            "<R xmlns:dt=\"{DATATYPES_NS}\" dt:dt=\"bin.base64\">\n  <C a=\"1\" b=\"2\">x <!-- -->y</C>\n  <n:C xmlns:n=\"urn:n\"/>\n</R>"
        )
        .replace("<!-- -->", "");
        let doc = roxmltree::Document::parse(&text).expect("parse");
        let root = doc.root_element();
        assert!(is_named(root, "R"));
        let attr = only_attribute(root).expect("one").expect("some");
        assert!(is_datatype(&attr));
        let children: Vec<_> = root.children().collect();
        assert!(is_layout(children[0]));
        assert!(is_named(children[1], "C"));
        assert!(only_attribute(children[1]).is_err());
        assert_eq!(text_only(children[1]).as_deref(), Some("x y"));
        assert!(!is_named(children[3], "C"), "a namespaced element is not C");
        assert!(only_attribute(children[3]).expect("none").is_none());
        assert_eq!(text_only(root), None);
        assert!(is_space(" \t\r\n") && !is_space(" x"));
        assert_eq!(without_space(" A\r\nB \tC"), "ABC");
    }
}
