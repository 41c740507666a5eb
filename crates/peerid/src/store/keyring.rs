//! The OS keyring, where a user may keep a sealed store's key (docs/design.md
//! §12): Secret Service on Linux and the BSDs, Credential Manager on
//! Windows, Keychain on macOS, through `keyring-core` and the keyring
//! project's store for each.
//!
//! Each call runs on a thread of its own and is given [`KEYRING_TIMEOUT`]:
//! a Secret Service that never answers (or waits on a prompt no one sees)
//! makes it fail with a message, never hang.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::store::sealing::StoreKey;

/// How long one keyring call may take.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(20);

/// The keyring entry's service name.
pub const SERVICE: &str = "peerid";

/// The entry's user name for the store of `store_id`.
pub fn user_of(store_id: &str) -> String {
    format!("store key {store_id}")
}

/// The platform's credential store.
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    {
        Ok(dbus_secret_service_keyring_store::Store::new()?)
    }
    #[cfg(target_os = "windows")]
    {
        Ok(windows_native_keyring_store::Store::new()?)
    }
    #[cfg(target_os = "macos")]
    {
        Ok(apple_native_keyring_store::keychain::Store::new()?)
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "windows",
        target_os = "macos"
    )))]
    {
        Err(keyring_core::Error::NotSupportedByStore(
            "no OS keyring is known on this platform".into(),
        ))
    }
}

/// What the platform's keyring is called, for messages.
pub fn name() -> &'static str {
    if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else {
        "Secret Service"
    }
}

/// Runs `op` on the entry of `store_id`, on its own thread, within
/// [`KEYRING_TIMEOUT`].
fn with_entry<T: Send + 'static>(
    store_id: &str,
    what: &'static str,
    op: impl FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
) -> Result<T> {
    let failed = |reason: String| Error::Failed {
        context: format!("{what} the OS keyring ({})", name()),
        reason,
    };
    // The id comes from the database: only what `seal` writes (32 hex
    // digits) may name an entry, so a changed store cannot reach another.
    if store_id.len() != 32
        || !store_id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(failed("the store's id is damaged".into()));
    }
    let user = user_of(store_id);
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("peerid-keyring".into())
        .spawn(move || {
            let result = platform_store()
                .and_then(|store| Entry::new_in_store(&store, SERVICE, &user))
                .and_then(|entry| op(&entry));
            let _ = tx.send(result);
        });
    spawned.map_err(|e| failed(e.to_string()))?;
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(failed(describe(&e))),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(failed(format!(
            "it did not answer within {} s (is it running and unlocked?)",
            KEYRING_TIMEOUT.as_secs()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(failed("the keyring library failed unexpectedly".into()))
        }
    }
}

fn describe(e: &keyring_core::Error) -> String {
    match e {
        keyring_core::Error::NoStorageAccess(inner)
        | keyring_core::Error::PlatformFailure(inner) => {
            format!("{e} ({inner})")
        }
        _ => e.to_string(),
    }
}

/// Stores `key` as the entry of `store_id`.
pub fn put(store_id: &str, key: &StoreKey) -> Result<()> {
    let hex = key.to_hex();
    with_entry(store_id, "storing the store key in", move |entry| {
        entry.set_password(&hex)
    })
}

/// The entry of `store_id`, if there is one, as text (the key in hex).
pub fn get(store_id: &str) -> Result<Option<Zeroizing<String>>> {
    with_entry(
        store_id,
        "reading the store key from",
        |entry| match entry.get_password() {
            Ok(p) => Ok(Some(Zeroizing::new(p))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        },
    )
}

/// Removes the entry of `store_id`; none there is not an error.
pub fn delete(store_id: &str) -> Result<()> {
    with_entry(
        store_id,
        "removing the store key from",
        |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        },
    )
}
