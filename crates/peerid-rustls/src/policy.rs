//! Whom the other side must be (docs/design.md §11), checked after its IDC
//! is verified.

use peerid::{Authority, Error, Idc, Peer, PeerName, Store};

/// Whom the other side must be, checked after its IDC is verified (§11).
///
/// The peer name a certificate presents is the one in its SubjectAltName;
/// an IDC without one presents `<authority>.` (its authority and an empty
/// classifier), which only [`Policy::Authority`], [`Policy::Any`] and a
/// policy naming exactly `<authority>.` accept.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum Policy {
    /// Exactly this peer name (authority and classifier).
    PeerName(PeerName),
    /// Any one of these peer names.
    OneOf(Vec<PeerName>),
    /// Any classifier of this authority.
    Authority(Authority),
    /// A peer of this peer-book snapshot: its IDC's key must be the stored one.
    /// A server configuration keeps its snapshot: after a peer-book change
    /// build a new one, without the old `session_storage`/`ticketer` (TLS
    /// 1.3 resumption does not re-run the verifier, so a removed peer would
    /// resume its old session).
    PeerBook(Vec<Peer>),
    /// Any peer with a valid IDC (trust on first use; the application decides).
    Any,
}

impl Policy {
    /// `Policy::PeerBook(store.peers()?)`: the store's peer book as it is
    /// now; peers added later are not seen by this policy.
    ///
    /// # Errors
    /// As [`Store::peers`].
    pub fn peer_book(store: &Store) -> peerid::Result<Policy> {
        Ok(Policy::PeerBook(store.peers()?))
    }

    /// Whether the peer `name` proved by `idc` passes this policy.
    pub(crate) fn check(&self, name: &PeerName, idc: &Idc) -> peerid::Result<()> {
        let refuse = |reason: String| {
            Err(Error::NotAuthenticated {
                peer_name: name.to_string(),
                reason,
            })
        };
        match self {
            Policy::PeerName(expected) if expected == name => Ok(()),
            Policy::PeerName(expected) => refuse(format!("the peer expected is {expected}")),
            Policy::OneOf(list) if list.contains(name) => Ok(()),
            Policy::OneOf(list) => refuse(format!(
                "it is not one of the {} peers expected",
                list.len()
            )),
            Policy::Authority(a) if a == name.authority() => Ok(()),
            Policy::Authority(a) => refuse(format!("the authority expected is {a}")),
            Policy::PeerBook(peers) => match peers.iter().find(|p| p.peer_name() == name) {
                Some(p) if p.public_key() == idc.public_key() => Ok(()),
                Some(_) => refuse("its key is not the one in the peer book".to_owned()),
                None => refuse("it is not in the peer book".to_owned()),
            },
            Policy::Any => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use peerid::{Classifier, FriendlyName, Identity, KeyType};

    /// A peer-book name with another key cannot come through a valid IDC
    /// (the name's authority is the key's hash), so the check is tested
    /// here, on its own.
    #[test]
    fn peer_book_key_must_be_the_stored_one() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path().join("s")).unwrap();
        let bob = Identity::generate(
            KeyType::Ed25519,
            Classifier::new("b").unwrap(),
            FriendlyName::default(),
        )
        .unwrap();
        let other = Identity::generate(
            KeyType::Ed25519,
            Classifier::new("b").unwrap(),
            FriendlyName::default(),
        )
        .unwrap();
        store
            .add_peer(bob.idc().to_info_xml().as_bytes(), None)
            .unwrap();
        let book = Policy::peer_book(&store).unwrap();
        book.check(bob.peer_name(), bob.idc()).unwrap();
        let err = book.check(bob.peer_name(), other.idc()).unwrap_err();
        assert!(
            err.to_string().contains("not the one in the peer book"),
            "{err}"
        );
        assert_eq!(err.kind(), peerid::ErrorKind::NotAuthenticated);
        let err = book.check(other.peer_name(), other.idc()).unwrap_err();
        assert!(err.to_string().contains("not in the peer book"), "{err}");
    }
}
