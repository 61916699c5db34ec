//! A stored session read back whole: its row, its scenario compiled from the
//! source it was created with, and its events. The one place a stored scenario
//! source is compiled, for restore, the HTTP export and the command line alike.

use std::sync::Arc;

use thiserror::Error;

use super::{SessionRow, Store, StoreError};
use crate::engine::Event;
use crate::scenario::{self, Scenario};

pub struct StoredSession {
    pub row: SessionRow,
    pub scenario: Arc<Scenario>,
    pub events: Vec<Event>,
}

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("no such session")]
    NotFound,
    /// The scenario source stored with the session no longer compiles.
    #[error("the stored scenario does not compile: {0}")]
    Scenario(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for LoadError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => LoadError::NotFound,
            other => LoadError::Store(other),
        }
    }
}

impl StoredSession {
    /// Reads session `id`: its row and events in one read, then its scenario.
    pub fn load(store: &Store, id: &str) -> Result<StoredSession, LoadError> {
        let (row, events) = store.load(id)?;
        let scenario = Arc::new(StoredSession::compile(&row)?);
        Ok(StoredSession {
            row,
            scenario,
            events,
        })
    }

    /// Compiles the scenario source stored with a session.
    pub fn compile(row: &SessionRow) -> Result<Scenario, LoadError> {
        scenario::compile(
            &format!("session {} scenario", row.id),
            &row.scenario_source,
        )
        .map_err(|problems| {
            LoadError::Scenario(
                problems
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )
        })
    }
}
