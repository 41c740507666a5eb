//! The integrity MAC of a PFX (RFC 7292 §5.1 and Appendix B.4): an HMAC over
//! the contents of the `authSafe` OCTET STRING, keyed by the PKCS#12 KDF with
//! ID 3 and the MAC's own digest.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{DigestInfo, MacData, oid};
use crate::error::{Error, Result};
use crate::pbe::engine;
use crate::pbe::jobs::{Cancel, Stopped};
use crate::pbe::pkcs12_kdf::{self as kdf, Purpose};

/// The MAC digests peerid reads; it writes SHA-256 (modern) and SHA-1 (legacy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MacDigest {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl MacDigest {
    /// About how many SHA-256 compressions one of this hash's costs (no
    /// CPU peerid runs on has SHA-512 instructions; SHA-NI has SHA-1 and
    /// SHA-256).
    pub(crate) fn weight(self) -> u64 {
        match self {
            Self::Sha1 | Self::Sha256 => 1,
            Self::Sha384 | Self::Sha512 => 5,
        }
    }

    fn oid(self) -> der::asn1::ObjectIdentifier {
        match self {
            Self::Sha1 => oid::SHA1,
            Self::Sha256 => oid::SHA256,
            Self::Sha384 => oid::SHA384,
            Self::Sha512 => oid::SHA512,
        }
    }

    fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// The MAC parameters of a PFX, read but not yet checked.
#[derive(Clone, Debug)]
pub(crate) struct MacParams {
    pub digest: MacDigest,
    pub salt: Vec<u8>,
    pub iterations: u64,
    pub expected: Vec<u8>,
}

impl MacParams {
    /// Read the MacData.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for other digests, [`Error::MalformedPfx`]
    /// for a zero iteration count or a MAC of the wrong length.
    pub fn parse(mac_data: &MacData) -> Result<Self> {
        let digest = match mac_data.mac.algorithm.oid {
            oid::SHA1 => MacDigest::Sha1,
            oid::SHA256 => MacDigest::Sha256,
            oid::SHA384 => MacDigest::Sha384,
            oid::SHA512 => MacDigest::Sha512,
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    what: format!("MAC digest {other}"),
                });
            }
        };
        // The MacData is the one part of a PFX the MAC does not cover, so
        // every byte of it must be checked or used: the digest's parameters
        // are absent or NULL (RFC 5754 §2), nothing else. Found by flipping
        // every bit of an export (tests/it/tamper_every_bit.rs): other tags
        // with an empty value were silently accepted.
        if let Some(p) = &mac_data.mac.algorithm.parameters
            && (der::Tagged::tag(p) != der::Tag::Null || !p.value().is_empty())
        {
            return Err(Error::malformed_pfx(
                "MAC digest parameters are neither absent nor NULL",
            ));
        }
        if mac_data.iterations == 0 {
            return Err(Error::malformed_pfx("MAC iteration count 0"));
        }
        let expected = mac_data.mac.digest.as_bytes().to_vec();
        if expected.len() != digest.output_len() {
            return Err(Error::malformed_pfx(
                "MAC has the wrong length for its digest",
            ));
        }
        Ok(Self {
            digest,
            salt: mac_data.mac_salt.as_bytes().to_vec(),
            iterations: mac_data.iterations,
            expected,
        })
    }

    /// Derive the MAC key from the PKCS#12 password form, unless `cancel`
    /// is set first. Expensive; the caller checked the iteration count
    /// against its cap first.
    ///
    /// # Errors
    /// [`Error::WorkFactorTooHigh`] if the count does not fit 32 bits;
    /// [`Stopped::Cancelled`] when cancelled.
    pub fn derive(
        &self,
        password: &[u8],
        cancel: &Cancel,
    ) -> std::result::Result<Zeroizing<Vec<u8>>, Stopped> {
        let rounds = u32::try_from(self.iterations).map_err(|_| Error::WorkFactorTooHigh {
            asked: self.iterations,
            limit: u64::from(u32::MAX),
        })?;
        let rounds = kdf::effective_rounds(rounds);
        let n = self.digest.output_len();
        Ok(match self.digest {
            MacDigest::Sha1 => {
                kdf::derive::<engine::Sha1>(password, &self.salt, Purpose::Mac, rounds, n, cancel)
            }
            MacDigest::Sha256 => {
                kdf::derive::<engine::Sha256>(password, &self.salt, Purpose::Mac, rounds, n, cancel)
            }
            MacDigest::Sha384 => {
                kdf::derive::<engine::Sha384>(password, &self.salt, Purpose::Mac, rounds, n, cancel)
            }
            MacDigest::Sha512 => {
                kdf::derive::<engine::Sha512>(password, &self.salt, Purpose::Mac, rounds, n, cancel)
            }
        }?)
    }

    /// The iteration count the derivation runs (see [`kdf::effective_rounds`]).
    ///
    /// # Errors
    /// [`Error::WorkFactorTooHigh`] if the count does not fit 32 bits.
    pub fn rounds(&self) -> Result<u32> {
        let rounds = u32::try_from(self.iterations).map_err(|_| Error::WorkFactorTooHigh {
            asked: self.iterations,
            limit: u64::from(u32::MAX),
        })?;
        Ok(kdf::effective_rounds(rounds))
    }

    /// The MAC key's chain after its first round ([`kdf::chain_start`]):
    /// [`MacParams::chain_advance`] by `rounds() - 1` more makes it the key
    /// that [`MacParams::derive`] gives, so that the work can be split
    /// between threads.
    ///
    /// # Errors
    /// [`Stopped::Cancelled`] only in name (one round is not cancelled).
    pub fn chain_start(&self, password: &[u8]) -> std::result::Result<Zeroizing<Vec<u8>>, Stopped> {
        let (p, s, id) = (password, self.salt.as_slice(), Purpose::Mac);
        Ok(match self.digest {
            MacDigest::Sha1 => kdf::chain_start::<engine::Sha1>(p, s, id),
            MacDigest::Sha256 => kdf::chain_start::<engine::Sha256>(p, s, id),
            MacDigest::Sha384 => kdf::chain_start::<engine::Sha384>(p, s, id),
            MacDigest::Sha512 => kdf::chain_start::<engine::Sha512>(p, s, id),
        }?)
    }

    /// Advance a chain from [`MacParams::chain_start`] by `rounds`.
    ///
    /// # Errors
    /// [`Stopped::Cancelled`] when cancelled.
    pub fn chain_advance(
        &self,
        a: &mut [u8],
        rounds: u32,
        cancel: &Cancel,
    ) -> std::result::Result<(), Stopped> {
        Ok(match self.digest {
            MacDigest::Sha1 => kdf::chain_advance::<engine::Sha1>(a, rounds, cancel),
            MacDigest::Sha256 => kdf::chain_advance::<engine::Sha256>(a, rounds, cancel),
            MacDigest::Sha384 => kdf::chain_advance::<engine::Sha384>(a, rounds, cancel),
            MacDigest::Sha512 => kdf::chain_advance::<engine::Sha512>(a, rounds, cancel),
        }?)
    }

    /// Whether the MAC over `data` with `key` is the expected one, compared
    /// in constant time.
    ///
    /// Under `cfg(fuzzing)` (cargo-fuzz builds only) every MAC verifies, as
    /// in BoringSSL, so that mutated contents reach the decoders behind it.
    pub fn verify(&self, key: &[u8], data: &[u8]) -> bool {
        if cfg!(fuzzing) {
            return true;
        }
        fn check<M: Mac + KeyInit>(key: &[u8], data: &[u8], expected: &[u8]) -> bool {
            match <M as KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    mac.update(data);
                    mac.verify_slice(expected).is_ok()
                }
                Err(_) => false,
            }
        }
        match self.digest {
            MacDigest::Sha1 => check::<Hmac<Sha1>>(key, data, &self.expected),
            MacDigest::Sha256 => check::<Hmac<Sha256>>(key, data, &self.expected),
            MacDigest::Sha384 => check::<Hmac<Sha384>>(key, data, &self.expected),
            MacDigest::Sha512 => check::<Hmac<Sha512>>(key, data, &self.expected),
        }
    }
}

/// Compute the MacData for `data` (the authSafe contents) in one step, as
/// the tests' hand-made PFX files do (export derives the key alongside the
/// bags' and calls [`compute_with_key`]).
///
/// # Errors
/// Only on an encoding failure.
#[cfg(any(test, feature = "testkit"))]
pub(crate) fn compute(
    digest: MacDigest,
    password: &[u8],
    salt: Vec<u8>,
    iterations: u32,
    data: &[u8],
) -> Result<MacData> {
    let params = MacParams::for_writing(digest, salt, iterations);
    let key = match params.derive(password, &Cancel::new()) {
        Ok(key) => key,
        Err(Stopped::Failed(e)) => return Err(e),
        Err(Stopped::Cancelled) => unreachable!("nothing cancels this derivation"),
    };
    compute_with_key(&params, &key, data)
}

impl MacParams {
    /// The parameters of a MAC to write, so that its key can be derived
    /// ([`MacParams::derive`]) alongside other work before
    /// [`compute_with_key`].
    pub(crate) fn for_writing(digest: MacDigest, salt: Vec<u8>, iterations: u32) -> Self {
        Self {
            digest,
            salt,
            iterations: u64::from(iterations),
            expected: Vec::new(),
        }
    }
}

/// [`compute`] with the key already derived from `params`.
///
/// # Errors
/// Only on an encoding failure.
pub(crate) fn compute_with_key(params: &MacParams, key: &[u8], data: &[u8]) -> Result<MacData> {
    let digest = params.digest;
    fn tag<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let mut mac = <M as KeyInit>::new_from_slice(key)
            .map_err(|e| Error::failed("computing the PFX MAC", e))?;
        mac.update(data);
        Ok(mac.finalize().into_bytes().to_vec())
    }
    let value = match digest {
        MacDigest::Sha1 => tag::<Hmac<Sha1>>(key, data)?,
        MacDigest::Sha256 => tag::<Hmac<Sha256>>(key, data)?,
        MacDigest::Sha384 => tag::<Hmac<Sha384>>(key, data)?,
        MacDigest::Sha512 => tag::<Hmac<Sha512>>(key, data)?,
    };
    let octets = |b: Vec<u8>| {
        der::asn1::OctetString::new(b).map_err(|e| Error::failed("encoding the PFX", e))
    };
    Ok(MacData {
        mac: DigestInfo {
            algorithm: AlgorithmIdentifierOwned {
                oid: digest.oid(),
                parameters: Some(der::asn1::Any::null()),
            },
            digest: octets(value)?,
        },
        mac_salt: octets(params.salt.clone())?,
        iterations: params.iterations,
    })
}
