//! Identity key pairs (docs/design.md §2): the types peerid creates, the wider
//! set it imports, and their encodings. [`PrivateKey`] is the secret half
//! (PKCS#8), [`PublicKey`] the public half (SubjectPublicKeyInfo); the
//! algorithms and object identifiers both use are in one table (`alg.rs`).

use std::fmt;

use crate::error::{Error, Result};

pub(crate) mod alg;
mod private;
mod public;
mod ssh;

pub use private::PrivateKey;
pub use public::PublicKey;

/// Smallest RSA modulus accepted on import: old Windows identities are RSA-1024.
pub const MIN_RSA_BITS: u32 = 1024;
/// Largest RSA modulus accepted on import; bounds the work an input can cause.
pub const MAX_RSA_BITS: u32 = 8192;

/// The kind of key pair behind an identity.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Default)]
pub enum KeyType {
    /// Ed25519 (RFC 8032), the default.
    #[default]
    Ed25519,
    /// ECDSA on NIST P-256.
    P256,
    /// ECDSA on NIST P-384 (imported only).
    P384,
    /// RSA with a modulus of this many bits.
    Rsa(u32),
}

impl KeyType {
    /// The names `--key` accepts: the only key types peerid creates.
    pub const CREATABLE: [&str; 5] = ["ed25519", "p256", "rsa2048", "rsa3072", "rsa4096"];

    /// Parses a key type name as `--key` takes it.
    ///
    /// # Errors
    /// [`Error::UnknownKeyType`] for anything but the names in
    /// [`KeyType::CREATABLE`] (P-384 and RSA-1024 are read on import but never
    /// created).
    pub fn parse(s: &str) -> Result<KeyType> {
        match s {
            "ed25519" => Ok(KeyType::Ed25519),
            "p256" => Ok(KeyType::P256),
            "rsa2048" => Ok(KeyType::Rsa(2048)),
            "rsa3072" => Ok(KeyType::Rsa(3072)),
            "rsa4096" => Ok(KeyType::Rsa(4096)),
            _ => Err(Error::UnknownKeyType {
                given: s.to_owned(),
            }),
        }
    }

    /// The name of this key type as `--key` spells it (`rsa1024` for an
    /// imported RSA-1024 key, `p384` for P-384).
    pub fn name(&self) -> String {
        match self {
            KeyType::Ed25519 => "ed25519".to_owned(),
            KeyType::P256 => "p256".to_owned(),
            KeyType::P384 => "p384".to_owned(),
            KeyType::Rsa(bits) => format!("rsa{bits}"),
        }
    }

    /// Whether peerid creates keys of this type.
    pub fn is_creatable(&self) -> bool {
        Self::CREATABLE.contains(&self.name().as_str())
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl KeyType {
    /// Reads a key type name as the store keeps it: any name
    /// [`KeyType::name`] gives, including those peerid only imports.
    pub(crate) fn from_name(s: &str) -> Option<KeyType> {
        match s {
            "p384" => Some(KeyType::P384),
            _ => match s.strip_prefix("rsa").map(str::parse::<u32>) {
                Some(Ok(bits)) if s == format!("rsa{bits}") => Some(KeyType::Rsa(bits)),
                Some(_) => None,
                None => KeyType::parse(s).ok(),
            },
        }
    }
}

/// Bit length of a big-endian unsigned integer.
pub(crate) fn uint_bits(be: &[u8]) -> u32 {
    let be = match be.iter().position(|b| *b != 0) {
        Some(i) => &be[i..],
        None => return 0,
    };
    (be.len() as u32 - 1) * 8 + (8 - be[0].leading_zeros())
}

pub(crate) fn check_rsa_bits(bits: u32) -> Result<()> {
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(Error::UnsupportedAlgorithm {
            what: format!(
                "RSA-{bits} (peerid reads RSA keys of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits)"
            ),
        });
    }
    Ok(())
}
