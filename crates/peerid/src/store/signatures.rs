//! What the store adds to SSH signatures (docs/design.md §9): the public
//! keys of its identities, so that a signature by one of them must carry
//! the key stored for it.

use std::io::Read;

use super::Store;
use crate::error::{Error, Result};
use crate::key::PublicKey;
use crate::name::PeerName;
use crate::sshsig::{self, SshSignature};

impl Store {
    /// The identities whose key is `key`, ordered by peer name (several
    /// identities may share one key, with other classifiers).
    ///
    /// # Errors
    /// Store errors.
    pub fn identities_with_key(&self, key: &PublicKey) -> Result<Vec<PeerName>> {
        let authority = key.authority();
        let mut names = Vec::new();
        for s in self.list()? {
            if s.peer_name.authority() == &authority && &self.public_key(&s.peer_name)? == key {
                names.push(s.peer_name);
            }
        }
        Ok(names)
    }

    /// Checks that `signature` is a good signature by `peer` over `data` in
    /// `namespace`, as [`sshsig::verify`](crate::verify) does, with the key
    /// this store holds for `peer` when it holds one: one of its
    /// identities' or a peer-book entry's ([`Store::peer`]). A peer it does
    /// not hold is still checked by its self-certifying name.
    ///
    /// ```
    /// use peerid::{CreateOptions, SshSignature, Store};
    ///
    /// # fn main() -> peerid::Result<()> {
    /// # let tmp = tempfile::tempdir().unwrap();
    /// let store = Store::open(tmp.path().join("store"))?;
    /// let name = store.create(&CreateOptions::default())?;
    /// let sig = store.get(&name)?.sign_ssh("file", &b"report"[..])?;
    /// store.verify(&name, "file", &b"report"[..], &sig)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`sshsig::verify`](crate::verify), and store errors.
    pub fn verify(
        &self,
        peer: &PeerName,
        namespace: &str,
        data: impl Read,
        signature: &SshSignature,
    ) -> Result<()> {
        let known = match self.public_key(peer) {
            Ok(k) => Some(k),
            Err(Error::NotFound { .. }) => match self.peer(peer) {
                Ok(p) => Some(p.public_key().clone()),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        };
        sshsig::verify(peer, namespace, data, signature, known.as_ref())
    }
}
