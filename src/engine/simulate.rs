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
use crate::scenario::{Scenario, all_hold};

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
    /// The team whose option it is.
    pub team: String,
    /// Share of runs in which it was chosen at least once.
    pub runs_share: f64,
}

/// Share of runs in which a flag was ever set.
#[derive(Debug, Clone, Serialize)]
pub struct FlagShare {
    pub share: f64,
}

/// How many runs with an ending had a `fighting` flag set at their end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Fighting {
    pub fighting: u32,
    pub not_fighting: u32,
}

/// How often one objective was met.
#[derive(Debug, Clone, Serialize)]
pub struct ShareMet {
    pub share_met: f64,
}

/// One team's objectives across the runs: each id's share met, the mean weighted
/// score and the most it could be.
#[derive(Debug, Clone, Serialize)]
pub struct TeamObjectives {
    #[serde(flatten)]
    pub objectives: BTreeMap<String, ShareMet>,
    pub mean_score: f64,
    pub max: u32,
}

/// A catalog event fired at the start of a turn in every run (a counterfactual).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InjectAt {
    pub event: String,
    pub turn: u32,
}

/// How simulated teams choose: `random` legal choices, or each team by a doctrine
/// (`doctrine.rs`, the same picks a bot makes in a live session with that seed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Policy {
    #[default]
    Random,
    /// By team index: the doctrine id that team plays, or `None` (random).
    Doctrine(Vec<Option<Arc<str>>>),
}

impl Policy {
    pub fn name(&self) -> &'static str {
        match self {
            Policy::Random => "random",
            Policy::Doctrine(_) => "doctrine",
        }
    }

    /// The choices team `team` submits now.
    pub fn choices(&self, state: &State, team: usize, rng: &mut ChaCha20Rng) -> Vec<ChoiceInput> {
        let s = state.scenario.as_ref();
        let doctrine = match self {
            Policy::Random => None,
            Policy::Doctrine(by_team) => by_team
                .get(team)
                .and_then(|d| d.as_deref())
                .and_then(|d| s.teams.get(team)?.doctrine(d)),
        };
        match doctrine {
            Some(d) => super::doctrine::doctrine_choices(state, &state.world, team, d, state.turn),
            None => random_choices(state, team, rng),
        }
    }

    /// `random`, `doctrine` (every team its first doctrine; a team without one
    /// plays random) or `doctrine:TEAM=DOCTRINE,...` (the teams not listed as with
    /// `doctrine`). Unknown teams and doctrines are refused.
    pub fn parse(s: &Scenario, spec: &str) -> Result<Policy, String> {
        let spec = spec.trim();
        if spec == "random" {
            return Ok(Policy::Random);
        }
        let Some(rest) = spec.strip_prefix("doctrine") else {
            return Err(format!(
                "--policy `{spec}`: use random, doctrine or doctrine:TEAM=DOCTRINE,..."
            ));
        };
        let mut by_team: Vec<Option<Arc<str>>> = s
            .teams
            .iter()
            .map(|t| t.doctrines.first().map(|d| d.id.clone()))
            .collect();
        let list = match rest.strip_prefix(':') {
            Some(list) => list,
            None if rest.is_empty() => "",
            None => {
                return Err(format!(
                    "--policy `{spec}`: use random, doctrine or doctrine:TEAM=DOCTRINE,..."
                ));
            }
        };
        for pair in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((team, doctrine)) = pair.split_once('=') else {
                return Err(format!(
                    "--policy `{spec}`: `{pair}` is not TEAM=DOCTRINE (e.g. belarus=hedging)"
                ));
            };
            let (team, doctrine) = (team.trim(), doctrine.trim());
            let Some(ti) = s.team_index(team) else {
                return Err(format!(
                    "--policy `{spec}`: the scenario has no team `{team}`"
                ));
            };
            let Some(d) = s.teams[ti].doctrine(doctrine) else {
                let ids: Vec<&str> = s.teams[ti].doctrines.iter().map(|d| &*d.id).collect();
                return Err(format!(
                    "--policy `{spec}`: team `{team}` has no doctrine `{doctrine}` (it has: {})",
                    if ids.is_empty() {
                        "none".to_string()
                    } else {
                        ids.join(", ")
                    }
                ));
            };
            by_team[ti] = Some(d.id.clone());
        }
        Ok(Policy::Doctrine(by_team))
    }

    /// What each team played, for the summary: `{team: doctrine | "random"}`, or
    /// `None` under `random`.
    fn doctrines(&self, s: &Scenario) -> Option<BTreeMap<String, String>> {
        let Policy::Doctrine(by_team) = self else {
            return None;
        };
        Some(
            s.teams
                .iter()
                .zip(by_team)
                .map(|(t, d)| {
                    (
                        t.id.to_string(),
                        d.as_deref().unwrap_or("random").to_string(),
                    )
                })
                .collect(),
        )
    }
}

/// What a simulation does beyond seed, turns and runs.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    pub policy: Policy,
    /// The `--policy` text as given, echoed in the summary (else the policy's name).
    pub policy_spec: Option<String>,
    /// Fired at the start of their turn, before that turn's scripted injects.
    pub inject: Vec<InjectAt>,
}

/// Reads `--inject` values: `EVENT@TURN`, each possibly a comma-separated list.
/// Checks the event exists and the turn is one the runs play.
pub fn parse_injects(s: &Scenario, specs: &[String], turns: u32) -> Result<Vec<InjectAt>, String> {
    let mut out = Vec::new();
    for spec in specs.iter().flat_map(|s| s.split(',')) {
        let spec = spec.trim();
        if spec.is_empty() {
            continue;
        }
        let Some((event, turn)) = spec.rsplit_once('@') else {
            return Err(format!(
                "--inject `{spec}`: write EVENT@TURN, e.g. russia_setback@4"
            ));
        };
        let event = event.trim();
        if s.event_index(event).is_none() {
            return Err(format!(
                "--inject `{spec}`: the scenario has no catalog event `{event}`"
            ));
        }
        let turn: u32 = turn
            .trim()
            .parse()
            .map_err(|_| format!("--inject `{spec}`: `{}` is not a turn number", turn.trim()))?;
        let last = turns.clamp(1, 50);
        if !(1..=last).contains(&turn) {
            return Err(format!(
                "--inject `{spec}`: turn {turn} is outside the simulated turns 1-{last}"
            ));
        }
        out.push(InjectAt {
            event: event.to_string(),
            turn,
        });
    }
    Ok(out)
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
    /// Share of runs in which each flag was ever set (at the start included).
    pub flags: BTreeMap<String, FlagShare>,
    /// Each ending split by whether a `fighting` flag was set at the end of the run.
    pub endings_by_fighting: BTreeMap<String, Fighting>,
    /// Each team's objectives, scored at the end of every run.
    pub objectives: BTreeMap<String, TeamObjectives>,
    /// `random`, or `doctrine` with the given list: `doctrine:belarus=hedging`.
    pub policy: String,
    /// Under a doctrine policy, what each team played: a doctrine id, or "random"
    /// for a team without doctrines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctrines: Option<BTreeMap<String, String>>,
    /// The counterfactual injects fired in every run, or null.
    pub inject: Option<Vec<InjectAt>>,
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
    play(scenario, seed, choice_seed, turns, &SimOptions::default())
}

/// Plays one session of `turns` turns as `opts` says: its injects fire at the start
/// of their turns, then the scripted injects that apply (their `when` holds); the
/// policy chooses for every team.
pub fn play(
    scenario: Arc<Scenario>,
    seed: u64,
    choice_seed: u64,
    turns: u32,
    opts: &SimOptions,
) -> State {
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
                for x in opts.inject.iter().filter(|x| x.turn == turn) {
                    let _ = apply(
                        &mut state,
                        &fac,
                        Command::Inject {
                            event: Some(x.event.clone()),
                            custom: None,
                            script: None,
                            to: Vec::new(),
                        },
                        at,
                    );
                }
                for item in scenario.script.iter().filter(|i| i.turn == turn) {
                    // A living MSEL: an entry whose `when` does not hold is not fired.
                    if !all_hold(&item.when, &state.world.indicators, &state.world.flags) {
                        continue;
                    }
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
                    let choices = opts.policy.choices(&state, ti, &mut rng);
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

/// Plays `runs` sessions of `turns` turns with random choices and summarises them.
pub fn simulate(
    scenario: Arc<Scenario>,
    seed: u64,
    turns: u32,
    runs: u32,
) -> Result<Summary, HashError> {
    simulate_with(scenario, seed, turns, runs, &SimOptions::default())
}

/// Plays `runs` sessions of `turns` turns as `opts` says and summarises them.
pub fn simulate_with(
    scenario: Arc<Scenario>,
    seed: u64,
    turns: u32,
    runs: u32,
    opts: &SimOptions,
) -> Result<Summary, HashError> {
    let s = scenario.as_ref();
    let mut tally = Tally::new(s);
    let n_ind = s.indicators.len();
    let mut finals: Vec<Vec<i64>> = vec![Vec::new(); n_ind];
    let mut by_turn_sum: Vec<Vec<i64>> = Vec::new();
    let mut by_turn_n: Vec<u32> = Vec::new();
    let mut endings: BTreeMap<String, u32> = BTreeMap::new();
    let mut options: BTreeMap<String, OptionStats> = BTreeMap::new();
    let mut turns_played = 0u64;
    let mut hashes = sha2::Sha256::default();
    for r in 0..runs {
        let state = play(
            scenario.clone(),
            run_seed(seed, r),
            run_seed(!seed, r),
            turns,
            opts,
        );
        tally.run(&state);
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
    let runs_f = f64::from(runs.max(1));
    for (id, st) in options.iter_mut() {
        st.success_rate = round3(f64::from(st.succeeded) / f64::from(st.chosen.max(1)));
        if let Some((ti, _, _)) = s.option(id) {
            st.team = s.teams[ti].id.to_string();
        }
        st.runs_share = round3(f64::from(tally.option_runs.get(id).copied().unwrap_or(0)) / runs_f);
    }
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
        flags: tally.flags(s, runs_f),
        objectives: tally.objectives(s, runs_f),
        endings_by_fighting: tally.endings_by_fighting,
        policy: opts
            .policy_spec
            .clone()
            .unwrap_or_else(|| opts.policy.name().to_string()),
        doctrines: opts.policy.doctrines(s),
        inject: (!opts.inject.is_empty()).then(|| opts.inject.clone()),
    })
}

/// What calibration needs, counted run by run.
struct Tally {
    /// Runs in which each flag was ever set, by flag index.
    flag_runs: Vec<u32>,
    /// Runs in which each option was chosen at least once.
    option_runs: BTreeMap<String, u32>,
    endings_by_fighting: BTreeMap<String, Fighting>,
    /// By team: runs meeting each objective, and the sum of scores.
    objective_runs: Vec<(Vec<u32>, u64)>,
}

impl Tally {
    fn new(s: &Scenario) -> Tally {
        Tally {
            flag_runs: vec![0; s.flags.len()],
            option_runs: BTreeMap::new(),
            endings_by_fighting: BTreeMap::new(),
            objective_runs: s
                .teams
                .iter()
                .map(|t| (vec![0; t.objectives.len()], 0))
                .collect(),
        }
    }

    fn run(&mut self, state: &State) {
        let s = state.scenario.as_ref();
        // A flag is set only by a published choice or an inject: those, and the start.
        let mut ever: Vec<bool> = s.flags.iter().map(|f| f.start).collect();
        let sets = state
            .choices
            .iter()
            .flat_map(|c| c.resolution.set.iter())
            .chain(state.injects.iter().flat_map(|i| i.set.iter()));
        for id in sets {
            if let Some(ix) = s.flags.iter().position(|f| f.id == *id) {
                ever[ix] = true;
            }
        }
        for (n, e) in self.flag_runs.iter_mut().zip(ever) {
            *n += u32::from(e);
        }
        let mut chosen: Vec<&str> = state
            .choices
            .iter()
            .map(|c| &*c.resolution.option)
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        for o in chosen {
            *self.option_runs.entry(o.to_string()).or_default() += 1;
        }
        let reason = state
            .ended
            .as_ref()
            .map_or("unfinished".to_string(), |e| e.reason.clone());
        let fighting = s
            .fighting
            .index
            .iter()
            .any(|ix| state.world.flags.get(*ix).copied().unwrap_or(false));
        let slot = self.endings_by_fighting.entry(reason).or_default();
        if fighting {
            slot.fighting += 1;
        } else {
            slot.not_fighting += 1;
        }
        for (t, (met_runs, score_sum)) in self.objective_runs.iter_mut().enumerate() {
            for (n, met) in
                met_runs
                    .iter_mut()
                    .zip(super::objectives::objectives_met(s, &state.world, t))
            {
                *n += u32::from(met);
            }
            *score_sum += u64::from(super::objectives::score_of(s, &state.world, t).score);
        }
    }

    fn flags(&self, s: &Scenario, runs: f64) -> BTreeMap<String, FlagShare> {
        s.flags
            .iter()
            .zip(&self.flag_runs)
            .map(|(f, n)| {
                (
                    f.id.to_string(),
                    FlagShare {
                        share: round3(f64::from(*n) / runs),
                    },
                )
            })
            .collect()
    }

    fn objectives(&self, s: &Scenario, runs: f64) -> BTreeMap<String, TeamObjectives> {
        s.teams
            .iter()
            .zip(&self.objective_runs)
            .filter(|(t, _)| !t.objectives.is_empty())
            .map(|(t, (met_runs, score_sum))| {
                (
                    t.id.to_string(),
                    TeamObjectives {
                        objectives: t
                            .objectives
                            .iter()
                            .zip(met_runs)
                            .map(|(o, n)| {
                                (
                                    o.id.to_string(),
                                    ShareMet {
                                        share_met: round3(f64::from(*n) / runs),
                                    },
                                )
                            })
                            .collect(),
                        mean_score: round3(*score_sum as f64 / runs),
                        max: t.objectives.iter().map(|o| o.weight).sum(),
                    },
                )
            })
            .collect()
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
