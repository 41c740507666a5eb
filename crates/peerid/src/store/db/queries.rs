//! The queries: one identity in, one out, the list, and each change in
//! one write transaction.

use rusqlite::{ErrorCode, OptionalExtension, params};
use zeroize::Zeroizing;

use std::time::Duration;

use super::{BUSY_TIMEOUT, Db, WriteTx};
use crate::error::{Error, Result};
use crate::store::sealing::StoreKey;

/// One identity as the database holds it.
pub struct Record {
    /// Canonical peer name.
    pub peer_name: String,
    /// Authority hex (or `0`), for look-ups by key.
    pub authority: String,
    /// Classifier text.
    pub classifier: String,
    /// Friendly name; empty when unset.
    pub friendly_name: String,
    /// Key type as `--key` names it.
    pub key_type: String,
    /// PKCS#8 v1 DER of the private key; read from a sealed store, the
    /// sealed row (`Store::plain_key` opens it).
    pub private_key: Zeroizing<Vec<u8>>,
    /// DER of the IDC.
    pub certificate: Vec<u8>,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: i64,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("peer_name", &self.peer_name)
            .field("friendly_name", &self.friendly_name)
            .field("key_type", &self.key_type)
            .field("private_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The columns `list` and `show` need, without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Canonical peer name.
    pub peer_name: String,
    /// Friendly name; empty when unset.
    pub friendly_name: String,
    /// Key type as `--key` names it.
    pub key_type: String,
    /// Whether it is the store's default identity.
    pub is_default: bool,
}

impl Db {
    /// Adds records in one transaction; none is added if any exists. On a
    /// sealed store their keys are sealed under `key`, which must be the
    /// store's ([`Error::StoreLocked`] otherwise).
    pub fn insert(&self, records: &[Record], key: Option<&StoreKey>) -> Result<()> {
        let tx = self.write_tx()?;
        let key = self.sealing_key(&tx, key)?;
        for r in records {
            self.insert_one(&tx, r, key)?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Inserts one record inside the caller's transaction, its key sealed
    /// under `key` if there is one.
    fn insert_one(
        &self,
        tx: &rusqlite::Transaction<'_>,
        r: &Record,
        key: Option<&StoreKey>,
    ) -> Result<()> {
        let sealed;
        let private_key: &[u8] = match key {
            Some(k) => {
                sealed = k.seal_row(&r.peer_name, &r.key_type, &r.private_key)?;
                &sealed
            }
            None => &r.private_key,
        };
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO identity (peer_name, authority, classifier, friendly_name,
                     key_type, private_key, certificate, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(|e| self.err(e))?;
        let res = stmt.execute(params![
            r.peer_name,
            r.authority,
            r.classifier,
            r.friendly_name,
            r.key_type,
            private_key,
            r.certificate,
            r.created_at
        ]);
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                peer_name: r.peer_name.clone(),
            }),
            Err(e) => Err(self.err(e)),
        }
    }

    /// The whole record, key included, and the seal's key check if the
    /// store is sealed (then the key is sealed under the key it checks),
    /// read together.
    pub fn get(&self, peer_name: &str) -> Result<(Record, Option<Vec<u8>>)> {
        let seal = if self.has_seal {
            "(SELECT key_check FROM seal WHERE id = 1)"
        } else {
            "NULL"
        };
        self.conn
            .query_row(
                &format!(
                    "SELECT peer_name, authority, classifier, friendly_name, key_type,
                            private_key, certificate, created_at, {seal}
                     FROM identity WHERE peer_name = ?1"
                ),
                [peer_name],
                |row| {
                    let record = Record {
                        peer_name: row.get(0)?,
                        authority: row.get(1)?,
                        classifier: row.get(2)?,
                        friendly_name: row.get(3)?,
                        key_type: row.get(4)?,
                        private_key: Zeroizing::new(row.get(5)?),
                        certificate: row.get(6)?,
                        created_at: row.get(7)?,
                    };
                    Ok((record, row.get(8)?))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// The IDC of one identity, without reading its key.
    pub fn certificate(&self, peer_name: &str) -> Result<Vec<u8>> {
        self.conn
            .query_row(
                "SELECT certificate FROM identity WHERE peer_name = ?1",
                [peer_name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// One identity's summary.
    pub fn summary(&self, peer_name: &str) -> Result<Summary> {
        self.conn
            .query_row(
                "SELECT i.peer_name, i.friendly_name, i.key_type, d.peer_name IS NOT NULL
                 FROM identity i LEFT JOIN default_identity d ON d.peer_name = i.peer_name
                 WHERE i.peer_name = ?1",
                [peer_name],
                summary_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// Calls `f` with every identity, ordered by peer name, without holding
    /// them all in memory.
    pub fn list_each(&self, mut f: impl FnMut(Summary) -> Result<()>) -> Result<()> {
        let default = self.default_name()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT peer_name, friendly_name, key_type, 0 FROM identity
                 INDEXED BY identity_list ORDER BY peer_name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], summary_row).map_err(|e| self.err(e))?;
        for row in rows {
            let mut s = row.map_err(|e| self.err(e))?;
            s.is_default = default.as_deref() == Some(s.peer_name.as_str());
            f(s)?;
        }
        Ok(())
    }

    /// The creation time of one identity, seconds since the Unix epoch.
    pub fn created_at(&self, peer_name: &str) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT created_at FROM identity WHERE peer_name = ?1",
                [peer_name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// As [`Db::list_each`], with each creation time (seconds since the
    /// Unix epoch). Not a covering-index read: each row's page is read.
    pub fn list_each_created(&self, mut f: impl FnMut(Summary, i64) -> Result<()>) -> Result<()> {
        let default = self.default_name()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT peer_name, friendly_name, key_type, 0, created_at FROM identity
                 ORDER BY peer_name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((summary_row(r)?, r.get::<_, i64>(4)?)))
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (mut s, created) = row.map_err(|e| self.err(e))?;
            s.is_default = default.as_deref() == Some(s.peer_name.as_str());
            f(s, created)?;
        }
        Ok(())
    }

    /// Every identity, ordered by peer name (the tests' view; `Store::list`
    /// builds its own from [`Db::list_each`]).
    #[cfg(test)]
    pub fn list(&self) -> Result<Vec<Summary>> {
        let mut out = Vec::new();
        self.list_each(|s| {
            out.push(s);
            Ok(())
        })?;
        Ok(out)
    }

    /// Removes one identity (and the default mark, if it had it). Its key is
    /// zeroed in the database's pages (`secure_delete`); the write-ahead log
    /// is then checkpointed and truncated if no reader holds a snapshot in
    /// it, without waiting for one that does: the log's old frames are then
    /// overwritten by later checkpoints, and the log is removed when the last
    /// connection closes.
    pub fn delete(&self, peer_name: &str) -> Result<()> {
        self.delete_row("DELETE FROM identity WHERE peer_name = ?1", peer_name)
    }

    /// Runs `delete` (one row by peer name, `?1`) in a write transaction:
    /// [`Error::NotFound`] if it removed none; else commits and checkpoints
    /// as [`Db::delete`] says. The identity and peer-book deletes share it.
    pub(super) fn delete_row(&self, delete: &str, peer_name: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx.execute(delete, [peer_name]).map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        let WriteTx {
            tx,
            _file,
            _process,
        } = tx;
        tx.commit().map_err(|e| self.err(e))?;
        // Still holding the writers' locks, so no peerid writer meets this
        // checkpoint; a reader's snapshot makes it stop, not wait.
        self.checkpoint_without_waiting();
        Ok(())
    }

    /// `wal_checkpoint(TRUNCATE)` with no busy handler: SQLITE_BUSY at once
    /// where TRUNCATE would wait for readers (and with the 30 s busy timeout
    /// did: a `sqlite3` shell in `BEGIN; SELECT ...` made `delete` wait 30 s).
    pub(super) fn checkpoint_without_waiting(&self) {
        if self.conn.busy_timeout(Duration::ZERO).is_ok() {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        let _ = self.conn.busy_timeout(BUSY_TIMEOUT);
    }

    /// Sets the friendly name ("" resets it).
    pub fn set_friendly_name(&self, peer_name: &str, friendly: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx
            .execute(
                "UPDATE identity SET friendly_name = ?2 WHERE peer_name = ?1",
                [peer_name, friendly],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The default identity's peer name, if one is marked.
    pub fn default_name(&self) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT peer_name FROM default_identity WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Marks an existing identity as the default.
    pub fn set_default(&self, peer_name: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM identity WHERE peer_name = ?1)",
                [peer_name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if !exists {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        tx.execute(
            "INSERT OR REPLACE INTO default_identity (id, peer_name) VALUES (1, ?1)",
            [peer_name],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// The default identity's name, creating it with `make` under the write
    /// lock if there is none, so that two processes asking at once agree.
    pub fn default_or_insert_with(
        &self,
        make: impl FnOnce() -> Result<Record>,
        key: Option<&StoreKey>,
    ) -> Result<String> {
        if let Some(name) = self.default_name()? {
            return Ok(name);
        }
        let tx = self.write_tx()?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT peer_name FROM default_identity WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(name) = existing {
            return Ok(name);
        }
        let key = self.sealing_key(&tx, key)?;
        let r = make()?;
        self.insert_one(&tx, &r, key)?;
        tx.execute(
            "INSERT INTO default_identity (id, peer_name) VALUES (1, ?1)",
            [&r.peer_name],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(r.peer_name)
    }

    /// Runs SQLite's integrity check.
    pub fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(self.corrupted(&verdict))
        }
    }
}

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    Ok(Summary {
        peer_name: row.get(0)?,
        friendly_name: row.get(1)?,
        key_type: row.get(2)?,
        is_default: row.get(3)?,
    })
}

/// A UNIQUE or PRIMARY KEY constraint failed (not a trigger's refusal).
pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
    if f.code == ErrorCode::ConstraintViolation
        && matches!(
            f.extended_code,
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        ))
}
