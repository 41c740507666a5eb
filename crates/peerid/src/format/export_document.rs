//! The export document that `PeerIdentityExport` returns and
//! `PeerIdentityImport` takes (docs/design.md §3, §4 steps 1 and 2):
//!
//! ```xml
//! <PEERIDENTITYEXPORT VERSION="1.0">
//!    <IDENTITY>peer name, XML-escaped</IDENTITY>
//!    <IDENTITYDATA xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">base64 of the PFX</IDENTITYDATA>
//! </PEERIDENTITYEXPORT>
//! ```
//!
//! [`parse`] also takes `<PEERNAME>` and `<DATA>` in place of `<IDENTITY>`
//! and `<IDENTITYDATA>` (the other spelling in Microsoft's documentation), an
//! optional XML declaration, a UTF-8 byte-order mark and whitespace between
//! elements and inside the base64. Everything else is refused: DTDs, entity
//! declarations, comments, CDATA sections, processing instructions, other
//! elements or attributes, text outside the elements, another root or
//! version.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::xml::{self, DATATYPES_NS};
use crate::error::{Error, Result};

/// The largest export document [`transfer::import`](crate::transfer::import) reads, in bytes (docs/design.md §4 step 1).
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

const DOCUMENT: &str = "PEERIDENTITYEXPORT";

/// Markup starts (`<`) a valid document can hold: the declaration, the root's
/// two tags and the two children's four. Counting them before parsing
/// ([`xml::Rules::max_markup`]) bounds nesting and node counts without any
/// recursion.
const MAX_MARKUP: usize = 7;

/// A parsed export document: the peer name as written and the PFX bytes.
///
/// ```xml
/// <PEERIDENTITYEXPORT VERSION="1.0">
///    <IDENTITY>peer name</IDENTITY>         <!-- or <PEERNAME> -->
///    <IDENTITYDATA dt:dt="bin.base64">…</IDENTITYDATA>   <!-- or <DATA> -->
/// </PEERIDENTITYEXPORT>
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ExportDocument {
    /// The text of `<IDENTITY>` (or `<PEERNAME>`), unescaped but otherwise
    /// as written, whitespace included: a classifier may end in whitespace,
    /// so only the caller, which knows the name the IDC proves, can tell
    /// trailing whitespace that is part of the name from layout (see
    /// [`ExportDocument::peer_name_candidates`]). Not validated.
    pub peer_name: String,
    /// The decoded bytes of `<IDENTITYDATA>` (or `<DATA>`): a PFX.
    pub pfx: Vec<u8>,
}

impl ExportDocument {
    /// The readings of the peer name, most literal first: without leading XML
    /// whitespace (never part of a name, which starts with its authority),
    /// then without trailing XML whitespace either. They are equal when the
    /// text has no trailing whitespace.
    pub fn peer_name_candidates(&self) -> [&str; 2] {
        let start = self.peer_name.trim_start_matches(xml::is_space_char);
        [start, start.trim_end_matches(xml::is_space_char)]
    }
}

impl std::fmt::Debug for ExportDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The PFX is encrypted, but there is no reason to print it either.
        f.debug_struct("ExportDocument")
            .field("peer_name", &self.peer_name)
            .field("pfx", &format_args!("[{} bytes]", self.pfx.len()))
            .finish()
    }
}

/// Write the export document of docs/design.md §3: three-space indent, `\n` line
/// ends (also after the closing tag), no XML declaration, base64 on one line.
///
/// The peer name is escaped (`&`, `<`, `>`, `"`, `'`, and CR so that it
/// survives XML line-end normalisation).
pub fn emit(peer_name: &str, pfx: &[u8]) -> String {
    let mut name = String::with_capacity(peer_name.len());
    for c in peer_name.chars() {
        match c {
            '&' => name.push_str("&amp;"),
            '<' => name.push_str("&lt;"),
            '>' => name.push_str("&gt;"),
            '"' => name.push_str("&quot;"),
            '\'' => name.push_str("&apos;"),
            '\r' => name.push_str("&#xD;"),
            c => name.push(c),
        }
    }
    format!(
        "<{DOCUMENT} VERSION=\"1.0\">\n   <IDENTITY>{name}</IDENTITY>\n   <IDENTITYDATA xmlns:dt=\"{DATATYPES_NS}\" dt:dt=\"bin.base64\">{}</IDENTITYDATA>\n</{DOCUMENT}>\n",
        STANDARD.encode(pfx)
    )
}

/// How [`parse`] reads the XML: see [`super::xml`].
const RULES: xml::Rules = xml::Rules {
    document: DOCUMENT,
    max_bytes: MAX_DOCUMENT_BYTES,
    max_markup: Some(MAX_MARKUP),
    cdata_is_text: false,
};

/// Read an export document.
///
/// # Errors
/// [`Error::InputTooLarge`] over [`MAX_DOCUMENT_BYTES`] (checked before
/// anything else); [`Error::MalformedDocument`] for anything that is not
/// exactly the shape above, with a reason that names the problem.
pub fn parse(input: &[u8]) -> Result<ExportDocument> {
    let doc = xml::read(input, &RULES)?;
    let root = doc.root_element();
    if let Some(ns) = root.tag_name().namespace() {
        return Err(malformed(format!(
            "the root element is in the namespace {ns:?}; it must have none"
        )));
    }
    if !xml::is_named(root, DOCUMENT) {
        return Err(malformed(format!(
            "the root element is <{}>, not <{DOCUMENT}>",
            root.tag_name().name()
        )));
    }
    no_namespace_declarations(root)?;
    match xml::only_attribute(root) {
        Ok(Some(a)) if a.namespace().is_none() && a.name() == "VERSION" => {
            if a.value() != "1.0" {
                return Err(malformed(format!(
                    "VERSION is {:?}; only \"1.0\" is read",
                    a.value()
                )));
            }
        }
        Ok(None) => return Err(malformed("the VERSION attribute is missing")),
        _ => {
            return Err(malformed(format!(
                "<{DOCUMENT}> has attributes other than VERSION"
            )));
        }
    }

    let mut elements = Vec::new();
    for child in root.children() {
        if child.is_element() {
            elements.push(child);
        } else if child.is_text() {
            if !xml::is_layout(child) {
                return Err(malformed(format!(
                    "text outside the elements of <{DOCUMENT}>"
                )));
            }
        } else {
            return Err(malformed(
                "comments and processing instructions are not allowed",
            ));
        }
    }
    let names: Vec<&str> = elements.iter().map(|e| e.tag_name().name()).collect();
    let (name_el, data_el) = match (elements.as_slice(), names.as_slice()) {
        ([n, d], ["IDENTITY", "IDENTITYDATA"] | ["PEERNAME", "DATA"]) => (*n, *d),
        _ => {
            return Err(malformed(format!(
                "<{DOCUMENT}> must hold <IDENTITY> then <IDENTITYDATA> (or <PEERNAME> then <DATA>), found {}",
                if names.is_empty() {
                    "nothing".to_owned()
                } else {
                    names
                        .iter()
                        .map(|n| format!("<{n}>"))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            )));
        }
    };
    for el in [name_el, data_el] {
        if el.tag_name().namespace().is_some() {
            return Err(malformed(format!(
                "<{}> is in a namespace",
                el.tag_name().name()
            )));
        }
    }

    // The peer name.
    no_namespace_declarations(name_el)?;
    if name_el.attributes().len() != 0 {
        return Err(malformed(format!(
            "<{}> takes no attributes",
            name_el.tag_name().name()
        )));
    }
    let peer_name = text_only(name_el)?;

    // The data.
    let el_name = data_el.tag_name().name();
    for ns in data_el.namespaces() {
        if ns.name() != Some("xml") && !(ns.name() == Some("dt") && ns.uri() == DATATYPES_NS) {
            return Err(malformed(format!(
                "<{el_name}> declares a namespace other than xmlns:dt=\"{DATATYPES_NS}\""
            )));
        }
    }
    for a in data_el.attributes() {
        if !xml::is_datatype(&a) {
            return Err(malformed(format!(
                "<{el_name}> has an attribute other than dt:dt"
            )));
        }
        if a.value() != "bin.base64" {
            return Err(malformed(format!(
                "dt:dt is {:?}; only \"bin.base64\" is read",
                a.value()
            )));
        }
    }
    let base64 = xml::without_space(&text_only(data_el)?);
    if base64.is_empty() {
        return Err(malformed(format!("<{el_name}> is empty")));
    }
    let pfx = STANDARD
        .decode(base64.as_bytes())
        .map_err(|e| malformed(format!("<{el_name}> is not valid base64: {e}")))?;
    Ok(ExportDocument { peer_name, pfx })
}

fn no_namespace_declarations(node: roxmltree::Node<'_, '_>) -> Result<()> {
    if node.namespaces().any(|ns| ns.name() != Some("xml")) {
        return Err(malformed(format!(
            "<{}> declares a namespace",
            node.tag_name().name()
        )));
    }
    Ok(())
}

/// The text of an element that must hold text only.
fn text_only(node: roxmltree::Node<'_, '_>) -> Result<String> {
    xml::text_only(node)
        .ok_or_else(|| malformed(format!("<{}> must hold text only", node.tag_name().name())))
}

fn malformed(reason: impl Into<String>) -> Error {
    xml::malformed(DOCUMENT, reason)
}

#[cfg(test)]
mod tests;
