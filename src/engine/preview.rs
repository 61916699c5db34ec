//! Odds preview: Monte Carlo over the current turn's locked choices.
//!
//! Uses its own ChaCha stream, so looking at the odds never changes the dice the
//! session will actually roll.

use std::collections::BTreeMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use super::adjudicate::detection_odds;
use super::state::State;
use super::types::{Outcome, Phase};
use crate::scenario::{Outcome as OutcomeDef, Scenario, all_hold};

#[derive(Debug, Clone, Serialize)]
pub struct ChoicePreview {
    pub team: String,
    pub option: String,
    pub title: String,
    /// Success chance in percent, from the odds.
    pub target: i64,
    /// Share of simulated runs in which it succeeded (0-1).
    pub success: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection: Option<i64>,
    /// A facilitator override fixes the result; no dice are simulated for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced: Option<Outcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub now: i64,
    pub mean: f64,
    pub min: i64,
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
    pub max: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub turn: u32,
    pub phase: Phase,
    pub runs: u32,
    pub choices: Vec<ChoicePreview>,
    pub indicators: BTreeMap<String, Distribution>,
    /// Share of runs in which an end condition would be met (0-1).
    pub ends: f64,
}

struct Planned<'a> {
    team: usize,
    option: &'a crate::scenario::OptionDef,
    target: i64,
    forced: Option<Outcome>,
}

/// Simulates the current turn's locked choices `runs` times (at least 1).
pub fn preview(state: &State, runs: u32) -> Preview {
    let s = state.scenario.as_ref();
    let runs = runs.clamp(1, 1_000_000);
    let mut planned: Vec<Planned> = Vec::new();
    match state.phase {
        Phase::Decision => {
            let mut list = Vec::new();
            for (ti, d) in state.drafts.iter().enumerate() {
                let Some(d) = d.as_ref().filter(|d| d.turn == state.turn) else {
                    continue;
                };
                for (k, c) in d.choices.iter().enumerate() {
                    if let Some((_, _, o)) = s.option(&c.option) {
                        list.push((o.stage_index, ti, k, o));
                    }
                }
            }
            list.sort_by_key(|(st, ti, k, _)| (*st, *ti, *k));
            for (_, ti, _, o) in list {
                planned.push(Planned {
                    team: ti,
                    option: o,
                    target: super::repeat::odds_after(s, &state.world, &state.choices, o).2,
                    forced: None,
                });
            }
        }
        Phase::Adjudication => {
            for r in &state.pending {
                if let Some((ti, _, o)) = s.option(&r.option) {
                    planned.push(Planned {
                        team: ti,
                        option: o,
                        target: r.target,
                        forced: r.overridden.as_ref().map(|o| o.result),
                    });
                }
            }
        }
        _ => {}
    }
    let mut rng =
        ChaCha20Rng::seed_from_u64(state.seed ^ 0x9E37_79B9_7F4A_7C15 ^ u64::from(state.turn));
    // The stream id is "preview" in ASCII.
    rng.set_stream(0x0070_7265_7669_6577);
    let n_ind = s.indicators.len();
    let mut samples: Vec<Vec<i64>> = vec![Vec::with_capacity(runs as usize); n_ind];
    let mut successes = vec![0u32; planned.len()];
    let mut ends = 0u32;
    let mut indicators = state.world.indicators.clone();
    let mut flags = state.world.flags.clone();
    let mut fired = state.world.fired_triggers.clone();
    for _ in 0..runs {
        indicators.copy_from_slice(&state.world.indicators);
        flags.copy_from_slice(&state.world.flags);
        fired.copy_from_slice(&state.world.fired_triggers);
        for (k, p) in planned.iter().enumerate() {
            let roll: u32 = rng.random_range(1..=100);
            let result = p.forced.unwrap_or(if i64::from(roll) <= p.target {
                Outcome::Success
            } else {
                Outcome::Failure
            });
            let outcome = match result {
                Outcome::Success => {
                    successes[k] += 1;
                    &p.option.success
                }
                Outcome::Failure => &p.option.failure,
            };
            apply(s, outcome, &mut indicators, &mut flags);
        }
        for (ix, t) in s.triggers.iter().enumerate() {
            if (t.repeat || !fired[ix]) && all_hold(&t.when, &indicators, &flags) {
                fired[ix] = true;
                if let Some(ev) = s.events.get(t.event) {
                    apply_parts(
                        s,
                        &ev.effects.deltas,
                        &ev.set.index,
                        &ev.clear.index,
                        &mut indicators,
                        &mut flags,
                    );
                }
            }
        }
        if s.end_conditions
            .iter()
            .any(|c| all_hold(&c.when, &indicators, &flags))
        {
            ends += 1;
        }
        for (i, v) in indicators.iter().enumerate() {
            samples[i].push(*v);
        }
    }
    let n = f64::from(runs);
    let choices = planned
        .iter()
        .zip(successes)
        .map(|(p, ok)| ChoicePreview {
            team: s.teams[p.team].id.to_string(),
            option: p.option.id.to_string(),
            title: p.option.title.to_string(),
            target: p.target,
            success: round3(f64::from(ok) / n),
            detection: detection_odds(s, &state.world, p.team, p.option).map(|d| d.2),
            forced: p.forced,
        })
        .collect();
    let indicators = s
        .indicators
        .iter()
        .zip(samples.iter_mut())
        .enumerate()
        .map(|(i, (ind, v))| {
            v.sort_unstable();
            let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
            let mean = v.iter().sum::<i64>() as f64 / n;
            (
                ind.id.to_string(),
                Distribution {
                    now: state.world.indicators[i],
                    mean: round3(mean),
                    min: v[0],
                    p10: pick(0.1),
                    p50: pick(0.5),
                    p90: pick(0.9),
                    max: v[v.len() - 1],
                },
            )
        })
        .collect();
    Preview {
        turn: state.turn,
        phase: state.phase,
        runs,
        choices,
        indicators,
        ends: round3(f64::from(ends) / n),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn apply(s: &Scenario, o: &OutcomeDef, indicators: &mut [i64], flags: &mut [bool]) {
    apply_parts(
        s,
        &o.effects.deltas,
        &o.set.index,
        &o.clear.index,
        indicators,
        flags,
    );
    for ev in &o.events.index {
        if let Some(e) = s.events.get(*ev) {
            apply_parts(
                s,
                &e.effects.deltas,
                &e.set.index,
                &e.clear.index,
                indicators,
                flags,
            );
        }
    }
}

fn apply_parts(
    s: &Scenario,
    deltas: &[(usize, i64)],
    set: &[usize],
    clear: &[usize],
    indicators: &mut [i64],
    flags: &mut [bool],
) {
    for (ix, d) in deltas {
        let ind = &s.indicators[*ix];
        indicators[*ix] = (indicators[*ix] + d).clamp(ind.min, ind.max);
    }
    for f in set {
        flags[*f] = true;
    }
    for f in clear {
        flags[*f] = false;
    }
}
