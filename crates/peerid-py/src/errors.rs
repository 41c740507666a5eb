//! The library's errors as Python exceptions: one class per row of
//! docs/design.md §5, defined in Python (`python/peerid/_errors.py`, so that
//! they can also be a `ValueError`, `KeyError` or `MemoryError`), each
//! instance carrying the row's HRESULT from the library's one table.

use peerid::ErrorKind;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

/// The exception class for a kind, by its name in `peerid._errors`.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArg => "InvalidArgument",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::AlreadyExists => "AlreadyExists",
        ErrorKind::NoKeyAccess => "NoKeyAccess",
        ErrorKind::StoreCorrupted => "StoreCorrupted",
        ErrorKind::BadDigest => "BadSignature",
        ErrorKind::NotAuthenticated => "NotAuthenticated",
        ErrorKind::OutOfMemory => "OutOfMemory",
        // E_FAIL (I/O and the like), and any kind a later library adds.
        _ => "Error",
    }
}

/// The `.kind` string: the library's `ErrorKind` variant name.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArg => "InvalidArg",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::AlreadyExists => "AlreadyExists",
        ErrorKind::NoKeyAccess => "NoKeyAccess",
        ErrorKind::StoreCorrupted => "StoreCorrupted",
        ErrorKind::BadDigest => "BadDigest",
        ErrorKind::NotAuthenticated => "NotAuthenticated",
        ErrorKind::OutOfMemory => "OutOfMemory",
        _ => "Fail",
    }
}

/// `peerid._errors`, imported once.
fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || Ok(py.import("peerid._errors")?.unbind()))
        .map(|m| m.bind(py))
}

/// The Python exception for a library error. Its message is the library's,
/// which never holds a password or key bytes.
pub(crate) fn to_py(e: peerid::Error) -> PyErr {
    Python::attach(|py| {
        let kind = e.kind();
        let build = || -> PyResult<PyErr> {
            let class = errors_module(py)?.getattr(class_name(kind))?;
            let value = class.call1((e.to_string(),))?;
            // HRESULTs as Python writes them: 0x80070490, not negative.
            value.setattr("hresult", kind.hresult() as u32)?;
            value.setattr("kind", kind_name(kind))?;
            value.setattr("code_name", kind.code_name())?;
            Ok(PyErr::from_value(value))
        };
        build().unwrap_or_else(|broken| broken)
    })
}

/// `map_err` shorthand.
pub(crate) trait IntoPy<T> {
    /// The result with a library error turned into its Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for peerid::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An `InvalidArgument` for an argument the library never sees.
pub(crate) fn invalid(message: impl Into<String>) -> PyErr {
    to_py(peerid::Error::InvalidArgument(message.into()))
}
