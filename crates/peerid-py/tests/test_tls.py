"""A TLS server made with Python's ssl module from an exported key and
certificate; the client learns the server's peer name from its certificate."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import peerid
from conftest import PASSWORD, QUICK, pfx_of


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
