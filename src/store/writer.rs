//! The writer thread: every write goes through it, in group commits, and a second
//! thread copies committed WAL pages into the database file.
//!
//! **Invariant:** a queued write is decided once. The writer claims it (`start`)
//! when it takes it into a batch, or it is cancelled: by its caller giving up at
//! its deadline, or by the writer finding the deadline passed before it started.
//! A cancelled write is never written; a started one is committed or rolled back
//! as a whole, and its caller hears which, however late.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use super::{NewSession, OnCommit, SeatRow, StoreError};
use crate::engine::Event;

/// An event as stored: serialised by the caller, off the writer thread.
pub(super) struct Row {
    seq: u64,
    kind: &'static str,
    body: String,
}

pub(super) fn rows(session: &str, events: &[Event]) -> Result<Vec<Row>, StoreError> {
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

const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const CANCELLED: u8 = 2;

/// Where one queued write stands; whoever moves it out of `QUEUED` first decides.
pub(super) struct Ticket(AtomicU8);

impl Ticket {
    pub(super) fn new() -> Arc<Ticket> {
        Arc::new(Ticket(AtomicU8::new(QUEUED)))
    }

    /// The writer takes the write into a batch; false if it was cancelled.
    fn start(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// True when the write will never be written (cancelled now or before);
    /// false when the writer has already started it.
    pub(super) fn cancel(&self) -> bool {
        match self
            .0
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(now) => now == CANCELLED,
        }
    }
}

pub(super) enum Op {
    Create {
        session: NewSession,
        events: Vec<Row>,
        state_hash: String,
    },
    Append {
        session: String,
        expected: u64,
        events: Vec<Row>,
        /// The hash of the state after these events, when this append checkpoints it.
        state_hash: Option<String>,
        seat: Option<SeatRow>,
    },
}

pub(super) struct Write {
    pub(super) op: Op,
    /// Not started by then, the write is cancelled.
    pub(super) deadline: Instant,
    pub(super) ticket: Arc<Ticket>,
    /// Run on the writer thread as soon as the outcome is known, before `reply`.
    pub(super) on_commit: Option<OnCommit>,
    /// The last seq stored, once committed.
    pub(super) reply: oneshot::Sender<Result<u64, StoreError>>,
}

/// Holds the writer before it takes its next batch (a test hook: see
/// `Store::pause_writer`).
#[derive(Default)]
pub(super) struct Gate {
    paused: Mutex<bool>,
    open: Condvar,
}

impl Gate {
    pub(super) fn set(&self, paused: bool) {
        *self.paused.lock().unwrap_or_else(PoisonError::into_inner) = paused;
        self.open.notify_all();
    }

    fn wait(&self) {
        let mut paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        while *paused {
            paused = self
                .open
                .wait(paused)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// How far the writer is behind: requests sent and not yet answered, and since
/// when it has answered none of them.
#[derive(Default)]
pub(super) struct Progress {
    inner: Mutex<Backlog>,
}

#[derive(Default)]
struct Backlog {
    outstanding: u64,
    /// When the writer last answered a request while others waited (or the first
    /// of them arrived at an idle writer).
    since: Option<Instant>,
    /// A stall has been logged and its end is still to be.
    logged: bool,
}

impl Progress {
    fn lock(&self) -> std::sync::MutexGuard<'_, Backlog> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn sent(&self) {
        let mut b = self.lock();
        b.outstanding += 1;
        b.since.get_or_insert_with(Instant::now);
    }

    /// A request that never reached the writer.
    pub(super) fn unsent(&self) {
        self.answered(1);
    }

    fn answered(&self, n: u64) {
        let mut b = self.lock();
        b.outstanding = b.outstanding.saturating_sub(n);
        if b.logged {
            let ms = b.since.map_or(0, |s| s.elapsed().as_millis() as u64);
            tracing::warn!(ms, "database writes are being answered again");
            b.logged = false;
        }
        b.since = (b.outstanding > 0).then(Instant::now);
    }

    /// How long the writer has answered nothing while requests wait.
    pub(super) fn waiting(&self) -> Option<Duration> {
        self.lock().since.map(|s| s.elapsed())
    }

    /// Logs the stall once, when a caller first gives up on a write.
    pub(super) fn gave_up(&self, bound: Duration) {
        let mut b = self.lock();
        if !b.logged {
            b.logged = true;
            let ms = b.since.map_or(0, |s| s.elapsed().as_millis() as u64);
            tracing::error!(
                ms,
                bound_ms = bound.as_millis() as u64,
                waiting = b.outstanding,
                "a database write was not committed in time: the disk looks stalled"
            );
        }
    }
}

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 512;

/// How often the checkpoint thread looks for newly committed pages. Each round
/// ends with an fsync of the database file, which delays the writer's WAL fsyncs
/// on the same disk: at 100 ms the broadcast p99 under load was about 9 ms, at
/// one second about 5 ms (docs/BENCHMARKS.md).
pub(super) const CHECKPOINT_EVERY: Duration = Duration::from_millis(1000);
/// WAL frames (pages) after which the writer checkpoints on commit (SQLite's
/// default is 1000): 16 MiB, of which the checkpoint thread has copied most.
pub(super) const WRITER_CHECKPOINT_FRAMES: i64 = 4096;

pub(super) fn writer_loop(
    mut conn: Connection,
    rx: mpsc::Receiver<Write>,
    checkpoints: Connection,
    gate: Arc<Gate>,
    progress: Arc<Progress>,
) {
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
        gate.wait();
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        let n = batch.len() as u64;
        // A write whose caller has given up, or whose deadline passed while it
        // queued, is never written: its caller was told nothing changed.
        let now = Instant::now();
        let (live, late): (Vec<Write>, Vec<Write>) = batch.into_iter().partition(|w| {
            if now >= w.deadline {
                w.ticket.cancel();
            }
            w.ticket.start()
        });
        for w in late {
            reply(w, Err(StoreError::Stalled));
        }
        if !live.is_empty() {
            commit_batch(&mut conn, live);
            commits.fetch_add(1, Ordering::Relaxed);
        }
        progress.answered(n);
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

/// Why one request failed: refused by the rules of the store, or by SQLite.
pub(super) enum Fail {
    Store(StoreError),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sql(e)
    }
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Store(e) => e,
            Fail::Sql(e) => StoreError::Database(e.to_string()),
        }
    }
}

/// Commits a batch in one transaction, each request in its own savepoint so a
/// conflict fails only that request. Replies go out only after the commit.
fn commit_batch(conn: &mut Connection, batch: Vec<Write>) {
    let mut results: Vec<Result<u64, StoreError>> = Vec::with_capacity(batch.len());
    // IMMEDIATE takes the write lock up front: a lock held by another process (a
    // backup, say) is waited for within the busy timeout, where a deferred
    // transaction would fail at its first insert without waiting.
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch, &e),
    };
    for w in &batch {
        match in_savepoint(&tx, &w.op) {
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
fn in_savepoint(tx: &Connection, op: &Op) -> Result<Result<u64, StoreError>, rusqlite::Error> {
    let step = |sql: &str| tx.prepare_cached(sql).and_then(|mut s| s.execute([]));
    if let Err(e) = step("SAVEPOINT request") {
        return Ok(Err(Fail::Sql(e).into()));
    }
    let r = apply(tx, op).and_then(|seq| step("RELEASE request").map(|_| seq).map_err(Fail::Sql));
    if r.is_err() {
        step("ROLLBACK TO request")?;
        step("RELEASE request")?;
    }
    Ok(r.map_err(StoreError::from))
}

fn reply(w: Write, r: Result<u64, StoreError>) {
    // The writer outlives any hook: one that panicked has lost only its own
    // frames, and its caller still gets the outcome below.
    if let Some(f) = w.on_commit {
        let ok = r.is_ok();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ok))).is_err() {
            tracing::error!("a commit hook panicked; the writer goes on");
        }
    }
    let _ = w.reply.send(r);
}

fn insert_events(tx: &Connection, session: &str, events: &[Row]) -> Result<(), Fail> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (session_id, seq, kind, body) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in events {
        stmt.execute(params![session, e.seq as i64, e.kind, e.body])?;
    }
    Ok(())
}

/// Writes one request; returns the session's last seq after it.
fn apply(tx: &Connection, op: &Op) -> Result<u64, Fail> {
    match op {
        Op::Create {
            session,
            events,
            state_hash,
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
            insert_events(tx, &session.id, events)?;
            Ok(last)
        }
        Op::Append {
            session,
            expected,
            events,
            state_hash,
            seat,
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
                return Err(Fail::Store(StoreError::NotFound));
            }
            let actual = actual.unwrap_or(0) as u64;
            if actual != *expected {
                return Err(Fail::Store(StoreError::Conflict {
                    expected: *expected,
                    actual,
                }));
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
            Ok(last)
        }
    }
}
