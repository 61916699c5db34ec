//! Prerequisite reachability: can every option's prerequisites be met by some
//! sequence of play?
//!
//! A fixed point over what options (whose own prerequisites can be met) and catalog
//! events can set, clear, raise or lower. Each condition is checked on its own, so
//! this finds options that can never be chosen, not every joint impossibility.

use crate::scenario::model::{Condition, Effects, FlagRefs, OptionDef, Outcome, Scenario};

/// The options no sequence of play can make choosable, in scenario order (teams, then
/// their options): the option's index in that order and the conditions that block it,
/// as written (`` `flag` ``).
pub(super) fn unreachable_options(s: &Scenario) -> Vec<(usize, Vec<String>)> {
    let mut reach = Reach::start(s);
    // Catalog events can always be injected by the facilitator.
    for ev in &s.events {
        reach.apply(s, &ev.effects, &ev.set, &ev.clear);
    }
    // Agreement templates, once accepted, apply like catalog events.
    for o in s
        .agreements
        .iter()
        .map(crate::scenario::negotiation::as_outcome)
    {
        reach.apply_outcome(s, &o);
    }
    let options: Vec<&OptionDef> = s.teams.iter().flat_map(|t| t.options.iter()).collect();
    let mut reachable = vec![false; options.len()];
    loop {
        let mut changed = false;
        for (k, o) in options.iter().enumerate() {
            if !reachable[k] && o.requires.iter().all(|c| reach.satisfiable(c)) {
                reachable[k] = true;
                changed = true;
                reach.apply_outcome(s, &o.success);
                reach.apply_outcome(s, &o.failure);
            }
        }
        if !changed {
            break;
        }
    }
    options
        .iter()
        .enumerate()
        .filter(|(k, _)| !reachable[*k])
        .map(|(k, o)| {
            let blocking = o
                .requires
                .iter()
                .filter(|c| !reach.satisfiable(c))
                .map(|c| format!("`{c}`"))
                .collect();
            (k, blocking)
        })
        .collect()
}

/// What play can reach so far: which flags can become set or cleared, and the range
/// each indicator can take.
struct Reach {
    can_set: Vec<bool>,
    can_clear: Vec<bool>,
    lo: Vec<i64>,
    hi: Vec<i64>,
}

impl Reach {
    /// The scenario's start: flags as they start (a lapsing flag can always clear),
    /// indicators at their start values.
    fn start(s: &Scenario) -> Reach {
        let lo: Vec<i64> = s.indicators.iter().map(|i| i.start).collect();
        Reach {
            can_set: s.flags.iter().map(|f| f.start).collect(),
            can_clear: s.flags.iter().map(|f| !f.start || f.lapses).collect(),
            hi: lo.clone(),
            lo,
        }
    }

    /// An outcome and the follow-on events it injects.
    fn apply_outcome(&mut self, s: &Scenario, o: &Outcome) {
        self.apply(s, &o.effects, &o.set, &o.clear);
        for e in &o.events.index {
            if let Some(ev) = s.events.get(*e) {
                self.apply(s, &ev.effects, &ev.set, &ev.clear);
            }
        }
    }

    /// Flags set or cleared become reachable; an indicator that an effect raises
    /// (lowers) can reach its maximum (minimum).
    fn apply(&mut self, s: &Scenario, effects: &Effects, set: &FlagRefs, clear: &FlagRefs) {
        for f in &set.index {
            self.can_set[*f] = true;
        }
        for f in &clear.index {
            self.can_clear[*f] = true;
        }
        for (ix, d) in &effects.deltas {
            let ind = &s.indicators[*ix];
            if *d > 0 {
                self.hi[*ix] = self.hi[*ix].max(ind.max);
            }
            if *d < 0 {
                self.lo[*ix] = self.lo[*ix].min(ind.min);
            }
        }
    }

    fn satisfiable(&self, c: &Condition) -> bool {
        match c {
            Condition::Flag {
                flag, set: true, ..
            } => self.can_set[*flag],
            Condition::Flag { flag, .. } => self.can_clear[*flag],
            Condition::Compare {
                indicator,
                op,
                value,
                ..
            } => (self.lo[*indicator]..=self.hi[*indicator]).any(|v| op.holds(v, *value)),
        }
    }
}
