//! Commands in, events out, and the values both carry.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Where a session is in its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Lobby,
    Briefing,
    Decision,
    Adjudication,
    Review,
    Ended,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Lobby => "lobby",
            Phase::Briefing => "briefing",
            Phase::Decision => "decision",
            Phase::Adjudication => "adjudication",
            Phase::Review => "review",
            Phase::Ended => "ended",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who issues a command. The server decides this from the authenticated token,
/// never from the command's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Actor {
    Facilitator,
    Team {
        team: String,
        player: String,
    },
    Observer {
        player: String,
    },
    /// The server itself: joins from the HTTP API, timer expiry.
    System,
}

/// Whose eyes a view or event is filtered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Facilitator,
    Team(String),
    Observer,
}

impl Viewer {
    pub fn of(actor: &Actor) -> Viewer {
        match actor {
            Actor::Facilitator | Actor::System => Viewer::Facilitator,
            Actor::Team { team, .. } => Viewer::Team(team.clone()),
            Actor::Observer { .. } => Viewer::Observer,
        }
    }

    pub fn role(&self) -> &'static str {
        match self {
            Viewer::Facilitator => "facilitator",
            Viewer::Team(_) => "team",
            Viewer::Observer => "observer",
        }
    }

    pub fn team(&self) -> Option<&str> {
        match self {
            Viewer::Team(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceInput {
    pub option: String,
    #[serde(default)]
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomInject {
    pub title: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub effects: BTreeMap<String, i64>,
}

/// Whether a choice succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// Everything a seat can ask the engine to do. Parsed from a WebSocket frame's
/// `type`; `ref`, `auth` and `ping` are the server's business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Start,
    Advance,
    Submit {
        turn: u32,
        choices: Vec<ChoiceInput>,
    },
    Inject {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custom: Option<CustomInject>,
        /// A scripted (MSEL) entry to fire; its text may be edited by `custom`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        script: Option<String>,
        /// Team ids that receive the inject; empty means everyone.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        to: Vec<String>,
    },
    /// Marks a scripted (MSEL) entry as skipped.
    Skip {
        script: String,
    },
    Override {
        choice: String,
        result: Outcome,
        #[serde(default)]
        note: String,
    },
    Note {
        text: String,
        /// Public notes are shown to every seat; the default is White Cell only.
        #[serde(default)]
        public: bool,
    },
    Timer {
        seconds: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auto_advance: Option<bool>,
    },
    End {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A player joins a seat (issued by the server for `POST /api/join`).
    Join {
        team: String,
        name: String,
        /// The player's id, minted by the server (identity arrives with the command).
        /// Absent only in a frame a client sends, which is refused anyway.
        #[serde(default)]
        player: String,
    },
    /// The phase timer ran out (issued by the server's clock).
    TimerExpired {
        turn: u32,
        phase: Phase,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Advance => "advance",
            Command::Submit { .. } => "submit",
            Command::Inject { .. } => "inject",
            Command::Skip { .. } => "skip",
            Command::Override { .. } => "override",
            Command::Note { .. } => "note",
            Command::Timer { .. } => "timer",
            Command::End { .. } => "end",
            Command::Join { .. } => "join",
            Command::TimerExpired { .. } => "timer_expired",
        }
    }
}

/// Why the engine refused a command: a stable snake_case code on the wire.
///
/// Adding a variant makes `as_str` and `ALL` fail to compile until it is named in
/// both; docs/PROTOCOL.md lists every code (a test checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    Forbidden,
    WrongPhase,
    StaleTurn,
    OverBudget,
    UnmetPrerequisite,
    UnknownOption,
    NotYourOption,
    DuplicateOption,
    UnknownEvent,
    UnknownScript,
    ScriptAlreadyUsed,
    UnknownIndicator,
    UnknownChoice,
    UnknownTeam,
    InvalidInject,
    NoteRequired,
    TextTooLong,
    EmptyText,
    InvalidName,
    InvalidPlayer,
    InvalidTimer,
    SessionEnded,
    StaleTimer,
}

impl RejectionCode {
    /// Every code, in the order docs/PROTOCOL.md lists them.
    pub const ALL: &'static [RejectionCode] = &[
        RejectionCode::Forbidden,
        RejectionCode::WrongPhase,
        RejectionCode::StaleTurn,
        RejectionCode::OverBudget,
        RejectionCode::UnmetPrerequisite,
        RejectionCode::UnknownOption,
        RejectionCode::NotYourOption,
        RejectionCode::DuplicateOption,
        RejectionCode::UnknownEvent,
        RejectionCode::UnknownScript,
        RejectionCode::ScriptAlreadyUsed,
        RejectionCode::UnknownIndicator,
        RejectionCode::UnknownChoice,
        RejectionCode::UnknownTeam,
        RejectionCode::InvalidInject,
        RejectionCode::NoteRequired,
        RejectionCode::TextTooLong,
        RejectionCode::EmptyText,
        RejectionCode::InvalidName,
        RejectionCode::InvalidPlayer,
        RejectionCode::InvalidTimer,
        RejectionCode::SessionEnded,
        RejectionCode::StaleTimer,
    ];

    /// The code as it travels in `error` frames and HTTP error bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionCode::Forbidden => "forbidden",
            RejectionCode::WrongPhase => "wrong_phase",
            RejectionCode::StaleTurn => "stale_turn",
            RejectionCode::OverBudget => "over_budget",
            RejectionCode::UnmetPrerequisite => "unmet_prerequisite",
            RejectionCode::UnknownOption => "unknown_option",
            RejectionCode::NotYourOption => "not_your_option",
            RejectionCode::DuplicateOption => "duplicate_option",
            RejectionCode::UnknownEvent => "unknown_event",
            RejectionCode::UnknownScript => "unknown_script",
            RejectionCode::ScriptAlreadyUsed => "script_already_used",
            RejectionCode::UnknownIndicator => "unknown_indicator",
            RejectionCode::UnknownChoice => "unknown_choice",
            RejectionCode::UnknownTeam => "unknown_team",
            RejectionCode::InvalidInject => "invalid_inject",
            RejectionCode::NoteRequired => "note_required",
            RejectionCode::TextTooLong => "text_too_long",
            RejectionCode::EmptyText => "empty_text",
            RejectionCode::InvalidName => "invalid_name",
            RejectionCode::InvalidPlayer => "invalid_player",
            RejectionCode::InvalidTimer => "invalid_timer",
            RejectionCode::SessionEnded => "session_ended",
            RejectionCode::StaleTimer => "stale_timer",
        }
    }
}

impl fmt::Display for RejectionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused command: a stable code and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub code: RejectionCode,
    pub message: String,
}

impl Rejection {
    pub fn new(code: RejectionCode, message: impl Into<String>) -> Self {
        Rejection {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Rejection {}

/// Longest rationale, note or inject text accepted, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest title or player name accepted, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest player name accepted, in characters.
pub const MAX_NAME: usize = 60;

/// One applied odds or detection modifier, with the reason read aloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedModifier {
    pub delta: i64,
    pub reason: Arc<str>,
}

/// The detection roll made for a covert choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub base: i64,
    pub modifiers: Vec<AppliedModifier>,
    pub target: i64,
    pub roll: u32,
    pub detected: bool,
}

/// A locked choice with its dice, as rolled when the decision window closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rolled {
    pub choice: Arc<str>,
    pub team: Arc<str>,
    pub option: Arc<str>,
    pub title: Arc<str>,
    pub cost: u32,
    pub stage: Arc<str>,
    pub covert: bool,
    pub rationale: Arc<str>,
    pub base: i64,
    pub modifiers: Vec<AppliedModifier>,
    pub target: i64,
    pub roll: u32,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection: Option<Detection>,
    /// The facilitator's override, if any: the result it forces and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<OverrideNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideNote {
    pub result: Outcome,
    pub note: String,
}

/// A published outcome: what the choice was, how the dice fell, and what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub choice: Arc<str>,
    pub team: Arc<str>,
    pub option: Arc<str>,
    pub title: Arc<str>,
    pub cost: u32,
    pub stage: Arc<str>,
    pub covert: bool,
    /// Hidden (`None`) from seats that may not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<Arc<str>>,
    /// The session keeps rationales private: other seats never read this one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub rationale_private: bool,
    pub base: i64,
    pub modifiers: Vec<AppliedModifier>,
    pub target: i64,
    pub roll: u32,
    /// What the dice said.
    pub rolled: Outcome,
    /// The result that counts (the roll, or the facilitator's override).
    pub result: Outcome,
    pub overridden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection: Option<Detection>,
    /// The narrative read aloud.
    pub text: Arc<str>,
    /// Indicator changes actually applied (after clamping to range).
    pub effects: BTreeMap<Arc<str>, i64>,
    pub set: Vec<Arc<str>>,
    pub clear: Vec<Arc<str>>,
}

/// An inject as delivered: from the catalog, the script, a trigger, a choice, or
/// written by the facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inject {
    pub id: String,
    pub turn: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Arc<str>>,
    /// The choice whose outcome caused this follow-on event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Arc<str>>,
    pub custom: bool,
    pub title: Arc<str>,
    pub text: Arc<str>,
    #[serde(default)]
    pub source: Arc<str>,
    #[serde(default)]
    pub from: Arc<str>,
    /// Team ids that receive it; empty means everyone.
    #[serde(default)]
    pub to: Vec<Arc<str>>,
    /// Indicator changes actually applied (after clamping to range).
    pub effects: BTreeMap<Arc<str>, i64>,
    pub set: Vec<Arc<str>>,
    pub clear: Vec<Arc<str>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftChoice {
    pub option: String,
    pub rationale: Arc<str>,
}

/// A team's current submission for the turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub team: String,
    pub turn: u32,
    pub choices: Vec<DraftChoice>,
    pub cost: u32,
    pub revision: u32,
    pub by: String,
    pub at: i64,
}

/// One stored, append-only fact about a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    /// Milliseconds since the Unix epoch (UTC), from the command envelope.
    pub at: i64,
    /// Turn and phase after this event.
    pub turn: u32,
    pub phase: Phase,
    pub actor: Actor,
    #[serde(flatten)]
    pub body: EventBody,
}

/// Version of the stored event format; bumped with a documented migration.
pub const EVENT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    SessionCreated {
        scenario: String,
        scenario_digest: String,
        title: String,
        /// Only the facilitator sees the seed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
        max_turns: u32,
        auto_advance: bool,
        /// Overt choices' rationales stay with their team and the White Cell even
        /// after publication.
        #[serde(default, skip_serializing_if = "is_false")]
        private_rationales: bool,
        /// The time zone the reports show times in (an IANA name or an offset
        /// such as `+03:00`); absent means UTC, and is not stored, so sessions
        /// created before it existed keep their bytes and hashes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_zone: Option<String>,
    },
    PlayerJoined {
        player: String,
        team: String,
        name: String,
        seat: u32,
    },
    PhaseChanged {
        from: Phase,
        /// Lapsed live triggers, cleared as the new turn begins.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lapsed: Vec<Arc<str>>,
        /// Lapsed secret flags (scenario flags with an `owner`): facilitator only.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lapsed_secret: Vec<Arc<str>>,
        indicators: BTreeMap<Arc<str>, i64>,
    },
    ChoicesSubmitted {
        team: String,
        /// Empty and `redacted` for seats other than the team and the facilitator.
        choices: Vec<DraftChoice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        revision: Option<u32>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        redacted: bool,
    },
    EventInjected {
        inject: Inject,
    },
    ScriptSkipped {
        script: String,
    },
    DiceRolled {
        rolled: Rolled,
        /// ChaCha word position after this roll (facilitator only).
        rng: u64,
    },
    OutcomeOverridden {
        choice: Arc<str>,
        team: Arc<str>,
        option: Arc<str>,
        result: Outcome,
        previous: Outcome,
        note: String,
    },
    /// Flattened so `choice`, `team`, `option`, `roll`, `target`, `result` and
    /// `effects` sit at the top of the event, as the external contract names them.
    ChoiceResolved(Resolution),
    TriggerFired {
        trigger: Arc<str>,
        event: Arc<str>,
    },
    NoteAdded {
        text: String,
        public: bool,
    },
    TimerSet {
        seconds: u32,
        /// Deadline in ms since the epoch, or none when cleared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<i64>,
        auto_advance: bool,
    },
    TimerExpired {},
    SessionEnded {
        reason: String,
        title: String,
        text: String,
    },
}

impl EventBody {
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::SessionCreated { .. } => "session_created",
            EventBody::PlayerJoined { .. } => "player_joined",
            EventBody::PhaseChanged { .. } => "phase_changed",
            EventBody::ChoicesSubmitted { .. } => "choices_submitted",
            EventBody::EventInjected { .. } => "event_injected",
            EventBody::ScriptSkipped { .. } => "script_skipped",
            EventBody::DiceRolled { .. } => "dice_rolled",
            EventBody::OutcomeOverridden { .. } => "outcome_overridden",
            EventBody::ChoiceResolved { .. } => "choice_resolved",
            EventBody::TriggerFired { .. } => "trigger_fired",
            EventBody::NoteAdded { .. } => "note_added",
            EventBody::TimerSet { .. } => "timer_set",
            EventBody::TimerExpired { .. } => "timer_expired",
            EventBody::SessionEnded { .. } => "session_ended",
        }
    }
}

/// For `skip_serializing_if`: a setting left at its default is not written, so
/// logs and exports from before the setting existed read the same.
pub fn is_false(b: &bool) -> bool {
    !*b
}
