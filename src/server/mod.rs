//! HTTP routes, WebSocket connections, one task per session.
//!
//! **Invariant:** the server is the only place that knows about time, tokens and
//! sockets. It turns frames into engine commands, saves the resulting events,
//! acknowledges, then broadcasts each event filtered per seat.

pub mod assets;
mod auth;
mod http;
mod ids;
mod protocol;
mod session;
mod ws;

use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::{App, HttpServer, middleware, web};
use tokio::sync::watch;

pub use auth::{hash_token, normalize_code};
pub use session::{Seat, SessionHandle, event_frame};
pub use ws::MAX_FRAME;

use crate::engine::{self, Actor};
use crate::scenario::{self, Scenario};
use crate::store::Store;

/// Milliseconds since the Unix epoch, the only clock the game sees.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub db: PathBuf,
    pub scenarios: PathBuf,
}

/// A scenario available for new sessions: compiled, with its source text.
pub struct Loaded {
    pub scenario: Arc<Scenario>,
    pub source: String,
}

pub struct AppState {
    pub store: Store,
    pub scenarios: BTreeMap<String, Loaded>,
    sessions: RwLock<HashMap<String, SessionHandle>>,
    codes: RwLock<HashMap<String, String>>,
    tokens: RwLock<HashMap<String, Seat>>,
    join_limiter: auth::JoinLimiter,
    pub shutdown: watch::Sender<bool>,
}

impl AppState {
    pub fn session(&self, id: &str) -> Option<SessionHandle> {
        self.sessions.read().ok()?.get(id).cloned()
    }

    fn session_by_code(&self, code: &str) -> Option<(String, SessionHandle)> {
        let id = self.codes.read().ok()?.get(code).cloned()?;
        let handle = self.session(&id)?;
        Some((id, handle))
    }

    pub fn seat_for_token(&self, token: &str) -> Option<Seat> {
        let hash = hash_token(token);
        let map = self.tokens.read().ok()?;
        let (stored, seat) = map.get_key_value(&hash)?;
        auth::hashes_equal(stored, &hash).then(|| seat.clone())
    }

    fn register_token(&self, hash: String, seat: Seat) {
        if let Ok(mut map) = self.tokens.write() {
            map.insert(hash, seat);
        }
    }

    fn register_session(self: &Arc<Self>, id: String, code: String, state: engine::State) {
        let handle = session::spawn(self.clone(), id.clone(), code.clone(), state);
        if let Ok(mut s) = self.sessions.write() {
            s.insert(id.clone(), handle);
        }
        if let Ok(mut c) = self.codes.write() {
            c.insert(code, id);
        }
    }

    fn code_in_use(&self, code: &str) -> bool {
        self.codes
            .read()
            .map(|c| c.contains_key(code))
            .unwrap_or(true)
    }
}

/// The running server: `build` binds and restores sessions, `run_until_stopped` serves.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    app: Arc<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.addr)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        Self::with_listener(config, listener).await
    }

    pub async fn with_listener(
        config: Config,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let scenarios = load_scenarios(&config)?;
        let store = Store::open(&config.db)
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", config.db.display()))?;
        let (shutdown, _) = watch::channel(false);
        let app = Arc::new(AppState {
            store,
            scenarios,
            sessions: RwLock::new(HashMap::new()),
            codes: RwLock::new(HashMap::new()),
            tokens: RwLock::new(HashMap::new()),
            join_limiter: auth::JoinLimiter::new(10, Duration::from_secs(60)),
            shutdown,
        });
        restore(&app)?;
        let port = listener.local_addr()?.port();
        let data = web::Data::from(app.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(http::json_config())
                .app_data(http::query_config())
                .app_data(http::path_config())
                .wrap(
                    middleware::DefaultHeaders::new()
                        .add(("Content-Security-Policy", CSP))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY")),
                )
                .configure(http::configure)
                .route("/ws", web::get().to(ws::route))
                .configure(assets::configure)
                .default_service(web::to(http::not_found))
        })
        .on_connect(no_delay)
        .disable_signals()
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        Ok(Application { port, server, app })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM (when `signals`) or the returned future completes.
    pub async fn run_until_stopped(self, signals: bool) -> std::io::Result<()> {
        let handle = self.server.handle();
        let app = self.app.clone();
        if signals {
            actix_web::rt::spawn(async move {
                wait_for_signal().await;
                tracing::info!("shutting down: closing connections, finishing writes");
                let _ = app.shutdown.send(true);
                tokio::time::sleep(Duration::from_millis(200)).await;
                handle.stop(true).await;
            });
        }
        let r = self.server.await;
        self.app.store.close();
        r
    }
}

/// Turns off Nagle's algorithm on every accepted socket. Frames are small and
/// often several go out back to back (an ack, then the command's events); with
/// Nagle on, each one after the first waits for the peer's delayed ACK (tens of
/// milliseconds). actix-web leaves the OS default in place.
fn no_delay(connection: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(socket) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Err(e) = socket.set_nodelay(true)
    {
        tracing::debug!("cannot set TCP_NODELAY: {e}");
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
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
    app: &AppState,
    rows: &[crate::store::SessionRow],
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
        let scanned = app.store.scan_event_rows(|session, seq, body| {
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
    rows: &[crate::store::SessionRow],
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

fn load_scenarios(config: &Config) -> anyhow::Result<BTreeMap<String, Loaded>> {
    let loaded = scenario::load_dir(&config.scenarios).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the scenarios folder has problems:\n{}", lines.join("\n"))
    })?;
    let mut out = BTreeMap::new();
    for (s, source) in loaded {
        tracing::info!(scenario = %s.id, "scenario loaded");
        out.insert(
            s.id.clone(),
            Loaded {
                scenario: Arc::new(s),
                source,
            },
        );
    }
    if out.is_empty() {
        anyhow::bail!(
            "no scenarios (*.toml) found in {}",
            config.scenarios.display()
        );
    }
    Ok(out)
}

/// Re-derives every stored session from its events and starts its task.
///
/// The events table is read once, front to back, and each event is parsed and
/// evolved into its session's state as it comes (what `engine::replay` does,
/// interleaved across sessions). Parsing and evolving run on one thread per core,
/// each owning a share of the sessions, so one session's events stay in order. A
/// session whose events are not in seq order in that pass is replayed on its own.
fn restore(app: &Arc<AppState>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let rows = app.store.sessions()?;
    // Sessions share their stored scenario source: compile each one once.
    let mut compiled: HashMap<i64, Result<Arc<Scenario>, String>> = HashMap::new();
    let mut scenarios: Vec<Option<Arc<Scenario>>> = Vec::with_capacity(rows.len());
    for row in &rows {
        let scenario = compiled.entry(row.source_id).or_insert_with(|| {
            scenario::compile(
                &format!("session {} scenario", row.id),
                &row.scenario_source,
            )
            .map(Arc::new)
            .map_err(|p| p.first().map(ToString::to_string).unwrap_or_default())
        });
        match scenario {
            Ok(s) => scenarios.push(Some(s.clone())),
            Err(problem) => {
                tracing::error!(session = %row.id, "stored scenario no longer compiles: {problem}");
                scenarios.push(None);
            }
        }
    }
    let replays = replay_all(app, &rows, &scenarios)?;
    let mut events_total = 0usize;
    for ((row, scenario), replay) in rows.iter().zip(&scenarios).zip(replays) {
        let Some(scenario) = scenario else { continue };
        let (state, events, hash_ok) = match replay {
            // Evolved from seq 1 without a gap: seq is the number of events.
            Replay::Done { state, hash_ok } => {
                let n = state.seq as usize;
                (state, n, hash_ok)
            }
            Replay::Playing(_) | Replay::OutOfOrder => match app.store.events(&row.id) {
                Ok(events) => {
                    let (state, hash) =
                        engine::replay_checked(scenario.clone(), &events, row.hash_seq);
                    let ok = hash.is_ok_and(|h| h.as_deref() == Some(row.state_hash.as_str()));
                    (state, events.len(), ok)
                }
                Err(e) => {
                    tracing::error!(session = %row.id, "cannot load events: {e}");
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
        if let Ok(mut t) = app.tokens.write() {
            t.insert(
                row.facilitator_token_hash.clone(),
                Seat {
                    session_id: row.id.clone(),
                    actor: Actor::Facilitator,
                },
            );
        }
        app.register_session(row.id.clone(), row.join_code.clone(), state);
    }
    for seat in app.store.seats()? {
        let actor = ids::Role::parse(&seat.team).actor(seat.player);
        app.register_token(
            seat.token_hash,
            Seat {
                session_id: seat.session_id,
                actor,
            },
        );
    }
    tracing::info!(
        sessions = rows.len(),
        events = events_total,
        ms = started.elapsed().as_millis() as u64,
        "sessions restored"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Command;

    async fn test_app(db: &std::path::Path) -> Application {
        let config = Config {
            addr: "127.0.0.1:0".into(),
            db: db.to_path_buf(),
            scenarios: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        };
        Application::build(config).await.expect("builds")
    }

    /// Stores a session "s1" as the HTTP route does and starts its task.
    async fn create_s1(state: &Arc<AppState>) -> SessionHandle {
        let loaded = &state.scenarios["belarus-2025"];
        let (session, first) =
            engine::create(loaded.scenario.clone(), "T", 1, None, true, now_ms());
        state
            .store
            .create_session(
                crate::store::NewSession {
                    id: "s1".into(),
                    join_code: "CODE01".into(),
                    scenario_id: loaded.scenario.id.clone(),
                    scenario_source: loaded.source.clone(),
                    title: "T".into(),
                    created_at: session.created_at,
                    facilitator_token_hash: hash_token("fac"),
                },
                &[first],
                session.hash().expect("the state hashes"),
            )
            .await
            .expect("stored");
        state.register_session("s1".into(), "CODE01".into(), session);
        state.session("s1").expect("running")
    }

    async fn snapshot(handle: &SessionHandle) -> serde_json::Value {
        let (tx, _rx) = tokio::sync::mpsc::channel(8);
        let frame = handle
            .subscribe(1, Actor::Facilitator, tx)
            .await
            .expect("readable");
        serde_json::from_str(&frame).expect("json")
    }

    /// Restore reads all events in one table scan; a session whose rows are not
    /// in seq order there is replayed on its own and comes back the same.
    #[actix_rt::test]
    async fn restore_replays_sessions_whose_rows_are_out_of_order() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("t.db");
        let mut before = {
            let app = test_app(&db).await;
            let handle = create_s1(&app.app).await;
            handle
                .command(Actor::Facilitator, Command::Start)
                .await
                .expect("start");
            handle
                .command(Actor::Facilitator, Command::Advance)
                .await
                .expect("advance");
            let snap = snapshot(&handle).await;
            app.app.store.close();
            snap
        };
        {
            // Move event 2 behind event 3 in the table.
            let conn = rusqlite::Connection::open(&db).expect("open");
            conn.execute_batch(
                "CREATE TEMP TABLE moved AS SELECT * FROM events WHERE seq = 2;
                 DELETE FROM events WHERE seq = 2;
                 INSERT INTO events SELECT * FROM moved;",
            )
            .expect("reorder");
        }
        let app = test_app(&db).await;
        let handle = app.app.session("s1").expect("restored");
        let mut after = snapshot(&handle).await;
        for key in ["presence", "now"] {
            after[key] = serde_json::Value::Null;
            before[key] = serde_json::Value::Null;
        }
        assert_eq!(after["phase"], "decision");
        assert_eq!(after, before);
    }

    /// A command whose events cannot be stored changes nothing: the session task
    /// evolves its state in place, so it must fall back to the stored events.
    #[actix_rt::test]
    async fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let app = test_app(&dir.path().join("t.db")).await;
        let state = app.app.clone();
        let handle = create_s1(&state).await;
        let seq = handle
            .command(Actor::Facilitator, Command::Start)
            .await
            .expect("start is stored");

        // The writer stops: the next command cannot be stored.
        state.store.close();
        let refused = handle.command(Actor::Facilitator, Command::Advance).await;
        assert!(
            matches!(refused, Err(session::CommandError::Unavailable(_))),
            "{refused:?}"
        );
        let snapshot = snapshot(&handle).await;
        assert_eq!(snapshot["seq"].as_u64(), Some(seq));
        assert_eq!(snapshot["phase"], "briefing", "the unsaved advance is gone");
        let row = state.store.session("s1").expect("row");
        assert_eq!(row.last_seq, seq);
    }
}
