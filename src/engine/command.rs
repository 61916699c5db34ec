//! The commands a seat sends the engine (split from `types.rs`, which re-exports
//! them): one variant per command, with its wire name.

use serde::{Deserialize, Serialize};

use super::types::*;

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
        /// A strength or an area for improvement (White Cell only, never public).
        #[serde(default, skip_serializing_if = "NoteCategory::is_note")]
        category: NoteCategory,
        /// An objective (`team:objective`), an inject or a choice the note is about.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        about: Option<String>,
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
    /// A message on a negotiation channel; `as` (White Cell only) posts in character.
    Say {
        channel: String,
        text: String,
        #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
        as_: Option<String>,
    },
    /// The White Cell opens or closes a channel; `None` returns it to its schedule.
    Channel {
        channel: String,
        #[serde(default)]
        open: Option<bool>,
    },
    /// A team proposes a scenario agreement (`agreement`) or its own (`custom`).
    Propose {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agreement: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custom: Option<CustomAgreement>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        to: Vec<String>,
    },
    /// A team named in a proposal's `to` accepts or rejects it.
    Respond {
        agreement: String,
        accept: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The proposing team takes its open proposal back.
    Withdraw {
        agreement: String,
    },
    /// The White Cell cancels an open or accepted (not yet applied) agreement.
    Void {
        agreement: String,
        #[serde(default)]
        note: String,
    },
    /// The White Cell lifts the fog from an undetected covert choice: every seat
    /// sees it, and its effects, from now on.
    Reveal {
        choice: String,
    },
    /// The White Cell seats a bot playing `doctrine` for `team`, or (`None`) hands
    /// the seat back to the team's players.
    Bot {
        team: String,
        #[serde(default)]
        doctrine: Option<String>,
    },
    /// A team's live draft: the selection a player is editing, seen by the team
    /// and the White Cell as it changes (debounced by the client); not a submission.
    Draft {
        turn: u32,
        choices: Vec<ChoiceInput>,
    },
    /// The White Cell names a team's lead (sessions with `team_leads`).
    Lead {
        team: String,
        player: String,
    },
    /// The White Cell takes back its override of a rolled choice before publication:
    /// the dice's result stands again.
    UndoOverride {
        choice: String,
    },
    /// A player or observer answers the debrief survey after the end (`debrief.rs`).
    Debrief {
        answers: Vec<DebriefAnswer>,
    },
    /// The White Cell stops taking debrief answers.
    CloseDebrief,
    /// The after-action report's scope, sponsor and point of contact (`aar.rs`).
    ReportInfo(ReportInfo),
    /// The after-action report's conclusion; the latest wins.
    Conclude {
        text: String,
    },
    /// Adds, edits or removes an improvement-plan item.
    Plan(PlanInput),
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
            Command::Say { .. } => "say",
            Command::Channel { .. } => "channel",
            Command::Propose { .. } => "propose",
            Command::Respond { .. } => "respond",
            Command::Withdraw { .. } => "withdraw",
            Command::Void { .. } => "void",
            Command::Reveal { .. } => "reveal",
            Command::Bot { .. } => "bot",
            Command::Draft { .. } => "draft",
            Command::Lead { .. } => "lead",
            Command::UndoOverride { .. } => "undo_override",
            Command::Debrief { .. } => "debrief",
            Command::CloseDebrief => "close_debrief",
            Command::ReportInfo(_) => "report_info",
            Command::Conclude { .. } => "conclude",
            Command::Plan(_) => "plan",
        }
    }
}
