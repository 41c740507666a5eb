"""The store and its identities: create, list, look up, delete, default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import peerid

NAME = re.compile(r"^[0-9a-f]{40}\.")


def test_create_and_attributes(store: peerid.Store) -> None:
    alice = store.create(classifier="chat", friendly_name="Alice", key="p256")
    assert NAME.match(alice.peer_name) and alice.peer_name.endswith(".chat")
    assert alice.authority == alice.peer_name.split(".")[0]
    assert alice.classifier == "chat"
    assert alice.friendly_name == "Alice"
    assert alice.key_type == "p256"
    assert alice.is_default is False
    assert str(alice) == alice.peer_name
    assert alice.peer_name in repr(alice)


def test_create_defaults(store: peerid.Store) -> None:
    bob = store.create()
    assert bob.classifier == "" and bob.peer_name.endswith(".")
    assert bob.key_type == "ed25519"
    # An unset friendly name reads as the peer name, as in `peerid list`.
    assert bob.friendly_name == bob.peer_name


def test_list_lookup_delete(store: peerid.Store) -> None:
    made = sorted(store.create(classifier=f"c{i}").peer_name for i in range(3))
    assert [i.peer_name for i in store.list()] == made
    assert [i.peer_name for i in store] == made
    assert len(store) == 3
    assert made[0] in store
    assert "0000000000000000000000000000000000000000.x" not in store
    assert "not a peer name" not in store
    assert store[made[1]].peer_name == made[1]
    del store[made[1]]
    assert made[1] not in store and len(store) == 2
    with pytest.raises(peerid.NotFound) as e:
        store[made[1]]
    assert e.value.hresult == 0x80070490
    with pytest.raises(KeyError):  # NotFound is also a KeyError
        del store[made[1]]


def test_default_identity(store: peerid.Store) -> None:
    first = store.default()
    assert first.is_default and first.key_type == "ed25519" and first.classifier == ""
    assert store.default().peer_name == first.peer_name
    other = store.create(classifier="x")
    store.set_default(other.peer_name)
    assert store.default().peer_name == other.peer_name
    assert store[other.peer_name].is_default
    assert not store[first.peer_name].is_default
    with pytest.raises(peerid.NotFound):
        store.set_default("0000000000000000000000000000000000000000.x")


def test_info_xml_and_certificate(store: peerid.Store) -> None:
    alice = store.create(classifier="chat")
    xml = alice.info_xml()
    assert xml.startswith("<PEERIDENTITYINFO")
    assert len(alice.certificate()) > 100
    assert alice.ssh_public_key().startswith("ssh-ed25519 AAAA")


def test_store_path_and_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = tmp_path / "from-env"
    monkeypatch.setenv("PEERID_STORE", str(where))
    store = peerid.Store()
    assert store.path == where
    assert (where / "peerid.sqlite3").exists()
    assert (where.stat().st_mode & 0o777) == 0o700
    assert peerid.Store(str(where)).path == where


def test_bad_arguments(store: peerid.Store) -> None:
    with pytest.raises(peerid.InvalidArgument) as e:
        store.create(key="dsa")
    assert e.value.hresult == 0x80070057 and e.value.kind == "InvalidArg"
    assert e.value.code_name == "E_INVALIDARG"
    with pytest.raises(ValueError):  # InvalidArgument is also a ValueError
        store.create(classifier="x" * 150)
    with pytest.raises(peerid.InvalidArgument):
        store.create(friendly_name="x" * 256)
    with pytest.raises(peerid.InvalidArgument):
        store["not a peer name"]
    with pytest.raises(peerid.InvalidArgument):
        store.create_batch(100_001)


def test_create_batch(store: peerid.Store) -> None:
    made = store.create_batch(20, classifier="b")
    assert len(made) == 20 and len(store) == 20
    assert all(i.classifier == "b" for i in made)
    assert sorted(i.peer_name for i in made) == [i.peer_name for i in store.list()]


def test_store_permissions(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir(mode=0o755)
    open_dir.chmod(0o755)
    with pytest.raises(peerid.NoKeyAccess) as e:
        peerid.Store(open_dir)
    assert e.value.hresult == 0x80630203 and e.value.kind == "NoKeyAccess"


def test_store_corrupted(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir(mode=0o700)
    db = bad / "peerid.sqlite3"
    db.write_bytes(b"this is not an SQLite database" * 100)
    db.chmod(0o600)
    with pytest.raises(peerid.StoreCorrupted) as e:
        peerid.Store(bad)
    assert e.value.hresult == 0x80630801 and e.value.kind == "StoreCorrupted"
