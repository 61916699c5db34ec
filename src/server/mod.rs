//! HTTP routes, WebSocket connections, one task per session.
//!
//! **Invariant:** the server is the only place that knows about time, tokens and
//! sockets. It turns frames into engine commands, saves the resulting events,
//! acknowledges, then broadcasts each event filtered per seat.
//!
//! This file only declares the modules and re-exports; nothing imports from it
//! but those names.

pub mod assets;
mod auth;
mod clock;
mod fanout;
mod health;
mod http;
mod ids;
mod lan;
mod protocol;
mod restore;
mod session;
mod startup;
mod state;
mod ws;

pub use auth::{HOST_PASSWORD_HEADER, HostPassword, hash_token, normalize_code, require_host};
pub use clock::now_ms;
pub use fanout::event_frame;
pub use http::ApiError;
pub use ids::{JoinCode, SessionId, Token};
pub use session::{Seat, SessionHandle};
pub use startup::{
    Application, CSP, Config, DEFAULT_PLAYERS_PER_SESSION, DEFAULT_SESSION_WINDOW,
    DEFAULT_SESSIONS_PER_ADDRESS,
};
pub use state::{AppState, Loaded, TokenRegistry};
pub use ws::MAX_FRAME;

#[cfg(test)]
mod tests;
