//! The PBE schemes of a PFX in their DER form: reading an
//! AlgorithmIdentifier into a [`Scheme`] (bounding nothing yet, doing no
//! work) and writing the two schemes peerid uses.

use der::asn1::{Any, OctetString};
use spki::AlgorithmIdentifierOwned;

use super::asn1::{self, Pbes2Params, Pbkdf2Params, Pkcs12PbeParams, oid};
use crate::error::{Error, Result};
use crate::pbe::Prf;
use crate::pbe::scheme::{Pbes1Cipher, Pbes2Cipher, Scheme};

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
