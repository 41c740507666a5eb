//! UTF-16 strings coming in from C: a NUL scan bounded so that a missing
//! terminator cannot make us read forever, and strict decoding (a lone
//! surrogate is `E_INVALIDARG`). Strings going out are in [`crate::alloc`].

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::types::{E_INVALIDARG, HRESULT, PCWSTR};

/// Longest peer name, classifier or friendly name read, in UTF-16 code units.
/// The library enforces the real limits (190, 149, 255); this bound only
/// stops the NUL scan, with room for input that NFC normalisation shortens.
pub(crate) const MAX_NAME_UNITS: usize = 1024;
/// Longest import document or password read: 1 Mi code units (the import
/// itself refuses documents over 1 MiB).
pub(crate) const MAX_DOCUMENT_UNITS: usize = 1 << 20;

/// The code units of the NUL-terminated string at `p`, without the NUL.
///
/// # Errors
/// `E_INVALIDARG` if `p` is NULL or no NUL is found within `max_units + 1`
/// units (the string is longer than `max_units`).
///
/// # Safety
/// `p` is NULL or points to readable UTF-16 code units up to its NUL or
/// `max_units + 1` units, whichever comes first.
pub unsafe fn units<'a>(p: PCWSTR, max_units: usize) -> Result<&'a [u16], HRESULT> {
    if p.is_null() {
        return Err(E_INVALIDARG);
    }
    let mut len = 0;
    loop {
        if len > max_units {
            return Err(E_INVALIDARG);
        }
        // SAFETY: `len <= max_units`, and the caller promises units up to the
        // NUL or `max_units + 1` units are readable; we stop at the first NUL.
        if unsafe { p.add(len).read() } == 0 {
            break;
        }
        len += 1;
    }
    // SAFETY: the `len` units before the NUL were all just read.
    Ok(unsafe { core::slice::from_raw_parts(p, len) })
}

/// Decodes the NUL-terminated UTF-16 string at `p`.
///
/// # Errors
/// `E_INVALIDARG` for NULL, an unterminated or too long string, or invalid
/// UTF-16 (a lone surrogate).
///
/// # Safety
/// As [`units`].
pub unsafe fn read(p: PCWSTR, max_units: usize) -> Result<String, HRESULT> {
    // SAFETY: forwarded to the caller.
    let u = unsafe { units(p, max_units) }?;
    String::from_utf16(u).map_err(|_| E_INVALIDARG)
}

/// As [`read`], but NULL gives `None`.
///
/// # Errors
/// As [`read`], except for NULL.
///
/// # Safety
/// As [`units`].
pub unsafe fn read_opt(p: PCWSTR, max_units: usize) -> Result<Option<String>, HRESULT> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded to the caller.
    unsafe { read(p, max_units) }.map(Some)
}

/// Reads a password straight into a [`SecretString`]; the one intermediate
/// buffer is wiped on drop.
///
/// # Errors
/// As [`read`].
///
/// # Safety
/// As [`units`].
pub unsafe fn read_secret(p: PCWSTR) -> Result<SecretString, HRESULT> {
    // SAFETY: forwarded to the caller.
    let u = unsafe { units(p, MAX_DOCUMENT_UNITS) }?;
    let mut text = Zeroizing::new(String::with_capacity(u.len() * 3));
    for c in char::decode_utf16(u.iter().copied()) {
        // The capacity covers the worst case (3 UTF-8 bytes per unit), so
        // no push reallocates and leaves an unwiped copy behind.
        text.push(c.map_err(|_| E_INVALIDARG)?);
    }
    Ok(SecretString::from(text.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain([0]).collect()
    }

    #[test]
    fn reads_valid_strings() {
        for s in ["", "a", "peer.name", "é中😀"] {
            let w = wide(s);
            // SAFETY: `w` is NUL-terminated.
            assert_eq!(unsafe { read(w.as_ptr(), 64) }, Ok(s.to_owned()));
            // SAFETY: as above.
            let secret = unsafe { read_secret(w.as_ptr()) }.expect("valid");
            assert_eq!(secret.expose_secret(), s);
        }
    }

    #[test]
    fn null_is_refused_or_none() {
        // SAFETY: NULL is checked before any read.
        unsafe {
            assert_eq!(read(core::ptr::null(), 10), Err(E_INVALIDARG));
            assert_eq!(read_opt(core::ptr::null(), 10), Ok(None));
            assert!(read_secret(core::ptr::null()).is_err());
        }
    }

    #[test]
    fn scan_is_bounded() {
        // Exactly max units is fine; one more is refused without reading
        // past max + 1 units (the buffer below has no NUL at all).
        let w = wide("abcd");
        // SAFETY: 4 units then NUL.
        assert_eq!(unsafe { read(w.as_ptr(), 4) }, Ok("abcd".into()));
        // SAFETY: reads at most 4 units, all inside `w`.
        assert_eq!(unsafe { read(w.as_ptr(), 3) }, Err(E_INVALIDARG));
        let no_nul = [0x41u16; 8];
        // SAFETY: reads at most 8 units, all inside `no_nul`.
        assert_eq!(unsafe { units(no_nul.as_ptr(), 7) }, Err(E_INVALIDARG));
    }

    #[test]
    fn lone_surrogates_are_refused() {
        for bad in [
            vec![0xD800, 0],
            vec![0x41, 0xDC00, 0],
            vec![0xD83D, 0x41, 0],
        ] {
            // SAFETY: each vector is NUL-terminated.
            unsafe {
                assert_eq!(read(bad.as_ptr(), 10), Err(E_INVALIDARG));
                assert!(read_secret(bad.as_ptr()).is_err());
            }
        }
    }
}
