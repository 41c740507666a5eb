//! The command line's shape: clap types only, no logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod sign;
pub use sign::*;
mod peer;
pub use peer::*;
mod tls;
pub use tls::*;
mod store;
pub use store::*;

const TOP_EXAMPLES: &str = "\
Examples:
  peerid create --classifier laptop --friendly-name 'Work laptop'
  peerid list
  peerid show fd2f                  # the identity whose peer name begins fd2f
  peerid show 'Work laptop'         # or the one with this friendly name
  peerid xml fd2f > laptop-identity.xml
  peerid export fd2f -o laptop.peerid --password-file pw.txt
  peerid import laptop.peerid --password-file pw.txt
  peerid --json list

A NAME is a full peer name, any beginning of one that names a single
identity (fd2f, FD2F, fd2f1c9a.lap, the 40-digit authority alone), or a
friendly name that a single identity has.

The store is --store DIR, else $PEERID_STORE, else ~/.local/share/peerid.
Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 already exists,
5 invalid argument or input (an ambiguous NAME too), 6 store not accessible
(a sealed store locked, or a wrong passphrase), 7 store damaged,
8 signature does not verify, 9 peer not authenticated.";

/// Manage peer identities: key pairs with self-signed identity certificates,
/// named by secure peer names (<SHA-1 of the public key>.<classifier>).
#[derive(Debug, Parser)]
// `bin_name`: usage lines say `peerid`, not `peerid.exe` (clap takes argv[0]).
#[command(name = "peerid", bin_name = "peerid", version, after_help = TOP_EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// Identity store directory [default: $PEERID_STORE, else ~/.local/share/peerid]
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Print one JSON document on stdout (an error object on failure)
    #[arg(long, global = true)]
    pub json: bool,

    /// Read a sealed store's passphrase from the first line of FILE [default: $PEERID_PASSPHRASE_FILE, else ask on the terminal]
    // Not clap's `env`: an empty PEERID_PASSPHRASE_FILE is unset, not a usage error.
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an identity with a new key pair; prints its peer name
    #[command(after_help = "Examples:
  peerid create
  peerid create --classifier laptop --friendly-name 'Work laptop' --key p256")]
    Create(CreateArgs),

    /// List identities, one "peer name<TAB>friendly name" line each
    #[command(
        after_help = "Control characters and bidirectional overrides in names are shown
as \\u{..} escapes; --json gives the exact text.

Examples:
  peerid list | cut -f1
  peerid list --long"
    )]
    List(ListArgs),

    /// Show one identity: names, key type, default, creation time, key fingerprint
    #[command(after_help = "Examples:
  peerid show fd2f
  peerid show 'Work laptop'")]
    Show(NameArg),

    /// Delete an identity; its private key is overwritten in the store
    #[command(
        after_help = "Asks first on a terminal; elsewhere (a script) --yes is needed.

Examples:
  peerid delete fd2f
  peerid delete --yes fd2f1c9a.laptop"
    )]
    Delete(DeleteArgs),

    /// Print an identity's friendly name, or set or reset it
    #[command(
        visible_alias = "rename",
        after_help = "Examples:
  peerid friendly-name fd2f
  peerid rename fd2f 'Home laptop'
  peerid friendly-name fd2f --reset"
    )]
    FriendlyName(FriendlyNameArgs),

    /// Print the default identity's peer name (creating it on first use), or move the mark
    #[command(
        after_help = "When there is no default identity (first use, or after it was deleted),
a new one is created and stderr says so.

Examples:
  peerid default
  peerid default --set fd2f"
    )]
    Default(DefaultArgs),

    /// Print an identity's PEERIDENTITYINFO document (public: safe to give to anyone)
    #[command(after_help = "Examples:
  peerid xml fd2f > laptop.xml
  peerid xml            # the default identity")]
    Xml(OptionalNameArg),

    /// Export an identity, private key included, as a password-protected document
    #[command(after_help = "Examples:
  peerid export fd2f -o laptop.peerid --password-file pw.txt
  PW=... peerid export fd2f --password-env PW --legacy > for-old-windows.xml

Without --password-file or --password-env, the password is asked twice on the
terminal. An empty password is refused unless --empty-password is given.
-o over a FIFO, a device, /dev/stdout or /dev/fd/N writes through it; the store's
own files are refused; an existing file is replaced only with --force or a yes at
the terminal.")]
    Export(ExportArgs),

    /// Import an identity from an export document; prints its peer name
    #[command(after_help = "Examples:
  peerid import laptop.peerid --password-file pw.txt
  cat laptop.peerid | peerid import - --password-env PW

An empty password also opens files that Windows wrote with no password.")]
    Import(ImportArgs),

    /// Make a peer name from an identity's authority and a classifier (PeerCreatePeerName)
    #[command(after_help = "Examples:
  peerid peer-name --identity fd2f --classifier chat
  peerid peer-name --classifier printer      # unsecured: 0.printer")]
    PeerName(PeerNameArgs),

    /// Sign data as an SSH signature (ssh-keygen -Y sign's format); prints it
    #[command(after_help = "Examples:
  peerid sign fd2f -n file report.pdf > report.pdf.sig
  peerid sign fd2f -n file report.pdf -o report.pdf.sig

Signing git commits with an identity:
  git config gpg.format ssh
  git config gpg.ssh.program peerid   # peerid answers git's ssh-keygen -Y calls
  git config user.signingkey \"key::$(peerid ssh-key fd2f)\"
  git commit -S -m 'signed by a peer name'")]
    Sign(SignArgs),

    /// Check an SSH signature by a peer; prints "Good signature from PEER"
    #[command(after_help = "Examples:
  peerid verify -I Bob -n file -s report.pdf.sig report.pdf
  peerid verify -I \"$(cat bob.peername)\" -n file -s report.pdf.sig < report.pdf

PEER may be any full peer name, known or not: the signature's key must hash to
its authority. When PEER is one of your identities or in the peer book, the
key must also be the one kept there.")]
    Verify(VerifyArgs),

    /// Print an identity's OpenSSH public key line (`ssh-ed25519 AAAA... PEERNAME`)
    #[command(after_help = "Examples:
  peerid ssh-key fd2f
  peerid ssh-key fd2f | ssh-keygen -l -f -")]
    SshKey(NameArg),

    /// Print OpenSSH allowed_signers lines for every identity and peer, for ssh-keygen -Y verify and git
    #[command(after_help = "Examples:
  peerid allowed-signers > allowed_signers
  ssh-keygen -Y verify -f allowed_signers -I \"$(cat bob.peername)\" -n file -s report.pdf.sig < report.pdf
  git config gpg.ssh.allowedSignersFile \"$PWD/allowed_signers\"")]
    AllowedSigners,

    /// The peer book: other peers' public identities (add, list, show, remove)
    #[command(after_help = "Examples:
  peerid peer add bob.xml --friendly-name Bob
  peerid peer list
  peerid peer show Bob
  peerid peer remove Bob")]
    Peer(PeerArgs),

    /// Mutual TLS 1.3 by peer name, like openssl s_server / s_client (serve, connect)
    #[command(after_help = "Examples:
  peerid tls serve Alice --listen 127.0.0.1:4433 --peer Bob
  peerid tls connect Bob 127.0.0.1:4433 --peer Alice")]
    Tls(TlsArgs),

    /// Seal the store's private keys under a passphrase, unseal them, or say how they are kept
    #[command(after_help = STORE_HELP)]
    Store(StoreArgs),

    /// Print a shell completion script
    #[command(after_help = "Examples:
  peerid completions bash > ~/.local/share/bash-completion/completions/peerid
  peerid completions zsh > ~/.zfunc/_peerid   # with fpath+=(~/.zfunc) in .zshrc
  peerid completions fish > ~/.config/fish/completions/peerid.fish
  peerid completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),

    /// Print the manual page (roff), made from the same definitions as --help
    #[command(after_help = "Examples:
  peerid man | man -l -
  peerid man > ~/.local/share/man/man1/peerid.1")]
    Man,
}

/// `list` options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Aligned columns for people: peer name, key type, default mark, creation time, friendly name
    #[arg(long, short = 'l')]
    pub long: bool,
}

/// `delete` options.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The identity (a peer name, a beginning of one, or a friendly name)
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Delete without asking (needed where stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// GNU Bash
    Bash,
    /// Z shell
    Zsh,
    /// fish
    Fish,
    /// PowerShell
    Powershell,
}

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: ShellArg,
}

/// Key types `create` can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum KeyArg {
    /// Ed25519 (the default)
    #[default]
    Ed25519,
    /// ECDSA on NIST P-256
    P256,
    /// RSA 2048-bit
    Rsa2048,
    /// RSA 3072-bit
    Rsa3072,
    /// RSA 4096-bit
    Rsa4096,
}

/// `create` options.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Classifier: the part after the dot, up to 149 UTF-16 units [default: none]
    #[arg(long, short = 'c', value_name = "C")]
    pub classifier: Option<String>,
    /// Friendly name, up to 255 UTF-16 units [default: the peer name]
    #[arg(long, short = 'f', value_name = "F")]
    pub friendly_name: Option<String>,
    /// Key type
    #[arg(long, short = 'k', value_enum, default_value_t = KeyArg::Ed25519, value_name = "TYPE")]
    pub key: KeyArg,
}

/// A peer name argument.
#[derive(Debug, Args)]
pub struct NameArg {
    /// The identity: a peer name, a beginning of one, or a friendly name (see `peerid list`)
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// An optional peer name argument.
#[derive(Debug, Args)]
pub struct OptionalNameArg {
    /// The identity, as for `show` [default: the default identity]
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

/// `friendly-name` options.
#[derive(Debug, Args)]
pub struct FriendlyNameArgs {
    /// The identity, as for `show`
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The new friendly name [default: print the current one]
    #[arg(value_name = "NEW", conflicts_with = "reset")]
    pub new: Option<String>,
    /// Reset the friendly name to the peer name
    #[arg(long)]
    pub reset: bool,
}

/// `default` options.
#[derive(Debug, Args)]
pub struct DefaultArgs {
    /// Make this identity (as for `show`) the default [default: leave the mark]
    #[arg(long, value_name = "NAME")]
    pub set: Option<String>,
}

/// `peer-name` options.
#[derive(Debug, Args)]
pub struct PeerNameArgs {
    /// Identity (as for `show`) whose authority to use [default: none, giving an unsecured 0.<classifier> name]
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,
    /// Classifier of the new name [default: empty]
    #[arg(long, value_name = "C", default_value = "", hide_default_value = true)]
    pub classifier: String,
}

/// Where a password comes from (never an argument).
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of FILE (without its line end) [default: ask on the terminal]
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
    /// Read the password from the environment variable VAR [default: ask on the terminal]
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

/// `export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The identity, as for `show`
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Write the document to FILE (mode 0600, whole or not at all; a FIFO, device or /dev/stdout is written through) [default: stdout]
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it is an existing regular file, without asking
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Key-derivation iterations [default: 600000, or 2048 with --legacy]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: Option<u32>,
    /// 3DES and HMAC-SHA1 instead of AES-256 and HMAC-SHA256, for readers that predate AES PFX files (old Windows, Java, macOS) [default: AES-256]
    #[arg(long)]
    pub legacy: bool,
    /// Allow an empty password (anyone holding the file can read the key); without --password-file or --password-env, none is asked for
    #[arg(long)]
    pub empty_password: bool,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export document [default: stdin; `-` is stdin too]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Refuse documents whose key derivation asks for more iterations than N
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..),
          default_value_t = peerid::ImportOptions::default().max_iterations)]
    pub max_iterations: u32,
    #[command(flatten)]
    pub password: PasswordArgs,
}
