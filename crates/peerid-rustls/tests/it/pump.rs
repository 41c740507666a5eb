//! Two rustls connections talking through memory, and the identities the
//! tests use.

use std::io::{Read, Write};
use std::sync::Arc;

use peerid::{Classifier, FriendlyName, Identity, KeyType, PeerName, PrivateKey};
use peerid_rustls::rustls::{self, ClientConfig, ClientConnection, ServerConfig, ServerConnection};

/// A new identity of `kt` with classifier `classifier`.
pub fn identity(kt: KeyType, classifier: &str) -> Identity {
    Identity::generate(
        kt,
        Classifier::new(classifier).unwrap(),
        FriendlyName::default(),
    )
    .unwrap()
}

/// Another identity on `id`'s key: same authority, another classifier.
pub fn same_key(id: &Identity, classifier: &str) -> Identity {
    let key = PrivateKey::from_pkcs8_der(&id.private_key().to_pkcs8_der()).unwrap();
    Identity::from_key(
        key,
        Classifier::new(classifier).unwrap(),
        FriendlyName::default(),
    )
    .unwrap()
}

/// How a handshake ended on each side.
pub struct Outcome {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub client_error: Option<rustls::Error>,
    pub server_error: Option<rustls::Error>,
}

impl Outcome {
    /// Both sides finished the handshake without an error.
    pub fn ok(&self) -> bool {
        self.client_error.is_none()
            && self.server_error.is_none()
            && !self.client.is_handshaking()
            && !self.server.is_handshaking()
    }

    /// Sends `data` each way and checks it arrives.
    pub fn exchange(&mut self, data: &[u8]) {
        self.client.writer().write_all(data).unwrap();
        self.server.writer().write_all(data).unwrap();
        transfer(&mut self.client, &mut self.server).unwrap();
        transfer(&mut self.server, &mut self.client).unwrap();
        let mut got = vec![0; data.len()];
        self.server.reader().read_exact(&mut got).unwrap();
        assert_eq!(got, data);
        self.client.reader().read_exact(&mut got).unwrap();
        assert_eq!(got, data);
    }
}

/// One end of the in-memory wire.
pub trait Side {
    /// Everything it has to send.
    fn output(&mut self) -> Vec<u8>;
    /// Takes in what the other end sent.
    fn input(&mut self, data: &[u8]) -> Result<(), rustls::Error>;
}

macro_rules! side {
    ($t:ty) => {
        impl Side for $t {
            fn output(&mut self) -> Vec<u8> {
                let mut buf = Vec::new();
                while self.wants_write() {
                    self.write_tls(&mut buf).unwrap();
                }
                buf
            }

            fn input(&mut self, mut data: &[u8]) -> Result<(), rustls::Error> {
                while !data.is_empty() {
                    self.read_tls(&mut data).unwrap();
                    self.process_new_packets()?;
                }
                Ok(())
            }
        }
    };
}
side!(ClientConnection);
side!(ServerConnection);

/// Moves what `from` has to send into `to`, and lets `to` process it.
pub fn transfer(from: &mut impl Side, to: &mut impl Side) -> Result<(), rustls::Error> {
    let data = from.output();
    to.input(&data)
}

/// Runs a handshake between the two configurations in memory, the client
/// asking for `expected` (SNI only).
pub fn handshake(
    client: impl Into<Arc<ClientConfig>>,
    server: impl Into<Arc<ServerConfig>>,
    expected: Option<&PeerName>,
) -> Outcome {
    let mut c = ClientConnection::new(client.into(), peerid_rustls::server_name(expected)).unwrap();
    let mut s = ServerConnection::new(server.into()).unwrap();
    let (mut client_error, mut server_error) = (None, None);
    for _ in 0..10 {
        if server_error.is_none()
            && let Err(e) = transfer(&mut c, &mut s)
        {
            server_error = Some(e);
        }
        if client_error.is_none()
            && let Err(e) = transfer(&mut s, &mut c)
        {
            client_error = Some(e);
        }
        let done =
            !c.is_handshaking() && !s.is_handshaking() && !c.wants_write() && !s.wants_write();
        let failed = (client_error.is_some() || server_error.is_some())
            && !c.wants_write()
            && !s.wants_write();
        if done || failed {
            break;
        }
    }
    Outcome {
        client: c,
        server: s,
        client_error,
        server_error,
    }
}

/// The error of a refusal by peerid's verifier: `NotAuthenticated` inside
/// the rustls error, with its message.
pub fn refusal_of(error: &Option<rustls::Error>) -> String {
    let error = error.as_ref().expect("the handshake failed on this side");
    let inner =
        peerid_rustls::refusal(error).unwrap_or_else(|| panic!("not our refusal: {error:?}"));
    assert_eq!(inner.kind(), peerid::ErrorKind::NotAuthenticated, "{inner}");
    inner.to_string()
}

/// The server refused the client, which received a `certificate_unknown` alert.
pub fn refused_by_server(out: &Outcome) -> String {
    assert!(
        matches!(
            out.client_error,
            Some(rustls::Error::AlertReceived(
                rustls::AlertDescription::CertificateUnknown
            ))
        ),
        "{:?}",
        out.client_error
    );
    assert!(peerid_rustls::peer(&out.server).is_none());
    refusal_of(&out.server_error)
}

/// The client refused the server, which received a `certificate_unknown` alert.
pub fn refused_by_client(out: &Outcome) -> String {
    assert!(
        matches!(
            out.server_error,
            Some(rustls::Error::AlertReceived(
                rustls::AlertDescription::CertificateUnknown
            ))
        ),
        "{:?}",
        out.server_error
    );
    assert!(peerid_rustls::peer(&out.client).is_none());
    refusal_of(&out.client_error)
}
