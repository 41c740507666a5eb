//! `peerid peer ...`: the peer book's clap types (docs/design.md §10).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `peer` and its subcommand.
#[derive(Debug, Args)]
pub struct PeerArgs {
    #[command(subcommand)]
    pub command: PeerCommand,
}

/// The peer book's commands.
#[derive(Debug, Subcommand)]
pub enum PeerCommand {
    /// Add another peer from its PEERIDENTITYINFO document (`peerid xml` on their side); prints its peer name
    #[command(after_help = "Examples:
  peerid peer add bob.xml --friendly-name Bob
  ssh bob@host peerid xml | peerid peer add -
The document's certificate must carry a valid self-signature and the peer
name it proves. A peer already in the book is never replaced: remove it first.")]
    Add(PeerAddArgs),

    /// List the peer book, one \"peer name<TAB>friendly name\" line each
    #[command(
        after_help = "Control characters and bidirectional overrides in names are shown
as \\u{..} escapes; --json gives the exact text.

Example:
  peerid peer list | cut -f1"
    )]
    List,

    /// Show one peer: name, friendly name, key type, authority, classifier, when added
    #[command(after_help = "Example:
  peerid peer show 5d4c...e1.laptop")]
    Show(PeerArg),

    /// Remove a peer from the book (overwritten in the store); identities are not touched
    #[command(after_help = "Example:
  peerid peer remove 5d4c...e1.laptop")]
    Remove(PeerArg),
}

/// `peer add` options.
#[derive(Debug, Args)]
pub struct PeerAddArgs {
    /// The PEERIDENTITYINFO document [default: stdin; `-` is stdin too]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Friendly name, up to 255 UTF-16 units [default: the peer name]
    #[arg(long, short = 'f', value_name = "F")]
    pub friendly_name: Option<String>,
}

/// A peer argument.
#[derive(Debug, Args)]
pub struct PeerArg {
    /// The peer's peer name (see `peerid peer list`)
    #[arg(value_name = "PEER")]
    pub peer: String,
}
