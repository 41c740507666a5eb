//! One TLS connection over a blocking socket: the handshake, then stdin to
//! the peer and the peer to stdout, with two threads and no async runtime.
//!
//! The connection sits behind a mutex that is held only while rustls works,
//! never across a blocking read or write. Only the writing thread (stdin to
//! the peer) writes to the socket: records the reading thread makes rustls
//! produce (a reply to a key update) wait in rustls until the writing
//! thread sends them with its next chunk or within its next poll. So the
//! thread reading the socket never waits for a write that waits for the
//! peer to read, and two peers sending to each other at once, neither
//! reading its stdout for a while, cannot deadlock.

use std::io::{self, IsTerminal, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc::{
    Receiver, RecvTimeoutError, SyncSender, TryRecvError, channel, sync_channel,
};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use peerid_rustls::AuthenticatedPeer;
use peerid_rustls::rustls::{self, AlertDescription, Connection};

use crate::error::{Error, Result};

/// The size of each read of stdin and of the socket.
const CHUNK: usize = 16 * 1024;

/// stdin, read on a thread of its own for the life of the process: `serve`
/// hands it from one connection to the next, and a read under way is never
/// lost to a connection that has ended.
pub struct Stdin {
    chunks: Receiver<io::Result<Vec<u8>>>,
    /// What came after the connection it was read for had closed.
    pending: Option<Vec<u8>>,
    /// Seen its end (or an error): every later connection gets close_notify.
    ended: bool,
}

impl Stdin {
    /// Starts the thread. At most one chunk waits in the channel, so stdin
    /// is read only as fast as the peer takes it.
    pub fn start() -> Stdin {
        let (tx, rx) = sync_channel(1);
        std::thread::spawn(move || read_stdin(&tx));
        Stdin {
            chunks: rx,
            pending: None,
            ended: false,
        }
    }
}

fn read_stdin(tx: &SyncSender<io::Result<Vec<u8>>>) {
    let mut stdin = io::stdin().lock();
    loop {
        let mut buf = vec![0u8; CHUNK];
        let n = match stdin.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        buf.truncate(n);
        // An empty chunk is the end; a send fails once no one listens.
        if tx.send(Ok(buf)).is_err() || n == 0 {
            return;
        }
    }
}

/// Completes the handshake on `sock` within `timeout`, a deadline for the
/// whole handshake (not for each read); returns the peer it
/// authenticated. `role` ("server", "client") and `addr` are for messages.
///
/// # Errors
/// [`Error::Library`] with `NotAuthenticated` when our verifier refused the
/// peer; [`Error::TlsRefusedByPeer`] when the peer refused us;
/// [`Error::TlsHandshake`] for another TLS failure; [`Error::TlsIo`].
pub fn handshake(
    conn: &mut Connection,
    sock: &mut TcpStream,
    timeout: Duration,
    role: &'static str,
    addr: &SocketAddr,
) -> Result<AuthenticatedPeer> {
    let io_err = |source: io::Error| tls_io_error(source, role, addr);
    let mut io = Deadline {
        sock: &mut *sock,
        deadline: Instant::now() + timeout,
    };
    while conn.is_handshaking() {
        match conn.complete_io(&mut io) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Error::TlsTimeout {
                    role,
                    address: addr.to_string(),
                    seconds: timeout.as_secs(),
                });
            }
            Err(e) => return Err(io_err(e)),
        }
    }
    sock.set_read_timeout(None).map_err(io_err)?;
    sock.set_write_timeout(None).map_err(io_err)?;
    peerid_rustls::peer(conn).ok_or_else(|| {
        Error::Library(peerid::Error::NotAuthenticated {
            peer_name: addr.to_string(),
            reason: format!("the {role} presented no identity certificate"),
        })
    })
}

/// The socket, each read and write of it bounded by what is left until
/// `deadline` (a peer trickling a byte at a time cannot hold it longer).
struct Deadline<'a> {
    sock: &'a mut TcpStream,
    deadline: Instant,
}

impl Deadline<'_> {
    /// What is left, or `TimedOut` once nothing is.
    fn left(&self) -> io::Result<Duration> {
        match self.deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(left),
            _ => Err(io::ErrorKind::TimedOut.into()),
        }
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.sock.set_read_timeout(Some(self.left()?))?;
        self.sock.read(buf)
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sock.set_write_timeout(Some(self.left()?))?;
        self.sock.write(buf)
    }

    /// All of rustls's records at once, as the socket would take them: its
    /// last gasp (the alert after a failure) is one call, and the default
    /// would send only the first record (the compatibility
    /// ChangeCipherSpec), not the alert behind it.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.sock.set_write_timeout(Some(self.left()?))?;
        self.sock.write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

/// The connection and the socket's write half, shared by the two threads;
/// only the writing thread writes to the socket.
struct Shared {
    conn: Mutex<Connection>,
    sock_w: Mutex<TcpStream>,
    role: &'static str,
    addr: SocketAddr,
}

impl Shared {
    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A thread that panicked holding the lock cannot have left rustls
        // half-way through a call that matters more than ending cleanly.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the records rustls has made, then sends them with the
    /// connection unlocked and the socket's write lock held (their order).
    /// Called only by the writing thread.
    fn flush(&self, mut conn: MutexGuard<'_, Connection>) -> Result<()> {
        let mut records = Vec::new();
        while conn.wants_write() {
            conn.write_tls(&mut records)
                .map_err(|e| tls_io_error(e, self.role, &self.addr))?;
        }
        if records.is_empty() {
            return Ok(());
        }
        let mut sock = self.sock_w.lock().unwrap_or_else(|p| p.into_inner());
        drop(conn);
        sock.write_all(&records)
            .and_then(|()| sock.flush())
            .map_err(|e| tls_io_error(e, self.role, &self.addr))
    }
}

/// Moves data until the peer closes the connection: stdin to the peer (its
/// end sends close_notify and shuts the socket's write side), the peer to
/// stdout. Returns when the peer has closed, or on the first failure.
///
/// # Errors
/// [`Error::TlsRefusedByPeer`] when the peer refused our identity after the
/// handshake; [`Error::TlsIo`]; [`Error::TlsStdin`] / [`Error::TlsStdout`].
pub fn run(
    conn: Connection,
    sock: TcpStream,
    stdin: &mut Stdin,
    role: &'static str,
    addr: &SocketAddr,
) -> Result<()> {
    let sock_r = sock.try_clone().map_err(|e| tls_io_error(e, role, addr))?;
    let shared = Arc::new(Shared {
        conn: Mutex::new(conn),
        sock_w: Mutex::new(sock),
        role,
        addr: *addr,
    });
    let (done_tx, done_rx) = channel();
    let reader = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let outcome = from_peer(&shared, sock_r);
            let _ = done_tx.send(outcome);
        })
    };
    let outcome = to_peer(&shared, stdin, &done_rx);
    // Whatever ended it, the reading thread ends with the socket.
    let _ = shared
        .sock_w
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .shutdown(Shutdown::Both);
    let _ = reader.join();
    outcome
}

/// The writing side, on the caller's thread: stdin chunks into the
/// connection. The session ends when both sides have closed: the peer's
/// close_notify, and the end of stdin (sent as ours), so that two peers
/// each sending a file and closing both get the other's whole. At a
/// terminal the peer's close alone ends it: no one has to type Ctrl-D.
fn to_peer(shared: &Shared, stdin: &mut Stdin, done: &Receiver<Result<()>>) -> Result<()> {
    let poll = Duration::from_millis(20);
    let at_terminal = io::stdin().is_terminal();
    let mut closed = false;
    let mut peer_closed = false;
    if stdin.ended {
        if let Err(e) = close(shared) {
            return why(done, peer_closed, e);
        }
        closed = true;
    }
    loop {
        if !peer_closed {
            match done.try_recv() {
                Ok(Ok(())) => peer_closed = true,
                Ok(Err(e)) => {
                    // The alert that says why, if the reader made one.
                    send_alert(shared);
                    return Err(e);
                }
                Err(TryRecvError::Disconnected) => peer_closed = true,
                Err(TryRecvError::Empty) => {}
            }
        }
        if closed {
            return match peer_closed {
                true => Ok(()),
                false => wait_reader(shared, done),
            };
        }
        if peer_closed && at_terminal {
            return Ok(());
        }
        let chunk = match stdin.pending.take() {
            Some(chunk) => Ok(chunk),
            None => match stdin.chunks.recv_timeout(poll) {
                Ok(chunk) => chunk,
                Err(RecvTimeoutError::Timeout) => {
                    // What the reading thread left to send (a key update).
                    if let Err(e) = shared.flush(shared.conn()) {
                        return why(done, peer_closed, e);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => Ok(Vec::new()),
            },
        };
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(source) => {
                stdin.ended = true;
                let _ = close(shared);
                return Err(Error::TlsStdin { source });
            }
        };
        if chunk.is_empty() {
            stdin.ended = true;
            if let Err(e) = close(shared) {
                return why(done, peer_closed, e);
            }
            closed = true;
            continue;
        }
        let mut conn = shared.conn();
        if conn.writer().write_all(&chunk).is_err() {
            // The connection is closing: keep the chunk for the next one.
            stdin.pending = Some(chunk);
            drop(conn);
            return wait_reader(shared, done);
        }
        if let Err(e) = shared.flush(conn) {
            return why(done, peer_closed, e);
        }
    }
}

/// Waits for the reading thread's end; sends the alert of its failure.
fn wait_reader(shared: &Shared, done: &Receiver<Result<()>>) -> Result<()> {
    let outcome = done.recv().unwrap_or(Ok(()));
    if outcome.is_err() {
        send_alert(shared);
    }
    outcome
}

/// Sends what rustls has left (the alert of a failure the reading thread
/// met) without waiting more than a second for a peer that does not read.
fn send_alert(shared: &Shared) {
    let sock = shared.sock_w.lock().unwrap_or_else(|p| p.into_inner());
    if sock.set_write_timeout(Some(Duration::from_secs(1))).is_ok() {
        drop(sock);
        let _ = shared.flush(shared.conn());
    }
}

/// A write to the peer failed with `e`: the reading side says why, if it
/// knows (the alert with which the peer refused us before it closed).
fn why(done: &Receiver<Result<()>>, peer_closed: bool, e: Error) -> Result<()> {
    if peer_closed {
        return Err(e);
    }
    match done.recv_timeout(Duration::from_secs(1)) {
        Ok(Err(reason)) => Err(reason),
        _ => Err(e),
    }
}

/// close_notify, then the socket's write side: the peer sees the end of
/// our data and may go on sending.
fn close(shared: &Shared) -> Result<()> {
    let mut conn = shared.conn();
    conn.send_close_notify();
    shared.flush(conn)?;
    let _ = shared
        .sock_w
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .shutdown(Shutdown::Write);
    Ok(())
}

/// The reading side, on its own thread: socket bytes into the connection,
/// plaintext to stdout, until close_notify (or the end of the socket).
fn from_peer(shared: &Shared, mut sock: TcpStream) -> Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let mut stdout = io::stdout();
    let mut plain = Vec::new();
    // What came in with the end of the handshake is in rustls already:
    // the first round takes it without reading the socket, which might
    // wait for ever (the peer waiting for our answer to it).
    let mut first = true;
    loop {
        let n = if first {
            first = false;
            None
        } else {
            match sock.read(&mut buf) {
                Ok(n) => Some(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(tls_io_error(e, shared.role, &shared.addr)),
            }
        };
        let mut input = &buf[..n.unwrap_or(0)];
        let mut peer_closed = false;
        let mut conn = shared.conn();
        loop {
            // An empty `input` tells rustls the socket has ended.
            if n.is_some()
                && let Err(e) = conn.read_tls(&mut input)
            {
                drop(conn);
                return Err(tls_io_error(e, shared.role, &shared.addr));
            }
            let state = match conn.process_new_packets() {
                Ok(state) => state,
                Err(e) => {
                    // The writing thread sends the alert that says why.
                    drop(conn);
                    return Err(tls_error(&e, shared.role, &shared.addr, false));
                }
            };
            peer_closed |= state.peer_has_closed();
            let mut reader = conn.reader();
            match reader.read_to_end(&mut plain) {
                Ok(_) => peer_closed = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    drop(conn);
                    if !flush_stdout(&mut stdout, &mut plain)? {
                        return Ok(());
                    }
                    return Err(Error::TlsTruncated {
                        role: shared.role,
                        address: shared.addr.to_string(),
                    });
                }
                Err(e) => {
                    drop(conn);
                    return Err(tls_io_error(e, shared.role, &shared.addr));
                }
            }
            // After close_notify rustls reads nothing more.
            if input.is_empty() || peer_closed {
                break;
            }
        }
        // A reply rustls made (a key update) waits for the writing thread.
        drop(conn);
        if !flush_stdout(&mut stdout, &mut plain)? || peer_closed {
            return Ok(());
        }
        if n == Some(0) {
            // The socket ended without close_notify, and rustls said nothing.
            return Err(Error::TlsTruncated {
                role: shared.role,
                address: shared.addr.to_string(),
            });
        }
    }
}

/// Writes what came from the peer; false when stdout is closed (`| head`),
/// which ends the session quietly, as a closed pipe ends every other
/// command.
fn flush_stdout(stdout: &mut io::Stdout, plain: &mut Vec<u8>) -> Result<bool> {
    if plain.is_empty() {
        return Ok(true);
    }
    let result = stdout.write_all(plain).and_then(|()| stdout.flush());
    plain.clear();
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(source) => Err(Error::TlsStdout { source }),
    }
}

/// An I/O error of the connection: a TLS error inside (from
/// `complete_io`) says more than the socket.
fn tls_io_error(e: io::Error, role: &'static str, addr: &SocketAddr) -> Error {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        // Only `complete_io`, in the handshake, wraps rustls's errors.
        return tls_error(inner, role, addr, true);
    }
    Error::TlsIo {
        role,
        address: addr.to_string(),
        source: e,
    }
}

/// A TLS failure, said from our side: our verifier's refusal (exit 9 with
/// its reason), the peer's refusal of us (an alert, exit 9 also after our
/// side of the handshake: a TLS 1.3 server judges the client's certificate
/// then), another failure of the handshake (exit 9: the peer is not
/// authenticated) or of the connection after it.
fn tls_error(e: &rustls::Error, role: &'static str, addr: &SocketAddr, handshaking: bool) -> Error {
    if let Some(refused) = peerid_rustls::refusal(e) {
        return Error::Library(match refused {
            peerid::Error::NotAuthenticated { peer_name, reason } => {
                peerid::Error::NotAuthenticated {
                    peer_name: peer_name.clone(),
                    reason: format!("{reason} (the {role} at {addr})"),
                }
            }
            other => peerid::Error::NotAuthenticated {
                peer_name: addr.to_string(),
                reason: other.to_string(),
            },
        });
    }
    match e {
        rustls::Error::AlertReceived(alert) if refuses_identity(*alert) => {
            Error::TlsRefusedByPeer {
                role,
                address: addr.to_string(),
                alert: format!("{alert:?}"),
            }
        }
        other if handshaking => Error::TlsHandshake {
            role,
            address: addr.to_string(),
            reason: other.to_string(),
        },
        other => Error::TlsProtocol {
            role,
            address: addr.to_string(),
            reason: other.to_string(),
        },
    }
}

/// The alerts with which a TLS stack says it does not accept our
/// certificate (or our proof of its key).
fn refuses_identity(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError
            | AlertDescription::CertificateRequired
    )
}
