//! The cryptography of a sealed store (docs/design.md §12): the store key,
//! its passphrase wrapping in the age v1 format, and the AEAD of each key
//! row.
//!
//! The wrapping is the `age` crate's, so that Debian's `age -d` opens it.
//! The one thing read here by hand is the work factor of the wrapped key's
//! scrypt stanza, to refuse an excessive one before age or scrypt see it
//! and to show it in the status.

use std::io::{Read, Write};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::Mac;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The smallest scrypt work factor (log2 N) a store may be sealed with.
pub const MIN_SEAL_WORK_FACTOR: u8 = 10;

/// The largest scrypt work factor (log2 N) a store may be sealed with, and
/// the largest accepted on reading: 4 GiB and some seconds of scrypt. It is
/// the reference age's own bound (Go's `ScryptIdentity` accepts up to 22);
/// the Rust crate's default, a timing of this machine plus 4, is replaced
/// by it, since a timing taken under load would refuse a good store.
pub const MAX_SEAL_WORK_FACTOR: u8 = 22;

/// Longest wrapped key read from a store: an age file of one scrypt stanza
/// and a 32-byte payload is about 200 bytes.
pub(crate) const MAX_WRAPPED_KEY_LEN: usize = 4096;

/// Longest sealed key row: the longest PKCS#8 key (RSA 16384) and the
/// framing, with room.
const MAX_SEALED_ROW_LEN: usize = 64 * 1024;

const ROW_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_LABEL: &[u8] = b"peerid sealed key v1\0";
const CHECK_LABEL: &[u8] = b"peerid store key check v1";

/// The random 256-bit key every private key of a sealed store is encrypted
/// under, and the check value that recognises it. Wiped on drop; `Debug`
/// shows neither.
pub(crate) struct StoreKey {
    key: Zeroizing<[u8; 32]>,
    check: [u8; 32],
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

impl StoreKey {
    /// A new random store key.
    pub(crate) fn generate() -> Result<StoreKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        fill_random(key.as_mut())?;
        Ok(StoreKey::from_bytes(key))
    }

    fn from_bytes(key: Zeroizing<[u8; 32]>) -> StoreKey {
        let check = check_of(&key);
        StoreKey { key, check }
    }

    /// The key from 32 bytes, if they are the key `check` recognises.
    pub(crate) fn from_slice_checked(bytes: &[u8], check: &[u8]) -> Option<StoreKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return None;
        }
        key.copy_from_slice(bytes);
        let key = StoreKey::from_bytes(key);
        key.matches(check).then_some(key)
    }

    /// The check value stored beside the wrapped key.
    pub(crate) fn check(&self) -> &[u8; 32] {
        &self.check
    }

    /// Whether this is the key `check` recognises (constant time).
    pub(crate) fn matches(&self, check: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        check.len() == self.check.len() && bool::from(self.check.ct_eq(check))
    }

    /// The key as 64 lowercase hex digits (for the OS keyring).
    #[cfg_attr(not(feature = "keyring"), allow(dead_code))]
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(64));
        for b in self.key.iter() {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        out
    }

    /// The key from its hex form, if `check` recognises it.
    #[cfg_attr(not(feature = "keyring"), allow(dead_code))]
    pub(crate) fn from_hex_checked(hex: &str, check: &[u8]) -> Option<StoreKey> {
        let digits = hex.trim().as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (out, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
            let hi = hex_value(pair[0])?;
            let lo = hex_value(pair[1])?;
            *out = hi << 4 | lo;
        }
        let key = StoreKey::from_bytes(key);
        key.matches(check).then_some(key)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(self.key.as_ref()))
    }

    /// Encrypts one private key (PKCS#8 DER) for the row of `peer_name`.
    pub(crate) fn seal_row(
        &self,
        peer_name: &str,
        key_type: &str,
        pkcs8: &[u8],
    ) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let aad = aad(peer_name, key_type);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: pkcs8,
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Failed {
                context: "sealing a private key".into(),
                reason: "the cipher refused the input".into(),
            })?;
        let mut row = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        row.push(ROW_VERSION);
        row.extend_from_slice(&nonce);
        row.extend_from_slice(&sealed);
        Ok(row)
    }

    /// Decrypts the row of `peer_name`: `None` if it is not a row this key
    /// sealed for that name and key type (changed, moved, or forged).
    pub(crate) fn open_row(
        &self,
        peer_name: &str,
        key_type: &str,
        row: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        if row.len() < 1 + NONCE_LEN + TAG_LEN
            || row.len() > MAX_SEALED_ROW_LEN
            || row[0] != ROW_VERSION
        {
            return None;
        }
        let (nonce, sealed) = row[1..].split_at(NONCE_LEN);
        let aad = aad(peer_name, key_type);
        self.cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }

    /// Wraps the key with `passphrase`: an age v1 file with one scrypt
    /// stanza whose payload is the 32 bytes of the key.
    pub(crate) fn wrap(
        &self,
        passphrase: &SecretString,
        work_factor: Option<u8>,
    ) -> Result<Vec<u8>> {
        check_passphrase(passphrase)?;
        if let Some(n) = work_factor {
            check_work_factor(n)?;
        }
        let wrapped = self.wrap_once(passphrase, work_factor)?;
        // age's own choice is a timing of this machine: on one fast enough
        // to pass the bound, wrap again at the bound, so that it opens.
        if work_factor.is_none() && wrapped_work_factor(&wrapped)? > MAX_SEAL_WORK_FACTOR {
            return self.wrap_once(passphrase, Some(MAX_SEAL_WORK_FACTOR));
        }
        Ok(wrapped)
    }

    fn wrap_once(&self, passphrase: &SecretString, work_factor: Option<u8>) -> Result<Vec<u8>> {
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        if let Some(n) = work_factor {
            recipient.set_work_factor(n);
        }
        let failed = |reason: String| Error::Failed {
            context: "wrapping the store key".into(),
            reason,
        };
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| failed(e.to_string()))?;
        let mut out = Vec::with_capacity(256);
        let mut writer = encryptor
            .wrap_output(&mut out)
            .map_err(|e| failed(e.to_string()))?;
        writer
            .write_all(self.key.as_ref())
            .and_then(|()| writer.finish().map(drop))
            .map_err(|e| failed(e.to_string()))?;
        Ok(out)
    }

    /// Opens a wrapped key with `passphrase` (one scrypt run) and checks it
    /// against `check`.
    pub(crate) fn unwrap(
        wrapped: &[u8],
        check: &[u8],
        passphrase: &SecretString,
    ) -> Result<StoreKey> {
        let work_factor = wrapped_work_factor(wrapped)?;
        if work_factor > MAX_SEAL_WORK_FACTOR {
            return Err(tampered(format!(
                "its scrypt work factor is {work_factor}, over the limit of {MAX_SEAL_WORK_FACTOR}"
            )));
        }
        let decryptor =
            age::Decryptor::new_buffered(wrapped).map_err(|e| tampered(e.to_string()))?;
        if !decryptor.is_scrypt() {
            return Err(tampered("it is not wrapped with a passphrase".into()));
        }
        let mut identity = age::scrypt::Identity::new(passphrase.clone());
        identity.set_max_work_factor(MAX_SEAL_WORK_FACTOR);
        let mut reader = match decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)) {
            Ok(r) => r,
            Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
                return Err(Error::WrongPassphrase);
            }
            Err(age::DecryptError::ExcessiveWork { required, .. }) => {
                return Err(tampered(format!(
                    "its scrypt work factor is {required}, over the limit of {MAX_SEAL_WORK_FACTOR}"
                )));
            }
            Err(e) => return Err(tampered(e.to_string())),
        };
        // One byte more than a key, to tell a longer payload from a key.
        let mut buf = Zeroizing::new([0u8; 33]);
        let mut len = 0;
        loop {
            match reader.read(&mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => {
                    len += n;
                    if len == buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(tampered(format!("its payload does not decrypt: {e}"))),
            }
        }
        StoreKey::from_slice_checked(&buf[..len], check)
            .ok_or_else(|| tampered("it does not hold this store's key".into()))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_value(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

fn check_of(key: &[u8; 32]) -> [u8; 32] {
    // HMAC accepts a key of any length: this cannot fail.
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(CHECK_LABEL);
    mac.finalize().into_bytes().into()
}

fn aad(peer_name: &str, key_type: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + peer_name.len() + 1 + key_type.len());
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(peer_name.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key_type.as_bytes());
    aad
}

fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::Failed {
        context: "drawing random bytes".into(),
        reason: e.to_string(),
    })
}

fn tampered(reason: String) -> Error {
    Error::StoreCorrupted {
        path: std::path::PathBuf::new(),
        reason: format!("the wrapped store key is damaged or was changed: {reason}"),
    }
}

/// Refuses an empty passphrase: it would protect nothing.
pub(crate) fn check_passphrase(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose_secret().is_empty() {
        return Err(Error::InvalidArgument(
            "an empty passphrase protects nothing; choose one".into(),
        ));
    }
    Ok(())
}

/// Refuses a work factor outside the range a store may be sealed with.
pub(crate) fn check_work_factor(n: u8) -> Result<()> {
    if !(MIN_SEAL_WORK_FACTOR..=MAX_SEAL_WORK_FACTOR).contains(&n) {
        return Err(Error::InvalidArgument(format!(
            "scrypt work factor {n} is outside {MIN_SEAL_WORK_FACTOR}..={MAX_SEAL_WORK_FACTOR}"
        )));
    }
    Ok(())
}

/// The work factor (log2 N) of a wrapped key's one scrypt stanza, read from
/// its header: `age-encryption.org/v1`, then `-> scrypt SALT N`.
pub(crate) fn wrapped_work_factor(wrapped: &[u8]) -> Result<u8> {
    if wrapped.len() > MAX_WRAPPED_KEY_LEN {
        return Err(tampered(format!(
            "it is {} bytes long, over the limit of {MAX_WRAPPED_KEY_LEN}",
            wrapped.len()
        )));
    }
    let mut lines = wrapped.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let stanza = lines.next().unwrap_or_default();
    let mut args = stanza.split(|&b| b == b' ');
    let shape_ok = first == b"age-encryption.org/v1"
        && args.next() == Some(b"->")
        && args.next() == Some(b"scrypt")
        && args.next().is_some();
    let n = args.next().filter(|_| shape_ok).and_then(|n| {
        // Canonical decimal, as age requires: 1 or 2 digits, no leading 0.
        let ok = !n.is_empty() && n.len() <= 2 && n[0] != b'0' && n.iter().all(u8::is_ascii_digit);
        ok.then(|| n.iter().fold(0u8, |acc, d| acc * 10 + (d - b'0')))
    });
    match (n, args.next()) {
        (Some(n), None) => Ok(n),
        _ => Err(tampered(
            "it is not an age file wrapped with one passphrase".into(),
        )),
    }
}

/// Reads a passphrase from the first line of a file: at most 64 KiB, into
/// one buffer wiped on drop; a final CR LF or LF is not part of it.
pub(crate) fn passphrase_from_file(path: &std::path::Path) -> Result<SecretString> {
    const MAX: usize = 64 * 1024;
    let failed = |reason: String| {
        Error::InvalidArgument(format!(
            "cannot read the passphrase file {}: {reason}",
            path.display()
        ))
    };
    let mut file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
    let mut buf = Zeroizing::new(vec![0u8; MAX + 1]);
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => {
                let end = len + n;
                if buf[len..end].contains(&b'\n') {
                    len = end;
                    break;
                }
                len = end;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(failed(e.to_string())),
        }
    }
    let mut line = &buf[..len];
    if let Some(i) = line.iter().position(|&b| b == b'\n') {
        line = &line[..i];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
    } else if len > MAX {
        return Err(failed(format!("its first line is longer than {MAX} bytes")));
    }
    let text = std::str::from_utf8(line).map_err(|_| failed("it is not UTF-8".into()))?;
    Ok(SecretString::from(text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
