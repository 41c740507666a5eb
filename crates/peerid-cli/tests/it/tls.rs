//! `peerid tls serve` and `tls connect` (docs/design.md §11) as a user runs
//! them: with each other, with OpenSSL's s_server and s_client in both
//! directions, with Python's `ssl` module as a client, and refusing the
//! peers they must refuse. Every server listens on port 0 of 127.0.0.1 and
//! says which port it got; every wait is bounded (support::running).

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::env::Env;
use crate::support::interop::openssl_pkcs12_of_export;
use crate::support::running::Running;

/// One user: a store with one identity.
struct User {
    env: Env,
    name: String,
}

impl User {
    fn new(classifier: &str, friendly: &str, key: &str) -> User {
        let env = Env::new();
        let name = env.create(&["-c", classifier, "-f", friendly, "--key", key]);
        User { env, name }
    }

    /// Adds `other` to this user's peer book under its friendly name.
    fn knows(&self, other: &User, friendly: &str) {
        let xml = other.env.ok(&["xml", &other.name]);
        let f = self.env.path(&format!("{friendly}.xml"));
        fs::write(&f, xml).unwrap();
        self.env
            .ok(&["peer", "add", f.to_str().unwrap(), "-f", friendly]);
    }

    fn tls(&self, args: &[&str]) -> Command {
        let mut c = self.env.cmd();
        c.arg("tls").args(args);
        c
    }

    /// `tls serve NAME --listen 127.0.0.1:0 --once EXTRA...`, waited for
    /// until it listens; returns it and its port.
    fn serve(&self, extra: &[&str]) -> (Running, u16) {
        let mut args = vec!["serve", &self.name, "--listen", "127.0.0.1:0", "--once"];
        args.extend_from_slice(extra);
        let mut server = Running::start("peerid tls serve", self.tls(&args));
        let line = server.wait_stderr_line("listening on");
        (server, port_of(&line))
    }

    fn connect(&self, port: u16, extra: &[&str]) -> Running {
        self.connect_reading_stdout_after(port, extra, Duration::ZERO)
    }

    fn connect_reading_stdout_after(&self, port: u16, extra: &[&str], after: Duration) -> Running {
        let addr = format!("127.0.0.1:{port}");
        let mut args = vec!["connect", &self.name, &addr];
        args.extend_from_slice(extra);
        Running::start_reading_stdout_after("peerid tls connect", self.tls(&args), after)
    }

    /// The identity's certificate and key as PEM files, out of an export
    /// (as a user would give them to OpenSSL): (cert, key).
    fn pem_files(&self) -> (PathBuf, PathBuf) {
        let doc = self.env.export(&self.name);
        let cert = openssl_pkcs12_of_export(&self.env, &doc, &["-nokeys"]).stdout;
        let key = openssl_pkcs12_of_export(&self.env, &doc, &["-nocerts", "-nodes"]).stdout;
        let (c, k) = (self.env.path("idc.pem"), self.env.path("key.pem"));
        fs::write(&c, cert).unwrap();
        fs::write(&k, key).unwrap();
        (c, k)
    }
}

/// The port of `...listening on 127.0.0.1:PORT` / `ACCEPT 127.0.0.1:PORT`.
fn port_of(line: &str) -> u16 {
    line.trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

/// A conversation: `a` sends first, `b` answers once it has it, then `a`
/// and `b` close their stdin in that order (the session ends when both
/// sides have closed); both must exit 0. Returns their stderr.
fn converse(mut a: Running, mut b: Running) -> (String, String) {
    a.write(b"first line, from a\n");
    b.wait_stdout("first line, from a\n");
    b.write(b"the answer, from b\n");
    a.wait_stdout("the answer, from b\n");
    a.close_stdin();
    b.close_stdin();
    let (status, out, a_err) = a.finish();
    assert!(status.success(), "a: {status}: {a_err}");
    assert_eq!(out, b"the answer, from b\n", "{a_err}");
    let (status, out, b_err) = b.finish();
    assert!(status.success(), "b: {status}: {b_err}");
    assert_eq!(out, b"first line, from a\n", "{b_err}");
    (a_err, b_err)
}

#[test]
fn peerid_to_peerid_data_both_ways_each_names_the_other() {
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "p256");
    alice.knows(&bob, "Bob");
    bob.knows(&alice, "Alice");
    // serve's default: the peer book. connect: a friendly name in the book.
    let (server, port) = alice.serve(&[]);
    let client = bob.connect(port, &["--peer", "Alice"]);
    let (client_err, server_err) = converse(client, server);
    assert!(
        client_err.contains(&format!("peerid: connected to {}\n", alice.name)),
        "{client_err}"
    );
    assert!(
        server_err.contains(&format!("peerid: {} connected\n", bob.name)),
        "{server_err}"
    );
}

#[test]
fn files_both_ways_at_once_arrive_whole() {
    // Each side sends a file and closes at once: the session ends only
    // when both have closed, so neither loses the other's data. Both send
    // at the same time, more than the socket buffers hold, so a side that
    // stopped reading while its write waited would deadlock.
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "ed25519");
    let a_data: Vec<u8> = (0..12_000_000u32).map(|i| (i % 251) as u8).collect();
    let b_data: Vec<u8> = (0..10_000_000u32).map(|i| (i % 241) as u8).collect();
    let (mut server, port) = alice.serve(&["--peer", &bob.name]);
    let mut client = bob.connect(port, &["--peer", &alice.name]);
    client.wait_stderr_line("connected to");
    let feeding = [server.feed(a_data.clone()), client.feed(b_data.clone())];
    for f in feeding {
        f.join().unwrap();
    }
    let (s_status, s_out, s_err) = server.finish();
    let (c_status, c_out, c_err) = client.finish();
    assert!(s_status.success(), "{s_err}");
    assert!(c_status.success(), "{c_err}");
    assert!(s_out == b_data, "server got {} bytes: {s_err}", s_out.len());
    assert!(c_out == a_data, "client got {} bytes: {c_err}", c_out.len());
}

#[test]
fn files_both_ways_while_neither_stdout_is_read_yet_arrive_whole() {
    // Both send at once and neither's stdout is read for 2 s: each side's
    // writes to the socket wait for the other, whose output waits for its
    // reader. The side reading the socket must never wait for a write to
    // it, or both wait for ever.
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "ed25519");
    let a_data: Vec<u8> = (0..9_000_000u32).map(|i| (i % 251) as u8).collect();
    let b_data: Vec<u8> = (0..8_500_000u32).map(|i| (i % 241) as u8).collect();
    let late = Duration::from_secs(2);
    let args = [
        "serve",
        &alice.name,
        "--listen",
        "127.0.0.1:0",
        "--once",
        "--peer",
        &bob.name,
    ];
    let mut server =
        Running::start_reading_stdout_after("peerid tls serve", alice.tls(&args), late);
    let port = port_of(&server.wait_stderr_line("listening on"));
    let mut client = bob.connect_reading_stdout_after(port, &["--peer", &alice.name], late);
    client.wait_stderr_line("connected to");
    server.wait_stderr_line("connected");
    let feeding = [server.feed(a_data.clone()), client.feed(b_data.clone())];
    // Not joined first: a deadlock must end in finish's bounded wait (which
    // kills the child and so ends its feeder), not hang the test.
    let (s_status, s_out, s_err) = server.finish();
    let (c_status, c_out, c_err) = client.finish();
    for f in feeding {
        f.join().unwrap();
    }
    assert!(s_status.success(), "{s_err}");
    assert!(c_status.success(), "{c_err}");
    assert!(s_out == b_data, "server got {} bytes: {s_err}", s_out.len());
    assert!(c_out == a_data, "client got {} bytes: {c_err}", c_out.len());
}

#[test]
fn json_events_go_to_stderr_and_stdout_keeps_the_data() {
    let alice = User::new("alice", "Alice", "rsa2048");
    let bob = User::new("bob", "Bob", "ed25519");
    let mut cmd = alice.env.cmd();
    cmd.args(["--json", "tls", "serve", &alice.name]).args([
        "--listen",
        "127.0.0.1:0",
        "--once",
        "--any",
    ]);
    let mut server = Running::start("peerid --json tls serve", cmd);
    let line = server.wait_stderr_line("\"listening\"");
    let listening: serde_json::Value = serde_json::from_str(&line).unwrap();
    let port = port_of(listening["address"].as_str().unwrap());
    let mut cmd = bob.env.cmd();
    cmd.args(["--json", "tls", "connect", &bob.name])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--peer", alice.name.split('.').next().unwrap()]); // the authority
    let client = Running::start("peerid --json tls connect", cmd);
    let (client_err, server_err) = converse(client, server);
    let event = |stderr: &str| -> serde_json::Value {
        let line = stderr
            .lines()
            .find(|l| l.contains("\"connected\""))
            .unwrap();
        serde_json::from_str(line).unwrap()
    };
    let seen_by_client = event(&client_err);
    assert_eq!(seen_by_client["peer_name"], alice.name.as_str());
    assert_eq!(seen_by_client["key_type"], "rsa2048");
    assert_eq!(seen_by_client["classifier"], "alice");
    assert_eq!(seen_by_client["address"], format!("127.0.0.1:{port}"));
    let seen_by_server = event(&server_err);
    assert_eq!(seen_by_server["peer_name"], bob.name.as_str());
    assert_eq!(seen_by_server["key_type"], "ed25519");
    assert_eq!(
        seen_by_server["authority"],
        bob.name.split('.').next().unwrap()
    );
}

/// `openssl s_server -tls1_3 -Verify 1 -verify_return_error` with a
/// peerid identity's key and IDC, the client's IDC as its one trust
/// anchor; `peerid tls connect` to it.
fn connect_to_openssl_server(server_key: &str, client_key: &str) {
    let alice = User::new("alice", "Alice", server_key);
    let bob = User::new("bob", "Bob", client_key);
    let (a_cert, a_key) = alice.pem_files();
    let (b_cert, _) = bob.pem_files();
    let mut openssl = Command::new("openssl");
    openssl
        .args([
            "s_server",
            "-tls1_3",
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
        ])
        .args(["-Verify", "1", "-verify_return_error", "-CAfile"])
        .arg(&b_cert)
        .arg("-cert")
        .arg(&a_cert)
        .arg("-key")
        .arg(&a_key);
    let mut server = Running::start("openssl s_server", openssl);
    let port = server.wait_for("ACCEPT line", |out, _| {
        let out = String::from_utf8_lossy(out);
        out.lines().find(|l| l.starts_with("ACCEPT")).map(port_of)
    });
    let mut client = bob.connect(port, &["--peer", &alice.name]);
    client.write(b"from peerid\n");
    server.wait_stdout("from peerid\n");
    server.write(b"from openssl\n");
    client.wait_stdout("from openssl\n");
    let (status, out, err) = client.finish();
    assert!(status.success(), "peerid: {status}: {err}");
    assert_eq!(out, b"from openssl\n");
    assert!(
        err.contains(&format!("peerid: connected to {}\n", alice.name)),
        "{err}"
    );
    // OpenSSL verified the client's IDC and names it by its subject.
    let (_, out, s_err) = server.finish();
    let both = format!("{}{s_err}", String::from_utf8_lossy(&out));
    let authority = bob.name.split('.').next().unwrap();
    assert!(both.contains(&format!("CN = {authority}")), "{both}");
    assert!(both.contains("verify return:1"), "{both}");
    assert!(!both.contains("verify error"), "{both}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl s_server, a Linux program a Windows process under Wine cannot start"
)]
fn connect_to_openssl_s_server_ed25519() {
    connect_to_openssl_server("ed25519", "ed25519");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl s_server, a Linux program a Windows process under Wine cannot start"
)]
fn connect_to_openssl_s_server_p256_and_rsa() {
    connect_to_openssl_server("p256", "rsa2048");
}

/// `openssl s_client -tls1_3 -cert -key -CAfile <server IDC>
/// -verify_return_error` to `peerid tls serve --once`.
fn openssl_client_to_serve(server_key: &str, client_key: &str) {
    let alice = User::new("alice", "Alice", server_key);
    let bob = User::new("bob", "Bob", client_key);
    let (a_cert, _) = alice.pem_files();
    let (b_cert, b_key) = bob.pem_files();
    let (server, port) = alice.serve(&["--peer", &bob.name]);
    let mut openssl = Command::new("openssl");
    openssl
        .args(["s_client", "-tls1_3", "-verify_return_error", "-ign_eof"])
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-CAfile")
        .arg(&a_cert)
        .arg("-cert")
        .arg(&b_cert)
        .arg("-key")
        .arg(&b_key);
    let mut client = Running::start("openssl s_client", openssl);
    let mut server = server;
    // s_client prints the session first; wait for the handshake's end.
    client.wait_stdout("Verify return code: 0 (ok)");
    client.write(b"from openssl\n");
    server.wait_stdout("from openssl\n");
    server.write(b"from peerid\n");
    client.wait_stdout("from peerid\n");
    let (status, out, err) = server.finish();
    assert!(status.success(), "peerid: {status}: {err}");
    assert_eq!(out, b"from openssl\n");
    assert!(
        err.contains(&format!("peerid: {} connected\n", bob.name)),
        "{err}"
    );
    let (_, out, c_err) = client.finish();
    let out = String::from_utf8_lossy(&out);
    let authority = alice.name.split('.').next().unwrap();
    assert!(
        out.contains(&format!("subject=CN = {authority}")),
        "{out}{c_err}"
    );
    assert!(out.contains("Protocol  : TLSv1.3"), "{out}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl s_client, a Linux program a Windows process under Wine cannot start"
)]
fn openssl_s_client_to_serve_ed25519() {
    openssl_client_to_serve("ed25519", "ed25519");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl s_client, a Linux program a Windows process under Wine cannot start"
)]
fn openssl_s_client_to_serve_p256_and_rsa() {
    openssl_client_to_serve("rsa2048", "p256");
}

/// Python's `ssl` with the exported certificate and key; it checks the
/// server's peer name (SubjectAltName otherName 1.3.6.1.4.1.311.44.0.2,
/// read with `cryptography`) after the handshake.
const PYTHON_CLIENT: &str = r#"
import socket, ssl, sys
from cryptography import x509
port, cert, key, server_idc = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.check_hostname = False
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(server_idc)
with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
    with ctx.wrap_socket(raw) as tls:
        der = tls.getpeercert(binary_form=True)
        san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
        (value,) = [n.value for n in san if isinstance(n, x509.OtherName)
                    and n.type_id.dotted_string == "1.3.6.1.4.1.311.44.0.2"]
        assert value[0] == 0x0C, "a UTF8String"
        n, body = value[1], value[2:]
        if n & 0x80:
            k = n & 0x7F
            n, body = int.from_bytes(body[:k], "big"), body[k:]
        print("peer name:", body[:n].decode(), tls.version(), flush=True)
        tls.sendall(b"from python\n")
        got = b""
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            got += chunk
        print("received:", got.decode(), end="", flush=True)
        tls.unwrap()
"#;

#[test]
#[cfg_attr(
    windows,
    ignore = "runs python3's ssl, a Linux program a Windows process under Wine cannot start"
)]
fn python_ssl_client_checks_the_servers_peer_name() {
    let alice = User::new("alice", "Alice", "p256");
    let bob = User::new("bob", "Bob", "ed25519");
    let (a_cert, _) = alice.pem_files();
    let (b_cert, b_key) = bob.pem_files();
    let (mut server, port) = alice.serve(&["--peer", &bob.name]);
    let mut python = Command::new("python3");
    python
        .arg("-c")
        .arg(PYTHON_CLIENT)
        .arg(port.to_string())
        .args([&b_cert, &b_key, &a_cert]);
    let mut client = Running::start("python3 ssl client", python);
    client.wait_stdout(&format!("peer name: {} TLSv1.3\n", alice.name));
    server.wait_stdout("from python\n");
    server.write(b"from peerid\n");
    let (status, out, err) = server.finish();
    assert!(status.success(), "{err}");
    assert_eq!(out, b"from python\n");
    assert!(
        err.contains(&format!("peerid: {} connected\n", bob.name)),
        "{err}"
    );
    let (status, out, p_err) = client.finish();
    assert!(status.success(), "python: {p_err}");
    assert!(
        String::from_utf8_lossy(&out).ends_with("received: from peerid\n"),
        "{p_err}"
    );
}

#[test]
fn connect_refuses_a_server_that_is_not_the_peer_asked_for() {
    let alice = User::new("alice", "Alice", "ed25519");
    let mallory = User::new("mallory", "Mallory", "ed25519");
    let bob = User::new("bob", "Bob", "p256");
    let (mut server, port) = mallory.serve(&["--any"]);
    server.write(b"never sent\n");
    let client = bob.connect(port, &["--peer", &alice.name]);
    let (status, out, err) = client.finish();
    assert_eq!(status.code(), Some(9), "{err}");
    assert!(out.is_empty());
    // What was presented and what was expected.
    assert!(err.contains(&mallory.name), "{err}");
    assert!(err.contains(&alice.name), "{err}");
    assert!(!err.contains("connected to"), "{err}");
    // The server learns it was refused (the client's alert).
    let (status, out, err) = server.finish();
    assert_eq!(status.code(), Some(9), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("refused our identity"), "{err}");
}

#[test]
fn serve_refuses_a_client_that_is_not_the_peer_asked_for_and_both_say_so() {
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "ed25519");
    let mallory = User::new("mallory", "Mallory", "p256");
    let (mut server, port) = alice.serve(&["--peer", &bob.name]);
    server.write(b"never sent\n");
    let mut client = mallory.connect(port, &["--peer", &alice.name]);
    client.write(b"never received\n");
    let (status, out, err) = server.finish();
    assert_eq!(status.code(), Some(9), "{err}");
    assert!(out.is_empty(), "{out:?}");
    assert!(err.contains(&mallory.name), "{err}");
    assert!(err.contains(&bob.name), "{err}");
    assert!(!err.contains("connected"), "{err}");
    let (status, out, err) = client.finish();
    assert_eq!(status.code(), Some(9), "{err}");
    assert!(out.is_empty(), "{out:?}");
    assert!(err.contains("the peer refused our identity"), "{err}");
}

#[test]
fn serve_by_default_refuses_a_client_not_in_the_peer_book() {
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "ed25519");
    let (server, port) = alice.serve(&[]);
    let client = bob.connect(port, &["--any"]);
    let (status, _, err) = server.finish();
    assert_eq!(status.code(), Some(9), "{err}");
    assert!(err.contains("the peer book is empty"), "{err}");
    assert!(err.contains("not in the peer book"), "{err}");
    let (status, _, err) = client.finish();
    assert_eq!(status.code(), Some(9), "{err}");
}

/// The identities of the store of the previous release (schema 1) have
/// IDCs without clientAuth; peerid still accepts them on both ends.
// Copies the old store in with Unix modes.
#[cfg(unix)]
#[test]
fn old_idcs_without_client_auth_still_work_on_both_ends() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    fs::create_dir(&env.store).unwrap();
    fs::set_permissions(&env.store, fs::Permissions::from_mode(0o700)).unwrap();
    let db = env.store.join(peerid::Store::DB_FILE);
    fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../peerid/tests/vectors/store-v1")
            .join(peerid::Store::DB_FILE),
        &db,
    )
    .unwrap();
    fs::set_permissions(&db, fs::Permissions::from_mode(0o600)).unwrap();
    let ed = "e83926008cfa0a7de12ed7bdd798660b33c2ab6c.old-ed25519";
    let p256 = "74cb50e6c9473fe6384e4556778e2cd5d237f466.old-p256";
    // They really lack it.
    for name in [ed, p256] {
        let xml = env.ok(&["xml", name]);
        let idc = peerid::Idc::from_info_xml(xml.as_bytes()).unwrap();
        let der = env.path("old.der");
        fs::write(&der, idc.as_der()).unwrap();
        let eku = crate::support::interop::openssl(&[
            "x509",
            "-inform",
            "DER",
            "-in",
            der.to_str().unwrap(),
            "-noout",
            "-ext",
            "extendedKeyUsage",
        ])
        .stdout;
        let eku = String::from_utf8(eku).unwrap();
        assert!(eku.contains("TLS Web Server Authentication"), "{eku}");
        assert!(!eku.contains("Client"), "{eku}");
    }
    // One store, two processes: the old Ed25519 identity serves the old
    // P-256 one, each naming the other by friendly name or prefix.
    let mut serve = env.cmd();
    serve
        .args([
            "tls",
            "serve",
            "Old Ed25519",
            "--listen",
            "127.0.0.1:0",
            "--once",
        ])
        .args(["--peer", "74cb50e6"]);
    let mut server = Running::start("peerid tls serve (old IDC)", serve);
    let port = port_of(&server.wait_stderr_line("listening on"));
    let mut connect = env.cmd();
    connect
        .args(["tls", "connect", "74cb50e6", &format!("127.0.0.1:{port}")])
        .args(["--peer", "Old Ed25519"]);
    let client = Running::start("peerid tls connect (old IDC)", connect);
    let (client_err, server_err) = converse(client, server);
    assert!(
        client_err.contains(&format!("connected to {ed}")),
        "{client_err}"
    );
    assert!(
        server_err.contains(&format!("{p256} connected")),
        "{server_err}"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs openssl s_client, a Linux program a Windows process under Wine cannot start"
)]
fn a_tls12_only_client_is_refused() {
    let alice = User::new("alice", "Alice", "p256");
    let bob = User::new("bob", "Bob", "p256");
    let (b_cert, b_key) = bob.pem_files();
    let (server, port) = alice.serve(&["--any"]);
    let out = Command::new("timeout")
        .arg("30")
        .args(["openssl", "s_client", "-tls1_2"])
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&b_cert)
        .arg("-key")
        .arg(&b_key)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "s_client -tls1_2 got through");
    let (status, stdout, err) = server.finish();
    assert_eq!(status.code(), Some(9), "{err}");
    assert!(stdout.is_empty());
    assert!(err.contains("TLS handshake with the client"), "{err}");
    assert!(!err.contains("connected"), "{err}");
}

#[test]
fn usage_and_address_errors() {
    let bob = User::new("bob", "Bob", "ed25519");
    let run = |args: &[&str]| {
        let out = bob.tls(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // connect must be told whom it wants, once.
    let (code, err) = run(&["connect", "Bob", "127.0.0.1:1"]);
    assert_eq!(code, 2, "{err}");
    let (code, err) = run(&["connect", "Bob", "127.0.0.1:1", "--any", "--peer-book"]);
    assert_eq!(code, 2, "{err}");
    let authority = bob.name.split('.').next().unwrap();
    let (code, err) = run(&[
        "connect",
        "Bob",
        "127.0.0.1:1",
        "--peer",
        authority,
        "--peer",
        &bob.name,
    ]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("cannot be combined"), "{err}");
    let (code, err) = run(&["connect", "Bob", "localhost", "--any"]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("is not HOST:PORT"), "{err}");
    let (code, err) = run(&["connect", "Nobody", "127.0.0.1:1", "--any"]);
    assert_eq!(code, 3, "{err}");
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let (code, err) = run(&["connect", "Bob", &addr, "--any"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("cannot connect to {addr}")), "{err}");
    // --json: the error object on stderr, stdout untouched.
    let out = bob
        .env
        .cmd()
        .args(["--json", "tls", "connect", "Bob", &addr, "--any"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stderr).trim()).unwrap();
    assert_eq!(doc["error"]["code"], "E_FAIL");
}

#[test]
fn serve_without_once_reports_a_refused_client_and_serves_the_next() {
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "ed25519");
    let mallory = User::new("mallory", "Mallory", "ed25519");
    let mut cmd = alice.tls(&["serve", &alice.name, "--listen", "127.0.0.1:0"]);
    cmd.args(["--peer", &bob.name]);
    let mut server = Running::start("peerid tls serve (no --once)", cmd);
    let port = port_of(&server.wait_stderr_line("listening on"));
    // Nothing to send: every client gets close_notify at once.
    server.close_stdin();
    let (status, _, err) = mallory.connect(port, &["--any"]).finish();
    assert_eq!(status.code(), Some(9), "{err}");
    let refused = server.wait_stderr_line("peerid: error:");
    assert!(refused.contains(&mallory.name), "{refused}");
    for round in 0..2 {
        let mut client = bob.connect(port, &["--peer", &alice.name]);
        client.write(format!("round {round}\n").as_bytes());
        let (status, out, err) = client.finish();
        assert!(status.success(), "round {round}: {err}");
        assert!(out.is_empty());
        server.wait_stdout(&format!("round {round}\n"));
    }
    let connected = server.stderr();
    assert_eq!(
        connected
            .matches(&format!("peerid: {} connected\n", bob.name))
            .count(),
        2,
        "{connected}"
    );
}

#[test]
fn a_client_trickling_its_hello_is_cut_off_at_the_handshake_deadline() {
    // 10 s is for the whole handshake, not for each read: a byte every
    // 2 s must not hold serve (one connection at a time) for ever.
    let alice = User::new("alice", "Alice", "ed25519");
    let bob = User::new("bob", "Bob", "ed25519");
    let mut cmd = alice.tls(&["serve", &alice.name, "--listen", "127.0.0.1:0"]);
    cmd.args(["--peer", &bob.name]);
    let mut server = Running::start("peerid tls serve (no --once)", cmd);
    let port = port_of(&server.wait_stderr_line("listening on"));
    server.close_stdin();
    let start = Instant::now();
    let trickler = std::thread::spawn(move || {
        let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut sent = 0;
        if sock.write_all(b"\x16\x03\x01").is_err() {
            return sent;
        }
        // Record length 0x0200, then a ClientHello's first bytes, slowly.
        for b in [0x02u8, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0, 0, 0, 0] {
            std::thread::sleep(Duration::from_secs(2));
            if sock.write_all(&[b]).is_err() {
                break;
            }
            sent += 1;
            // The server has hung up: reading gives the end (or an error).
            sock.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 64];
            let ended = sock.read(&mut buf).is_ok();
            sock.set_nonblocking(false).unwrap();
            if ended {
                break;
            }
        }
        sent
    });
    let timed_out = server.wait_stderr_line("peerid: error:");
    let took = start.elapsed();
    assert!(
        timed_out.contains("did not complete the TLS handshake within 10 s"),
        "{timed_out}"
    );
    assert!(took < Duration::from_secs(14), "took {took:?}: {timed_out}");
    let _ = trickler.join();
    // And it serves the next client.
    let mut client = bob.connect(port, &["--peer", &alice.name]);
    client.write(b"after the trickler\n");
    let (status, _, err) = client.finish();
    assert!(status.success(), "{err}");
    server.wait_stdout("after the trickler\n");
}
