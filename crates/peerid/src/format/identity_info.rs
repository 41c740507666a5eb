//! The identity info document, `PEERIDENTITYINFO` (docs/design.md §3): what
//! `PeerIdentityGetXML` returns and anyone may be given.
//!
//! ```xml
//! <PEERIDENTITYINFO VERSION="1.0">
//!    <IDC xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">base64</IDC>
//! </PEERIDENTITYINFO>
//! ```
//!
//! The base64 is a certificates-only PKCS#7 SignedData (RFC 2315 §9.1 /
//! RFC 5652 §5.1, the "degenerate" form of RFC 8551 §3.8) carrying the IDC:
//!
//! ```text
//! ContentInfo ::= SEQUENCE {
//!     contentType id-signedData (1.2.840.113549.1.7.2),
//!     content [0] EXPLICIT SignedData }
//! SignedData ::= SEQUENCE {
//!     version INTEGER (1),
//!     digestAlgorithms SET OF AlgorithmIdentifier,   -- empty
//!     encapContentInfo SEQUENCE { eContentType id-data (1.2.840.113549.1.7.1) },  -- no content
//!     certificates [0] IMPLICIT SET OF Certificate,   -- exactly the IDC
//!     signerInfos SET OF SignerInfo }                  -- empty
//! ```
//!
//! MS-PPSEC 2.2.6.2 describes the payload as PKCS#7; the Win32 pages call it
//! a certificate, so [`parse`] also accepts a bare DER certificate.

use base64::Engine;
use const_oid::ObjectIdentifier;
use der::{Decode, Header, Length, Reader, SliceReader, Tag, TagNumber};

use super::xml::{self, DATATYPES_NS};
use crate::error::{Error, Result};
use crate::idc::Idc;
use crate::name::{Classifier, PeerName};

/// Largest document [`parse`] reads, in bytes (docs/design.md §4 step 1).
pub const MAX_INFO_LEN: usize = 1024 * 1024;

const DOCUMENT: &str = "PEERIDENTITYINFO";
const ID_SIGNED_DATA: ObjectIdentifier = crate::key::alg::oid::SIGNED_DATA;
const ID_DATA: ObjectIdentifier = crate::key::alg::oid::DATA;

fn bad(reason: impl Into<String>) -> Error {
    xml::malformed(DOCUMENT, reason)
}

/// DER TLV with a definite length (X.690 §8.1.3).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn oid_der(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, oid.as_bytes())
}

/// Wraps a DER certificate in a certificates-only PKCS#7 SignedData
/// (the shape in the module documentation). The certificate is copied byte
/// for byte, never re-encoded, so its signature stays valid.
pub fn certs_only_pkcs7(cert_der: &[u8]) -> Vec<u8> {
    let version = [0x02, 0x01, 0x01];
    let digest_algorithms = tlv(0x31, &[]);
    let encap_content_info = tlv(0x30, &oid_der(&ID_DATA));
    let certificates = tlv(0xA0, cert_der);
    let signer_infos = tlv(0x31, &[]);
    let signed_data = tlv(
        0x30,
        &[
            &version[..],
            &digest_algorithms,
            &encap_content_info,
            &certificates,
            &signer_infos,
        ]
        .concat(),
    );
    tlv(
        0x30,
        &[oid_der(&ID_SIGNED_DATA), tlv(0xA0, &signed_data)].concat(),
    )
}

/// Writes the `PEERIDENTITYINFO` document for an IDC (DER). The output is a
/// function of the IDC alone: the same certificate gives the same bytes.
/// Lines end in LF; there is no XML declaration and no final line break.
pub fn emit(idc_der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(certs_only_pkcs7(idc_der));
    format!(
        "<PEERIDENTITYINFO VERSION=\"1.0\">\n   <IDC xmlns:dt=\"{DATATYPES_NS}\" dt:dt=\"bin.base64\">{b64}</IDC>\n</PEERIDENTITYINFO>"
    )
}

/// What went wrong inside the PKCS#7 structure.
enum P7Error {
    Der(der::Error),
    Shape(String),
}

impl From<der::Error> for P7Error {
    fn from(e: der::Error) -> Self {
        P7Error::Der(e)
    }
}

fn context_tag(number: u32) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(number),
    }
}

/// The one certificate of a certificates-only SignedData, as its exact bytes.
fn certificate_from_pkcs7(der: &[u8]) -> std::result::Result<&[u8], P7Error> {
    let mut reader = SliceReader::new(der)?;
    let cert = reader.sequence(|content_info| -> std::result::Result<&[u8], P7Error> {
        let content_type: ObjectIdentifier = content_info.decode()?;
        if content_type != ID_SIGNED_DATA {
            return Err(P7Error::Shape(format!(
                "PKCS#7 content {content_type} is not SignedData"
            )));
        }
        let explicit = Header::decode(content_info)?;
        if explicit.tag() != context_tag(0) {
            return Err(P7Error::Shape("PKCS#7 ContentInfo without content".into()));
        }
        content_info.read_nested(explicit.length(), |r| r.sequence(signed_data_certificate))
    })?;
    reader.finish()?;
    Ok(cert)
}

fn signed_data_certificate<'a>(sd: &mut SliceReader<'a>) -> std::result::Result<&'a [u8], P7Error> {
    let _version: u8 = sd.decode()?;
    let digest_algorithms = Header::decode(sd)?;
    if digest_algorithms.tag() != Tag::Set {
        return Err(P7Error::Shape(
            "SignedData digestAlgorithms is not a SET".into(),
        ));
    }
    sd.read_slice(digest_algorithms.length())?;
    let encap = Header::decode(sd)?;
    if encap.tag() != Tag::Sequence {
        return Err(P7Error::Shape(
            "SignedData encapContentInfo is not a SEQUENCE".into(),
        ));
    }
    sd.read_slice(encap.length())?;
    let certs = Header::decode(sd)?;
    if certs.tag() != context_tag(0) {
        return Err(P7Error::Shape(
            "the PKCS#7 SignedData holds no certificates".into(),
        ));
    }
    let mut set = SliceReader::new(sd.read_slice(certs.length())?)?;
    let mut found = Vec::new();
    while !set.is_finished() {
        found.push(set.tlv_bytes()?);
    }
    if found.len() != 1 {
        return Err(P7Error::Shape(format!(
            "the PKCS#7 SignedData holds {} certificates; an identity info holds exactly one",
            found.len()
        )));
    }
    if found[0].first() != Some(&0x30) {
        return Err(P7Error::Shape(
            "the PKCS#7 certificate is not an X.509 certificate".into(),
        ));
    }
    if Tag::peek(sd)? == context_tag(1) {
        return Err(P7Error::Shape("an identity info carries no CRLs".into()));
    }
    let signer_infos = Header::decode(sd)?;
    if signer_infos.tag() != Tag::Set || signer_infos.length() != Length::ZERO {
        return Err(P7Error::Shape(
            "an identity info's SignedData has no signers".into(),
        ));
    }
    Ok(found[0])
}

/// Whether `der` looks like a ContentInfo (SEQUENCE starting with an OID)
/// rather than a Certificate (SEQUENCE starting with a SEQUENCE).
fn is_content_info(der: &[u8]) -> bool {
    let Ok(mut r) = SliceReader::new(der) else {
        return false;
    };
    let Ok(header) = Header::decode(&mut r) else {
        return false;
    };
    header.tag() == Tag::Sequence && Tag::peek(&r).ok() == Some(Tag::ObjectIdentifier)
}

/// How [`parse`] reads the XML: see [`super::xml`].
const RULES: xml::Rules = xml::Rules {
    document: DOCUMENT,
    max_bytes: MAX_INFO_LEN,
    max_markup: None,
    cdata_is_text: true,
};

/// The base64 text of the `IDC` element, after checking the document is
/// exactly the documented shape.
fn idc_text(input: &[u8]) -> Result<String> {
    let doc = xml::read(input, &RULES)?;
    let root = doc.root_element();
    for node in doc.root().children() {
        if node != root && !node.is_text() {
            return Err(bad("content outside the root element"));
        }
    }
    if !xml::is_named(root, DOCUMENT) {
        return Err(bad(format!(
            "the root element is <{}>, not <{DOCUMENT}>",
            root.tag_name().name()
        )));
    }
    match xml::only_attribute(root) {
        Ok(Some(a)) if a.name() == "VERSION" && a.namespace().is_none() => {
            if a.value() != "1.0" {
                return Err(bad(format!("VERSION {:?} is not 1.0", a.value())));
            }
        }
        _ => {
            return Err(bad(
                "the root element must have exactly the attribute VERSION=\"1.0\"",
            ));
        }
    }
    let mut idc = None;
    for child in root.children() {
        if xml::is_named(child, "IDC") {
            if idc.replace(child).is_some() {
                return Err(bad("more than one <IDC> element"));
            }
        } else if !xml::is_layout(child) {
            return Err(bad(
                "unexpected content in <PEERIDENTITYINFO>; only <IDC> belongs there",
            ));
        }
    }
    let idc = idc.ok_or_else(|| bad("no <IDC> element"))?;
    match xml::only_attribute(idc) {
        Ok(Some(a)) if xml::is_datatype(&a) && a.value() == "bin.base64" => {}
        _ => {
            return Err(bad(format!(
                "<IDC> must have exactly the attribute dt:dt=\"bin.base64\" in namespace {DATATYPES_NS}"
            )));
        }
    }
    let text = xml::text_only(idc).ok_or_else(|| bad("<IDC> holds only base64 text"))?;
    Ok(xml::without_space(&text))
}

/// Reads a `PEERIDENTITYINFO` document and checks the IDC in it.
///
/// Accepts an optional XML declaration and UTF-8 byte order mark, and
/// whitespace (CRLF included) around the elements and inside the base64.
/// The base64 may hold the PKCS#7 SignedData of the module documentation or
/// a bare DER certificate. The IDC must be self-issued with a valid
/// self-signature ([`Idc::from_der`]). The name it proves is
/// [`Idc::peer_name`]; for a certificate without a peer name (as
/// Windows may have made) it is filled in as `<authority>.`.
///
/// # Errors
/// [`Error::InputTooLarge`] over 1 MiB, before any parsing;
/// [`Error::MalformedDocument`] for anything but the documented shape (a DTD,
/// another root, version or attribute, extra or missing elements, comments,
/// content after the root, invalid base64, a PKCS#7 that is not one
/// certificate); then the errors of [`Idc::from_der`].
pub fn parse(input: &[u8]) -> Result<Idc> {
    let b64 = idc_text(input)?;
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| bad(format!("the <IDC> content is not valid base64: {e}")))?;
    let cert = if is_content_info(&der) {
        certificate_from_pkcs7(&der).map_err(|e| match e {
            P7Error::Der(e) => bad(format!("the <IDC> PKCS#7 does not decode: {e}")),
            P7Error::Shape(s) => bad(s),
        })?
    } else {
        &der[..]
    };
    let mut info = Idc::from_der(cert)?;
    if info.peer_name.is_none() {
        info.peer_name = Some(PeerName::new(info.authority(), Classifier::empty()));
    }
    Ok(info)
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::key::{KeyType, PrivateKey};
    use std::time::SystemTime;

    fn idc(classifier: &str) -> (PeerName, Vec<u8>) {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let name = PeerName::new(key.authority(), Classifier::new(classifier).unwrap());
        let der = Idc::build(&key, &name, SystemTime::now())
            .unwrap()
            .as_der()
            .to_vec();
        (name, der)
    }

    fn b64_of(xml: &str) -> &str {
        let start = xml.find("bin.base64\">").unwrap() + "bin.base64\">".len();
        let end = xml.find("</IDC>").unwrap();
        &xml[start..end]
    }

    fn with_b64(b64: &str) -> String {
        format!(
            "<PEERIDENTITYINFO VERSION=\"1.0\"><IDC xmlns:dt=\"{DATATYPES_NS}\" dt:dt=\"bin.base64\">{b64}</IDC></PEERIDENTITYINFO>"
        )
    }

    fn malformed(r: Result<Idc>) -> String {
        match r {
            Err(Error::MalformedDocument { reason, .. }) => reason,
            other => panic!("expected MalformedDocument, got {other:?}"),
        }
    }

    #[test]
    fn emit_parse_round_trip() {
        let (name, der) = idc("a <&> \"classifier\"");
        let xml = emit(&der);
        assert!(xml.starts_with("<PEERIDENTITYINFO VERSION=\"1.0\">\n   <IDC xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">"));
        assert!(xml.ends_with("</IDC>\n</PEERIDENTITYINFO>"));
        let info = parse(xml.as_bytes()).unwrap();
        assert_eq!(info.peer_name, Some(name));
        assert_eq!(info.as_der(), der);
    }

    #[test]
    fn emit_is_deterministic() {
        let (_, der) = idc("x");
        assert_eq!(emit(&der), emit(&der));
    }

    #[test]
    fn bare_certificate_and_loose_whitespace_accepted() {
        use base64::Engine;
        let (name, der) = idc("");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let xml = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<PEERIDENTITYINFO VERSION=\"1.0\">\r\n  <IDC xmlns:dt=\"{DATATYPES_NS}\" dt:dt=\"bin.base64\">\r\n{}\r\n  </IDC>\r\n</PEERIDENTITYINFO>\r\n",
            wrapped.join("\r\n")
        );
        let info = parse(xml.as_bytes()).unwrap();
        assert_eq!(info.peer_name, Some(name));
    }

    #[test]
    fn refusals() {
        let (_, der) = idc("r");
        let good = emit(&der);
        let b64 = b64_of(&good).to_owned();

        let doctype = format!("<!DOCTYPE PEERIDENTITYINFO>{good}");
        assert!(malformed(parse(doctype.as_bytes())).contains("DTD"));
        let entity = format!("<!DOCTYPE PEERIDENTITYINFO [<!ENTITY x \"y\">]>{good}");
        malformed(parse(entity.as_bytes()));

        let mut huge = good.clone().into_bytes();
        huge.resize(MAX_INFO_LEN + 1, b' ');
        assert!(matches!(parse(&huge), Err(Error::InputTooLarge { .. })));

        // Two certificates in the PKCS#7.
        let p7 = certs_only_pkcs7(&[der.clone(), der.clone()].concat());
        let two = with_b64(&base64::engine::general_purpose::STANDARD.encode(p7));
        assert!(malformed(parse(two.as_bytes())).contains("2 certificates"));

        for garbage in ["!!!!", "QUJD=", "QUJDRA", "QUJDRA==="] {
            malformed(parse(with_b64(garbage).as_bytes()));
        }
        // Valid base64 that is not DER at all.
        assert!(parse(with_b64("QUJDRA==").as_bytes()).is_err());

        let shapes = [
            good.replace("VERSION=\"1.0\"", "VERSION=\"2.0\""),
            good.replace("PEERIDENTITYINFO", "PEERIDENTITYEXPORT"),
            good.replace("<IDC ", "<IDC extra=\"1\" "),
            good.replace("dt:dt=\"bin.base64\"", "dt:dt=\"bin.hex\""),
            good.replace(
                "xmlns:dt=\"urn:schemas-microsoft-com:datatypes\"",
                "xmlns:dt=\"urn:other\"",
            ),
            good.replace("</IDC>", "</IDC><IDC/>"),
            good.replace("</IDC>", "</IDC><EXTRA/>"),
            good.replace("</IDC>", "</IDC><!-- c -->"),
            good.replace("</IDC>", "</IDC>text"),
            format!("{good}<PEERIDENTITYINFO/>"),
            format!("{good}trailing"),
            format!("{good}<!-- after -->"),
            "<PEERIDENTITYINFO VERSION=\"1.0\"/>".to_owned(),
            with_b64(&format!("{b64}<b/>")),
        ];
        for xml in &shapes {
            malformed(parse(xml.as_bytes()));
        }
        assert!(malformed(parse(b"\xff\xfe<")).contains("UTF-8"));
    }

    #[test]
    fn tampered_certificate_inside_is_bad_signature() {
        let (_, der) = idc(crate::idc::tests::TAMPER_ME);
        let mut der2 = der.clone();
        let pos = crate::idc::tests::classifier_at(&der2);
        der2[pos] = b'x';
        let xml = emit(&der2);
        assert!(matches!(parse(xml.as_bytes()), Err(Error::BadSignature)));
    }
}
