//! `peerid store seal | unseal | passphrase | status` (docs/design.md §12).

use std::path::Path;

use peerid::{SealOptions, SealStatus, Store};
use serde::Serialize;

use crate::cli::{PassphraseArgs, SealArgs, StatusArgs, StoreArgs, StoreCommand};
use crate::error::{Error, Result};
use crate::outfile;
use crate::output::{Json, Reply, rfc3339, terminal_safe};
use crate::password;
use crate::unlock;

/// `store status`, and what `seal`, `unseal` and `passphrase` leave.
///
/// `{"keyring", "keyring_error", "keyring_holds_key", "sealed", "sealed_at",
/// "store", "store_id", "unlocked", "work_factor", "wrapped_key_file"}`
#[derive(Debug, Serialize)]
pub struct SealStatusJson {
    /// The store key is also kept in the OS keyring (`seal --keyring`).
    pub keyring: bool,
    /// Why the OS keyring could not be asked (`status` only), else null.
    pub keyring_error: Option<String>,
    /// Whether the OS keyring holds the store key now (`status` of a store
    /// sealed with `--keyring`), else null.
    pub keyring_holds_key: Option<bool>,
    /// Whether the store is sealed.
    pub sealed: bool,
    /// When it was sealed (RFC 3339, UTC), else null.
    pub sealed_at: Option<String>,
    /// The store's directory.
    pub store: String,
    /// The store's id, which names its keyring entry, else null.
    pub store_id: Option<String>,
    /// Whether this command held the store key (from the keyring, or the
    /// passphrase it was given).
    pub unlocked: bool,
    /// The scrypt work factor (log2 N) of the wrapped store key, else null.
    pub work_factor: Option<u8>,
    /// The file `--export-wrapped-key` wrote, else null.
    pub wrapped_key_file: Option<String>,
}

/// What the keyring said when `status` asked it.
#[derive(Default)]
struct KeyringCheck {
    holds_key: Option<bool>,
    error: Option<String>,
}

pub fn run(store: &mut Store, args: &StoreArgs, passphrase_file: Option<&Path>) -> Result<Reply> {
    match &args.command {
        StoreCommand::Seal(a) => seal(store, a, passphrase_file),
        StoreCommand::Unseal => unseal(store, passphrase_file),
        StoreCommand::Passphrase(a) => passphrase(store, a, passphrase_file),
        StoreCommand::Status(a) => status(store, a),
    }
}

fn seal(store: &mut Store, args: &SealArgs, passphrase_file: Option<&Path>) -> Result<Reply> {
    if store.is_sealed()? {
        return Err(Error::AlreadySealed {
            path: store.dir().to_owned(),
        });
    }
    let passphrase = password::new_passphrase(passphrase_file)?;
    let opts = SealOptions {
        work_factor: args.work_factor,
        keyring: args.keyring,
    };
    if let Err(e) = store.seal(&passphrase, &opts) {
        // The keyring is tried first: when it fails, the store is still
        // unsealed. A failure after the commit (the scrub) is said as is.
        let unchanged = !store.is_sealed().unwrap_or(true);
        // Only the keyring's own failure (not a full disk, say) is said as
        // one: the library names the OS keyring in its context.
        let keyring_failed = matches!(&e, peerid::Error::Failed { context, .. }
            if context.contains("the OS keyring"));
        return Err(if args.keyring && unchanged && keyring_failed {
            Error::Keyring {
                reason: e.to_string(),
            }
        } else {
            e.into()
        });
    }
    drop(passphrase);
    let keys = store.list()?.len();
    let status = store.seal_status()?;
    let text = format!(
        "sealed the store at {}: {keys} private key{} encrypted under a new store key, which is {}.\n\
         Keep the passphrase: without it{} every key in this store is lost, \
         except those you have exported.",
        shown_dir(store),
        if keys == 1 { "" } else { "s" },
        kept(&status),
        if status.keyring {
            " and the keyring entry"
        } else {
            ""
        },
    );
    Ok(reply(store, &status, text, KeyringCheck::default(), None))
}

fn unseal(store: &mut Store, passphrase_file: Option<&Path>) -> Result<Reply> {
    let before = sealed_status(store)?;
    unlock::unlock(store, passphrase_file)?;
    store.unseal()?;
    let keys = store.list()?.len();
    let status = store.seal_status()?;
    let text = format!(
        "unsealed the store at {}: {keys} private key{} stored in plain PKCS#8 again, protected only by the files' modes{}.",
        shown_dir(store),
        if keys == 1 { "" } else { "s" },
        if before.keyring {
            "; its OS keyring entry was removed if the keyring could be reached and held this store's key"
        } else {
            ""
        },
    );
    Ok(reply(store, &status, text, KeyringCheck::default(), None))
}

fn passphrase(
    store: &mut Store,
    args: &PassphraseArgs,
    passphrase_file: Option<&Path>,
) -> Result<Reply> {
    sealed_status(store)?;
    // Where the new passphrase comes from is checked before the old one
    // costs a scrypt run.
    if args.new_passphrase_file.is_none() && !password::can_prompt() {
        return Err(Error::NewPassphraseNoTerminal);
    }
    unlock::unlock(store, passphrase_file)?;
    let new = password::new_passphrase(args.new_passphrase_file.as_deref())?;
    store.change_passphrase(&new, args.work_factor)?;
    drop(new);
    let status = store.seal_status()?;
    let text = format!(
        "changed the passphrase of the store at {}: its store key is now {}; the key rows are unchanged.",
        shown_dir(store),
        kept(&status),
    );
    Ok(reply(store, &status, text, KeyringCheck::default(), None))
}

fn status(store: &mut Store, args: &StatusArgs) -> Result<Reply> {
    let mut written = None;
    if let Some(path) = &args.export_wrapped_key {
        // InvalidArgument from the library when the store is not sealed.
        sealed_status(store)?;
        outfile::refuse_store_files(path, store)?;
        let existing = outfile::existing(path, args.force)?;
        crate::interrupt::install()?;
        let wrapped = store.wrapped_store_key()?;
        outfile::write_with(path, &wrapped, store, existing)?;
        written = Some(path.display().to_string());
    }
    let status = store.seal_status()?;
    let mut check = KeyringCheck::default();
    if status.sealed && status.keyring {
        match store.unlock_from_keyring() {
            Ok(holds) => check.holds_key = Some(holds),
            Err(e) => check.error = Some(e.to_string()),
        }
    }
    let status = store.seal_status()?;
    let mut text = format!("store:     {}\n", shown_dir(store));
    if status.sealed {
        let since = status
            .sealed_at
            .map(|t| format!(" (since {})", rfc3339(t)))
            .unwrap_or_default();
        text.push_str(&format!("sealed:    yes{since}\n"));
        text.push_str(&format!("store key: {}\n", kept(&status)));
        if status.keyring {
            let state = match (&check.holds_key, &check.error) {
                (Some(true), _) => "holds the store key: no passphrase is asked".to_owned(),
                (Some(false), _) => {
                    "holds no (current) store key: the passphrase is asked".to_owned()
                }
                (None, Some(e)) => format!(
                    "cannot be reached ({}): the passphrase is asked",
                    terminal_safe(e)
                ),
                (None, None) => "not asked".to_owned(),
            };
            text.push_str(&format!("keyring:   {state}\n"));
        }
        if let Some(id) = &status.store_id {
            text.push_str(&format!("store id:  {id}\n"));
        }
    } else {
        text.push_str(
            "sealed:    no (private keys are stored in plain PKCS#8, protected only by the files' modes; `peerid store seal` encrypts them)\n",
        );
    }
    if let Some(file) = &written {
        text.push_str(&format!(
            "wrote the wrapped store key to {} (`age -d` opens it with the passphrase)\n",
            terminal_safe(file)
        ));
    }
    Ok(reply(store, &status, text, check, written))
}

/// The store's seal, or [`Error::NotSealed`].
fn sealed_status(store: &Store) -> Result<SealStatus> {
    let status = store.seal_status()?;
    if !status.sealed {
        return Err(Error::NotSealed {
            path: store.dir().to_owned(),
        });
    }
    Ok(status)
}

/// Where the store key of a sealed store is kept, in words.
fn kept(status: &SealStatus) -> String {
    let mut s = "wrapped with your passphrase in the store (age, scrypt".to_owned();
    if let Some(n) = status.work_factor {
        s.push_str(&format!(" work factor {n}"));
    }
    s.push(')');
    if status.keyring {
        s.push_str(" and kept in the OS keyring");
    }
    s
}

fn shown_dir(store: &Store) -> String {
    terminal_safe(&store.dir().display().to_string()).into_owned()
}

fn reply(
    store: &Store,
    status: &SealStatus,
    text: String,
    check: KeyringCheck,
    wrapped_key_file: Option<String>,
) -> Reply {
    Reply {
        text,
        json: Json::SealStatus(SealStatusJson {
            keyring: status.keyring,
            keyring_error: check.error,
            keyring_holds_key: check.holds_key,
            sealed: status.sealed,
            sealed_at: status.sealed_at.map(rfc3339),
            store: store.dir().display().to_string(),
            store_id: status.store_id.clone(),
            unlocked: status.unlocked,
            work_factor: status.work_factor,
            wrapped_key_file,
        }),
    }
}
