//! One module per command; each turns parsed arguments into a [`Reply`].

mod completions;
mod create;
mod default;
mod delete;
mod export;
mod friendly_name;
mod import;
mod list;
mod man;
mod peer;
mod peer_name;
mod show;
mod sign;
mod ssh_key;
mod store;
mod tls;
mod xml;

pub use sign::{SignedJson, VerifiedJson, open_data, read_signature};
pub use ssh_key::{AllowedSignerJson, SshKeyJson};
pub use store::SealStatusJson;

use std::path::Path;

use peerid::{PeerName, Store};

use crate::cli::Command;
use crate::error::Result;
use crate::output::Output;

/// Runs one command against the store in `store_dir` (or the default store);
/// a sealed store is unlocked with `passphrase_file` (`--passphrase-file` or
/// `$PEERID_PASSPHRASE_FILE`) and the rest of [`crate::unlock`]'s order
/// when the command needs a private key.
pub fn run(
    command: &Command,
    store_dir: Option<&Path>,
    passphrase_file: Option<&Path>,
    json: bool,
) -> Result<Output> {
    // peer-name without an identity needs no store; don't create one for it.
    if let Command::PeerName(args) = command
        && args.identity.is_none()
    {
        return peer_name::unsecured(args).map(Output::from);
    }
    // Neither do the completion scripts and the manual.
    match command {
        Command::Completions(args) => return Ok(completions::run(args)),
        Command::Man => return man::run(),
        _ => {}
    }
    if holds_secrets(command) {
        not_dumpable()?;
    }
    let mut store = match store_dir {
        Some(dir) => Store::open(dir)?,
        None => Store::open_default()?,
    };
    if needs_key(command) {
        crate::unlock::unlock(&mut store, passphrase_file)?;
    }
    let pf = passphrase_file;
    let reply = match command {
        Command::List(args) => return list::run(&store, args, json),
        Command::Peer(args) => return peer::run(&store, args, json),
        Command::Tls(args) => return tls::run(&store, args, json),
        Command::Store(args) => store::run(&mut store, args, pf),
        Command::Create(args) => create::run(&store, args),
        Command::Show(args) => show::run(&store, &args.name),
        Command::Delete(args) => delete::run(&store, args),
        Command::FriendlyName(args) => friendly_name::run(&store, args),
        // They need a key only when they create the default identity.
        Command::Default(args) => {
            crate::unlock::when_needed(&mut store, pf, |s| default::run(s, args))
        }
        Command::Xml(args) => {
            crate::unlock::when_needed(&mut store, pf, |s| xml::run(s, args.name.as_deref()))
        }
        // Unlocks once the name and the -o file are known to be right.
        Command::Export(args) => export::run(&mut store, args, pf),
        Command::Import(args) => import::run(&store, args),
        Command::PeerName(args) => peer_name::run(&store, args),
        // Answered above, before the store is opened.
        Command::Completions(args) => return Ok(completions::run(args)),
        Command::Man => return man::run(),
        Command::Sign(args) => sign::sign(&store, args),
        Command::Verify(args) => sign::verify(&store, args),
        Command::SshKey(args) => ssh_key::ssh_key(&store, &args.name),
        Command::AllowedSigners => ssh_key::allowed_signers(&store),
    };
    reply.map(Output::from)
}

/// Whether the command needs a private key of the store (so a sealed store
/// is unlocked before it runs). `export` unlocks after its own checks,
/// `default` and `xml` only when they must create the default identity,
/// `store` as each subcommand needs.
fn needs_key(command: &Command) -> bool {
    matches!(
        command,
        Command::Create(_) | Command::Import(_) | Command::Sign(_) | Command::Tls(_)
    )
}

/// Whether the command may hold a decrypted private key or a password: a new
/// key (`create`, and `default`, which creates one on first use), an export,
/// an import, a signature, a TLS session, a store's passphrase or store key
/// (`store`, and `xml`, which may create the default identity too).
fn holds_secrets(command: &Command) -> bool {
    matches!(
        command,
        Command::Create(_)
            | Command::Default(_)
            | Command::Export(_)
            | Command::Import(_)
            | Command::Sign(_)
            | Command::Tls(_)
            | Command::Store(_)
            | Command::Xml(_)
    )
}

/// Marks the process not dumpable before any secret is in memory: no core
/// file, and other processes of the same user can neither ptrace it nor
/// read its /proc/<pid>/mem (docs/design.md §6: keys held only as long as needed).
/// The flag stays for the rest of the process, which is short.
#[cfg(target_os = "linux")]
pub(crate) fn not_dumpable() -> Result<()> {
    use rustix::process::{DumpableBehavior, set_dumpable_behavior};
    set_dumpable_behavior(DumpableBehavior::NotDumpable)
        .map_err(|e| crate::error::Error::NotDumpable { source: e.into() })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn not_dumpable() -> Result<()> {
    Ok(())
}

/// The identity a NAME argument names: a full peer name, an abbreviation
/// of one, or a friendly name ([`crate::resolve`]).
pub(crate) fn identity_name(store: &Store, s: &str) -> Result<PeerName> {
    crate::resolve::identity(store, s)
}
