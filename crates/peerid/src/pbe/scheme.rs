//! Password-based encryption of bags and SafeContents: PBES1 with the
//! PKCS#12 KDF (RFC 7292 Appendix C) and PBES2 with PBKDF2 (RFC 8018 §6.2).
//!
//! Parsing a scheme only reads its parameters; no work is done until
//! [`Scheme::derive`], so that the caller can compare every work factor with
//! its cap first.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, KeyIvInit,
};
use der::asn1::{Any, OctetString};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::pkcs12_kdf::{self as kdf, Purpose};
use super::{engine, pbkdf2_hmac};
use crate::error::{Error, Result};
use crate::format::pfx::asn1::{self, Pbes2Params, Pbkdf2Params, Pkcs12PbeParams, oid};

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

/// The PBKDF2 pseudo-random functions of RFC 8018 Appendix B.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prf {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
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
    fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
        }
    }
    fn iv_len(self) -> usize {
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
    /// Read the scheme and its parameters. Unknown schemes, scrypt and
    /// unknown PRFs are [`Error::UnsupportedAlgorithm`].
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`], or [`Error::MalformedPfx`] for bad parameters.
    pub fn parse(alg: &AlgorithmIdentifierOwned) -> Result<Self> {
        let pbes1 = |cipher| -> Result<Self> {
            let p: Pkcs12PbeParams =
                asn1::from_any(asn1::params(alg, "PBES1")?, "PBES1 parameters")?;
            check_iterations(p.iterations)?;
            Ok(Self::Pbes1 {
                cipher,
                salt: p.salt.as_bytes().to_vec(),
                iterations: p.iterations,
            })
        };
        match alg.oid {
            oid::PBE_SHA1_3DES => pbes1(Pbes1Cipher::Tdes),
            oid::PBE_SHA1_RC2_128 => pbes1(Pbes1Cipher::Rc2_128),
            oid::PBE_SHA1_RC2_40 => pbes1(Pbes1Cipher::Rc2_40),
            oid::PBES2 => Self::parse_pbes2(asn1::params(alg, "PBES2")?),
            other => Err(unsupported(format!("encryption scheme {other}"))),
        }
    }

    fn parse_pbes2(params: &Any) -> Result<Self> {
        let p: Pbes2Params = asn1::from_any(params, "PBES2 parameters")?;
        match p.key_derivation_func.oid {
            oid::PBKDF2 => {}
            oid::SCRYPT => return Err(unsupported("scrypt key derivation".into())),
            other => return Err(unsupported(format!("key derivation function {other}"))),
        }
        let kdf: Pbkdf2Params = asn1::from_any(
            asn1::params(&p.key_derivation_func, "PBKDF2")?,
            "PBKDF2 parameters",
        )?;
        let prf = match kdf.prf.as_ref().map(|a| a.oid) {
            None | Some(oid::HMAC_SHA1) => Prf::Sha1,
            Some(oid::HMAC_SHA224) => Prf::Sha224,
            Some(oid::HMAC_SHA256) => Prf::Sha256,
            Some(oid::HMAC_SHA384) => Prf::Sha384,
            Some(oid::HMAC_SHA512) => Prf::Sha512,
            Some(other) => {
                return Err(unsupported(format!(
                    "PBKDF2 pseudo-random function {other}"
                )));
            }
        };
        let cipher = match p.encryption_scheme.oid {
            oid::AES_128_CBC => Pbes2Cipher::Aes128,
            oid::AES_192_CBC => Pbes2Cipher::Aes192,
            oid::AES_256_CBC => Pbes2Cipher::Aes256,
            oid::DES_EDE3_CBC => Pbes2Cipher::DesEde3,
            other => return Err(unsupported(format!("PBES2 encryption scheme {other}"))),
        };
        if kdf
            .key_length
            .is_some_and(|len| len as usize != cipher.key_len())
        {
            return Err(Error::malformed_pfx(
                "PBKDF2 key length does not fit the cipher",
            ));
        }
        let iv: OctetString =
            asn1::from_any(asn1::params(&p.encryption_scheme, "cipher")?, "cipher IV")?;
        if iv.as_bytes().len() != cipher.iv_len() {
            return Err(Error::malformed_pfx("PBES2 IV has the wrong length"));
        }
        check_iterations(kdf.iteration_count)?;
        Ok(Self::Pbes2 {
            prf,
            salt: kdf.salt.as_bytes().to_vec(),
            iterations: kdf.iteration_count,
            cipher,
            iv: iv.as_bytes().to_vec(),
        })
    }

    /// The work factor (iteration count), to compare with the cap.
    pub fn iterations(&self) -> u64 {
        match self {
            Self::Pbes1 { iterations, .. } | Self::Pbes2 { iterations, .. } => *iterations,
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
    /// bytes. This is the expensive step; the caller checked the work factor.
    ///
    /// # Errors
    /// [`Error::WorkFactorTooHigh`] if the count does not fit 32 bits (the cap
    /// should have caught it first).
    pub fn derive(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
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
                ));
                out.extend_from_slice(&kdf::derive::<engine::Sha1>(
                    password,
                    salt,
                    Purpose::Iv,
                    rounds,
                    8,
                ));
                out
            }
            Self::Pbes2 {
                prf, salt, cipher, ..
            } => {
                let mut out = Zeroizing::new(vec![0u8; cipher.key_len()]);
                match prf {
                    Prf::Sha1 => pbkdf2_hmac::<engine::Sha1>(password, salt, rounds, &mut out),
                    Prf::Sha224 => pbkdf2_hmac::<engine::Sha224>(password, salt, rounds, &mut out),
                    Prf::Sha256 => pbkdf2_hmac::<engine::Sha256>(password, salt, rounds, &mut out),
                    Prf::Sha384 => pbkdf2_hmac::<engine::Sha384>(password, salt, rounds, &mut out),
                    Prf::Sha512 => pbkdf2_hmac::<engine::Sha512>(password, salt, rounds, &mut out),
                }
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
                        let bits = key.len() * 8;
                        let dec = cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(
                            rc2::Rc2::new_with_eff_key_len(key, bits),
                            iv,
                        )
                        .map_err(|_| Error::WrongPasswordOrTampered)?;
                        unpad(dec, ciphertext)
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

    /// The AlgorithmIdentifier that names this scheme (only the two that
    /// peerid writes).
    pub fn algorithm_identifier(&self) -> Result<AlgorithmIdentifierOwned> {
        let octets = |b: &[u8]| {
            OctetString::new(b.to_vec()).map_err(|e| Error::failed("encoding the PFX", e))
        };
        match self {
            Self::Pbes1 {
                cipher: Pbes1Cipher::Tdes,
                salt,
                iterations,
            } => Ok(AlgorithmIdentifierOwned {
                oid: oid::PBE_SHA1_3DES,
                parameters: Some(asn1::to_any(&Pkcs12PbeParams {
                    salt: octets(salt)?,
                    iterations: *iterations,
                })?),
            }),
            Self::Pbes2 {
                prf: Prf::Sha256,
                salt,
                iterations,
                cipher: Pbes2Cipher::Aes256,
                iv,
            } => {
                let kdf = Pbkdf2Params {
                    salt: octets(salt)?,
                    iteration_count: *iterations,
                    key_length: None,
                    prf: Some(AlgorithmIdentifierOwned {
                        oid: oid::HMAC_SHA256,
                        parameters: Some(Any::null()),
                    }),
                };
                let params = Pbes2Params {
                    key_derivation_func: AlgorithmIdentifierOwned {
                        oid: oid::PBKDF2,
                        parameters: Some(asn1::to_any(&kdf)?),
                    },
                    encryption_scheme: AlgorithmIdentifierOwned {
                        oid: oid::AES_256_CBC,
                        parameters: Some(asn1::to_any(&octets(iv)?)?),
                    },
                };
                Ok(AlgorithmIdentifierOwned {
                    oid: oid::PBES2,
                    parameters: Some(asn1::to_any(&params)?),
                })
            }
            _ => Err(Error::InvalidArgument(
                "peerid writes only PBES2-AES-256 and PBE-SHA1-3DES".into(),
            )),
        }
    }

    /// Encrypt with a key from [`Scheme::derive`] (the schemes peerid writes).
    pub fn encrypt(&self, derived: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let bad = |_| Error::failed("encrypting the PFX", "bad key length");
        match self {
            Self::Pbes1 {
                cipher: Pbes1Cipher::Tdes,
                ..
            } => {
                let (key, iv) = derived.split_at(derived.len() - 8);
                Ok(cbc::Encryptor::<des::TdesEde3>::new_from_slices(key, iv)
                    .map_err(bad)?
                    .encrypt_padded_vec::<Pkcs7>(plaintext))
            }
            Self::Pbes2 {
                cipher: Pbes2Cipher::Aes256,
                iv,
                ..
            } => Ok(cbc::Encryptor::<aes::Aes256>::new_from_slices(derived, iv)
                .map_err(bad)?
                .encrypt_padded_vec::<Pkcs7>(plaintext)),
            _ => Err(Error::InvalidArgument(
                "peerid writes only PBES2-AES-256 and PBE-SHA1-3DES".into(),
            )),
        }
    }
}

fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::WrongPasswordOrTampered)?;
    unpad(dec, ct)
}

fn unpad<M: BlockModeDecrypt>(dec: M, ct: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    // Decrypt in a buffer that is wiped on drop, whether the padding is good or not.
    let mut buf = Zeroizing::new(ct.to_vec());
    let len = dec
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|_| Error::WrongPasswordOrTampered)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

fn check_iterations(n: u64) -> Result<()> {
    if n == 0 {
        return Err(Error::malformed_pfx("iteration count 0"));
    }
    Ok(())
}

fn unsupported(what: String) -> Error {
    Error::UnsupportedAlgorithm { what }
}

/// `n` random bytes from the operating system.
pub(crate) fn random(n: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    getrandom::fill(&mut out).map_err(|e| Error::failed("reading random bytes", e))?;
    Ok(out)
}
