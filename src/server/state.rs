//! What the HTTP routes and connections share: the store, the scenarios, and the
//! registries of running sessions, join codes and seat tokens.
//!
//! **Invariant:** a registry lock is never held across an await, and a lock
//! poisoned by a panic elsewhere is recovered, never read as "empty" or "taken".

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::watch;

use super::auth;
use super::ids::JoinCode;
use super::session::{self, Seat, SessionHandle};
use crate::engine;
use crate::scenario::Scenario;
use crate::store::Store;

/// A scenario available for new sessions: compiled, with its source text.
pub struct Loaded {
    pub scenario: Arc<Scenario>,
    pub source: String,
}

/// Seat tokens by their SHA-256 hash: who a token makes a connection. Shared by
/// the join route and the session tasks, which register a new seat's token the
/// moment its join is stored.
#[derive(Default)]
pub struct TokenRegistry {
    seats: RwLock<HashMap<String, Seat>>,
}

impl TokenRegistry {
    pub fn register(&self, hash: String, seat: Seat) {
        self.seats
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(hash, seat);
    }

    /// The seat a token opens, compared in constant time.
    pub fn seat_for_token(&self, token: &str) -> Option<Seat> {
        let hash = auth::hash_token(token);
        let map = self.seats.read().unwrap_or_else(PoisonError::into_inner);
        let (stored, seat) = map.get_key_value(&hash)?;
        auth::hashes_equal(stored, &hash).then(|| seat.clone())
    }
}

/// Tries at drawing a join code no running session has, before giving up.
const CODE_ATTEMPTS: usize = 64;

pub struct AppState {
    pub store: Store,
    pub scenarios: BTreeMap<String, Loaded>,
    pub tokens: Arc<TokenRegistry>,
    sessions: RwLock<HashMap<String, SessionHandle>>,
    codes: RwLock<HashMap<String, String>>,
    pub(super) join_limiter: auth::AddressLimiter,
    /// Guards creating and forking sessions (and the series page) when set.
    pub host_password: Option<auth::HostPassword>,
    /// Wrong host passwords per address.
    pub(super) password_limiter: auth::AddressLimiter,
    /// Sessions created (or forked) per address; `None`: no limit.
    pub(super) creation_limiter: Option<auth::AddressLimiter>,
    /// Most seats (players and observers) in one session; 0: no limit.
    pub(super) max_players: u32,
    pub shutdown: watch::Sender<bool>,
}

/// Limits the server applies whatever the password: see `Config`.
#[derive(Debug, Clone)]
pub struct Limits {
    pub host_password: Option<auth::HostPassword>,
    /// Sessions one address may create in `session_window` (0: no limit).
    pub sessions_per_address: u32,
    pub session_window: std::time::Duration,
    /// Seats in one session, observers included (0: no limit).
    pub players_per_session: u32,
}

/// Wrong host passwords an address may send in a minute before it waits.
pub const PASSWORD_ATTEMPTS: u32 = 5;

impl AppState {
    pub(super) fn new(
        store: Store,
        scenarios: BTreeMap<String, Loaded>,
        limits: Limits,
    ) -> AppState {
        let (shutdown, _) = watch::channel(false);
        let minute = std::time::Duration::from_secs(60);
        AppState {
            store,
            scenarios,
            tokens: Arc::new(TokenRegistry::default()),
            sessions: RwLock::new(HashMap::new()),
            codes: RwLock::new(HashMap::new()),
            join_limiter: auth::AddressLimiter::new(10, minute),
            host_password: limits.host_password,
            password_limiter: auth::AddressLimiter::new(PASSWORD_ATTEMPTS, minute),
            creation_limiter: (limits.sessions_per_address > 0).then(|| {
                auth::AddressLimiter::new(limits.sessions_per_address, limits.session_window)
            }),
            max_players: limits.players_per_session,
            shutdown,
        }
    }

    pub fn session(&self, id: &str) -> Option<SessionHandle> {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    pub(super) fn session_by_code(&self, code: &str) -> Option<(String, SessionHandle)> {
        let id = self
            .codes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(code)
            .cloned()?;
        let handle = self.session(&id)?;
        Some((id, handle))
    }

    pub fn seat_for_token(&self, token: &str) -> Option<Seat> {
        self.tokens.seat_for_token(token)
    }

    pub(super) fn register_token(&self, hash: String, seat: Seat) {
        self.tokens.register(hash, seat);
    }

    /// Starts the task of a stored session and makes it reachable by id and code.
    pub(super) fn register_session(&self, id: String, code: String, state: engine::State) {
        let handle = session::spawn(
            self.store.clone(),
            self.tokens.clone(),
            id.clone(),
            code.clone(),
            state,
            self.max_players,
        );
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), handle);
        self.codes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(code, id);
    }

    /// A join code no running session has; `None` after `CODE_ATTEMPTS` draws
    /// (the code space is nearly full, or the OS RNG repeats itself).
    pub(super) fn fresh_join_code(&self) -> Option<JoinCode> {
        let codes = self.codes.read().unwrap_or_else(PoisonError::into_inner);
        (0..CODE_ATTEMPTS)
            .map(|_| JoinCode::random())
            .find(|code| !codes.contains_key(code.as_str()))
    }
}
