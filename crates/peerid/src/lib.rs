//! peerid: peer identities in the model of the Windows Peer Identity Manager
//! (`p2p.h`: `PeerIdentityCreate`, `PeerIdentityExport`, `PeerIdentityImport`,
//! `PeerEnumIdentities`, ...), rebuilt for every platform.
//!
//! An identity is a key pair, a self-signed identity certificate (the IDC)
//! over its public key, a classifier and a friendly name. It is named by its
//! secure peer name, `<SHA-1 of the public key bits>.<classifier>`, and lives
//! in its user's [`store::Store`]. Identities move between machines as
//! password-protected `PEERIDENTITYEXPORT` documents.
//!
//! ```
//! use peerid::format::pfx::ExportParams;
//! use peerid::store::{CreateOptions, ImportOptions, Store};
//! use peerid::Classifier;
//! use secrecy::SecretString;
//!
//! # fn main() -> peerid::Result<()> {
//! # let tmp = tempfile::tempdir().unwrap();
//! # let (laptop_dir, desktop_dir) = (tmp.path().join("laptop"), tmp.path().join("desktop"));
//! let laptop = Store::open(&laptop_dir)?;
//! let name = laptop.create(&CreateOptions {
//!     classifier: Classifier::new("chat")?,
//!     ..CreateOptions::default()
//! })?;
//! assert!(name.to_string().ends_with(".chat"));
//!
//! // Export with a password (600,000 PBKDF2 iterations by default; fewer here
//! // to keep the example quick), then import on another machine.
//! let password = SecretString::from("correct horse battery staple".to_owned());
//! let params = ExportParams { iterations: 10_000, ..ExportParams::default() };
//! let document = laptop.export(&name, &password, &params)?;
//!
//! let desktop = Store::open(&desktop_dir)?;
//! let imported = desktop.import(document.as_bytes(), &password, &ImportOptions::default())?;
//! assert_eq!(imported, name);
//!
//! // The public half, safe to give to anyone.
//! assert_eq!(desktop.info_xml(Some(&name))?, laptop.info_xml(Some(&name))?);
//! # Ok(()) }
//! ```
//!
//! Every fallible call returns the one [`Error`] type; [`Error::kind`] maps it
//! to the Windows HRESULT and to the `peerid` command's exit code.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod format;
pub mod idc;
pub mod key;
pub mod name;
mod pbe;
pub mod store;
#[cfg(feature = "testkit")]
#[doc(hidden)]
pub mod testkit;

pub use error::{Error, ErrorKind, Result};
pub use name::{Authority, Classifier, FriendlyName, PeerName};
