//! `tls serve` and `tls connect`: mutual TLS 1.3 by peer name
//! (docs/design.md §11), like `openssl s_server` / `s_client`. This file
//! turns the arguments into a [`Policy`] and a socket; [`session`] moves the
//! data.

mod session;

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use peerid::{Authority, Classifier, PeerName, Store};
use peerid_rustls::rustls::{self, ClientConnection, ServerConnection};
use peerid_rustls::{AuthenticatedPeer, Policy};
use serde::Serialize;

use crate::cli::{PeerChoice, TlsArgs, TlsCommand, TlsConnectArgs, TlsServeArgs};
use crate::error::{Error, Result};
use crate::output::{Output, terminal_safe, to_json};
use session::Stdin;

/// How long a connection attempt to one address may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the handshake may take: a client that connects and says
/// nothing must not hold `serve` for ever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `tls serve` or `tls connect`. The data goes to stdout as it comes;
/// what is said about the connection goes to stderr, so the reply is empty.
pub fn run(store: &Store, args: &TlsArgs, json: bool) -> Result<Output> {
    let say = Say { json };
    match &args.command {
        TlsCommand::Serve(a) => serve(store, a, say),
        TlsCommand::Connect(a) => connect(store, a, say),
    }?;
    Ok(Output::Rendered(Vec::new()))
}

/// Whom `--peer`, `--peer-book` and `--any` accept (none of them: the peer
/// book), and the peer name whose authority to send as SNI, if one.
fn policy(store: &Store, whom: &PeerChoice) -> Result<(Policy, Option<PeerName>)> {
    if whom.any {
        return Ok((Policy::Any, None));
    }
    if whom.peer.is_empty() {
        // --peer-book, or serve's default.
        return Ok((Policy::peer_book(store)?, None));
    }
    let mut names = Vec::with_capacity(whom.peer.len());
    for arg in &whom.peer {
        if let Some(authority) = bare_authority(arg) {
            if whom.peer.len() > 1 {
                return Err(Error::TlsPeers {
                    reason: format!(
                        "--peer {arg} is an authority (any classifier of one key); it cannot be combined with other --peer"
                    ),
                });
            }
            let any_classifier = PeerName::new(authority, Classifier::empty());
            return Ok((Policy::Authority(authority), Some(any_classifier)));
        }
        // Secure by construction: identities and peers have secure names,
        // and a full name is taken only with a secure authority.
        let name = crate::resolve::signer(store, arg)?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.len() == 1 {
        let name = names.remove(0);
        return Ok((Policy::PeerName(name.clone()), Some(name)));
    }
    Ok((Policy::OneOf(names), None))
}

/// `arg` as a bare secure authority: 40 hex digits (any case), no dot.
fn bare_authority(arg: &str) -> Option<Authority> {
    if arg.len() != peerid::AUTHORITY_HEX_LEN || !arg.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    arg.parse().ok()
}

/// The addresses HOST:PORT names. A missing or bad port is the user's
/// mistake (exit 5); a name that does not resolve is an I/O failure.
fn addresses(arg: &str) -> Result<Vec<SocketAddr>> {
    let port_ok = arg
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !port_ok {
        return Err(Error::TlsAddress {
            address: arg.to_owned(),
        });
    }
    let found: Vec<SocketAddr> = arg
        .to_socket_addrs()
        .map_err(|source| Error::TlsResolve {
            address: arg.to_owned(),
            source,
        })?
        .collect();
    if found.is_empty() {
        return Err(Error::TlsResolve {
            address: arg.to_owned(),
            source: std::io::ErrorKind::NotFound.into(),
        });
    }
    Ok(found)
}

fn serve(store: &Store, args: &TlsServeArgs, say: Say) -> Result<()> {
    let name = crate::resolve::identity(store, &args.name)?;
    let (policy, _) = policy(store, &args.whom)?;
    if let Policy::PeerBook(peers) = &policy
        && peers.is_empty()
    {
        say.warn(
            "the peer book is empty, so every client will be refused; add peers with `peerid peer add`, or pass --peer or --any",
        );
    }
    let identity = store.get(&name)?;
    let config = Arc::new(peerid_rustls::server_config(&identity, policy)?);
    drop(identity);

    let wanted = addresses(&args.listen)?;
    let listener = TcpListener::bind(&wanted[..]).map_err(|source| Error::TlsListen {
        address: args.listen.clone(),
        source,
    })?;
    let local = listener.local_addr().map_err(|source| Error::TlsListen {
        address: args.listen.clone(),
        source,
    })?;
    say.event(
        &format!("listening on {local}"),
        &Event::Listening {
            address: local.to_string(),
        },
    );
    let mut stdin = Stdin::start();
    loop {
        let (sock, from) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(Error::TlsListen {
                    address: local.to_string(),
                    source,
                });
            }
        };
        let outcome = serve_one(&config, sock, from, &mut stdin, say);
        if args.once {
            return outcome;
        }
        if let Err(e) = outcome {
            say.error(&e);
        }
    }
}

fn serve_one(
    config: &Arc<rustls::ServerConfig>,
    mut sock: TcpStream,
    from: SocketAddr,
    stdin: &mut Stdin,
    say: Say,
) -> Result<()> {
    let conn = ServerConnection::new(config.clone()).map_err(|e| Error::TlsSetup {
        reason: e.to_string(),
    })?;
    let mut conn = rustls::Connection::from(conn);
    let peer = session::handshake(&mut conn, &mut sock, HANDSHAKE_TIMEOUT, "client", &from)?;
    let shown = terminal_safe(&peer.peer_name().to_string()).into_owned();
    say.event(
        &format!("{shown} connected"),
        &Event::connected(&peer, &from),
    );
    session::run(conn, sock, stdin, "client", &from)
}

fn connect(store: &Store, args: &TlsConnectArgs, say: Say) -> Result<()> {
    let name = crate::resolve::identity(store, &args.name)?;
    let (policy, expected) = policy(store, &args.whom)?;
    let identity = store.get(&name)?;
    let config = Arc::new(peerid_rustls::client_config(&identity, policy)?);
    drop(identity);

    let mut last = None;
    let mut sock = None;
    for addr in addresses(&args.address)? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                sock = Some((s, addr));
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let Some((mut sock, addr)) = sock else {
        return Err(Error::TlsConnect {
            address: args.address.clone(),
            source: last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()),
        });
    };
    let _ = sock.set_nodelay(true);
    let sni = peerid_rustls::server_name(expected.as_ref());
    let conn = ClientConnection::new(config, sni).map_err(|e| Error::TlsSetup {
        reason: e.to_string(),
    })?;
    let mut conn = rustls::Connection::from(conn);
    let peer = session::handshake(&mut conn, &mut sock, HANDSHAKE_TIMEOUT, "server", &addr)?;
    let shown = terminal_safe(&peer.peer_name().to_string()).into_owned();
    say.event(
        &format!("connected to {shown}"),
        &Event::connected(&peer, &addr),
    );
    let mut stdin = Stdin::start();
    session::run(conn, sock, &mut stdin, "server", &addr)
}

/// How the command speaks on stderr: `peerid: ...` lines, or with `--json`
/// one JSON object a line (stdout is the data).
#[derive(Clone, Copy)]
struct Say {
    json: bool,
}

impl Say {
    fn event(self, text: &str, event: &Event) {
        if self.json {
            if let Ok(bytes) = to_json(event) {
                crate::say(&mut std::io::stderr(), &String::from_utf8_lossy(&bytes));
            }
        } else {
            crate::say(&mut std::io::stderr(), &format!("peerid: {text}"));
        }
    }

    fn warn(self, text: &str) {
        self.event(
            &format!("warning: {text}"),
            &Event::Warning {
                message: text.to_owned(),
            },
        );
    }

    /// One refused or failed connection of a `serve` that goes on.
    fn error(self, err: &Error) {
        crate::report_to_stderr(err, self.json);
    }
}

/// What `--json` prints on stderr, one object a line; fields in
/// alphabetical order as everywhere (output.rs).
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    /// `{"event": "listening", "address": "127.0.0.1:4433"}`
    Listening { address: String },
    /// `{"event": "connected", "address", "authority", "classifier", "key_type", "peer_name"}`:
    /// the peer the handshake authenticated.
    Connected {
        address: String,
        authority: String,
        classifier: String,
        key_type: String,
        peer_name: String,
    },
    /// `{"event": "warning", "message": "…"}`
    Warning { message: String },
}

impl Event {
    fn connected(peer: &AuthenticatedPeer, addr: &SocketAddr) -> Event {
        Event::Connected {
            address: addr.to_string(),
            authority: peer.authority().to_string(),
            classifier: peer.peer_name().classifier().as_str().to_owned(),
            key_type: peer.idc().key_type().name(),
            peer_name: peer.peer_name().to_string(),
        }
    }
}
