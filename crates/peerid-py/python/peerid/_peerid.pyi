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
        the identity was deleted, ``NoKeyAccess`` if its store is sealed and
        cannot be unlocked without asking (see ``Store``).
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

class SealStatus:
    """What ``Store.seal_status()`` returns. Holds no secret."""

    @property
    def sealed(self) -> bool:
        """Whether the store is sealed."""
    @property
    def work_factor(self) -> Optional[int]:
        """The scrypt work factor (log2 N) of the wrapped store key; None if
        the store is not sealed."""
    @property
    def keyring(self) -> bool:
        """Whether the store key is also kept in the OS keyring."""
    @property
    def unlocked(self) -> bool:
        """Whether this Store holds the store key (False if not sealed)."""
    @property
    def store_id(self) -> Optional[str]:
        """The store's random id, which names its keyring entry; None if not
        sealed."""
    @property
    def sealed_at(self) -> Optional[int]:
        """When it was sealed: seconds since the Unix epoch; None if not
        sealed."""

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
    transaction and releases the GIL while it runs.

    A sealed store (``seal``) keeps its private keys encrypted under a store
    key that its passphrase unlocks. What needs a private key (``create``,
    ``create_batch``, ``export``, ``import_``, ``default`` when it makes the
    identity, ``Identity.sign``, ``unseal``, ``change_passphrase``) unlocks a
    locked store without asking, as the ``peerid`` command and the C ABI do:
    from the OS keyring if the store was sealed with ``keyring=True``, then
    from the first line of the file named by ``$PEERID_PASSPHRASE_FILE``;
    otherwise it raises ``NoKeyAccess`` (also for a wrong passphrase in that
    file; a file that cannot be read is ``InvalidArgument``). ``unlock`` gives the passphrase explicitly. Everything public
    (``list``, lookups, ``info_xml``, ``certificate``, ``ssh_public_key``,
    ``del``, ``set_default``, the peer book, ``verify``) works on a sealed
    store without its passphrase.
    """

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
    def seal(
        self, passphrase: Password, *, work_factor: Optional[int] = None, keyring: bool = False
    ) -> None:
        """Seals the store: a new random store key, wrapped with
        ``passphrase`` in age's format (scrypt), and every private key
        encrypted under it, in one transaction; no plaintext key is left in
        the store's files. The store stays unlocked. ``work_factor`` is
        scrypt's log2 N, 10 to 22 (None: age's choice, 1 to 2 s of work);
        ``keyring`` also keeps the store key in the OS keyring. Raises
        ``InvalidArgument`` if already sealed, for an empty passphrase or a
        work factor out of range, ``Error`` if the keyring cannot be used
        (then nothing changed). The GIL is released while scrypt runs."""
    def unseal(self) -> None:
        """Decrypts every key back and drops the seal, in one transaction.
        Needs the store key (see the class: unlocked without asking, else
        ``NoKeyAccess``)."""
    def change_passphrase(self, new: Password, *, work_factor: Optional[int] = None) -> None:
        """Wraps the same store key under a new passphrase; the key rows are
        not touched. Needs the store key, as ``unseal``."""
    def unlock(self, passphrase: Password) -> None:
        """Unlocks a sealed store with its passphrase: one scrypt run, with
        the GIL released. Raises ``NoKeyAccess`` ("wrong passphrase") if it
        is not the passphrase; does nothing on a store that is not sealed."""
    def unlock_from_keyring(self) -> bool:
        """Unlocks a store sealed with ``keyring=True`` with the key kept in
        the OS keyring. False if not sealed, not sealed with the keyring, or
        the keyring holds no (or a stale) entry; raises ``Error`` if the
        keyring cannot be reached (within 20 seconds, never hanging)."""
    def lock(self) -> None:
        """Forgets the store key (wiped): a sealed store is locked again."""
    @property
    def is_sealed(self) -> bool:
        """Whether the store is sealed."""
    @property
    def is_locked(self) -> bool:
        """Whether the store is sealed and this Store does not hold its key:
        what needs a private key has to unlock it first."""
    def seal_status(self) -> SealStatus:
        """Whether the store is sealed, how its key is kept, whether this
        Store holds it."""
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
