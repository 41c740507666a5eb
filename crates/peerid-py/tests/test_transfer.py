"""Export and import, and what `cryptography` (an implementation nobody
here wrote) reads from an export."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12

import peerid
from conftest import PASSWORD, QUICK, pfx_of


def test_round_trip_str_and_bytes_passwords(store: peerid.Store, tmp_path: Path) -> None:
    alice = store.create(classifier="chat", friendly_name="Alice")
    doc = store.export(alice.peer_name, PASSWORD, iterations=QUICK)
    assert doc.startswith("<PEERIDENTITYEXPORT")
    other = peerid.Store(tmp_path / "other")
    got = other.import_(doc, PASSWORD.encode())
    assert got.peer_name == alice.peer_name
    assert got.friendly_name == "Alice"
    assert other[alice.peer_name].certificate() == alice.certificate()
    # bytes documents too, and a second import is refused.
    with pytest.raises(peerid.AlreadyExists) as e:
        other.import_(doc.encode(), PASSWORD)
    assert e.value.hresult == 0x800700B7


def test_wrong_password_and_limits(store: peerid.Store, tmp_path: Path) -> None:
    alice = store.create()
    doc = store.export(alice.peer_name, PASSWORD, iterations=QUICK)
    other = peerid.Store(tmp_path / "other")
    with pytest.raises(peerid.InvalidArgument):
        other.import_(doc, "wrong")
    with pytest.raises(peerid.InvalidArgument):
        other.import_(doc, PASSWORD, max_iterations=QUICK - 1)
    with pytest.raises(peerid.InvalidArgument):
        other.import_(b"<not a document/>", PASSWORD)
    with pytest.raises(peerid.InvalidArgument):
        other.import_(doc, b"\xff\xfe not UTF-8")
    with pytest.raises(TypeError):
        other.import_(doc, 1234)  # type: ignore[arg-type]
    with pytest.raises(peerid.InvalidArgument):
        store.export(alice.peer_name, PASSWORD, iterations=0)
    with pytest.raises(peerid.NotFound):
        store.export("0000000000000000000000000000000000000000.", PASSWORD)
    assert len(other) == 0


def test_default_iterations() -> None:
    assert peerid.DEFAULT_ITERATIONS == 600_000
    assert peerid.LEGACY_ITERATIONS == 2_048
    assert peerid.DEFAULT_MAX_ITERATIONS == 1_000_000


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("key", ["ed25519", "p256", "rsa2048"])
def test_cryptography_reads_the_export(store: peerid.Store, key: str, legacy: bool) -> None:
    ident = store.create(classifier="x", friendly_name="Friend", key=key)
    doc = store.export(ident.peer_name, PASSWORD, iterations=QUICK, legacy=legacy)
    pfx = pkcs12.load_pkcs12(pfx_of(doc), PASSWORD.encode())
    assert pfx.key is not None and pfx.cert is not None
    assert pfx.cert.certificate.public_bytes(Encoding.DER) == ident.certificate()
    assert pfx.cert.friendly_name == b"Friend"
    ours = pfx.cert.certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    theirs = pfx.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert ours == theirs
    if key == "ed25519":
        assert isinstance(pfx.key, ed25519.Ed25519PrivateKey)
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(pfx_of(doc), b"wrong")
