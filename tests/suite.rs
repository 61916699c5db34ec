//! Every integration test, as modules of one test binary (one link instead of
//! eight). Run one part with a filter: `cargo test --test suite api::`,
//! `cargo test --test suite browser`.
//!
//! - `api`: the real server over HTTP and WebSockets (crash, stalled disk, restart).
//! - `browser`: the web consoles in headless Chromium (tests/e2e).
//! - `engine`, `props`, `visibility`: the pure engine, its properties, who sees what.
//! - `export`: the after-action reports against golden files.
//! - `debrief`: the hot-wash survey after the end, its checks, visibility and report.
//! - `negotiation`: channels, messages and agreements, seat by seat.
//! - `scenario`: scenario files and the command line, as a user runs them.
//! - `series`: the series report over stored sessions, library and command line.
//! - `tidy`: invariants checked on the source text.

mod common;

mod aar;
#[path = "api/main.rs"]
mod api;
mod bots;
mod browser;
mod debrief;
mod engine;
mod export;
mod negotiation;
mod props;
mod scenario;
mod series;
mod teamwork;
mod tidy;
mod v2;
mod visibility;
