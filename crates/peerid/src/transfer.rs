//! Moving an identity between machines as a password-protected
//! `PEERIDENTITYEXPORT` document (docs/design.md §3 and §4), without a store:
//! [`export`] and [`import`] are pure functions of their inputs. The store's
//! `export` and `import` are these around a look-up and an insert.

use secrecy::SecretString;
use x509_cert::Certificate;
use x509_cert::der::Decode;

use crate::error::{Error, Result};
use crate::format::{export_document, pfx};
use crate::idc::Idc;
use crate::identity::Identity;
use crate::key::PrivateKey;
use crate::name::{FriendlyName, PeerName};

pub use crate::format::export_document::MAX_DOCUMENT_BYTES;
pub use crate::format::pfx::{
    DEFAULT_MAX_ITERATIONS, ExportParams, PfxProfile, TOTAL_ITERATIONS_FACTOR,
};

/// Limits that apply to one import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Highest key-derivation iteration count accepted (MAC and each bag);
    /// all the counts of one document together may add up to three times
    /// this ([`TOTAL_ITERATIONS_FACTOR`]).
    pub max_iterations: u32,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            max_iterations: pfx::DEFAULT_MAX_ITERATIONS,
        }
    }
}

/// Exports an identity, key included, as a `PEERIDENTITYEXPORT` document
/// protected by `password` (docs/design.md §3), without a store.
///
/// # Errors
/// [`Error::InvalidArgument`] for an iteration count of zero or for a peer
/// name with a character XML 1.0 cannot carry (a C0 control other than tab,
/// LF and CR, U+FFFE, U+FFFF).
pub fn export(
    identity: &Identity,
    password: &SecretString,
    params: &ExportParams,
) -> Result<String> {
    let peer_name = identity.peer_name().to_string();
    // The peer name travels as XML text, so it must be XML 1.0 text:
    // refuse here rather than write a document that import would refuse.
    if let Some(c) = peer_name.chars().find(|c| !is_xml_char(*c)) {
        return Err(Error::InvalidArgument(format!(
            "the peer name {:?} contains the character U+{:04X}, which an XML \
             1.0 document cannot carry, so the identity cannot be exported",
            peer_name, c as u32
        )));
    }
    // The friendly name travels in the PFX as UTF-16, which carries
    // every character the store accepts.
    let friendly = Some(identity.friendly_name().as_str()).filter(|f| !f.is_empty());
    let pfx = pfx::encode(
        &identity.private_key().to_pkcs8_der(),
        identity.idc().as_der(),
        friendly,
        password,
        params,
    )?;
    Ok(export_document::emit(&peer_name, &pfx))
}

/// Reads an identity, key included, from a `PEERIDENTITYEXPORT` document
/// protected by `password`, without a store: steps 1 to 6 of docs/design.md
/// §4, in order; the document is hostile until each has passed. A pure
/// function of its inputs. [`Store::import`](crate::Store::import) is this
/// and then an insert.
///
/// # Errors
/// For anything wrong with the document, a variant that maps to
/// `E_INVALIDARG` and names the reason ([`Error::InputTooLarge`],
/// [`Error::MalformedDocument`], [`Error::WorkFactorTooHigh`],
/// [`Error::IterationBudgetExceeded`], [`Error::MissingMac`],
/// [`Error::WrongPasswordOrTampered`], [`Error::NoPrivateKey`],
/// [`Error::MultiplePrivateKeys`], [`Error::KeyCertificateMismatch`],
/// [`Error::NotSelfIssued`], [`Error::BadSignature`],
/// [`Error::PeerNameMismatch`], ...).
pub fn import(document: &[u8], password: &SecretString, opts: &ImportOptions) -> Result<Imported> {
    // Steps 1-2: size, then the XML envelope and its base64.
    let doc = export_document::parse(document)?;
    // Steps 3-5: work factors, MAC, decryption (inside the PFX decoder).
    let contents = pfx::decode(&doc.pfx, password, opts.max_iterations)?;
    let key = match contents.keys.as_slice() {
        [] => return Err(Error::NoPrivateKey),
        [one] => PrivateKey::from_pkcs8_der(one)?,
        many => return Err(Error::MultiplePrivateKeys { count: many.len() }),
    };
    // Steps 5-6 for each certificate that holds the key, in file order: the
    // first that passes every check is the identity's; the others, and every
    // certificate that holds another key, are ignored.
    let bits = key.public_key_bits();
    let mut first_error = None;
    let mut chosen = None;
    for (index, cert_der) in contents.certificates.iter().enumerate() {
        if !holds_key(cert_der, &bits) {
            continue;
        }
        match check_certificate(&doc, &key, cert_der) {
            Ok(found) => {
                chosen = Some((index, found));
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some((index, (claimed, idc))) = chosen else {
        return Err(first_error.unwrap_or(Error::KeyCertificateMismatch));
    };

    // The key bag's friendlyName, else the chosen certificate's (when its
    // localKeyId links it to the key). One the store cannot hold is left
    // out, and the caller is told; it does not cost the identity.
    let offered = contents.key_friendly_name.clone().or_else(|| {
        contents
            .certificate_friendly_names
            .get(index)
            .cloned()
            .flatten()
    });
    let mut notices = Vec::new();
    let friendly_name = match offered.as_deref().map(FriendlyName::new) {
        None => FriendlyName::default(),
        Some(Ok(name)) => name,
        Some(Err(e)) => {
            let reason = match e {
                Error::InvalidFriendlyName { reason } => reason,
                other => other.to_string(),
            };
            notices.push(ImportNotice::FriendlyNameUnset { reason });
            FriendlyName::default()
        }
    };
    Ok(Imported {
        identity: Identity::from_verified_parts(claimed, key, idc, friendly_name),
        notices,
    })
}

/// What [`import`] read (and [`Store::import_with_notices`] added).
///
/// [`Store::import_with_notices`]: crate::Store::import_with_notices
#[derive(Debug)]
pub struct Imported {
    /// The identity, every check passed.
    pub identity: Identity,
    /// What of the document was not imported, for the user to hear about.
    pub notices: Vec<ImportNotice>,
}

impl Imported {
    /// The peer name of the identity.
    pub fn peer_name(&self) -> &PeerName {
        self.identity.peer_name()
    }
}

/// Something of an export document that was left out of an import that
/// succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportNotice {
    /// The PFX's friendlyName is one the store cannot hold (over 255 UTF-16
    /// code units, or with a NUL), so the identity has none.
    FriendlyNameUnset {
        /// Why the store cannot hold it (never the name itself, which may
        /// hold anything).
        reason: String,
    },
}

impl std::fmt::Display for ImportNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportNotice::FriendlyNameUnset { reason } => write!(
                f,
                "the friendly name in the document was not imported ({reason}); \
                 the identity has no friendly name"
            ),
        }
    }
}

/// Steps 5 and 6 for one certificate that holds the key: an IDC whose
/// self-signature verifies, and whose names agree with the key and with the
/// document. Returns the peer name the document claims, and the IDC.
fn check_certificate(
    doc: &export_document::ExportDocument,
    key: &PrivateKey,
    cert_der: &[u8],
) -> Result<(PeerName, Idc)> {
    let idc = Idc::from_der(cert_der)?;
    // Step 6: the name the document claims against what the key and the
    // IDC (which the MAC covers; the XML is not covered) prove.
    let claimed = claimed_name(doc, idc.peer_name())?;
    if claimed.authority() != &key.authority() || idc.authority() != key.authority() {
        return Err(Error::PeerNameMismatch {
            reason: format!(
                "the document names authority {}, but the key's is {}",
                claimed.authority(),
                key.authority()
            ),
        });
    }
    if let Some(proved) = idc.peer_name()
        && proved != &claimed
    {
        return Err(Error::PeerNameMismatch {
            reason: format!("the document names {claimed}, but its certificate names {proved}"),
        });
    }
    Ok((claimed, idc))
}

/// The peer name the document claims. Leading whitespace is layout; trailing
/// whitespace may be part of the classifier, so the text without leading
/// whitespace is tried first, then the text without trailing whitespace
/// either, and the first that is the name the IDC proves wins. With no name
/// in the IDC (a Windows identity), the fully trimmed text is the name.
fn claimed_name(
    doc: &export_document::ExportDocument,
    proved: Option<&PeerName>,
) -> Result<PeerName> {
    let [literal, trimmed] = doc.peer_name_candidates();
    if let Some(proved) = proved
        && let Some(name) = [literal, trimmed]
            .into_iter()
            .filter_map(|text| PeerName::parse_secure(text).ok())
            .find(|name| name == proved)
    {
        return Ok(name);
    }
    PeerName::parse_secure(trimmed).map_err(|e| Error::PeerNameMismatch {
        reason: format!("the document's peer name is not valid ({e})"),
    })
}

/// Whether XML 1.0 can carry `c` (its `Char` production; a Rust `char` is
/// never a surrogate).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether the certificate's public key is the key's (bits `bits`).
fn holds_key(cert_der: &[u8], bits: &[u8]) -> bool {
    Certificate::from_der(cert_der).is_ok_and(|c| {
        c.tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
            == bits
    })
}
