//! HTTP routes, WebSocket connections, one task per session.
//!
//! **Invariant:** the server is the only place that knows about time, tokens and
//! sockets. It turns frames into engine commands, saves the resulting events,
//! acknowledges, then broadcasts each event filtered per seat.

pub mod assets;
mod auth;
mod http;
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
        let handle = session::spawn(self.clone(), id.clone(), state);
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
fn restore(app: &Arc<AppState>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let rows = app.store.sessions()?;
    let mut events_total = 0usize;
    // Sessions share their stored scenario source: compile each one once.
    let mut compiled: HashMap<i64, Result<Arc<Scenario>, String>> = HashMap::new();
    for row in &rows {
        let scenario = compiled.entry(row.source_id).or_insert_with(|| {
            scenario::compile(
                &format!("session {} scenario", row.id),
                &row.scenario_source,
            )
            .map(Arc::new)
            .map_err(|p| p.first().map(ToString::to_string).unwrap_or_default())
        });
        let scenario = match scenario {
            Ok(s) => s.clone(),
            Err(problem) => {
                tracing::error!(session = %row.id, "stored scenario no longer compiles: {problem}");
                continue;
            }
        };
        let events = match app.store.events(&row.id) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(session = %row.id, "cannot load events: {e}");
                continue;
            }
        };
        events_total += events.len();
        let state = engine::replay(scenario, &events);
        if state.hash() != row.state_hash {
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
        let actor = if seat.team == "observer" {
            Actor::Observer {
                player: seat.player,
            }
        } else {
            Actor::Team {
                team: seat.team,
                player: seat.player,
            }
        };
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

    /// A command whose events cannot be stored changes nothing: the session task
    /// evolves its state in place, so it must fall back to the stored events.
    #[actix_rt::test]
    async fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let config = Config {
            addr: "127.0.0.1:0".into(),
            db: dir.path().join("t.db"),
            scenarios: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        };
        let app = Application::build(config).await.expect("builds");
        let state = app.app.clone();
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
                session.hash(),
            )
            .await
            .expect("stored");
        state.register_session("s1".into(), "CODE01".into(), session);
        let handle = state.session("s1").expect("running");
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
        let (tx, _rx) = tokio::sync::mpsc::channel(8);
        let snapshot = handle
            .subscribe(1, Actor::Facilitator, tx)
            .await
            .expect("still readable");
        let snapshot: serde_json::Value = serde_json::from_str(&snapshot).expect("json");
        assert_eq!(snapshot["seq"].as_u64(), Some(seq));
        assert_eq!(snapshot["phase"], "briefing", "the unsaved advance is gone");
        let row = state.store.session("s1").expect("row");
        assert_eq!(row.last_seq, seq);
    }
}
