//! Password-based encryption: PBKDF2-HMAC (RFC 8018 §5.2), the PKCS#12 KDF
//! (RFC 7292 Appendix B.2), the PBES1 and PBES2 schemes built on them, the
//! block ciphers they use, and running several derivations side by side
//! with cancellation. The PFX code uses it (`format/pfx/`); a sealed-key
//! format would call [`pbkdf2_secret`], [`aes256_cbc_encrypt`] and
//! [`aes256_cbc_decrypt`], and [`jobs::run`] for several candidates.
//!
//! At 600,000 iterations nearly all the time of a PFX import or export is
//! spent in the derivation loops. Going through `hmac`/`digest` costs a
//! buffer copy, a length count and a padding step per iteration, about two
//! thirds on top of the compression itself. Here each iteration is exactly
//! the compressions it needs (two for PBKDF2-HMAC, one for the PKCS#12 KDF),
//! fed with blocks whose padding and length are written once, before the
//! loop: only the digest-sized message at their start changes (`engine`).
//!
//! Every value derived from the password (keyed states, working states and
//! blocks) is wiped before a function returns.

mod cipher;
pub(crate) mod engine;
pub(crate) mod jobs;
mod pbkdf2;
pub(crate) mod pkcs12_kdf;
pub(crate) mod scheme;
#[cfg(test)]
mod speed;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

pub(crate) use jobs::{Cancel, Cancelled};

use crate::error::Result;

/// The PBKDF2 pseudo-random functions of RFC 8018 Appendix B.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prf {
    /// HMAC-SHA-1, PBKDF2's default.
    Sha1,
    /// HMAC-SHA-224.
    Sha224,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-384.
    Sha384,
    /// HMAC-SHA-512.
    Sha512,
}

/// PBKDF2 with HMAC-`prf` of the `password` bytes and `salt`, `iterations`
/// rounds (0 is taken as 1), filling `out`. The caller bounds `iterations`.
///
/// # Errors
/// [`Cancelled`] if `cancel` was set before the loop ended (`out` then
/// holds nothing derived).
pub(crate) fn pbkdf2(
    prf: Prf,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
    cancel: &Cancel,
) -> std::result::Result<(), Cancelled> {
    use engine::{Sha1, Sha224, Sha256, Sha384, Sha512};
    use pbkdf2::pbkdf2_hmac;
    let (p, s, c) = (password, salt, iterations);
    match prf {
        Prf::Sha1 => pbkdf2_hmac::<Sha1>(p, s, c, out, cancel),
        Prf::Sha224 => pbkdf2_hmac::<Sha224>(p, s, c, out, cancel),
        Prf::Sha256 => pbkdf2_hmac::<Sha256>(p, s, c, out, cancel),
        Prf::Sha384 => pbkdf2_hmac::<Sha384>(p, s, c, out, cancel),
        Prf::Sha512 => pbkdf2_hmac::<Sha512>(p, s, c, out, cancel),
    }
}

/// A key of `len` bytes from a password, by PBKDF2-HMAC-`prf` of its UTF-8
/// bytes (PBES2's password form), in memory wiped on drop.
///
/// # Errors
/// [`Cancelled`] if `cancel` was set before the loop ended.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the API sealed keys will use; the PFX code derives from password forms"
    )
)]
pub(crate) fn pbkdf2_secret(
    prf: Prf,
    password: &SecretString,
    salt: &[u8],
    iterations: u32,
    len: usize,
    cancel: &Cancel,
) -> std::result::Result<Zeroizing<Vec<u8>>, Cancelled> {
    let mut key = Zeroizing::new(vec![0u8; len]);
    pbkdf2(
        prf,
        password.expose_secret().as_bytes(),
        salt,
        iterations,
        &mut key,
        cancel,
    )?;
    Ok(key)
}

/// AES-256-CBC encryption with PKCS#7 padding (PBES2's `aes256-CBC-PAD`,
/// RFC 8018 Appendix B.2.5).
///
/// # Errors
/// [`crate::Error::Failed`] unless `key` is 32 bytes and `iv` 16.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the API sealed keys will use; the PFX code goes through Scheme"
    )
)]
pub(crate) fn aes256_cbc_encrypt(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    cipher::cbc_encrypt::<aes::Aes256>(key, iv, plaintext)
}

/// AES-256-CBC decryption, removing PKCS#7 padding, into memory wiped on
/// drop.
///
/// # Errors
/// [`crate::Error::WrongPasswordOrTampered`] for a bad key or IV length or
/// bad padding.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the API sealed keys will use; the PFX code goes through Scheme"
    )
)]
pub(crate) fn aes256_cbc_decrypt(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    cipher::cbc_decrypt::<aes::Aes256>(key, iv, ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 7914 §11 through the password API.
    #[test]
    fn pbkdf2_secret_is_pbkdf2_of_the_utf8_bytes() {
        let password = SecretString::from("Password".to_owned());
        let key = pbkdf2_secret(Prf::Sha256, &password, b"NaCl", 80000, 64, &Cancel::new())
            .expect("not cancelled");
        assert_eq!(
            hex(&key),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56\
             a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
        );
    }

    #[test]
    fn a_set_cancel_stops_a_derivation() {
        let cancel = Cancel::new();
        cancel.set();
        let password = SecretString::from("pw".to_owned());
        let got = pbkdf2_secret(Prf::Sha256, &password, b"salt", 1_000_000, 32, &cancel);
        assert_eq!(got.map(|_| ()), Err(Cancelled));
    }

    #[test]
    fn aes256_cbc_round_trip_and_tampering() {
        let (key, iv) = ([7u8; 32], [9u8; 16]);
        let ct = aes256_cbc_encrypt(&key, &iv, b"sealed key").expect("encrypt");
        assert_eq!(ct.len(), 16);
        let pt = aes256_cbc_decrypt(&key, &iv, &ct).expect("decrypt");
        assert_eq!(pt.as_slice(), b"sealed key");
        let wrong = aes256_cbc_decrypt(&[8u8; 32], &iv, &ct);
        assert!(matches!(wrong, Err(Error::WrongPasswordOrTampered)));
        assert!(aes256_cbc_encrypt(&key[..16], &iv, b"x").is_err());
    }
}
