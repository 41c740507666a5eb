"""The exception classes: one per row of docs/design.md section 5, under
one base, each with the row's HRESULT."""

from __future__ import annotations

import pytest

import peerid

ROWS = [
    (peerid.InvalidArgument, 0x80070057, "E_INVALIDARG", "InvalidArg", ValueError),
    (peerid.NotFound, 0x80070490, "PEER_E_NOT_FOUND", "NotFound", KeyError),
    (peerid.AlreadyExists, 0x800700B7, "PEER_E_ALREADY_EXISTS", "AlreadyExists", None),
    (peerid.NoKeyAccess, 0x80630203, "PEER_E_NO_KEY_ACCESS", "NoKeyAccess", None),
    (peerid.StoreCorrupted, 0x80630801, "PEER_E_CERT_STORE_CORRUPTED", "StoreCorrupted", None),
    (peerid.BadSignature, 0x80096010, "TRUST_E_BAD_DIGEST", "BadDigest", None),
    (
        peerid.NotAuthenticated,
        0x8063010A,
        "PEER_E_CONNECTION_NOT_AUTHENTICATED",
        "NotAuthenticated",
        None,
    ),
    (peerid.OutOfMemory, 0x8007000E, "E_OUTOFMEMORY", "OutOfMemory", MemoryError),
    (peerid.Error, 0x80004005, "E_FAIL", "Fail", None),
]


@pytest.mark.parametrize("cls,hresult,code_name,kind,also", ROWS)
def test_error_classes(
    cls: type[peerid.Error], hresult: int, code_name: str, kind: str, also: type | None
) -> None:
    assert issubclass(cls, peerid.Error) and issubclass(cls, Exception)
    assert (cls.hresult, cls.code_name, cls.kind) == (hresult, code_name, kind)
    e = cls("what went wrong")
    assert str(e) == "what went wrong"
    assert e.hresult == hresult
    if also is not None:
        assert isinstance(e, also)


def test_raised_errors_carry_the_library_table(store: peerid.Store) -> None:
    """The instance attributes come from the library's own table (Rust),
    and match the class's: the two tables cannot drift apart unseen."""
    a = store.create()
    cases: list[tuple[type[peerid.Error], object]] = [
        (peerid.InvalidArgument, lambda: store.create(key="x")),
        (peerid.NotFound, lambda: store["0000000000000000000000000000000000000000."]),
        (peerid.AlreadyExists, lambda: store.peers.add(a.info_xml()) and store.peers.add(a.info_xml())),
        (
            peerid.BadSignature,
            lambda: peerid.verify(a.peer_name, "file", b"x", a.sign("file", b"y")),
        ),
    ]
    for cls, call in cases:
        with pytest.raises(cls) as e:
            call()  # type: ignore[operator]
        assert type(e.value) is cls
        assert (e.value.hresult, e.value.code_name, e.value.kind) == (
            cls.hresult,
            cls.code_name,
            cls.kind,
        )
        assert e.value.message and str(e.value) == e.value.message
