//! The certificate verifier of both sides (docs/design.md §11): exactly one
//! certificate, an IDC (self-issued, self-signature valid, authority = SHA-1
//! of the key bits, SubjectAltName peer name consistent), dates ignored, the
//! handshake signed with the IDC's key, then the caller's [`Policy`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use peerid::{Error, Idc, KeyType};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, OtherError};
use rustls::{SignatureScheme, pki_types};

use crate::Policy;
use crate::sign::scheme_of;

/// The signature schemes offered and accepted, in order of preference.
pub(crate) const SCHEMES: [SignatureScheme; 4] = [
    SignatureScheme::ED25519,
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::RSA_PSS_SHA256,
];

/// The smallest RSA key that authenticates a TLS peer. Importing still
/// accepts RSA-1024 (old Windows identities); TLS does not.
const MIN_TLS_RSA_BITS: u32 = 2048;

/// How many verified IDCs [`PeerVerifier`] remembers.
const IDC_CACHE: usize = 32;

/// A refusal as rustls carries it, with peerid's error inside for
/// [`crate::refusal`].
pub(crate) fn refuse(err: Error) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(err))))
}

fn not_authenticated(peer_name: impl Into<String>, reason: impl Into<String>) -> rustls::Error {
    refuse(Error::NotAuthenticated {
        peer_name: peer_name.into(),
        reason: reason.into(),
    })
}

/// The verifier of a server's certificate (client side) and of a client's
/// (server side; client authentication is mandatory).
pub(crate) struct PeerVerifier {
    policy: Policy,
    /// Certificates that passed [`Idc::from_der`], most recent last, found
    /// by their whole DER ([`Idc::as_der`], the bytes as read): the
    /// handshake signature right after, and the next connection of the same
    /// peer, do not verify the self-signature again. What an IDC proves is
    /// a function of its bytes alone; the policy is checked every time.
    verified: Mutex<VecDeque<Idc>>,
}

impl std::fmt::Debug for PeerVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerVerifier")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl PeerVerifier {
    pub(crate) fn new(policy: Policy) -> PeerVerifier {
        PeerVerifier {
            policy,
            verified: Mutex::new(VecDeque::with_capacity(IDC_CACHE)),
        }
    }

    /// The checks of §11 on the certificate list the peer sent.
    fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> Result<(), rustls::Error> {
        if !intermediates.is_empty() {
            return Err(not_authenticated(
                "the peer",
                format!(
                    "it sent a chain of {} certificates; an identity presents exactly one, its IDC",
                    intermediates.len() + 1
                ),
            ));
        }
        let idc = self.idc_of(end_entity)?;
        let name = idc.proven_peer_name();
        if let KeyType::Rsa(bits) = idc.key_type()
            && bits < MIN_TLS_RSA_BITS
        {
            return Err(not_authenticated(
                name.to_string(),
                format!("RSA-{bits} is too weak for TLS ({MIN_TLS_RSA_BITS} bits at least)"),
            ));
        }
        self.policy.check(&name, &idc).map_err(refuse)?;
        Ok(())
    }

    /// The IDC `cert` is, from the cache or verified now (and cached).
    fn idc_of(&self, cert: &CertificateDer<'_>) -> Result<Idc, rustls::Error> {
        if let Ok(cache) = self.verified.lock()
            && let Some(idc) = cache.iter().rev().find(|idc| idc.as_der() == cert.as_ref())
        {
            return Ok(idc.clone());
        }
        let idc = Idc::from_der(cert.as_ref()).map_err(|e| {
            not_authenticated(
                "the peer",
                format!("its certificate is not a valid identity certificate: {e}"),
            )
        })?;
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() == IDC_CACHE {
                cache.pop_front();
            }
            cache.push_back(idc.clone());
        }
        Ok(idc)
    }

    fn tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let idc = self.idc_of(cert)?;
        let key = idc.public_key();
        let name = key.authority().to_string();
        let kt = key.key_type();
        // The scheme must be the one of the key type (RSA: PSS only).
        if dss.scheme != scheme_of(kt) {
            return Err(not_authenticated(
                name,
                format!(
                    "it signed the handshake with {:?}, which does not fit a {kt} key",
                    dss.scheme
                ),
            ));
        }
        let checked = match dss.scheme {
            SignatureScheme::RSA_PSS_SHA256 => key.verify_rsa_pss_sha256(message, dss.signature()),
            _ => key.verify(message, dss.signature()),
        };
        checked.map_err(|_| not_authenticated(name, "its handshake signature does not verify"))?;
        Ok(HandshakeSignatureValid::assertion())
    }
}

fn no_tls12() -> rustls::Error {
    not_authenticated(
        "the peer",
        "TLS 1.2 is not accepted: peer identities use TLS 1.3 only",
    )
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The server name is not checked: the policy says whom to accept.
        self.check(end_entity, intermediates)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(no_tls12())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        SCHEMES.to_vec()
    }
}

impl ClientCertVerifier for PeerVerifier {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: pki_types::UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity, intermediates)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(no_tls12())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        SCHEMES.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerid::{Classifier, FriendlyName, Identity};
    use rustls::internal::msgs::codec::Codec;

    /// A `DigitallySignedStruct` as it arrives on the wire (rustls makes
    /// them only by decoding).
    fn dss(scheme: SignatureScheme, signature: &[u8]) -> DigitallySignedStruct {
        let mut wire = u16::from(scheme).to_be_bytes().to_vec();
        wire.extend((signature.len() as u16).to_be_bytes());
        wire.extend(signature);
        DigitallySignedStruct::read_bytes(&wire).unwrap()
    }

    #[test]
    fn a_scheme_that_does_not_fit_the_key_is_refused() {
        let id = Identity::generate(
            KeyType::Ed25519,
            Classifier::empty(),
            FriendlyName::default(),
        )
        .unwrap();
        let cert = CertificateDer::from(id.idc().as_der().to_vec());
        let verifier = PeerVerifier::new(Policy::Any);
        let message = b"transcript";
        let good = id.private_key().sign(message).unwrap();
        // The right scheme with a real signature passes: what is refused
        // below is the scheme alone.
        ServerCertVerifier::verify_tls13_signature(
            &verifier,
            message,
            &cert,
            &dss(SignatureScheme::ED25519, &good),
        )
        .unwrap();
        for scheme in [
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::RSA_PSS_SHA256,
        ] {
            let wrong = dss(scheme, &good);
            for err in [
                ServerCertVerifier::verify_tls13_signature(&verifier, message, &cert, &wrong),
                ClientCertVerifier::verify_tls13_signature(&verifier, message, &cert, &wrong),
            ] {
                let err = err.unwrap_err();
                let inner = crate::refusal(&err).unwrap();
                assert_eq!(inner.kind(), peerid::ErrorKind::NotAuthenticated);
                assert!(
                    inner.to_string().contains("which does not fit a"),
                    "{inner}"
                );
            }
        }
    }
}
