//! The SQLite event log: sessions, their append-only events, and seat tokens.
//!
//! **Invariant:** an event is acknowledged only after the transaction that holds it
//! has committed (WAL, `synchronous = FULL`). Appends are guarded by the expected
//! last seq, and `UNIQUE(session_id, seq)` backs that up. One writer thread owns
//! the write connection and commits every request waiting for it in one
//! transaction (group commit), so many sessions share each fsync. WAL
//! checkpoints (copying committed pages into the database file, with its own
//! fsync) mostly run on a second thread; the writer only checkpoints when the WAL
//! has grown large, and then finds nearly everything already copied.
//!
//! `store` knows nothing of HTTP, WebSockets or the game rules; it stores events as
//! JSON text and hands them back.
//!
//! **Invariant:** an append writes little besides its events. A session's
//! scenario source (tens of KiB of TOML) lives once per distinct text in
//! `scenario_sources`; the `sessions` row changes only at the session's hash
//! checkpoints; events are serialised by the caller, not on the single writer
//! thread.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{Connection, OptionalExtension, params};
use thiserror::Error;
use tokio::sync::oneshot;

use crate::engine::Event;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("session not found")]
    NotFound,
    #[error("the session moved on (expected seq {expected}, stored {actual})")]
    Conflict { expected: u64, actual: u64 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored event {seq} of session {session} is unreadable: {message}")]
    Corrupt {
        session: String,
        seq: u64,
        message: String,
    },
    #[error("the database writer has stopped")]
    Closed,
    /// The batch's transaction failed as a whole; every request in it gets this.
    #[error("the write failed and nothing was stored: {0}")]
    BatchFailed(String),
}

/// Append-only migrations; each runs once, in order, inside a transaction.
const MIGRATIONS: &[&str] = &[
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

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub join_code: String,
    pub scenario_id: String,
    pub scenario_source: String,
    pub title: String,
    pub created_at: i64,
    pub facilitator_token_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub join_code: String,
    pub scenario_id: String,
    pub scenario_source: String,
    pub title: String,
    pub created_at: i64,
    pub facilitator_token_hash: String,
    pub last_seq: u64,
    /// The state hash after event `hash_seq` (not necessarily the last one).
    pub state_hash: String,
    pub hash_seq: u64,
    /// Sessions with the same `source_id` share one scenario source text.
    pub source_id: i64,
}

#[derive(Debug, Clone)]
pub struct SeatRow {
    pub token_hash: String,
    pub session_id: String,
    pub player: String,
    pub team: String,
}

/// An event as stored: serialised by the caller, off the writer thread.
struct Row {
    seq: u64,
    kind: &'static str,
    body: String,
}

fn rows(session: &str, events: &[Event]) -> Result<Vec<Row>, StoreError> {
    events
        .iter()
        .map(|e| {
            let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
                session: session.to_string(),
                seq: e.seq,
                message: err.to_string(),
            })?;
            Ok(Row {
                seq: e.seq,
                kind: e.body.kind(),
                body,
            })
        })
        .collect()
}

enum Write {
    Create {
        session: NewSession,
        events: Vec<Row>,
        state_hash: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Append {
        session: String,
        expected: u64,
        events: Vec<Row>,
        /// The hash of the state after these events, when this append checkpoints it.
        state_hash: Option<String>,
        seat: Option<SeatRow>,
        /// Run on the writer thread as soon as the outcome is known, before `reply`.
        on_commit: Option<OnCommit>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// Work to release the moment a write's outcome is known (`true`: committed),
/// run on the writer thread before the caller is woken. A session uses it to hand
/// out the ack and the events without waiting for its own task to be scheduled.
pub type OnCommit = Box<dyn FnOnce(bool) + Send>;

pub struct Store {
    path: PathBuf,
    writer: Mutex<Option<mpsc::SyncSender<Write>>>,
    handle: Mutex<Option<thread::JoinHandle<()>>>,
    read: Mutex<Connection>,
}

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), rusqlite::Error> {
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

impl Store {
    /// Opens (creating if missing) the database and starts its writer thread.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&mut conn)?;
        // The checkpoint thread copies pages as they are committed; the writer's
        // own (rarer) checkpoint then only finishes the job, which lets SQLite
        // start the WAL over from the beginning and keeps it bounded.
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_FRAMES)?;
        let checkpoints = Connection::open(path)?;
        configure(&checkpoints)?;
        let read = Connection::open(path)?;
        configure(&read)?;
        let (tx, rx) = mpsc::sync_channel::<Write>(4096);
        let handle = thread::Builder::new()
            .name("wargame-db-writer".into())
            .spawn(move || writer_loop(conn, rx, checkpoints))
            .map_err(|_| StoreError::Closed)?;
        Ok(Store {
            path: path.to_path_buf(),
            writer: Mutex::new(Some(tx)),
            handle: Mutex::new(Some(handle)),
            read: Mutex::new(read),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, w: Write) -> Result<(), StoreError> {
        let guard = self.writer.lock().map_err(|_| StoreError::Closed)?;
        let tx = guard.as_ref().ok_or(StoreError::Closed)?.clone();
        drop(guard);
        tx.send(w).map_err(|_| StoreError::Closed)
    }

    /// Stores a new session and its first events; resolves once committed.
    pub async fn create_session(
        &self,
        session: NewSession,
        events: &[Event],
        state_hash: String,
    ) -> Result<(), StoreError> {
        let events = rows(&session.id, events)?;
        let (reply, rx) = oneshot::channel();
        self.send(Write::Create {
            session,
            events,
            state_hash,
            reply,
        })?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Appends events after `expected` (the session's last stored seq); resolves
    /// once committed. A seat token, if given, is stored in the same transaction;
    /// so is the state hash after these events, if given. `on_commit`, if given,
    /// runs on the writer thread as soon as the outcome is known, before this
    /// future resolves; a request refused before it reaches the writer returns its
    /// error without running it.
    pub async fn append(
        &self,
        session: &str,
        expected: u64,
        events: &[Event],
        state_hash: Option<String>,
        seat: Option<SeatRow>,
        on_commit: Option<OnCommit>,
    ) -> Result<(), StoreError> {
        let events = rows(session, events)?;
        let (reply, rx) = oneshot::channel();
        self.send(Write::Append {
            session: session.to_string(),
            expected,
            events,
            state_hash,
            seat,
            on_commit,
            reply,
        })?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Stops the writer after it has committed everything already sent.
    pub fn close(&self) {
        if let Ok(mut w) = self.writer.lock() {
            w.take();
        }
        if let Ok(mut h) = self.handle.lock()
            && let Some(h) = h.take()
        {
            let _ = h.join();
        }
    }

    fn reader(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.read.lock().map_err(|_| StoreError::Closed)
    }

    /// Every session, oldest first. Each distinct scenario source is read once.
    pub fn sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        let conn = self.reader()?;
        let tx = conn.unchecked_transaction()?;
        let sources: HashMap<i64, String> = tx
            .prepare("SELECT id, source FROM scenario_sources")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut stmt = tx.prepare(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions ORDER BY created_at, id"
        ))?;
        let rows = stmt
            .query_map([], |r| session_row(r, |id| sources.get(&id).cloned()))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn session(&self, id: &str) -> Result<SessionRow, StoreError> {
        let conn = self.reader()?;
        conn.query_row(
            &format!(
                "SELECT {SESSION_COLUMNS}, (SELECT source FROM scenario_sources WHERE id = source_id)
                 FROM sessions WHERE id = ?1"
            ),
            [id],
            |r| session_row(r, |_| r.get(SESSION_COLUMN_COUNT).ok()),
        )
        .optional()?
        .ok_or(StoreError::NotFound)
    }

    pub fn events(&self, session: &str) -> Result<Vec<Event>, StoreError> {
        let conn = self.reader()?;
        let mut stmt =
            conn.prepare_cached("SELECT seq, body FROM events WHERE session_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([session])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let seq = r.get(0)?;
            out.push(parse_event(
                session,
                seq,
                text(session, seq, r.get_ref(1)?)?,
            )?);
        }
        Ok(out)
    }

    /// Every stored event as (session id, seq, body text), in the order they were
    /// written: each session's events come in seq order, interleaved with other
    /// sessions'. One pass over the table, front to back, so restoring every
    /// session reads each page once instead of hopping through the index per
    /// session. Turn a body into an event with [`parse_event`].
    pub fn scan_event_rows(
        &self,
        mut f: impl FnMut(&str, i64, Result<&str, StoreError>),
    ) -> Result<(), StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT session_id, seq, body FROM events ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Ok(session) = r.get_ref(0)?.as_str() else {
                continue;
            };
            let seq = r.get(1)?;
            f(session, seq, text(session, seq, r.get_ref(2)?));
        }
        Ok(())
    }

    pub fn seats(&self) -> Result<Vec<SeatRow>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT token_hash, session_id, player, team FROM seats")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SeatRow {
                    token_hash: r.get(0)?,
                    session_id: r.get(1)?,
                    player: r.get(2)?,
                    team: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

/// `last_seq` is read from the events: the column of that name is only written at
/// hash checkpoints (it equals `hash_seq`).
const SESSION_COLUMNS: &str =
    "id, join_code, scenario_id, title, created_at, facilitator_token_hash,
    (SELECT COALESCE(MAX(seq), 0) FROM events WHERE events.session_id = sessions.id),
    state_hash, source_id, hash_seq";
const SESSION_COLUMN_COUNT: usize = 10;

/// A stored event body back into an event.
pub fn parse_event(session: &str, seq: i64, body: &str) -> Result<Event, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        session: session.to_string(),
        seq: seq as u64,
        message: e.to_string(),
    })
}

/// A body column as text, borrowed from SQLite's buffer.
fn text<'a>(
    session: &str,
    seq: i64,
    body: rusqlite::types::ValueRef<'a>,
) -> Result<&'a str, StoreError> {
    body.as_str().map_err(|e| StoreError::Corrupt {
        session: session.to_string(),
        seq: seq as u64,
        message: e.to_string(),
    })
}

fn session_row(
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

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 512;

/// How often the checkpoint thread looks for newly committed pages. Each round
/// ends with an fsync of the database file, which delays the writer's WAL fsyncs
/// on the same disk: at 100 ms the broadcast p99 under load was about 9 ms, at
/// one second about 5 ms (docs/BENCHMARKS.md).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);
/// WAL frames (pages) after which the writer checkpoints on commit (SQLite's
/// default is 1000): 16 MiB, of which the checkpoint thread has copied most.
const WRITER_CHECKPOINT_FRAMES: i64 = 4096;

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Write>, checkpoints: Connection) {
    let commits = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = mpsc::channel::<()>();
    let checkpointer = {
        let commits = commits.clone();
        thread::Builder::new()
            .name("wargame-db-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpoints, &commits, &stopped))
    };
    if let Err(e) = &checkpointer {
        // Without the thread, checkpoint on commit as SQLite does by default.
        tracing::warn!("no checkpoint thread ({e}); checkpointing on commit");
        let _ = conn.pragma_update(None, "wal_autocheckpoint", 1000);
    }
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch);
        commits.fetch_add(1, Ordering::Relaxed);
    }
    drop(stop);
    if let Ok(h) = checkpointer {
        let _ = h.join();
    }
}

/// Copies committed WAL pages into the database file while the writer goes on
/// committing. PASSIVE never blocks the writer or readers; frames it cannot copy
/// yet are left for the next round. (Only a checkpoint on the writer's own
/// connection, between its transactions, can let the WAL start over; that is
/// what `WRITER_CHECKPOINT_FRAMES` is for.)
fn checkpoint_loop(conn: Connection, commits: &AtomicU64, stop: &mpsc::Receiver<()>) {
    let mut seen = 0;
    // Runs until told to stop (or the store is dropped), waking every CHECKPOINT_EVERY.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        let now = commits.load(Ordering::Relaxed);
        if now == seen {
            continue;
        }
        seen = now;
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!("WAL checkpoint failed (will retry): {e}");
        }
    }
}

/// Commits a batch in one transaction, each request in its own savepoint so a
/// conflict fails only that request. Replies go out only after the commit.
fn commit_batch(conn: &mut Connection, batch: Vec<Write>) {
    let mut results: Vec<Result<(), StoreError>> = Vec::with_capacity(batch.len());
    let tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch, &e),
    };
    for w in &batch {
        match in_savepoint(&tx, w) {
            Ok(r) => results.push(r),
            Err(e) => {
                // A savepoint could not be rolled back: nothing in this
                // transaction can be trusted, so none of it is committed.
                drop(tx);
                return fail_all(batch, &e);
            }
        }
    }
    if let Err(e) = tx.commit() {
        return fail_all(batch, &e);
    }
    for (w, r) in batch.into_iter().zip(results) {
        reply(w, r);
    }
}

/// Every request of a batch whose transaction failed gets the same error.
fn fail_all(batch: Vec<Write>, e: &rusqlite::Error) {
    let msg = e.to_string();
    for w in batch {
        reply(w, Err(StoreError::BatchFailed(msg.clone())));
    }
}

/// Applies one request inside a savepoint: released on success, rolled back (and
/// released) on failure. The statements are prepared once and cached. The outer
/// error means the transaction itself is no longer usable.
fn in_savepoint(tx: &Connection, w: &Write) -> Result<Result<(), StoreError>, rusqlite::Error> {
    let step = |sql: &str| tx.prepare_cached(sql).and_then(|mut s| s.execute([]));
    if let Err(e) = step("SAVEPOINT request") {
        return Ok(Err(e.into()));
    }
    let r = apply_write(tx, w).and_then(|()| step("RELEASE request").map_err(StoreError::from));
    if r.is_err() {
        step("ROLLBACK TO request")?;
        step("RELEASE request")?;
    }
    Ok(r.map(|_| ()))
}

fn reply(w: Write, r: Result<(), StoreError>) {
    let tx = match w {
        Write::Create { reply, .. } => reply,
        Write::Append {
            reply, on_commit, ..
        } => {
            // The writer outlives any hook: one that panicked has lost only its
            // own frames, and its caller still gets the outcome below.
            if let Some(f) = on_commit {
                let ok = r.is_ok();
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ok))).is_err() {
                    tracing::error!("a commit hook panicked; the writer goes on");
                }
            }
            reply
        }
    };
    let _ = tx.send(r);
}

fn insert_events(tx: &Connection, session: &str, events: &[Row]) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (session_id, seq, kind, body) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in events {
        stmt.execute(params![session, e.seq as i64, e.kind, e.body])?;
    }
    Ok(())
}

fn apply_write(tx: &Connection, w: &Write) -> Result<(), StoreError> {
    match w {
        Write::Create {
            session,
            events,
            state_hash,
            ..
        } => {
            let last = events.last().map_or(0, |e| e.seq);
            tx.prepare_cached("INSERT OR IGNORE INTO scenario_sources (source) VALUES (?1)")?
                .execute([&session.scenario_source])?;
            let source_id: i64 = tx
                .prepare_cached("SELECT id FROM scenario_sources WHERE source = ?1")?
                .query_row([&session.scenario_source], |r| r.get(0))?;
            tx.prepare_cached(
                "INSERT INTO sessions (id, join_code, scenario_id, source_id, title, created_at, facilitator_token_hash, last_seq, state_hash, hash_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
            )?
            .execute(params![
                session.id,
                session.join_code,
                session.scenario_id,
                source_id,
                session.title,
                session.created_at,
                session.facilitator_token_hash,
                last as i64,
                state_hash
            ])?;
            insert_events(tx, &session.id, events)
        }
        Write::Append {
            session,
            expected,
            events,
            state_hash,
            seat,
            ..
        } => {
            // The last stored seq comes from the events index: the sessions row is
            // written only at hash checkpoints, one page less per commit.
            let (exists, actual): (bool, Option<i64>) = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1),
                            (SELECT MAX(seq) FROM events WHERE session_id = ?1)",
                )?
                .query_row([session], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if !exists {
                return Err(StoreError::NotFound);
            }
            let actual = actual.unwrap_or(0);
            if actual as u64 != *expected {
                return Err(StoreError::Conflict {
                    expected: *expected,
                    actual: actual as u64,
                });
            }
            insert_events(tx, session, events)?;
            let last = events.last().map_or(*expected, |e| e.seq);
            if let Some(hash) = state_hash {
                tx.prepare_cached(
                    "UPDATE sessions SET last_seq = ?2, state_hash = ?3, hash_seq = ?2 WHERE id = ?1",
                )?
                .execute(params![session, last as i64, hash])?;
            }
            if let Some(seat) = seat {
                tx.prepare_cached(
                    "INSERT INTO seats (token_hash, session_id, player, team) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![seat.token_hash, seat.session_id, seat.player, seat.team])?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_event() -> (crate::engine::State, Event, String) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/belarus-2025.toml");
        let (scenario, source) = crate::scenario::load_file(&path).expect("scenario");
        let (state, event) = crate::engine::create(
            std::sync::Arc::new(scenario),
            "Migrated",
            7,
            None,
            true,
            1_700_000_000_000,
        );
        (state, event, source)
    }

    /// A database written before migration 2 (scenario source inline in `sessions`)
    /// opens, migrates, and reads back the same sessions and events.
    #[tokio::test]
    async fn a_version_1_database_migrates_and_keeps_its_sessions() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("v1.db");
        let (state, event, source) = first_event();
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY);
                 INSERT INTO schema_migrations (version) VALUES (1);",
            )
            .expect("schema_migrations");
            conn.execute_batch(MIGRATIONS[0]).expect("v1 schema");
            for (id, created) in [("old-a", 1), ("old-b", 2)] {
                conn.execute(
                    "INSERT INTO sessions (id, join_code, scenario_id, scenario_source, title, created_at, facilitator_token_hash, last_seq, state_hash)
                     VALUES (?1, ?2, 'belarus-2025', ?3, 'Old', ?4, 'fac', 1, ?5)",
                    params![id, format!("CODE{created}"), source, created, state.hash().expect("the state hashes")],
                )
                .expect("v1 session");
                conn.execute(
                    "INSERT INTO events (session_id, seq, kind, body) VALUES (?1, 1, 'session_created', ?2)",
                    params![id, serde_json::to_string(&event).expect("json")],
                )
                .expect("v1 event");
            }
        }
        let store = Store::open(&path).expect("migrates");
        let rows = store.sessions().expect("sessions");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.scenario_source == source));
        assert_eq!(
            rows[0].source_id, rows[1].source_id,
            "one copy of the source"
        );
        assert_eq!(rows[0].id, "old-a");
        assert_eq!(rows[0].last_seq, 1);
        assert_eq!(rows[0].state_hash, state.hash().expect("the state hashes"));
        // Migration 3: the old hash was for the last event.
        assert_eq!(rows[0].hash_seq, rows[0].last_seq);
        let one = store.session("old-b").expect("session");
        assert_eq!(one.scenario_source, source);
        assert_eq!(store.events("old-b").expect("events"), vec![event.clone()]);
        // A new session with the same source shares the stored copy.
        store
            .create_session(
                NewSession {
                    id: "new".into(),
                    join_code: "NEWCODE".into(),
                    scenario_id: "belarus-2025".into(),
                    scenario_source: source.clone(),
                    title: "New".into(),
                    created_at: 3,
                    facilitator_token_hash: "fac2".into(),
                },
                std::slice::from_ref(&event),
                state.hash().expect("the state hashes"),
            )
            .await
            .expect("create");
        let new = store.session("new").expect("new session");
        assert_eq!(new.source_id, rows[0].source_id);
        assert_eq!(new.scenario_source, source);
        store.close();
    }

    /// The checkpoint thread copies committed pages into the database file by
    /// itself, without the writer checkpointing on commit.
    #[tokio::test]
    async fn committed_pages_reach_the_database_file_in_the_background() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("k.db");
        let store = Store::open(&path).expect("open");
        let (state, event, source) = first_event();
        let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
        let before = size();
        store
            .create_session(
                NewSession {
                    id: "k".into(),
                    join_code: "CODE-K".into(),
                    scenario_id: "belarus-2025".into(),
                    scenario_source: source,
                    title: "T".into(),
                    created_at: 1,
                    facilitator_token_hash: "fac".into(),
                },
                std::slice::from_ref(&event),
                state.hash().expect("the state hashes"),
            )
            .await
            .expect("create");
        // Far below WRITER_CHECKPOINT_FRAMES: only the checkpoint thread copies.
        for _ in 0..100 {
            if size() > before {
                break;
            }
            tokio::time::sleep(CHECKPOINT_EVERY).await;
        }
        assert!(size() > before, "the database file never grew");
    }

    /// A conflicting append fails alone; an append beside it still commits.
    #[tokio::test]
    async fn a_conflict_fails_only_its_own_append() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("c.db")).expect("open");
        let (state, event, source) = first_event();
        for id in ["a", "b"] {
            store
                .create_session(
                    NewSession {
                        id: id.into(),
                        join_code: format!("CODE-{id}"),
                        scenario_id: "belarus-2025".into(),
                        scenario_source: source.clone(),
                        title: "T".into(),
                        created_at: 1,
                        facilitator_token_hash: format!("fac-{id}"),
                    },
                    std::slice::from_ref(&event),
                    state.hash().expect("the state hashes"),
                )
                .await
                .expect("create");
        }
        let mut next = event.clone();
        next.seq = 2;
        let (good, bad) = tokio::join!(
            store.append(
                "a",
                1,
                std::slice::from_ref(&next),
                Some("h2".into()),
                None,
                None
            ),
            store.append(
                "b",
                5,
                std::slice::from_ref(&next),
                Some("h2".into()),
                None,
                None
            ),
        );
        assert!(good.is_ok(), "{good:?}");
        assert!(
            matches!(
                bad,
                Err(StoreError::Conflict {
                    expected: 5,
                    actual: 1
                })
            ),
            "{bad:?}"
        );
        assert_eq!(store.session("a").expect("a").last_seq, 2);
        assert_eq!(store.session("a").expect("a").state_hash, "h2");
        assert_eq!(store.session("a").expect("a").hash_seq, 2);
        assert_eq!(store.session("b").expect("b").last_seq, 1);
        assert_eq!(store.events("b").expect("b").len(), 1);
        // An append without a hash moves last_seq and keeps the checkpointed hash.
        next.seq = 3;
        store
            .append("a", 2, std::slice::from_ref(&next), None, None, None)
            .await
            .expect("append without hash");
        let a = store.session("a").expect("a");
        assert_eq!(
            (a.last_seq, a.hash_seq, a.state_hash.as_str()),
            (3, 2, "h2")
        );
        // The `on_commit` hook has run, with the outcome, by the time the
        // append resolves: true once committed, false for a refused append.
        let outcome = |cell: &Arc<Mutex<Vec<bool>>>| -> OnCommit {
            let cell = cell.clone();
            Box::new(move |ok| cell.lock().expect("cell").push(ok))
        };
        let (committed, refused) = (Arc::new(Mutex::new(vec![])), Arc::new(Mutex::new(vec![])));
        next.seq = 4;
        let one = std::slice::from_ref(&next);
        let (good, bad) = tokio::join!(
            store.append("a", 3, one, None, None, Some(outcome(&committed))),
            store.append("b", 3, one, None, None, Some(outcome(&refused))),
        );
        assert!(good.is_ok() && bad.is_err(), "{good:?} {bad:?}");
        assert_eq!(*committed.lock().expect("cell"), [true]);
        assert_eq!(*refused.lock().expect("cell"), [false]);
        // A hook that panics costs the writer nothing: its append is still
        // answered, and the next one is committed.
        next.seq = 5;
        let panics: OnCommit = Box::new(|_| panic!("a faulty hook"));
        let one = std::slice::from_ref(&next);
        let r = store.append("a", 4, one, None, None, Some(panics)).await;
        assert!(r.is_ok(), "{r:?}");
        next.seq = 6;
        let r = store
            .append("a", 5, std::slice::from_ref(&next), None, None, None)
            .await;
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(store.session("a").expect("a").last_seq, 6);
    }
}
