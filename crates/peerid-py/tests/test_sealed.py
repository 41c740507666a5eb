"""Sealed stores (keys at rest): seal, unlock, export, unseal; a wrong
passphrase; public reads with no passphrase; $PEERID_PASSPHRASE_FILE
unlocking without asking; the GIL released while scrypt runs."""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path

import pytest

import peerid
from conftest import PASSWORD, QUICK, Cli

PASSPHRASE = "sealing passphrase"
#: The least scrypt work factor, to keep the tests quick.
QUICK_WF = 10


@pytest.fixture(autouse=True)
def no_passphrase_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test unlocks from the caller's $PEERID_PASSPHRASE_FILE."""
    monkeypatch.delenv("PEERID_PASSPHRASE_FILE", raising=False)


def reopen(store: peerid.Store) -> peerid.Store:
    """Another Store object on the same directory: locked if sealed."""
    return peerid.Store(store.path)


def test_seal_unlock_export_unseal(store: peerid.Store, tmp_path: Path) -> None:
    alice = store.create(classifier="chat", friendly_name="Alice")
    assert not store.is_sealed and not store.is_locked
    store.seal(PASSPHRASE, work_factor=QUICK_WF)
    # Sealing leaves this Store unlocked.
    assert store.is_sealed and not store.is_locked
    doc = store.export(alice.peer_name, PASSWORD, iterations=QUICK)

    store.lock()
    assert store.is_locked
    with pytest.raises(peerid.NoKeyAccess) as e:
        store.export(alice.peer_name, PASSWORD, iterations=QUICK)
    assert e.value.hresult == 0x80630203 and e.value.code_name == "PEER_E_NO_KEY_ACCESS"
    assert "sealed" in str(e.value)
    with pytest.raises(peerid.NoKeyAccess):
        alice.sign("file", b"hello")
    with pytest.raises(peerid.NoKeyAccess):
        store.create(classifier="new")
    with pytest.raises(peerid.NoKeyAccess):
        store.import_(doc, PASSWORD)
    with pytest.raises(peerid.NoKeyAccess):
        store.unseal()
    assert store.is_sealed and len(store) == 1

    store.unlock(PASSPHRASE)
    assert not store.is_locked
    sig = alice.sign("file", b"hello")
    peerid.verify(alice.peer_name, "file", b"hello", sig, store=store)
    made = store.create(classifier="made-sealed")

    # Another Store on the directory does not share the key; bytes work.
    other = reopen(store)
    assert other.is_sealed and other.is_locked
    other.unlock(PASSPHRASE.encode())
    assert other.export(made.peer_name, PASSWORD, iterations=QUICK).startswith("<PEERIDENTITYEXPORT")

    store.unseal()
    assert not store.is_sealed and not store.is_locked
    plain = reopen(store)
    assert not plain.is_sealed and not plain.is_locked
    plain.export(made.peer_name, PASSWORD, iterations=QUICK)

    # The document exported while sealed imports into an unsealed store.
    elsewhere = peerid.Store(tmp_path / "elsewhere")
    assert elsewhere.import_(doc, PASSWORD).peer_name == alice.peer_name
    assert elsewhere[alice.peer_name].ssh_public_key() == alice.ssh_public_key()


def test_wrong_passphrase_and_a_new_one(store: peerid.Store) -> None:
    alice = store.create()
    store.seal(PASSPHRASE, work_factor=QUICK_WF)
    store.lock()
    with pytest.raises(peerid.NoKeyAccess) as e:
        store.unlock("not the passphrase")
    assert str(e.value) == "wrong passphrase"
    assert e.value.kind == "NoKeyAccess"
    assert store.is_locked

    store.unlock(PASSPHRASE)
    store.change_passphrase("another passphrase", work_factor=QUICK_WF)
    store.lock()
    with pytest.raises(peerid.NoKeyAccess):
        store.unlock(PASSPHRASE)
    store.unlock(b"another passphrase")
    alice.sign("file", b"x")


def test_public_reads_need_no_passphrase(store: peerid.Store, tmp_path: Path) -> None:
    alice = store.create(classifier="chat", friendly_name="Alice")
    bob = store.create(classifier="bob")
    default = store.default()
    carol = peerid.Store(tmp_path / "carol").create(classifier="carol")
    store.peers.add(carol.info_xml())
    sig = alice.sign("file", b"data")
    store.seal(PASSPHRASE, work_factor=QUICK_WF)

    locked = reopen(store)
    assert locked.is_locked
    assert sorted(i.peer_name for i in locked.list()) == sorted(
        [alice.peer_name, bob.peer_name, default.peer_name]
    )
    assert len(locked) == 3 and alice.peer_name in locked
    got = locked[alice.peer_name]
    assert got.friendly_name == "Alice" and got.key_type == "ed25519"
    assert got.info_xml() == alice.info_xml()
    assert got.certificate() == alice.certificate()
    assert got.ssh_public_key() == alice.ssh_public_key()
    # The default exists: no key needed to name it.
    assert locked.default().peer_name == default.peer_name
    locked.set_default(bob.peer_name)
    assert locked.default().peer_name == bob.peer_name
    del locked[bob.peer_name]
    assert bob.peer_name not in locked
    assert [p.peer_name for p in locked.peers.list()] == [carol.peer_name]
    peerid.verify(alice.peer_name, "file", b"data", sig, store=locked)
    assert locked.is_locked, "nothing above unlocked it"


def test_passphrase_file_unlocks_without_asking(
    store: peerid.Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = store.create()
    store.seal(PASSPHRASE, work_factor=QUICK_WF)
    pw = tmp_path / "passphrase"
    pw.write_text(PASSPHRASE + "\n")
    pw.chmod(0o600)
    monkeypatch.setenv("PEERID_PASSPHRASE_FILE", str(pw))

    locked = reopen(store)
    assert locked.is_locked, "not unlocked before a key is needed"
    locked.export(alice.peer_name, PASSWORD, iterations=QUICK)
    assert not locked.is_locked
    made = locked.create(classifier="new")

    pw.write_text("not it\n")
    again = reopen(store)
    with pytest.raises(peerid.NoKeyAccess) as e:
        made_again = again[made.peer_name]
        made_again.sign("file", b"x")
    assert str(e.value) == "wrong passphrase"
    assert again.is_locked

    monkeypatch.delenv("PEERID_PASSPHRASE_FILE")
    third = reopen(store)
    with pytest.raises(peerid.NoKeyAccess) as e:
        third.export(made.peer_name, PASSWORD, iterations=QUICK)
    assert "sealed and locked" in str(e.value)
    third.unlock(PASSPHRASE)
    # The identity made while sealed is stored sealed, and readable.
    third.export(made.peer_name, PASSWORD, iterations=QUICK)


def test_seal_arguments(store: peerid.Store) -> None:
    store.create()
    for bad in (9, 23, 1000, -1):
        with pytest.raises(peerid.InvalidArgument):
            store.seal(PASSPHRASE, work_factor=bad)
    with pytest.raises(peerid.InvalidArgument):
        store.seal("", work_factor=QUICK_WF)
    with pytest.raises(TypeError):
        store.seal(PASSPHRASE, work_factor="10")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.seal(1234)  # type: ignore[arg-type]
    assert not store.is_sealed
    # Unlocking an unsealed store does nothing.
    store.unlock("anything")
    assert store.unlock_from_keyring() is False
    with pytest.raises(peerid.InvalidArgument):
        store.unseal()  # not sealed
    with pytest.raises(peerid.InvalidArgument):
        store.change_passphrase("new", work_factor=QUICK_WF)
    store.seal(PASSPHRASE, work_factor=QUICK_WF)
    with pytest.raises(peerid.InvalidArgument):
        store.seal(PASSPHRASE, work_factor=QUICK_WF)
    # Sealed without the keyring: the keyring gives nothing.
    locked = reopen(store)
    assert locked.unlock_from_keyring() is False
    assert locked.is_locked


@pytest.mark.skipif(sys.platform != "linux", reason="the Secret Service is Linux's keyring")
def test_keyring_without_a_secret_service_fails_at_once(
    store: peerid.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No D-Bus session: seal(keyring=True) fails quickly and clearly, and
    the store is left as it was."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    alice = store.create()
    t0 = time.monotonic()
    with pytest.raises(peerid.Error) as e:
        store.seal(PASSPHRASE, work_factor=QUICK_WF, keyring=True)
    assert time.monotonic() - t0 < 20
    assert type(e.value) is peerid.Error and e.value.code_name == "E_FAIL"
    assert "keyring" in str(e.value) and PASSPHRASE not in str(e.value)
    assert not store.is_sealed
    store.export(alice.peer_name, PASSWORD, iterations=QUICK)


def test_seal_status(store: peerid.Store) -> None:
    s = store.seal_status()
    assert (s.sealed, s.work_factor, s.keyring, s.unlocked, s.store_id, s.sealed_at) == (
        False, None, False, False, None, None,
    )
    assert "not sealed" in repr(s)
    before = int(time.time())
    store.seal(PASSPHRASE, work_factor=QUICK_WF)
    s = store.seal_status()
    assert s.sealed and s.work_factor == QUICK_WF and s.unlocked and not s.keyring
    assert s.store_id is not None and re.fullmatch(r"[0-9a-f]{32}", s.store_id)
    assert s.sealed_at is not None and before - 1 <= s.sealed_at <= time.time() + 1
    assert PASSPHRASE not in repr(s) and "work_factor=10" in repr(s)
    store.lock()
    assert not store.seal_status().unlocked
    assert reopen(store).seal_status().store_id == s.store_id


def test_gil_released_during_unlock(store: peerid.Store) -> None:
    """While another thread unlocks (scrypt, work factor 16), this one keeps
    running Python: it ticks all through the unlock."""
    store.seal(PASSPHRASE, work_factor=16)
    store.lock()
    span: list[float] = []
    started = threading.Event()

    def unlock() -> None:
        started.set()
        t0 = time.perf_counter()
        store.unlock(PASSPHRASE)
        span.extend([t0, time.perf_counter()])

    t = threading.Thread(target=unlock)
    t.start()
    started.wait()
    ticks = []
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    assert not store.is_locked
    begin, end = span
    elapsed = end - begin
    assert elapsed > 0.05, "the unlock was too quick to tell"
    quarter = elapsed / 4
    for k in range(1, 3):
        lo, hi = begin + k * quarter, begin + (k + 1) * quarter
        assert any(lo <= x < hi for x in ticks), (k, elapsed, len(ticks))


def test_the_cli_and_python_share_a_sealed_store(store: peerid.Store, cli: Cli, tmp_path: Path) -> None:
    """A store sealed by `peerid store seal` unlocks in Python, and one
    sealed by Python signs with `peerid sign` and PEERID_PASSPHRASE_FILE."""
    alice = store.create(classifier="chat")
    pw = tmp_path / "passphrase"
    pw.write_text(PASSPHRASE + "\n")
    pw.chmod(0o600)
    cli.ok("--passphrase-file", str(pw), "store", "seal", "--work-factor", str(QUICK_WF))
    locked = reopen(store)
    assert locked.is_locked and locked.seal_status().work_factor == QUICK_WF
    locked.unlock(PASSPHRASE)
    doc = locked.export(alice.peer_name, PASSWORD, iterations=QUICK)
    locked.unseal()

    store.seal("another passphrase", work_factor=QUICK_WF)
    pw.write_text("another passphrase\n")
    msg = tmp_path / "msg"
    msg.write_bytes(b"data")
    out = cli.run("sign", alice.peer_name, "-n", "file", str(msg), env={"PEERID_PASSPHRASE_FILE": str(pw)})
    assert out.returncode == 0, out.stderr.decode()
    peerid.verify(alice.peer_name, "file", b"data", out.stdout, store=store)
    elsewhere = peerid.Store(tmp_path / "elsewhere")
    assert elsewhere.import_(doc, PASSWORD).peer_name == alice.peer_name
