//! Reading a PFX, in the order of docs/design.md §4 steps 3 to 5: parse, bound
//! every work factor and their sum, verify the MAC, and only then derive the
//! bag keys and decrypt.

use der::Tagged;
use der::asn1::OctetString;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::asn1::{
    self, CertBag, ContentInfo, EncryptedData, EncryptedPrivateKeyInfo, Pfx, SafeBagRef, oid,
};
use super::derive::{Jobs, Work};
use super::mac::MacParams;
use super::{MAX_BAGS, MAX_PFX_BYTES, PfxContents};
use crate::error::{Error, Result};
use crate::pbe::pkcs12_kdf::bmp_password;
use crate::pbe::scheme::Scheme;

/// How many times the per-item cap the iteration counts of one file may add
/// up to (docs/design.md §4 step 3): a real export has one MAC and two bags.
pub const TOTAL_ITERATIONS_FACTOR: u64 = 3;

/// Read a PFX protected by `password`, refusing any iteration count above
/// `max_iterations`, and any file whose iteration counts add up to more than
/// [`TOTAL_ITERATIONS_FACTOR`] × `max_iterations`, before deriving a key.
///
/// The MAC is verified before any other key is derived, so that a wrong
/// password costs one MAC derivation, whatever else the file holds. An empty
/// password is tried both as the empty BMPString (`00 00`) and as the absent
/// password (no bytes), because Windows writes either (two MAC derivations,
/// side by side); bag keys are derived only for the form whose MAC verified.
///
/// Reads PBES2 (PBKDF2 with HMAC-SHA-1/224/256/384/512, AES-128/192/256-CBC,
/// DES-EDE3-CBC) and the PKCS#12 PBES1 schemes with 3DES, RC2-128 and RC2-40;
/// plain `data` SafeContents and plain key bags; MACs with SHA-1, SHA-256,
/// SHA-384 and SHA-512. Other bag types and attributes are ignored, as are
/// nested `safeContentsBag`s, and so is any attribute of a certificate bag
/// that is not well formed. At most [`MAX_BAGS`] bags are read.
///
/// # Errors
/// - [`Error::InputTooLarge`] over [`MAX_PFX_BYTES`];
/// - [`Error::MalformedPfx`] for anything that is not a PFX of this shape;
/// - [`Error::UnsupportedAlgorithm`] for scrypt or unknown algorithms;
/// - [`Error::WorkFactorTooHigh`] for any iteration count above
///   `max_iterations`;
/// - [`Error::IterationBudgetExceeded`] for counts whose sum is above the
///   file's budget;
/// - [`Error::MissingMac`] without MacData;
/// - [`Error::WrongPasswordOrTampered`] if the MAC or a decryption fails;
/// - [`Error::NoPrivateKey`] / [`Error::MultiplePrivateKeys`] unless exactly one key is found.
pub fn decode(pfx_der: &[u8], password: &SecretString, max_iterations: u32) -> Result<PfxContents> {
    if pfx_der.len() > MAX_PFX_BYTES {
        return Err(Error::InputTooLarge {
            size: pfx_der.len() as u64,
            limit: MAX_PFX_BYTES as u64,
        });
    }

    // 1. Parse everything that is in the clear.
    let pfx: Pfx = asn1::from_der(pfx_der, "PFX")?;
    if pfx.version != 3 {
        return Err(Error::malformed_pfx(format!(
            "version {} (expected 3)",
            pfx.version
        )));
    }
    if pfx.auth_safe.content_type != oid::DATA {
        return Err(Error::UnsupportedAlgorithm {
            what: format!(
                "PFX integrity mode {} (only password integrity is read)",
                pfx.auth_safe.content_type
            ),
        });
    }
    let auth_safe_octets: OctetString = asn1::from_any(content(&pfx.auth_safe)?, "authSafe")?;
    let auth_safe_bytes = auth_safe_octets.as_bytes();
    let auth_safe: Vec<ContentInfo> = asn1::from_der(auth_safe_bytes, "AuthenticatedSafe")?;
    if auth_safe.len() > MAX_BAGS {
        return Err(Error::malformed_pfx(format!(
            "more than {MAX_BAGS} SafeContents"
        )));
    }

    let mut bags_left = MAX_BAGS;
    let mut plain_safes = Vec::new();
    let mut encrypted_safes = Vec::new();
    for info in &auth_safe {
        match info.content_type {
            oid::DATA => {
                let octets: OctetString = asn1::from_any(content(info)?, "SafeContents")?;
                plain_safes.push(octets);
            }
            oid::ENCRYPTED_DATA => {
                let ed: EncryptedData = asn1::from_any(content(info)?, "EncryptedData")?;
                let eci = ed.encrypted_content_info;
                let scheme = Scheme::parse(&eci.content_encryption_algorithm)?;
                let ciphertext = eci
                    .encrypted_content
                    .map(|c| c.as_bytes().to_vec())
                    .unwrap_or_default();
                encrypted_safes.push((scheme, ciphertext));
            }
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    what: format!("AuthenticatedSafe content type {other}"),
                });
            }
        }
    }
    let mut plain_bags = Vec::new();
    for octets in &plain_safes {
        plain_bags.extend(parse_safe_contents(octets.as_bytes(), &mut bags_left)?);
    }
    let mut shrouded = Vec::new();
    for bag in &plain_bags {
        if bag.bag_id == oid::SHROUDED_KEY_BAG {
            shrouded.push(parse_shrouded(bag)?);
        }
    }
    let mac = pfx.mac_data.as_ref().map(MacParams::parse).transpose()?;

    // 2. Bound every work factor, and their sum, before any derivation.
    let mut budget = Budget::new(max_iterations);
    let declared = mac.iter().map(|m| m.iterations);
    let declared = declared.chain(encrypted_safes.iter().map(|(s, _)| s.iterations()));
    let declared = declared.chain(shrouded.iter().map(|(s, _)| s.iterations()));
    budget.charge(declared)?;
    let mac = mac.ok_or(Error::MissingMac)?;

    // 3. The MAC, and nothing else, until it verifies.
    let password = password.expose_secret();
    let utf8 = Zeroizing::new(password.as_bytes().to_vec());
    let mut candidates = vec![bmp_password(password)];
    if password.is_empty() {
        candidates.push(Zeroizing::new(Vec::new()));
    }
    let mut jobs = Jobs::default();
    for candidate in &candidates {
        jobs.add(Work::Mac(&mac), candidate);
    }
    // The first form whose MAC verifies stops the other (an empty password
    // has two); a wrong password runs both to their end.
    let verifies = |work: Work<'_>, key: &[u8]| {
        matches!(work, Work::Mac(_)) && mac.verify(key, auth_safe_bytes)
    };
    let derived = jobs.run_until(verifies)?;
    let chosen = candidates
        .iter()
        .find(|c| {
            derived
                .get(Work::Mac(&mac), c)
                .is_some_and(|key| mac.verify(key, auth_safe_bytes))
        })
        .ok_or(Error::WrongPasswordOrTampered)?;

    // 4. The bag keys, for the password form whose MAC verified only.
    let mut jobs = Jobs::default();
    let schemes = encrypted_safes.iter().chain(shrouded.iter());
    for (scheme, _) in schemes {
        jobs.add(Work::Bag(scheme), scheme.password_for(chosen, &utf8));
    }
    let derived = jobs.run()?;
    let decrypt = |scheme: &Scheme, ciphertext: &[u8], what: &str| {
        let secret = derived.get(Work::Bag(scheme), scheme.password_for(chosen, &utf8));
        let secret = secret.ok_or_else(|| Error::malformed_pfx(format!("{what} count")))?;
        scheme.decrypt(secret, ciphertext)
    };

    // 5. Decrypt.
    let mut found = Found::default();
    let mut shrouded_iter = shrouded.iter();
    for bag in &plain_bags {
        if bag.bag_id == oid::SHROUDED_KEY_BAG {
            let (scheme, ciphertext) = shrouded_iter
                .next()
                .ok_or_else(|| Error::malformed_pfx("key bag count"))?;
            let key = check_key(decrypt(scheme, ciphertext, "key bag")?)?;
            found.key(bag, key)?;
        } else {
            found.other(bag)?;
        }
    }
    let mut decrypted = Vec::new();
    for (scheme, ciphertext) in &encrypted_safes {
        decrypted.push(decrypt(scheme, ciphertext, "SafeContents")?);
    }
    let mut hidden_bags = Vec::new();
    for plain in &decrypted {
        hidden_bags.extend(parse_safe_contents(plain, &mut bags_left)?);
    }
    // Key bags inside encrypted SafeContents: their parameters were hidden
    // until now. Count the keys first (a second key is refused without
    // deriving it), then bound the hidden work factors, then derive.
    let hidden_keys = hidden_bags
        .iter()
        .filter(|b| b.bag_id == oid::KEY_BAG || b.bag_id == oid::SHROUDED_KEY_BAG)
        .count();
    match found.keys.len() + hidden_keys {
        0 => return Err(Error::NoPrivateKey),
        1 => {}
        count => return Err(Error::MultiplePrivateKeys { count }),
    }
    let mut hidden_shrouded = Vec::new();
    for bag in &hidden_bags {
        if bag.bag_id == oid::SHROUDED_KEY_BAG {
            hidden_shrouded.push(parse_shrouded(bag)?);
        }
    }
    budget.charge(hidden_shrouded.iter().map(|(s, _)| s.iterations()))?;
    let mut jobs = Jobs::default();
    for (scheme, _) in &hidden_shrouded {
        jobs.add(Work::Bag(scheme), scheme.password_for(chosen, &utf8));
    }
    let hidden_derived = jobs.run()?;
    let mut hidden_iter = hidden_shrouded.iter();
    for bag in &hidden_bags {
        if bag.bag_id == oid::SHROUDED_KEY_BAG {
            let (scheme, ciphertext) = hidden_iter
                .next()
                .ok_or_else(|| Error::malformed_pfx("key bag count"))?;
            let secret = hidden_derived
                .get(Work::Bag(scheme), scheme.password_for(chosen, &utf8))
                .ok_or_else(|| Error::malformed_pfx("key bag count"))?;
            found.key(bag, check_key(scheme.decrypt(secret, ciphertext)?)?)?;
        } else {
            found.other(bag)?;
        }
    }
    found.finish()
}

/// The iteration counts a file may spend (docs/design.md §4 step 3): each at most
/// the cap, all of them together at most [`TOTAL_ITERATIONS_FACTOR`] × the
/// cap, including those that decryption reveals later.
struct Budget {
    cap: u64,
    total_limit: u64,
    spent: u64,
}

impl Budget {
    fn new(max_iterations: u32) -> Self {
        let cap = u64::from(max_iterations);
        Self {
            cap,
            total_limit: cap * TOTAL_ITERATIONS_FACTOR,
            spent: 0,
        }
    }

    /// Charge declared iteration counts before any of their work is done:
    /// each against the cap first (so that the count named in the error is
    /// the one that is too high), then their sum with what was charged before.
    fn charge(&mut self, declared: impl Iterator<Item = u64> + Clone) -> Result<()> {
        if let Some(asked) = declared.clone().find(|&n| n > self.cap) {
            return Err(Error::WorkFactorTooHigh {
                asked,
                limit: self.cap,
            });
        }
        for n in declared {
            self.spent = self.spent.saturating_add(n);
        }
        if self.spent > self.total_limit {
            return Err(Error::IterationBudgetExceeded {
                total: self.spent,
                limit: self.total_limit,
                per_item: self.cap,
            });
        }
        Ok(())
    }
}

/// The keys and certificates read so far, with the attributes that matter.
#[derive(Default)]
struct Found {
    keys: Vec<Zeroizing<Vec<u8>>>,
    key_attributes: Vec<Attrs>,
    certificates: Vec<(Vec<u8>, Attrs)>,
}

impl Found {
    /// A key bag (plain or decrypted): its attributes are the identity's,
    /// so a malformed one refuses the file.
    fn key(&mut self, bag: &SafeBagRef<'_>, key: Zeroizing<Vec<u8>>) -> Result<()> {
        self.key_attributes.push(Attrs::read(bag)?);
        self.keys.push(key);
        Ok(())
    }

    /// Any other bag: a plain key bag, a certificate, or something ignored.
    /// A certificate may not be the identity's (a CA beside it), so nothing
    /// in its attributes can fail the file (docs/design.md §4 step 5).
    fn other(&mut self, bag: &SafeBagRef<'_>) -> Result<()> {
        if bag.bag_id == oid::KEY_BAG {
            let key = plain_key(bag)?;
            return self.key(bag, key);
        }
        if bag.bag_id == oid::CERT_BAG {
            let cert: CertBag = asn1::from_any_ref(bag.bag_value, "CertBag")?;
            if cert.cert_id == oid::X509_CERTIFICATE {
                let der: OctetString = asn1::from_any(&cert.cert_value, "x509Certificate")?;
                self.certificates
                    .push((der.as_bytes().to_vec(), Attrs::read_lenient(bag)));
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<PfxContents> {
        match self.keys.len() {
            0 => return Err(Error::NoPrivateKey),
            1 => {}
            count => return Err(Error::MultiplePrivateKeys { count }),
        }
        let key_attrs = &self.key_attributes[0];
        // A certificate lends its friendlyName to the key only when it names
        // the same localKeyId.
        let certificate_friendly_names: Vec<Option<String>> = self
            .certificates
            .iter()
            .map(|(_, a)| {
                let linked =
                    key_attrs.local_key_id.is_some() && a.local_key_id == key_attrs.local_key_id;
                linked.then(|| a.friendly_name.clone()).flatten()
            })
            .collect();
        let key_friendly_name = key_attrs.friendly_name.clone();
        let friendly_name = key_friendly_name
            .clone()
            .or_else(|| certificate_friendly_names.iter().flatten().next().cloned());
        Ok(PfxContents {
            keys: self.keys,
            certificates: self.certificates.into_iter().map(|(c, _)| c).collect(),
            friendly_name,
            key_friendly_name,
            certificate_friendly_names,
        })
    }
}

fn content(info: &ContentInfo) -> Result<&der::asn1::Any> {
    info.content
        .as_ref()
        .ok_or_else(|| Error::malformed_pfx("ContentInfo without content"))
}

/// The bags of one SafeContents, borrowed from `bytes` (decrypted ones are
/// wiped on drop, and nothing of them is copied but certificates and
/// encrypted keys).
fn parse_safe_contents<'a>(bytes: &'a [u8], bags_left: &mut usize) -> Result<Vec<SafeBagRef<'a>>> {
    let bags: Vec<SafeBagRef<'a>> = asn1::from_der(bytes, "SafeContents")?;
    *bags_left = bags_left
        .checked_sub(bags.len())
        .ok_or_else(|| Error::malformed_pfx(format!("more than {MAX_BAGS} bags")))?;
    Ok(bags)
}

fn parse_shrouded(bag: &SafeBagRef<'_>) -> Result<(Scheme, Vec<u8>)> {
    let epki: EncryptedPrivateKeyInfo =
        asn1::from_any_ref(bag.bag_value, "EncryptedPrivateKeyInfo")?;
    Ok((
        Scheme::parse(&epki.encryption_algorithm)?,
        epki.encrypted_data.as_bytes().to_vec(),
    ))
}

/// A plain key bag's PrivateKeyInfo, copied once, into memory wiped on drop.
fn plain_key(bag: &SafeBagRef<'_>) -> Result<Zeroizing<Vec<u8>>> {
    use der::Encode;
    let len = bag
        .bag_value
        .encoded_len()
        .and_then(usize::try_from)
        .map_err(|e| Error::malformed_pfx(format!("keyBag: {e}")))?;
    let mut der = Zeroizing::new(vec![0u8; len]);
    bag.bag_value
        .encode_to_slice(&mut der)
        .map_err(|e| Error::malformed_pfx(format!("keyBag: {e}")))?;
    check_key(der)
}

/// A decrypted key must at least be one DER SEQUENCE (a PKCS#8
/// PrivateKeyInfo); its contents are the caller's to check.
fn check_key(key: Zeroizing<Vec<u8>>) -> Result<Zeroizing<Vec<u8>>> {
    let is_sequence = asn1::from_der::<der::asn1::AnyRef<'_>>(&key, "key")
        .is_ok_and(|a| a.tag() == der::Tag::Sequence);
    if !is_sequence {
        return Err(Error::malformed_pfx(
            "the private key is not a DER PKCS#8 structure",
        ));
    }
    Ok(key)
}

/// The two bag attributes peerid reads.
#[derive(Default)]
struct Attrs {
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

impl Attrs {
    /// The attributes of the key bag: a malformed one refuses the file.
    fn read(bag: &SafeBagRef<'_>) -> Result<Self> {
        let mut out = Attrs::default();
        for attr in bag.bag_attributes.iter().flat_map(|set| set.iter()) {
            let Some(value) = attr.attr_values.iter().next() else {
                continue;
            };
            if attr.attr_id == oid::FRIENDLY_NAME {
                out.friendly_name = Some(friendly_name(value)?);
            } else if attr.attr_id == oid::LOCAL_KEY_ID {
                out.local_key_id = Some(local_key_id(value)?);
            }
        }
        Ok(out)
    }

    /// The attributes of a certificate bag: a malformed one is ignored, as
    /// if it were absent.
    fn read_lenient(bag: &SafeBagRef<'_>) -> Self {
        let mut out = Attrs::default();
        for attr in bag.bag_attributes.iter().flat_map(|set| set.iter()) {
            let Some(value) = attr.attr_values.iter().next() else {
                continue;
            };
            if attr.attr_id == oid::FRIENDLY_NAME {
                out.friendly_name = friendly_name(value).ok();
            } else if attr.attr_id == oid::LOCAL_KEY_ID {
                out.local_key_id = local_key_id(value).ok();
            }
        }
        out
    }
}

fn friendly_name(value: &der::asn1::Any) -> Result<String> {
    if value.tag() != der::Tag::BmpString || !value.value().len().is_multiple_of(2) {
        return Err(Error::malformed_pfx("friendlyName is not a BMPString"));
    }
    // Read as UTF-16 (not strict UCS-2): Windows writes whatever its UTF-16
    // strings hold.
    let units = value
        .value()
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map_err(|_| Error::malformed_pfx("friendlyName is not valid UTF-16"))
}

fn local_key_id(value: &der::asn1::Any) -> Result<Vec<u8>> {
    if value.tag() != der::Tag::OctetString {
        return Err(Error::malformed_pfx("localKeyId is not an OCTET STRING"));
    }
    Ok(value.value().to_vec())
}
