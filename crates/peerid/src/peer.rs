//! The peer book (docs/design.md §10): other peers' public identities, kept
//! in the [`Store`](crate::Store) beside one's own.
//!
//! A peer is added from the `PEERIDENTITYINFO` document it gives out
//! ([`Store::add_peer`](crate::Store::add_peer)); its IDC's self-signature
//! is checked then, and again each time it is read back.
//!
//! ```
//! use peerid::{Classifier, FriendlyName, Identity, KeyType, Store};
//!
//! # fn main() -> peerid::Result<()> {
//! # let tmp = tempfile::tempdir().unwrap();
//! // Bob gives out his identity info document...
//! let bob = Identity::generate(KeyType::Ed25519, Classifier::new("chat")?, FriendlyName::default())?;
//! let document = bob.idc().to_info_xml();
//!
//! // ... and Alice keeps it in her peer book.
//! let alice = Store::open(tmp.path().join("alice"))?;
//! let added = alice.add_peer(document.as_bytes(), Some(FriendlyName::new("Bob")?))?;
//! assert_eq!(added.peer_name(), bob.peer_name());
//! assert_eq!(added.public_key(), bob.public_key());
//! assert_eq!(added.friendly_name().as_str(), "Bob");
//!
//! // Added once, never replaced.
//! assert!(matches!(
//!     alice.add_peer(document.as_bytes(), None),
//!     Err(peerid::Error::AlreadyExists { .. })
//! ));
//! assert_eq!(alice.peers()?, vec![alice.peer(bob.peer_name())?]);
//!
//! alice.remove_peer(bob.peer_name())?;
//! assert!(alice.peers()?.is_empty());
//! # Ok(()) }
//! ```

use std::time::SystemTime;

use crate::idc::Idc;
use crate::key::PublicKey;
use crate::name::{FriendlyName, PeerName};

/// Largest `PEERIDENTITYINFO` document [`Store::add_peer`](crate::Store::add_peer)
/// reads, in bytes (1 MiB); a longer one is [`Error::InputTooLarge`](crate::Error::InputTooLarge)
/// before any parsing. A reader should stop one byte past it.
pub const MAX_INFO_BYTES: usize = crate::format::identity_info::MAX_INFO_LEN;

/// One entry of the peer book: another peer's public identity (no private
/// key), as proved by its IDC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub(crate) peer_name: PeerName,
    pub(crate) idc: Idc,
    pub(crate) friendly_name: FriendlyName,
    pub(crate) added_at: SystemTime,
}

impl Peer {
    /// The peer name its IDC proves (its authority is the hash of the key).
    pub fn peer_name(&self) -> &PeerName {
        &self.peer_name
    }

    /// The peer's identity certificate, exactly as its document carried it;
    /// its self-signature verifies.
    pub fn idc(&self) -> &Idc {
        &self.idc
    }

    /// The peer's public key (the IDC's).
    pub fn public_key(&self) -> &PublicKey {
        self.idc.public_key()
    }

    /// The friendly name given when it was added, or the peer name when
    /// none was given (a `PEERIDENTITYINFO` document carries none).
    pub fn friendly_name(&self) -> &FriendlyName {
        &self.friendly_name
    }

    /// When it was added to this store (whole seconds).
    pub fn added_at(&self) -> SystemTime {
        self.added_at
    }
}
