"""Types of the extension module ``peerid._peerid`` (re-exported by
``peerid``)."""

import os
import pathlib
from typing import BinaryIO, Iterator, Optional, Union

__version__: str
#: The PBKDF2 iterations of an export by default.
DEFAULT_ITERATIONS: int
#: The iterations of a legacy (3DES, HMAC-SHA1) export by default.
LEGACY_ITERATIONS: int
#: The most key-derivation iterations an import accepts by default.
DEFAULT_MAX_ITERATIONS: int

#: A password: ``str``, or ``bytes`` holding UTF-8. Never kept.
Password = Union[str, bytes]
#: What a signature is over: bytes in memory, or a binary file read in pieces.
Data = Union[bytes, bytearray, memoryview, BinaryIO]

class Identity:
    """One of the store's own identities. The attributes are as they were
    when it was read from the store; the methods read the store again. It
    holds no key: ``sign`` reads the key for the one signature."""

    @property
    def peer_name(self) -> str:
        """The secure peer name, ``<authority>.<classifier>``."""
    @property
    def authority(self) -> str:
        """40 hex digits: the SHA-1 of the public key."""
    @property
    def classifier(self) -> str:
        """The part after the dot (may be empty)."""
    @property
    def friendly_name(self) -> str:
        """The friendly name, or the peer name when none is set."""
    @property
    def key_type(self) -> str:
        """ed25519, p256, p384, rsa2048, rsa3072, rsa4096, ..."""
    @property
    def is_default(self) -> bool:
        """Whether this was the store's default identity."""
    def info_xml(self) -> str:
        """The ``PEERIDENTITYINFO`` document: public, safe to give anyone."""
    def certificate(self) -> bytes:
        """The identity certificate (IDC), DER."""
    def ssh_public_key(self) -> str:
        """The OpenSSH public key line (``ssh-ed25519 AAAA...``)."""
    def sign(self, namespace: str, data: Data) -> str:
        """An SSH signature (``ssh-keygen -Y sign -n NAMESPACE``'s format)
        over ``data``, armoured. The GIL is released while signing.

        Raises ``InvalidArgument`` for an empty namespace, ``NotFound`` if
        the identity was deleted.
        """

class Peer:
    """Another peer's public identity, from the peer book."""

    @property
    def peer_name(self) -> str:
        """The peer name its certificate proves."""
    @property
    def authority(self) -> str:
        """40 hex digits: the SHA-1 of the peer's public key."""
    @property
    def classifier(self) -> str:
        """The part after the dot (may be empty)."""
    @property
    def friendly_name(self) -> str:
        """The friendly name given when added, or the peer name."""
    @property
    def key_type(self) -> str:
        """ed25519, p256, p384, rsa2048, ..."""
    @property
    def added_at(self) -> int:
        """When it was added: seconds since the Unix epoch."""
    @property
    def certificate(self) -> bytes:
        """The peer's identity certificate (IDC), DER."""
    def ssh_public_key(self) -> str:
        """The OpenSSH public key line."""
    def info_xml(self) -> str:
        """The peer's ``PEERIDENTITYINFO`` document."""

class PeerBook:
    """The peer book of a store (``store.peers``)."""

    def add(self, document: Union[str, bytes], friendly_name: Optional[str] = None) -> Peer:
        """Adds a peer from its ``PEERIDENTITYINFO`` document.

        Raises ``InvalidArgument`` for a malformed document or certificate,
        ``AlreadyExists`` if the peer is already in the book (it is kept).
        """
    def list(self) -> list[Peer]:
        """Every peer, ordered by peer name."""
    def remove(self, name: str) -> None:
        """Removes a peer; raises ``NotFound`` if there is none."""
    def __getitem__(self, name: str) -> Peer: ...
    def __delitem__(self, name: str) -> None: ...
    def __contains__(self, name: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Peer]: ...

class Store:
    """A user's identity store: a private directory (0700) holding an SQLite
    database (0600). Safe to share between threads; each call is one
    transaction and releases the GIL while it runs."""

    def __init__(self, path: Union[str, "os.PathLike[str]", None] = None) -> None:
        """Opens (creating if needed) the store in ``path``; ``None`` is
        ``$PEERID_STORE``, else ``~/.local/share/peerid`` on Linux.

        Raises ``NoKeyAccess`` if it, or a directory above it, is group or
        world accessible, ``StoreCorrupted`` if it is not a store.
        """
    @property
    def path(self) -> pathlib.Path:
        """The store's directory."""
    @property
    def peers(self) -> PeerBook:
        """The store's peer book."""
    def create(
        self, classifier: str = "", friendly_name: Optional[str] = None, key: str = "ed25519"
    ) -> Identity:
        """Creates an identity with a new key (``key``: ed25519, p256,
        rsa2048, rsa3072, rsa4096). Raises ``InvalidArgument`` for a bad
        classifier, friendly name or key type. The key is made with the GIL
        released and the store unlocked."""
    def create_batch(self, count: int, classifier: str = "", key: str = "ed25519") -> list[Identity]:
        """Creates ``count`` identities (0 to 100,000, else
        ``InvalidArgument``) in one transaction. The keys are made with the
        GIL released and the store unlocked; then all are added, or none."""
    def list(self) -> list[Identity]:
        """Every identity, ordered by peer name."""
    def default(self) -> Identity:
        """The default identity, created (Ed25519) on first use."""
    def set_default(self, name: str) -> None:
        """Makes an identity the default; raises ``NotFound``."""
    def export(
        self, name: str, password: Password, iterations: Optional[int] = None, legacy: bool = False
    ) -> str:
        """The identity, private key included, as a ``PEERIDENTITYEXPORT``
        document protected by ``password``. ``iterations``: 600,000 by
        default (2,048 with ``legacy``: 3DES and HMAC-SHA1); out of range is
        ``InvalidArgument``, as is a ``str`` password holding a lone
        surrogate. The GIL is released and the store unlocked during key
        derivation."""
    def import_(
        self, document: Union[str, bytes], password: Password, max_iterations: int = ...
    ) -> Identity:
        """Imports an identity from an export document. Raises
        ``InvalidArgument`` for a wrong password or a malformed, tampered or
        too costly document, ``AlreadyExists`` if it is already here. What
        of the document cannot be kept (a friendly name the store cannot
        hold) is a ``UserWarning``, given before the identity is added: a
        warning filter that makes it an error leaves the store unchanged."""
    def __getitem__(self, name: str) -> Identity: ...
    def __delitem__(self, name: str) -> None: ...
    def __contains__(self, name: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Identity]: ...

def verify(
    peer: str,
    namespace: str,
    data: Data,
    signature: Union[str, bytes],
    store: Optional[Store] = None,
) -> None:
    """Checks an SSH signature by ``peer`` over ``data`` in ``namespace``;
    raises ``BadSignature`` if it does not verify. With ``store``, a peer it
    holds (an identity or a peer-book entry) must have used that key."""

def peer_name_of_certificate(der: bytes) -> str:
    """The peer name an IDC (DER, as ``getpeercert(binary_form=True)``
    returns it) proves: the one it carries, else ``<authority>.`` (the key's
    authority, empty classifier). Raises ``InvalidArgument`` for a
    certificate that is not a valid IDC."""
