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
    /// of zero, or a store error.
    pub fn export(
        &self,
        name: &PeerName,
        password: &SecretString,
        params: &pfx::ExportParams,
    ) -> Result<String> {
        let record = self.db().get(&name.to_string())?;
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
        let claimed =
            PeerName::parse_secure(&doc.peer_name).map_err(|e| Error::PeerNameMismatch {
                reason: format!("the document's peer name is not valid ({e})"),
            })?;
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
        let friendly = match &contents.friendly_name {
            Some(f) => FriendlyName::new(f)?,
            None => FriendlyName::default(),
        };

        // Step 7: one atomic insert, or AlreadyExists with the store untouched.
        let record = record_for(&key, &claimed, &friendly, cert_der.to_vec());
        self.db().insert(std::slice::from_ref(&record), false)?;
        Ok(claimed)
    }
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
