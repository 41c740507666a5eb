//! The peer book's operations on a [`Store`] (docs/design.md §10).

use std::time::{Duration, UNIX_EPOCH};

use super::db::PeerRecord;
use super::{Store, now_unix};
use crate::error::{Error, Result};
use crate::format::identity_info;
use crate::idc::Idc;
use crate::key::KeyType;
use crate::name::{FriendlyName, PeerName};
use crate::peer::Peer;

impl Store {
    /// Adds another peer's public identity to the peer book from its
    /// `PEERIDENTITYINFO` document (docs/design.md §3), read by the same
    /// strict, size-capped parser as [`Idc::from_info_xml`]: the IDC's
    /// self-signature must verify and the peer name it carries must have
    /// its key's authority. `friendly_name` `None` (or empty) leaves it
    /// unset: [`Peer::friendly_name`] is then the peer name.
    ///
    /// One of this store's own identities may be added too: the document is
    /// public data, and the peer book keeps it apart from the identity.
    ///
    /// See [the module example](crate::peer).
    ///
    /// # Errors
    /// [`Error::InputTooLarge`] over 1 MiB, before any parsing;
    /// [`Error::MalformedDocument`], then the errors of [`Idc::from_der`]
    /// ([`Error::BadSignature`], [`Error::PeerNameMismatch`],
    /// [`Error::UnsupportedAlgorithm`], ...); [`Error::AlreadyExists`] if a
    /// peer of that name is already in the book, whatever its key (it is
    /// kept, never replaced); or a store error. Nothing is stored on any
    /// error.
    pub fn add_peer(&self, document: &[u8], friendly_name: Option<FriendlyName>) -> Result<Peer> {
        let idc = identity_info::parse(document)?;
        let peer_name = idc.proven_peer_name();
        let stored_friendly = friendly_name.unwrap_or_default();
        let added_at = now_unix();
        let record = PeerRecord {
            peer_name: peer_name.to_string(),
            authority: peer_name.authority().to_string(),
            classifier: peer_name.classifier().to_string(),
            friendly_name: stored_friendly.as_str().to_owned(),
            key_type: idc.key_type().name(),
            certificate: idc.as_der().to_vec(),
            added_at,
        };
        self.db.insert_peer(&record)?;
        self.peer_of(record)
    }

    /// Every peer in the book, ordered by peer name.
    ///
    /// # Errors
    /// [`Error::StoreCorrupted`] if a stored entry does not parse or verify,
    /// or a store error.
    pub fn peers(&self) -> Result<Vec<Peer>> {
        let mut out = Vec::new();
        self.db.peers_each(|r| {
            out.push(self.peer_of(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// One peer of the book.
    ///
    /// # Errors
    /// [`Error::NotFound`] if there is none of that name (identities are not
    /// looked at), [`Error::StoreCorrupted`], or a store error.
    pub fn peer(&self, name: &PeerName) -> Result<Peer> {
        let record = self.db.peer(&name.to_string())?;
        self.peer_of(record)
    }

    /// Removes a peer from the book; its row is overwritten in the database
    /// (secure delete). Identities are never touched.
    ///
    /// # Errors
    /// [`Error::NotFound`] if there is none of that name, or a store error.
    pub fn remove_peer(&self, name: &PeerName) -> Result<()> {
        self.db.remove_peer(&name.to_string())
    }

    /// A stored entry as a [`Peer`], re-verifying its IDC: what is read back
    /// is what was checked when it was added.
    fn peer_of(&self, r: PeerRecord) -> Result<Peer> {
        let corrupted = |reason: String| Error::StoreCorrupted {
            path: self.db.path().to_owned(),
            reason,
        };
        let peer_name = PeerName::parse_secure(&r.peer_name).map_err(|e| {
            corrupted(format!(
                "stored peer name {:?} is invalid: {e}",
                r.peer_name
            ))
        })?;
        let idc = Idc::from_der(&r.certificate).map_err(|e| {
            corrupted(format!(
                "the certificate of peer {peer_name} does not verify: {e}"
            ))
        })?;
        if idc.proven_peer_name() != peer_name
            || KeyType::from_name(&r.key_type) != Some(idc.key_type())
        {
            return Err(corrupted(format!(
                "the stored certificate of peer {peer_name} is not that peer's"
            )));
        }
        let shown = if r.friendly_name.is_empty() {
            &r.peer_name
        } else {
            &r.friendly_name
        };
        let friendly_name = FriendlyName::new(shown)
            .map_err(|e| corrupted(format!("stored friendly name of peer {peer_name}: {e}")))?;
        let added_at = UNIX_EPOCH + Duration::from_secs(u64::try_from(r.added_at).unwrap_or(0));
        Ok(Peer {
            peer_name,
            idc,
            friendly_name,
            added_at,
        })
    }
}
