//! The state of one session, derived only from its events by [`evolve`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::types::*;
use crate::scenario::Scenario;

/// The state could not be serialised, so it has no hash.
#[derive(Debug, thiserror::Error)]
#[error("the session state cannot be serialised for its hash: {0}")]
pub struct HashError(serde_json::Error);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Player {
    pub player: String,
    /// A team id, or "observer".
    pub team: String,
    pub name: String,
    pub seat: u32,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub text: String,
    pub public: bool,
    /// A strength or an area for improvement (absent for a plain note).
    #[serde(skip_serializing_if = "NoteCategory::is_note")]
    pub category: NoteCategory,
    /// What it is about: `team:objective`, an inject or a choice id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timer {
    pub seconds: u32,
    pub deadline: i64,
    pub auto_advance: bool,
    pub turn: u32,
    pub phase: Phase,
}

/// Indicator values at the end of a turn (turn 0: the start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TurnRecord {
    pub turn: u32,
    pub indicators: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ScriptStatus {
    Fired { seq: u64 },
    Skipped { seq: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ending {
    pub reason: String,
    pub title: String,
    pub text: String,
}

/// A published choice and the turn it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TurnChoice {
    pub turn: u32,
    #[serde(flatten)]
    pub resolution: Resolution,
}

/// The shared board: what conditions, odds and effects read and write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct World {
    pub indicators: Vec<i64>,
    pub flags: Vec<bool>,
    /// For lapsing flags: the last turn they stay live.
    pub flag_expiry: Vec<Option<u32>>,
    pub fired_triggers: Vec<bool>,
}

/// The whole session. Serialised (without the scenario itself, which is named by
/// digest) to compute the state hash.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    #[serde(skip)]
    pub scenario: Arc<Scenario>,
    pub scenario_id: String,
    pub scenario_digest: String,
    pub title: String,
    pub seed: u64,
    /// ChaCha20 word position: how much of the session's dice stream is used.
    pub rng: u64,
    pub auto_advance: bool,
    /// Not serialised when off, so the state hash of sessions without it is unchanged.
    #[serde(skip_serializing_if = "super::is_false")]
    pub private_rationales: bool,
    pub max_turns: u32,
    pub created_at: i64,
    pub seq: u64,
    pub turn: u32,
    pub phase: Phase,
    pub world: World,
    pub players: Vec<Player>,
    /// Drafts for the current turn, by team index.
    pub drafts: Vec<Option<Draft>>,
    /// Rolled but not yet published choices (adjudication phase).
    pub pending: Vec<Rolled>,
    pub choices: Vec<TurnChoice>,
    pub injects: Vec<Inject>,
    pub notes: Vec<Note>,
    pub timer: Option<Timer>,
    pub history: Vec<TurnRecord>,
    pub script: BTreeMap<String, ScriptStatus>,
    pub ended: Option<Ending>,
    // Negotiation. Not serialised while empty, so the state hash of a session that
    // never negotiated is what it was before negotiation existed.
    /// The White Cell's open/closed setting per channel id, over the schedule.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub channel_open: BTreeMap<String, bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<super::negotiation::Message>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<super::negotiation::Agreement>,
    /// Per player: the message rate limit's theoretical arrival time (ms).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub message_tat: BTreeMap<String, i64>,
    /// Bots seated by the White Cell: team id -> doctrine id. Not serialised while
    /// empty, so sessions without bots keep their state hash.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub bots: BTreeMap<String, Arc<str>>,
    // Teamwork (`teamwork.rs`). Not serialised while off or empty, so the state hash
    // of a session that never used them is what it was before they existed.
    /// Only a team's lead submits.
    #[serde(skip_serializing_if = "super::is_false")]
    pub team_leads: bool,
    /// What players see of their options' odds.
    #[serde(skip_serializing_if = "PlayerOdds::is_none")]
    pub player_odds: PlayerOdds,
    /// Each team's lead (player id), with `team_leads`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub leads: BTreeMap<String, String>,
    /// Each team's live draft for the current turn, by team id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub live_drafts: BTreeMap<String, LiveDraft>,
    // The hot-wash (`debrief.rs`). Not serialised while off or untouched, so older
    // sessions keep their state hash.
    /// Debrief answers are stored without names.
    #[serde(skip_serializing_if = "super::is_false")]
    pub anonymous_debrief: bool,
    #[serde(skip_serializing_if = "super::Debrief::is_untouched")]
    pub debrief: super::Debrief,
    /// The White Cell's after-action record (`aar.rs`). Not serialised while
    /// empty, so the state hash of a session without one is unchanged.
    #[serde(skip_serializing_if = "super::aar::AfterAction::is_empty")]
    pub after_action: super::aar::AfterAction,
    /// The session this one was forked from (`fork.rs`). Not serialised when absent,
    /// so the state hash of every other session is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forked_from: Option<ForkedFrom>,
}

/// A team's live draft: the selection its players are editing together, unsent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveDraft {
    pub team: String,
    pub turn: u32,
    pub choices: Vec<DraftChoice>,
    /// The player who changed it last, and when.
    pub by: String,
    pub at: i64,
    pub seq: u64,
}

impl State {
    /// A session before its first event. `evolve` with `session_created` fills it in.
    pub fn blank(scenario: Arc<Scenario>) -> State {
        let indicators: Vec<i64> = scenario.indicators.iter().map(|i| i.start).collect();
        State {
            scenario_id: scenario.id.clone(),
            scenario_digest: scenario.digest.clone(),
            title: String::new(),
            seed: 0,
            rng: 0,
            auto_advance: true,
            private_rationales: false,
            max_turns: scenario.max_turns,
            created_at: 0,
            seq: 0,
            turn: 0,
            phase: Phase::Lobby,
            players: Vec::new(),
            drafts: vec![None; scenario.teams.len()],
            pending: Vec::new(),
            choices: Vec::new(),
            injects: Vec::new(),
            notes: Vec::new(),
            timer: None,
            history: vec![TurnRecord {
                turn: 0,
                indicators: indicators.clone(),
            }],
            script: BTreeMap::new(),
            ended: None,
            channel_open: BTreeMap::new(),
            messages: Vec::new(),
            agreements: Vec::new(),
            message_tat: BTreeMap::new(),
            bots: BTreeMap::new(),
            team_leads: false,
            player_odds: PlayerOdds::None,
            leads: BTreeMap::new(),
            live_drafts: BTreeMap::new(),
            anonymous_debrief: false,
            debrief: super::Debrief::default(),
            after_action: Default::default(),
            forked_from: None,
            world: World {
                indicators,
                flags: scenario.flags.iter().map(|f| f.start).collect(),
                flag_expiry: vec![None; scenario.flags.len()],
                fired_triggers: vec![false; scenario.triggers.len()],
            },
            scenario,
        }
    }

    /// SHA-256 over the canonical JSON of the state: equal states, equal hashes.
    ///
    /// The state's serialisation is derived and uses string map keys only, so it does
    /// not fail today; if a change ever made it fail, the caller hears so instead of
    /// every such state sharing one hash.
    pub fn hash(&self) -> Result<String, HashError> {
        let bytes = serde_json::to_vec(self).map_err(HashError)?;
        Ok(hex::encode(Sha256::digest(&bytes)))
    }

    pub fn indicator_map(&self) -> BTreeMap<Arc<str>, i64> {
        self.scenario
            .indicators
            .iter()
            .zip(self.world.indicators.iter())
            .map(|(i, v)| (i.id.clone(), *v))
            .collect()
    }

    pub fn flag_map(&self) -> BTreeMap<Arc<str>, bool> {
        self.scenario
            .flags
            .iter()
            .zip(self.world.flags.iter())
            .map(|(f, v)| (f.id.clone(), *v))
            .collect()
    }

    pub fn draft(&self, team: &str) -> Option<&Draft> {
        let ix = self.scenario.team_index(team)?;
        self.drafts.get(ix)?.as_ref()
    }

    pub fn player(&self, id: &str) -> Option<&Player> {
        self.players.iter().find(|p| p.player == id)
    }
}
