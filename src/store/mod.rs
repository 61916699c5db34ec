//! The SQLite event log: sessions, their append-only events, and seat tokens.
//!
//! **Invariant:** an event is acknowledged only after the transaction that holds it
//! has committed (WAL, `synchronous = FULL`). Appends are guarded by the expected
//! last seq, and `UNIQUE(session_id, seq)` backs that up. One writer thread owns
//! the write connection and commits every request waiting for it in one
//! transaction (group commit), so many sessions share each fsync.
//!
//! `store` knows nothing of HTTP, WebSockets or the game rules; it stores events as
//! JSON text and hands them back.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
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
    pub state_hash: String,
}

#[derive(Debug, Clone)]
pub struct SeatRow {
    pub token_hash: String,
    pub session_id: String,
    pub player: String,
    pub team: String,
}

enum Write {
    Create {
        session: NewSession,
        events: Vec<Event>,
        state_hash: String,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Append {
        session: String,
        expected: u64,
        events: Vec<Event>,
        state_hash: String,
        seat: Option<SeatRow>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

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
        let read = Connection::open(path)?;
        configure(&read)?;
        let (tx, rx) = mpsc::sync_channel::<Write>(4096);
        let handle = thread::Builder::new()
            .name("wargame-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
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
        events: Vec<Event>,
        state_hash: String,
    ) -> Result<(), StoreError> {
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
    /// once committed. A seat token, if given, is stored in the same transaction.
    pub async fn append(
        &self,
        session: &str,
        expected: u64,
        events: Vec<Event>,
        state_hash: String,
        seat: Option<SeatRow>,
    ) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(Write::Append {
            session: session.to_string(),
            expected,
            events,
            state_hash,
            seat,
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

    pub fn sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT id, join_code, scenario_id, scenario_source, title, created_at, facilitator_token_hash, last_seq, state_hash
             FROM sessions ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map([], session_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn session(&self, id: &str) -> Result<SessionRow, StoreError> {
        let conn = self.reader()?;
        conn.query_row(
            "SELECT id, join_code, scenario_id, scenario_source, title, created_at, facilitator_token_hash, last_seq, state_hash
             FROM sessions WHERE id = ?1",
            [id],
            session_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound)
    }

    pub fn events(&self, session: &str) -> Result<Vec<Event>, StoreError> {
        let conn = self.reader()?;
        let mut stmt =
            conn.prepare_cached("SELECT seq, body FROM events WHERE session_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([session], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let event: Event = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                session: session.to_string(),
                seq: seq as u64,
                message: e.to_string(),
            })?;
            out.push(event);
        }
        Ok(out)
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

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: r.get(0)?,
        join_code: r.get(1)?,
        scenario_id: r.get(2)?,
        scenario_source: r.get(3)?,
        title: r.get(4)?,
        created_at: r.get(5)?,
        facilitator_token_hash: r.get(6)?,
        last_seq: r.get::<_, i64>(7)? as u64,
        state_hash: r.get(8)?,
    })
}

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 512;

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Write>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch);
    }
}

/// Commits a batch in one transaction, each request in its own savepoint so a
/// conflict fails only that request. Replies go out only after the commit.
fn commit_batch(conn: &mut Connection, batch: Vec<Write>) {
    let mut results: Vec<Result<(), StoreError>> = Vec::with_capacity(batch.len());
    let tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            let msg = e.to_string();
            for w in batch {
                reply(
                    w,
                    Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
                        msg.clone(),
                    ))),
                );
            }
            return;
        }
    };
    let mut tx = tx;
    for w in &batch {
        let r = match tx.savepoint() {
            Ok(sp) => match apply_write(&sp, w) {
                Ok(()) => sp.commit().map_err(StoreError::from),
                Err(e) => Err(e), // savepoint rolls back on drop
            },
            Err(e) => Err(e.into()),
        };
        results.push(r);
    }
    let committed = tx.commit();
    for (w, r) in batch.into_iter().zip(results) {
        let r = match &committed {
            Ok(()) => r,
            Err(e) => Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(
                e.to_string(),
            ))),
        };
        reply(w, r);
    }
}

fn reply(w: Write, r: Result<(), StoreError>) {
    let tx = match w {
        Write::Create { reply, .. } | Write::Append { reply, .. } => reply,
    };
    let _ = tx.send(r);
}

fn insert_events(tx: &Connection, session: &str, events: &[Event]) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (session_id, seq, kind, body) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in events {
        let body = serde_json::to_string(e).map_err(|err| StoreError::Corrupt {
            session: session.to_string(),
            seq: e.seq,
            message: err.to_string(),
        })?;
        stmt.execute(params![session, e.seq as i64, e.body.kind(), body])?;
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
            tx.execute(
                "INSERT INTO sessions (id, join_code, scenario_id, scenario_source, title, created_at, facilitator_token_hash, last_seq, state_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    session.id,
                    session.join_code,
                    session.scenario_id,
                    session.scenario_source,
                    session.title,
                    session.created_at,
                    session.facilitator_token_hash,
                    last as i64,
                    state_hash
                ],
            )?;
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
            let actual: Option<i64> = tx
                .query_row(
                    "SELECT last_seq FROM sessions WHERE id = ?1",
                    [session],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(actual) = actual else {
                return Err(StoreError::NotFound);
            };
            if actual as u64 != *expected {
                return Err(StoreError::Conflict {
                    expected: *expected,
                    actual: actual as u64,
                });
            }
            insert_events(tx, session, events)?;
            let last = events.last().map_or(*expected, |e| e.seq);
            tx.execute(
                "UPDATE sessions SET last_seq = ?2, state_hash = ?3 WHERE id = ?1",
                params![session, last as i64, state_hash],
            )?;
            if let Some(seat) = seat {
                tx.execute(
                    "INSERT INTO seats (token_hash, session_id, player, team) VALUES (?1, ?2, ?3, ?4)",
                    params![seat.token_hash, seat.session_id, seat.player, seat.team],
                )?;
            }
            Ok(())
        }
    }
}
