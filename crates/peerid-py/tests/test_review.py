"""What a review of the package found: secrets in exceptions, the store
locked while keys are made, warnings raised after a change, and arguments
that raised the wrong exception."""

from __future__ import annotations

import base64
import threading
import time
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

import peerid
from conftest import PASSWORD, QUICK, pfx_of

SECRET = "hunter2-\udc80-secret"


def _holds_secret(e: BaseException) -> bool:
    """Whether the exception, its arguments, attributes or chain hold SECRET."""
    seen = [*vars(e).values(), *e.args, e.__context__, e.__cause__, str(e)]
    for x in seen:
        if isinstance(x, BaseException):
            if _holds_secret(x):
                return True
        elif isinstance(x, str) and "hunter2" in x:
            return True
    return False


def test_a_lone_surrogate_password_is_invalid_and_not_in_the_exception(
    store: peerid.Store, tmp_path: Path
) -> None:
    alice = store.create()
    with pytest.raises(peerid.InvalidArgument) as e:
        store.export(alice.peer_name, SECRET, iterations=QUICK)
    assert "lone surrogates" in str(e.value)
    assert e.value.__context__ is None and e.value.__cause__ is None
    assert not _holds_secret(e.value)
    doc = store.export(alice.peer_name, PASSWORD, iterations=QUICK)
    other = peerid.Store(tmp_path / "other")
    with pytest.raises(peerid.InvalidArgument) as e:
        other.import_(doc, SECRET)
    assert not _holds_secret(e.value)
    with pytest.raises(peerid.InvalidArgument) as e:
        other.import_(doc.replace("<", SECRET + "<", 1), PASSWORD)
    assert "lone surrogates" in str(e.value)
    assert not _holds_secret(e.value)
    assert len(other) == 0


def test_making_a_key_does_not_lock_the_store(store: peerid.Store) -> None:
    store.create()
    took: list[float] = []

    def make() -> None:
        start = time.monotonic()
        store.create(key="rsa4096")
        took.append(time.monotonic() - start)

    maker = threading.Thread(target=make)
    maker.start()
    waits: list[float] = []
    while maker.is_alive():
        start = time.monotonic()
        store.list()
        waits.append(time.monotonic() - start)
        time.sleep(0.005)
    maker.join()
    assert len(store) == 2
    assert len(waits) >= 3, (waits, took)
    # Generating the key takes most of took[0]; a list() waiting on it
    # would take nearly as long.
    assert max(waits) < took[0] / 4, (max(waits), took)


def test_create_batch_does_not_lock_the_store(store: peerid.Store) -> None:
    took: list[float] = []

    def make() -> None:
        start = time.monotonic()
        store.create_batch(2, key="rsa4096")
        took.append(time.monotonic() - start)

    maker = threading.Thread(target=make)
    maker.start()
    waits: list[float] = []
    while maker.is_alive():
        start = time.monotonic()
        len(store)
        waits.append(time.monotonic() - start)
        time.sleep(0.005)
    maker.join()
    assert len(store) == 2
    assert max(waits) < took[0] / 4, (max(waits), took)


def _document_with_long_friendly_name(store: peerid.Store) -> tuple[str, str]:
    """An export document whose friendly name (256 UTF-16 code units) is
    one more than the store holds, and its peer name."""
    alice = store.create(friendly_name="Alice")
    doc = store.export(alice.peer_name, PASSWORD, iterations=QUICK)
    key, cert, _ = pkcs12.load_key_and_certificates(pfx_of(doc), PASSWORD.encode())
    assert key is not None and cert is not None
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(QUICK)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(PASSWORD.encode())
    )
    pfx = pkcs12.serialize_key_and_certificates(b"x" * 256, key, cert, None, encryption)  # type: ignore[arg-type]
    old = base64.b64encode(pfx_of(doc)).decode()
    flat = "".join(doc.split("bin.base64\">", 1)[1].split("<", 1)[0].split())
    assert flat == old
    start = doc.index('bin.base64">') + len('bin.base64">')
    end = doc.index("<", start)
    return doc[:start] + base64.b64encode(pfx).decode() + doc[end:], alice.peer_name


def test_a_dropped_friendly_name_is_a_user_warning(store: peerid.Store, tmp_path: Path) -> None:
    doc, name = _document_with_long_friendly_name(store)
    other = peerid.Store(tmp_path / "other")
    with pytest.warns(UserWarning, match="friendly name"):
        got = other.import_(doc, PASSWORD)
    assert got.peer_name == name
    assert got.friendly_name == name, "an unset friendly name shows as the peer name"


def test_a_warning_made_an_error_leaves_the_store_unchanged(
    store: peerid.Store, tmp_path: Path
) -> None:
    doc, _ = _document_with_long_friendly_name(store)
    other = peerid.Store(tmp_path / "other")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning):
            other.import_(doc, PASSWORD)
    assert len(other) == 0


def test_out_of_range_counts_are_invalid_arguments(store: peerid.Store) -> None:
    alice = store.create()
    for n in (-1, 2**32, 2**64):
        with pytest.raises(peerid.InvalidArgument):
            store.export(alice.peer_name, PASSWORD, iterations=n)
    for n in (-1, 2**64):
        with pytest.raises(peerid.InvalidArgument):
            store.create_batch(n)
    assert len(store) == 1


def test_in_is_false_for_what_is_not_a_name(store: peerid.Store) -> None:
    alice = store.create()
    assert alice.peer_name in store
    for x in (1, None, b"x", "not a peer name", "\udc80"):
        assert x not in store
        assert x not in store.peers


def test_bytearray_and_memoryview_past_one_piece(store: peerid.Store) -> None:
    # A bytearray is read 64 KiB at a time: several pieces and a short one.
    big = bytes(range(256)) * 1000 + b"end"
    alice = store.create()
    sig = alice.sign("file", bytearray(big))
    peerid.verify(alice.peer_name, "file", big, sig, store=store)
    peerid.verify(alice.peer_name, "file", bytearray(big), sig, store=store)
    peerid.verify(alice.peer_name, "file", memoryview(big), sig, store=store)
    peerid.verify(alice.peer_name, "file", memoryview(bytearray(big))[::1], sig, store=store)
    with pytest.raises(peerid.BadSignature):
        peerid.verify(alice.peer_name, "file", bytearray(big[:-1]), sig, store=store)
    assert alice.sign("file", bytearray()) != sig
