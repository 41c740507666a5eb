//! The queries of a sealed store (docs/design.md §12): the `seal` row, and
//! sealing, unsealing and re-wrapping, each one write transaction, then a
//! scrub of the files.

use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::{Db, WriteTx};
use crate::error::{Error, Result};
use crate::store::sealing::StoreKey;

/// The `seal` row: present exactly when the store is sealed.
pub struct SealRow {
    /// The age file wrapping the store key.
    pub wrapped_key: Vec<u8>,
    /// What recognises the store key ([`StoreKey::matches`]).
    pub key_check: Vec<u8>,
    /// Random, names the OS keyring entry.
    pub store_id: String,
    /// Whether the user chose to keep the store key in the OS keyring.
    pub keyring: bool,
    /// When it was sealed, seconds since the Unix epoch.
    pub sealed_at: i64,
    /// Whether a scrub of the files is still owed ([`Db::finish_scrub`]).
    pub scrub_pending: bool,
}

/// What is being sealed: the wrapped key and its setting.
pub struct NewSeal<'a> {
    pub key: &'a StoreKey,
    pub wrapped_key: &'a [u8],
    pub store_id: &'a str,
    pub keyring: bool,
    pub sealed_at: i64,
}

impl Db {
    /// The seal row, if the store is sealed.
    pub fn seal_row(&self) -> Result<Option<SealRow>> {
        if !self.has_seal {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT wrapped_key, key_check, store_id, keyring, sealed_at, scrub_pending
                 FROM seal WHERE id = 1",
                [],
                |r| {
                    Ok(SealRow {
                        wrapped_key: r.get(0)?,
                        key_check: r.get(1)?,
                        store_id: r.get(2)?,
                        keyring: r.get(3)?,
                        sealed_at: r.get(4)?,
                        scrub_pending: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The seal's key check as `tx` sees it, if the store is sealed.
    pub(super) fn seal_check_in(&self, tx: &rusqlite::Transaction<'_>) -> Result<Option<Vec<u8>>> {
        if !self.has_seal {
            return Ok(None);
        }
        tx.query_row("SELECT key_check FROM seal WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The key to seal new rows with in `tx`: `None` for an unsealed store;
    /// [`Error::StoreLocked`] if the store is sealed and `key` is not its key.
    pub(super) fn sealing_key<'k>(
        &self,
        tx: &rusqlite::Transaction<'_>,
        key: Option<&'k StoreKey>,
    ) -> Result<Option<&'k StoreKey>> {
        match self.seal_check_in(tx)? {
            None => Ok(None),
            Some(check) => match key {
                Some(k) if k.matches(&check) => Ok(Some(k)),
                Some(_) => {
                    Err(self.locked("; it was sealed again with another key since it was unlocked"))
                }
                None => Err(self.locked("")),
            },
        }
    }

    /// [`Error::StoreLocked`] for this store.
    pub(crate) fn locked(&self, reason: &str) -> Error {
        Error::StoreLocked {
            path: self.dir.path().to_owned(),
            reason: reason.into(),
        }
    }

    /// Seals every key row under `seal.key` and records the seal, in one
    /// transaction; then scrubs the files of the plaintext.
    pub fn seal_all(&self, seal: &NewSeal<'_>) -> Result<()> {
        let tx = self.write_tx()?;
        if self.seal_check_in(&tx)?.is_some() {
            return Err(Error::InvalidArgument(
                "the store is already sealed (`store passphrase` changes its passphrase)".into(),
            ));
        }
        self.rewrite_keys(&tx, |name, key_type, pkcs8| {
            seal.key.seal_row(name, key_type, pkcs8)
        })?;
        tx.execute(
            "INSERT INTO seal (id, wrapped_key, key_check, store_id, keyring, sealed_at,
                 scrub_pending)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, 1)",
            params![
                seal.wrapped_key,
                &seal.key.check()[..],
                seal.store_id,
                seal.keyring,
                seal.sealed_at
            ],
        )
        .map_err(|e| self.err(e))?;
        self.commit_and_scrub(tx)
    }

    /// Decrypts every key row with `key` and drops the seal, in one
    /// transaction. A row that does not decrypt aborts it: nothing changes.
    pub fn unseal_all(&self, key: &StoreKey) -> Result<()> {
        let tx = self.write_tx()?;
        if self.sealing_key(&tx, Some(key))?.is_none() {
            return Err(Error::InvalidArgument("the store is not sealed".into()));
        }
        // The seal row first: while it exists, the schema's triggers refuse
        // a plain key.
        tx.execute("DELETE FROM seal WHERE id = 1", [])
            .map_err(|e| self.err(e))?;
        self.rewrite_keys(&tx, |name, key_type, row| {
            key.open_row(name, key_type, row)
                .map(|pkcs8| pkcs8.to_vec())
                .ok_or_else(|| self.tampered_row(name))
        })?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Replaces the wrapped key (a new passphrase), key rows untouched; then
    /// scrubs the old wrapping from the files.
    pub fn rewrap(&self, key: &StoreKey, wrapped_key: &[u8]) -> Result<()> {
        let tx = self.write_tx()?;
        if self.sealing_key(&tx, Some(key))?.is_none() {
            return Err(Error::InvalidArgument("the store is not sealed".into()));
        }
        tx.execute(
            "UPDATE seal SET wrapped_key = ?1, scrub_pending = 1 WHERE id = 1",
            [wrapped_key],
        )
        .map_err(|e| self.err(e))?;
        self.commit_and_scrub(tx)
    }

    /// The error for a key row that does not open: changed, moved or forged.
    pub(crate) fn tampered_row(&self, peer_name: &str) -> Error {
        self.corrupted(&format!(
            "the sealed key of {peer_name} does not decrypt: it was changed or moved \
             from another identity, and was not used"
        ))
    }

    /// Rewrites every `identity.private_key` through `f(peer_name, key_type,
    /// bytes)` inside `tx`.
    fn rewrite_keys(
        &self,
        tx: &rusqlite::Transaction<'_>,
        mut f: impl FnMut(&str, &str, &[u8]) -> Result<Vec<u8>>,
    ) -> Result<()> {
        let ids: Vec<i64> = {
            let mut stmt = tx
                .prepare("SELECT id FROM identity ORDER BY id")
                .map_err(|e| self.err(e))?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?
        };
        for id in ids {
            let (name, key_type, old): (String, String, Zeroizing<Vec<u8>>) = tx
                .query_row(
                    "SELECT peer_name, key_type, private_key FROM identity WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, Zeroizing::new(r.get(2)?))),
                )
                .map_err(|e| self.err(e))?;
            let new = Zeroizing::new(f(&name, &key_type, &old)?);
            tx.execute(
                "UPDATE identity SET private_key = ?1 WHERE id = ?2",
                params![&new[..], id],
            )
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Commits `tx`, then, still holding the writers' locks, scrubs the
    /// files ([`Db::scrub`]). An error after the commit says that the
    /// change is made.
    fn commit_and_scrub(&self, tx: WriteTx<'_>) -> Result<()> {
        let WriteTx {
            tx,
            _file,
            _process,
        } = tx;
        tx.commit().map_err(|e| self.err(e))?;
        self.scrub()
    }

    /// Finishes a scrub that a seal or new wrapping left owed (the process
    /// was killed after its commit, or a reader kept it from finishing), as
    /// [`Db::scrub`] does. Called on every writable open; a failure here
    /// leaves it owed for the next one.
    pub(super) fn finish_scrub(&self) {
        if !self.has_seal || self.read_only {
            return;
        }
        let pending = |conn: &rusqlite::Connection| {
            conn.query_row("SELECT scrub_pending FROM seal WHERE id = 1", [], |r| {
                r.get::<_, bool>(0)
            })
            .optional()
            .map(|p| p.unwrap_or(false))
        };
        if !self
            .seal_row()
            .ok()
            .flatten()
            .is_some_and(|r| r.scrub_pending)
        {
            return;
        }
        let Ok(tx) = self.write_tx() else { return };
        if pending(&tx).unwrap_or(false) {
            let _ = self.commit_and_scrub(tx);
        }
    }

    /// Moves the log into the database, rebuilds it (`VACUUM`: no old row
    /// version or free page survives; `secure_delete` zeroes what is
    /// freed), clears the seal's `scrub_pending` and truncates the log, so
    /// that no earlier version of a changed row is left in any of the
    /// store's files. The caller holds the writers' locks. Waits for
    /// readers (the busy timeout); if one keeps an old snapshot open past
    /// it, says so.
    fn scrub(&self) -> Result<()> {
        let checkpoint = |conn: &rusqlite::Connection| -> rusqlite::Result<bool> {
            // (busy, log frames, checkpointed frames): busy = 1 if a reader
            // kept it from finishing.
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|busy| busy == 0)
        };
        let made = |reason: String| Error::Failed {
            context: format!("scrubbing {}", self.path.display()),
            reason: format!(
                "the change is made, but earlier versions of its rows may remain in the \
                 store's files until a later peerid command finishes the scrub: {reason}"
            ),
        };
        let done = checkpoint(&self.conn)
            .and_then(|ok| {
                if !ok {
                    return Ok(false);
                }
                self.conn
                    .execute_batch("VACUUM; UPDATE seal SET scrub_pending = 0 WHERE id = 1;")?;
                checkpoint(&self.conn)
            })
            .map_err(|e| made(self.err(e).to_string()))?;
        if done {
            return Ok(());
        }
        Err(made(
            "another process kept reading the store past the busy timeout".into(),
        ))
    }
}
