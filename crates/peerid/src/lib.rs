//! peerid: peer identities in the model of the Windows Peer Identity Manager
//! (`p2p.h`: `PeerIdentityCreate`, `PeerIdentityExport`, `PeerIdentityImport`,
//! `PeerEnumIdentities`, ...), rebuilt for every platform.
//!
//! An [`Identity`] is a key pair ([`PrivateKey`], [`PublicKey`]), a
//! self-signed identity certificate over its public key (the [`Idc`]), a
//! [`Classifier`] and a [`FriendlyName`]. It is named by its secure
//! [`PeerName`], `<SHA-1 of the public key bits>.<classifier>`, and lives in
//! its user's [`Store`]. Identities move between machines as
//! password-protected `PEERIDENTITYEXPORT` documents ([`transfer`]).
//!
//! # Create, sign, verify
//!
//! ```
//! use peerid::{Classifier, FriendlyName, Identity, KeyType};
//!
//! # fn main() -> peerid::Result<()> {
//! let alice = Identity::generate(KeyType::Ed25519, Classifier::new("chat")?, FriendlyName::default())?;
//! assert!(alice.peer_name().to_string().ends_with(".chat"));
//!
//! let signature = alice.sign(b"hello")?;
//! alice.public_key().verify(b"hello", &signature)?;
//!
//! // The public half, safe to give to anyone, and what it proves.
//! let info = alice.idc().to_info_xml();
//! let idc = peerid::Idc::from_info_xml(info.as_bytes())?;
//! assert_eq!(idc.peer_name(), Some(alice.peer_name()));
//! # Ok(()) }
//! ```
//!
//! # Export and import without a store
//!
//! ```
//! use peerid::secrecy::SecretString;
//! use peerid::transfer::{self, ExportParams, ImportOptions};
//! use peerid::{Classifier, FriendlyName, Identity, KeyType};
//!
//! # fn main() -> peerid::Result<()> {
//! let alice = Identity::generate(KeyType::P256, Classifier::empty(), FriendlyName::new("Alice")?)?;
//! // 600,000 PBKDF2 iterations by default; fewer here to keep the example quick.
//! let password = SecretString::from("correct horse battery staple".to_owned());
//! let params = ExportParams { iterations: 10_000, ..ExportParams::default() };
//! let document = transfer::export(&alice, &password, &params)?;
//!
//! let imported = transfer::import(document.as_bytes(), &password, &ImportOptions::default())?;
//! assert_eq!(imported.identity.peer_name(), alice.peer_name());
//! assert_eq!(imported.identity.friendly_name().as_str(), "Alice");
//! assert!(imported.notices.is_empty());
//! # Ok(()) }
//! ```
//!
//! # The store
//!
//! ```
//! use peerid::secrecy::SecretString;
//! use peerid::{Classifier, CreateOptions, ExportParams, ImportOptions, Store};
//!
//! # fn main() -> peerid::Result<()> {
//! # let tmp = tempfile::tempdir().unwrap();
//! # let (laptop_dir, desktop_dir) = (tmp.path().join("laptop"), tmp.path().join("desktop"));
//! let laptop = Store::open(&laptop_dir)?;
//! let name = laptop.create(&CreateOptions {
//!     classifier: Classifier::new("chat")?,
//!     ..CreateOptions::default()
//! })?;
//!
//! let password = SecretString::from("correct horse battery staple".to_owned());
//! let params = ExportParams { iterations: 10_000, ..ExportParams::default() };
//! let document = laptop.export(&name, &password, &params)?;
//!
//! let desktop = Store::open(&desktop_dir)?;
//! let imported = desktop.import(document.as_bytes(), &password, &ImportOptions::default())?;
//! assert_eq!(imported, name);
//! assert_eq!(desktop.get(&name)?.public_key(), laptop.get(&name)?.public_key());
//! assert_eq!(desktop.info_xml(Some(&name))?, laptop.info_xml(Some(&name))?);
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! Every fallible call returns the one [`Error`] type. [`Error::kind`] maps
//! it to one of nine outcomes, each with one Windows HRESULT (what the C
//! ABI returns) and one exit code of the `peerid` command (docs/design.md
//! §5):
//!
//! | [`ErrorKind`] | HRESULT | value | exit | errors |
//! |---|---|---|---|---|
//! | `InvalidArg` | `E_INVALIDARG` | `0x80070057` | 5 | [`Error::InvalidPeerName`], [`Error::InvalidClassifier`], [`Error::InvalidFriendlyName`], [`Error::UnknownKeyType`], [`Error::InvalidArgument`], [`Error::InputTooLarge`], [`Error::MalformedDocument`], [`Error::MalformedPfx`], [`Error::MissingMac`], [`Error::WorkFactorTooHigh`], [`Error::IterationBudgetExceeded`], [`Error::WrongPasswordOrTampered`], [`Error::UnsupportedAlgorithm`], [`Error::NoPrivateKey`], [`Error::MultiplePrivateKeys`], [`Error::KeyCertificateMismatch`], [`Error::MalformedCertificate`], [`Error::NotSelfIssued`], [`Error::BadSignature`], [`Error::PeerNameMismatch`] |
//! | `NotFound` | `PEER_E_NOT_FOUND` | `0x80070490` | 3 | [`Error::NotFound`] |
//! | `AlreadyExists` | `PEER_E_ALREADY_EXISTS` | `0x800700B7` | 4 | [`Error::AlreadyExists`] |
//! | `NoKeyAccess` | `PEER_E_NO_KEY_ACCESS` | `0x80630203` | 6 | [`Error::StorePermissions`], [`Error::StoreInaccessible`], [`Error::StoreLocked`], [`Error::WrongPassphrase`] |
//! | `StoreCorrupted` | `PEER_E_CERT_STORE_CORRUPTED` | `0x80630801` | 7 | [`Error::StoreCorrupted`] |
//! | `BadDigest` | `TRUST_E_BAD_DIGEST` | `0x80096010` | 8 | [`Error::SignatureInvalid`] |
//! | `NotAuthenticated` | `PEER_E_CONNECTION_NOT_AUTHENTICATED` | `0x8063010A` | 9 | [`Error::NotAuthenticated`] |
//! | `OutOfMemory` | `E_OUTOFMEMORY` | `0x8007000E` | 1 | [`Error::OutOfMemory`] |
//! | `Fail` | `E_FAIL` | `0x80004005` | 1 | [`Error::Failed`] |
//!
//! Messages name what went wrong from the caller's side and never contain a
//! password or key bytes; a wrong password and a changed byte are the same
//! [`Error::WrongPasswordOrTampered`].
// Windows' security calls need `unsafe`: one module, src/store/acl.rs,
// allows it; everywhere else, and on every other system, there is none.
#![cfg_attr(not(windows), forbid(unsafe_code))]
#![cfg_attr(windows, deny(unsafe_code))]
#![deny(missing_docs)]

mod error;
mod format;
#[cfg(any(fuzzing, test))]
pub mod fuzz;
mod idc;
mod identity;
mod key;
mod name;
mod pbe;
pub mod peer;
mod sshsig;
mod store;
#[cfg(feature = "testkit")]
#[doc(hidden)]
pub mod testkit;
pub mod transfer;

pub use error::{Error, ErrorKind, Result};
pub use idc::{Idc, MAX_IDC_EXTENSIONS, MAX_IDC_LEN};
pub use identity::Identity;
pub use key::{KeyType, MAX_RSA_BITS, MIN_RSA_BITS, PrivateKey, PublicKey};
pub use name::{
    AUTHORITY_HEX_LEN, Authority, Classifier, FriendlyName, MAX_CLASSIFIER_UTF16,
    MAX_FRIENDLY_NAME_UTF16, MAX_PEER_NAME_UTF16, PeerName,
};
pub use peer::Peer;
pub use sshsig::{MAX_SSH_SIGNATURE_LEN, SshSignature, verify};
#[cfg(windows)]
pub use store::create_private_file;
pub use store::{
    CreateOptions, IdentitySummary, MAX_SEAL_WORK_FACTOR, MIN_SEAL_WORK_FACTOR,
    PASSPHRASE_FILE_ENV, STORE_ENV, SealOptions, SealStatus, Store, unsecured_peer_name,
};
pub use transfer::{ExportParams, ImportNotice, ImportOptions, Imported, PfxProfile};

/// The `secrecy` crate, whose `SecretString` carries every password.
pub use secrecy;
