//! The series report: every session of one scenario side by side, with simulated
//! baselines beside the human games.
//!
//! `gather.rs` picks the sessions from the store (one scenario version: the same
//! digest), `model.rs` replays them through `engine::evolve` and counts what the
//! report shows, `baseline.rs` runs `engine::simulate_with` for the same scenario
//! and turns, and one file per format renders the model (`json.rs`, `csv.rs`,
//! `markdown.rs`, `html.rs` with `svg.rs`).
//!
//! **Invariant:** the same sessions and options give the same bytes: sessions in
//! the order they were created (then by id), ordered maps, a fixed simulation
//! seed, no clock (the only times are the sessions' own).
//! **Invariant:** anonymous unless asked: no player name reaches any format
//! without [`Options::names`], and no free text players wrote (rationales,
//! messages) is shown at all.
//!
//! `series` reads the store and uses the export's escaping; it knows nothing of
//! HTTP. The layers: `store` / `export` -> `series` -> `server` -> `main`.

mod baseline;
mod csv;
mod gather;
mod html;
mod json;
mod markdown;
mod model;
mod svg;
mod tables;
mod words;

pub use gather::{Gathered, Selection, StoredScenario, gather, stored_scenarios};
pub use model::*;

use crate::store::Store;

/// The JSON document's schema name and version.
pub const SCHEMA: &str = "wargame.series/1";

/// How many games each simulated baseline plays unless told otherwise.
pub const DEFAULT_RUNS: u32 = 200;
/// The simulated baselines' seed unless told otherwise: fixed, so the report is
/// reproducible.
pub const DEFAULT_SEED: u64 = 1;
/// The most games a baseline may play (a request beyond it is refused).
pub const MAX_RUNS: u32 = 2000;

/// A series report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Html,
    Json,
    Csv,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Html, Format::Json, Format::Csv, Format::Markdown];

    /// `html`, `json`, `csv` or `markdown` (or `md`).
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "markdown" | "md" => Some(Format::Markdown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }

    /// The HTTP `Content-Type` to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
        }
    }

    pub fn file_extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "md",
        }
    }
}

/// What a series shows beyond the sessions themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Include player names (per session, by team). Off by default.
    pub names: bool,
    /// Games per simulated baseline; 0 leaves the baselines out.
    pub runs: u32,
    /// The simulated baselines' seed.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            names: false,
            runs: DEFAULT_RUNS,
            seed: DEFAULT_SEED,
        }
    }
}

/// Why a series cannot be made. Every message says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum SeriesError {
    #[error("no sessions listed: give --sessions ID,ID,... or --scenario ID")]
    NothingListed,
    #[error("session {0} is listed twice")]
    Duplicate(String),
    #[error("there is no session `{0}` in this database")]
    UnknownSession(String),
    #[error("no stored session played scenario `{scenario}`{}", known_list(.known))]
    NoSessions {
        scenario: String,
        /// The scenario ids that do have sessions.
        known: Vec<String>,
    },
    #[error("no session of scenario `{0}` has started yet (every one is still in its lobby)")]
    NoneStarted(String),
    #[error(
        "the sessions were played with different scenarios: {0}; a series compares sessions of one scenario version (the same digest)"
    )]
    MixedScenarios(String),
    #[error(
        "session {session}: its stored scenario no longer compiles with this version of wargame: {message}"
    )]
    Scenario { session: String, message: String },
    #[error("the simulated baseline failed: {0}")]
    Baseline(String),
    #[error("--runs {0} is more than {MAX_RUNS}")]
    TooManyRuns(u32),
    #[error("cannot read the database: {0}")]
    Store(crate::store::StoreError),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (the database holds no sessions)".to_string()
    } else {
        format!(" (sessions exist for: {})", known.join(", "))
    }
}

impl From<crate::store::StoreError> for SeriesError {
    fn from(e: crate::store::StoreError) -> Self {
        SeriesError::Store(e)
    }
}

/// Renders a built series in one format.
pub fn render(format: Format, series: &Series) -> Vec<u8> {
    match format {
        Format::Html => html::render(series).into_bytes(),
        Format::Json => json::render(series),
        Format::Csv => csv::render(series).into_bytes(),
        Format::Markdown => markdown::render(series).into_bytes(),
    }
}

/// Gathers, builds and renders a series from the store in one call.
pub fn report(
    store: &Store,
    selection: &Selection,
    options: &Options,
    format: Format,
) -> Result<Vec<u8>, SeriesError> {
    let gathered = gather(store, selection)?;
    let series = Series::build(&gathered, options)?;
    Ok(render(format, &series))
}
