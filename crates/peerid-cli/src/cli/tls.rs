//! `peerid tls serve|connect`: mutual TLS 1.3 by peer name (docs/design.md
//! §11). Clap types only.

use clap::{ArgGroup, Args, Subcommand};

/// What PEER means, the end of both commands' help (a macro, for `concat!`).
macro_rules! peer_help {
    () => {
        "PEER is a full peer name (known or not: a peer name is self-certifying,
its authority is the hash of the key), a unique beginning or friendly name
of one of your identities or of a peer in the peer book (as for
`peerid verify -I`), or a bare 40-hex authority, which accepts any
classifier of that key. Several --peer accept any one of them; an authority
cannot be combined with other --peer."
    };
}

/// `tls` and its subcommand.
#[derive(Debug, Args)]
pub struct TlsArgs {
    #[command(subcommand)]
    pub command: TlsCommand,
}

/// The TLS commands.
#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Accept mutual TLS 1.3 connections as an identity (like openssl s_server): the peer to stdout, stdin to the peer
    #[command(after_help = concat!("Each side presents its identity certificate and proves its key; the
client must be the peer expected, else it is refused (exit 9 with --once).
Without --peer, --peer-book or --any, the clients accepted are the peers in
the peer book (`peerid peer list`, as it is when serve starts).

One connection at a time: stderr says `peerid: listening on ADDR:PORT`
(port 0 picks a free one), then `peerid: PEER_NAME connected` for each
client. Data from the client goes to stdout; stdin goes to the client, and
its end sends close_notify. A connection ends when both sides have closed
(stdin at a terminal: when the client has). The handshake must complete
within 10 s; after it nothing times out, so an idle client holds serve
until it closes. Without --once, serve then waits for the next client, and
a refused or timed-out client is reported and let go.
With --json, these lines (and an error) are JSON objects on stderr, one a
line: stdout carries only the data.

", peer_help!(), "

Examples (two identities talking; in two terminals or two stores):
  peerid tls serve Alice --listen 127.0.0.1:4433 --peer Bob
  peerid tls connect Bob 127.0.0.1:4433 --peer Alice
  peerid tls serve Alice --listen [::]:4433 --peer-book --once > received

The same server with OpenSSL: its key and IDC out of an export (the PFX in
its IDENTITYDATA, through openssl pkcs12 -nodes), the client's IDC its CA:
  tls=\"-tls1_3 -verify_return_error\"
  openssl s_server $tls -Verify 1 -accept 4433 -cert alice.pem -key alice.key -CAfile bob.pem"))]
    Serve(TlsServeArgs),

    /// Connect to a peer by mutual TLS 1.3 as an identity (like openssl s_client): stdin to the peer, the peer to stdout
    #[command(after_help = concat!("Each side presents its identity certificate and proves its key; the
server must be the peer given by exactly one of --peer, --peer-book or
--any, else nothing is sent and peerid exits 9. stderr says
`peerid: connected to PEER_NAME` once the server is authenticated; a server
that then refuses our identity ends it with exit 9 too (in TLS 1.3 the
server's verdict on the client comes after the client's handshake).

stdin goes to the server, and its end sends close_notify; what the server
sends goes to stdout. It ends when both sides have closed (stdin at a
terminal: when the server has). The handshake must complete within 10 s;
after it nothing times out. With --json, the line on stderr (and an
error) is a JSON object: stdout carries only the data.

", peer_help!(), "

Examples (two identities talking; in two terminals or two stores):
  peerid tls serve Alice --listen 127.0.0.1:4433 --peer Bob
  echo hello | peerid tls connect Bob 127.0.0.1:4433 --peer Alice

The same client with OpenSSL: its key and IDC out of an export (the PFX in
its IDENTITYDATA, through openssl pkcs12 -nodes), the server's IDC its CA:
  tls=\"-tls1_3 -verify_return_error\"
  openssl s_client $tls -connect 127.0.0.1:4433 -cert bob.pem -key bob.key -CAfile alice.pem"))]
    Connect(TlsConnectArgs),
}

/// Whom the other side must be.
#[derive(Debug, Args)]
pub struct PeerChoice {
    /// The peer expected (repeatable: any one of them); see PEER below
    #[arg(long, value_name = "PEER")]
    pub peer: Vec<String>,
    /// Any peer in the peer book, its key the one stored (`peerid peer list`)
    #[arg(long)]
    pub peer_book: bool,
    /// Any peer with a valid identity certificate (trust on first use: check the name printed)
    #[arg(long)]
    pub any: bool,
}

/// `tls serve` options.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("whom").args(["peer", "peer_book", "any"]).multiple(false)))]
pub struct TlsServeArgs {
    /// The identity to serve as, as for `show`
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Address and port to listen on (`127.0.0.1:4433`, `[::]:4433`; port 0 picks a free one)
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: String,
    #[command(flatten)]
    pub whom: PeerChoice,
    /// Exit after the first connection, with its outcome as the exit code
    #[arg(long)]
    pub once: bool,
}

/// `tls connect` options.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("whom").args(["peer", "peer_book", "any"]).multiple(false).required(true)))]
pub struct TlsConnectArgs {
    /// The identity to connect as, as for `show`
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The server (`127.0.0.1:4433`, `host.example:4433`, `[::1]:4433`)
    #[arg(value_name = "HOST:PORT")]
    pub address: String,
    #[command(flatten)]
    pub whom: PeerChoice,
}
