//! Whole-game simulation: many sessions of random legal play, summarised.
//!
//! Every run goes through `decide` and `evolve`, exactly like live play. The
//! summary uses ordered maps, so the same arguments always give the same bytes.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use super::decide::{create, decide};
use super::evolve::evolve;
use super::state::{HashError, State};
use super::types::*;
use super::view::option_status;
use crate::scenario::Scenario;

#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    pub start: i64,
    pub mean: f64,
    pub min: i64,
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
    pub max: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OptionStats {
    pub chosen: u32,
    pub succeeded: u32,
    pub success_rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub scenario_digest: String,
    pub seed: u64,
    pub turns: u32,
    pub runs: u32,
    /// How the runs ended: end-condition id, "turn_limit", or "unfinished".
    pub endings: BTreeMap<String, u32>,
    pub turns_played_mean: f64,
    /// Final indicator values across runs.
    pub indicators: BTreeMap<String, Spread>,
    /// Mean indicator values at the end of each turn, over the runs still playing.
    pub by_turn: Vec<BTreeMap<String, f64>>,
    pub options: BTreeMap<String, OptionStats>,
    /// Every run's final state hash, in order (for reproducibility checks).
    pub state_hashes_digest: String,
}

/// A well-mixed seed for run `i` of a simulation seeded with `seed`.
pub fn run_seed(seed: u64, i: u32) -> u64 {
    let mut z = seed.wrapping_add(u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn apply(state: &mut State, actor: &Actor, cmd: Command, at: i64) -> Result<(), Rejection> {
    let events = decide(state, actor, &cmd, at)?;
    for e in &events {
        evolve(state, e);
    }
    Ok(())
}

/// Random legal choices for a team: shuffle the available options, then take
/// them while the budget allows, stopping early a third of the time.
pub fn random_choices(state: &State, team: usize, rng: &mut ChaCha20Rng) -> Vec<ChoiceInput> {
    let s = state.scenario.as_ref();
    let mut avail: Vec<usize> = option_status(s, state, team, false)
        .iter()
        .enumerate()
        .filter(|(_, o)| o.available)
        .map(|(i, _)| i)
        .collect();
    // Fisher-Yates with our own stream.
    for i in (1..avail.len()).rev() {
        let j = rng.random_range(0..=i);
        avail.swap(i, j);
    }
    let budget = s.teams[team].budget;
    let mut spent = 0;
    let mut out = Vec::new();
    for oi in avail {
        let o = &s.teams[team].options[oi];
        if spent + o.cost <= budget {
            spent += o.cost;
            out.push(ChoiceInput {
                option: o.id.to_string(),
                rationale: String::new(),
            });
            if rng.random_range(0..3) == 0 {
                break;
            }
        }
    }
    out
}

/// Plays one session of `turns` turns with random legal choices; scripted injects
/// fire on their turns. Returns the final state.
pub fn play_random(scenario: Arc<Scenario>, seed: u64, choice_seed: u64, turns: u32) -> State {
    let (mut state, _) = create(
        scenario.clone(),
        "simulation",
        seed,
        Some(turns.max(1)),
        false,
        0,
    );
    let mut rng = ChaCha20Rng::seed_from_u64(choice_seed);
    let fac = Actor::Facilitator;
    let mut at = 0;
    let _ = apply(&mut state, &fac, Command::Start, at);
    while state.phase != Phase::Ended {
        at += 60_000;
        match state.phase {
            Phase::Briefing => {
                let turn = state.turn;
                for item in scenario.script.iter().filter(|i| i.turn == turn) {
                    let _ = apply(
                        &mut state,
                        &fac,
                        Command::Inject {
                            event: None,
                            custom: None,
                            script: Some(item.id.to_string()),
                            to: Vec::new(),
                        },
                        at,
                    );
                }
                let _ = apply(&mut state, &fac, Command::Advance, at);
            }
            Phase::Decision => {
                for (ti, t) in scenario.teams.iter().enumerate() {
                    let choices = random_choices(&state, ti, &mut rng);
                    let actor = Actor::Team {
                        team: t.id.to_string(),
                        player: format!("sim-{}", t.id),
                    };
                    let turn = state.turn;
                    let _ = apply(&mut state, &actor, Command::Submit { turn, choices }, at);
                }
                let _ = apply(&mut state, &fac, Command::Advance, at);
            }
            Phase::Adjudication | Phase::Review => {
                let _ = apply(&mut state, &fac, Command::Advance, at);
            }
            Phase::Lobby | Phase::Ended => break,
        }
    }
    state
}

/// Plays `runs` sessions of `turns` turns and summarises them.
pub fn simulate(
    scenario: Arc<Scenario>,
    seed: u64,
    turns: u32,
    runs: u32,
) -> Result<Summary, HashError> {
    let s = scenario.as_ref();
    let n_ind = s.indicators.len();
    let mut finals: Vec<Vec<i64>> = vec![Vec::new(); n_ind];
    let mut by_turn_sum: Vec<Vec<i64>> = Vec::new();
    let mut by_turn_n: Vec<u32> = Vec::new();
    let mut endings: BTreeMap<String, u32> = BTreeMap::new();
    let mut options: BTreeMap<String, OptionStats> = BTreeMap::new();
    let mut turns_played = 0u64;
    let mut hashes = sha2::Sha256::default();
    for r in 0..runs {
        let state = play_random(
            scenario.clone(),
            run_seed(seed, r),
            run_seed(!seed, r),
            turns,
        );
        use sha2::Digest;
        hashes.update(state.hash()?.as_bytes());
        let reason = state
            .ended
            .as_ref()
            .map_or("unfinished".to_string(), |e| e.reason.clone());
        *endings.entry(reason).or_default() += 1;
        turns_played += u64::from(state.turn);
        for (i, v) in state.world.indicators.iter().enumerate() {
            finals[i].push(*v);
        }
        for h in state.history.iter().filter(|h| h.turn > 0) {
            let t = h.turn as usize - 1;
            if by_turn_sum.len() <= t {
                by_turn_sum.resize(t + 1, vec![0; n_ind]);
                by_turn_n.resize(t + 1, 0);
            }
            by_turn_n[t] += 1;
            for (i, v) in h.indicators.iter().enumerate() {
                by_turn_sum[t][i] += v;
            }
        }
        for c in &state.choices {
            let st = options.entry(c.resolution.option.to_string()).or_default();
            st.chosen += 1;
            if c.resolution.result == Outcome::Success {
                st.succeeded += 1;
            }
        }
    }
    for st in options.values_mut() {
        st.success_rate = round3(f64::from(st.succeeded) / f64::from(st.chosen.max(1)));
    }
    let runs_f = f64::from(runs.max(1));
    let indicators = s
        .indicators
        .iter()
        .zip(finals.iter_mut())
        .map(|(ind, v)| {
            v.sort_unstable();
            let spread = if v.is_empty() {
                Spread {
                    start: ind.start,
                    mean: ind.start as f64,
                    min: ind.start,
                    p10: ind.start,
                    p50: ind.start,
                    p90: ind.start,
                    max: ind.start,
                }
            } else {
                let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
                Spread {
                    start: ind.start,
                    mean: round3(v.iter().sum::<i64>() as f64 / runs_f),
                    min: v[0],
                    p10: pick(0.1),
                    p50: pick(0.5),
                    p90: pick(0.9),
                    max: v[v.len() - 1],
                }
            };
            (ind.id.to_string(), spread)
        })
        .collect();
    let by_turn = by_turn_sum
        .iter()
        .zip(by_turn_n.iter())
        .map(|(sums, n)| {
            s.indicators
                .iter()
                .zip(sums)
                .map(|(ind, sum)| {
                    (
                        ind.id.to_string(),
                        round3(*sum as f64 / f64::from((*n).max(1))),
                    )
                })
                .collect()
        })
        .collect();
    use sha2::Digest;
    Ok(Summary {
        scenario: s.id.clone(),
        scenario_digest: s.digest.clone(),
        seed,
        turns,
        runs,
        endings,
        turns_played_mean: round3(turns_played as f64 / runs_f),
        indicators,
        by_turn,
        options,
        state_hashes_digest: hex::encode(hashes.finalize()),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
