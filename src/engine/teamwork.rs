//! Teamwork: the live team draft its players edit together, team leads, the White
//! Cell taking back an override, and the odds players may see of their own options.
//!
//! - `draft` (a team's player, briefing or decision): `draft_edited`, the team's
//!   working selection, seen by the team and the White Cell only. It is not a
//!   submission and never rolled; a new turn clears it.
//! - With the session option `team_leads`, the first player to join a team leads it
//!   (no event: `player_joined` says so), the White Cell names another with `lead`
//!   (`lead_changed`, the team and the White Cell), and only the lead submits
//!   (`not_lead` for the others, who propose into the live draft).
//! - `undo_override` (White Cell, adjudication): `override_undone`, the dice's
//!   result stands again. White Cell only, like the override.
//! - `player_odds` (`band` or `exact`): each option's odds for its team, reckoned on
//!   the board as that team sees it (fog), leaving out modifiers whose conditions
//!   name a flag the team may not see (another team's secret).

use serde::{Deserialize, Serialize};

use super::emit::{Emitter, check_text, wrong_phase};
use super::state::*;
use super::types::*;
use crate::scenario::{Condition, OptionDef, Scenario};

/// Checks a live draft and records it.
pub(super) fn draft(
    e: &mut Emitter,
    team: &str,
    player: &str,
    turn: u32,
    choices: &[ChoiceInput],
) -> Result<(), Rejection> {
    if !matches!(e.phase, Phase::Briefing | Phase::Decision) {
        return Err(wrong_phase(
            e,
            "edit the team's draft",
            "the briefing or the decision phase",
        ));
    }
    if turn != e.turn {
        return Err(Rejection::new(
            RejectionCode::StaleTurn,
            format!(
                "That draft is for turn {turn}, but the session is on turn {}.",
                e.turn
            ),
        ));
    }
    let s = e.scenario();
    let Some(ti) = s.team_index(team) else {
        return Err(Rejection::new(
            RejectionCode::UnknownTeam,
            format!("There is no team `{team}`."),
        ));
    };
    let mut seen: Vec<&str> = Vec::new();
    for c in choices {
        let Some((owner, _, opt)) = s.option(&c.option) else {
            return Err(Rejection::new(
                RejectionCode::UnknownOption,
                format!("There is no option `{}`.", c.option),
            ));
        };
        if owner != ti {
            return Err(Rejection::new(
                RejectionCode::NotYourOption,
                format!(
                    "“{}” belongs to {}, not to your team.",
                    opt.title, s.teams[owner].name
                ),
            ));
        }
        if seen.contains(&&*opt.id) {
            return Err(Rejection::new(
                RejectionCode::DuplicateOption,
                format!("“{}” is in the draft twice.", opt.title),
            ));
        }
        seen.push(&opt.id);
        check_text(&c.rationale, MAX_TEXT, "rationale")?;
    }
    e.push(EventBody::DraftEdited {
        team: team.to_string(),
        choices: choices
            .iter()
            .map(|c| DraftChoice {
                option: c.option.clone(),
                rationale: c.rationale.as_str().into(),
            })
            .collect(),
        by: player.to_string(),
    });
    Ok(())
}

/// With team leads, only the team's lead may submit.
pub(super) fn check_lead(state: &State, team: &str, player: &str) -> Result<(), Rejection> {
    if !state.team_leads {
        return Ok(());
    }
    match state.leads.get(team) {
        Some(lead) if lead != player => {
            let name = state.player(lead).map_or("your team's lead", |p| &p.name);
            Err(Rejection::new(
                RejectionCode::NotLead,
                format!(
                    "Only the team's lead, {name}, submits in this session; your changes are in the team's draft for them to send."
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The White Cell names a team's lead.
pub(super) fn lead(e: &mut Emitter, team: &str, player: &str) -> Result<(), Rejection> {
    if !e.state.team_leads {
        return Err(Rejection::new(
            RejectionCode::Forbidden,
            "This session has no team leads: every player may submit.",
        ));
    }
    if e.scenario().team_index(team).is_none() {
        return Err(Rejection::new(
            RejectionCode::UnknownTeam,
            format!("There is no team `{team}`."),
        ));
    }
    if e.state.player(player).is_none_or(|p| p.team != team) {
        return Err(Rejection::new(
            RejectionCode::InvalidPlayer,
            format!("That player does not play for team `{team}`."),
        ));
    }
    e.push(EventBody::LeadChanged {
        team: team.to_string(),
        player: player.to_string(),
    });
    Ok(())
}

/// The White Cell takes back an override before publication.
pub(super) fn undo_override(e: &mut Emitter, choice: &str) -> Result<(), Rejection> {
    if e.phase != Phase::Adjudication {
        return Err(wrong_phase(e, "undo an override", "adjudication"));
    }
    let Some(r) = e.state.pending.iter().find(|r| &*r.choice == choice) else {
        return Err(Rejection::new(
            RejectionCode::UnknownChoice,
            format!("There is no choice `{choice}` awaiting adjudication this turn."),
        ));
    };
    let Some(o) = &r.overridden else {
        return Err(Rejection::new(
            RejectionCode::UnknownChoice,
            format!(
                "“{}” ({choice}) is not overridden: the dice's result already stands.",
                r.title
            ),
        ));
    };
    e.push(EventBody::OverrideUndone {
        choice: r.choice.clone(),
        team: r.team.clone(),
        option: r.option.clone(),
        result: r.result,
        previous: o.result,
    });
    Ok(())
}

/// A player joined: with team leads, the first of a team leads it.
pub(super) fn joined(state: &mut State, team: &str, player: &str) {
    if state.team_leads && team != "observer" && !state.leads.contains_key(team) {
        state.leads.insert(team.to_string(), player.to_string());
    }
}

/// Applies this module's events.
pub(super) fn evolve(state: &mut State, event: &Event) {
    match &event.body {
        EventBody::DraftEdited { team, choices, by } => {
            state.live_drafts.insert(
                team.clone(),
                LiveDraft {
                    team: team.clone(),
                    turn: event.turn,
                    choices: choices.clone(),
                    by: by.clone(),
                    at: event.at,
                    seq: event.seq,
                },
            );
        }
        EventBody::LeadChanged { team, player } => {
            state.leads.insert(team.clone(), player.clone());
        }
        EventBody::OverrideUndone { choice, .. } => {
            if let Some(r) = state.pending.iter_mut().find(|r| &r.choice == choice) {
                r.overridden = None;
            }
        }
        _ => {}
    }
}

/// A target of at least this is `likely` (it succeeds at least two times in three).
pub const LIKELY_FROM: i64 = 67;
/// A target of at most this is `risky` (it fails at least two times in three).
pub const RISKY_UPTO: i64 = 33;

/// One option's odds as its team may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlayerOddsView {
    /// `likely` (target 67 or more), `even` (34-66) or `risky` (33 or less).
    pub band: &'static str,
    /// `exact` only: the chance of success in percent, its base and the modifiers
    /// the team can know of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modifiers: Option<Vec<AppliedModifier>>,
}

/// The band a target falls in.
pub fn band(target: i64) -> &'static str {
    if target >= LIKELY_FROM {
        "likely"
    } else if target <= RISKY_UPTO {
        "risky"
    } else {
        "even"
    }
}

/// Whether every flag these conditions name is one team `team` may see.
fn names_only_seen(s: &Scenario, conds: &[Condition], team: &str) -> bool {
    conds.iter().all(|c| match c {
        Condition::Flag { flag, .. } => s.flag_visible_to(*flag, Some(team), false),
        Condition::Compare { .. } => true,
    })
}

/// The odds of `opt` for `team` on `indicators` (the board as the team sees it):
/// modifiers naming a flag the team may not see neither count nor show.
pub fn team_odds(
    state: &State,
    team: &str,
    indicators: &[i64],
    opt: &OptionDef,
) -> Option<PlayerOddsView> {
    let s = state.scenario.as_ref();
    if state.player_odds == PlayerOdds::None {
        return None;
    }
    let mut modifiers: Vec<AppliedModifier> = opt
        .modifiers
        .iter()
        .filter(|m| names_only_seen(s, &m.when, team))
        .filter(|m| crate::scenario::all_hold(&m.when, indicators, &state.world.flags))
        .map(|m| AppliedModifier {
            delta: m.delta,
            reason: m.reason.clone(),
        })
        .collect();
    if let Some(m) = super::repeat::repeat_modifier(&state.choices, opt) {
        modifiers.push(m);
    }
    let target = (opt.odds + modifiers.iter().map(|m| m.delta).sum::<i64>()).clamp(0, 100);
    let exact = state.player_odds == PlayerOdds::Exact;
    Some(PlayerOddsView {
        band: band(target),
        target: exact.then_some(target),
        base: exact.then_some(opt.odds),
        modifiers: exact.then_some(modifiers),
    })
}

/// What a session shows players of their own options' odds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayerOdds {
    /// Nothing (the default): odds are the White Cell's.
    #[default]
    None,
    /// A band: likely, even or risky.
    Band,
    /// The target with its base and the modifiers the team can know of.
    Exact,
}

impl PlayerOdds {
    pub fn is_none(&self) -> bool {
        *self == PlayerOdds::None
    }
}
