//! What every format of the series report shows, counted from the sessions'
//! events replayed through `engine::evolve` (and the simulated baselines beside
//! them). Shares and rates are rounded to three decimals; lists follow the
//! scenario's order, maps are ordered by key, so the same input gives the same
//! model.

use std::collections::BTreeMap;

use serde::Serialize;

use super::gather::{Gathered, Selection};
use super::{Options, SCHEMA, SeriesError, baseline};
use crate::engine::{AnswerValue, Event, Outcome, State, evolve, objectives_met};
use crate::scenario::{QuestionKind, Scenario};

/// The whole series report.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub schema: &'static str,
    pub scenario: ScenarioInfo,
    pub selection: Selection,
    /// Whether player names are included (`--names`).
    pub names: bool,
    /// What was left out and why.
    pub notes: Vec<String>,
    /// The sessions compared, oldest first; every `by_session` list follows this order.
    pub sessions: Vec<SessionInfo>,
    pub endings: Vec<EndingRow>,
    pub teams: Vec<TeamRows>,
    pub flags: Vec<FlagRow>,
    pub indicators: Vec<IndicatorRow>,
    pub objectives: Vec<ObjectiveRow>,
    /// Scale questions of the sessions' debriefs (empty while no session has one).
    pub debrief: Vec<DebriefRow>,
    /// The simulated games beside the human ones (empty with `--runs 0`).
    pub baselines: Vec<Baseline>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    pub id: String,
    pub title: String,
    /// SHA-256 of the scenario source every compared session was created with.
    pub digest: String,
}

/// One compared session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub id: String,
    /// `S1`, `S2`, ... in the report's order: the column headings.
    pub label: String,
    pub title: String,
    /// When it was created (ms since the epoch) and the same as ISO 8601 UTC.
    pub created_at: i64,
    pub created: String,
    /// The turn it reached.
    pub turns: u32,
    pub max_turns: u32,
    pub phase: String,
    /// How it ended; `None` while it is still being played.
    pub ending: Option<EndingInfo>,
    /// Seats taken (players and observers).
    pub players: usize,
    /// Player names by team id (observers under `observer`), only with `--names`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub player_names: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndingInfo {
    pub reason: String,
    pub title: String,
}

/// One way games ended: an end condition's id, `turn_limit`, `facilitator`, or
/// `unfinished` (still being played).
#[derive(Debug, Clone, Serialize)]
pub struct EndingRow {
    pub reason: String,
    pub title: String,
    pub sessions: u32,
    pub share: f64,
    /// Share of simulated runs, by policy.
    pub baseline: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamRows {
    pub team: String,
    pub name: String,
    /// Every option of the team, in the scenario's order, chosen or not.
    pub options: Vec<OptionRow>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub chosen: u32,
    pub succeeded: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionRow {
    pub id: String,
    pub title: String,
    /// Published choices of it in each session, and how many succeeded.
    pub by_session: Vec<Count>,
    pub chosen: u32,
    pub succeeded: u32,
    /// `succeeded / chosen`; `None` when never chosen.
    pub success_rate: Option<f64>,
    /// Mean times chosen per game.
    pub per_game: f64,
    /// Share of games in which it was chosen at least once.
    pub share: f64,
    pub baseline: BTreeMap<String, OptionBaseline>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionBaseline {
    pub per_game: f64,
    pub share: f64,
    pub success_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagRow {
    pub id: String,
    pub name: String,
    /// A secret flag's team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Whether it was ever set in each session (at the start included).
    pub by_session: Vec<bool>,
    pub sessions: u32,
    pub share: f64,
    pub baseline: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    pub id: String,
    pub name: String,
    pub min: i64,
    pub max: i64,
    pub start: i64,
    /// Per session, the value at the end of each turn: index 0 is the start,
    /// index `t` the end of turn `t` (as far as the session got).
    pub by_session: Vec<Vec<i64>>,
    /// The mean of the sessions' last values.
    pub final_mean: f64,
    /// Per policy, the simulated runs' mean value by turn (index 0: the start).
    pub baseline: BTreeMap<String, Vec<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveRow {
    pub team: String,
    pub id: String,
    pub text: String,
    pub weight: u32,
    /// Whether it held on each session's final board.
    pub by_session: Vec<bool>,
    pub sessions: u32,
    pub share: f64,
    pub baseline: BTreeMap<String, f64>,
}

/// One scale (1-5) debrief question across the sessions.
#[derive(Debug, Clone, Serialize)]
pub struct DebriefRow {
    pub question: String,
    pub text: String,
    /// Per session; `None` where nobody answered it.
    pub by_session: Vec<Option<ScaleStats>>,
    pub all: Option<ScaleStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleStats {
    pub answers: u32,
    pub mean: f64,
    /// How many answered 1, 2, 3, 4 and 5.
    pub counts: [u32; 5],
}

/// One simulated baseline: how it was run and what it gave overall.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    /// `random` or `doctrine`.
    pub policy: String,
    /// Under `doctrine`: what each team played (a doctrine id, or `random`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctrines: Option<BTreeMap<String, String>>,
    pub seed: u64,
    pub runs: u32,
    pub turns: u32,
    pub turns_mean: f64,
    /// The runs' final state hashes, hashed: two reports with the same value
    /// simulated the same games.
    pub state_hashes_digest: String,
}

/// What one session's replay gives the report.
struct Played {
    state: State,
    /// By flag index: ever set.
    flags: Vec<bool>,
}

fn play(scenario: &std::sync::Arc<Scenario>, events: &[Event]) -> Played {
    let mut state = State::blank(scenario.clone());
    let mut flags: Vec<bool> = scenario.flags.iter().map(|f| f.start).collect();
    for e in events {
        evolve(&mut state, e);
        for (ever, now) in flags.iter_mut().zip(&state.world.flags) {
            *ever |= *now;
        }
    }
    Played { state, flags }
}

pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn share(n: u32, of: usize) -> f64 {
    round3(f64::from(n) / of.max(1) as f64)
}

/// The title of an ending: the scenario's end condition, or the engine's words.
fn ending_title(s: &Scenario, reason: &str) -> String {
    if let Some(c) = s.end_conditions.iter().find(|c| c.id == reason) {
        return c.title.clone();
    }
    match reason {
        "turn_limit" => "Turn limit reached",
        "facilitator" => "Ended by the White Cell",
        "unfinished" => "Not finished yet",
        other => other,
    }
    .to_string()
}

impl Series {
    /// Replays the gathered sessions and runs the baselines.
    pub fn build(g: &Gathered, opts: &Options) -> Result<Series, SeriesError> {
        let s = g.scenario.as_ref();
        let played: Vec<Played> = g
            .sessions
            .iter()
            .map(|(_, ev)| play(&g.scenario, ev))
            .collect();
        let n = played.len();
        let turns = played
            .iter()
            .map(|p| p.state.max_turns)
            .max()
            .unwrap_or(s.max_turns)
            .clamp(1, 50);
        let baselines = baseline::run(&g.scenario, turns, opts)?;

        let sessions = g
            .sessions
            .iter()
            .zip(&played)
            .enumerate()
            .map(|(i, ((row, _), p))| session_info(i, row, &p.state, opts.names))
            .collect();

        // Endings: every reason a session or a run reached, by id.
        let mut endings: BTreeMap<String, EndingRow> = BTreeMap::new();
        for p in &played {
            let reason = p
                .state
                .ended
                .as_ref()
                .map_or("unfinished", |e| e.reason.as_str());
            ending_row(&mut endings, s, reason).sessions += 1;
        }
        for b in &baselines {
            let runs = b.summary.runs.max(1);
            for (reason, count) in &b.summary.endings {
                ending_row(&mut endings, s, reason)
                    .baseline
                    .insert(b.policy.clone(), share(*count, runs as usize));
            }
        }
        let endings = endings
            .into_values()
            .map(|mut e| {
                e.share = share(e.sessions, n);
                e
            })
            .collect();

        let teams = s
            .teams
            .iter()
            .map(|t| TeamRows {
                team: t.id.to_string(),
                name: t.name.clone(),
                options: t
                    .options
                    .iter()
                    .map(|o| option_row(&o.id, &o.title, &played, &baselines))
                    .collect(),
            })
            .collect();

        let flags = s
            .flags
            .iter()
            .enumerate()
            .map(|(fi, f)| {
                let by_session: Vec<bool> = played.iter().map(|p| p.flags[fi]).collect();
                let count = by_session.iter().filter(|b| **b).count() as u32;
                FlagRow {
                    id: f.id.to_string(),
                    name: f.name.clone(),
                    owner: f.owner.clone(),
                    by_session,
                    sessions: count,
                    share: share(count, n),
                    baseline: baselines
                        .iter()
                        .filter_map(|b| {
                            let sh = b.summary.flags.get(&*f.id)?.share;
                            Some((b.policy.clone(), sh))
                        })
                        .collect(),
                }
            })
            .collect();

        let indicators = s
            .indicators
            .iter()
            .enumerate()
            .map(|(ii, ind)| {
                let by_session: Vec<Vec<i64>> = played
                    .iter()
                    .map(|p| trajectory(&p.state, ii, ind.start))
                    .collect();
                let last: i64 = by_session
                    .iter()
                    .map(|v| v.last().copied().unwrap_or(ind.start))
                    .sum();
                IndicatorRow {
                    id: ind.id.to_string(),
                    name: ind.name.clone(),
                    min: ind.min,
                    max: ind.max,
                    start: ind.start,
                    by_session,
                    final_mean: round3(last as f64 / n.max(1) as f64),
                    baseline: baselines
                        .iter()
                        .map(|b| {
                            let mut line = vec![ind.start as f64];
                            line.extend(
                                b.summary
                                    .by_turn
                                    .iter()
                                    .map(|t| t.get(&*ind.id).copied().unwrap_or(0.0)),
                            );
                            (b.policy.clone(), line)
                        })
                        .collect(),
                }
            })
            .collect();

        let mut objectives = Vec::new();
        for (ti, t) in s.teams.iter().enumerate() {
            let met: Vec<Vec<bool>> = played
                .iter()
                .map(|p| objectives_met(s, &p.state.world, ti))
                .collect();
            for (oi, o) in t.objectives.iter().enumerate() {
                let by_session: Vec<bool> = met
                    .iter()
                    .map(|m| m.get(oi).copied().unwrap_or(false))
                    .collect();
                let count = by_session.iter().filter(|b| **b).count() as u32;
                objectives.push(ObjectiveRow {
                    team: t.id.to_string(),
                    id: o.id.to_string(),
                    text: o.text.clone(),
                    weight: o.weight,
                    by_session,
                    sessions: count,
                    share: share(count, n),
                    baseline: baselines
                        .iter()
                        .filter_map(|b| {
                            let team = b.summary.objectives.get(&*t.id)?;
                            Some((b.policy.clone(), team.objectives.get(&*o.id)?.share_met))
                        })
                        .collect(),
                });
            }
        }

        // The debrief's scales: the scenario's `[[debrief]]` questions of kind
        // "scale", and each session's answers to them (anonymous or not, no names
        // are read). Left out when no session has a scale answer.
        let answers: Vec<Vec<(String, i64)>> = played
            .iter()
            .map(|p| {
                p.state
                    .debrief
                    .responses
                    .iter()
                    .flat_map(|r| &r.answers)
                    .filter_map(|a| match a.value {
                        AnswerValue::Number(v) => Some((a.question.clone(), v)),
                        AnswerValue::Text(_) => None,
                    })
                    .collect()
            })
            .collect();
        let questions: Vec<(String, String)> = if answers.iter().all(Vec::is_empty) {
            Vec::new()
        } else {
            s.debrief
                .iter()
                .filter(|q| q.kind == QuestionKind::Scale)
                .map(|q| (q.id.to_string(), q.text.clone()))
                .collect()
        };
        let debrief = scale_rows(&questions, &answers);

        Ok(Series {
            schema: SCHEMA,
            scenario: ScenarioInfo {
                id: s.id.clone(),
                title: s.title.clone(),
                digest: s.digest.clone(),
            },
            selection: g.selection.clone(),
            names: opts.names,
            notes: g.notes.clone(),
            sessions,
            endings,
            teams,
            flags,
            indicators,
            objectives,
            debrief,
            baselines: baselines.into_iter().map(|b| b.info).collect(),
        })
    }
}

fn session_info(i: usize, row: &crate::store::SessionRow, st: &State, names: bool) -> SessionInfo {
    let player_names = names.then(|| {
        let mut by_team: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in &st.players {
            by_team
                .entry(p.team.clone())
                .or_default()
                .push(p.name.clone());
        }
        by_team
    });
    SessionInfo {
        id: row.id.clone(),
        label: format!("S{}", i + 1),
        title: if st.title.trim().is_empty() {
            row.title.clone()
        } else {
            st.title.clone()
        },
        created_at: row.created_at,
        created: crate::export::iso(row.created_at),
        turns: st.turn,
        max_turns: st.max_turns,
        phase: st.phase.to_string(),
        ending: st.ended.as_ref().map(|e| EndingInfo {
            reason: e.reason.clone(),
            title: e.title.clone(),
        }),
        players: st.players.len(),
        player_names,
    }
}

fn ending_row<'m>(
    endings: &'m mut BTreeMap<String, EndingRow>,
    s: &Scenario,
    reason: &str,
) -> &'m mut EndingRow {
    endings
        .entry(reason.to_string())
        .or_insert_with(|| EndingRow {
            reason: reason.to_string(),
            title: ending_title(s, reason),
            sessions: 0,
            share: 0.0,
            baseline: BTreeMap::new(),
        })
}

fn option_row(id: &str, title: &str, played: &[Played], baselines: &[baseline::Run]) -> OptionRow {
    let by_session: Vec<Count> = played
        .iter()
        .map(|p| {
            let mut c = Count::default();
            for ch in p
                .state
                .choices
                .iter()
                .filter(|c| &*c.resolution.option == id)
            {
                c.chosen += 1;
                c.succeeded += u32::from(ch.resolution.result == Outcome::Success);
            }
            c
        })
        .collect();
    let chosen: u32 = by_session.iter().map(|c| c.chosen).sum();
    let succeeded: u32 = by_session.iter().map(|c| c.succeeded).sum();
    let games = by_session.iter().filter(|c| c.chosen > 0).count() as u32;
    OptionRow {
        id: id.to_string(),
        title: title.to_string(),
        by_session,
        chosen,
        succeeded,
        success_rate: (chosen > 0).then(|| share(succeeded, chosen as usize)),
        per_game: round3(f64::from(chosen) / played.len().max(1) as f64),
        share: share(games, played.len()),
        baseline: baselines
            .iter()
            .map(|b| {
                let runs = f64::from(b.summary.runs.max(1));
                let st = b.summary.options.get(id);
                let ob = OptionBaseline {
                    per_game: st.map_or(0.0, |o| round3(f64::from(o.chosen) / runs)),
                    share: st.map_or(0.0, |o| o.runs_share),
                    success_rate: st.filter(|o| o.chosen > 0).map(|o| o.success_rate),
                };
                (b.policy.clone(), ob)
            })
            .collect(),
    }
}

/// Indicator `ix` at the start and the end of every turn the session finished.
fn trajectory(st: &State, ix: usize, start: i64) -> Vec<i64> {
    let mut line = vec![start];
    for h in st.history.iter().filter(|h| h.turn > 0) {
        let t = h.turn as usize;
        let v = h.indicators.get(ix).copied().unwrap_or(start);
        // Turns are recorded in order; a gap repeats the last value.
        while line.len() < t {
            let last = line.last().copied().unwrap_or(start);
            line.push(last);
        }
        line.push(v);
    }
    line
}

/// Scale (1-5) questions across sessions: `questions` as (id, text), and each
/// session's answers as (question id, value). Values outside 1-5 are not counted.
pub fn scale_rows(
    questions: &[(String, String)],
    answers: &[Vec<(String, i64)>],
) -> Vec<DebriefRow> {
    let stats = |values: &mut dyn Iterator<Item = i64>| -> Option<ScaleStats> {
        let mut counts = [0u32; 5];
        for v in values {
            if (1..=5).contains(&v) {
                counts[(v - 1) as usize] += 1;
            }
        }
        let answers: u32 = counts.iter().sum();
        let total: u32 = counts.iter().zip(1..).map(|(c, v)| c * v).sum();
        (answers > 0).then(|| ScaleStats {
            answers,
            mean: round3(f64::from(total) / f64::from(answers)),
            counts,
        })
    };
    questions
        .iter()
        .map(|(q, text)| {
            let of = |session: &Vec<(String, i64)>| {
                session
                    .iter()
                    .filter(|(id, _)| id == q)
                    .map(|(_, v)| *v)
                    .collect::<Vec<i64>>()
            };
            DebriefRow {
                question: q.clone(),
                text: text.clone(),
                by_session: answers
                    .iter()
                    .map(|a| stats(&mut of(a).into_iter()))
                    .collect(),
                all: stats(&mut answers.iter().flat_map(of)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_rows_count_each_session_and_all() {
        let q = vec![("realism".to_string(), "How realistic?".to_string())];
        let answers = vec![
            vec![("realism".to_string(), 4), ("realism".to_string(), 5)],
            vec![("other".to_string(), 1), ("realism".to_string(), 9)],
            vec![("realism".to_string(), 1)],
        ];
        let rows = scale_rows(&q, &answers);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            r.by_session[0],
            Some(ScaleStats {
                answers: 2,
                mean: 4.5,
                counts: [0, 0, 0, 1, 1]
            })
        );
        assert_eq!(r.by_session[1], None, "out of range and other questions");
        assert_eq!(
            r.all,
            Some(ScaleStats {
                answers: 3,
                mean: 3.333,
                counts: [1, 0, 0, 1, 1]
            })
        );
    }
}
