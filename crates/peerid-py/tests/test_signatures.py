"""SSH signatures made and checked in Python, against OpenSSH's ssh-keygen
and the `peerid` command, both ways."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import peerid
from conftest import PASSWORD, QUICK, Cli, pfx_of

TYPES = ["ed25519", "p256", "rsa2048"]


def test_sign_and_verify(store: peerid.Store) -> None:
    alice = store.create(classifier="a")
    sig = alice.sign("file", b"hello")
    assert sig.startswith("-----BEGIN SSH SIGNATURE-----\n")
    peerid.verify(alice.peer_name, "file", b"hello", sig)
    peerid.verify(alice.peer_name, "file", bytearray(b"hello"), sig.encode())
    peerid.verify(alice.peer_name, "file", memoryview(b"hello"), sig, store=store)
    for peer, ns, data in [
        (alice.peer_name, "git", b"hello"),
        (alice.peer_name, "file", b"hellO"),
        (store.create().peer_name, "file", b"hello"),
    ]:
        with pytest.raises(peerid.BadSignature) as e:
            peerid.verify(peer, ns, data, sig)
        assert e.value.hresult == 0x80096010 and e.value.kind == "BadDigest"
    with pytest.raises(peerid.BadSignature):
        peerid.verify(alice.peer_name, "file", b"hello", "not a signature")
    with pytest.raises(peerid.InvalidArgument):
        alice.sign("", b"hello")
    with pytest.raises(TypeError):
        alice.sign("file", "text is not bytes")  # type: ignore[arg-type]


def test_file_objects_are_streamed(store: peerid.Store, tmp_path: Path) -> None:
    alice = store.create()
    data = os.urandom(300_000)
    path = tmp_path / "data"
    path.write_bytes(data)

    class Counting(io.BytesIO):
        calls = 0

        def read(self, n: int | None = -1) -> bytes:
            Counting.calls += 1
            assert n is not None and 0 < n <= 1 << 20
            return super().read(n)

    sig = alice.sign("file", Counting(data))
    assert Counting.calls > 2  # read in pieces, not whole
    with path.open("rb") as f:
        peerid.verify(alice.peer_name, "file", f, sig)
    peerid.verify(alice.peer_name, "file", data, sig)
    with path.open("rb") as f:
        peerid.verify(alice.peer_name, "file", data, alice.sign("file", f))


def test_file_errors_are_raised(store: peerid.Store, tmp_path: Path) -> None:
    alice = store.create()

    class Broken(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        alice.sign("file", Broken())  # type: ignore[arg-type]
    (tmp_path / "t").write_text("text")
    with pytest.raises(TypeError, match="binary mode"):
        alice.sign("file", (tmp_path / "t").open("r"))  # type: ignore[arg-type]


def test_store_checks_the_stored_key(store: peerid.Store, tmp_path: Path) -> None:
    """With a store, a peer it knows must have used the key stored for it;
    without, the self-certifying name is enough."""
    alice = store.create(classifier="x")
    sig = alice.sign("file", b"m")
    other = peerid.Store(tmp_path / "other")
    peerid.verify(alice.peer_name, "file", b"m", sig, store=other)  # unknown: by name
    other.peers.add(alice.info_xml())
    peerid.verify(alice.peer_name, "file", b"m", sig, store=other)


def _ssh_private_key(store: peerid.Store, name: str, path: Path) -> Path:
    """The identity's key in OpenSSH's format, out of an export."""
    doc = store.export(name, PASSWORD, iterations=QUICK)
    key = pkcs12.load_pkcs12(pfx_of(doc), PASSWORD.encode()).key
    assert key is not None
    fmt = serialization.PrivateFormat.OpenSSH
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("key", TYPES)
def test_ssh_keygen_verifies_python_signatures(
    store: peerid.Store, cli: Cli, tmp_path: Path, ssh_keygen: str, key: str
) -> None:
    ident = store.create(classifier="py", key=key)
    msg = b"signed in Python\n"
    sig = tmp_path / "msg.sig"
    sig.write_text(ident.sign("file", msg))
    signers = tmp_path / "allowed_signers"
    # Built here, and as the command prints it.
    signers.write_text(f"{ident.peer_name} {ident.ssh_public_key()}\n")
    from_cli = tmp_path / "allowed_signers.cli"
    from_cli.write_text(cli.ok("allowed-signers"))
    for allowed in (signers, from_cli):
        out = subprocess.run(
            [ssh_keygen, "-Y", "verify", "-f", str(allowed), "-I", ident.peer_name, "-n", "file", "-s", str(sig)],
            input=msg,
            capture_output=True,
        )
        assert out.returncode == 0, out.stderr.decode()
        bad = subprocess.run(
            [ssh_keygen, "-Y", "verify", "-f", str(allowed), "-I", ident.peer_name, "-n", "git", "-s", str(sig)],
            input=msg,
            capture_output=True,
        )
        assert bad.returncode != 0
    # And the command line agrees.
    (tmp_path / "msg").write_bytes(msg)
    said = cli.ok("verify", "-I", ident.peer_name, "-n", "file", "-s", str(sig), str(tmp_path / "msg"))
    assert said == f"Good signature from {ident.peer_name}\n"


@pytest.mark.parametrize("key", TYPES)
def test_python_verifies_ssh_keygen_and_cli_signatures(
    store: peerid.Store, cli: Cli, tmp_path: Path, ssh_keygen: str, key: str
) -> None:
    ident = store.create(classifier="ssh", key=key)
    msg = tmp_path / "msg"
    msg.write_bytes(b"signed by ssh-keygen\n")
    key_file = _ssh_private_key(store, ident.peer_name, tmp_path / "id")
    out = subprocess.run(
        [ssh_keygen, "-Y", "sign", "-n", "file", "-f", str(key_file), str(msg)], capture_output=True
    )
    assert out.returncode == 0, out.stderr.decode()
    by_ssh = (tmp_path / "msg.sig").read_text()
    peerid.verify(ident.peer_name, "file", msg.read_bytes(), by_ssh, store=store)
    with pytest.raises(peerid.BadSignature):
        peerid.verify(ident.peer_name, "file", b"another message", by_ssh)

    by_cli = cli.ok("sign", ident.peer_name, "-n", "app", str(msg))
    with msg.open("rb") as f:
        peerid.verify(ident.peer_name, "app", f, by_cli, store=store)
    with pytest.raises(peerid.BadSignature):
        peerid.verify(ident.peer_name, "file", msg.read_bytes(), by_cli)
