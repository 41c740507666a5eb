//! The command line's own errors: the step of a command that failed
//! (reading the password file, the document, writing the output), or the
//! library's error (docs/design.md §5) that a command passed on, with the
//! hint that names this command line's flags. The library's messages stay
//! neutral (it also serves the C ABI); `--max-iterations` and `peerid list`
//! are said here.
//!
//! Every variant maps to one [`ErrorKind`], so the HRESULT and the exit code
//! still come from the library's one table.

use std::borrow::Cow;
use std::path::PathBuf;

use peerid::ErrorKind;

use crate::output::terminal_safe;
use crate::resolve::{MAX_SHOWN, Shown, What};

/// What went wrong in a command, named by the step that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A library call failed. Its message is the library's; what to do
    /// about it in this command line's words (a flag, a command) follows.
    #[error("{0}{hint}", hint = hint(.0))]
    Library(#[from] peerid::Error),

    /// A NAME or PEER argument names nothing (docs/design.md §7).
    #[error("no {} named {arg:?} in this {}{}", .what.noun(), .what.place(), not_found_tail(*.what, .suggestion.as_ref()))]
    NameNotFound {
        /// Identities or peers.
        what: What,
        /// The argument given.
        arg: String,
        /// The one candidate that is a near miss, if there is exactly one.
        suggestion: Option<Shown>,
    },
    /// A NAME or PEER argument names several; the first [`MAX_SHOWN`] are
    /// listed, one a line.
    #[error("{}", ambiguous_message(*.what, .arg, *.total, .candidates, exact))]
    AmbiguousName {
        /// Identities or peers.
        what: What,
        /// The argument given.
        arg: String,
        /// How many match.
        total: usize,
        /// The first of them.
        candidates: Vec<Shown>,
    },
    /// `delete` without `--yes` where no one can be asked.
    #[error("not deleting {name} without confirmation: stdin is not a terminal; pass --yes")]
    DeleteNeedsYes {
        /// The identity.
        name: String,
    },
    /// The answer at a confirmation prompt was not yes.
    #[error("{what} not confirmed; nothing was changed")]
    NotConfirmed {
        /// What was asked, as "deleting X" or "replacing F".
        what: String,
    },
    /// `-o` names an existing regular file, and `--force` was not given.
    #[error("{} exists; pass --force to replace it", path.display())]
    OutputExists {
        /// The `-o` given.
        path: PathBuf,
    },
    /// A yes-or-no question cannot be asked on the terminal.
    #[error("cannot ask on the terminal ({reason}); pass --yes (delete) or --force (-o) instead")]
    Confirm {
        /// What the system said.
        reason: String,
    },
    /// Ctrl-D (end of input) at the password prompt.
    #[error("no password given")]
    NoPassword,

    /// The password file cannot be opened or read.
    #[error("cannot read the password file {}: {source}", path.display())]
    ReadingPasswordFile {
        /// The `--password-file` given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The first line of the password file is longer than any password.
    #[error("the first line of {} is longer than {limit} bytes; is it the right file?", path.display())]
    PasswordFileLineTooLong {
        /// The `--password-file` given.
        path: PathBuf,
        /// The longest line read, in bytes.
        limit: usize,
    },
    /// The password file's first line is not UTF-8.
    #[error("the password in {} is not UTF-8", path.display())]
    PasswordFileNotUtf8 {
        /// The `--password-file` given.
        path: PathBuf,
    },
    /// The `--password-env` variable is unset or not UTF-8.
    #[error("environment variable {var} is not set or not UTF-8")]
    PasswordEnv {
        /// The variable's name.
        var: String,
    },
    /// The terminal cannot be used to ask for the password.
    #[error(
        "cannot ask for a password on the terminal ({reason}); use --password-file FILE or --password-env VAR"
    )]
    Terminal {
        /// What the system said.
        reason: String,
    },
    /// The password typed at the prompt is not UTF-8.
    #[error("the password typed is not UTF-8")]
    // Not made on Windows (no /dev/tty bytes, no FIFO owners, no dumpable flag).
    #[cfg_attr(windows, allow(dead_code))]
    TypedPasswordNotUtf8,
    /// The two passwords typed for an export differ.
    #[error("the passwords typed differed three times; nothing was written")]
    PasswordsDiffer,
    /// An empty export password without `--empty-password`.
    #[error(
        "the password is empty, so anyone with the file could read the private key; give --empty-password if that is meant"
    )]
    EmptyPassword,
    /// `--empty-password` with a source that gives a password.
    #[error("--empty-password was given but the password is not empty; drop one of them")]
    PasswordNotEmpty,

    /// The passphrase file cannot be opened or read.
    #[error("cannot read the passphrase file {}: {source}", path.display())]
    ReadingPassphraseFile {
        /// The `--passphrase-file`, `--new-passphrase-file` or `$PEERID_PASSPHRASE_FILE` given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The passphrase file's first line is longer than any passphrase.
    #[error("the first line of {} is longer than {limit} bytes; is it the right file?", path.display())]
    PassphraseFileLineTooLong {
        /// The file given.
        path: PathBuf,
        /// The longest line read, in bytes.
        limit: usize,
    },
    /// The passphrase file's first line is not UTF-8.
    #[error("the passphrase in {} is not UTF-8", path.display())]
    PassphraseFileNotUtf8 {
        /// The file given.
        path: PathBuf,
    },
    /// The terminal cannot be used to ask for a store's passphrase.
    #[error(
        "cannot ask for the store's passphrase on the terminal ({reason}); use --passphrase-file FILE or PEERID_PASSPHRASE_FILE"
    )]
    PassphraseTerminal {
        /// What the system said.
        reason: String,
    },
    /// `store passphrase` with no `--new-passphrase-file` and no terminal.
    #[error(
        "cannot ask for the new passphrase: neither stdin nor stderr is a terminal; give it with --new-passphrase-file FILE"
    )]
    NewPassphraseNoTerminal,
    /// Ctrl-D (end of input) at the passphrase prompt.
    #[error("no passphrase given; the store was not changed")]
    NoPassphrase,
    /// The passphrase typed is not UTF-8.
    #[error("the passphrase typed is not UTF-8")]
    TypedPassphraseNotUtf8,
    /// The two new passphrases typed differ.
    #[error("the passphrases typed differed three times; the store was not changed")]
    PassphrasesDiffer,
    /// An empty new passphrase.
    #[error("an empty passphrase would not protect the keys; the store was not changed")]
    EmptyPassphrase,
    /// `store unseal` or `store passphrase` on a store that is not sealed.
    #[error("the store at {} is not sealed; nothing was changed (seal it with `peerid store seal`)", path.display())]
    NotSealed {
        /// The store's directory.
        path: PathBuf,
    },
    /// `store seal` on a store that is already sealed.
    #[error("the store at {} is already sealed; nothing was changed (see `peerid store status`; `peerid store passphrase` changes the passphrase)", path.display())]
    AlreadySealed {
        /// The store's directory.
        path: PathBuf,
    },
    /// `store seal --keyring`: the OS keyring cannot keep the store key.
    #[error(
        "cannot keep the store key in the OS keyring: {reason}; the store was not changed (seal it without --keyring, or start a Secret Service such as gnome-keyring)"
    )]
    Keyring {
        /// What the library said.
        reason: String,
    },

    /// No peer of that name in the peer book.
    #[error("no peer named {peer_name:?} in the peer book (see `peerid peer list`)")]
    PeerNotFound {
        /// The name looked up.
        peer_name: String,
    },
    /// `peer add` of a peer name the book already has.
    #[error(
        "a peer named {peer_name:?} is already in the peer book; it was kept as it is (it is never replaced: `peerid peer remove` it first)"
    )]
    PeerExists {
        /// The name in conflict.
        peer_name: String,
    },

    /// The document to import cannot be opened.
    #[error("cannot read {}: {source}", path.display())]
    OpeningDocument {
        /// The file given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Reading the document to import failed once it was open.
    #[error("reading the document: {source}")]
    ReadingDocument {
        /// What the system said.
        source: std::io::Error,
    },

    /// `-o` names a directory.
    #[error("{} is a directory; give a file name", path.display())]
    OutputIsDirectory {
        /// The `-o` given.
        path: PathBuf,
    },
    /// `-o` names no file (`/`, `..`).
    #[error("{} is not a file name", path.display())]
    OutputNotAFileName {
        /// The `-o` given.
        path: PathBuf,
    },
    /// `-o` names one of the store's own files.
    #[error("{} is one of the store's own files; write the export somewhere else", path.display())]
    OutputIsStoreFile {
        /// The `-o` given.
        path: PathBuf,
    },
    /// `-o` names a FIFO or device another user owns: written through, the
    /// export would go to them.
    #[error(
        "{} is a FIFO or device that belongs to user id {owner}, not to you: another user would receive the export; write it somewhere else",
        path.display()
    )]
    // Not made on Windows (no /dev/tty bytes, no FIFO owners, no dumpable flag).
    #[cfg_attr(windows, allow(dead_code))]
    OutputOwnedByAnotherUser {
        /// The `-o` given.
        path: PathBuf,
        /// Its owner.
        owner: u32,
    },
    /// A step of writing the `-o` file failed; nothing is left under a
    /// temporary name.
    #[error("{step} {}: {source}", path.display())]
    WritingOutputFile {
        /// The step, as "writing" or "renaming into".
        step: &'static str,
        /// The `-o` given.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Printing the result on stdout failed after the command had done its
    /// work (a create or an import is in the store).
    #[error("writing output: {source} (the command itself completed)")]
    WritingOutput {
        /// What the system said.
        source: std::io::Error,
    },

    /// The result could not be put as JSON (which the types printed never
    /// cause); the command itself has run.
    #[error("formatting the JSON output: {source} (the command itself completed)")]
    FormattingJson {
        /// What serde_json said.
        source: serde_json::Error,
    },

    /// A `peerid -Y ...` (ssh-keygen mode) command line peerid does not take.
    #[error("ssh-keygen mode: {reason}")]
    SshKeygenUsage {
        /// What is wrong with it.
        reason: String,
    },
    /// `peerid -Y sign -f KEYFILE`: no identity in the store has that key.
    #[error(
        "no identity in this store has the key {fingerprint} (see `peerid list` and `peerid ssh-key NAME`)"
    )]
    NoIdentityWithKey {
        /// The key's OpenSSH fingerprint.
        fingerprint: String,
    },
    /// An allowed_signers file that is malformed or too large.
    #[error("allowed signers file, line {line}: {reason}")]
    AllowedSigners {
        /// The line (1-based; 0 for the file as a whole).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// `tls`: the `--peer` arguments do not make one policy.
    #[error("{reason}")]
    TlsPeers {
        /// What is wrong with them.
        reason: String,
    },
    /// `tls`: an address without a port.
    #[error(
        "{address:?} is not HOST:PORT (for example 127.0.0.1:4433, [::1]:4433, host.example:4433)"
    )]
    TlsAddress {
        /// The address given.
        address: String,
    },
    /// `tls`: the host name does not resolve.
    #[error("cannot resolve {address}: {source}")]
    TlsResolve {
        /// The address given.
        address: String,
        /// What the resolver said.
        source: std::io::Error,
    },
    /// `tls serve`: binding or accepting failed.
    #[error("cannot listen on {address}: {source}")]
    TlsListen {
        /// The address given.
        address: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// `tls connect`: no address of the server took the connection.
    #[error("cannot connect to {address}: {source}")]
    TlsConnect {
        /// The address given.
        address: String,
        /// What the system said (for the last address tried).
        source: std::io::Error,
    },
    /// rustls refused to start a connection (which the configurations made
    /// here never cause).
    #[error("setting up the TLS connection: {reason}")]
    TlsSetup {
        /// What rustls said.
        reason: String,
    },
    /// The handshake did not finish in time.
    #[error("the {role} at {address} did not complete the TLS handshake within {seconds} s")]
    TlsTimeout {
        /// "server" or "client".
        role: &'static str,
        /// The other side.
        address: String,
        /// The limit.
        seconds: u64,
    },
    /// The other side refused our identity: it sent a certificate alert.
    #[error(
        "the peer refused our identity: the {role} at {address} sent the TLS alert {alert} (does it expect this identity, or have it in its peer book?)"
    )]
    TlsRefusedByPeer {
        /// "server" or "client".
        role: &'static str,
        /// The other side.
        address: String,
        /// The alert, as rustls names it.
        alert: String,
    },
    /// The handshake failed for another reason than a refused identity
    /// (no TLS 1.3, a protocol error): the peer is not authenticated.
    #[error("the TLS handshake with the {role} at {address} failed: {reason}")]
    TlsHandshake {
        /// "server" or "client".
        role: &'static str,
        /// The other side.
        address: String,
        /// What rustls said.
        reason: String,
    },
    /// A TLS error after the handshake (a record that does not decrypt, an
    /// alert).
    #[error("the TLS connection with the {role} at {address} failed: {reason}")]
    TlsProtocol {
        /// "server" or "client".
        role: &'static str,
        /// The other side.
        address: String,
        /// What rustls said.
        reason: String,
    },
    /// The socket failed (reset, unreachable).
    #[error("the connection with the {role} at {address} failed: {source}")]
    TlsIo {
        /// "server" or "client".
        role: &'static str,
        /// The other side.
        address: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The socket ended without close_notify.
    #[error(
        "the {role} at {address} closed the connection without close_notify: what it sent may be cut short"
    )]
    TlsTruncated {
        /// "server" or "client".
        role: &'static str,
        /// The other side.
        address: String,
    },
    /// Reading stdin, to send it, failed.
    #[error("reading stdin: {source}")]
    TlsStdin {
        /// What the system said.
        source: std::io::Error,
    },
    /// Writing what the peer sent to stdout failed.
    #[error("writing stdout: {source}")]
    TlsStdout {
        /// What the system said.
        source: std::io::Error,
    },

    /// The signal handlers that clean up after SIGINT, SIGTERM and SIGHUP
    /// cannot be set up.
    #[error("setting up SIGINT, SIGTERM and SIGHUP: {reason}")]
    Signals {
        /// What failed.
        reason: String,
    },
    /// The process cannot be made non-dumpable before it holds a secret.
    #[error("marking the process not dumpable: {source}")]
    // Not made on Windows (no /dev/tty bytes, no FIFO owners, no dumpable flag).
    #[cfg_attr(windows, allow(dead_code))]
    NotDumpable {
        /// What the system said.
        source: std::io::Error,
    },
}

impl Error {
    /// Which of the outcomes of docs/design.md §5 this is.
    pub fn kind(&self) -> ErrorKind {
        use Error::*;
        match self {
            Library(e) => e.kind(),
            PeerNotFound { .. } => ErrorKind::NotFound,
            PeerExists { .. } => ErrorKind::AlreadyExists,
            ReadingPasswordFile { .. }
            | PasswordFileLineTooLong { .. }
            | PasswordFileNotUtf8 { .. }
            | PasswordEnv { .. }
            | Terminal { .. }
            | TypedPasswordNotUtf8
            | PasswordsDiffer
            | EmptyPassword
            | PasswordNotEmpty
            | OpeningDocument { .. }
            | OutputIsDirectory { .. }
            | OutputNotAFileName { .. }
            | OutputIsStoreFile { .. }
            | OutputOwnedByAnotherUser { .. }
            | AmbiguousName { .. }
            | DeleteNeedsYes { .. }
            | NotConfirmed { .. }
            | OutputExists { .. }
            | Confirm { .. }
            | NoPassword
            | SshKeygenUsage { .. }
            | AllowedSigners { .. }
            | TlsPeers { .. }
            | TlsAddress { .. }
            | ReadingPassphraseFile { .. }
            | PassphraseFileLineTooLong { .. }
            | PassphraseFileNotUtf8 { .. }
            | TypedPassphraseNotUtf8
            | PassphrasesDiffer
            | EmptyPassphrase
            | NotSealed { .. }
            | AlreadySealed { .. }
            | PassphraseTerminal { .. }
            | NewPassphraseNoTerminal
            | NoPassphrase => ErrorKind::InvalidArg,
            NameNotFound { .. } => ErrorKind::NotFound,
            ReadingDocument { .. }
            | WritingOutputFile { .. }
            | WritingOutput { .. }
            | FormattingJson { .. }
            | Signals { .. }
            | NotDumpable { .. }
            | TlsResolve { .. }
            | TlsListen { .. }
            | TlsConnect { .. }
            | TlsSetup { .. }
            | TlsTimeout { .. }
            | TlsProtocol { .. }
            | TlsIo { .. }
            | TlsTruncated { .. }
            | TlsStdin { .. }
            | TlsStdout { .. }
            | Keyring { .. } => ErrorKind::Fail,
            TlsRefusedByPeer { .. } | TlsHandshake { .. } => ErrorKind::NotAuthenticated,
            NoIdentityWithKey { .. } => ErrorKind::NotFound,
        }
    }

    /// The HRESULT, from the library's table.
    pub fn hresult(&self) -> i32 {
        self.kind().hresult()
    }

    /// The symbolic HRESULT name, from the library's table.
    pub fn code_name(&self) -> &'static str {
        self.kind().code_name()
    }

    /// The exit code, from the library's table.
    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    /// The message as stderr shows it: every piece that came from outside
    /// (a name, an argument) escaped with [`terminal_safe`]. An ambiguity
    /// keeps its one-candidate-a-line layout; every other message is one line.
    pub fn for_terminal(&self) -> String {
        match self {
            Error::AmbiguousName {
                what,
                arg,
                total,
                candidates,
            } => ambiguous_message(*what, arg, *total, candidates, terminal_safe),
            _ => terminal_safe(&self.to_string()).into_owned(),
        }
    }
}

/// Text as it is (for `Display` and `--json`).
fn exact(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s)
}

/// "; did you mean 'X' (peer name)?", or where to look.
fn not_found_tail(what: What, suggestion: Option<&Shown>) -> String {
    match suggestion {
        Some(Shown {
            peer_name,
            friendly_name: Some(f),
        }) => format!("; did you mean {f:?} ({peer_name})?"),
        Some(Shown {
            peer_name,
            friendly_name: None,
        }) => format!("; did you mean {peer_name}?"),
        None => format!(" (see `{}`)", what.list_command()),
    }
}

/// The ambiguity's message, each piece from outside passed through `safe`.
fn ambiguous_message(
    what: What,
    arg: &str,
    total: usize,
    candidates: &[Shown],
    safe: fn(&str) -> Cow<'_, str>,
) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{} could be any of {total} {} in this {}; give more of the peer name:",
        safe(&format!("{arg:?}")),
        what.plural(),
        what.place()
    );
    for c in candidates {
        let _ = write!(out, "\n  {}", safe(&c.peer_name));
        if let Some(f) = &c.friendly_name {
            let _ = write!(out, "  {}", safe(f));
        }
    }
    if total > candidates.len() {
        let _ = write!(out, "\n  ... and {} more", total - candidates.len());
    }
    debug_assert!(candidates.len() <= MAX_SHOWN);
    out
}

/// What to do about a library error in this command line's words, with the
/// separator that joins it to the library's message; empty when the
/// library's message says all there is.
fn hint(e: &peerid::Error) -> &'static str {
    use peerid::Error::*;
    match e {
        WorkFactorTooHigh { .. } | IterationBudgetExceeded { .. } => {
            "; if you trust the sender, raise the limit with --max-iterations"
        }
        NotFound { .. } => " (see `peerid list`)",
        StoreInaccessible { .. } => "; a store can be chosen with --store DIR",
        StoreLocked { .. } => {
            "; unlock it with --passphrase-file FILE or PEERID_PASSPHRASE_FILE, or run in a terminal"
        }
        _ => "",
    }
}

/// Shorthand for the results of commands.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
