"""The exceptions of peerid: one class per row of the error table of
docs/design.md section 5, each carrying the row's Windows HRESULT."""

from __future__ import annotations

__all__ = [
    "Error",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "NoKeyAccess",
    "StoreCorrupted",
    "BadSignature",
    "NotAuthenticated",
    "OutOfMemory",
]


class Error(Exception):
    """Base of every peerid error; raised itself for E_FAIL (I/O errors and
    anything else no other class names).

    ``hresult`` is the HRESULT the C ABI returns for it (an unsigned int,
    ``0x80004005`` for E_FAIL), ``code_name`` its symbolic name, ``kind`` the
    name of the library's ``ErrorKind``. The message says what was wrong and
    never contains a password or key bytes.
    """

    hresult: int = 0x80004005
    code_name: str = "E_FAIL"
    kind: str = "Fail"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidArgument(Error, ValueError):
    """E_INVALIDARG: a bad argument, a malformed or tampered document, or a
    wrong password (which looks the same as a changed byte)."""

    hresult = 0x80070057
    code_name = "E_INVALIDARG"
    kind = "InvalidArg"


class NotFound(Error, KeyError):
    """PEER_E_NOT_FOUND: no identity (or peer) of that name."""

    hresult = 0x80070490
    code_name = "PEER_E_NOT_FOUND"
    kind = "NotFound"


class AlreadyExists(Error):
    """PEER_E_ALREADY_EXISTS: that identity or peer is already in the store."""

    hresult = 0x800700B7
    code_name = "PEER_E_ALREADY_EXISTS"
    kind = "AlreadyExists"


class NoKeyAccess(Error):
    """PEER_E_NO_KEY_ACCESS: the store cannot be used, or its permissions
    (or those of a directory above it) are too open; or the store is sealed
    and locked and the call needs a private key, or the passphrase given
    (``Store.unlock``, ``$PEERID_PASSPHRASE_FILE``) is wrong."""

    hresult = 0x80630203
    code_name = "PEER_E_NO_KEY_ACCESS"
    kind = "NoKeyAccess"


class StoreCorrupted(Error):
    """PEER_E_CERT_STORE_CORRUPTED: the store's database is damaged."""

    hresult = 0x80630801
    code_name = "PEER_E_CERT_STORE_CORRUPTED"
    kind = "StoreCorrupted"


class BadSignature(Error):
    """TRUST_E_BAD_DIGEST: a signature that does not verify (another signer,
    namespace or message, or not a signature at all)."""

    hresult = 0x80096010
    code_name = "TRUST_E_BAD_DIGEST"
    kind = "BadDigest"


class NotAuthenticated(Error):
    """PEER_E_CONNECTION_NOT_AUTHENTICATED: not the expected peer."""

    hresult = 0x8063010A
    code_name = "PEER_E_CONNECTION_NOT_AUTHENTICATED"
    kind = "NotAuthenticated"


class OutOfMemory(Error, MemoryError):
    """E_OUTOFMEMORY."""

    hresult = 0x8007000E
    code_name = "E_OUTOFMEMORY"
    kind = "OutOfMemory"
