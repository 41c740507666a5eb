//! Every variant through the library's table, and the hints.

use super::*;

fn io() -> std::io::Error {
    std::io::ErrorKind::NotFound.into()
}

/// One value of every variant, each with the exit code it must give.
/// The match has no wildcard, so a new variant must be added here.
fn one_of_each() -> Vec<(Error, u8)> {
    let p = || PathBuf::from("/p");
    let all = vec![
        (Error::Library(peerid::Error::OutOfMemory), 1),
        (
            Error::Library(peerid::Error::NotFound {
                peer_name: "a.b".into(),
            }),
            3,
        ),
        (
            Error::ReadingPasswordFile {
                path: p(),
                source: io(),
            },
            5,
        ),
        (
            Error::PasswordFileLineTooLong {
                path: p(),
                limit: 1,
            },
            5,
        ),
        (Error::PasswordFileNotUtf8 { path: p() }, 5),
        (Error::PasswordEnv { var: "PW".into() }, 5),
        (Error::Terminal { reason: "x".into() }, 5),
        (Error::TypedPasswordNotUtf8, 5),
        (Error::PasswordsDiffer, 5),
        (Error::EmptyPassword, 5),
        (Error::PasswordNotEmpty, 5),
        (
            Error::OpeningDocument {
                path: p(),
                source: io(),
            },
            5,
        ),
        (Error::ReadingDocument { source: io() }, 1),
        (Error::OutputIsDirectory { path: p() }, 5),
        (Error::OutputNotAFileName { path: p() }, 5),
        (Error::OutputIsStoreFile { path: p() }, 5),
        (
            Error::OutputOwnedByAnotherUser {
                path: p(),
                owner: 65534,
            },
            5,
        ),
        (
            Error::WritingOutputFile {
                step: "writing",
                path: p(),
                source: io(),
            },
            1,
        ),
        (Error::WritingOutput { source: io() }, 1),
        (
            Error::FormattingJson {
                source: serde_json::from_str::<u8>("x").unwrap_err(),
            },
            1,
        ),
        (Error::Signals { reason: "x".into() }, 1),
        (Error::NotDumpable { source: io() }, 1),
        (Error::SshKeygenUsage { reason: "x".into() }, 5),
        (
            Error::NoIdentityWithKey {
                fingerprint: "SHA256:x".into(),
            },
            3,
        ),
        (
            Error::AllowedSigners {
                line: 1,
                reason: "x".into(),
            },
            5,
        ),
        (
            Error::Library(peerid::Error::SignatureInvalid { reason: "x".into() }),
            8,
        ),
        (
            Error::Library(peerid::Error::NotAuthenticated {
                peer_name: "a.b".into(),
                reason: "x".into(),
            }),
            9,
        ),
        (
            Error::PeerNotFound {
                peer_name: "a.b".into(),
            },
            3,
        ),
        (
            Error::PeerExists {
                peer_name: "a.b".into(),
            },
            4,
        ),
        (
            Error::NameNotFound {
                what: What::Identity,
                arg: "x".into(),
                suggestion: None,
            },
            3,
        ),
        (
            Error::AmbiguousName {
                what: What::Peer,
                arg: "x".into(),
                total: 2,
                candidates: vec![],
            },
            5,
        ),
        (Error::DeleteNeedsYes { name: "x".into() }, 5),
        (Error::NotConfirmed { what: "x".into() }, 5),
        (Error::OutputExists { path: p() }, 5),
        (Error::NoPassword, 5),
        (Error::Confirm { reason: "x".into() }, 5),
        (Error::TlsPeers { reason: "x".into() }, 5),
        (
            Error::TlsAddress {
                address: "x".into(),
            },
            5,
        ),
        (
            Error::TlsResolve {
                address: "x".into(),
                source: io(),
            },
            1,
        ),
        (
            Error::TlsListen {
                address: "x".into(),
                source: io(),
            },
            1,
        ),
        (
            Error::TlsConnect {
                address: "x".into(),
                source: io(),
            },
            1,
        ),
        (Error::TlsSetup { reason: "x".into() }, 1),
        (
            Error::TlsTimeout {
                role: "client",
                address: "x".into(),
                seconds: 1,
            },
            1,
        ),
        (
            Error::TlsRefusedByPeer {
                role: "server",
                address: "x".into(),
                alert: "BadCertificate".into(),
            },
            9,
        ),
        (
            Error::TlsHandshake {
                role: "client",
                address: "x".into(),
                reason: "x".into(),
            },
            9,
        ),
        (
            Error::TlsProtocol {
                role: "client",
                address: "x".into(),
                reason: "x".into(),
            },
            1,
        ),
        (
            Error::TlsIo {
                role: "server",
                address: "x".into(),
                source: io(),
            },
            1,
        ),
        (
            Error::TlsTruncated {
                role: "server",
                address: "x".into(),
            },
            1,
        ),
        (Error::TlsStdin { source: io() }, 1),
        (Error::TlsStdout { source: io() }, 1),
        (
            Error::ReadingPassphraseFile {
                path: p(),
                source: io(),
            },
            5,
        ),
        (
            Error::PassphraseFileLineTooLong {
                path: p(),
                limit: 1,
            },
            5,
        ),
        (Error::PassphraseFileNotUtf8 { path: p() }, 5),
        (Error::PassphraseTerminal { reason: "x".into() }, 5),
        (Error::NewPassphraseNoTerminal, 5),
        (Error::NoPassphrase, 5),
        (Error::TypedPassphraseNotUtf8, 5),
        (Error::PassphrasesDiffer, 5),
        (Error::EmptyPassphrase, 5),
        (Error::NotSealed { path: p() }, 5),
        (Error::AlreadySealed { path: p() }, 5),
        (Error::Keyring { reason: "x".into() }, 1),
        (Error::Library(peerid::Error::WrongPassphrase), 6),
        (
            Error::Library(peerid::Error::StoreLocked {
                path: p(),
                reason: String::new(),
            }),
            6,
        ),
    ];
    for (e, _) in &all {
        match e {
            Error::Library(_)
            | Error::ReadingPasswordFile { .. }
            | Error::PasswordFileLineTooLong { .. }
            | Error::PasswordFileNotUtf8 { .. }
            | Error::PasswordEnv { .. }
            | Error::Terminal { .. }
            | Error::TypedPasswordNotUtf8
            | Error::PasswordsDiffer
            | Error::EmptyPassword
            | Error::PasswordNotEmpty
            | Error::OpeningDocument { .. }
            | Error::ReadingDocument { .. }
            | Error::OutputIsDirectory { .. }
            | Error::OutputNotAFileName { .. }
            | Error::OutputIsStoreFile { .. }
            | Error::OutputOwnedByAnotherUser { .. }
            | Error::WritingOutputFile { .. }
            | Error::WritingOutput { .. }
            | Error::FormattingJson { .. }
            | Error::Signals { .. }
            | Error::NotDumpable { .. }
            | Error::SshKeygenUsage { .. }
            | Error::NoIdentityWithKey { .. }
            | Error::AllowedSigners { .. }
            | Error::PeerNotFound { .. }
            | Error::PeerExists { .. }
            | Error::NameNotFound { .. }
            | Error::AmbiguousName { .. }
            | Error::DeleteNeedsYes { .. }
            | Error::NotConfirmed { .. }
            | Error::OutputExists { .. }
            | Error::Confirm { .. }
            | Error::NoPassword
            | Error::TlsPeers { .. }
            | Error::TlsAddress { .. }
            | Error::TlsResolve { .. }
            | Error::TlsListen { .. }
            | Error::TlsConnect { .. }
            | Error::TlsSetup { .. }
            | Error::TlsTimeout { .. }
            | Error::TlsRefusedByPeer { .. }
            | Error::TlsHandshake { .. }
            | Error::TlsProtocol { .. }
            | Error::TlsIo { .. }
            | Error::TlsTruncated { .. }
            | Error::TlsStdin { .. }
            | Error::TlsStdout { .. }
            | Error::ReadingPassphraseFile { .. }
            | Error::PassphraseFileLineTooLong { .. }
            | Error::PassphraseFileNotUtf8 { .. }
            | Error::PassphraseTerminal { .. }
            | Error::NewPassphraseNoTerminal
            | Error::NoPassphrase
            | Error::TypedPassphraseNotUtf8
            | Error::PassphrasesDiffer
            | Error::EmptyPassphrase
            | Error::NotSealed { .. }
            | Error::AlreadySealed { .. }
            | Error::Keyring { .. } => {}
        }
    }
    all
}

#[test]
fn every_variant_goes_through_the_library_table() {
    for (e, exit) in one_of_each() {
        assert_eq!(e.exit_code(), exit, "{e:?}");
        // The HRESULT and its name are the library's for the same kind.
        assert_eq!(e.hresult(), e.kind().hresult(), "{e:?}");
        assert_eq!(e.code_name(), e.kind().code_name(), "{e:?}");
        assert!(!e.to_string().is_empty(), "{e:?}");
    }
}

/// The hints the library no longer gives (its messages are neutral)
/// are given here, after the library's whole message.
#[test]
fn library_errors_get_the_command_line_hint() {
    let cases = [
        (
            peerid::Error::WorkFactorTooHigh { asked: 9, limit: 2 },
            "; if you trust the sender, raise the limit with --max-iterations",
        ),
        (
            peerid::Error::IterationBudgetExceeded {
                total: 9,
                limit: 4,
                per_item: 2,
            },
            "; if you trust the sender, raise the limit with --max-iterations",
        ),
        (
            peerid::Error::NotFound {
                peer_name: "a.b".into(),
            },
            " (see `peerid list`)",
        ),
        (
            peerid::Error::StoreInaccessible {
                path: "/s".into(),
                reason: "x".into(),
            },
            "; a store can be chosen with --store DIR",
        ),
        (
            peerid::Error::StoreLocked {
                path: "/s".into(),
                reason: String::new(),
            },
            "; unlock it with --passphrase-file FILE or PEERID_PASSPHRASE_FILE, or run in a terminal",
        ),
    ];
    for (inner, hint) in cases {
        let neutral = inner.to_string();
        assert!(!neutral.contains(hint), "{neutral}");
        let shown = Error::from(inner).to_string();
        assert_eq!(shown, format!("{neutral}{hint}"));
    }
    // Others are shown as the library says them.
    let inner = peerid::Error::WrongPasswordOrTampered;
    assert_eq!(
        Error::from(inner).to_string(),
        "wrong password, or the data was changed"
    );
}

#[test]
fn a_library_error_keeps_its_kind() {
    for (e, _) in one_of_each() {
        if let Error::Library(inner) = &e {
            assert_eq!(e.kind(), inner.kind(), "{e:?}");
        }
    }
}
