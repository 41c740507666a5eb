//! `sign` and `verify`: SSH signatures by identities (docs/design.md §9).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use peerid::{MAX_SSH_SIGNATURE_LEN, SshSignature, Store};
use serde::Serialize;

use super::identity_name;
use crate::cli::{SignArgs, VerifyArgs};
use crate::error::{Error, Result};
use crate::outfile;
use crate::output::{Json, Reply, terminal_safe};

/// `{"namespace": "…", "peer_name": "…", "signature": "-----BEGIN SSH SIGNATURE-----…"}`,
/// or with `-o`, `{"file": "…", "namespace": "…", "peer_name": "…"}`.
#[derive(Debug, Serialize)]
pub struct SignedJson {
    /// The `-o` file written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The namespace signed in.
    pub namespace: String,
    /// The signer.
    pub peer_name: String,
    /// The armoured signature, when printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// `{"good": true, "key_type": "…", "namespace": "…", "peer_name": "…"}`
#[derive(Debug, Serialize)]
pub struct VerifiedJson {
    /// Always true: a signature that does not verify is an error object.
    pub good: bool,
    /// The signer's key type, as `--key` names it.
    pub key_type: String,
    /// The namespace.
    pub namespace: String,
    /// The signer.
    pub peer_name: String,
}

pub fn sign(store: &Store, args: &SignArgs) -> Result<Reply> {
    let name = identity_name(store, &args.name)?;
    let mut existing = outfile::Existing::Keep;
    if let Some(path) = &args.output {
        outfile::refuse_store_files(path, store)?;
        existing = outfile::existing(path, args.force)?;
        crate::interrupt::install()?;
    }
    let identity = store.get(&name)?;
    let signature = identity.sign_ssh(&args.namespace, open_data(args.file.as_deref())?)?;
    drop(identity);
    let text = signature.to_armored();
    let json = |file: Option<String>, signature: Option<String>| {
        Json::Signed(SignedJson {
            file,
            namespace: args.namespace.clone(),
            peer_name: name.to_string(),
            signature,
        })
    };
    match &args.output {
        Some(path) => {
            outfile::write_with(path, text.as_bytes(), store, existing)?;
            Ok(Reply {
                text: String::new(),
                json: json(Some(path.display().to_string()), None),
            })
        }
        None => Ok(Reply {
            json: json(None, Some(text.clone())),
            text,
        }),
    }
}

pub fn verify(store: &Store, args: &VerifyArgs) -> Result<Reply> {
    let peer = crate::resolve::signer(store, &args.peer)?;
    let signature = read_signature(&args.signature)?;
    store.verify(
        &peer,
        &args.namespace,
        open_data(args.file.as_deref())?,
        &signature,
    )?;
    Ok(Reply {
        text: format!("Good signature from {}", terminal_safe(&peer.to_string())),
        json: Json::Verified(VerifiedJson {
            good: true,
            key_type: signature.key_type().name(),
            namespace: args.namespace.clone(),
            peer_name: peer.to_string(),
        }),
    })
}

/// The data to sign or check: a file, or stdin for `-` or none. Read as a
/// stream by the library.
pub fn open_data(file: Option<&Path>) -> Result<Box<dyn Read>> {
    match file {
        None => Ok(Box::new(std::io::stdin().lock())),
        Some(p) if p.as_os_str() == "-" => Ok(Box::new(std::io::stdin().lock())),
        Some(p) => Ok(Box::new(File::open(p).map_err(|source| {
            Error::OpeningDocument {
                path: p.to_owned(),
                source,
            }
        })?)),
    }
}

/// Reads an armoured signature file, never more than one byte past the
/// library's limit.
pub fn read_signature(path: &Path) -> Result<SshSignature> {
    let mut text = String::new();
    let file = File::open(path).map_err(|source| Error::OpeningDocument {
        path: path.to_owned(),
        source,
    })?;
    file.take(MAX_SSH_SIGNATURE_LEN as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|source| Error::ReadingDocument { source })?;
    Ok(SshSignature::from_armored(&text)?)
}
