//! HTTP routes, WebSocket connections, one task per session.
pub mod assets;
