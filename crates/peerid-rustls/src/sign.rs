//! rustls signs the handshake through peerid's own key types: the private
//! key is never handed to rustls as bytes (docs/design.md §11).

use std::sync::Arc;

use peerid::{Identity, KeyType, PrivateKey};
use rustls::pki_types::{CertificateDer, SubjectPublicKeyInfoDer};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};

/// The one TLS 1.3 signature scheme of each key type (RFC 8446 §4.2.3).
pub(crate) fn scheme_of(kt: KeyType) -> SignatureScheme {
    match kt {
        KeyType::Ed25519 => SignatureScheme::ED25519,
        KeyType::P256 => SignatureScheme::ECDSA_NISTP256_SHA256,
        KeyType::P384 => SignatureScheme::ECDSA_NISTP384_SHA384,
        // PSS only: TLS 1.3 does not sign handshakes with PKCS#1 v1.5.
        KeyType::Rsa(_) => SignatureScheme::RSA_PSS_SHA256,
    }
}

/// An identity's private key as a rustls [`SigningKey`]. Its `Debug` names
/// the scheme only.
pub(crate) struct IdentityKey {
    key: Arc<PrivateKey>,
    scheme: SignatureScheme,
    spki: Vec<u8>,
}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKey")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl IdentityKey {
    /// A copy of `identity`'s key (peerid's `PrivateKey` is not `Clone`:
    /// the copy goes through its PKCS#8 encoding, which is wiped on drop),
    /// with the IDC as the certificate chain of one.
    pub(crate) fn certified(identity: &Identity) -> peerid::Result<CertifiedKey> {
        let der = identity.private_key().to_pkcs8_der();
        let key = PrivateKey::from_pkcs8_der(&der)?;
        let signing = IdentityKey {
            scheme: scheme_of(key.key_type()),
            spki: key.public_key_info_der(),
            key: Arc::new(key),
        };
        let chain = vec![CertificateDer::from(identity.idc().as_der().to_vec())];
        Ok(CertifiedKey::new(chain, Arc::new(signing)))
    }
}

impl SigningKey for IdentityKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered.contains(&self.scheme).then(|| {
            Box::new(IdentitySigner {
                key: Arc::clone(&self.key),
                scheme: self.scheme,
            }) as Box<dyn Signer>
        })
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(self.spki.as_slice()))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.scheme {
            SignatureScheme::ED25519 => SignatureAlgorithm::ED25519,
            SignatureScheme::RSA_PSS_SHA256 => SignatureAlgorithm::RSA,
            _ => SignatureAlgorithm::ECDSA,
        }
    }
}

/// One handshake's signer.
struct IdentitySigner {
    key: Arc<PrivateKey>,
    scheme: SignatureScheme,
}

impl std::fmt::Debug for IdentitySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySigner")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl Signer for IdentitySigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        // Ed25519 and ECDSA (DER `Ecdsa-Sig-Value`, as TLS carries it) are
        // the key's natural algorithm; RSA takes PSS.
        let signed = match self.scheme {
            SignatureScheme::RSA_PSS_SHA256 => self.key.sign_rsa_pss_sha256(message),
            _ => self.key.sign(message),
        };
        signed.map_err(|e| rustls::Error::General(format!("signing the handshake: {e}")))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use peerid::{Classifier, FriendlyName};

    #[test]
    fn signs_in_the_scheme_of_the_key() {
        for kt in [KeyType::Ed25519, KeyType::P256, KeyType::Rsa(2048)] {
            let id = Identity::generate(kt, Classifier::empty(), FriendlyName::default()).unwrap();
            let ck = IdentityKey::certified(&id).unwrap();
            assert_eq!(ck.cert[0].as_ref(), id.idc().as_der());
            assert!(ck.key.choose_scheme(&[SignatureScheme::ED448]).is_none());
            let signer = ck.key.choose_scheme(&[scheme_of(kt)]).unwrap();
            let sig = signer.sign(b"transcript").unwrap();
            let public = id.public_key();
            match kt {
                KeyType::Rsa(_) => public.verify_rsa_pss_sha256(b"transcript", &sig).unwrap(),
                _ => public.verify(b"transcript", &sig).unwrap(),
            }
            // No key bytes in Debug.
            let dbg = format!("{:?}", ck.key);
            assert!(dbg.contains("IdentityKey") && dbg.len() < 80, "{dbg}");
        }
    }
}
