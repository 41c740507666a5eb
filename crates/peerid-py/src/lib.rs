//! The Python package `peerid` (docs/design.md §13): its extension module
//! `peerid._peerid`, re-exported by `python/peerid/__init__.py`. The types
//! and their documentation for Python are in `python/peerid/_peerid.pyi`.
//!
//! Like the C ABI, this layer holds no logic of its own: it converts
//! arguments ([`convert`]), calls the safe library with the GIL released
//! ([`shared`]), and maps errors to the exceptions of §5 ([`errors`]).

mod convert;
mod errors;
mod identity;
mod peers;
mod seal;
mod shared;
mod store;

use peerid::{PeerName, SshSignature};
use pyo3::prelude::*;

use convert::Data;
use errors::{IntoPy, to_py};

/// Checks that `signature` (armoured, str or bytes) is a good signature by
/// `peer` over `data` in `namespace`; returns nothing, raises
/// `BadSignature` otherwise. The peer name is self-certifying: the
/// signature's key must hash to its authority. With `store`, a peer that is
/// one of its identities or in its peer book must also have signed with the
/// key stored for it.
#[pyfunction]
#[pyo3(signature = (peer, namespace, data, signature, store = None))]
fn verify(
    py: Python<'_>,
    peer: &str,
    namespace: &str,
    data: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    store: Option<&Bound<'_, store::Store>>,
) -> PyResult<()> {
    let peer = convert::peer_name(peer)?;
    let text = convert::document(signature)?;
    let text = std::str::from_utf8(&text)
        .map_err(|_| errors::invalid("an armoured SSH signature is ASCII text"))?;
    let signature = SshSignature::from_armored(text).py_err()?;
    let known = match store {
        Some(s) => known_key(py, s.get(), &peer)?,
        None => None,
    };
    let mut data = Data::from_py(data)?;
    let reader = data.reader();
    let checked =
        py.detach(|| peerid::verify(&peer, namespace, reader, &signature, known.as_ref()));
    match (checked, data.take_error()) {
        (_, Some(e)) => Err(e),
        (Ok(()), None) => Ok(()),
        (Err(e), None) => Err(to_py(e)),
    }
}

/// The key `store` holds for `peer` (one of its identities, else a peer-book
/// entry), as `Store::verify` looks it up: read under the lock, which is
/// then let go before the message is read.
fn known_key(
    py: Python<'_>,
    store: &store::Store,
    peer: &PeerName,
) -> PyResult<Option<peerid::PublicKey>> {
    store.with_store(py, |s| match s.public_key(peer) {
        Ok(k) => Ok(Some(k)),
        Err(peerid::Error::NotFound { .. }) => match s.peer(peer) {
            Ok(p) => Ok(Some(p.public_key().clone())),
            Err(peerid::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    })
}

/// The peer name an identity certificate (DER, as
/// `ssl.SSLSocket.getpeercert(binary_form=True)` returns it) proves, after
/// checking its self-signature and that the name has its key's authority:
/// the name it carries, else `<authority>.` (`Idc::proven_peer_name`).
/// Raises `InvalidArgument` for a certificate that is not a valid IDC.
#[pyfunction]
fn peer_name_of_certificate(py: Python<'_>, der: &[u8]) -> PyResult<String> {
    let idc = py.detach(|| peerid::Idc::from_der(der)).py_err()?;
    Ok(idc.proven_peer_name().to_string())
}

/// The extension module `peerid._peerid`.
#[pymodule]
fn _peerid(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<store::Store>()?;
    m.add_class::<identity::Identity>()?;
    m.add_class::<peers::PeerBook>()?;
    m.add_class::<peers::Peer>()?;
    m.add_class::<seal::SealStatus>()?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(peer_name_of_certificate, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "DEFAULT_ITERATIONS",
        peerid::ExportParams::MODERN_ITERATIONS,
    )?;
    m.add("LEGACY_ITERATIONS", peerid::ExportParams::LEGACY_ITERATIONS)?;
    m.add(
        "DEFAULT_MAX_ITERATIONS",
        peerid::transfer::DEFAULT_MAX_ITERATIONS,
    )?;
    Ok(())
}
