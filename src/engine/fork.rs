//! `fork`: a new session's log from another's, restarting at the briefing of one turn.
//!
//! The fork's log is the source's events up to and including the `phase_changed` that
//! opened turn N's briefing (and whatever the same `advance` emitted with it: proposals
//! expiring), renumbered from 1, minus what belongs to the source's seats. So the fork
//! starts on the board the source had then, with its history, script, bots and dice
//! position (the `rng` of the last `dice_rolled`): replaying the same choices rolls the
//! same dice until a choice differs.
//!
//! Event by event:
//! - carried as they are: `phase_changed`, `event_injected`, `script_skipped`,
//!   `dice_rolled`, `outcome_overridden`, `choice_resolved`, `trigger_fired`,
//!   `note_added`, `timer_set`, `timer_expired`, `channel_changed`, `covert_revealed`,
//!   `bot_set`, `override_undone`, `report_info_set`: the game's history and the White
//!   Cell's acts;
//! - carried with the acting player's id blanked (the team stays): the agreement
//!   events, which change the board and number the agreements;
//! - rewritten: `session_created` gains `forked_from` (and the fork's title);
//! - not carried: `player_joined` (players rejoin with the new join code),
//!   `choices_submitted` and `draft_edited` (a seat's drafts; what was chosen is in
//!   `dice_rolled` and `choice_resolved`), `lead_changed` (leads follow the new
//!   joins), `message_posted` (people's words stay in the source's record),
//!   `conclusion_set`, `plan_item_set` and `plan_item_removed` (written about the
//!   source's whole game), the debrief events (they come after the end);
//! - `session_ended` cannot come before the cut.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::evolve::evolve;
use super::state::State;
use super::types::*;
use crate::scenario::Scenario;

/// Where a forked session came from: the source session and the turn whose
/// briefing the fork restarts at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkedFrom {
    pub session: String,
    pub turn: u32,
}

/// Why a session cannot be forked at that turn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForkError {
    #[error("Turns are numbered from 1; pick a turn the session has reached.")]
    TurnZero,
    #[error("The session is still in the lobby; start it before restarting from a turn.")]
    Lobby,
    #[error("The session has reached turn {reached}; pick a turn from 1 to {reached}.")]
    NotReached { turn: u32, reached: u32 },
    #[error("The session's log does not begin with its creation.")]
    NoCreation,
}

/// The highest turn whose briefing the session's log has opened (0 in the lobby).
pub fn reached_turn(events: &[Event]) -> u32 {
    events
        .iter()
        .filter(|e| opens_briefing(e))
        .map(|e| e.turn)
        .max()
        .unwrap_or(0)
}

fn opens_briefing(e: &Event) -> bool {
    matches!(e.body, EventBody::PhaseChanged { .. }) && e.phase == Phase::Briefing
}

/// The fork's events and the state they reach. `from.session` is the source's id,
/// recorded in `session_created`; `title` replaces the source's when given.
pub fn fork(
    scenario: Arc<Scenario>,
    events: &[Event],
    from: ForkedFrom,
    title: Option<&str>,
) -> Result<(State, Vec<Event>), ForkError> {
    if from.turn == 0 {
        return Err(ForkError::TurnZero);
    }
    let reached = reached_turn(events);
    if reached == 0 {
        return Err(ForkError::Lobby);
    }
    let Some(open) = events
        .iter()
        .position(|e| opens_briefing(e) && e.turn == from.turn)
    else {
        return Err(ForkError::NotReached {
            turn: from.turn,
            reached,
        });
    };
    // The rest of the same command: same time, same actor, still that briefing.
    let opener = &events[open];
    let end = events[open + 1..]
        .iter()
        .take_while(|e| {
            e.at == opener.at
                && e.actor == opener.actor
                && e.turn == opener.turn
                && e.phase == Phase::Briefing
                && !opens_briefing(e)
        })
        .count()
        + open
        + 1;
    if !matches!(
        events.first().map(|e| &e.body),
        Some(EventBody::SessionCreated { .. })
    ) {
        return Err(ForkError::NoCreation);
    }
    let mut state = State::blank(scenario);
    let mut out = Vec::with_capacity(end);
    for e in &events[..end] {
        let Some(mut e) = carried(e, &from, title) else {
            continue;
        };
        e.seq = out.len() as u64 + 1;
        evolve(&mut state, &e);
        out.push(e);
    }
    Ok((state, out))
}

/// The event as the fork carries it, or `None` when it stays with the source.
fn carried(e: &Event, from: &ForkedFrom, title: Option<&str>) -> Option<Event> {
    let mut e = e.clone();
    match &mut e.body {
        EventBody::SessionCreated {
            forked_from,
            title: t,
            ..
        } => {
            *forked_from = Some(from.clone());
            if let Some(title) = title {
                *t = title.to_string();
            }
        }
        EventBody::PlayerJoined { .. }
        | EventBody::ChoicesSubmitted { .. }
        | EventBody::DraftEdited { .. }
        | EventBody::LeadChanged { .. }
        | EventBody::MessagePosted { .. }
        // The conclusion and the improvement plan are written about the source's
        // whole game; the debrief comes after its end (never before a briefing).
        | EventBody::ConclusionSet { .. }
        | EventBody::PlanItemSet(_)
        | EventBody::PlanItemRemoved { .. }
        | EventBody::DebriefSubmitted(_)
        | EventBody::DebriefRespondent { .. }
        | EventBody::DebriefClosed {} => return None,
        EventBody::AgreementProposed(_)
        | EventBody::AgreementResponded(_)
        | EventBody::AgreementResolved(_)
        | EventBody::AgreementApplied(_) => {
            if let Actor::Team { player, .. } = &mut e.actor {
                player.clear();
            }
        }
        EventBody::PhaseChanged { .. }
        | EventBody::EventInjected { .. }
        | EventBody::ScriptSkipped { .. }
        | EventBody::DiceRolled { .. }
        | EventBody::OutcomeOverridden { .. }
        | EventBody::ChoiceResolved(_)
        | EventBody::TriggerFired { .. }
        | EventBody::NoteAdded { .. }
        | EventBody::TimerSet { .. }
        | EventBody::TimerExpired {}
        | EventBody::SessionEnded { .. }
        | EventBody::ChannelChanged { .. }
        | EventBody::CovertRevealed { .. }
        | EventBody::BotSet { .. }
        | EventBody::OverrideUndone { .. }
        // The report's scope, sponsor and point of contact: the same exercise.
        | EventBody::ReportInfoSet(_) => {}
    }
    Some(e)
}
