//! Mutual TLS 1.3 by secure peer name (docs/design.md §11): rustls
//! configurations in which each side presents its identity certificate (the
//! IDC) and proves its key, and knows afterwards exactly which peer it talks
//! to. A secure peer name is self-certifying (its authority is the SHA-1 of
//! the key), so a client can connect to a peer knowing only its name, and a
//! server knows who connected, with no certificate authority.
//!
//! - [`server_config`] and [`client_config`] present an [`Identity`]'s IDC
//!   and sign the handshake through peerid's own key types: the private key
//!   is never handed to rustls as bytes.
//! - Each side's verifier accepts exactly one certificate, an IDC
//!   ([`Idc::from_der`]: self-issued, self-signature valid, authority = SHA-1
//!   of the key bits, SubjectAltName peer name consistent with it; dates
//!   ignored, identities do not expire), checks the handshake signature with
//!   its key, then the caller's [`Policy`]. Any failure is
//!   [`peerid::Error::NotAuthenticated`]
//!   (`PEER_E_CONNECTION_NOT_AUTHENTICATED`), which [`refusal`] recovers
//!   from the rustls error.
//! - After the handshake, [`peer`] gives the [`AuthenticatedPeer`].
//! - TLS 1.3 only; signature schemes `ed25519`, `ecdsa_secp256r1_sha256`,
//!   `ecdsa_secp384r1_sha384` (imported P-384 identities) and
//!   `rsa_pss_rsae_sha256`. An RSA key must have 2048 bits at least: an
//!   imported RSA-1024 identity (old Windows) is refused in TLS, either
//!   side. The IDC's extended key usages are not looked
//!   at: older IDCs without clientAuth work as client certificates.
//!
//! # Session resumption
//!
//! A TLS 1.3 resumption does not run the certificate verifier again: the
//! peer of the original session is taken as proven. An application that
//! rebuilds its [`rustls::ServerConfig`] after a peer-book change (a new
//! [`Policy::PeerBook`] snapshot) must not carry over `session_storage` or
//! `ticketer` from the old configuration, or a removed peer resumes its old
//! session and is let in. A fresh [`server_config`] has its own.
//!
//! # Crypto provider
//!
//! rustls runs on its *ring* provider ([`rustls::crypto::ring`]), for the
//! key exchange, the record encryption and the handshake hashes. ring is
//! already in peerid's dependency tree (its SHA-2 for SSH signatures), so
//! this adds no second copy of any crypto code, and it builds with the C
//! compiler alone, where aws-lc-rs needs cmake (and nasm on Windows) and a
//! much longer build. rustls's default features, which pull in aws-lc-rs,
//! are off. Signing and certificate checks are peerid's own, the same
//! code as everywhere else in peerid (RustCrypto; ECDSA verification goes
//! through ring, five times faster here).
//!
//! # Example
//!
//! ```
//! use peerid::{Classifier, FriendlyName, Identity, KeyType};
//! use peerid_rustls::{Policy, client_config, peer, server_config, server_name};
//! use rustls::{ClientConnection, ServerConnection};
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let alice = Identity::generate(KeyType::Ed25519, Classifier::new("chat")?, FriendlyName::default())?;
//! let bob = Identity::generate(KeyType::P256, Classifier::new("chat")?, FriendlyName::default())?;
//!
//! // Bob serves anyone of Alice's authority; Alice wants exactly Bob.
//! let server = server_config(&bob, Policy::Authority(*alice.peer_name().authority()))?;
//! let client = client_config(&alice, Policy::PeerName(bob.peer_name().clone()))?;
//! let mut s = ServerConnection::new(Arc::new(server))?;
//! let mut c = ClientConnection::new(Arc::new(client), server_name(Some(bob.peer_name())))?;
//!
//! // In memory here; over a socket, tokio-rustls does this.
//! while c.is_handshaking() || s.is_handshaking() {
//!     let mut buf = Vec::new();
//!     c.write_tls(&mut buf)?;
//!     s.read_tls(&mut buf.as_slice())?;
//!     s.process_new_packets()?;
//!     buf.clear();
//!     s.write_tls(&mut buf)?;
//!     c.read_tls(&mut buf.as_slice())?;
//!     c.process_new_packets()?;
//! }
//! assert_eq!(peer(&c).unwrap().peer_name(), bob.peer_name());
//! assert_eq!(peer(&s).unwrap().peer_name(), alice.peer_name());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod policy;
mod sign;
mod verify;

use std::sync::Arc;

use peerid::{Authority, Idc, Identity, PeerName, PublicKey};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{DnsName, ServerName};
use rustls::sign::SingleCertAndKey;

pub use policy::Policy;
/// The rustls this crate builds on, for callers.
pub use rustls;

use sign::IdentityKey;
use verify::PeerVerifier;

/// The peer a handshake authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedPeer {
    peer_name: PeerName,
    idc: Idc,
}

impl AuthenticatedPeer {
    /// The peer name in its IDC's SubjectAltName; for an IDC without one,
    /// `<authority>.` (its authority and an empty classifier).
    pub fn peer_name(&self) -> &PeerName {
        &self.peer_name
    }

    /// Its authority: the SHA-1 of its key bits.
    pub fn authority(&self) -> &Authority {
        self.peer_name.authority()
    }

    /// The IDC it presented.
    pub fn idc(&self) -> &Idc {
        &self.idc
    }

    /// The key it proved in the handshake.
    pub fn public_key(&self) -> &PublicKey {
        self.idc.public_key()
    }
}

/// The provider: ring, with the TLS 1.3 cipher suites only.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_failed(e: rustls::Error) -> peerid::Error {
    peerid::Error::failed("setting up TLS", e)
}

/// A server configuration: TLS 1.3 only, presenting `identity`'s IDC,
/// signing through peerid's key, requiring a client certificate that passes
/// the verifier (§11) and `policy`.
///
/// `policy` is fixed for the configuration's life, and resumed sessions
/// are not checked against it again: when the peer book changes, build a
/// new configuration and do not copy `session_storage` or `ticketer` from
/// the old one (see the crate docs, "Session resumption").
///
/// # Errors
/// [`peerid::Error::Failed`] if rustls refuses the configuration (it does
/// not for the key types peerid has).
pub fn server_config(identity: &Identity, policy: Policy) -> peerid::Result<rustls::ServerConfig> {
    let resolver = SingleCertAndKey::from(IdentityKey::certified(identity)?);
    Ok(rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_failed)?
        .with_client_cert_verifier(Arc::new(PeerVerifier::new(policy)))
        .with_cert_resolver(Arc::new(resolver)))
}

/// A client configuration: TLS 1.3 only, presenting `identity`'s IDC as the
/// client certificate, accepting a server certificate that passes the
/// verifier (§11) and `policy`.
///
/// # Errors
/// [`peerid::Error::Failed`] if rustls refuses the configuration.
pub fn client_config(identity: &Identity, policy: Policy) -> peerid::Result<rustls::ClientConfig> {
    let resolver = SingleCertAndKey::from(IdentityKey::certified(identity)?);
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_failed)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PeerVerifier::new(policy)))
        .with_client_cert_resolver(Arc::new(resolver)))
}

/// What [`server_name`] gives when no peer is expected, or its authority is
/// not a DNS name.
pub const PLACEHOLDER_SERVER_NAME: &str = "peerid.invalid";

/// The name to give rustls for SNI: the expected peer's authority (40 hex
/// digits, a valid DNS label), else [`PLACEHOLDER_SERVER_NAME`]. The
/// verifier ignores it: the [`Policy`] says whom to accept.
///
/// SNI travels in the clear ClientHello: with `Some(peer)`, a passive
/// observer of the connection learns the authority of the peer the client
/// wants. `server_name(None)` sends the placeholder instead and reveals
/// nothing; the client's [`Policy`] still decides whom it accepts.
pub fn server_name(expected: Option<&PeerName>) -> ServerName<'static> {
    let name = expected
        .filter(|p| p.authority().is_secure())
        .and_then(|p| DnsName::try_from(p.authority().to_string()).ok());
    // A constant that is a DNS name (the tests check it): never fails.
    #[allow(clippy::expect_used)]
    let placeholder = || {
        DnsName::try_from(PLACEHOLDER_SERVER_NAME)
            .expect("the placeholder is a DNS name")
            .to_owned()
    };
    ServerName::DnsName(name.unwrap_or_else(placeholder))
}

/// The peer the handshake authenticated: `None` while it is still under way
/// or if the peer presented no certificate (a configuration not made here).
pub fn peer(conn: &rustls::CommonState) -> Option<AuthenticatedPeer> {
    if conn.is_handshaking() {
        return None;
    }
    let idc = Idc::from_der(conn.peer_certificates()?.first()?.as_ref()).ok()?;
    Some(AuthenticatedPeer {
        peer_name: idc.proven_peer_name(),
        idc,
    })
}

/// peerid's error inside a failed handshake's rustls error, when it was
/// this crate's verifier that refused the peer (then its
/// [`kind`](peerid::Error::kind) is
/// [`NotAuthenticated`](peerid::ErrorKind::NotAuthenticated): exit 9,
/// `PEER_E_CONNECTION_NOT_AUTHENTICATED`). The other side of that
/// handshake sees only the TLS alert `certificate_unknown`
/// (`rustls::Error::AlertReceived(AlertDescription::CertificateUnknown)`),
/// for which this is `None`.
pub fn refusal(err: &rustls::Error) -> Option<&peerid::Error> {
    match err {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            other.0.downcast_ref::<peerid::Error>()
        }
        _ => None,
    }
}
