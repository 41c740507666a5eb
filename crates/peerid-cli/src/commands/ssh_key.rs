//! `ssh-key` and `allowed-signers`: the public keys of identities (and,
//! for `allowed-signers`, of the peer book's peers) in OpenSSH's formats
//! (docs/design.md §9).

use peerid::{PeerName, PublicKey, Store};
use serde::Serialize;

use super::identity_name;
use crate::error::Result;
use crate::output::{Json, Reply};

/// `{"fingerprint": "SHA256:…", "key_type": "…", "peer_name": "…", "ssh_key": "ssh-ed25519 AAAA… PEERNAME"}`
#[derive(Debug, Serialize)]
pub struct SshKeyJson {
    /// As `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// As `--key` names it.
    pub key_type: String,
    /// The identity.
    pub peer_name: String,
    /// The line `ssh-key` prints.
    pub ssh_key: String,
}

/// One line of `allowed-signers --json`'s array:
/// `{"line": "PEERNAME ssh-ed25519 AAAA…", "peer_name": "…"}`
#[derive(Debug, Serialize)]
pub struct AllowedSignerJson {
    /// The allowed_signers line.
    pub line: String,
    /// Its principal.
    pub peer_name: String,
}

pub fn ssh_key(store: &Store, name: &str) -> Result<Reply> {
    let name = identity_name(store, name)?;
    let key = store.public_key(&name)?;
    // A secure peer name is hex, a dot and a classifier; a classifier with
    // spaces or controls would not be one comment field, so those are
    // written as `?` (the key is what counts; the name is a label here).
    let line = format!("{} {}", key.to_openssh(), comment_safe(&name.to_string()));
    Ok(Reply {
        json: Json::SshKey(SshKeyJson {
            fingerprint: key.openssh_fingerprint(),
            key_type: key.key_type().name(),
            peer_name: name.to_string(),
            ssh_key: line.clone(),
        }),
        text: line,
    })
}

/// Our identities, then the peers of the peer book (one of our own
/// identities may be in the book too: it is listed once).
pub fn allowed_signers(store: &Store) -> Result<Reply> {
    let mut lines = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |name: &PeerName, key: &PublicKey| {
        if seen.insert(name.to_string())
            && let Some(line) = allowed_signer_line(name, key)
        {
            lines.push(AllowedSignerJson {
                line,
                peer_name: name.to_string(),
            });
        }
    };
    for s in store.list()? {
        add(&s.peer_name, &store.public_key(&s.peer_name)?);
    }
    for p in store.peers()? {
        add(p.peer_name(), p.public_key());
    }
    let mut text = String::new();
    for l in &lines {
        text.push_str(&l.line);
        text.push('\n');
    }
    Ok(Reply {
        text,
        json: Json::AllowedSigners(lines),
    })
}

/// `PRINCIPAL KEYTYPE BASE64`: the principal is the peer name, with no
/// `namespaces=` restriction (a peer name signs in any namespace; the
/// verifier names the one it expects). A peer name that an allowed_signers
/// reader would split or misread (space, comma, quote, `#`, `*`, `?`, `!`,
/// a control) cannot be a principal and is left out.
pub fn allowed_signer_line(name: &PeerName, key: &PublicKey) -> Option<String> {
    let principal = name.to_string();
    if principal.chars().any(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '#' | '*' | '?' | '!')
    }) {
        return None;
    }
    Some(format!("{principal} {}", key.to_openssh()))
}

fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '?'
            } else {
                c
            }
        })
        .collect()
}
