//! The doctrine policy: how a bot picks its team's options.
//!
//! A doctrine (`[[teams.doctrines]]`) weighs each of the team's options; while a
//! rule's conditions hold on the board *as the team sees it* (fog included), its
//! deltas move those weights. The bot then draws options one at a time, each with
//! chance proportional to its weight, among those available, not yet drawn and
//! within what is left of the budget, until none is left. The draw comes from a
//! stream of its own derived from the session seed, the turn and the team: it never
//! moves the session's dice, and the same session picks the same options in replay
//! and in `wargame simulate`.

use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::state::{State, World};
use super::types::ChoiceInput;
use crate::scenario::{Doctrine, all_hold};

/// The stream a bot of team `team` draws from in turn `turn` of a session seeded
/// with `seed`: SplitMix64 over the three, so neighbouring turns and teams differ.
pub fn bot_stream(seed: u64, turn: u32, team: usize) -> ChaCha20Rng {
    let mut z = seed ^ 0xD0C7_81E5_B075_0000;
    for v in [u64::from(turn), team as u64] {
        z = z.wrapping_add(v.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    ChaCha20Rng::seed_from_u64(z)
}

/// One option's weight now, and the reasons that gave it.
struct Weighed {
    option: usize,
    weight: i64,
    reasons: Vec<Arc<str>>,
}

/// Each option's weight on the board the team sees, with its reasons: the base
/// reason when its base weight counts, then each rule that raised it.
fn weigh(state: &State, world: &World, team: usize, d: &Doctrine) -> Vec<Weighed> {
    let s = state.scenario.as_ref();
    let t = &s.teams[team];
    // Fog: conditions on indicators read the team's own board.
    let believed: Vec<i64> = match super::fog::team_beliefs(state) {
        Some(boards) => match boards.get(&t.id) {
            Some(board) => s
                .indicators
                .iter()
                .zip(&world.indicators)
                .map(|(i, v)| board.get(&i.id).copied().unwrap_or(*v))
                .collect(),
            None => world.indicators.clone(),
        },
        None => world.indicators.clone(),
    };
    let rules: Vec<_> = d
        .when
        .iter()
        .filter(|r| all_hold(&r.when, &believed, &world.flags))
        .collect();
    (0..t.options.len())
        .map(|oi| {
            let base = d.weights.get(oi).copied().unwrap_or(0);
            let mut reasons = Vec::new();
            if base > 0
                && let Some(r) = d.reasons.get(oi)
            {
                reasons.push(r.clone());
            }
            let mut weight = base;
            for r in &rules {
                let delta = r.deltas.get(oi).copied().unwrap_or(0);
                weight += delta;
                if delta > 0 {
                    reasons.push(r.reason.clone());
                }
            }
            Weighed {
                option: oi,
                weight: weight.max(0),
                reasons,
            }
        })
        .collect()
}

/// What the bot of `team` playing `d` submits now: options drawn by weight, each
/// with a rationale naming the doctrine and its reasons. `world` is the board now
/// (the state's, or the one a command has moved it to).
pub fn doctrine_choices(
    state: &State,
    world: &World,
    team: usize,
    d: &Doctrine,
    turn: u32,
) -> Vec<ChoiceInput> {
    let s = state.scenario.as_ref();
    let Some(t) = s.teams.get(team) else {
        return Vec::new();
    };
    let mut rng = bot_stream(state.seed, turn, team);
    // Availability on the true board, as for a human (docs/SCENARIO.md, fog).
    let available: Vec<bool> = t
        .options
        .iter()
        .map(|o| all_hold(&o.requires, &world.indicators, &world.flags))
        .collect();
    let mut left: Vec<Weighed> = weigh(state, world, team, d)
        .into_iter()
        .filter(|w| w.weight > 0 && available.get(w.option).copied().unwrap_or(false))
        .collect();
    let mut budget = t.budget;
    let mut out = Vec::new();
    loop {
        left.retain(|w| t.options[w.option].cost <= budget);
        let total: i64 = left.iter().map(|w| w.weight).sum();
        if total <= 0 {
            break;
        }
        let mut r = rng.random_range(0..total);
        let k = left
            .iter()
            .position(|w| {
                r -= w.weight;
                r < 0
            })
            .unwrap_or(0);
        let w = left.remove(k);
        let o = &t.options[w.option];
        budget -= o.cost;
        out.push(ChoiceInput {
            option: o.id.to_string(),
            rationale: rationale(d, &w.reasons),
        });
    }
    out
}

/// "Bot (doctrine “Loyal ally”): Minsk stands with Moscow. …"
fn rationale(d: &Doctrine, reasons: &[Arc<str>]) -> String {
    let mut text = format!("Bot (doctrine “{}”):", d.name);
    for r in reasons {
        text.push(' ');
        text.push_str(r);
        if !r.ends_with(['.', '!', '?']) {
            text.push('.');
        }
    }
    text
}
