//! The scratch pad `decide` writes events on: each event is applied to a copy of the
//! board as it is pushed, so later events in the same command see its effect.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::evolve::apply_world;
use super::state::*;
use super::types::*;
use crate::scenario::Scenario;

/// Builds events for one command on a scratch copy of the world.
pub(super) struct Emitter<'a> {
    /// The state the command meets (never mutated).
    pub(super) state: &'a State,
    actor: Actor,
    pub(super) at: i64,
    /// Sequence number, turn and phase after the last pushed event.
    pub(super) seq: u64,
    pub(super) turn: u32,
    pub(super) phase: Phase,
    /// The board after the events pushed so far.
    pub(super) world: World,
    /// Dice stream position after the rolls made so far.
    pub(super) rng: u64,
    pub(super) events: Vec<Event>,
}

impl<'a> Emitter<'a> {
    pub(super) fn new(state: &'a State, actor: &Actor, at: i64) -> Self {
        Emitter {
            state,
            actor: actor.clone(),
            at,
            seq: state.seq,
            turn: state.turn,
            phase: state.phase,
            world: state.world.clone(),
            rng: state.rng,
            events: Vec::new(),
        }
    }

    pub(super) fn scenario(&self) -> &'a Scenario {
        &self.state.scenario
    }

    pub(super) fn push(&mut self, body: EventBody) {
        let actor = self.actor.clone();
        self.push_as(actor, body);
    }

    /// `push`, recording another actor than the command's (an anonymous answer's
    /// is `system`).
    pub(super) fn push_as(&mut self, actor: Actor, body: EventBody) {
        // The caller has already moved `turn` and `phase` for a phase change.
        self.seq += 1;
        apply_world(
            &mut self.world,
            self.state.scenario.as_ref(),
            self.turn,
            self.phase,
            &body,
        );
        self.events.push(Event {
            seq: self.seq,
            at: self.at,
            turn: self.turn,
            phase: self.phase,
            actor,
            body,
        });
    }

    pub(super) fn change_phase(&mut self, to: Phase, turn: u32, lapsed: Vec<Arc<str>>) {
        let from = self.phase;
        self.phase = to;
        self.turn = turn;
        // A phase change only clears lapsed flags; the indicators it reports are the
        // board as it stands.
        let indicators = indicator_map(self.scenario(), &self.world.indicators);
        let (public, beliefs) = super::fog::phase_beliefs(self, to, turn);
        let s = self.scenario();
        let (lapsed_secret, lapsed): (Vec<Arc<str>>, Vec<Arc<str>>) = lapsed
            .into_iter()
            .partition(|id| s.flags.iter().any(|f| f.id == *id && f.owner.is_some()));
        self.push(EventBody::PhaseChanged {
            from,
            lapsed,
            lapsed_secret,
            indicators,
            public,
            beliefs,
        });
    }

    pub(super) fn dice(&self) -> ChaCha20Rng {
        let mut rng = ChaCha20Rng::seed_from_u64(self.state.seed);
        rng.set_word_pos(u128::from(self.rng));
        rng
    }
}

pub(crate) fn indicator_map(s: &Scenario, values: &[i64]) -> BTreeMap<Arc<str>, i64> {
    // Inserting directly avoids the sort buffer `collect` would allocate.
    let mut map = BTreeMap::new();
    for (i, v) in s.indicators.iter().zip(values) {
        map.insert(i.id.clone(), *v);
    }
    map
}

pub(super) fn check_text(text: &str, max: usize, what: &str) -> Result<(), Rejection> {
    let n = text.chars().count();
    if n > max {
        return Err(Rejection::new(
            RejectionCode::TextTooLong,
            format!("The {what} is {n} characters long; the limit is {max}."),
        ));
    }
    Ok(())
}

pub(super) fn wrong_phase(e: &Emitter, what: &str, allowed: &str) -> Rejection {
    Rejection::new(
        RejectionCode::WrongPhase,
        format!(
            "You can {what} only during {allowed}; the session is in {}.",
            e.phase
        ),
    )
}
