//! The event log: sessions, their append-only events, and seat tokens, in SQLite.
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
//! **Invariant:** no wait on the disk is unbounded. A write not started within the
//! write bound is cancelled and never written (`Stalled`); one already being
//! written when its bound runs out is reported `Unconfirmed`, and its outcome
//! still reaches a caller holding its [`PendingWrite`]. Reads for async callers go
//! through [`Store::run_blocking`], off the async workers and bounded the same way.
//!
//! `store` knows nothing of HTTP, WebSockets or the game rules; it stores events as
//! JSON text and hands them back. Nothing of SQLite shows in its public items: the
//! surface (create, append after an expected seq, load, events after a seq, a
//! streaming scan, the session list, seats) is what another backend would offer.
//!
//! **Invariant:** an append writes little besides its events. A session's
//! scenario source (tens of KiB of TOML) lives once per distinct text in
//! `scenario_sources`; the `sessions` row changes only at the session's hash
//! checkpoints; events are serialised by the caller, not on the single writer
//! thread.

mod schema;
mod stored;
mod writer;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use thiserror::Error;
use tokio::sync::oneshot;

pub use stored::{LoadError, StoredSession};

use crate::engine::Event;
use writer::{Fail, Gate, Op, Progress, Ticket, Write};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("session not found")]
    NotFound,
    #[error("the session moved on (expected seq {expected}, stored {actual})")]
    Conflict { expected: u64, actual: u64 },
    #[error("database error: {0}")]
    Database(String),
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
    /// The disk did not take the request within the bound; nothing was written.
    #[error("the disk did not answer in time; nothing was written")]
    Stalled,
    /// The write was being committed when its bound ran out: it may yet commit.
    #[error("the disk did not confirm the write in time; it may still be stored")]
    Unconfirmed,
}

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

/// Work to release the moment a write's outcome is known (`true`: committed),
/// run on the writer thread before the caller is woken. A session uses it to hand
/// out the ack and the events without waiting for its own task to be scheduled.
pub type OnCommit = Box<dyn FnOnce(bool) + Send>;

/// How the store bounds its waits on the disk.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// A write not committed by then is answered `Stalled` or `Unconfirmed`; a
    /// read through `run_blocking` not finished by then, `Stalled`.
    pub write_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            write_timeout: Duration::from_secs(5),
        }
    }
}

/// The event log. Cloning it is cheap: every clone is the same store.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Option<mpsc::SyncSender<Write>>>,
    handle: Mutex<Option<thread::JoinHandle<()>>>,
    read: Mutex<Connection>,
    gate: Arc<Gate>,
    progress: Arc<Progress>,
    write_timeout: Duration,
}

/// Requests waiting for the writer; a request that finds the queue full is
/// answered `Stalled` at once.
const QUEUE: usize = 4096;

/// A write handed to the writer thread and not yet answered.
pub struct PendingWrite {
    rx: oneshot::Receiver<Result<u64, StoreError>>,
    ticket: Arc<Ticket>,
    deadline: Instant,
    progress: Arc<Progress>,
    bound: Duration,
}

impl PendingWrite {
    /// When the caller should stop waiting and call [`PendingWrite::give_up`].
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The outcome: the session's last stored seq once committed. Await it to the
    /// end at most once.
    pub async fn outcome(&mut self) -> Result<u64, StoreError> {
        (&mut self.rx).await.map_err(|_| StoreError::Closed)?
    }

    /// Stops waiting at the deadline. `Stalled` when the write is cancelled and
    /// will never be written; `Unconfirmed` when the writer has started it, and
    /// [`PendingWrite::outcome`] will still tell how it ended.
    pub fn give_up(&self) -> StoreError {
        self.progress.gave_up(self.bound);
        if self.ticket.cancel() {
            StoreError::Stalled
        } else {
            StoreError::Unconfirmed
        }
    }

    /// Waits for the outcome until the deadline, then gives up.
    pub async fn settle(mut self) -> Result<u64, StoreError> {
        let deadline = tokio::time::Instant::from_std(self.deadline);
        match tokio::time::timeout_at(deadline, self.outcome()).await {
            Ok(r) => r,
            Err(_) => Err(self.give_up()),
        }
    }
}

/// Holds the writer thread before its next batch until dropped: requests queue
/// up and pass their deadlines as on a frozen disk. For tests.
#[doc(hidden)]
pub struct PauseGuard(Arc<Gate>);

impl Drop for PauseGuard {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl Store {
    /// Opens (creating if missing) the database and starts its writer thread.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default())
    }

    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path).map_err(sql)?;
        schema::configure(&conn).map_err(sql)?;
        schema::migrate(&mut conn).map_err(sql)?;
        // The checkpoint thread copies pages as they are committed; the writer's
        // own (rarer) checkpoint then only finishes the job, which lets SQLite
        // start the WAL over from the beginning and keeps it bounded.
        conn.pragma_update(None, "wal_autocheckpoint", writer::WRITER_CHECKPOINT_FRAMES)
            .map_err(sql)?;
        let checkpoints = Connection::open(path).map_err(sql)?;
        schema::configure(&checkpoints).map_err(sql)?;
        let read = Connection::open(path).map_err(sql)?;
        schema::configure(&read).map_err(sql)?;
        let (tx, rx) = mpsc::sync_channel::<Write>(QUEUE);
        let gate = Arc::new(Gate::default());
        let progress = Arc::new(Progress::default());
        let handle = {
            let (gate, progress) = (gate.clone(), progress.clone());
            thread::Builder::new()
                .name("wargame-db-writer".into())
                .spawn(move || writer::writer_loop(conn, rx, checkpoints, gate, progress))
                .map_err(|_| StoreError::Closed)?
        };
        Ok(Store {
            inner: Arc::new(Inner {
                writer: Mutex::new(Some(tx)),
                handle: Mutex::new(Some(handle)),
                read: Mutex::new(read),
                gate,
                progress,
                write_timeout: options.write_timeout,
            }),
        })
    }

    /// The bound on every wait for the disk.
    pub fn write_timeout(&self) -> Duration {
        self.inner.write_timeout
    }

    fn send(&self, op: Op, on_commit: Option<OnCommit>) -> Result<PendingWrite, StoreError> {
        let inner = &self.inner;
        let tx = inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .ok_or(StoreError::Closed)?
            .clone();
        let (reply, rx) = oneshot::channel();
        let ticket = Ticket::new();
        let deadline = Instant::now() + inner.write_timeout;
        inner.progress.sent();
        let sent = tx.try_send(Write {
            op,
            deadline,
            ticket: ticket.clone(),
            on_commit,
            reply,
        });
        // A refused request is dropped with its `on_commit`, which never runs.
        match sent {
            Ok(()) => Ok(PendingWrite {
                rx,
                ticket,
                deadline,
                progress: inner.progress.clone(),
                bound: inner.write_timeout,
            }),
            Err(mpsc::TrySendError::Full(_)) => {
                inner.progress.unsent();
                inner.progress.gave_up(inner.write_timeout);
                Err(StoreError::Stalled)
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                inner.progress.unsent();
                Err(StoreError::Closed)
            }
        }
    }

    /// Stores a new session and its first events; resolves once committed, or
    /// with `Stalled`/`Unconfirmed` when the disk takes longer than the bound.
    pub async fn create_session(
        &self,
        session: NewSession,
        events: &[Event],
        state_hash: String,
    ) -> Result<(), StoreError> {
        let events = writer::rows(&session.id, events)?;
        let op = Op::Create {
            session,
            events,
            state_hash,
        };
        self.send(op, None)?.settle().await.map(|_| ())
    }

    /// Hands the writer an append of `events` after `expected` (the session's last
    /// stored seq) and returns at once. A seat token, if given, is stored in the
    /// same transaction; so is the state hash after these events, if given.
    /// `on_commit`, if given, runs on the writer thread as soon as the outcome is
    /// known, before the [`PendingWrite`] resolves; a request refused before it
    /// reaches the writer returns its error without running it.
    pub fn begin_append(
        &self,
        session: &str,
        expected: u64,
        events: &[Event],
        state_hash: Option<String>,
        seat: Option<SeatRow>,
        on_commit: Option<OnCommit>,
    ) -> Result<PendingWrite, StoreError> {
        let op = Op::Append {
            session: session.to_string(),
            expected,
            events: writer::rows(session, events)?,
            state_hash,
            seat,
        };
        self.send(op, on_commit)
    }

    /// [`Store::begin_append`], then waits for the outcome within the bound.
    /// Returns the session's last stored seq.
    pub async fn append(
        &self,
        session: &str,
        expected: u64,
        events: &[Event],
        state_hash: Option<String>,
        seat: Option<SeatRow>,
        on_commit: Option<OnCommit>,
    ) -> Result<u64, StoreError> {
        self.begin_append(session, expected, events, state_hash, seat, on_commit)?
            .settle()
            .await
    }

    /// How long requests have waited on the writer without an answer, once that
    /// is longer than the write bound: the disk is stalled.
    pub fn stalled_for(&self) -> Option<Duration> {
        self.inner
            .progress
            .waiting()
            .filter(|d| *d >= self.inner.write_timeout)
    }

    /// Holds the writer before its next batch until the guard is dropped.
    #[doc(hidden)]
    pub fn pause_writer(&self) -> PauseGuard {
        self.inner.gate.set(true);
        PauseGuard(self.inner.gate.clone())
    }

    /// Stops the writer after it has committed everything already sent.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Runs blocking reads on a thread of their own, never on an async worker;
    /// `Stalled` when they take longer than the bound (they finish on their own).
    pub async fn run_blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> T + Send + 'static,
    {
        let store = self.clone();
        let read = tokio::task::spawn_blocking(move || f(&store));
        match tokio::time::timeout(self.inner.write_timeout, read).await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(_)) => Err(StoreError::Closed),
            Err(_) => {
                tracing::error!(
                    bound_ms = self.inner.write_timeout.as_millis() as u64,
                    "a database read did not finish in time: the disk looks stalled"
                );
                Err(StoreError::Stalled)
            }
        }
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every session, oldest first. Each distinct scenario source is read once.
    pub fn sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        let conn = self.reader();
        let read = || -> rusqlite::Result<Vec<SessionRow>> {
            let tx = conn.unchecked_transaction()?;
            let sources: HashMap<i64, String> = tx
                .prepare("SELECT id, source FROM scenario_sources")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut stmt = tx.prepare(&format!(
                "SELECT {} FROM sessions ORDER BY created_at, id",
                schema::SESSION_COLUMNS
            ))?;
            let rows = stmt
                .query_map([], |r| {
                    schema::session_row(r, |id| sources.get(&id).cloned())
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        };
        read().map_err(sql)
    }

    /// One session's row: `NotFound` when there is none.
    pub fn session(&self, id: &str) -> Result<SessionRow, StoreError> {
        session_row(&self.reader(), id)
    }

    /// All of a session's events, in seq order (none for an unknown session).
    pub fn events(&self, session: &str) -> Result<Vec<Event>, StoreError> {
        self.events_after(session, 0)
    }

    /// A session's events after `seq`, in order: what a reader that heard of
    /// new events (by seq) fetches.
    pub fn events_after(&self, session: &str, seq: u64) -> Result<Vec<Event>, StoreError> {
        events_after(&self.reader(), session, seq).map_err(StoreError::from)
    }

    /// A session's row and all its events, read in one transaction.
    pub fn load(&self, session: &str) -> Result<(SessionRow, Vec<Event>), StoreError> {
        let conn = self.reader();
        let tx = conn.unchecked_transaction().map_err(sql)?;
        let row = session_row(&tx, session)?;
        let events = events_after(&tx, session, 0)?;
        drop(tx);
        Ok((row, events))
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
        let conn = self.reader();
        let mut scan = || -> rusqlite::Result<()> {
            let mut stmt =
                conn.prepare("SELECT session_id, seq, body FROM events ORDER BY rowid")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let Ok(session) = r.get_ref(0)?.as_str() else {
                    continue;
                };
                let seq = r.get(1)?;
                f(session, seq, text(session, seq, r.get_ref(2)?));
            }
            Ok(())
        };
        scan().map_err(sql)
    }

    /// Every seat token hash and whose seat it is.
    pub fn seats(&self) -> Result<Vec<SeatRow>, StoreError> {
        let conn = self.reader();
        let read = || -> rusqlite::Result<Vec<SeatRow>> {
            let mut stmt =
                conn.prepare("SELECT token_hash, session_id, player, team FROM seats")?;
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
        };
        read().map_err(sql)
    }
}

impl Inner {
    fn close(&self) {
        self.writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // A paused writer could never finish what it holds.
        self.gate.set(false);
        let handle = self
            .handle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close();
    }
}

fn session_row(conn: &Connection, id: &str) -> Result<SessionRow, StoreError> {
    conn.query_row(
        &format!(
            "SELECT {}, (SELECT source FROM scenario_sources WHERE id = source_id)
             FROM sessions WHERE id = ?1",
            schema::SESSION_COLUMNS
        ),
        [id],
        |r| schema::session_row(r, |_| r.get(schema::SESSION_COLUMN_COUNT).ok()),
    )
    .optional()
    .map_err(sql)?
    .ok_or(StoreError::NotFound)
}

fn events_after(conn: &Connection, session: &str, after: u64) -> Result<Vec<Event>, Fail> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, body FROM events WHERE session_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(rusqlite::params![session, after as i64])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seq = r.get(0)?;
        let body = text(session, seq, r.get_ref(1)?).map_err(Fail::Store)?;
        out.push(parse_event(session, seq, body).map_err(Fail::Store)?);
    }
    Ok(out)
}

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

#[cfg(test)]
mod tests;
