//! The PFX (PKCS#12, RFC 7292) that carries an identity's private key and
//! its IDC inside the export document (docs/design.md §3, §4 steps 3 to 5).
//!
//! ```text
//! PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }  -- RFC 7292 §4
//! AuthenticatedSafe ::= SEQUENCE OF ContentInfo   -- data or encryptedData, RFC 7292 §4.1
//! SafeContents ::= SEQUENCE OF SafeBag            -- RFC 7292 §4.2
//! ```
//!
//! [`encode()`] writes one `pkcs8ShroudedKeyBag` (in a `data` ContentInfo) and
//! one `certBag` (in an `encryptedData` ContentInfo), linked by `localKeyId`,
//! always with a MAC. [`decode()`] bounds every work factor and their sum
//! before deriving any key, verifies the MAC before deriving any other key,
//! then decrypts.

pub(crate) mod asn1;
mod decode;
mod derive;
mod encode;
pub(crate) mod mac;
mod scheme_der;

pub use decode::{TOTAL_ITERATIONS_FACTOR, decode};
pub use encode::encode;

use zeroize::Zeroizing;

/// The largest PFX [`decode()`] reads, in bytes (the whole export document is
/// capped at 1 MiB too).
pub const MAX_PFX_BYTES: usize = 1 << 20;

/// The default cap on any key-derivation iteration count when reading
/// (docs/design.md §4 step 3).
pub const DEFAULT_MAX_ITERATIONS: u32 = 1_000_000;

/// The most SafeBags [`decode()`] reads in one PFX, all SafeContents together.
pub const MAX_BAGS: usize = 64;

/// Which algorithms an export ([`transfer::export`](crate::transfer::export)) uses (docs/design.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PfxProfile {
    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for both bags and an
    /// HMAC-SHA256 MAC.
    #[default]
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for both bags and an HMAC-SHA1 MAC,
    /// for readers that predate AES PFX files (old Windows, Java, macOS).
    Legacy,
}

/// Parameters of an export ([`transfer::export`](crate::transfer::export)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportParams {
    /// The algorithm profile.
    pub profile: PfxProfile,
    /// The iteration count of every derivation (MAC and both bags); at least 1.
    pub iterations: u32,
}

impl ExportParams {
    /// The modern default: 600,000 iterations.
    pub const MODERN_ITERATIONS: u32 = 600_000;
    /// The legacy default: 2,048 iterations.
    pub const LEGACY_ITERATIONS: u32 = 2_048;

    /// The legacy profile with its default iteration count.
    pub fn legacy() -> Self {
        Self {
            profile: PfxProfile::Legacy,
            iterations: Self::LEGACY_ITERATIONS,
        }
    }
}

impl Default for ExportParams {
    fn default() -> Self {
        Self {
            profile: PfxProfile::Modern,
            iterations: Self::MODERN_ITERATIONS,
        }
    }
}

/// What [`decode()`] found in a PFX.
///
/// `keys` always holds exactly one key when [`decode()`] succeeds (it refuses
/// none or several); it is a list so that the shape does not change if that
/// rule ever moves to the caller.
pub struct PfxContents {
    /// The PKCS#8 DER of every key bag found; wiped on drop.
    pub keys: Vec<Zeroizing<Vec<u8>>>,
    /// The DER X.509 of every `x509Certificate` cert bag, in file order.
    pub certificates: Vec<Vec<u8>>,
    /// The `friendlyName` attribute of the key bag, else of the first cert
    /// bag whose `localKeyId` matches the key bag's.
    pub friendly_name: Option<String>,
    /// The `friendlyName` attribute of the key bag alone.
    pub key_friendly_name: Option<String>,
    /// For each of `certificates`, its bag's `friendlyName` when the bag's
    /// `localKeyId` matches the key bag's (a well-formed attribute only:
    /// malformed attributes of certificate bags are ignored).
    pub certificate_friendly_names: Vec<Option<String>>,
}

impl std::fmt::Debug for PfxContents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfxContents")
            .field(
                "keys",
                &format_args!("[{} key(s), redacted]", self.keys.len()),
            )
            .field(
                "certificates",
                &format_args!("[{} certificate(s)]", self.certificates.len()),
            )
            .field("friendly_name", &self.friendly_name)
            .field("key_friendly_name", &self.key_friendly_name)
            .field(
                "certificate_friendly_names",
                &self.certificate_friendly_names,
            )
            .finish()
    }
}

// Also built for the `testkit` feature, which exposes a byte-level part of
// it to the hostile-input integration tests (src/testkit.rs).
#[cfg(any(test, feature = "testkit"))]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
