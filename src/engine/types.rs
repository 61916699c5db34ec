//! Commands in, events out, and the values both carry.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use super::command::Command;
pub use super::fork::ForkedFrom;
pub use super::rejection::{Rejection, RejectionCode};

pub use super::aar::{NoteCategory, PlanInput, PlanItem, ReportInfo};
pub use super::debrief::{AnswerValue, DebriefAnswer, DebriefResponse};
pub use super::inject::Inject;

pub use super::negotiation::{
    AgreementResult, Answer, AppliedAgreement, CustomAgreement, MAX_AS, MAX_MESSAGE, Proposal,
    Settlement, Speaker,
};
pub use super::teamwork::PlayerOdds;

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
    /// A bot's choice: the doctrine it played.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctrine: Option<Arc<str>>,
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
    /// An undetected covert choice the White Cell has since revealed (set on the
    /// state's record by `covert_revealed`; never in a `choice_resolved` event).
    #[serde(default, skip_serializing_if = "is_false")]
    pub revealed: bool,
    /// A bot made this choice (seen by whoever sees the choice).
    #[serde(default, skip_serializing_if = "is_false")]
    pub bot: bool,
    /// The bot's doctrine: as private as the rationale, which names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctrine: Option<Arc<str>>,
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
    /// Submitted by a bot playing this doctrine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctrine: Option<Arc<str>>,
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
        /// Only a team's lead submits its choices; the others propose into the live
        /// draft. The first player to join a team leads it. Absent when off.
        #[serde(default, skip_serializing_if = "is_false")]
        team_leads: bool,
        /// What players see of their options' odds. Absent when `none`.
        #[serde(default, skip_serializing_if = "PlayerOdds::is_none")]
        player_odds: PlayerOdds,
        /// Debrief answers are stored without names. Absent when off.
        #[serde(default, skip_serializing_if = "is_false")]
        anonymous_debrief: bool,
        /// The after-action report's scope, sponsor and point of contact; each
        /// absent when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sponsor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point_of_contact: Option<String>,
        /// The session this one was forked from, and the turn it restarts at.
        /// Absent for a session created from a scenario, so older logs keep their
        /// bytes and hashes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forked_from: Option<ForkedFrom>,
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
        /// Fog: the observers' board where it differs from `indicators` (covert
        /// effects they may not see). White Cell only; `visible` applies it.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        public: BTreeMap<Arc<str>, i64>,
        /// Fog: each team's board where it differs from `indicators` (hidden covert
        /// effects, noise, delay). White Cell only; `visible` applies each team's.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        beliefs: BTreeMap<Arc<str>, BTreeMap<Arc<str>, i64>>,
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
        /// A bot's submission (every seat that learns of the submission sees this).
        #[serde(default, skip_serializing_if = "is_false")]
        bot: bool,
        /// The bot's doctrine: the team's and the White Cell's only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doctrine: Option<Arc<str>>,
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
        /// A strength or an area for improvement; absent for a plain note.
        #[serde(default, skip_serializing_if = "NoteCategory::is_note")]
        category: NoteCategory,
        /// What it is about: `team:objective`, an inject or a choice id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        about: Option<String>,
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
    MessagePosted {
        channel: Arc<str>,
        text: String,
        from: Speaker,
    },
    ChannelChanged {
        channel: Arc<str>,
        /// Whether the channel is open now.
        open: bool,
        /// The White Cell handed the channel back to its `open_in` schedule.
        #[serde(default, skip_serializing_if = "is_false")]
        scheduled: bool,
    },
    AgreementProposed(Box<Proposal>),
    AgreementResponded(Answer),
    AgreementResolved(Settlement),
    AgreementApplied(Box<AppliedAgreement>),
    /// The White Cell revealed an undetected covert choice. `effects` are the
    /// indicator changes it (and its follow-on events) made, now seen by everyone.
    CovertRevealed {
        choice: Arc<str>,
        team: Arc<str>,
        option: Arc<str>,
        title: Arc<str>,
        effects: BTreeMap<Arc<str>, i64>,
    },
    /// The White Cell seated a bot for `team` (`bot`), or handed the seat back.
    /// `doctrine` is the team's and the White Cell's only.
    BotSet {
        team: String,
        bot: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doctrine: Option<Arc<str>>,
    },
    /// A player changed the team's live draft (the selection not yet submitted).
    /// The team and the White Cell only.
    DraftEdited {
        team: String,
        choices: Vec<DraftChoice>,
        /// The player who made the change.
        by: String,
    },
    /// The White Cell named a team's lead. The team and the White Cell only.
    LeadChanged {
        team: String,
        player: String,
    },
    /// The White Cell took back an override before publication. White Cell only.
    OverrideUndone {
        choice: Arc<str>,
        team: Arc<str>,
        option: Arc<str>,
        /// The dice's result, which stands again.
        result: Outcome,
        /// The overridden result it replaces.
        previous: Outcome,
    },
    /// A seat's debrief answers (White Cell only; `debrief.rs`).
    DebriefSubmitted(DebriefResponse),
    /// With `anonymous_debrief`: who answered, apart from the answers. No seat's.
    DebriefRespondent {
        player: String,
    },
    /// The White Cell closed the debrief. Everyone.
    DebriefClosed {},
    /// The White Cell changed the report's settings (`aar.rs`). White Cell only.
    ReportInfoSet(ReportInfo),
    /// The White Cell's conclusion for the report. White Cell only.
    ConclusionSet {
        text: String,
    },
    /// An improvement-plan item, new or edited. White Cell only.
    PlanItemSet(PlanItem),
    /// An improvement-plan item removed. White Cell only.
    PlanItemRemoved {
        item: String,
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
            EventBody::MessagePosted { .. } => "message_posted",
            EventBody::ChannelChanged { .. } => "channel_changed",
            EventBody::AgreementProposed(_) => "agreement_proposed",
            EventBody::AgreementResponded(_) => "agreement_responded",
            EventBody::AgreementResolved(_) => "agreement_resolved",
            EventBody::AgreementApplied(_) => "agreement_applied",
            EventBody::CovertRevealed { .. } => "covert_revealed",
            EventBody::BotSet { .. } => "bot_set",
            EventBody::DraftEdited { .. } => "draft_edited",
            EventBody::LeadChanged { .. } => "lead_changed",
            EventBody::OverrideUndone { .. } => "override_undone",
            EventBody::DebriefSubmitted(_) => "debrief_submitted",
            EventBody::DebriefRespondent { .. } => "debrief_respondent",
            EventBody::DebriefClosed {} => "debrief_closed",
            EventBody::ReportInfoSet(_) => "report_info_set",
            EventBody::ConclusionSet { .. } => "conclusion_set",
            EventBody::PlanItemSet(_) => "plan_item_set",
            EventBody::PlanItemRemoved { .. } => "plan_item_removed",
        }
    }
}

/// For `skip_serializing_if`: a setting left at its default is not written, so
/// logs and exports from before the setting existed read the same.
pub fn is_false(b: &bool) -> bool {
    !*b
}
