"""A TLS server made with Python's ssl module from an exported key and
certificate; the client learns the server's peer name from its certificate."""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import peerid
from conftest import PASSWORD, QUICK, Cli, pfx_of


def _key_and_cert(store: peerid.Store, name: str, tmp_path: Path) -> tuple[Path, Path]:
    pfx = pkcs12.load_pkcs12(pfx_of(store.export(name, PASSWORD, iterations=QUICK)), PASSWORD.encode())
    assert pfx.key is not None and pfx.cert is not None
    key = tmp_path / "key.pem"
    key.write_bytes(
        pfx.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)
    cert = tmp_path / "cert.pem"
    cert.write_bytes(pfx.cert.certificate.public_bytes(serialization.Encoding.PEM))
    return key, cert


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "rsa2048"])
def test_client_recovers_the_servers_peer_name(store: peerid.Store, tmp_path: Path, key_type: str) -> None:
    server_id = store.create(classifier="server", key=key_type)
    key, cert = _key_and_cert(store, server_id.peer_name, tmp_path)

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    server_ctx.load_cert_chain(str(cert), str(key))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"hello from " + server_id.peer_name.encode() + b"\n")
        except BaseException as e:  # reported by the test thread
            failures.append(e)

    t = threading.Thread(target=serve)
    t.start()
    # No PKI: the client trusts no CA; it authenticates the server by the
    # peer name its (self-certifying) certificate proves.
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with client_ctx.wrap_socket(raw) as tls:
            assert tls.version() == "TLSv1.3"
            der = tls.getpeercert(binary_form=True)
            assert der is not None
            assert peerid.peer_name_of_certificate(der) == server_id.peer_name
            assert tls.recv(1024) == b"hello from " + server_id.peer_name.encode() + b"\n"
    t.join(10)
    listener.close()
    assert not failures, failures


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_python_ssl_client_talks_to_peerid_tls_serve(
    store: peerid.Store, cli: Cli, tmp_path: Path, key_type: str
) -> None:
    server_id = store.create(classifier="server", key=key_type)
    client_id = store.create(classifier="client", key=key_type)
    key, cert = _key_and_cert(store, client_id.peer_name, tmp_path)

    # `peerid tls serve`, expecting exactly the client's peer name; port 0.
    serve = subprocess.Popen(
        [str(cli.exe), "--store", str(store.path), "tls", "serve", server_id.peer_name,
         "--listen", "127.0.0.1:0", "--peer", client_id.peer_name, "--once"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert serve.stderr is not None and serve.stdin is not None
        line = serve.stderr.readline().decode()
        m = re.match(r"peerid: listening on 127\.0\.0\.1:(\d+)$", line.strip())
        assert m, line
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # authenticated by its peer name below
        ctx.load_cert_chain(str(cert), str(key))
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=30) as raw:
            with ctx.wrap_socket(raw) as tls:
                der = tls.getpeercert(binary_form=True)
                assert der is not None
                assert peerid.peer_name_of_certificate(der) == server_id.peer_name
                tls.sendall(b"hello from python\n")
                serve.stdin.write(b"hello from peerid\n")
                serve.stdin.close()  # its end: close_notify to the client
                received = b""
                while not received.endswith(b"\n"):
                    chunk = tls.recv(1024)
                    if not chunk:
                        break
                    received += chunk
                assert received == b"hello from peerid\n"
                tls.unwrap()  # our close_notify
        # stdin is closed already, so not communicate(); a hang is killed.
        watchdog = threading.Timer(30, serve.kill)
        watchdog.start()
        assert serve.stdout is not None
        out, err = serve.stdout.read(), serve.stderr.read()
        watchdog.cancel()
        assert serve.wait() == 0, err.decode()
        assert out == b"hello from python\n"
        assert f"peerid: {client_id.peer_name} connected" in err.decode()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
