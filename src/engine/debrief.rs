//! The hot-wash: after the end, every seated player and observer answers the
//! scenario's debrief survey once; the White Cell watches who has answered and closes it.
//!
//! - `debrief {answers}` (a team player or an observer, after `session_ended`, while
//!   open, once): `debrief_submitted`. Partial answers are fine; an empty
//!   submission, an unknown or repeated question, a value of the wrong type, a scale
//!   outside 1-5, a choice not among the options and an over-long text are refused.
//!   A second submission is refused (`already_answered`): answers are not revised.
//! - `close_debrief` (White Cell, after the end, once): `debrief_closed`, seen by all.
//! - Visibility: answers are the White Cell's alone (and its exports); the player
//!   learns its own state from the ack and the snapshot's `debrief.answered`.
//! - `anonymous_debrief`: `debrief_submitted` carries no player, name or team and
//!   its actor is `system`. Who has answered (to refuse a second answer) is a
//!   separate record, `debrief_respondent {player}`, without the answers, that no
//!   seat receives, not even the White Cell, and that exports leave out; the White
//!   Cell sees counts. It is written in the same commit as the answers, so whoever
//!   holds the raw database can still pair the two by their order (docs/PROTOCOL.md).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::emit::{Emitter, check_text, wrong_phase};
use super::state::*;
use super::types::*;
use crate::scenario::{DebriefQuestion, QuestionKind, SCALE};

/// Longest free-text answer, in characters (as long as a negotiation message).
pub const MAX_ANSWER: usize = MAX_MESSAGE;

/// An answer's value: an integer for a `scale` question, a string for `choice`
/// and `text` questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Number(i64),
    Text(String),
}

/// One answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebriefAnswer {
    pub question: String,
    pub value: AnswerValue,
}

/// One seat's answers, as `debrief_submitted` records them. `player`, `name` and
/// `team` are absent in a session with `anonymous_debrief`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebriefResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A team id, or "observer".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub answers: Vec<DebriefAnswer>,
}

/// The debrief as the state keeps it. Not serialised while untouched, so the state
/// hash of a session without answers is what it was before the debrief existed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Debrief {
    pub closed: bool,
    /// Player ids that have answered.
    pub respondents: BTreeSet<String>,
    pub responses: Vec<DebriefResponse>,
}

impl Debrief {
    pub fn is_untouched(&self) -> bool {
        !self.closed && self.respondents.is_empty() && self.responses.is_empty()
    }
}

/// Checks a seat's answers and records them.
pub(super) fn submit(
    e: &mut Emitter,
    actor: &Actor,
    answers: &[DebriefAnswer],
) -> Result<(), Rejection> {
    if e.phase != Phase::Ended {
        return Err(wrong_phase(
            e,
            "answer the debrief",
            "the debrief after the session has ended",
        ));
    }
    let player = match actor {
        Actor::Team { player, .. } | Actor::Observer { player } => player,
        Actor::Facilitator | Actor::System => {
            return Err(Rejection::new(
                RejectionCode::Forbidden,
                "The White Cell runs the debrief; the players and observers answer it.",
            ));
        }
    };
    let state = e.state;
    let Some(seat) = state.player(player) else {
        return Err(Rejection::new(
            RejectionCode::InvalidPlayer,
            "Only a seated player or observer can answer the debrief.",
        ));
    };
    if state.debrief.closed {
        return Err(Rejection::new(
            RejectionCode::DebriefClosed,
            "The White Cell has closed the debrief; answers are no longer taken.",
        ));
    }
    if state.debrief.respondents.contains(player) {
        return Err(Rejection::new(
            RejectionCode::AlreadyAnswered,
            "You have already answered the debrief; answers cannot be changed.",
        ));
    }
    if answers.is_empty() {
        return Err(Rejection::new(
            RejectionCode::InvalidAnswer,
            "Answer at least one question before sending.",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for a in answers {
        let Some(q) = e.scenario().debrief_question(&a.question) else {
            return Err(Rejection::new(
                RejectionCode::UnknownQuestion,
                format!("The debrief has no question `{}`.", a.question),
            ));
        };
        if seen.contains(&a.question.as_str()) {
            return Err(Rejection::new(
                RejectionCode::DuplicateQuestion,
                format!("“{}” is answered twice; answer it once.", q.text),
            ));
        }
        seen.push(&a.question);
        check_value(q, &a.value)?;
    }
    let response = if state.anonymous_debrief {
        e.push_as(
            Actor::System,
            EventBody::DebriefRespondent {
                player: player.clone(),
            },
        );
        DebriefResponse {
            player: None,
            name: None,
            team: None,
            answers: answers.to_vec(),
        }
    } else {
        DebriefResponse {
            player: Some(player.clone()),
            name: Some(seat.name.clone()),
            team: Some(seat.team.clone()),
            answers: answers.to_vec(),
        }
    };
    let by = if state.anonymous_debrief {
        Actor::System
    } else {
        actor.clone()
    };
    e.push_as(by, EventBody::DebriefSubmitted(response));
    Ok(())
}

/// A value fits its question: its type, range, options and length.
fn check_value(q: &DebriefQuestion, value: &AnswerValue) -> Result<(), Rejection> {
    let invalid = |why: String| Err(Rejection::new(RejectionCode::InvalidAnswer, why));
    match (q.kind, value) {
        (QuestionKind::Scale, AnswerValue::Number(n)) if (SCALE.0..=SCALE.1).contains(n) => Ok(()),
        (QuestionKind::Scale, AnswerValue::Number(n)) => invalid(format!(
            "“{}” is answered on a scale of {} to {}, not {n}.",
            q.text, SCALE.0, SCALE.1
        )),
        (QuestionKind::Scale, AnswerValue::Text(_)) => invalid(format!(
            "“{}” is answered with a whole number from {} to {}.",
            q.text, SCALE.0, SCALE.1
        )),
        (QuestionKind::Choice, AnswerValue::Text(t)) if q.options.iter().any(|o| o == t) => Ok(()),
        (QuestionKind::Choice, _) => invalid(format!(
            "“{}” is answered with one of: {}.",
            q.text,
            q.options.join(", ")
        )),
        (QuestionKind::Text, AnswerValue::Text(t)) if t.trim().is_empty() => Err(Rejection::new(
            RejectionCode::EmptyText,
            format!(
                "The answer to “{}” is blank; leave the question out instead.",
                q.text
            ),
        )),
        (QuestionKind::Text, AnswerValue::Text(t)) => check_text(t, MAX_ANSWER, "answer"),
        (QuestionKind::Text, AnswerValue::Number(_)) => {
            invalid(format!("“{}” is answered with text.", q.text))
        }
    }
}

/// The White Cell closes the debrief.
pub(super) fn close(e: &mut Emitter) -> Result<(), Rejection> {
    if e.phase != Phase::Ended {
        return Err(wrong_phase(
            e,
            "close the debrief",
            "the debrief after the session has ended",
        ));
    }
    if e.state.debrief.closed {
        return Err(Rejection::new(
            RejectionCode::DebriefClosed,
            "The debrief is already closed.",
        ));
    }
    e.push(EventBody::DebriefClosed {});
    Ok(())
}

/// Applies a debrief event to the state.
pub(super) fn evolve(state: &mut State, event: &Event) {
    match &event.body {
        EventBody::DebriefSubmitted(r) => {
            if let Some(p) = &r.player {
                state.debrief.respondents.insert(p.clone());
            }
            state.debrief.responses.push(r.clone());
        }
        EventBody::DebriefRespondent { player } => {
            state.debrief.respondents.insert(player.clone());
        }
        EventBody::DebriefClosed {} => state.debrief.closed = true,
        _ => {}
    }
}

/// The snapshot's `debrief`, once the session has ended.
#[derive(Debug, Clone, Serialize)]
pub struct DebriefView {
    pub questions: Vec<DebriefQuestion>,
    /// Whether answers are still taken.
    pub open: bool,
    /// Whether answers are stored without names (`anonymous_debrief`).
    pub anonymous: bool,
    /// A player's or observer's own: whether it has answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
    /// The White Cell's: players and observers seated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seated: Option<usize>,
    /// The White Cell's: how many have answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// The White Cell's, unless anonymous: the player ids that have answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondents: Option<Vec<String>>,
    /// The White Cell's: every response so far (without names when anonymous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responses: Option<Vec<DebriefResponse>>,
}

/// The debrief as `viewer` (the player `player`, for a seat) may see it; `None`
/// before the end.
pub fn debrief_view(state: &State, viewer: &Viewer, player: Option<&str>) -> Option<DebriefView> {
    if state.phase != Phase::Ended {
        return None;
    }
    let fac = matches!(viewer, Viewer::Facilitator);
    let d = &state.debrief;
    Some(DebriefView {
        questions: state.scenario.debrief.clone(),
        open: !d.closed,
        anonymous: state.anonymous_debrief,
        answered: player.filter(|_| !fac).map(|p| d.respondents.contains(p)),
        seated: fac.then_some(state.players.len()),
        count: fac.then_some(d.respondents.len().max(d.responses.len())),
        respondents: (fac && !state.anonymous_debrief)
            .then(|| d.respondents.iter().cloned().collect()),
        responses: fac.then(|| d.responses.clone()),
    })
}

/// The snapshot for one authenticated seat: [`super::view`] with the debrief as
/// this player sees it.
pub fn view_of(state: &State, actor: &Actor) -> super::View {
    let viewer = Viewer::of(actor);
    let mut v = super::view(state, &viewer);
    let player = match actor {
        Actor::Team { player, .. } | Actor::Observer { player } => Some(player.as_str()),
        Actor::Facilitator | Actor::System => None,
    };
    v.debrief = debrief_view(state, &viewer, player);
    v
}
