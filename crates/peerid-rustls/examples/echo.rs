//! Echo over mutual TLS by peer name, with tokio and tokio-rustls.
//!
//! Two identities, each in its own store (temporary directories, never the
//! real home store). The server keeps the client in its peer book and
//! accepts only peers from it; the client knows only the server's peer
//! name, and that is all it needs: the server proves the key the name is
//! the hash of. Each side prints whom it talked to.
//!
//! ```text
//! cargo run -p peerid-rustls --example echo
//! ```

use std::error::Error;
use std::sync::Arc;

use peerid::{Classifier, CreateOptions, Store};
use peerid_rustls::{Policy, client_config, peer, server_config, server_name};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// What one run saw: the message echoed, and the peer names each side
/// authenticated.
pub struct Echoed {
    /// What came back.
    pub reply: Vec<u8>,
    /// The server's peer name, as the client authenticated it.
    pub server_seen_by_client: String,
    /// The client's peer name, as the server authenticated it.
    pub client_seen_by_server: String,
    /// The server's peer name, from its store.
    pub server: String,
    /// The client's peer name, from its store.
    pub client: String,
}

/// Makes the two identities, serves one echo on 127.0.0.1 and sends
/// `message` through it.
pub async fn run(message: &[u8]) -> Result<Echoed, Box<dyn Error>> {
    let tmp = tempfile::tempdir()?;
    let server_store = Store::open(tmp.path().join("server"))?;
    let client_store = Store::open(tmp.path().join("client"))?;
    let create = |store: &Store, classifier: &str| -> peerid::Result<_> {
        store.create(&CreateOptions {
            classifier: Classifier::new(classifier)?,
            ..CreateOptions::default()
        })
    };
    let server_name_ = create(&server_store, "echo-server")?;
    let client_name = create(&client_store, "echo-client")?;

    // The client gives the server its public identity, once.
    server_store.add_peer(client_store.info_xml(Some(&client_name))?.as_bytes(), None)?;

    let server_identity = server_store.get(&server_name_)?;
    let acceptor = TlsAcceptor::from(Arc::new(server_config(
        &server_identity,
        Policy::peer_book(&server_store)?,
    )?));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;

    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut tls = acceptor.accept(tcp).await?;
        let who = peer(tls.get_ref().1).ok_or("no authenticated peer")?;
        let mut received = Vec::new();
        tls.read_to_end(&mut received).await?;
        tls.write_all(&received).await?;
        tls.shutdown().await?;
        Ok::<_, Box<dyn Error + Send + Sync>>(who.peer_name().to_string())
    });

    // The client knows only the server's peer name (and where it listens).
    let client_identity = client_store.get(&client_name)?;
    let connector = TlsConnector::from(Arc::new(client_config(
        &client_identity,
        Policy::PeerName(server_name_.clone()),
    )?));
    let tcp = TcpStream::connect(address).await?;
    let mut tls = connector
        .connect(server_name(Some(&server_name_)), tcp)
        .await?;
    let server_seen = peer(tls.get_ref().1).ok_or("no authenticated peer")?;
    tls.write_all(message).await?;
    tls.shutdown().await?;
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).await?;

    let client_seen = server.await?.map_err(|e| e.to_string())?;
    Ok(Echoed {
        reply,
        server_seen_by_client: server_seen.peer_name().to_string(),
        client_seen_by_server: client_seen,
        server: server_name_.to_string(),
        client: client_name.to_string(),
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let message = b"hello over mutual TLS";
    let echoed = runtime.block_on(run(message))?;
    if echoed.reply != message || echoed.server_seen_by_client != echoed.server {
        return Err("the echo or the server's peer name is not what was expected".into());
    }
    println!(
        "client {} talked to server {}",
        echoed.client, echoed.server_seen_by_client
    );
    println!(
        "server {} talked to client {}",
        echoed.server, echoed.client_seen_by_server
    );
    println!("echoed: {}", String::from_utf8_lossy(&echoed.reply));
    Ok(())
}
