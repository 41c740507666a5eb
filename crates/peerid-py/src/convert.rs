//! Arguments from Python: passwords, peer names, documents and the data a
//! signature is over.

use std::io::{self, Read};

use peerid::PeerName;
use peerid::secrecy::SecretString;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyInt, PyMemoryView, PySlice, PyString};
use zeroize::Zeroize;

use crate::errors::{IntoPy, invalid};

/// A `str` as UTF-8. A lone surrogate makes Python's UnicodeEncodeError,
/// whose `.object` is the whole string: it is dropped here, never raised
/// or chained, and `what` is the InvalidArgument raised instead. Under
/// abi3 (Python 3.9's limited API has no borrowed UTF-8 view of a `str`)
/// the encoding goes through a temporary `bytes` object that Python frees
/// without wiping.
fn utf8(s: &Bound<'_, PyString>, what: &str) -> PyResult<String> {
    match s.to_cow() {
        Ok(text) => Ok(text.into_owned()),
        Err(_) => Err(invalid(what.to_owned())),
    }
}

/// A password given as `str`, or as `bytes` holding UTF-8 (the PKCS#12 and
/// PBES2 derivations are defined on text). The copy is a [`SecretString`],
/// wiped when dropped; the Python object stays the caller's.
pub(crate) fn password(obj: &Bound<'_, PyAny>) -> PyResult<SecretString> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(SecretString::from(utf8(
            s,
            "a password must be valid Unicode (no lone surrogates)",
        )?));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let mut copy = b.as_bytes().to_vec();
        return match String::from_utf8(copy) {
            Ok(s) => Ok(SecretString::from(s)),
            Err(e) => {
                copy = e.into_bytes();
                copy.zeroize();
                // The message says nothing of the bytes themselves.
                Err(invalid("a password given as bytes must be UTF-8"))
            }
        };
    }
    Err(PyTypeError::new_err("a password is a str or bytes"))
}

/// A count (`iterations`, `count`) between 0 and `max`: an `int` out of
/// that range is an InvalidArgument (not OverflowError), anything else a
/// TypeError.
pub(crate) fn count(obj: &Bound<'_, PyAny>, what: &str, max: u64) -> PyResult<u64> {
    if !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!("{what} is an int")));
    }
    match obj.extract::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(invalid(format!(
            "{what} must be between 0 and {max}, not {obj}"
        ))),
    }
}

/// A peer name argument, exactly as `peerid list` prints it.
pub(crate) fn peer_name(name: &str) -> PyResult<PeerName> {
    PeerName::parse(name).py_err()
}

/// A document (XML or an armoured signature) given as `str` or `bytes`.
pub(crate) fn document(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(utf8(s, "a document must be valid Unicode (no lone surrogates)")?.into_bytes());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err("a document is a str or bytes"))
}

/// The data a signature is over: bytes held by Python, or a binary file
/// object read in pieces.
pub(crate) enum Data<'py> {
    /// `bytes` (immutable: read in place with the GIL released), or the
    /// one copy `memoryview.tobytes()` made.
    Bytes(Bound<'py, PyBytes>),
    /// A `bytearray`, which another thread could change while the GIL is
    /// released: read in pieces of at most 64 KiB, each copied with the GIL
    /// held.
    ByteArray(ByteArrayReader),
    /// An object with `read(n) -> bytes`.
    File(PyReader),
}

impl<'py> Data<'py> {
    /// Reads a `data` argument.
    pub(crate) fn from_py(obj: &Bound<'py, PyAny>) -> PyResult<Data<'py>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Data::Bytes(b.clone()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Data::ByteArray(ByteArrayReader {
                array: b.clone().unbind(),
                pos: 0,
            }));
        }
        if obj.cast::<PyMemoryView>().is_ok() {
            // One copy, into an immutable bytes object read in place.
            let bytes = obj.call_method0("tobytes")?;
            return Ok(Data::Bytes(bytes.cast_into::<PyBytes>()?));
        }
        if obj.hasattr("read")? {
            return Ok(Data::File(PyReader {
                file: obj.clone().unbind(),
                error: None,
            }));
        }
        Err(PyTypeError::new_err(
            "data is bytes, bytearray, memoryview or a binary file object",
        ))
    }

    /// The data as a reader that needs no GIL to be handed to another
    /// thread's closure: a slice, or the file reader (which takes the GIL
    /// for each piece).
    pub(crate) fn reader(&mut self) -> DataReader<'_> {
        match self {
            Data::Bytes(b) => DataReader::Slice(b.as_bytes()),
            Data::ByteArray(r) => DataReader::ByteArray(r),
            Data::File(r) => DataReader::File(r),
        }
    }

    /// The Python exception the file raised while being read, if it did:
    /// raised instead of the library's error that it caused.
    pub(crate) fn take_error(&mut self) -> Option<PyErr> {
        match self {
            Data::File(r) => r.error.take(),
            _ => None,
        }
    }
}

/// A [`Read`] over [`Data`].
pub(crate) enum DataReader<'a> {
    /// Bytes in memory.
    Slice(&'a [u8]),
    /// A `bytearray`, a piece at a time.
    ByteArray(&'a mut ByteArrayReader),
    /// A Python file object.
    File(&'a mut PyReader),
}

impl Read for DataReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            DataReader::Slice(s) => s.read(buf),
            DataReader::ByteArray(r) => r.read(buf),
            DataReader::File(r) => r.read(buf),
        }
    }
}

/// A Python binary file object as a [`Read`]: each `read` attaches to the
/// interpreter for one `file.read(n)`, so hashing runs without the GIL.
pub(crate) struct PyReader {
    file: Py<PyAny>,
    error: Option<PyErr>,
}

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = Python::attach(|py| -> PyResult<usize> {
            let chunk = self.file.bind(py).call_method1("read", (buf.len(),))?;
            let chunk = chunk.cast::<PyBytes>().map_err(|_| {
                PyTypeError::new_err("the file's read() must return bytes: open it in binary mode")
            })?;
            let bytes = chunk.as_bytes();
            if bytes.len() > buf.len() {
                return Err(PyTypeError::new_err(
                    "the file's read(n) returned more than n bytes",
                ));
            }
            buf[..bytes.len()].copy_from_slice(bytes);
            Ok(bytes.len())
        });
        got.map_err(|e| {
            self.error = Some(e);
            io::Error::other("the Python file object raised an exception")
        })
    }
}

/// The largest piece of a `bytearray` copied at a time.
const PIECE: usize = 64 * 1024;

/// A `bytearray` as a [`Read`]: each `read` attaches to the interpreter and
/// copies `array[pos:pos + n]`, at most [`PIECE`] bytes, from where the last
/// one stopped (so an array another thread changes meanwhile is read as
/// it then is, never out of bounds).
pub(crate) struct ByteArrayReader {
    array: Py<PyByteArray>,
    pos: usize,
}

impl Read for ByteArrayReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(PIECE);
        let got = Python::attach(|py| -> PyResult<usize> {
            let array = self.array.bind(py);
            let start = isize::try_from(self.pos).unwrap_or(isize::MAX);
            let end = start.saturating_add(isize::try_from(want).unwrap_or(0));
            // array[start:end], a new bytearray of at most `want` bytes.
            let piece = array.get_item(PySlice::new(py, start, end, 1))?;
            let piece = piece.cast::<PyByteArray>()?.to_vec();
            let n = piece.len().min(want);
            buf[..n].copy_from_slice(&piece[..n]);
            Ok(n)
        })
        .map_err(|_| io::Error::other("the bytearray could not be read"))?;
        self.pos += got;
        Ok(got)
    }
}
