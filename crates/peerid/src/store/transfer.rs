//! `PeerIdentityExport` and `PeerIdentityImport`: moving an identity between
//! stores as a password-protected `PEERIDENTITYEXPORT` document
//! (DESIGN.md §3 and §4).

use secrecy::SecretString;
use x509_cert::Certificate;
use x509_cert::der::Decode;

use super::{Store, record_for};
use crate::error::{Error, Result};
use crate::format::{envelope, pfx};
use crate::idc;
use crate::key::PrivateKey;
use crate::name::{FriendlyName, PeerName};

/// Limits that apply to one import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Highest key-derivation iteration count accepted (MAC and each bag).
    pub max_iterations: u32,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            max_iterations: pfx::DEFAULT_MAX_ITERATIONS,
        }
    }
}

impl Store {
    /// Exports an identity, key included, as a `PEERIDENTITYEXPORT` document
    /// protected by `password`.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::InvalidArgument`] for an iteration count
    /// of zero or for a peer name with a character XML 1.0 cannot carry (a C0
    /// control other than tab, LF and CR, U+FFFE, U+FFFF), or a store error.
    pub fn export(
        &self,
        name: &PeerName,
        password: &SecretString,
        params: &pfx::ExportParams,
    ) -> Result<String> {
        let record = self.db().get(&name.to_string())?;
        // The peer name travels as XML text, so it must be XML 1.0 text:
        // refuse here rather than write a document that import would refuse.
        if let Some(c) = record.peer_name.chars().find(|c| !is_xml_char(*c)) {
            return Err(Error::InvalidArgument(format!(
                "the peer name {:?} contains the character U+{:04X}, which an XML \
                 1.0 document cannot carry, so the identity cannot be exported",
                record.peer_name, c as u32
            )));
        }
        // The friendly name travels in the PFX as UTF-16, which carries
        // every character the store accepts.
        let friendly = Some(record.friendly_name.as_str()).filter(|f| !f.is_empty());
        let pfx = pfx::encode(
            &record.private_key,
            &record.certificate,
            friendly,
            password,
            params,
        )?;
        Ok(envelope::emit(&record.peer_name, &pfx))
    }

    /// Imports an identity from a `PEERIDENTITYEXPORT` document: adds exactly
    /// one identity, or changes nothing. Follows the seven steps of
    /// DESIGN.md §4 in order; the document is hostile until each has passed.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the identity is already in this store (it is
    /// left untouched); for anything wrong with the document, a variant that
    /// maps to `E_INVALIDARG` and names the reason ([`Error::InputTooLarge`],
    /// [`Error::MalformedDocument`], [`Error::WorkFactorTooHigh`],
    /// [`Error::MissingMac`], [`Error::WrongPasswordOrTampered`],
    /// [`Error::NoPrivateKey`], [`Error::MultiplePrivateKeys`],
    /// [`Error::KeyCertificateMismatch`], [`Error::NotSelfIssued`],
    /// [`Error::BadSignature`], [`Error::PeerNameMismatch`], ...).
    pub fn import(
        &self,
        document: &[u8],
        password: &SecretString,
        opts: &ImportOptions,
    ) -> Result<PeerName> {
        // Steps 1-6: everything that needs no store.
        let verified = verify_export_document(document, password, opts)?;
        // Step 7: one atomic insert, or AlreadyExists with the store untouched.
        let record = record_for(
            &verified.key,
            &verified.peer_name,
            &verified.friendly_name,
            verified.certificate,
        );
        self.db().insert(std::slice::from_ref(&record))?;
        Ok(verified.peer_name)
    }
}

/// An identity read from an export document whose every check passed
/// (DESIGN.md §4 steps 1 to 6): what [`Store::import`] inserts.
#[derive(Debug)]
pub struct VerifiedImport {
    /// The private key (its `Debug` prints no key bytes).
    pub key: PrivateKey,
    /// The peer name, as the key and the IDC prove it.
    pub peer_name: PeerName,
    /// The friendly name from the PFX, or unset.
    pub friendly_name: FriendlyName,
    /// The DER of the IDC.
    pub certificate: Vec<u8>,
}

/// Steps 1 to 6 of DESIGN.md §4 on a `PEERIDENTITYEXPORT` document, without
/// a store: everything [`Store::import`] checks before it inserts. A pure
/// function of its inputs, so that it can be tested and fuzzed on its own.
///
/// # Errors
/// As [`Store::import`], except [`Error::AlreadyExists`] and store errors.
pub fn verify_export_document(
    document: &[u8],
    password: &SecretString,
    opts: &ImportOptions,
) -> Result<VerifiedImport> {
    // Steps 1-2: size, then the XML envelope and its base64.
    let doc = envelope::parse(document)?;
    // Steps 3-5: work factors, MAC, decryption (inside the PFX decoder).
    let contents = pfx::decode(&doc.pfx, password, opts.max_iterations)?;
    let key = match contents.keys.as_slice() {
        [] => return Err(Error::NoPrivateKey),
        [one] => PrivateKey::from_pkcs8_der(one)?,
        many => return Err(Error::MultiplePrivateKeys { count: many.len() }),
    };
    let cert_der = matching_certificate(&key, &contents.certificates)?;
    let idc = idc::parse_and_verify(cert_der)?;

    // Step 6: the name the document claims against what the key and the
    // IDC (which the MAC covers; the XML is not covered) prove.
    let claimed = claimed_name(&doc, idc.peer_name.as_ref())?;
    if claimed.authority() != &key.authority() || idc.authority != key.authority() {
        return Err(Error::PeerNameMismatch {
            reason: format!(
                "the document names authority {}, but the key's is {}",
                claimed.authority(),
                key.authority()
            ),
        });
    }
    if let Some(proved) = &idc.peer_name
        && proved != &claimed
    {
        return Err(Error::PeerNameMismatch {
            reason: format!("the document names {claimed}, but its certificate names {proved}"),
        });
    }
    let friendly_name = match &contents.friendly_name {
        Some(f) => FriendlyName::new(f)?,
        None => FriendlyName::default(),
    };
    let certificate = cert_der.to_vec();
    Ok(VerifiedImport {
        key,
        peer_name: claimed,
        friendly_name,
        certificate,
    })
}

/// The peer name the document claims. Leading whitespace is layout; trailing
/// whitespace may be part of the classifier, so the text without leading
/// whitespace is tried first, then the text without trailing whitespace
/// either, and the first that is the name the IDC proves wins. With no name
/// in the IDC (a Windows identity), the fully trimmed text is the name.
fn claimed_name(doc: &envelope::ExportDocument, proved: Option<&PeerName>) -> Result<PeerName> {
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

/// The one certificate whose public key is `key`'s; other certificates in
/// the file (a CA chain, say) are ignored.
fn matching_certificate<'a>(key: &PrivateKey, certs: &'a [Vec<u8>]) -> Result<&'a [u8]> {
    let bits = key.public_key_bits();
    certs
        .iter()
        .find(|der| {
            Certificate::from_der(der).is_ok_and(|c| {
                c.tbs_certificate()
                    .subject_public_key_info()
                    .subject_public_key
                    .raw_bytes()
                    == bits.as_slice()
            })
        })
        .map(Vec::as_slice)
        .ok_or(Error::KeyCertificateMismatch)
}
