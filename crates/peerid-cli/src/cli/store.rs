//! The shape of `peerid store` (docs/design.md §12: keys at rest): seal,
//! unseal, passphrase, status. Clap types only.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// What sealing does and does not do, shown by `peerid store --help`.
pub const STORE_HELP: &str = "\
Sealing encrypts every private key in the store under a random store key,
and wraps that store key with a passphrase (the age format, scrypt). A
sealed store's files (a backup, a synced home directory, a stolen disk)
give away no private key without the passphrase.

It does not protect keys from someone who can run commands as you while the
store is unlocked, read the passphrase file, or read the OS keyring you chose
to keep the store key in. Everything public (list, show, xml, ssh-key, the
peer book, verify, friendly names, delete) works on a sealed store with no
passphrase.

Commands that need a private key (export, sign, tls, create, import, and
default when it creates one) unlock the store from, in order: the OS keyring
(if chosen with `store seal --keyring`), --passphrase-file FILE, the file
named by $PEERID_PASSPHRASE_FILE, the terminal.

Forgetting the passphrase loses every key in the store, unless the OS
keyring still holds the store key or you have an export of each identity
(`peerid export`). There is no other way back.

Examples:
  peerid store seal
  peerid store status
  peerid --passphrase-file pp.txt export fd2f -o laptop.peerid --password-file pw.txt
  peerid store unseal";

/// The `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Seal the store: encrypt every private key under a passphrase
    #[command(
        after_help = "The new passphrase is read from --passphrase-file FILE (its first line),
else from the file $PEERID_PASSPHRASE_FILE names, else asked twice on the
terminal. An empty passphrase is refused.

Forgetting the passphrase loses every key in the store, unless the OS keyring
holds the store key (--keyring) or you have an export of each identity.

Examples:
  peerid store seal
  peerid store seal --keyring          # also keep the store key in the OS keyring
  peerid --passphrase-file pp.txt store seal --work-factor 16"
    )]
    Seal(SealArgs),

    /// Unseal the store: decrypt every private key back into the store
    #[command(
        after_help = "Unlocks the store as every command that needs a private key does: the OS
keyring (if chosen), --passphrase-file, $PEERID_PASSPHRASE_FILE, the terminal.
Afterwards the keys are protected only by the files' modes again, and the
keyring entry, if any, is removed.

Examples:
  peerid store unseal
  peerid --passphrase-file pp.txt store unseal"
    )]
    Unseal,

    /// Change the passphrase of a sealed store (the key rows stay as they are)
    #[command(
        after_help = "The store is unlocked as for any command that needs a private key: its store
key from the OS keyring, if chosen, else the current passphrase (read from the
file named by --passphrase-file or $PEERID_PASSPHRASE_FILE, else asked on the
terminal). The new passphrase comes from --new-passphrase-file, else is asked
twice on the terminal. Only the wrapped store key changes: an old copy of
the store's files still opens with the old passphrase.

Examples:
  peerid store passphrase
  peerid --passphrase-file old.txt store passphrase --new-passphrase-file new.txt"
    )]
    Passphrase(PassphraseArgs),

    /// Say whether the store is sealed, and where its store key is kept
    #[command(
        after_help = "The wrapped store key written by --export-wrapped-key is an age file:
`age -d FILE` with the passphrase gives the 32 bytes of the store key. Keep it
with a backup of the store to be sure of what the passphrase opens.

Examples:
  peerid store status
  peerid --json store status
  peerid store status --export-wrapped-key store-key.age"
    )]
    Status(StatusArgs),
}

/// The work factors the library takes.
fn work_factor() -> clap::builder::RangedI64ValueParser<u8> {
    clap::value_parser!(u8)
        .range(i64::from(peerid::MIN_SEAL_WORK_FACTOR)..=i64::from(peerid::MAX_SEAL_WORK_FACTOR))
}

/// `store` options.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// What to do
    #[command(subcommand)]
    pub command: StoreCommand,
}

/// `store seal` options.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Also keep the store key in the OS keyring (Secret Service, Keychain, Credential Manager), so that no passphrase is asked while it is there
    #[arg(long)]
    pub keyring: bool,
    /// scrypt work factor (log2 of N) of the wrapped store key, 10 to 22 [default: age's choice, 1 to 2 seconds]
    #[arg(long, value_name = "N", value_parser = work_factor())]
    pub work_factor: Option<u8>,
}

/// `store passphrase` options.
#[derive(Debug, Args)]
pub struct PassphraseArgs {
    /// Read the new passphrase from the first line of FILE [default: ask twice on the terminal]
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: Option<PathBuf>,
    /// scrypt work factor (log2 of N) of the newly wrapped store key, 10 to 22 [default: age's choice, 1 to 2 seconds]
    #[arg(long, value_name = "N", value_parser = work_factor())]
    pub work_factor: Option<u8>,
}

/// `store status` options.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Write the wrapped store key (an age file) to FILE (mode 0600, whole or not at all)
    #[arg(long, value_name = "FILE")]
    pub export_wrapped_key: Option<PathBuf>,
    /// Replace FILE if it is an existing regular file, without asking
    #[arg(long, requires = "export_wrapped_key")]
    pub force: bool,
}
