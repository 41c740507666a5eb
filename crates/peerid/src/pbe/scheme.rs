//! Password-based encryption schemes with their parameters: PBES1 with the
//! PKCS#12 KDF (RFC 7292 Appendix C) and PBES2 with PBKDF2 (RFC 8018 §6.2).
//!
//! A scheme is only parameters; no work is done until [`Scheme::derive`],
//! so that the caller can compare every work factor with its cap first.
//! Reading and writing a scheme's AlgorithmIdentifier is the document's
//! business (`format/pfx/scheme_der.rs` for the PFX).

use zeroize::Zeroizing;

use super::cipher::{cbc_decrypt, cbc_encrypt, rc2_cbc_decrypt};
use super::jobs::{Cancel, Stopped};
use super::pkcs12_kdf::{self as kdf, Purpose};
use super::{Prf, engine, pbkdf2};
use crate::error::{Error, Result};

/// The PKCS#12 PBES1 schemes of RFC 7292 Appendix C that peerid reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pbes1Cipher {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC: read and written (legacy profile).
    Tdes,
    /// pbeWithSHAAnd128BitRC2-CBC: read only.
    Rc2_128,
    /// pbeWithSHAAnd40BitRC2-CBC: read only (Windows and `openssl -legacy` certificates).
    Rc2_40,
}

/// The PBES2 encryption schemes peerid reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pbes2Cipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
}

impl Pbes2Cipher {
    /// The key length in bytes.
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
        }
    }
    /// The IV length in bytes.
    pub(crate) fn iv_len(self) -> usize {
        match self {
            Self::DesEde3 => 8,
            _ => 16,
        }
    }
}

/// One encryption scheme with its parameters, as read from an
/// AlgorithmIdentifier.
#[derive(Clone, Debug)]
pub(crate) enum Scheme {
    /// PKCS#12 PBES1: key and IV both come from the PKCS#12 KDF with SHA-1.
    Pbes1 {
        cipher: Pbes1Cipher,
        salt: Vec<u8>,
        iterations: u64,
    },
    /// PBES2 with PBKDF2.
    Pbes2 {
        prf: Prf,
        salt: Vec<u8>,
        iterations: u64,
        cipher: Pbes2Cipher,
        iv: Vec<u8>,
    },
}

impl Scheme {
    /// The work factor (iteration count), to compare with the cap.
    pub fn iterations(&self) -> u64 {
        match self {
            Self::Pbes1 { iterations, .. } | Self::Pbes2 { iterations, .. } => *iterations,
        }
    }

    /// About how many SHA-256 compressions one iteration costs: PBES1
    /// runs one SHA-1 chain per 20 bytes of key and one for the IV, PBES2
    /// two compressions per digest of key (SHA-384 and SHA-512 counted as 5
    /// each, their cost without SHA-512 instructions).
    pub fn cost_per_iteration(&self) -> u64 {
        match self {
            Self::Pbes1 { cipher, .. } => match cipher {
                Pbes1Cipher::Tdes => 3,
                Pbes1Cipher::Rc2_128 | Pbes1Cipher::Rc2_40 => 2,
            },
            Self::Pbes2 { prf, cipher, .. } => {
                let (out, weight) = match prf {
                    Prf::Sha1 => (20, 1),
                    Prf::Sha224 => (28, 1),
                    Prf::Sha256 => (32, 1),
                    Prf::Sha384 => (48, 5),
                    Prf::Sha512 => (64, 5),
                };
                2 * cipher.key_len().div_ceil(out) as u64 * weight
            }
        }
    }

    /// The password form this scheme uses: the PKCS#12 BMPString form for
    /// PBES1, the UTF-8 bytes for PBES2 (as OpenSSL does).
    pub fn password_for<'p>(&self, pkcs12: &'p [u8], utf8: &'p [u8]) -> &'p [u8] {
        match self {
            Self::Pbes1 { .. } => pkcs12,
            Self::Pbes2 { .. } => utf8,
        }
    }

    /// Derive the key (and for PBES1 the IV, appended) from the password
    /// bytes, unless `cancel` is set first. This is the expensive step; the
    /// caller checked the work factor.
    ///
    /// # Errors
    /// [`Error::WorkFactorTooHigh`] if the count does not fit 32 bits (the cap
    /// should have caught it first); [`Stopped::Cancelled`] when cancelled.
    pub fn derive(
        &self,
        password: &[u8],
        cancel: &Cancel,
    ) -> std::result::Result<Zeroizing<Vec<u8>>, Stopped> {
        let rounds = u32::try_from(self.iterations()).map_err(|_| Error::WorkFactorTooHigh {
            asked: self.iterations(),
            limit: u64::from(u32::MAX),
        })?;
        let rounds = kdf::effective_rounds(rounds);
        Ok(match self {
            Self::Pbes1 { cipher, salt, .. } => {
                let key_len = match cipher {
                    Pbes1Cipher::Tdes => 24,
                    Pbes1Cipher::Rc2_128 => 16,
                    Pbes1Cipher::Rc2_40 => 5,
                };
                // Sized up front: growing a Vec would leave a copy of the
                // key in the freed buffer, which nothing wipes.
                let mut out = Zeroizing::new(Vec::with_capacity(key_len + 8));
                out.extend_from_slice(&kdf::derive::<engine::Sha1>(
                    password,
                    salt,
                    Purpose::Key,
                    rounds,
                    key_len,
                    cancel,
                )?);
                out.extend_from_slice(&kdf::derive::<engine::Sha1>(
                    password,
                    salt,
                    Purpose::Iv,
                    rounds,
                    8,
                    cancel,
                )?);
                out
            }
            Self::Pbes2 {
                prf, salt, cipher, ..
            } => {
                let mut out = Zeroizing::new(vec![0u8; cipher.key_len()]);
                pbkdf2(*prf, password, salt, rounds, &mut out, cancel)?;
                out
            }
        })
    }

    /// Decrypt with a key from [`Scheme::derive`]. Padding failures are
    /// [`Error::WrongPasswordOrTampered`], like MAC failures.
    ///
    /// # Errors
    /// [`Error::WrongPasswordOrTampered`].
    pub fn decrypt(&self, derived: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Self::Pbes1 { cipher, .. } => {
                let (key, iv) = derived.split_at(derived.len() - 8);
                match cipher {
                    Pbes1Cipher::Tdes => cbc_decrypt::<des::TdesEde3>(key, iv, ciphertext),
                    Pbes1Cipher::Rc2_128 | Pbes1Cipher::Rc2_40 => {
                        rc2_cbc_decrypt(key, iv, ciphertext)
                    }
                }
            }
            Self::Pbes2 { cipher, iv, .. } => match cipher {
                Pbes2Cipher::Aes128 => cbc_decrypt::<aes::Aes128>(derived, iv, ciphertext),
                Pbes2Cipher::Aes192 => cbc_decrypt::<aes::Aes192>(derived, iv, ciphertext),
                Pbes2Cipher::Aes256 => cbc_decrypt::<aes::Aes256>(derived, iv, ciphertext),
                Pbes2Cipher::DesEde3 => cbc_decrypt::<des::TdesEde3>(derived, iv, ciphertext),
            },
        }
    }

    /// A new PBES2 scheme for writing: PBKDF2-HMAC-SHA256 with a 16-byte
    /// random salt, AES-256-CBC with a random IV.
    pub fn new_modern(iterations: u32) -> Result<Self> {
        Ok(Self::Pbes2 {
            prf: Prf::Sha256,
            salt: random(16)?,
            iterations: u64::from(iterations),
            cipher: Pbes2Cipher::Aes256,
            iv: random(16)?,
        })
    }

    /// A new pbeWithSHAAnd3-KeyTripleDES-CBC scheme for writing, 16-byte random salt.
    pub fn new_legacy(iterations: u32) -> Result<Self> {
        Ok(Self::Pbes1 {
            cipher: Pbes1Cipher::Tdes,
            salt: random(16)?,
            iterations: u64::from(iterations),
        })
    }

    /// Encrypt with a key from [`Scheme::derive`] (the schemes peerid writes).
    pub fn encrypt(&self, derived: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        match self {
            Self::Pbes1 {
                cipher: Pbes1Cipher::Tdes,
                ..
            } => {
                let (key, iv) = derived.split_at(derived.len().saturating_sub(8));
                cbc_encrypt::<des::TdesEde3>(key, iv, plaintext)
            }
            Self::Pbes2 {
                cipher: Pbes2Cipher::Aes256,
                iv,
                ..
            } => cbc_encrypt::<aes::Aes256>(derived, iv, plaintext),
            _ => Err(Error::InvalidArgument(
                "peerid writes only PBES2-AES-256 and PBE-SHA1-3DES".into(),
            )),
        }
    }
}

/// `n` random bytes from the operating system.
pub(crate) fn random(n: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).map_err(|e| Error::failed("reading random bytes", e))?;
    Ok(out)
}
