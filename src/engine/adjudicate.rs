//! Adjudication: odds, dice, detection, and publishing the turn's outcomes.
//!
//! When the decision window closes every locked choice is rolled from the session's
//! own ChaCha20 stream; when the White Cell publishes, outcomes apply in resolution
//! order, then follow-on events, triggers and end conditions.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::RngExt;

use super::emit::Emitter;
use super::inject::{InjectOrigin, catalog_inject, check_end, check_triggers};
use super::state::*;
use super::types::*;
use crate::scenario::{Effects, OptionDef, Scenario, all_hold};

/// A choice's id, `t{turn}-{team}-{n}`, built without the formatting machinery
/// (it is made for every locked choice, every turn).
fn choice_id(turn: u32, team: &str, n: usize) -> String {
    fn digits(out: &mut String, mut v: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.extend(buf[i..].iter().map(|b| char::from(*b)));
    }
    let mut id = String::with_capacity(team.len() + 16);
    id.push('t');
    digits(&mut id, u64::from(turn));
    id.push('-');
    id.push_str(team);
    id.push('-');
    digits(&mut id, n as u64);
    id
}

/// The decision window closes: every locked choice is rolled, in stage order then
/// team order, from the session's own dice stream.
pub(super) fn close_decision(e: &mut Emitter) {
    // One phase change and one roll per locked choice: size the log once, since
    // events are large and regrowing it dominated the cost of a turn.
    e.events.reserve(1 + locked_choices(e.state));
    e.change_phase(Phase::Adjudication, e.turn, Vec::new());
    let s = e.scenario();
    let mut planned: Vec<(usize, usize, usize, &OptionDef, &DraftChoice)> = Vec::new();
    for (ti, draft) in e.state.drafts.iter().enumerate() {
        let Some(draft) = draft else { continue };
        if draft.turn != e.turn {
            continue;
        }
        for (k, c) in draft.choices.iter().enumerate() {
            if let Some((_, _, opt)) = s.option(&c.option) {
                planned.push((opt.stage_index, ti, k, opt, c));
            }
        }
    }
    planned.sort_by_key(|(stage, ti, k, _, _)| (*stage, *ti, *k));
    let mut rng = e.dice();
    for (_, ti, k, opt, c) in planned {
        let team = &s.teams[ti];
        let (base, modifiers, target) =
            super::repeat::odds_after(s, &e.world, &e.state.choices, opt);
        let roll: u32 = rng.random_range(1..=100);
        let result = if i64::from(roll) <= target {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let detection = detection_odds(s, &e.world, ti, opt).map(|(base, modifiers, target)| {
            let roll: u32 = rng.random_range(1..=100);
            Detection {
                base,
                modifiers,
                target,
                roll,
                detected: i64::from(roll) <= target,
            }
        });
        let rolled = Rolled {
            choice: Arc::from(choice_id(e.turn, &team.id, k + 1)),
            team: team.id.clone(),
            option: opt.id.clone(),
            title: opt.title.clone(),
            cost: opt.cost,
            stage: opt.stage.clone(),
            covert: opt.covert,
            rationale: c.rationale.clone(),
            base,
            modifiers,
            target,
            roll,
            result,
            detection,
            overridden: None,
            // A bot's choice carries its doctrine through to publication.
            doctrine: e.state.drafts[ti].as_ref().and_then(|d| d.doctrine.clone()),
        };
        let pos = u64::try_from(rng.get_word_pos()).unwrap_or(u64::MAX);
        e.rng = pos;
        e.push(EventBody::DiceRolled { rolled, rng: pos });
    }
}

/// How many choices the teams have locked for the current turn.
pub(super) fn locked_choices(state: &State) -> usize {
    state
        .drafts
        .iter()
        .flatten()
        .filter(|d| d.turn == state.turn)
        .map(|d| d.choices.len())
        .sum()
}

/// Base odds plus every modifier whose condition holds, clamped to 0-100.
pub fn odds(s: &Scenario, world: &World, opt: &OptionDef) -> (i64, Vec<AppliedModifier>, i64) {
    let _ = s;
    let modifiers: Vec<AppliedModifier> = opt
        .modifiers
        .iter()
        .filter(|m| all_hold(&m.when, &world.indicators, &world.flags))
        .map(|m| AppliedModifier {
            delta: m.delta,
            reason: m.reason.clone(),
        })
        .collect();
    let target = (opt.odds + modifiers.iter().map(|m| m.delta).sum::<i64>()).clamp(0, 100);
    (opt.odds, modifiers, target)
}

/// For a covert option: the chance that other teams learn of it.
pub fn detection_odds(
    s: &Scenario,
    world: &World,
    team: usize,
    opt: &OptionDef,
) -> Option<(i64, Vec<AppliedModifier>, i64)> {
    if !opt.covert {
        return None;
    }
    let base = opt.detection.unwrap_or(s.detection_base);
    let modifiers: Vec<AppliedModifier> = s
        .detection_modifiers
        .iter()
        .filter(|m| m.teams.is_empty() || m.teams.contains(&team))
        .filter(|m| all_hold(&m.when, &world.indicators, &world.flags))
        .map(|m| AppliedModifier {
            delta: m.delta,
            reason: m.reason.clone(),
        })
        .collect();
    let target = (base + modifiers.iter().map(|m| m.delta).sum::<i64>()).clamp(0, 100);
    Some((base, modifiers, target))
}

/// Indicator deltas as they would actually apply now, after clamping to range.
pub(super) fn clamped(s: &Scenario, world: &World, effects: &Effects) -> BTreeMap<Arc<str>, i64> {
    let mut out = BTreeMap::new();
    for (k, (ix, d)) in effects.deltas.iter().enumerate() {
        let Some(ind) = s.indicators.get(*ix) else {
            continue;
        };
        // Earlier deltas to the same indicator in this list have already moved it.
        let before = effects.deltas[..k]
            .iter()
            .filter(|(j, _)| j == ix)
            .fold(world.indicators[*ix], |v, (_, d)| {
                (v + d).clamp(ind.min, ind.max)
            });
        let after = (before + d).clamp(ind.min, ind.max);
        *out.entry(ind.id.clone()).or_insert(0) += after - before;
    }
    out
}

/// The facilitator publishes the turn: outcomes apply in resolution order, follow-on
/// events fire, then triggers and end conditions are checked.
pub(super) fn publish(e: &mut Emitter) {
    let s = e.scenario();
    let state = e.state;
    e.events.reserve(state.pending.len() + 2);
    for r in &state.pending {
        let Some((_, _, opt)) = s.option(&r.option) else {
            continue;
        };
        let result = r.overridden.as_ref().map(|o| o.result).unwrap_or(r.result);
        let outcome = match result {
            Outcome::Success => &opt.success,
            Outcome::Failure => &opt.failure,
        };
        let effects = clamped(s, &e.world, &outcome.effects);
        e.push(EventBody::ChoiceResolved(Resolution {
            choice: r.choice.clone(),
            team: r.team.clone(),
            option: r.option.clone(),
            title: r.title.clone(),
            cost: r.cost,
            stage: r.stage.clone(),
            covert: r.covert,
            rationale: Some(r.rationale.clone()),
            rationale_private: state.private_rationales && !r.covert,
            base: r.base,
            modifiers: r.modifiers.clone(),
            target: r.target,
            roll: r.roll,
            rolled: r.result,
            result,
            overridden: r.overridden.as_ref().is_some_and(|o| o.result != r.result),
            note: r.overridden.as_ref().map(|o| o.note.clone()),
            detection: r.detection.clone(),
            text: outcome.text.clone(),
            effects,
            set: outcome.set.ids.clone(),
            clear: outcome.clear.ids.clone(),
            revealed: false,
            bot: r.doctrine.is_some(),
            doctrine: r.doctrine.clone(),
        }));
        // Follow-on events are part of the outcome: for an undetected covert choice
        // they reach only its owner (and the White Cell), like the outcome itself.
        let hidden = r.covert && !r.detection.as_ref().is_some_and(|d| d.detected);
        let to = if hidden {
            vec![r.team.clone()]
        } else {
            Vec::new()
        };
        for ev in &outcome.events.index {
            catalog_inject(e, *ev, InjectOrigin::Cause(r.choice.clone()), to.clone());
        }
    }
    super::negotiation::apply_accepted(e);
    check_triggers(e);
    if check_end(e) {
        return;
    }
    e.change_phase(Phase::Review, e.turn, Vec::new());
}
