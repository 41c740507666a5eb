//! peerid: peer identities in the model of the Windows Peer Identity Manager.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod format;
pub mod idc;
pub mod key;
pub mod name;
pub mod store;

pub use error::{Error, ErrorKind, Result};
pub use name::{Authority, Classifier, FriendlyName, PeerName};
