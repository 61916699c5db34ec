//! Restoring every stored session at start-up: one scan of the events table,
//! replayed in parallel, each session checked against its stored state hash.

use std::collections::HashMap;
use std::sync::Arc;

use super::ids::Role;
use super::session::Seat;
use super::state::AppState;
use crate::engine::{self, Actor};
use crate::scenario::Scenario;
use crate::store::{SeatRow, SessionRow, Store, StoredSession};

/// What the restore pass read and replayed, ready to be started.
struct Restored {
    sessions: Vec<(SessionRow, engine::State)>,
    seats: Vec<SeatRow>,
    events: usize,
}

/// Re-derives every stored session from its events and starts its task.
///
/// The events table is read once, front to back, and each event is parsed and
/// evolved into its session's state as it comes (what `engine::replay` does,
/// interleaved across sessions). Parsing and evolving run on one thread per core,
/// each owning a share of the sessions, so one session's events stay in order. A
/// session whose events are not in seq order in that pass is replayed on its own.
/// The reading and replaying happen off the async workers.
pub(super) async fn restore(app: &Arc<AppState>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let store = app.store.clone();
    let restored = tokio::task::spawn_blocking(move || read_all(&store))
        .await
        .map_err(|_| anyhow::anyhow!("the restore thread panicked"))??;
    let count = restored.sessions.len();
    for (row, state) in restored.sessions {
        app.register_token(
            row.facilitator_token_hash,
            Seat {
                session_id: row.id.clone(),
                actor: Actor::Facilitator,
            },
        );
        app.register_session(row.id, row.join_code, state);
    }
    for seat in restored.seats {
        let actor = Role::parse(&seat.team).actor(seat.player);
        app.register_token(
            seat.token_hash,
            Seat {
                session_id: seat.session_id,
                actor,
            },
        );
    }
    tracing::info!(
        sessions = count,
        events = restored.events,
        ms = started.elapsed().as_millis() as u64,
        "sessions restored"
    );
    Ok(())
}

fn read_all(store: &Store) -> anyhow::Result<Restored> {
    let rows = store.sessions()?;
    // Sessions share their stored scenario source: compile each one once.
    let mut compiled: HashMap<i64, Option<Arc<Scenario>>> = HashMap::new();
    let mut scenarios: Vec<Option<Arc<Scenario>>> = Vec::with_capacity(rows.len());
    for row in &rows {
        let scenario = compiled.entry(row.source_id).or_insert_with(|| {
            StoredSession::compile(row)
                .map(Arc::new)
                .map_err(|e| tracing::error!(session = %row.id, "{e}"))
                .ok()
        });
        scenarios.push(scenario.clone());
    }
    let replays = replay_all(store, &rows, &scenarios)?;
    let mut events_total = 0usize;
    let mut sessions = Vec::with_capacity(rows.len());
    for ((row, scenario), replay) in rows.into_iter().zip(&scenarios).zip(replays) {
        if scenario.is_none() {
            continue;
        }
        let (state, events, hash_ok) = match replay {
            // Evolved from seq 1 without a gap: seq is the number of events.
            Replay::Done { state, hash_ok } => {
                let n = state.seq as usize;
                (state, n, hash_ok)
            }
            Replay::Playing(_) | Replay::OutOfOrder => match StoredSession::load(store, &row.id) {
                Ok(s) => {
                    let (state, hash) = engine::replay_checked(s.scenario, &s.events, row.hash_seq);
                    // A state that cannot be hashed counts as not matching.
                    let ok = hash.is_ok_and(|h| h.as_deref() == Some(row.state_hash.as_str()));
                    (state, s.events.len(), ok)
                }
                Err(e) => {
                    tracing::error!(session = %row.id, "cannot load the session: {e}");
                    continue;
                }
            },
            Replay::Failed(e) => {
                tracing::error!(session = %row.id, "cannot load events: {e}");
                continue;
            }
        };
        events_total += events;
        if !hash_ok {
            tracing::warn!(session = %row.id, "replayed state differs from the stored state hash");
        }
        sessions.push((row, state));
    }
    Ok(Restored {
        sessions,
        seats: store.seats()?,
        events: events_total,
    })
}

/// One session's progress through the restore pass.
enum Replay {
    Playing(engine::State),
    /// Every event applied in order; whether the state hash matches the stored one.
    Done {
        state: engine::State,
        hash_ok: bool,
    },
    /// Its events were not in seq order in the table scan: replay it alone.
    OutOfOrder,
    /// An event could not be read; the session is not restored.
    Failed(String),
}

/// Events sent to a restore worker in one message.
const RESTORE_BATCH: usize = 256;

/// A stored event on its way to the worker that owns its session (by index).
struct RawEvent {
    session: usize,
    seq: i64,
    body: Result<String, String>,
}

/// Scans the events table once and replays every session whose scenario
/// compiled, on one worker thread per core. Returns one `Replay` per row.
fn replay_all(
    store: &Store,
    rows: &[SessionRow],
    scenarios: &[Option<Arc<Scenario>>],
) -> anyhow::Result<Vec<Replay>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawEvent>>(64);
            senders.push(tx);
            let mine: HashMap<usize, Replay> = (w..rows.len())
                .step_by(workers)
                .filter_map(|i| {
                    let s = scenarios[i].clone()?;
                    Some((i, Replay::Playing(engine::State::blank(s))))
                })
                .collect();
            handles.push(scope.spawn(move || replay_worker(rows, mine, &rx)));
        }
        let mut batches: Vec<Vec<RawEvent>> = (0..workers)
            .map(|_| Vec::with_capacity(RESTORE_BATCH))
            .collect();
        let scanned = store.scan_event_rows(|session, seq, body| {
            let Some(&i) = index.get(session) else { return };
            let w = i % workers;
            batches[w].push(RawEvent {
                session: i,
                seq,
                body: body.map(str::to_owned).map_err(|e| e.to_string()),
            });
            if batches[w].len() >= RESTORE_BATCH {
                let full = std::mem::replace(&mut batches[w], Vec::with_capacity(RESTORE_BATCH));
                let _ = senders[w].send(full);
            }
        });
        for (w, rest) in batches.into_iter().enumerate() {
            let _ = senders[w].send(rest);
        }
        drop(senders);
        let mut out: Vec<Replay> = (0..rows.len()).map(|_| Replay::OutOfOrder).collect();
        for h in handles {
            let done = h
                .join()
                .map_err(|_| anyhow::anyhow!("a restore thread panicked"))?;
            for (i, r) in done {
                out[i] = r;
            }
        }
        if let Err(e) = scanned {
            // Fall back to reading each session's events on its own.
            tracing::error!("cannot scan the events table ({e}); replaying sessions one by one");
            out = (0..rows.len()).map(|_| Replay::OutOfOrder).collect();
        }
        Ok(out)
    })
}

/// Parses and evolves the events of the sessions it owns, then hashes them.
fn replay_worker(
    rows: &[SessionRow],
    mut mine: HashMap<usize, Replay>,
    rx: &std::sync::mpsc::Receiver<Vec<RawEvent>>,
) -> Vec<(usize, Replay)> {
    // Whether each session's state matched its stored hash at `hash_seq`.
    let mut checked: HashMap<usize, bool> = HashMap::new();
    while let Ok(batch) = rx.recv() {
        for raw in batch {
            let Some(replay) = mine.get_mut(&raw.session) else {
                continue;
            };
            let Replay::Playing(state) = replay else {
                continue;
            };
            let event = raw.body.and_then(|body| {
                crate::store::parse_event(&rows[raw.session].id, raw.seq, &body)
                    .map_err(|e| e.to_string())
            });
            match event {
                Ok(event) if event.seq == state.seq + 1 => {
                    engine::evolve(state, &event);
                    // The stored hash is for the state after event `hash_seq`.
                    if state.seq == rows[raw.session].hash_seq {
                        // A state that cannot be hashed counts as not matching.
                        let same = state
                            .hash()
                            .is_ok_and(|h| h == rows[raw.session].state_hash);
                        checked.insert(raw.session, same);
                    }
                }
                Ok(_) => *replay = Replay::OutOfOrder,
                Err(e) => *replay = Replay::Failed(e),
            }
        }
    }
    mine.into_iter()
        .map(|(i, r)| match r {
            Replay::Playing(state) => {
                let hash_ok = checked.get(&i).copied().unwrap_or(false);
                (i, Replay::Done { state, hash_ok })
            }
            other => (i, other),
        })
        .collect()
}
