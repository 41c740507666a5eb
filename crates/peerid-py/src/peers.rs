//! `store.peers`: the peer book (docs/design.md §10), other peers' public
//! identities kept beside one's own.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use peerid::FriendlyName;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyIterator, PyList};

use crate::convert::peer_name;
use crate::errors::IntoPy;
use crate::shared::Shared;

/// Another peer's public identity, as the peer book holds it.
#[pyclass(frozen, module = "peerid")]
pub struct Peer {
    peer: peerid::Peer,
}

#[pymethods]
impl Peer {
    /// The peer name its certificate proves.
    #[getter]
    fn peer_name(&self) -> String {
        self.peer.peer_name().to_string()
    }

    /// The authority: 40 hex digits, the SHA-1 of the peer's public key.
    #[getter]
    fn authority(&self) -> String {
        self.peer.peer_name().authority().to_string()
    }

    /// The classifier: the part after the dot (may be empty).
    #[getter]
    fn classifier(&self) -> String {
        self.peer.peer_name().classifier().to_string()
    }

    /// The friendly name given when it was added, or the peer name.
    #[getter]
    fn friendly_name(&self) -> &str {
        self.peer.friendly_name().as_str()
    }

    /// The key type: ed25519, p256, p384, rsa2048, ...
    #[getter]
    fn key_type(&self) -> String {
        self.peer.idc().key_type().name()
    }

    /// When it was added, as seconds since the Unix epoch (UTC).
    #[getter]
    fn added_at(&self) -> u64 {
        self.peer
            .added_at()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// The peer's identity certificate (IDC), DER.
    #[getter]
    fn certificate<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.peer.idc().as_der())
    }

    /// The OpenSSH public key line (`ssh-ed25519 AAAA...`).
    fn ssh_public_key(&self) -> String {
        self.peer.public_key().to_openssh()
    }

    /// The peer's `PEERIDENTITYINFO` document.
    fn info_xml(&self) -> String {
        self.peer.idc().to_info_xml()
    }

    fn __repr__(&self) -> String {
        format!("<peerid.Peer {}>", self.peer.peer_name())
    }

    fn __str__(&self) -> String {
        self.peer.peer_name().to_string()
    }
}

/// The peer book of a store: `store.peers`.
#[pyclass(frozen, module = "peerid")]
pub struct PeerBook {
    shared: Arc<Shared>,
}

impl PeerBook {
    /// The peer book of a store.
    pub(crate) fn new(shared: &Arc<Shared>) -> PeerBook {
        PeerBook {
            shared: Arc::clone(shared),
        }
    }
}

#[pymethods]
impl PeerBook {
    /// Adds a peer from its `PEERIDENTITYINFO` document (str or bytes,
    /// `Identity.info_xml()` of the other side). The certificate's
    /// self-signature and peer name are checked; a peer already in the book
    /// is kept, never replaced (`AlreadyExists`).
    #[pyo3(signature = (document, friendly_name = None))]
    fn add(
        &self,
        py: Python<'_>,
        document: &Bound<'_, PyAny>,
        friendly_name: Option<&str>,
    ) -> PyResult<Peer> {
        let doc = crate::convert::document(document)?;
        let friendly = friendly_name.map(FriendlyName::new).transpose().py_err()?;
        let peer = self.shared.with(py, |s| s.add_peer(&doc, friendly))?;
        Ok(Peer { peer })
    }

    /// Every peer, ordered by peer name.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<Peer>> {
        let peers = self.shared.with(py, |s| s.peers())?;
        Ok(peers.into_iter().map(|peer| Peer { peer }).collect())
    }

    /// Removes a peer (its row is overwritten in the database).
    fn remove(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        let name = peer_name(name)?;
        self.shared.with(py, |s| s.remove_peer(&name))
    }

    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Peer> {
        let name = peer_name(name)?;
        let peer = self.shared.with(py, |s| s.peer(&name))?;
        Ok(Peer { peer })
    }

    fn __delitem__(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.remove(py, name)
    }

    fn __contains__(&self, py: Python<'_>, name: &Bound<'_, PyAny>) -> PyResult<bool> {
        // Anything but a str naming a peer is not in the book.
        let Ok(name) = name.extract::<String>() else {
            return Ok(false);
        };
        let Ok(name) = peer_name(&name) else {
            return Ok(false);
        };
        match py.detach(|| self.shared.lock().peer(&name)) {
            Ok(_) => Ok(true),
            Err(peerid::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(crate::errors::to_py(e)),
        }
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.shared.with(py, |s| s.peers())?.len())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        let list = PyList::new(py, self.list(py)?)?;
        PyIterator::from_object(&list)
    }
}
