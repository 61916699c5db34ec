//! Bots: the White Cell seats a bot playing one of a team's doctrines (`bot`), and
//! the bot submits its choices at the start of every decision window, as part of
//! the advance into it. Its submission is an ordinary `choices_submitted` (marked
//! `bot`, with its `doctrine`), stored, replayed and adjudicated like any other;
//! the picks come from `doctrine.rs`, on a stream that never moves the dice.

use std::sync::Arc;

use super::doctrine::doctrine_choices;
use super::emit::Emitter;
use super::types::*;

/// `bot {team, doctrine}`: seat a bot for `team`, or (`None`) hand the seat back
/// to the team's players. During a decision window the bot submits at once.
pub(super) fn set_bot(
    e: &mut Emitter,
    team: &str,
    doctrine: Option<&str>,
) -> Result<(), Rejection> {
    let s = e.scenario();
    let Some(ti) = s.team_index(team) else {
        let ids: Vec<&str> = s.teams.iter().map(|t| &*t.id).collect();
        return Err(Rejection::new(
            RejectionCode::UnknownTeam,
            format!(
                "There is no team `{team}`; choose one of {}.",
                ids.join(", ")
            ),
        ));
    };
    let t = &s.teams[ti];
    let doctrine = match doctrine.map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(id) => match t.doctrine(id) {
            Some(d) => Some(d),
            None if t.doctrines.is_empty() => {
                return Err(Rejection::new(
                    RejectionCode::UnknownDoctrine,
                    format!(
                        "{} has no doctrines in this scenario, so no bot can play it.",
                        t.name
                    ),
                ));
            }
            None => {
                let ids: Vec<&str> = t.doctrines.iter().map(|d| &*d.id).collect();
                return Err(Rejection::new(
                    RejectionCode::UnknownDoctrine,
                    format!(
                        "{} has no doctrine `{id}`; choose one of {}.",
                        t.name,
                        ids.join(", ")
                    ),
                ));
            }
        },
    };
    e.push(EventBody::BotSet {
        team: team.to_string(),
        bot: doctrine.is_some(),
        doctrine: doctrine.map(|d| d.id.clone()),
    });
    if let Some(d) = doctrine
        && e.phase == Phase::Decision
    {
        submit_one(e, ti, &d.id);
    }
    Ok(())
}

/// Every seated bot submits, in team order: called as a decision window opens.
pub(super) fn submit_all(e: &mut Emitter) {
    let s = e.scenario();
    for (ti, t) in s.teams.iter().enumerate() {
        if let Some(d) = e.state.bots.get(&*t.id).cloned() {
            submit_one(e, ti, &d);
        }
    }
}

fn submit_one(e: &mut Emitter, ti: usize, doctrine: &Arc<str>) {
    let s = e.scenario();
    let t = &s.teams[ti];
    let Some(d) = t.doctrine(doctrine) else {
        return;
    };
    let choices = doctrine_choices(e.state, &e.world, ti, d, e.turn);
    let cost = choices
        .iter()
        .filter_map(|c| s.option(&c.option).map(|(_, _, o)| o.cost))
        .sum();
    let revision = e.state.drafts[ti]
        .as_ref()
        .filter(|dr| dr.turn == e.turn)
        .map_or(1, |dr| dr.revision + 1);
    e.push(EventBody::ChoicesSubmitted {
        team: t.id.to_string(),
        choices: choices
            .into_iter()
            .map(|c| DraftChoice {
                option: c.option,
                rationale: Arc::from(c.rationale),
            })
            .collect(),
        cost: Some(cost),
        revision: Some(revision),
        redacted: false,
        bot: true,
        doctrine: Some(d.id.clone()),
    });
}
