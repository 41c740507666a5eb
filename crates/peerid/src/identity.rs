//! An identity: a key pair, its self-signed identity certificate (the IDC),
//! the secure peer name they prove, and a friendly name (docs/design.md §2).

use std::fmt;
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::idc::Idc;
use crate::key::{KeyType, PrivateKey, PublicKey};
use crate::name::{Classifier, FriendlyName, PeerName};

/// An identity: peer name, private key, IDC and friendly name, consistent
/// with each other (the IDC is over the key, and the peer name has the
/// key's authority). Made by [`Identity::generate`], read from an export
/// document by [`transfer::import`](crate::transfer::import), or taken from
/// a [`Store`](crate::Store).
///
/// The private key is wiped from memory when the identity is dropped, and
/// `Debug` prints none of it.
pub struct Identity {
    peer_name: PeerName,
    key: PrivateKey,
    idc: Idc,
    friendly_name: FriendlyName,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("peer_name", &self.peer_name)
            .field("key_type", &self.key.key_type())
            .field("friendly_name", &self.friendly_name)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// A new identity: a new key of type `key_type` from the operating
    /// system's CSPRNG, named `<authority>.<classifier>`, with an IDC valid
    /// from now. An unset (empty) friendly name shows as the peer name.
    ///
    /// # Errors
    /// [`Error::UnknownKeyType`] for a key type peerid does not create
    /// (P-384, RSA sizes other than 2048/3072/4096); [`Error::Failed`] if
    /// the system random number generator fails.
    pub fn generate(
        key_type: KeyType,
        classifier: Classifier,
        friendly_name: FriendlyName,
    ) -> Result<Identity> {
        Identity::from_key(PrivateKey::generate(key_type)?, classifier, friendly_name)
    }

    /// A new identity on an existing key (the `hCryptProv` of
    /// `PeerIdentityCreate`): the key's authority, the given classifier, a
    /// new IDC valid from now.
    ///
    /// # Errors
    /// [`Error::Failed`] if the system random number generator or signing
    /// fails.
    pub fn from_key(
        key: PrivateKey,
        classifier: Classifier,
        friendly_name: FriendlyName,
    ) -> Result<Identity> {
        let peer_name = PeerName::new(key.authority(), classifier);
        let idc = Idc::build(&key, &peer_name, SystemTime::now())?;
        Ok(Identity {
            peer_name,
            key,
            idc,
            friendly_name,
        })
    }

    /// An identity from parts whose consistency was already proved (an
    /// import's checks, or the store's own records).
    pub(crate) fn from_verified_parts(
        peer_name: PeerName,
        key: PrivateKey,
        idc: Idc,
        friendly_name: FriendlyName,
    ) -> Identity {
        Identity {
            peer_name,
            key,
            idc,
            friendly_name,
        }
    }

    /// Checks that `key`, `idc` and `peer_name` belong together, then makes
    /// the identity.
    ///
    /// # Errors
    /// [`Error::KeyCertificateMismatch`] if the IDC is not over the key;
    /// [`Error::PeerNameMismatch`] if the peer name has another authority or
    /// the IDC names another peer name.
    pub fn from_parts(
        peer_name: PeerName,
        key: PrivateKey,
        idc: Idc,
        friendly_name: FriendlyName,
    ) -> Result<Identity> {
        if idc.public_key() != &key.public_key() {
            return Err(Error::KeyCertificateMismatch);
        }
        if peer_name.authority() != &key.authority()
            || idc.peer_name().is_some_and(|n| n != &peer_name)
        {
            return Err(Error::PeerNameMismatch {
                reason: format!("{peer_name} is not the name the key and its certificate prove"),
            });
        }
        Ok(Identity::from_verified_parts(
            peer_name,
            key,
            idc,
            friendly_name,
        ))
    }

    /// The secure peer name, `<authority>.<classifier>`.
    pub fn peer_name(&self) -> &PeerName {
        &self.peer_name
    }

    /// The public key (the IDC's).
    pub fn public_key(&self) -> &PublicKey {
        self.idc.public_key()
    }

    /// The identity certificate.
    pub fn idc(&self) -> &Idc {
        &self.idc
    }

    /// The friendly name; unset (empty) shows as the peer name.
    pub fn friendly_name(&self) -> &FriendlyName {
        &self.friendly_name
    }

    /// Replaces the friendly name.
    pub fn set_friendly_name(&mut self, friendly_name: FriendlyName) {
        self.friendly_name = friendly_name;
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key.key_type()
    }

    /// Signs `msg` with the identity's key in its natural algorithm
    /// ([`PrivateKey::sign`] has the table); [`PublicKey::verify`] checks it.
    ///
    /// # Errors
    /// As [`PrivateKey::sign`].
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        self.key.sign(msg)
    }
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generate_sign_verify() {
        for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
            let id = Identity::generate(
                kt,
                Classifier::new("chat").unwrap(),
                FriendlyName::new("Alice").unwrap(),
            )
            .unwrap();
            assert_eq!(id.key_type(), kt);
            assert_eq!(id.peer_name().classifier().as_str(), "chat");
            assert_eq!(id.peer_name().authority(), &id.public_key().authority());
            assert_eq!(id.idc().peer_name(), Some(id.peer_name()));
            assert_eq!(id.friendly_name().as_str(), "Alice");
            let sig = id.sign(b"hello").unwrap();
            id.public_key().verify(b"hello", &sig).unwrap();
            assert!(id.public_key().verify(b"hellO", &sig).is_err());
        }
    }

    #[test]
    fn from_parts_checks_consistency() {
        let a = Identity::generate(
            KeyType::Ed25519,
            Classifier::empty(),
            FriendlyName::default(),
        )
        .unwrap();
        let b = Identity::generate(
            KeyType::Ed25519,
            Classifier::empty(),
            FriendlyName::default(),
        )
        .unwrap();
        let key = PrivateKey::from_pkcs8_der(&a.private_key().to_pkcs8_der()).unwrap();
        assert!(matches!(
            Identity::from_parts(
                a.peer_name().clone(),
                key,
                b.idc().clone(),
                FriendlyName::default()
            ),
            Err(Error::KeyCertificateMismatch)
        ));
        let key = PrivateKey::from_pkcs8_der(&a.private_key().to_pkcs8_der()).unwrap();
        let other_name = PeerName::new(*a.peer_name().authority(), Classifier::new("x").unwrap());
        assert!(matches!(
            Identity::from_parts(other_name, key, a.idc().clone(), FriendlyName::default()),
            Err(Error::PeerNameMismatch { .. })
        ));
        let key = PrivateKey::from_pkcs8_der(&a.private_key().to_pkcs8_der()).unwrap();
        let again = Identity::from_parts(
            a.peer_name().clone(),
            key,
            a.idc().clone(),
            FriendlyName::default(),
        )
        .unwrap();
        assert_eq!(again.public_key(), a.public_key());
    }
}
