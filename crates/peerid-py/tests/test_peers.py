"""The peer book: `store.peers`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import peerid


def test_add_list_lookup_remove(store: peerid.Store, tmp_path: Path) -> None:
    there = peerid.Store(tmp_path / "there")
    bob = there.create(classifier="bob", key="p256")
    before = int(time.time())
    peer = store.peers.add(bob.info_xml(), friendly_name="Bob")
    assert peer.peer_name == bob.peer_name
    assert (peer.authority, peer.classifier) == (bob.authority, "bob")
    assert peer.friendly_name == "Bob" and peer.key_type == "p256"
    assert before - 1 <= peer.added_at <= int(time.time()) + 1
    assert peer.certificate == bob.certificate()
    assert peer.ssh_public_key() == bob.ssh_public_key()
    assert peer.info_xml() == bob.info_xml()
    assert peerid.peer_name_of_certificate(peer.certificate) == bob.peer_name
    assert str(peer) == bob.peer_name and bob.peer_name in repr(peer)

    carol = there.create(classifier="carol")
    store.peers.add(carol.info_xml().encode())
    assert store.peers[carol.peer_name].friendly_name == carol.peer_name
    assert [p.peer_name for p in store.peers.list()] == sorted([bob.peer_name, carol.peer_name])
    assert [p.peer_name for p in store.peers] == sorted([bob.peer_name, carol.peer_name])
    assert len(store.peers) == 2 and bob.peer_name in store.peers
    assert len(store) == 0  # the peer book is not the identities

    with pytest.raises(peerid.AlreadyExists):
        store.peers.add(bob.info_xml())
    store.peers.remove(bob.peer_name)
    del store.peers[carol.peer_name]
    assert len(store.peers) == 0 and bob.peer_name not in store.peers
    with pytest.raises(peerid.NotFound):
        store.peers.remove(bob.peer_name)
    with pytest.raises(peerid.NotFound):
        store.peers[bob.peer_name]


def test_bad_documents(store: peerid.Store) -> None:
    with pytest.raises(peerid.InvalidArgument):
        store.peers.add("<PEERIDENTITYINFO/>")
    with pytest.raises(peerid.InvalidArgument):
        store.peers.add(b"x" * (2 << 20))
    with pytest.raises(TypeError):
        store.peers.add(1)  # type: ignore[arg-type]
    alice = store.create()
    with pytest.raises(peerid.InvalidArgument):
        store.peers.add(alice.info_xml(), friendly_name="x" * 300)
    assert len(store.peers) == 0
