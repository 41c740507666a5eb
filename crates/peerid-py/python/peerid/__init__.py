"""peerid: peer identities (a key pair, a self-signed identity certificate
and a secure peer name) in the model of the Windows Peer Identity Manager.

>>> import peerid
>>> store = peerid.Store("/tmp/example-store")       # doctest: +SKIP
>>> alice = store.create(classifier="chat")          # doctest: +SKIP
>>> sig = alice.sign("file", b"hello")               # doctest: +SKIP
>>> peerid.verify(alice.peer_name, "file", b"hello", sig)  # doctest: +SKIP
"""

from ._errors import (
    AlreadyExists,
    BadSignature,
    Error,
    InvalidArgument,
    NoKeyAccess,
    NotAuthenticated,
    NotFound,
    OutOfMemory,
    StoreCorrupted,
)
from ._peerid import (
    DEFAULT_ITERATIONS,
    DEFAULT_MAX_ITERATIONS,
    LEGACY_ITERATIONS,
    Identity,
    Peer,
    PeerBook,
    SealStatus,
    Store,
    __version__,
    peer_name_of_certificate,
    verify,
)

__all__ = [
    "AlreadyExists",
    "BadSignature",
    "DEFAULT_ITERATIONS",
    "DEFAULT_MAX_ITERATIONS",
    "Error",
    "Identity",
    "InvalidArgument",
    "LEGACY_ITERATIONS",
    "NoKeyAccess",
    "NotAuthenticated",
    "NotFound",
    "OutOfMemory",
    "Peer",
    "PeerBook",
    "SealStatus",
    "StoreCorrupted",
    "Store",
    "__version__",
    "peer_name_of_certificate",
    "verify",
]
