//! `wargame`: facilitate tabletop policy wargames.
//!
//! See ARCHITECTURE.md for the map.

pub mod engine;
pub mod export;
pub mod scenario;
pub mod series;
pub mod server;
pub mod store;
