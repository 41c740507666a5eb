//! The block ciphers of the PBE schemes in CBC mode with PKCS#7 padding
//! (RFC 8018 §6.1.1 and §6.2; RFC 7292 Appendix C), decrypting into memory
//! that is wiped on drop.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit, KeyIvInit,
};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Encrypt `plaintext` with cipher `C` in CBC mode, PKCS#7-padded.
///
/// # Errors
/// [`Error::Failed`] if the key or IV has the wrong length for `C`.
pub(crate) fn cbc_encrypt<C: BlockCipherEncrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let enc = cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::failed("encrypting", "bad key or IV length"))?;
    Ok(enc.encrypt_padded_vec::<Pkcs7>(plaintext))
}

/// Decrypt `ciphertext` with cipher `C` in CBC mode and remove its PKCS#7
/// padding. A bad key length, a bad IV length and bad padding are all
/// [`Error::WrongPasswordOrTampered`], like a MAC failure.
///
/// # Errors
/// [`Error::WrongPasswordOrTampered`].
pub(crate) fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::WrongPasswordOrTampered)?;
    unpad(dec, ciphertext)
}

/// [`cbc_decrypt`] with RC2 and an effective key length of the whole key
/// (RFC 7292 Appendix C: RC2-128 and RC2-40).
///
/// # Errors
/// [`Error::WrongPasswordOrTampered`].
pub(crate) fn rc2_cbc_decrypt(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let bits = key.len() * 8;
    let dec = cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(
        rc2::Rc2::new_with_eff_key_len(key, bits),
        iv,
    )
    .map_err(|_| Error::WrongPasswordOrTampered)?;
    unpad(dec, ciphertext)
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
