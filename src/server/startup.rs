//! The running server: configuration, binding, the middleware every answer gets,
//! serving until a signal, and graceful shutdown.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, middleware, web};

use super::state::{AppState, Loaded};
use super::{assets, http, lan, restore, ws};
use crate::scenario;
use crate::store::{Store, StoreOptions};

/// The Content-Security-Policy of every answer: nothing but the server's own files.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub db: PathBuf,
    pub scenarios: PathBuf,
    /// A database write not committed by then is answered `unavailable`.
    pub write_timeout: Duration,
    /// Guards creating and forking sessions (and the series page); `None`: anyone
    /// who reaches the server may.
    pub host_password: Option<super::auth::HostPassword>,
    /// Sessions one address may create (or fork) per `session_window`; 0: no limit.
    pub sessions_per_address: u32,
    pub session_window: Duration,
    /// Seats in one session, observers included; 0: no limit.
    pub players_per_session: u32,
}

/// The default limits: a facilitator creating a session for each of six syndicates
/// and a few rehearsals stays far below 30 in ten minutes, while a script filling
/// the disk is stopped at once; a seminar game seats a few players per team and a
/// row of observers, far below 60, while a 2,000-seat session (a 425 KB snapshot
/// to every seat) is refused.
pub const DEFAULT_SESSIONS_PER_ADDRESS: u32 = 30;
pub const DEFAULT_SESSION_WINDOW: Duration = Duration::from_secs(600);
pub const DEFAULT_PLAYERS_PER_SESSION: u32 = 60;

impl Default for Config {
    /// The command line's defaults.
    fn default() -> Self {
        Config {
            addr: "127.0.0.1:8080".into(),
            db: PathBuf::from("wargame.db"),
            scenarios: PathBuf::from("scenarios"),
            write_timeout: StoreOptions::default().write_timeout,
            host_password: None,
            sessions_per_address: DEFAULT_SESSIONS_PER_ADDRESS,
            session_window: DEFAULT_SESSION_WINDOW,
            players_per_session: DEFAULT_PLAYERS_PER_SESSION,
        }
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
        let options = StoreOptions {
            write_timeout: config.write_timeout,
        };
        let store = Store::open_with(&config.db, options)
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", config.db.display()))?;
        let limits = super::state::Limits {
            host_password: config.host_password.clone(),
            sessions_per_address: config.sessions_per_address,
            session_window: config.session_window,
            players_per_session: config.players_per_session,
        };
        let app = Arc::new(AppState::new(store, scenarios, limits));
        restore::restore(&app).await?;
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
                .configure(lan::configure)
                .service(http::only("/ws", "GET", web::get().to(ws::route)))
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

    /// The server's event log, for tests that need to hold its writer.
    #[doc(hidden)]
    pub fn store(&self) -> Store {
        self.app.store.clone()
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

    #[cfg(test)]
    pub(super) fn state(&self) -> &Arc<AppState> {
        &self.app
    }
}

/// Turns off Nagle's algorithm on every accepted socket. Frames are small and
/// often several go out back to back (an ack, then the command's events); with
/// Nagle on, each one after the first waits for the peer's delayed ACK (tens of
/// milliseconds). actix-web leaves the OS default in place. Also keeps a handle
/// on the socket for a WebSocket to end its connection once its close handshake
/// is done ([`ws::Socket`]).
fn no_delay(connection: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions) {
    if let Some(socket) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(e) = socket.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
        ws::Socket::remember(socket, ext);
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
