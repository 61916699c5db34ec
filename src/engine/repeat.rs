//! Diminishing returns: an option with `repeat_penalty = N` loses N points of odds for
//! every earlier success of it by its team, read aloud like any other modifier.

use std::sync::Arc;

use super::adjudicate::odds;
use super::state::{TurnChoice, World};
use super::types::{AppliedModifier, Outcome};
use crate::scenario::{OptionDef, Scenario};

/// The automatic modifier for earlier successes of `opt`, if it has a penalty and
/// any success to count.
pub fn repeat_modifier(choices: &[TurnChoice], opt: &OptionDef) -> Option<AppliedModifier> {
    if opt.repeat_penalty == 0 {
        return None;
    }
    let n = choices
        .iter()
        .filter(|c| c.resolution.option == opt.id && c.resolution.result == Outcome::Success)
        .count() as i64;
    if n == 0 {
        return None;
    }
    let delta = -(n * opt.repeat_penalty).min(100);
    let reason = if n == 1 {
        format!("Used successfully once before: {delta}")
    } else {
        format!("Used successfully {n} times before: {delta}")
    };
    Some(AppliedModifier {
        delta,
        reason: Arc::from(reason),
    })
}

/// [`odds`] with the diminishing-returns modifier of the published choices so far.
pub fn odds_after(
    s: &Scenario,
    world: &World,
    choices: &[TurnChoice],
    opt: &OptionDef,
) -> (i64, Vec<AppliedModifier>, i64) {
    let (base, mut modifiers, target) = odds(s, world, opt);
    match repeat_modifier(choices, opt) {
        None => (base, modifiers, target),
        Some(m) => {
            modifiers.push(m);
            let target = (base + modifiers.iter().map(|m| m.delta).sum::<i64>()).clamp(0, 100);
            (base, modifiers, target)
        }
    }
}
