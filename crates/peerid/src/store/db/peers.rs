//! The peer book's queries (docs/design.md §10): other peers' public
//! identities, one write transaction per change.

use rusqlite::{OptionalExtension, params};

use super::Db;
use super::queries::is_unique_violation;
use crate::error::{Error, Result};

/// One peer as the database holds it: public data only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRecord {
    /// Canonical peer name.
    pub peer_name: String,
    /// Authority hex, for look-ups by key.
    pub authority: String,
    /// Classifier text.
    pub classifier: String,
    /// Friendly name; empty when unset.
    pub friendly_name: String,
    /// Key type as `--key` names it.
    pub key_type: String,
    /// DER of the IDC, exactly as the peer's document carried it.
    pub certificate: Vec<u8>,
    /// When it was added, seconds since the Unix epoch.
    pub added_at: i64,
}

const COLUMNS: &str =
    "peer_name, authority, classifier, friendly_name, key_type, certificate, added_at";

fn peer_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PeerRecord> {
    Ok(PeerRecord {
        peer_name: row.get(0)?,
        authority: row.get(1)?,
        classifier: row.get(2)?,
        friendly_name: row.get(3)?,
        key_type: row.get(4)?,
        certificate: row.get(5)?,
        added_at: row.get(6)?,
    })
}

impl Db {
    /// Adds a peer; [`Error::AlreadyExists`] (and nothing changed) if one of
    /// that peer name is already in the book, whatever its key.
    pub fn insert_peer(&self, r: &PeerRecord) -> Result<()> {
        let tx = self.write_tx()?;
        let res = tx.execute(
            &format!("INSERT INTO peer ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![
                r.peer_name,
                r.authority,
                r.classifier,
                r.friendly_name,
                r.key_type,
                r.certificate,
                r.added_at
            ],
        );
        match res {
            Ok(_) => tx.commit().map_err(|e| self.err(e)),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                peer_name: r.peer_name.clone(),
            }),
            Err(e) => Err(self.err(e)),
        }
    }

    /// One peer; [`Error::NotFound`] if absent.
    pub fn peer(&self, peer_name: &str) -> Result<PeerRecord> {
        if !self.has_peer_book {
            return Err(Error::NotFound {
                peer_name: peer_name.into(),
            });
        }
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM peer WHERE peer_name = ?1"),
                [peer_name],
                peer_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::NotFound {
                peer_name: peer_name.into(),
            })
    }

    /// Calls `f` with every peer, ordered by peer name, one at a time.
    pub fn peers_each(&self, mut f: impl FnMut(PeerRecord) -> Result<()>) -> Result<()> {
        if !self.has_peer_book {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM peer ORDER BY peer_name"))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], peer_row).map_err(|e| self.err(e))?;
        for row in rows {
            f(row.map_err(|e| self.err(e))?)?;
        }
        Ok(())
    }

    /// Removes one peer; [`Error::NotFound`] if absent. Its row is zeroed in
    /// the database's pages (`secure_delete`) and the log checkpointed, as
    /// [`Db::delete`] does for an identity.
    pub fn remove_peer(&self, peer_name: &str) -> Result<()> {
        self.delete_row("DELETE FROM peer WHERE peer_name = ?1", peer_name)
    }
}
