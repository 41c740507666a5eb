//! `peerid.Identity`: one of the store's own identities, as `list` shows
//! it. It holds no key: `sign` reads the key from the store for the one
//! signature and wipes it after.

use std::sync::Arc;

use peerid::{IdentitySummary, PeerName};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::Data;
use crate::errors::{IntoPy, to_py};
use crate::shared::Shared;

/// One identity of a store. Its attributes are as they were when it was
/// read from the store (a later rename or change of default does not change
/// this object); the methods read the store again.
#[pyclass(frozen, module = "peerid")]
pub struct Identity {
    shared: Arc<Shared>,
    name: PeerName,
    friendly_name: String,
    key_type: String,
    is_default: bool,
}

impl Identity {
    /// The Python object for a summary the store returned.
    pub(crate) fn new(shared: &Arc<Shared>, s: IdentitySummary) -> Identity {
        Identity {
            shared: Arc::clone(shared),
            name: s.peer_name,
            friendly_name: s.friendly_name.as_str().to_owned(),
            key_type: s.key_type.name(),
            is_default: s.is_default,
        }
    }
}

#[pymethods]
impl Identity {
    /// The secure peer name, `<authority>.<classifier>`.
    #[getter]
    fn peer_name(&self) -> String {
        self.name.to_string()
    }

    /// The authority: 40 hex digits, the SHA-1 of the public key.
    #[getter]
    fn authority(&self) -> String {
        self.name.authority().to_string()
    }

    /// The classifier: the part after the dot (may be empty).
    #[getter]
    fn classifier(&self) -> String {
        self.name.classifier().to_string()
    }

    /// The friendly name, or the peer name when none is set.
    #[getter]
    fn friendly_name(&self) -> &str {
        &self.friendly_name
    }

    /// The key type: ed25519, p256, p384, rsa2048, ...
    #[getter]
    fn key_type(&self) -> &str {
        &self.key_type
    }

    /// Whether this was the store's default identity.
    #[getter]
    fn is_default(&self) -> bool {
        self.is_default
    }

    /// The identity's `PEERIDENTITYINFO` document: its certificate, public,
    /// safe to give to anyone (`store.peers.add` on another machine).
    fn info_xml(&self, py: Python<'_>) -> PyResult<String> {
        let name = &self.name;
        self.shared.with(py, |s| s.info_xml(Some(name)))
    }

    /// The identity certificate (IDC), DER: what a TLS handshake presents.
    fn certificate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let xml = self.info_xml(py)?;
        let idc = py
            .detach(|| peerid::Idc::from_info_xml(xml.as_bytes()))
            .py_err()?;
        Ok(PyBytes::new(py, idc.as_der()))
    }

    /// The OpenSSH public key line (`ssh-ed25519 AAAA...`), for an
    /// `allowed_signers` file or `authorized_keys`.
    fn ssh_public_key(&self, py: Python<'_>) -> PyResult<String> {
        let name = &self.name;
        self.shared
            .with(py, |s| Ok(s.public_key(name)?.to_openssh()))
    }

    /// Signs `data` (bytes, or a binary file object, read in pieces and
    /// never held whole) in `namespace` as `ssh-keygen -Y sign -n NAMESPACE`
    /// does, and returns the armoured signature
    /// (`-----BEGIN SSH SIGNATURE-----`). The GIL is released while the data
    /// is hashed and signed.
    fn sign(&self, py: Python<'_>, namespace: &str, data: &Bound<'_, PyAny>) -> PyResult<String> {
        let mut data = Data::from_py(data)?;
        let reader = data.reader();
        let name = &self.name;
        let shared = &self.shared;
        let signed = py.detach(|| {
            // The key is read under the lock, then the lock is let go
            // before the (possibly long) message is read.
            let identity = shared.keyed(|s| s.get(name))?;
            identity.sign_ssh(namespace, reader)
        });
        match (signed, data.take_error()) {
            (_, Some(e)) => Err(e),
            (Ok(sig), None) => Ok(sig.to_armored()),
            (Err(e), None) => Err(to_py(e)),
        }
    }

    fn __repr__(&self) -> String {
        format!("<peerid.Identity {}>", self.name)
    }

    fn __str__(&self) -> String {
        self.name.to_string()
    }
}
