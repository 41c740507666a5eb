//! The one error type of the library, and its single mapping to the Windows
//! HRESULT values and to the command line's exit codes (docs/design.md §5).

use std::path::PathBuf;

/// Everything that can go wrong, named from the user's side.
///
/// Messages never contain a password, key bytes or base64 of either, and
/// never name a command-line flag or command: the library has callers other
/// than `peerid` (the C ABI, Rust code), and the command line adds its own
/// hints (crates/peerid-cli/src/error.rs).
/// Decryption failures are deliberately opaque: a wrong password and a changed
/// byte are the same [`Error::WrongPasswordOrTampered`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A peer name that does not follow docs/design.md §1.
    #[error("invalid peer name: {reason}")]
    InvalidPeerName {
        /// What is wrong with it.
        reason: String,
    },
    /// A classifier that is too long or contains NUL.
    #[error("invalid classifier: {reason}")]
    InvalidClassifier {
        /// What is wrong with it.
        reason: String,
    },
    /// A friendly name that is too long or contains NUL.
    #[error("invalid friendly name: {reason}")]
    InvalidFriendlyName {
        /// What is wrong with it.
        reason: String,
    },
    /// A key type peerid does not create.
    #[error("unknown key type {given:?}: use one of ed25519, p256, rsa2048, rsa3072, rsa4096")]
    UnknownKeyType {
        /// The name that was given.
        given: String,
    },
    /// Any other argument that is out of range or inconsistent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// Input larger than the parser accepts; refused before parsing.
    #[error("input is {size} bytes, more than the {limit}-byte limit")]
    InputTooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// An XML document that is not exactly the documented shape.
    #[error("malformed {document} document: {reason}")]
    MalformedDocument {
        /// Which document (`PEERIDENTITYEXPORT`, `PEERIDENTITYINFO`).
        document: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A PKCS#12 structure that cannot be decoded or is not the expected shape.
    #[error("malformed PFX: {reason}")]
    MalformedPfx {
        /// What is wrong with it.
        reason: String,
    },
    /// A PFX without a MAC: it cannot be checked, so it is not read.
    #[error("the PFX has no MAC, so its integrity cannot be checked; it is refused")]
    MissingMac,
    /// A key-derivation work factor above the caller's cap
    /// (`ImportOptions::max_iterations`, which a caller who trusts the
    /// sender may raise).
    #[error("work factor {asked} is above the limit of {limit}")]
    WorkFactorTooHigh {
        /// The iteration count in the input.
        asked: u64,
        /// The cap in force.
        limit: u64,
    },
    /// The iteration counts a file declares add up to more than its budget
    /// (a multiple of the per-item cap), checked before any of that work.
    #[error(
        "the file's iteration counts add up to {total}, above the limit of {limit} for one file ({per_item} per item)"
    )]
    IterationBudgetExceeded {
        /// The sum of the iteration counts found so far.
        total: u64,
        /// The budget of the whole file.
        limit: u64,
        /// The per-item cap the budget is a multiple of.
        per_item: u64,
    },
    /// MAC or decryption failed.
    #[error("wrong password, or the data was changed")]
    WrongPasswordOrTampered,
    /// An algorithm the input uses that peerid does not read.
    #[error("unsupported algorithm: {what}")]
    UnsupportedAlgorithm {
        /// Name or OID of the algorithm.
        what: String,
    },
    /// The PFX holds no private key.
    #[error("the PFX holds no private key")]
    NoPrivateKey,
    /// The PFX holds more than one private key.
    #[error("the PFX holds {count} private keys; an identity has exactly one")]
    MultiplePrivateKeys {
        /// How many keys were found.
        count: usize,
    },
    /// No certificate in the PFX matches the private key.
    #[error("no certificate in the PFX matches its private key")]
    KeyCertificateMismatch,
    /// A certificate that cannot be parsed or used.
    #[error("malformed certificate: {reason}")]
    MalformedCertificate {
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate is not self-issued, so it is not an identity certificate.
    #[error(
        "the certificate is not self-issued (issuer differs from subject); it is not an identity"
    )]
    NotSelfIssued,
    /// The certificate's self-signature does not verify.
    #[error("the certificate's self-signature does not verify")]
    BadSignature,
    /// The peer name in the document does not match the key or the IDC.
    #[error("peer name mismatch: {reason}; the document was changed")]
    PeerNameMismatch {
        /// Which names disagree.
        reason: String,
    },

    /// An SSH signature (docs/design.md §9) that does not verify: malformed,
    /// another namespace, another message, or a signer other than the peer
    /// it must be from.
    #[error("the signature does not verify: {reason}")]
    SignatureInvalid {
        /// Why.
        reason: String,
    },
    /// A peer that is not the one expected, or not known where it must be
    /// (an allowed-signers list, the peer book).
    #[error("{peer_name} is not authenticated: {reason}")]
    NotAuthenticated {
        /// The peer in question.
        peer_name: String,
        /// Why.
        reason: String,
    },

    /// No identity with that peer name in the store.
    #[error("no identity named {peer_name:?} in this store")]
    NotFound {
        /// The name looked up.
        peer_name: String,
    },
    /// An identity with that peer name already exists.
    #[error("an identity named {peer_name:?} already exists in this store")]
    AlreadyExists {
        /// The name in conflict.
        peer_name: String,
    },
    /// The store is group or world accessible (on Windows: its DACL allows
    /// someone other than the user, SYSTEM and Administrators in).
    #[cfg_attr(
        not(windows),
        error(
            "{} has mode {mode:04o}, which lets other users read it; peerid refuses it. Fix with: chmod {} {}",
            path.display(),
            if *is_dir { "700" } else { "600" },
            path.display()
        )
    )]
    #[cfg_attr(
        windows,
        error(
            "{} lets users other than you, SYSTEM and Administrators in (access mask {mode:#010x}); \
             peerid refuses it. Fix with: icacls \"{}\" /inheritance:r /grant:r \"%USERNAME%:{}F\", \
             then remove every other entry that icacls lists",
            path.display(),
            path.display(),
            if *is_dir { "(OI)(CI)" } else { "" }
        )
    )]
    StorePermissions {
        /// The path that is too open.
        path: PathBuf,
        /// Its permission bits; on Windows, the access mask its DACL grants
        /// to others (`0xffffffff` for no DACL at all).
        mode: u32,
        /// Whether the path is a directory.
        is_dir: bool,
    },
    /// The store cannot be opened or written (permissions, ownership).
    #[error("cannot access the identity store at {}: {reason}", path.display())]
    StoreInaccessible {
        /// The path that could not be used.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// The store is sealed (docs/design.md §12) and this `Store` does not
    /// hold its key: what needs a private key cannot be done.
    #[error(
        "the identity store at {} is sealed and locked: its private keys need its passphrase{reason}",
        path.display()
    )]
    StoreLocked {
        /// The store's directory.
        path: PathBuf,
        /// What was tried, as "; ..." (or empty).
        reason: String,
    },
    /// The passphrase does not open the store's wrapped key.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The database is not a peerid store, or it is damaged.
    #[error("the identity store at {} is damaged or not a peerid store: {reason}", path.display())]
    StoreCorrupted {
        /// The database path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Memory could not be allocated.
    #[error("out of memory")]
    OutOfMemory,
    /// An I/O or database failure that is none of the above.
    #[error("{context}: {reason}")]
    Failed {
        /// What was being done.
        context: String,
        /// What the system said.
        reason: String,
    },
}

/// The nine outcomes of docs/design.md §5, each with one HRESULT and one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `E_INVALIDARG`: bad argument, bad or tampered input, wrong password.
    InvalidArg,
    /// `PEER_E_NOT_FOUND`.
    NotFound,
    /// `PEER_E_ALREADY_EXISTS`.
    AlreadyExists,
    /// `PEER_E_NO_KEY_ACCESS`: store not accessible or too open.
    NoKeyAccess,
    /// `PEER_E_CERT_STORE_CORRUPTED`.
    StoreCorrupted,
    /// `TRUST_E_BAD_DIGEST`: a signature that does not verify.
    BadDigest,
    /// `PEER_E_CONNECTION_NOT_AUTHENTICATED`: not the expected peer, or not
    /// a known one.
    NotAuthenticated,
    /// `E_OUTOFMEMORY`.
    OutOfMemory,
    /// `E_FAIL`: anything else.
    Fail,
}

impl ErrorKind {
    /// Every kind, for tables and tests.
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::InvalidArg,
        ErrorKind::NotFound,
        ErrorKind::AlreadyExists,
        ErrorKind::NoKeyAccess,
        ErrorKind::StoreCorrupted,
        ErrorKind::BadDigest,
        ErrorKind::NotAuthenticated,
        ErrorKind::OutOfMemory,
        ErrorKind::Fail,
    ];

    /// The HRESULT of `p2p.h` / `winerror.h`, as the signed 32-bit value Windows returns.
    pub const fn hresult(self) -> i32 {
        self.row().1 as i32
    }

    /// The symbolic name of the HRESULT (`E_INVALIDARG`, `PEER_E_NOT_FOUND`, ...).
    pub const fn code_name(self) -> &'static str {
        self.row().0
    }

    /// The exit code of the `peerid` command.
    pub const fn exit_code(self) -> u8 {
        self.row().2
    }

    /// The one table of docs/design.md §5: name, HRESULT bits, exit code.
    const fn row(self) -> (&'static str, u32, u8) {
        match self {
            ErrorKind::InvalidArg => ("E_INVALIDARG", 0x8007_0057, 5),
            ErrorKind::NotFound => ("PEER_E_NOT_FOUND", 0x8007_0490, 3),
            ErrorKind::AlreadyExists => ("PEER_E_ALREADY_EXISTS", 0x8007_00B7, 4),
            ErrorKind::NoKeyAccess => ("PEER_E_NO_KEY_ACCESS", 0x8063_0203, 6),
            ErrorKind::StoreCorrupted => ("PEER_E_CERT_STORE_CORRUPTED", 0x8063_0801, 7),
            ErrorKind::BadDigest => ("TRUST_E_BAD_DIGEST", 0x8009_6010, 8),
            ErrorKind::NotAuthenticated => ("PEER_E_CONNECTION_NOT_AUTHENTICATED", 0x8063_010A, 9),
            ErrorKind::OutOfMemory => ("E_OUTOFMEMORY", 0x8007_000E, 1),
            ErrorKind::Fail => ("E_FAIL", 0x8000_4005, 1),
        }
    }
}

impl Error {
    /// Which of the nine outcomes this error is.
    pub fn kind(&self) -> ErrorKind {
        use Error::*;
        match self {
            InvalidPeerName { .. }
            | InvalidClassifier { .. }
            | InvalidFriendlyName { .. }
            | UnknownKeyType { .. }
            | InvalidArgument(_)
            | InputTooLarge { .. }
            | MalformedDocument { .. }
            | MalformedPfx { .. }
            | MissingMac
            | WorkFactorTooHigh { .. }
            | IterationBudgetExceeded { .. }
            | WrongPasswordOrTampered
            | UnsupportedAlgorithm { .. }
            | NoPrivateKey
            | MultiplePrivateKeys { .. }
            | KeyCertificateMismatch
            | MalformedCertificate { .. }
            | NotSelfIssued
            | BadSignature
            | PeerNameMismatch { .. } => ErrorKind::InvalidArg,
            NotFound { .. } => ErrorKind::NotFound,
            AlreadyExists { .. } => ErrorKind::AlreadyExists,
            StorePermissions { .. }
            | StoreInaccessible { .. }
            | StoreLocked { .. }
            | WrongPassphrase => ErrorKind::NoKeyAccess,
            StoreCorrupted { .. } => ErrorKind::StoreCorrupted,
            SignatureInvalid { .. } => ErrorKind::BadDigest,
            NotAuthenticated { .. } => ErrorKind::NotAuthenticated,
            OutOfMemory => ErrorKind::OutOfMemory,
            Failed { .. } => ErrorKind::Fail,
        }
    }

    /// The HRESULT for this error.
    pub fn hresult(&self) -> i32 {
        self.kind().hresult()
    }

    /// The exit code of the `peerid` command for this error.
    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    /// The symbolic HRESULT name for this error.
    pub fn code_name(&self) -> &'static str {
        self.kind().code_name()
    }

    pub(crate) fn malformed_pfx(reason: impl Into<String>) -> Self {
        Error::MalformedPfx {
            reason: reason.into(),
        }
    }

    pub(crate) fn malformed_cert(reason: impl Into<String>) -> Self {
        Error::MalformedCertificate {
            reason: reason.into(),
        }
    }

    /// An [`Error::Failed`] for an operation (`context`) and what the system said.
    pub fn failed(context: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Error::Failed {
            context: context.into(),
            reason: reason.to_string(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant. The match below has no wildcard, so adding a
    /// variant without adding it here (and so to the table test) fails to compile.
    fn one_of_each() -> Vec<Error> {
        let all = vec![
            Error::InvalidPeerName { reason: "x".into() },
            Error::InvalidClassifier { reason: "x".into() },
            Error::InvalidFriendlyName { reason: "x".into() },
            Error::UnknownKeyType {
                given: "dsa".into(),
            },
            Error::InvalidArgument("x".into()),
            Error::InputTooLarge { size: 2, limit: 1 },
            Error::MalformedDocument {
                document: "PEERIDENTITYEXPORT",
                reason: "x".into(),
            },
            Error::MalformedPfx { reason: "x".into() },
            Error::MissingMac,
            Error::WorkFactorTooHigh { asked: 2, limit: 1 },
            Error::IterationBudgetExceeded {
                total: 4,
                limit: 3,
                per_item: 1,
            },
            Error::WrongPasswordOrTampered,
            Error::UnsupportedAlgorithm { what: "x".into() },
            Error::NoPrivateKey,
            Error::MultiplePrivateKeys { count: 2 },
            Error::KeyCertificateMismatch,
            Error::MalformedCertificate { reason: "x".into() },
            Error::NotSelfIssued,
            Error::BadSignature,
            Error::PeerNameMismatch { reason: "x".into() },
            Error::SignatureInvalid { reason: "x".into() },
            Error::NotAuthenticated {
                peer_name: "a.b".into(),
                reason: "x".into(),
            },
            Error::NotFound {
                peer_name: "a.b".into(),
            },
            Error::AlreadyExists {
                peer_name: "a.b".into(),
            },
            Error::StorePermissions {
                path: "/s".into(),
                mode: 0o755,
                is_dir: true,
            },
            Error::StoreInaccessible {
                path: "/s".into(),
                reason: "x".into(),
            },
            Error::StoreLocked {
                path: "/s".into(),
                reason: String::new(),
            },
            Error::WrongPassphrase,
            Error::StoreCorrupted {
                path: "/s".into(),
                reason: "x".into(),
            },
            Error::OutOfMemory,
            Error::Failed {
                context: "x".into(),
                reason: "y".into(),
            },
        ];
        for e in &all {
            match e {
                Error::InvalidPeerName { .. }
                | Error::InvalidClassifier { .. }
                | Error::InvalidFriendlyName { .. }
                | Error::UnknownKeyType { .. }
                | Error::InvalidArgument(_)
                | Error::InputTooLarge { .. }
                | Error::MalformedDocument { .. }
                | Error::MalformedPfx { .. }
                | Error::MissingMac
                | Error::WorkFactorTooHigh { .. }
                | Error::IterationBudgetExceeded { .. }
                | Error::WrongPasswordOrTampered
                | Error::UnsupportedAlgorithm { .. }
                | Error::NoPrivateKey
                | Error::MultiplePrivateKeys { .. }
                | Error::KeyCertificateMismatch
                | Error::MalformedCertificate { .. }
                | Error::NotSelfIssued
                | Error::BadSignature
                | Error::PeerNameMismatch { .. }
                | Error::SignatureInvalid { .. }
                | Error::NotAuthenticated { .. }
                | Error::NotFound { .. }
                | Error::AlreadyExists { .. }
                | Error::StorePermissions { .. }
                | Error::StoreInaccessible { .. }
                | Error::StoreLocked { .. }
                | Error::WrongPassphrase
                | Error::StoreCorrupted { .. }
                | Error::OutOfMemory
                | Error::Failed { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_maps_to_the_design_table() {
        let expected = |e: &Error| -> (&str, u32, u8) {
            match e {
                Error::NotFound { .. } => ("PEER_E_NOT_FOUND", 0x8007_0490, 3),
                Error::AlreadyExists { .. } => ("PEER_E_ALREADY_EXISTS", 0x8007_00B7, 4),
                Error::StorePermissions { .. }
                | Error::StoreInaccessible { .. }
                | Error::StoreLocked { .. }
                | Error::WrongPassphrase => ("PEER_E_NO_KEY_ACCESS", 0x8063_0203, 6),
                Error::StoreCorrupted { .. } => ("PEER_E_CERT_STORE_CORRUPTED", 0x8063_0801, 7),
                Error::SignatureInvalid { .. } => ("TRUST_E_BAD_DIGEST", 0x8009_6010, 8),
                Error::NotAuthenticated { .. } => {
                    ("PEER_E_CONNECTION_NOT_AUTHENTICATED", 0x8063_010A, 9)
                }
                Error::OutOfMemory => ("E_OUTOFMEMORY", 0x8007_000E, 1),
                Error::Failed { .. } => ("E_FAIL", 0x8000_4005, 1),
                _ => ("E_INVALIDARG", 0x8007_0057, 5),
            }
        };
        let all = one_of_each();
        assert_eq!(all.len(), 31);
        for e in &all {
            let (name, hr, exit) = expected(e);
            assert_eq!(e.code_name(), name, "{e:?}");
            assert_eq!(e.hresult() as u32, hr, "{e:?}");
            assert_eq!(e.exit_code(), exit, "{e:?}");
            assert!(!e.to_string().is_empty());
        }
        // Every kind is reached by some variant.
        for kind in ErrorKind::ALL {
            assert!(all.iter().any(|e| e.kind() == kind), "{kind:?} unused");
        }
    }

    /// The error table of the crate documentation (lib.rs) is this table:
    /// each kind's row gives its HRESULT name, value and exit code, and
    /// lists exactly the variants that map to it.
    #[test]
    fn crate_docs_error_table_matches() {
        let docs = include_str!("lib.rs");
        let row = |kind: ErrorKind| -> &str {
            let start = format!("//! | `{kind:?}` |");
            let rows: Vec<&str> = docs.lines().filter(|l| l.starts_with(&start)).collect();
            assert_eq!(rows.len(), 1, "one row for {kind:?}");
            rows[0]
        };
        for kind in ErrorKind::ALL {
            let cells: Vec<&str> = row(kind).split('|').map(str::trim).collect();
            assert_eq!(cells[2], format!("`{}`", kind.code_name()), "{kind:?}");
            assert_eq!(
                cells[3],
                format!("`0x{:08X}`", kind.hresult() as u32),
                "{kind:?}"
            );
            assert_eq!(cells[4], kind.exit_code().to_string(), "{kind:?}");
        }
        let all = one_of_each();
        for e in &all {
            let debug = format!("{e:?}");
            let variant: String = debug
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            let link = format!("[`Error::{variant}`]");
            for kind in ErrorKind::ALL {
                assert_eq!(
                    row(kind).contains(&link),
                    e.kind() == kind,
                    "{variant} in the row of {kind:?}"
                );
            }
        }
        let links = ErrorKind::ALL
            .iter()
            .map(|k| row(*k).matches("[`Error::").count())
            .sum::<usize>();
        assert_eq!(links, all.len(), "every variant listed once");
    }

    /// The command line's words stay in the command line.
    #[test]
    fn messages_name_no_command_line_flag_or_command() {
        for e in one_of_each() {
            let msg = e.to_string();
            assert!(!msg.contains("--"), "{e:?}: {msg}");
            assert!(!msg.contains("`peerid "), "{e:?}: {msg}");
        }
    }

    #[test]
    #[cfg(not(windows))]
    fn permissions_message_says_how_to_fix() {
        let e = Error::StorePermissions {
            path: "/s/db".into(),
            mode: 0o644,
            is_dir: false,
        };
        assert!(e.to_string().contains("chmod 600 /s/db"), "{e}");
        assert!(e.to_string().contains("0644"), "{e}");
    }

    #[test]
    #[cfg(windows)]
    fn permissions_message_says_how_to_fix() {
        let e = Error::StorePermissions {
            path: r"C:\s".into(),
            mode: 0x0012_0089,
            is_dir: true,
        };
        let msg = e.to_string();
        assert!(
            msg.contains(r#"icacls "C:\s" /inheritance:r /grant:r "%USERNAME%:(OI)(CI)F""#),
            "{msg}"
        );
        assert!(msg.contains("0x00120089"), "{msg}");
    }
}
