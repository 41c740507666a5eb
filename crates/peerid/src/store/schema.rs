//! The database schema and its migrations.
//!
//! A store is recognised by its SQLite `application_id`; its schema version
//! lives in the `schema_version` table. Each migration takes the schema from
//! version N to N+1 inside the caller's write transaction, so a store is
//! always at one version or the next, never between.

use rusqlite::{Connection, OptionalExtension};

/// `application_id` of a peerid store: "PEER" in ASCII.
pub const APPLICATION_ID: i32 = 0x5045_4552;

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = 3;

/// The first version with the peer book (table `peer`).
pub const PEER_BOOK_VERSION: i64 = 2;

/// The first version that can be sealed (table `seal`).
pub const SEAL_VERSION: i64 = 3;

/// Migrations, index = from-version. `MIGRATIONS[0]` creates version 1.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE schema_version (
         id      INTEGER PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL
     );
     INSERT INTO schema_version (id, version) VALUES (1, 0);
     CREATE TABLE identity (
         id            INTEGER PRIMARY KEY,
         peer_name     TEXT NOT NULL UNIQUE,
         authority     TEXT NOT NULL,
         classifier    TEXT NOT NULL,
         friendly_name TEXT NOT NULL DEFAULT '',
         key_type      TEXT NOT NULL,
         private_key   BLOB NOT NULL,
         certificate   BLOB NOT NULL,
         created_at    INTEGER NOT NULL
     );
     -- Covers `list` so that listing never reads key or certificate pages.
     CREATE INDEX identity_list ON identity (peer_name, friendly_name, key_type);
     CREATE INDEX identity_authority ON identity (authority);
     CREATE TABLE default_identity (
         id        INTEGER PRIMARY KEY CHECK (id = 1),
         peer_name TEXT NOT NULL REFERENCES identity (peer_name) ON DELETE CASCADE
     );",
    // 1 -> 2: the peer book (docs/design.md §10). Public data only: no key
    // column. Not linked to `identity`: deleting an identity leaves peers.
    "CREATE TABLE peer (
         id            INTEGER PRIMARY KEY,
         peer_name     TEXT NOT NULL UNIQUE,
         authority     TEXT NOT NULL,
         classifier    TEXT NOT NULL,
         friendly_name TEXT NOT NULL DEFAULT '',
         key_type      TEXT NOT NULL,
         certificate   BLOB NOT NULL,
         added_at      INTEGER NOT NULL
     );
     CREATE INDEX peer_authority ON peer (authority);",
    // 2 -> 3: keys at rest (docs/design.md §12). The store is sealed when
    // this one row exists; then every identity.private_key is sealed under
    // the store key it wraps. Existing rows are unchanged: plain PKCS#8.
    // `scrub_pending`: a seal or new wrapping committed whose scrub of the
    // files (checkpoint, VACUUM) has not finished yet.
    // The triggers keep a plain key out of a sealed store whatever writes
    // it (an older peerid still running, a shell): a sealed row starts
    // with 0x01 and is longer than nonce and tag; PKCS#8 starts with 0x30.
    "CREATE TABLE seal (
         id            INTEGER PRIMARY KEY CHECK (id = 1),
         wrapped_key   BLOB NOT NULL,
         key_check     BLOB NOT NULL,
         store_id      TEXT NOT NULL,
         keyring       INTEGER NOT NULL,
         sealed_at     INTEGER NOT NULL,
         scrub_pending INTEGER NOT NULL DEFAULT 0
     );
     CREATE TRIGGER identity_sealed_insert BEFORE INSERT ON identity
     WHEN EXISTS (SELECT 1 FROM seal)
          AND (length(NEW.private_key) < 29 OR substr(NEW.private_key, 1, 1) <> x'01')
     BEGIN SELECT RAISE(ABORT, 'a plain private key in a sealed peerid store'); END;
     CREATE TRIGGER identity_sealed_update BEFORE UPDATE OF private_key ON identity
     WHEN EXISTS (SELECT 1 FROM seal)
          AND (length(NEW.private_key) < 29 OR substr(NEW.private_key, 1, 1) <> x'01')
     BEGIN SELECT RAISE(ABORT, 'a plain private key in a sealed peerid store'); END;",
];

/// What an opened database turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// An empty database: make it a store.
    Empty,
    /// A peerid store at this schema version.
    Store(i64),
    /// Something else (another program's database).
    Foreign,
}

/// Looks at an open database without changing it.
pub fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app_id == APPLICATION_ID {
        let version: Option<i64> = conn
            .query_row("SELECT version FROM schema_version WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        return Ok(version.map_or(Found::Foreign, Found::Store));
    }
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(if app_id == 0 && objects == 0 {
        Found::Empty
    } else {
        Found::Foreign
    })
}

/// Brings the schema from `from` to [`CURRENT_VERSION`]. Call inside a write
/// transaction.
pub fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    if from == 0 {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    for (version, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        conn.execute_batch(sql)?;
        conn.execute(
            "UPDATE schema_version SET version = ?1 WHERE id = 1",
            [version as i64 + 1],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_reach_current_version() {
        assert_eq!(MIGRATIONS.len() as i64, CURRENT_VERSION);
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(inspect(&conn).unwrap(), Found::Empty);
        migrate(&conn, 0).unwrap();
        assert_eq!(inspect(&conn).unwrap(), Found::Store(CURRENT_VERSION));
        // Idempotent at the current version.
        migrate(&conn, CURRENT_VERSION).unwrap();
        assert_eq!(inspect(&conn).unwrap(), Found::Store(CURRENT_VERSION));
    }

    #[test]
    fn version_1_gains_the_peer_table_and_keeps_its_rows() {
        let conn = Connection::open_in_memory().unwrap();
        migrate_to(&conn, 1);
        conn.execute(
            "INSERT INTO identity (peer_name, authority, classifier, key_type,
                 private_key, certificate, created_at)
             VALUES ('a.b', 'a', 'b', 'ed25519', x'00', x'00', 0)",
            [],
        )
        .unwrap();
        assert_eq!(inspect(&conn).unwrap(), Found::Store(1));
        migrate(&conn, 1).unwrap();
        // Through 2 (the peer book) to the current version.
        assert_eq!(inspect(&conn).unwrap(), Found::Store(CURRENT_VERSION));
        let identities: i64 = conn
            .query_row("SELECT count(*) FROM identity", [], |r| r.get(0))
            .unwrap();
        assert_eq!(identities, 1);
        let peers: i64 = conn
            .query_row("SELECT count(*) FROM peer", [], |r| r.get(0))
            .unwrap();
        assert_eq!(peers, 0);
    }

    #[test]
    fn version_2_gains_the_seal_table_and_keeps_its_rows() {
        let conn = Connection::open_in_memory().unwrap();
        migrate_to(&conn, 2);
        conn.execute_batch(
            "INSERT INTO identity (peer_name, authority, classifier, key_type,
                 private_key, certificate, created_at)
             VALUES ('a.b', 'a', 'b', 'ed25519', x'3000', x'00', 0);
             INSERT INTO peer (peer_name, authority, classifier, key_type, certificate, added_at)
             VALUES ('c.d', 'c', 'd', 'ed25519', x'00', 0);",
        )
        .unwrap();
        migrate(&conn, 2).unwrap();
        assert_eq!(inspect(&conn).unwrap(), Found::Store(3));
        let key: Vec<u8> = conn
            .query_row("SELECT private_key FROM identity", [], |r| r.get(0))
            .unwrap();
        assert_eq!(key, [0x30, 0]);
        let (peers, seals): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM peer), (SELECT count(*) FROM seal)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((peers, seals), (1, 0));
    }

    /// The schema as the release that wrote version `version` made it.
    fn migrate_to(conn: &Connection, version: usize) {
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        for (v, sql) in MIGRATIONS.iter().enumerate().take(version) {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "UPDATE schema_version SET version = ?1 WHERE id = 1",
                [v as i64 + 1],
            )
            .unwrap();
        }
    }

    #[test]
    fn another_programs_database_is_foreign() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(inspect(&conn).unwrap(), Found::Foreign);
    }
}
