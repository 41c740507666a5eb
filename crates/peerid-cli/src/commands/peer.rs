//! `peerid peer add|list|show|remove`: the peer book (docs/design.md §10).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use peerid::peer::MAX_INFO_BYTES;
use peerid::{FriendlyName, Peer, PeerName, Store};
use serde::Serialize;

use super::import::read_bounded;
use crate::cli::{PeerAddArgs, PeerArgs, PeerCommand};
use crate::error::{Error, Result};
use crate::output::{Output, rfc3339, terminal_safe, to_json};

/// Runs one `peer` subcommand, rendered in the form asked for.
pub fn run(store: &Store, args: &PeerArgs, json: bool) -> Result<Output> {
    let (text, doc) = match &args.command {
        PeerCommand::Add(a) => {
            let p = add(store, a)?;
            (
                terminal_safe(&p.peer_name().to_string()).into_owned(),
                to_json(&PeerJson::from(&p))?,
            )
        }
        PeerCommand::List => return list(store, json),
        PeerCommand::Show(a) => {
            let p = store.peer(&peer_name(store, &a.peer)?).map_err(in_book)?;
            (show_text(&p), to_json(&PeerJson::from(&p))?)
        }
        PeerCommand::Remove(a) => {
            let name = peer_name(store, &a.peer)?;
            store.remove_peer(&name).map_err(in_book)?;
            let doc = to_json(&RemovedJson {
                peer_name: name.to_string(),
                removed: true,
            })?;
            (String::new(), doc)
        }
    };
    let mut bytes = if json { doc } else { text.into_bytes() };
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    Ok(Output::Rendered(bytes))
}

/// The peer a PEER argument names: a full peer name, a unique beginning of
/// one, or a friendly name one peer has (docs/design.md §7).
pub fn peer_name(store: &Store, arg: &str) -> Result<PeerName> {
    crate::resolve::peer(store, arg)
}

fn add(store: &Store, args: &PeerAddArgs) -> Result<Peer> {
    let friendly = args
        .friendly_name
        .as_deref()
        .map(FriendlyName::new)
        .transpose()?;
    let document = read_bounded(args.file.as_deref(), MAX_INFO_BYTES)?;
    store.add_peer(&document, friendly).map_err(in_book)
}

/// The library's "no identity"/"identity exists" said of the peer book.
fn in_book(e: peerid::Error) -> Error {
    match e {
        peerid::Error::NotFound { peer_name } => Error::PeerNotFound { peer_name },
        peerid::Error::AlreadyExists { peer_name } => Error::PeerExists { peer_name },
        e => e.into(),
    }
}

fn list(store: &Store, json: bool) -> Result<Output> {
    let peers = store.peers()?;
    if json {
        let all: Vec<PeerJson> = peers.iter().map(PeerJson::from).collect();
        let mut out = to_json(&all)?;
        out.push(b'\n');
        return Ok(Output::Rendered(out));
    }
    let mut out = String::new();
    for p in &peers {
        let _ = writeln!(
            out,
            "{}\t{}",
            terminal_safe(&p.peer_name().to_string()),
            terminal_safe(p.friendly_name().as_str())
        );
    }
    Ok(Output::Rendered(out.into_bytes()))
}

fn show_text(p: &Peer) -> String {
    format!(
        "peer name:     {}\nfriendly name: {}\nkey type:      {}\nauthority:     {}\nclassifier:    {}\nadded:         {}\n",
        terminal_safe(&p.peer_name().to_string()),
        terminal_safe(p.friendly_name().as_str()),
        p.idc().key_type(),
        p.peer_name().authority(),
        terminal_safe(p.peer_name().classifier().as_str()),
        rfc3339(p.added_at()),
    )
}

/// One peer: `peer add`, `peer show`, each element of `peer list`.
/// Fields in alphabetical order, as the identities' (output.rs).
#[derive(Debug, Serialize)]
struct PeerJson {
    /// Seconds since the Unix epoch.
    added_at: u64,
    authority: String,
    classifier: String,
    friendly_name: String,
    key_type: String,
    peer_name: String,
}

impl From<&Peer> for PeerJson {
    fn from(p: &Peer) -> PeerJson {
        PeerJson {
            added_at: unix_seconds(p.added_at()),
            authority: p.peer_name().authority().to_string(),
            classifier: p.peer_name().classifier().as_str().to_owned(),
            friendly_name: p.friendly_name().as_str().to_owned(),
            key_type: p.idc().key_type().name(),
            peer_name: p.peer_name().to_string(),
        }
    }
}

/// `{"peer_name": "…", "removed": true}`
#[derive(Debug, Serialize)]
struct RemovedJson {
    peer_name: String,
    removed: bool,
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
