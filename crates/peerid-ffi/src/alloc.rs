//! The one allocation scheme of the C ABI: every pointer the library hands
//! out comes from `malloc` and is released by `PeerFreeData`, which is `free`.
//! Nested data (an item array, its structures and their strings) is laid out
//! in one block, so one `PeerFreeData` on the returned pointer frees it all.

use core::ffi::c_void;
use core::ptr;

use crate::call;
use crate::types::{E_OUTOFMEMORY, HRESULT, LPCVOID, PEER_NAME_PAIR, PWSTR, WCHAR};

/// A `malloc`ed block that is freed on drop unless handed to the caller with
/// [`Block::into_raw`]: an early return can never leak it.
#[derive(Debug)]
pub struct Block {
    ptr: *mut u8,
    len: usize,
}

impl Block {
    /// Allocates `len` bytes (at least one), zero-filled, aligned for any
    /// type (`malloc`'s guarantee).
    ///
    /// # Errors
    /// `E_OUTOFMEMORY` if `malloc` fails.
    pub fn zeroed(len: usize) -> Result<Block, HRESULT> {
        // SAFETY: calloc has no preconditions; a null result is checked below.
        let ptr = unsafe { libc::calloc(len.max(1), 1) }.cast::<u8>();
        if ptr.is_null() {
            return Err(E_OUTOFMEMORY);
        }
        Ok(Block { ptr, len })
    }

    /// The block as a byte slice, to fill in.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` points to `len` initialised (zeroed) bytes that this
        // Block owns exclusively until into_raw or drop.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// The start of the block.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// Hands the block to the caller, who releases it with `PeerFreeData`.
    pub fn into_raw(self) -> *mut c_void {
        let p = self.ptr;
        core::mem::forget(self);
        p.cast()
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from calloc and has not been handed out or freed.
        unsafe { libc::free(self.ptr.cast()) }
    }
}

/// Releases a block from [`Block::into_raw`] (`PeerFreeData`). NULL is a no-op.
///
/// # Safety
/// `p` is NULL or a pointer this library returned and that has not been
/// freed yet.
pub unsafe fn free(p: LPCVOID) {
    // SAFETY: the caller promises `p` is NULL (a no-op for free) or a live
    // block from calloc.
    unsafe { libc::free(p.cast_mut()) }
}

/// Copies `s` into a new NUL-terminated UTF-16 string for the caller.
///
/// # Errors
/// `E_OUTOFMEMORY`.
pub fn wide_string(s: &str) -> Result<PWSTR, HRESULT> {
    let units = s.encode_utf16().count() + 1;
    let mut block = Block::zeroed(units * size_of::<WCHAR>())?;
    write_wide(block.bytes_mut(), s);
    Ok(block.into_raw().cast())
}

/// Writes `s` as UTF-16 plus a NUL terminator at the start of `dst`, which
/// must hold at least `(utf16 length + 1) * 2` bytes (it is zeroed, so the
/// terminator is already there).
fn write_wide(dst: &mut [u8], s: &str) {
    for (chunk, unit) in dst.chunks_exact_mut(2).zip(s.encode_utf16()) {
        chunk.copy_from_slice(&unit.to_ne_bytes());
    }
}

/// Builds the result of `PeerGetNextItem`: one block holding the array of
/// `n` item pointers, then the `n` [`PEER_NAME_PAIR`]s they point to, then
/// their strings. Returns the array (NULL when `items` is empty).
///
/// # Errors
/// `E_OUTOFMEMORY`.
pub fn name_pair_array(items: &[(String, String)]) -> Result<*mut *mut c_void, HRESULT> {
    if items.is_empty() {
        return Ok(ptr::null_mut());
    }
    let n = items.len();
    let array_len = n * size_of::<*mut c_void>();
    let pairs_len = n * size_of::<PEER_NAME_PAIR>();
    let strings_len: usize = items
        .iter()
        .map(|(a, b)| (a.encode_utf16().count() + b.encode_utf16().count() + 2) * 2)
        .sum();
    // Pointers then pairs keep pointer alignment (both sizes are multiples
    // of it); the strings after them need only 2-byte alignment.
    let mut block = Block::zeroed(array_len + pairs_len + strings_len)?;
    let base = block.as_ptr();
    let mut offset = array_len + pairs_len;
    for (i, (peer, friendly)) in items.iter().enumerate() {
        let peer_at = offset;
        let peer_bytes = (peer.encode_utf16().count() + 1) * 2;
        write_wide(&mut block.bytes_mut()[peer_at..peer_at + peer_bytes], peer);
        let friendly_at = peer_at + peer_bytes;
        let friendly_bytes = (friendly.encode_utf16().count() + 1) * 2;
        write_wide(
            &mut block.bytes_mut()[friendly_at..friendly_at + friendly_bytes],
            friendly,
        );
        offset = friendly_at + friendly_bytes;

        let pair_at = array_len + i * size_of::<PEER_NAME_PAIR>();
        // SAFETY: every offset below is inside the block (the lengths were
        // summed above); `base` is aligned for pointers (malloc) and so are
        // `pair_at` and `i * size_of::<*mut c_void>()`; the block is owned
        // here and nothing else refers to it.
        unsafe {
            let pair = base.add(pair_at).cast::<PEER_NAME_PAIR>();
            pair.write(PEER_NAME_PAIR {
                dwSize: size_of::<PEER_NAME_PAIR>() as u32,
                pwzPeerName: base.add(peer_at).cast(),
                pwzFriendlyName: base.add(friendly_at).cast(),
            });
            base.cast::<*mut c_void>().add(i).write(pair.cast());
        }
    }
    Ok(block.into_raw().cast())
}

/// Frees a block this library returned. NULL is a no-op.
///
/// # Safety
/// `pvData` is NULL or a pointer returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PeerFreeData(pvData: LPCVOID) {
    // SAFETY: forwarded to the caller.
    call::or((), || unsafe { free(pvData) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::utf16;

    #[test]
    fn wide_string_round_trips_and_frees() {
        for s in ["", "abc", "é中😀"] {
            let p = wide_string(s).expect("alloc");
            // SAFETY: p is a NUL-terminated string we just allocated.
            let back = unsafe { utf16::read(p, 100) }.expect("valid");
            assert_eq!(back, s);
            // SAFETY: p came from wide_string and is freed once.
            unsafe { free(p.cast()) };
        }
        // SAFETY: NULL is a no-op.
        unsafe { free(ptr::null()) };
    }

    #[test]
    fn name_pairs_are_one_block() {
        let items = vec![
            ("aa.x".to_owned(), "Alice 😀".to_owned()),
            ("bb.".to_owned(), String::new()),
        ];
        let array = name_pair_array(&items).expect("alloc");
        for (i, (peer, friendly)) in items.iter().enumerate() {
            // SAFETY: the array holds items.len() pointers to valid pairs
            // whose strings are NUL-terminated, all inside the block.
            unsafe {
                let pair = &*(*array.add(i)).cast::<PEER_NAME_PAIR>();
                assert_eq!(pair.dwSize as usize, size_of::<PEER_NAME_PAIR>());
                assert_eq!(&utf16::read(pair.pwzPeerName, 100).expect("ok"), peer);
                assert_eq!(
                    &utf16::read(pair.pwzFriendlyName, 100).expect("ok"),
                    friendly
                );
            }
        }
        // SAFETY: one free releases the whole block.
        unsafe { free(array.cast()) };
        assert!(name_pair_array(&[]).expect("empty").is_null());
    }
}
