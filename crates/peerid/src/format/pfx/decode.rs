//! Reading a PFX, in the order of DESIGN.md §4 steps 3 to 5: parse, bound
//! every work factor, verify the MAC, then decrypt.

use der::Tagged;
use der::asn1::OctetString;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::asn1::{
    self, CertBag, ContentInfo, EncryptedData, EncryptedPrivateKeyInfo, Pfx, SafeBag, oid,
};
use super::jobs::{Jobs, Work};
use super::kdf::bmp_password;
use super::mac::MacParams;
use super::pbe::Scheme;
use super::{MAX_BAGS, MAX_PFX_BYTES, PfxContents};
use crate::error::{Error, Result};

/// Read a PFX protected by `password`, refusing any iteration count above
/// `max_iterations` before deriving a single key.
///
/// An empty password is tried both as the empty BMPString (`00 00`) and as
/// the absent password (no bytes), because Windows writes either; the one
/// whose MAC verifies is used for the bags too.
///
/// Reads PBES2 (PBKDF2 with HMAC-SHA-1/224/256/384/512, AES-128/192/256-CBC,
/// DES-EDE3-CBC) and the PKCS#12 PBES1 schemes with 3DES, RC2-128 and RC2-40;
/// plain `data` SafeContents and plain key bags; MACs with SHA-1, SHA-256,
/// SHA-384 and SHA-512. Other bag types and attributes are ignored, as are
/// nested `safeContentsBag`s. At most [`MAX_BAGS`] bags are read.
///
/// # Errors
/// - [`Error::InputTooLarge`] over [`MAX_PFX_BYTES`];
/// - [`Error::MalformedPfx`] for anything that is not a PFX of this shape;
/// - [`Error::UnsupportedAlgorithm`] for scrypt or unknown algorithms;
/// - [`Error::WorkFactorTooHigh`] for any iteration count above `max_iterations`;
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

    let mut budget = MAX_BAGS;
    let mut plain_bags = Vec::new();
    let mut encrypted_safes = Vec::new();
    for info in &auth_safe {
        match info.content_type {
            oid::DATA => {
                let octets: OctetString = asn1::from_any(content(info)?, "SafeContents")?;
                plain_bags.extend(parse_safe_contents(octets.as_bytes(), &mut budget)?);
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
    let mut shrouded = Vec::new();
    for bag in &plain_bags {
        if bag.bag_id == oid::SHROUDED_KEY_BAG {
            shrouded.push(parse_shrouded(bag)?);
        }
    }
    let mac = pfx.mac_data.as_ref().map(MacParams::parse).transpose()?;

    // 2. Bound every work factor before any derivation.
    let limit = u64::from(max_iterations);
    let factors = mac.iter().map(|m| m.iterations);
    let factors = factors.chain(encrypted_safes.iter().map(|(s, _)| s.iterations()));
    let factors = factors.chain(shrouded.iter().map(|(s, _)| s.iterations()));
    for asked in factors {
        if asked > limit {
            return Err(Error::WorkFactorTooHigh { asked, limit });
        }
    }
    let mac = mac.ok_or(Error::MissingMac)?;

    // 3. Derive the MAC key and every bag key at once (they are independent;
    //    nothing decrypted is used before the MAC verifies).
    let password = password.expose_secret();
    let utf8 = Zeroizing::new(password.as_bytes().to_vec());
    let mut candidates = vec![bmp_password(password)];
    if password.is_empty() {
        candidates.push(Zeroizing::new(Vec::new()));
    }
    let schemes: Vec<&Scheme> = encrypted_safes
        .iter()
        .map(|(s, _)| s)
        .chain(shrouded.iter().map(|(s, _)| s))
        .collect();
    let mut jobs = Jobs::default();
    for candidate in &candidates {
        jobs.add(Work::Mac(&mac), candidate);
        for scheme in &schemes {
            jobs.add(Work::Bag(scheme), scheme.password_for(candidate, &utf8));
        }
    }
    let derived = jobs.run()?;

    // 4. Verify the MAC; the first password form that verifies is the one.
    let chosen = candidates
        .iter()
        .find(|c| {
            derived
                .get(Work::Mac(&mac), c)
                .is_some_and(|key| mac.verify(key, auth_safe_bytes))
        })
        .ok_or(Error::WrongPasswordOrTampered)?;

    // 5. Decrypt.
    let mut keys = Vec::new();
    let mut cert_bags = Vec::new();
    let mut key_attributes = Vec::new();
    let mut take =
        |bag: &SafeBag, key: Option<Zeroizing<Vec<u8>>>, cert_bags: &mut Vec<_>| -> Result<()> {
            if let Some(key) = key {
                keys.push(key);
                key_attributes.push(Attrs::read(bag)?);
            } else if bag.bag_id == oid::CERT_BAG {
                let cert: CertBag = asn1::from_any(&bag.bag_value, "CertBag")?;
                if cert.cert_id == oid::X509_CERTIFICATE {
                    let der: OctetString = asn1::from_any(&cert.cert_value, "x509Certificate")?;
                    cert_bags.push((der.as_bytes().to_vec(), Attrs::read(bag)?));
                }
            }
            Ok(())
        };
    let mut shrouded_iter = shrouded.iter();
    for bag in &plain_bags {
        let key = match bag.bag_id {
            oid::KEY_BAG => Some(plain_key(bag)?),
            oid::SHROUDED_KEY_BAG => {
                let (scheme, ciphertext) = shrouded_iter
                    .next()
                    .ok_or_else(|| Error::malformed_pfx("key bag count"))?;
                let secret = derived.get(Work::Bag(scheme), scheme.password_for(chosen, &utf8));
                let secret = secret.ok_or_else(|| Error::malformed_pfx("key bag count"))?;
                Some(check_key(scheme.decrypt(secret, ciphertext)?)?)
            }
            _ => None,
        };
        take(bag, key, &mut cert_bags)?;
    }
    for (scheme, ciphertext) in &encrypted_safes {
        let secret = derived.get(Work::Bag(scheme), scheme.password_for(chosen, &utf8));
        let secret = secret.ok_or_else(|| Error::malformed_pfx("SafeContents count"))?;
        let plain = scheme.decrypt(secret, ciphertext)?;
        for bag in parse_safe_contents(&plain, &mut budget)? {
            let key = match bag.bag_id {
                oid::KEY_BAG => Some(plain_key(&bag)?),
                oid::SHROUDED_KEY_BAG => {
                    // A key inside encrypted SafeContents: its parameters were
                    // hidden until now, so bound its work factor here.
                    let (scheme, ciphertext) = parse_shrouded(&bag)?;
                    if scheme.iterations() > limit {
                        return Err(Error::WorkFactorTooHigh {
                            asked: scheme.iterations(),
                            limit,
                        });
                    }
                    let secret = scheme.derive(scheme.password_for(chosen, &utf8))?;
                    Some(check_key(scheme.decrypt(&secret, &ciphertext)?)?)
                }
                _ => None,
            };
            take(&bag, key, &mut cert_bags)?;
        }
    }

    match keys.len() {
        0 => return Err(Error::NoPrivateKey),
        1 => {}
        count => return Err(Error::MultiplePrivateKeys { count }),
    }
    let key_attrs = &key_attributes[0];
    let friendly_name = key_attrs.friendly_name.clone().or_else(|| {
        let id = key_attrs.local_key_id.as_ref()?;
        cert_bags
            .iter()
            .find(|(_, a)| a.local_key_id.as_ref() == Some(id))
            .and_then(|(_, a)| a.friendly_name.clone())
    });
    Ok(PfxContents {
        keys,
        certificates: cert_bags.into_iter().map(|(c, _)| c).collect(),
        friendly_name,
    })
}

fn content(info: &ContentInfo) -> Result<&der::asn1::Any> {
    info.content
        .as_ref()
        .ok_or_else(|| Error::malformed_pfx("ContentInfo without content"))
}

fn parse_safe_contents(bytes: &[u8], budget: &mut usize) -> Result<Vec<SafeBag>> {
    let bags: Vec<SafeBag> = asn1::from_der(bytes, "SafeContents")?;
    *budget = budget
        .checked_sub(bags.len())
        .ok_or_else(|| Error::malformed_pfx(format!("more than {MAX_BAGS} bags")))?;
    Ok(bags)
}

fn parse_shrouded(bag: &SafeBag) -> Result<(Scheme, Vec<u8>)> {
    let epki: EncryptedPrivateKeyInfo = asn1::from_any(&bag.bag_value, "EncryptedPrivateKeyInfo")?;
    Ok((
        Scheme::parse(&epki.encryption_algorithm)?,
        epki.encrypted_data.as_bytes().to_vec(),
    ))
}

fn plain_key(bag: &SafeBag) -> Result<Zeroizing<Vec<u8>>> {
    check_key(Zeroizing::new(asn1::to_der(&bag.bag_value)?))
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
    fn read(bag: &SafeBag) -> Result<Self> {
        let mut out = Attrs::default();
        for attr in bag.bag_attributes.iter().flat_map(|set| set.iter()) {
            let Some(value) = attr.attr_values.iter().next() else {
                continue;
            };
            if attr.attr_id == oid::FRIENDLY_NAME {
                if value.tag() != der::Tag::BmpString || value.value().len() % 2 != 0 {
                    return Err(Error::malformed_pfx("friendlyName is not a BMPString"));
                }
                // Read as UTF-16 (not strict UCS-2): Windows writes whatever
                // its UTF-16 strings hold.
                let units = value
                    .value()
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]));
                let name = char::decode_utf16(units)
                    .collect::<std::result::Result<String, _>>()
                    .map_err(|_| Error::malformed_pfx("friendlyName is not valid UTF-16"))?;
                out.friendly_name = Some(name);
            } else if attr.attr_id == oid::LOCAL_KEY_ID {
                if value.tag() != der::Tag::OctetString {
                    return Err(Error::malformed_pfx("localKeyId is not an OCTET STRING"));
                }
                out.local_key_id = Some(value.value().to_vec());
            }
        }
        Ok(out)
    }
}
