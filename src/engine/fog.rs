//! Fog: the board each seat believes in, derived from the true one.
//!
//! The state keeps only the truth. A seat's board is the truth minus the effects of
//! covert choices it may not see (undetected, not revealed, another team's), and, for
//! a team, with the scenario's `[[fog]]` rules applied: a delayed indicator shows the
//! value as it stood `delay` completed turns ago, a noisy one is off by up to `noise`
//! whole units either way. The noise is a hash of (session seed, completed turns,
//! team, indicator), never a draw from the dice stream, so it is the same in live play
//! and replay and moves no die. While a rule's `sharpened_by` conditions hold on the
//! true board, the rule is lifted for its teams. Observers see the public board: no
//! noise or delay, hidden covert effects still hidden. The White Cell sees the truth,
//! and once the session has ended so does everyone.
//!
//! Subtracting hidden effects from the truth and clamping to range is exact unless a
//! later change was clamped at the range's edge; then the seat's board is off by the
//! clamped amount, never outside the range.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::emit::{Emitter, indicator_map};
use super::state::*;
use super::types::*;
use crate::scenario::{Scenario, all_hold};

/// Indicator values by indicator id, for each team id.
pub type Boards = BTreeMap<Arc<str>, BTreeMap<Arc<str>, i64>>;

/// Whose board: the observers' public one, or a team's (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seat {
    Public,
    Team(usize),
}

/// One covert choice's effects that other seats do not see.
#[derive(Debug, Clone)]
pub(crate) struct Hidden {
    pub(crate) choice: Arc<str>,
    pub(crate) team: Option<usize>,
    pub(crate) turn: u32,
    pub(crate) deltas: Vec<(usize, i64)>,
}

/// Whether a published choice is covert, undetected and not revealed.
pub fn is_hidden(r: &Resolution) -> bool {
    r.covert && !r.detection.as_ref().is_some_and(|d| d.detected) && !r.revealed
}

fn add_effects(s: &Scenario, deltas: &mut Vec<(usize, i64)>, effects: &BTreeMap<Arc<str>, i64>) {
    for (id, d) in effects {
        if *d == 0 {
            continue;
        }
        if let Some(ix) = s.indicators.iter().position(|i| i.id == *id) {
            match deltas.iter_mut().find(|(i, _)| *i == ix) {
                Some(slot) => slot.1 += d,
                None => deltas.push((ix, *d)),
            }
        }
    }
}

/// The hidden covert effects among these published choices and their follow-on
/// events (injects whose `cause` is a hidden choice).
pub(crate) fn hidden<'a>(
    s: &Scenario,
    choices: impl Iterator<Item = (u32, &'a Resolution)>,
    injects: impl Iterator<Item = &'a Inject>,
) -> Vec<Hidden> {
    let mut out: Vec<Hidden> = Vec::new();
    for (turn, r) in choices {
        if !is_hidden(r) {
            continue;
        }
        let mut deltas = Vec::new();
        add_effects(s, &mut deltas, &r.effects);
        out.push(Hidden {
            choice: r.choice.clone(),
            team: s.team_index(&r.team),
            turn,
            deltas,
        });
    }
    if out.is_empty() {
        return out;
    }
    for i in injects {
        let Some(cause) = &i.cause else { continue };
        if let Some(h) = out.iter_mut().find(|h| h.choice == *cause) {
            add_effects(s, &mut h.deltas, &i.effects);
        }
    }
    out.retain(|h| !h.deltas.is_empty());
    out
}

/// The hidden covert effects on the state's board.
pub(crate) fn hidden_in(state: &State) -> Vec<Hidden> {
    hidden(
        &state.scenario,
        state.choices.iter().map(|c| (c.turn, &c.resolution)),
        state.injects.iter(),
    )
}

/// How many turns' results have been published at this point of the game.
pub(crate) fn completed(turn: u32, phase: Phase) -> u32 {
    if phase >= Phase::Review {
        turn
    } else {
        turn.saturating_sub(1)
    }
}

/// Uniform whole-number noise in -n..=n from (seed, completed turns, team, indicator).
pub fn noise(seed: u64, turn: u32, team: &str, indicator: &str, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let mut h = Sha256::new();
    h.update(b"wargame-fog-noise/1");
    h.update(seed.to_le_bytes());
    h.update(turn.to_le_bytes());
    h.update(team.as_bytes());
    h.update([0]);
    h.update(indicator.as_bytes());
    let digest = h.finalize();
    let mut word = [0u8; 8];
    word.copy_from_slice(&digest[..8]);
    let span = (2 * n + 1) as u64;
    (u64::from_le_bytes(word) % span) as i64 - n
}

/// Everything a seat's board is derived from.
pub(crate) struct Board<'a> {
    pub(crate) s: &'a Scenario,
    pub(crate) seed: u64,
    /// The true board now (sharpening is judged on it).
    pub(crate) world: &'a World,
    pub(crate) history: Cow<'a, [TurnRecord]>,
    pub(crate) completed: u32,
    pub(crate) hidden: Vec<Hidden>,
}

impl<'a> Board<'a> {
    /// The state's board as it stands.
    pub(crate) fn of(state: &'a State) -> Board<'a> {
        Board {
            s: &state.scenario,
            seed: state.seed,
            world: &state.world,
            history: Cow::Borrowed(&state.history),
            completed: completed(state.turn, state.phase),
            hidden: hidden_in(state),
        }
    }

    /// Whether any seat's board can differ from the truth.
    pub(crate) fn active(&self) -> bool {
        !self.s.fog.is_empty() || !self.hidden.is_empty()
    }

    fn hidden_sum(&self, seat: Seat, upto: Option<u32>, ix: usize) -> i64 {
        self.hidden
            .iter()
            .filter(|h| match seat {
                Seat::Public => true,
                Seat::Team(t) => h.team != Some(t),
            })
            .filter(|h| upto.is_none_or(|k| h.turn <= k))
            .flat_map(|h| h.deltas.iter())
            .filter(|(i, _)| *i == ix)
            .map(|(_, d)| d)
            .sum()
    }

    /// Whether a rule's `sharpened_by` conditions (if any) hold on the true board.
    fn sharpened(&self, conds: &[crate::scenario::Condition]) -> bool {
        !conds.is_empty() && all_hold(conds, &self.world.indicators, &self.world.flags)
    }

    /// The true value of indicator `ix` at the end of `turn` completed turns.
    fn past(&self, turn: u32, ix: usize) -> i64 {
        self.history
            .iter()
            .rev()
            .find(|h| h.turn <= turn)
            .and_then(|h| h.indicators.get(ix).copied())
            .unwrap_or_else(|| self.s.indicators[ix].start)
    }

    /// What `seat` believes indicator `ix` to be after `k` completed turns, when its
    /// true value then was `truth`; `upto` limits hidden effects to turns up to it.
    fn value(&self, seat: Seat, ix: usize, k: u32, truth: i64, upto: Option<u32>) -> i64 {
        let ind = &self.s.indicators[ix];
        let rule = match seat {
            Seat::Public => None,
            Seat::Team(t) => self
                .s
                .fog
                .iter()
                .find(|r| r.indicator == ix && r.covers(t) && !self.sharpened(&r.sharpened_by)),
        };
        let mut v = truth - self.hidden_sum(seat, upto, ix);
        if let (Some(r), Seat::Team(t)) = (rule, seat) {
            if r.delay > 0 {
                let j = k.saturating_sub(r.delay);
                v = self.past(j, ix) - self.hidden_sum(seat, Some(j), ix);
            }
            let team = self.s.teams.get(t).map_or("", |t| &*t.id);
            v += noise(self.seed, k, team, &ind.id, r.noise);
        }
        v.clamp(ind.min, ind.max)
    }

    /// The board `seat` believes in now.
    pub(crate) fn believed(&self, seat: Seat) -> Vec<i64> {
        (0..self.s.indicators.len())
            .map(|ix| {
                let truth = self.world.indicators[ix];
                self.value(seat, ix, self.completed, truth, None)
            })
            .collect()
    }

    /// A history row as `seat` believes it.
    pub(crate) fn believed_row(&self, seat: Seat, row: &TurnRecord) -> Vec<i64> {
        row.indicators
            .iter()
            .enumerate()
            .map(|(ix, truth)| self.value(seat, ix, row.turn, *truth, Some(row.turn)))
            .collect()
    }

    /// Every team's board, by team id.
    pub(crate) fn beliefs(&self) -> Boards {
        self.s
            .teams
            .iter()
            .enumerate()
            .map(|(t, team)| {
                (
                    team.id.clone(),
                    indicator_map(self.s, &self.believed(Seat::Team(t))),
                )
            })
            .collect()
    }
}

/// What each team believes the board to be on this state, by team id, ignoring the
/// end of the session (which lifts the fog for the seats); `None` when no team's
/// board can differ from the truth. For the after-action report.
pub fn team_beliefs(state: &State) -> Option<Boards> {
    let board = Board::of(state);
    board.active().then(|| board.beliefs())
}

/// Only the entries of `believed` that differ from `truth`.
fn differing(s: &Scenario, believed: &[i64], truth: &[i64]) -> BTreeMap<Arc<str>, i64> {
    s.indicators
        .iter()
        .zip(believed.iter().zip(truth))
        .filter(|(_, (b, t))| b != t)
        .map(|(i, (b, _))| (i.id.clone(), *b))
        .collect()
}

/// Each seat's board where it differs from the truth, for a phase change the emitter
/// is about to push (to `to` in `turn`): (observers' board, each team's).
pub(super) fn phase_beliefs(
    e: &Emitter,
    to: Phase,
    turn: u32,
) -> (BTreeMap<Arc<str>, i64>, Boards) {
    let s = e.scenario();
    let state = e.state;
    // Choices published by this very command are not in the state yet.
    let hidden =
        hidden(
            s,
            state.choices.iter().map(|c| (c.turn, &c.resolution)).chain(
                e.events.iter().filter_map(|ev| match &ev.body {
                    EventBody::ChoiceResolved(r) => Some((ev.turn, r)),
                    _ => None,
                }),
            ),
            state
                .injects
                .iter()
                .chain(e.events.iter().filter_map(|ev| match &ev.body {
                    EventBody::EventInjected { inject } => Some(inject),
                    _ => None,
                })),
        );
    if s.fog.is_empty() && hidden.is_empty() {
        return (BTreeMap::new(), BTreeMap::new());
    }
    // The history as `evolve` will record it with this phase change.
    let mut history = Cow::Borrowed(state.history.as_slice());
    let record = match to {
        Phase::Review => Some(turn),
        Phase::Briefing if turn > 1 => Some(turn - 1),
        _ => None,
    };
    if let Some(rt) = record {
        let h = history.to_mut();
        let row = TurnRecord {
            turn: rt,
            indicators: e.world.indicators.clone(),
        };
        match h.last_mut() {
            Some(last) if last.turn == rt => *last = row,
            _ => h.push(row),
        }
    }
    let board = Board {
        s,
        seed: state.seed,
        world: &e.world,
        history,
        completed: completed(turn, to),
        hidden,
    };
    let truth = &e.world.indicators;
    let public = differing(s, &board.believed(Seat::Public), truth);
    let beliefs = s
        .teams
        .iter()
        .enumerate()
        .filter_map(|(t, team)| {
            let d = differing(s, &board.believed(Seat::Team(t)), truth);
            (!d.is_empty()).then(|| (team.id.clone(), d))
        })
        .collect();
    (public, beliefs)
}

/// `indicators` with `overlay`'s entries put over them.
pub(crate) fn overlaid(
    indicators: &BTreeMap<Arc<str>, i64>,
    overlay: Option<&BTreeMap<Arc<str>, i64>>,
) -> BTreeMap<Arc<str>, i64> {
    let mut out = indicators.clone();
    if let Some(o) = overlay {
        for (k, v) in o {
            out.insert(k.clone(), *v);
        }
    }
    out
}

/// The White Cell reveals an undetected covert choice.
pub(super) fn reveal(e: &mut Emitter, choice: &str) -> Result<(), Rejection> {
    let state = e.state;
    let Some(c) = state
        .choices
        .iter()
        .find(|c| &*c.resolution.choice == choice)
    else {
        return Err(Rejection::new(
            RejectionCode::UnknownChoice,
            format!("There is no published choice `{choice}` to reveal."),
        ));
    };
    let r = &c.resolution;
    if !is_hidden(r) {
        return Err(Rejection::new(
            RejectionCode::UnknownChoice,
            format!(
                "“{}” ({choice}) is not a hidden covert choice: every seat can already see it.",
                r.title
            ),
        ));
    }
    let s = e.scenario();
    let mut deltas = Vec::new();
    add_effects(s, &mut deltas, &r.effects);
    for i in state.injects.iter() {
        if i.cause.as_deref() == Some(choice) {
            add_effects(s, &mut deltas, &i.effects);
        }
    }
    let mut effects = BTreeMap::new();
    for (ix, d) in deltas {
        if let Some(ind) = s.indicators.get(ix) {
            effects.insert(ind.id.clone(), d);
        }
    }
    e.push(EventBody::CovertRevealed {
        choice: r.choice.clone(),
        team: r.team.clone(),
        option: r.option.clone(),
        title: r.title.clone(),
        effects,
    });
    Ok(())
}
