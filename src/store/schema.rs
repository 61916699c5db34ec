//! The SQLite schema: connection settings, the append-only migrations, and how a
//! `sessions` row is read back.

use rusqlite::Connection;

use super::SessionRow;

/// Append-only migrations; each runs once, in order, inside a transaction.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: sessions, events, seats
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        join_code TEXT NOT NULL UNIQUE,
        scenario_id TEXT NOT NULL,
        scenario_source TEXT NOT NULL,
        title TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        facilitator_token_hash TEXT NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        state_hash TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE events (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (session_id, seq)
    );
    CREATE TABLE seats (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        player TEXT NOT NULL,
        team TEXT NOT NULL
    );
    CREATE INDEX seats_by_session ON seats(session_id);",
    // 2: each distinct scenario source stored once. The sessions row is updated on
    // every append; with the source inline, every update rewrote its overflow pages.
    "CREATE TABLE scenario_sources (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL UNIQUE
    );
    INSERT OR IGNORE INTO scenario_sources (source)
        SELECT scenario_source FROM sessions ORDER BY created_at, id;
    ALTER TABLE sessions ADD COLUMN source_id INTEGER REFERENCES scenario_sources(id);
    UPDATE sessions SET source_id =
        (SELECT s.id FROM scenario_sources s WHERE s.source = sessions.scenario_source);
    ALTER TABLE sessions DROP COLUMN scenario_source;",
    // 3: the state hash is no longer recomputed on every append (hashing the whole
    // state per command grew with the session); `hash_seq` says which seq it is for.
    "ALTER TABLE sessions ADD COLUMN hash_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE sessions SET hash_seq = last_seq;",
];

/// WAL, full fsync on commit, foreign keys, and a bounded wait for locks.
pub(super) fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)",
    )?;
    let done: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= done {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [version],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// `last_seq` is read from the events: the column of that name is only written at
/// hash checkpoints (it equals `hash_seq`).
pub(super) const SESSION_COLUMNS: &str =
    "id, join_code, scenario_id, title, created_at, facilitator_token_hash,
    (SELECT COALESCE(MAX(seq), 0) FROM events WHERE events.session_id = sessions.id),
    state_hash, source_id, hash_seq";
pub(super) const SESSION_COLUMN_COUNT: usize = 10;

/// A row selected with [`SESSION_COLUMNS`]; `source` finds the scenario text by id.
pub(super) fn session_row(
    r: &rusqlite::Row<'_>,
    source: impl FnOnce(i64) -> Option<String>,
) -> rusqlite::Result<SessionRow> {
    let source_id: i64 = r.get(8)?;
    Ok(SessionRow {
        id: r.get(0)?,
        join_code: r.get(1)?,
        scenario_id: r.get(2)?,
        scenario_source: source(source_id).unwrap_or_default(),
        title: r.get(3)?,
        created_at: r.get(4)?,
        facilitator_token_hash: r.get(5)?,
        last_seq: r.get::<_, i64>(6)? as u64,
        state_hash: r.get(7)?,
        hash_seq: r.get::<_, i64>(9)? as u64,
        source_id,
    })
}
