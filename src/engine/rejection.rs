//! Refused commands: a stable code on the wire and a sentence a person can act on.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    UnknownChannel,
    NotAMember,
    ChannelClosed,
    RateLimited,
    UnknownAgreement,
    NotAParty,
    AlreadyProposed,
    AlreadyAnswered,
    AgreementClosed,
    UnknownDoctrine,
    BotSeat,
    NotLead,
    UnknownQuestion,
    DuplicateQuestion,
    InvalidAnswer,
    DebriefClosed,
    UnknownSubject,
    UnknownItem,
    InvalidDate,
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
        RejectionCode::UnknownChannel,
        RejectionCode::NotAMember,
        RejectionCode::ChannelClosed,
        RejectionCode::RateLimited,
        RejectionCode::UnknownAgreement,
        RejectionCode::NotAParty,
        RejectionCode::AlreadyProposed,
        RejectionCode::AlreadyAnswered,
        RejectionCode::AgreementClosed,
        RejectionCode::UnknownDoctrine,
        RejectionCode::BotSeat,
        RejectionCode::NotLead,
        RejectionCode::UnknownQuestion,
        RejectionCode::DuplicateQuestion,
        RejectionCode::InvalidAnswer,
        RejectionCode::DebriefClosed,
        RejectionCode::UnknownSubject,
        RejectionCode::UnknownItem,
        RejectionCode::InvalidDate,
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
            RejectionCode::UnknownChannel => "unknown_channel",
            RejectionCode::NotAMember => "not_a_member",
            RejectionCode::ChannelClosed => "channel_closed",
            RejectionCode::RateLimited => "rate_limited",
            RejectionCode::UnknownAgreement => "unknown_agreement",
            RejectionCode::NotAParty => "not_a_party",
            RejectionCode::AlreadyProposed => "already_proposed",
            RejectionCode::AlreadyAnswered => "already_answered",
            RejectionCode::AgreementClosed => "agreement_closed",
            RejectionCode::UnknownDoctrine => "unknown_doctrine",
            RejectionCode::BotSeat => "bot_seat",
            RejectionCode::NotLead => "not_lead",
            RejectionCode::UnknownQuestion => "unknown_question",
            RejectionCode::DuplicateQuestion => "duplicate_question",
            RejectionCode::InvalidAnswer => "invalid_answer",
            RejectionCode::DebriefClosed => "debrief_closed",
            RejectionCode::UnknownSubject => "unknown_subject",
            RejectionCode::UnknownItem => "unknown_item",
            RejectionCode::InvalidDate => "invalid_date",
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
