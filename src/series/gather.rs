//! Which sessions a series compares, read from the store.
//!
//! A session's scenario is the source text stored with it when it was created
//! (never the file in the scenarios directory, which may have changed or gone
//! since): sessions with the same source text share a digest and are one scenario
//! version. A series holds one version: with `--scenario` the newest version's
//! sessions (the report says how many of older versions were left out), with
//! `--sessions` exactly those listed, refused when their versions differ.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::SeriesError;
use crate::engine::Event;
use crate::scenario::Scenario;
use crate::store::{LoadError, SessionRow, Store, StoreError, StoredSession};

/// The sessions to compare. In the JSON: `{"scenario": ID}` or `{"sessions": [ID, ...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Every started session of this scenario id (its newest version).
    Scenario(String),
    /// Exactly these sessions.
    Sessions(Vec<String>),
}

/// The sessions of a series, loaded, with the scenario they share.
pub struct Gathered {
    pub selection: Selection,
    pub scenario: Arc<Scenario>,
    /// Oldest first (then by id).
    pub sessions: Vec<(SessionRow, Vec<Event>)>,
    /// What was left out and why, in sentences.
    pub notes: Vec<String>,
}

/// A scenario with stored sessions, for the start page's "Compare sessions".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredScenario {
    pub id: String,
    /// The title in the newest version's source (the id when it does not compile).
    pub title: String,
    /// Sessions of the newest version.
    pub sessions: usize,
    /// Sessions of older versions (a series by scenario leaves them out).
    pub older: usize,
}

/// The first 12 hex digits of a source's SHA-256: how the report names a version.
pub fn short_digest(source: &str) -> String {
    let mut d = hex::encode(Sha256::digest(source.as_bytes()));
    d.truncate(12);
    d
}

/// Loads the sessions `selection` names.
pub fn gather(store: &Store, selection: &Selection) -> Result<Gathered, SeriesError> {
    match selection {
        Selection::Scenario(id) => by_scenario(store, id),
        Selection::Sessions(ids) => by_sessions(store, ids),
    }
}

fn compile(row: &SessionRow) -> Result<Arc<Scenario>, SeriesError> {
    StoredSession::compile(row)
        .map(Arc::new)
        .map_err(|e| SeriesError::Scenario {
            session: row.id.clone(),
            message: match e {
                LoadError::Scenario(m) => m,
                other => other.to_string(),
            },
        })
}

fn events(store: &Store, row: &SessionRow) -> Result<Vec<Event>, SeriesError> {
    store.events(&row.id).map_err(|e| match e {
        StoreError::NotFound => SeriesError::UnknownSession(row.id.clone()),
        other => SeriesError::Store(other),
    })
}

fn by_scenario(store: &Store, id: &str) -> Result<Gathered, SeriesError> {
    let rows = store.sessions()?;
    let known: BTreeSet<String> = rows.iter().map(|r| r.scenario_id.clone()).collect();
    let mut rows: Vec<SessionRow> = rows.into_iter().filter(|r| r.scenario_id == id).collect();
    if rows.is_empty() {
        return Err(SeriesError::NoSessions {
            scenario: id.to_string(),
            known: known.into_iter().collect(),
        });
    }
    rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    // The newest session's version; the others are counted, not compared.
    let newest = rows.last().map(|r| r.source_id).unwrap_or_default();
    let mut notes = Vec::new();
    let mut older: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.source_id != newest) {
        *older.entry(short_digest(&r.scenario_source)).or_default() += 1;
    }
    if !older.is_empty() {
        let n: usize = older.values().sum();
        let versions: Vec<String> = older.iter().map(|(d, n)| format!("{d} ({n})")).collect();
        notes.push(format!(
            "{n} {} of `{id}` played with an older version of the scenario (digest {}) {} left out: this series compares the newest version's sessions. List sessions of one version with --sessions to compare them.",
            plural(n, "session", "sessions"),
            versions.join(", "),
            if n == 1 { "is" } else { "are" },
        ));
    }
    rows.retain(|r| r.source_id == newest);
    let scenario = match rows.first() {
        Some(r) => compile(r)?,
        None => return Err(SeriesError::NoneStarted(id.to_string())),
    };
    let mut sessions = Vec::with_capacity(rows.len());
    let mut lobby = 0;
    for row in rows {
        let ev = events(store, &row)?;
        // A session that never left its lobby played nothing to compare.
        if ev.iter().all(|e| e.turn == 0) {
            lobby += 1;
            continue;
        }
        sessions.push((row, ev));
    }
    if sessions.is_empty() {
        return Err(SeriesError::NoneStarted(id.to_string()));
    }
    if lobby > 0 {
        notes.push(format!(
            "{lobby} {} that never started (still in the lobby) {} left out.",
            plural(lobby, "session", "sessions"),
            if lobby == 1 { "is" } else { "are" },
        ));
    }
    Ok(Gathered {
        selection: Selection::Scenario(id.to_string()),
        scenario,
        sessions,
        notes,
    })
}

fn by_sessions(store: &Store, ids: &[String]) -> Result<Gathered, SeriesError> {
    let ids: Vec<&str> = ids
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(SeriesError::NothingListed);
    }
    let mut seen = BTreeSet::new();
    let mut rows = Vec::with_capacity(ids.len());
    for id in &ids {
        if !seen.insert(*id) {
            return Err(SeriesError::Duplicate(id.to_string()));
        }
        match store.session(id) {
            Ok(row) => rows.push(row),
            Err(StoreError::NotFound) => return Err(SeriesError::UnknownSession(id.to_string())),
            Err(e) => return Err(SeriesError::Store(e)),
        }
    }
    rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let versions: BTreeSet<i64> = rows.iter().map(|r| r.source_id).collect();
    if versions.len() > 1 {
        let list: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} ({}, digest {})",
                    r.id,
                    r.scenario_id,
                    short_digest(&r.scenario_source)
                )
            })
            .collect();
        return Err(SeriesError::MixedScenarios(list.join(", ")));
    }
    let scenario = match rows.first() {
        Some(r) => compile(r)?,
        None => return Err(SeriesError::NothingListed),
    };
    let mut sessions = Vec::with_capacity(rows.len());
    for row in rows {
        let ev = events(store, &row)?;
        sessions.push((row, ev));
    }
    Ok(Gathered {
        selection: Selection::Sessions(ids.iter().map(|s| s.to_string()).collect()),
        scenario,
        sessions,
        notes: Vec::new(),
    })
}

/// Every scenario id with stored sessions, by id.
pub fn stored_scenarios(store: &Store) -> Result<Vec<StoredScenario>, StoreError> {
    let mut rows = store.sessions()?;
    rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let mut newest: BTreeMap<&str, &SessionRow> = BTreeMap::new();
    for r in &rows {
        newest.insert(&r.scenario_id, r);
    }
    Ok(newest
        .into_iter()
        .map(|(id, last)| {
            let (sessions, older) =
                rows.iter()
                    .filter(|r| r.scenario_id == id)
                    .fold((0, 0), |(n, o), r| {
                        if r.source_id == last.source_id {
                            (n + 1, o)
                        } else {
                            (n, o + 1)
                        }
                    });
            StoredScenario {
                id: id.to_string(),
                title: StoredSession::compile(last).map_or_else(|_| id.to_string(), |s| s.title),
                sessions,
                older,
            }
        })
        .collect())
}

pub(super) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
