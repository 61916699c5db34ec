//! `evolve`: one stored event applied to the state. Live play and replay share it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::adjudicate::locked_choices;
use super::state::*;
use super::types::*;
use crate::scenario::Scenario;

/// Applies an event's effect on the shared board. Used by `evolve` and by `decide`'s
/// scratch world, so both always agree.
pub fn apply_world(world: &mut World, s: &Scenario, turn: u32, phase: Phase, body: &EventBody) {
    let mut change = |effects: &BTreeMap<Arc<str>, i64>, set: &[Arc<str>], clear: &[Arc<str>]| {
        for (id, d) in effects {
            // Ids in events are usually the scenario's own (shared) strings, which
            // `Arc`'s equality recognises by pointer before comparing text.
            if let Some(ix) = s.indicators.iter().position(|i| i.id == *id) {
                let ind = &s.indicators[ix];
                world.indicators[ix] = (world.indicators[ix] + d).clamp(ind.min, ind.max);
            }
        }
        for id in set {
            if let Some(ix) = s.flags.iter().position(|f| f.id == *id) {
                world.flags[ix] = true;
                if s.flags[ix].lapses {
                    let live_until = if phase <= Phase::Decision {
                        turn
                    } else {
                        turn + 1
                    };
                    world.flag_expiry[ix] = Some(live_until);
                }
            }
        }
        for id in clear {
            if let Some(ix) = s.flags.iter().position(|f| f.id == *id) {
                world.flags[ix] = false;
                world.flag_expiry[ix] = None;
            }
        }
    };
    match body {
        EventBody::EventInjected { inject } => change(&inject.effects, &inject.set, &inject.clear),
        EventBody::ChoiceResolved(r) => change(&r.effects, &r.set, &r.clear),
        EventBody::AgreementApplied(a) => change(&a.effects, &a.set, &a.clear),
        EventBody::PhaseChanged {
            lapsed,
            lapsed_secret,
            ..
        } => {
            change(&BTreeMap::new(), &[], lapsed);
            change(&BTreeMap::new(), &[], lapsed_secret);
        }
        EventBody::TriggerFired { trigger, .. } => {
            if let Some(ix) = s.triggers.iter().position(|t| t.id == *trigger) {
                world.fired_triggers[ix] = true;
            }
        }
        _ => {}
    }
}

/// Applies one stored event to the state. Never fails: events are facts.
pub fn evolve(state: &mut State, event: &Event) {
    apply_world(
        &mut state.world,
        &state.scenario,
        event.turn,
        event.phase,
        &event.body,
    );
    state.seq = event.seq;
    state.turn = event.turn;
    state.phase = event.phase;
    match &event.body {
        EventBody::SessionCreated {
            title,
            seed,
            max_turns,
            auto_advance,
            private_rationales,
            team_leads,
            player_odds,
            anonymous_debrief,
            scope,
            sponsor,
            point_of_contact,
            forked_from,
            ..
        } => {
            state.anonymous_debrief = *anonymous_debrief;
            state.forked_from.clone_from(forked_from);
            state.after_action.info = ReportInfo {
                scope: scope.clone(),
                sponsor: sponsor.clone(),
                point_of_contact: point_of_contact.clone(),
            };
            state.team_leads = *team_leads;
            state.player_odds = *player_odds;
            state.title = title.clone();
            state.seed = seed.unwrap_or(0);
            state.max_turns = *max_turns;
            state.auto_advance = *auto_advance;
            state.private_rationales = *private_rationales;
            state.created_at = event.at;
        }
        EventBody::PlayerJoined {
            player,
            team,
            name,
            seat,
        } => {
            state.players.push(Player {
                player: player.clone(),
                team: team.clone(),
                name: name.clone(),
                seat: *seat,
                joined_at: event.at,
            });
            super::teamwork::joined(state, team, player);
        }
        EventBody::PhaseChanged { .. } => {
            state.timer = None;
            match event.phase {
                Phase::Briefing => {
                    state.drafts.iter_mut().for_each(|d| *d = None);
                    state.live_drafts.clear();
                    state.pending.clear();
                    // The previous turn is over: its final values (after any injects
                    // during review) replace the ones recorded when review opened.
                    if event.turn > 1 {
                        record_history(state, event.turn - 1);
                    }
                }
                Phase::Adjudication => {
                    // Room for this turn's rolls and results (capacity only).
                    let n = locked_choices(state);
                    state.pending.reserve(n);
                    state.choices.reserve(n);
                }
                Phase::Review => record_history(state, event.turn),
                _ => {}
            }
        }
        EventBody::ChoicesSubmitted {
            team,
            choices,
            cost,
            revision,
            doctrine,
            ..
        } => {
            if let Some(ix) = state.scenario.team_index(team) {
                let by = match &event.actor {
                    Actor::Team { player, .. } => player.clone(),
                    _ => String::new(),
                };
                state.drafts[ix] = Some(Draft {
                    team: team.clone(),
                    turn: event.turn,
                    choices: choices.clone(),
                    cost: cost.unwrap_or(0),
                    revision: revision.unwrap_or(1),
                    by,
                    at: event.at,
                    doctrine: doctrine.clone(),
                });
            }
        }
        EventBody::EventInjected { inject } => {
            if let Some(sid) = &inject.script {
                state
                    .script
                    .insert(sid.to_string(), ScriptStatus::Fired { seq: event.seq });
            }
            state.injects.push(inject.clone());
        }
        EventBody::ScriptSkipped { script } => {
            state
                .script
                .insert(script.clone(), ScriptStatus::Skipped { seq: event.seq });
        }
        EventBody::DiceRolled { rolled, rng } => {
            state.pending.push(rolled.clone());
            state.rng = *rng;
        }
        EventBody::OutcomeOverridden {
            choice,
            result,
            note,
            ..
        } => {
            if let Some(r) = state.pending.iter_mut().find(|r| &r.choice == choice) {
                r.overridden = Some(OverrideNote {
                    result: *result,
                    note: note.clone(),
                });
            }
        }
        EventBody::ChoiceResolved(r) => state.choices.push(TurnChoice {
            turn: event.turn,
            resolution: r.clone(),
        }),
        EventBody::TriggerFired { .. } => {}
        EventBody::NoteAdded {
            text,
            public,
            category,
            about,
        } => state.notes.push(Note {
            seq: event.seq,
            at: event.at,
            turn: event.turn,
            text: text.clone(),
            public: *public,
            category: *category,
            about: about.clone(),
        }),
        EventBody::TimerSet {
            seconds,
            deadline,
            auto_advance,
        } => {
            state.timer = deadline.map(|deadline| Timer {
                seconds: *seconds,
                deadline,
                auto_advance: *auto_advance,
                turn: event.turn,
                phase: event.phase,
            });
        }
        EventBody::TimerExpired {} => state.timer = None,
        EventBody::BotSet { team, doctrine, .. } => match doctrine {
            Some(d) => {
                state.bots.insert(team.clone(), d.clone());
            }
            None => {
                state.bots.remove(team);
            }
        },
        EventBody::CovertRevealed { choice, .. } => {
            if let Some(c) = state
                .choices
                .iter_mut()
                .find(|c| &c.resolution.choice == choice)
            {
                c.resolution.revealed = true;
            }
        }
        EventBody::SessionEnded {
            reason,
            title,
            text,
        } => {
            state.timer = None;
            state.pending.clear();
            if state.turn > 0 {
                record_history(state, state.turn);
            }
            state.ended = Some(Ending {
                reason: reason.clone(),
                title: title.clone(),
                text: text.clone(),
            });
        }
        EventBody::MessagePosted { .. }
        | EventBody::ChannelChanged { .. }
        | EventBody::AgreementProposed(_)
        | EventBody::AgreementResponded(_)
        | EventBody::AgreementResolved(_)
        | EventBody::AgreementApplied(_) => super::negotiation::evolve(state, event),
        EventBody::DraftEdited { .. }
        | EventBody::LeadChanged { .. }
        | EventBody::OverrideUndone { .. } => super::teamwork::evolve(state, event),
        EventBody::DebriefSubmitted(_)
        | EventBody::DebriefRespondent { .. }
        | EventBody::DebriefClosed {} => super::debrief::evolve(state, event),
        EventBody::ReportInfoSet(_)
        | EventBody::ConclusionSet { .. }
        | EventBody::PlanItemSet(_)
        | EventBody::PlanItemRemoved { .. } => super::aar::evolve(state, &event.body),
    }
}

/// Records (or replaces) the indicator values at the end of `turn`.
fn record_history(state: &mut State, turn: u32) {
    let record = TurnRecord {
        turn,
        indicators: state.world.indicators.clone(),
    };
    match state.history.last_mut() {
        Some(last) if last.turn == turn => *last = record,
        _ => state.history.push(record),
    }
}
