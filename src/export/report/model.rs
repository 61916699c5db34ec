//! The after-action report's types: what one pass over the events collects for every
//! format, and the lookups formats use to name things (teams, flags, options, players).

use std::borrow::Cow;
use std::sync::Arc;

use crate::engine::{DraftChoice, Event, Inject, Outcome, Player, Resolution, Rolled, State};
use crate::export::{SessionMeta, Zone};
use crate::scenario::{Indicator, Scenario};

/// The whole report of one session, as every format renders it.
pub struct Report<'a> {
    pub scenario: &'a Scenario,
    pub source: &'a str,
    pub meta: &'a SessionMeta,
    pub anonymized: bool,
    /// The events as exported (anonymised when asked).
    pub events: Cow<'a, [Event]>,
    /// The state `evolve` reaches after the last event.
    pub state: State,
    /// The digest the session recorded when it was created.
    pub session_digest: Option<String>,
    /// SHA-256 of `source`, to show whether the source text is the one the scenario
    /// was compiled from.
    pub source_digest: String,
    pub turns: Vec<TurnReport>,
    pub choices: Vec<ChoiceRecord>,
    pub injects: Vec<InjectRecord>,
    pub overrides: Vec<OverrideRecord>,
    pub ending: Option<EndRecord>,
    pub key_points: Vec<KeyPoint>,
    /// The session's time zone (UTC unless it was created with one): every time
    /// a person reads in the Markdown and HTML.
    pub zone: Zone,
    /// Fog: what each team believed at the end of each turn, where it differed from
    /// the truth (empty when no team's board ever differed).
    pub beliefs: Vec<BeliefRecord>,
    /// Each team's objectives scored on the final (true) board (empty when the
    /// scenario has none).
    pub objectives: Vec<TeamObjectives>,
    /// Channel transcripts and agreements (empty when nobody negotiated).
    pub negotiation: super::Negotiation,
    /// The hot-wash survey's answers (`debrief.rs`; untouched when nobody answered).
    pub debrief: super::DebriefReport,
}

/// One team's board at the end of one turn, where it differed from the truth.
pub struct BeliefRecord {
    pub turn: u32,
    pub team: Arc<str>,
    /// (indicator index, what the team believed, the true value).
    pub differences: Vec<(usize, i64, i64)>,
}

/// One team's objectives on the final board.
pub struct TeamObjectives {
    pub team: usize,
    pub met: Vec<bool>,
    pub score: crate::engine::Score,
}

/// Everything that happened in one turn (turn 0: the lobby, before the game starts).
pub struct TurnReport {
    pub turn: u32,
    pub first_at: i64,
    pub last_at: i64,
    /// Indicator values before the turn's first event and after its last.
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    pub injects: Vec<usize>,
    /// Each team's last submission for this turn, by team index.
    pub submissions: Vec<Option<Submission>>,
    pub choices: Vec<usize>,
    /// Rolled but not published: awaiting publication, or never published because the
    /// session ended during adjudication.
    pub unpublished: Vec<Rolled>,
    pub overrides: Vec<usize>,
    pub triggers: Vec<TriggerRecord>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<usize>,
}

pub struct Submission {
    pub seq: u64,
    pub at: i64,
    pub by: String,
    pub choices: Vec<DraftChoice>,
    pub cost: Option<u32>,
    pub revision: Option<u32>,
    /// A bot's submission: the doctrine it played.
    pub doctrine: Option<Arc<str>>,
}

pub struct ChoiceRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub r: Resolution,
    /// Indexes into `Report::overrides`, oldest first.
    pub overrides: Vec<usize>,
    pub submitted_by: Option<String>,
}

pub struct InjectRecord {
    pub seq: u64,
    pub at: i64,
    pub inject: Inject,
}

pub struct OverrideRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub choice: Arc<str>,
    pub team: Arc<str>,
    pub option: Arc<str>,
    pub result: Outcome,
    pub previous: Outcome,
    pub note: String,
}

pub struct TriggerRecord {
    pub seq: u64,
    pub trigger: Arc<str>,
    pub event: Arc<str>,
}

pub struct Skipped {
    pub seq: u64,
    pub at: i64,
    pub script: String,
}

pub struct EndRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub reason: String,
    pub title: String,
    pub text: String,
}

#[derive(Clone, Copy)]
pub enum KeyKind {
    Choice(usize),
    Inject(usize),
}

#[derive(Clone, Copy)]
pub struct KeyPoint {
    pub kind: KeyKind,
    /// Sum over the indicators it moved of |change| / (max - min).
    pub swing: f64,
}

impl Report<'_> {
    pub fn team_name<'s>(&'s self, id: &'s str) -> &'s str {
        match self.scenario.team_index(id) {
            Some(ix) => &self.scenario.teams[ix].name,
            None if id == "observer" => "Observers",
            None => id,
        }
    }

    pub fn flag_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.scenario
            .flags
            .iter()
            .find(|f| &*f.id == id)
            .map_or(id, |f| f.name.as_str())
    }

    pub fn event_title<'s>(&'s self, id: &'s str) -> &'s str {
        self.scenario
            .event_index(id)
            .map_or(id, |ix| &*self.scenario.events[ix].title)
    }

    /// A player id's display name, or the id itself when nobody joined with it.
    pub fn player_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.state.player(id).map_or(id, |p| p.name.as_str())
    }

    /// The session's title, or the scenario's when the session has none.
    pub fn session_title(&self) -> &str {
        if self.state.title.trim().is_empty() {
            &self.scenario.title
        } else {
            &self.state.title
        }
    }

    /// An option's title and cost (the id and 0 for an option the scenario lacks).
    pub fn option_label<'s>(&'s self, id: &'s str) -> (&'s str, u32) {
        self.scenario
            .option(id)
            .map_or((id, 0), |(_, _, o)| (&*o.title, o.cost))
    }

    /// A scripted (MSEL) entry's title, or "" when the scenario lacks it.
    pub fn script_title(&self, id: &str) -> &str {
        self.scenario
            .script
            .iter()
            .find(|i| &*i.id == id)
            .map_or("", |i| &*i.title)
    }

    /// The indicators a turn moved: (indicator, value at its start, value at its end).
    pub fn changed<'s>(&'s self, t: &'s TurnReport) -> Vec<(&'s Indicator, i64, i64)> {
        self.scenario
            .indicators
            .iter()
            .zip(t.start.iter().zip(&t.end))
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| (i, *a, *b))
            .collect()
    }

    /// The turns worth a section of their own: every played turn, plus the lobby when
    /// something was injected or overridden there.
    pub fn report_turns(&self) -> impl Iterator<Item = &TurnReport> {
        self.turns
            .iter()
            .filter(|t| t.turn > 0 || !t.injects.is_empty())
    }

    /// The engine's hash of the state after the last event, as `wargame replay` prints
    /// it; none when anonymised (the names changed, so the hash would not be the
    /// session's), and none when the state cannot be hashed (better no hash than a
    /// wrong one).
    pub fn state_hash(&self) -> Option<String> {
        (!self.anonymized).then(|| self.state.hash().ok()).flatten()
    }

    /// Why a rolled choice has no published outcome, in words.
    pub fn unpublished_status(&self) -> &'static str {
        if self.ending.is_some() {
            "never published: the session ended first"
        } else {
            "awaiting publication"
        }
    }

    /// The time zone the session was created with, if any.
    pub fn time_zone(&self) -> Option<&str> {
        self.events.first().and_then(|e| match &e.body {
            crate::engine::EventBody::SessionCreated { time_zone, .. } => time_zone.as_deref(),
            _ => None,
        })
    }

    pub fn first_at(&self) -> Option<i64> {
        self.events.first().map(|e| e.at)
    }

    pub fn last_at(&self) -> Option<i64> {
        self.events.last().map(|e| e.at)
    }

    pub fn digest_matches(&self) -> bool {
        self.session_digest
            .as_deref()
            .is_none_or(|d| d == self.scenario.digest)
    }

    pub fn source_matches(&self) -> bool {
        self.source_digest == self.scenario.digest
    }

    pub fn players_of<'s>(&'s self, team: &'s str) -> impl Iterator<Item = &'s Player> {
        self.state.players.iter().filter(move |p| p.team == team)
    }
}
