//! The boundary every exported function goes through: run the body, turn a
//! library error into its HRESULT, and never let a panic unwind into C.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::types::{E_FAIL, HRESULT, S_OK};

/// Runs `body` and returns its HRESULT: `S_OK`, the error's code, or
/// `E_FAIL` if it panicked.
pub fn hresult(body: impl FnOnce() -> Result<(), HRESULT>) -> HRESULT {
    // AssertUnwindSafe: after a panic we only return E_FAIL; the registries
    // stay usable because their locks ignore poisoning (see handles.rs) and
    // every update to them is a single insert or remove.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => S_OK,
        Ok(Err(hr)) => hr,
        Err(_) => E_FAIL,
    }
}

/// Runs `body`, returning `fallback` if it panicked (for the functions that
/// return no HRESULT).
pub fn or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The HRESULT of a library error.
pub fn lib_err(e: peerid::Error) -> HRESULT {
    e.hresult()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::E_INVALIDARG;

    #[test]
    fn maps_results_and_panics() {
        assert_eq!(hresult(|| Ok(())), S_OK);
        assert_eq!(hresult(|| Err(E_INVALIDARG)), E_INVALIDARG);
        assert_eq!(hresult(|| panic!("boom")), E_FAIL);
        assert_eq!(or(7, || panic!("boom")), 7);
    }
}
