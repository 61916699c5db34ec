//! Scenario v2 keys: team objectives, fog (noisy or delayed indicators), `when` on
//! scripted entries, `repeat_penalty` on options and the `fighting` flags.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

use super::{Compiler, Names};
use crate::scenario::format::{RawOption, RawScenario, RawScript, RawTeam};
use crate::scenario::model::{Condition, FlagRefs, FogRule, Objective};

/// Keys `simulate` writes beside objective ids in a team's map.
const RESERVED_OBJECTIVE_IDS: [&str; 2] = ["mean_score", "max"];

impl Compiler<'_> {
    /// A team's objectives: ids unique within the team, a text, conditions, a weight.
    pub(super) fn objectives(
        &mut self,
        raw: &RawScenario,
        names: &Names,
        t: &RawTeam,
        tpath: &str,
    ) -> Vec<Objective> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for o in &t.objectives {
            let path = format!("{tpath}.objectives[{}]", o.id.get_ref());
            let span = Some(o.id.span());
            self.check_id(&o.id, &path, &mut seen);
            if RESERVED_OBJECTIVE_IDS.contains(&o.id.get_ref().as_str()) {
                self.problem(
                    span.clone(),
                    format!("{path}.id"),
                    format!(
                        "`{}` is reserved (the simulation summary uses it); choose another id",
                        o.id.get_ref()
                    ),
                );
            }
            if o.text.trim().is_empty() {
                self.problem(
                    span.clone(),
                    format!("{path}.text"),
                    "an objective needs a text the team can read in its briefing",
                );
            }
            if !(1..=100).contains(&o.weight) {
                self.problem(
                    span.clone(),
                    format!("{path}.weight"),
                    format!(
                        "weight must be a whole number from 1 to 100, not {}",
                        o.weight
                    ),
                );
            }
            let when = self.conditions(
                names,
                o.when.as_slice(),
                span.clone(),
                &format!("{path}.when"),
            );
            if when.is_empty() && o.when.as_slice().is_empty() {
                self.problem(
                    span.clone(),
                    format!("{path}.when"),
                    "list at least one condition that says when the objective is met",
                );
            }
            self.no_secret_of_others(raw, t.id.get_ref(), &when, span, &format!("{path}.when"));
            out.push(Objective {
                id: Arc::from(o.id.get_ref().as_str()),
                text: o.text.clone(),
                when,
                weight: o.weight.clamp(1, 100) as u32,
            });
        }
        out
    }

    /// `repeat_penalty`: 0-100 odds lost per earlier success.
    pub(super) fn repeat_penalty(
        &mut self,
        o: &RawOption,
        span: Option<Range<usize>>,
        path: &str,
    ) -> i64 {
        match o.repeat_penalty {
            None => 0,
            Some(p) if (0..=100).contains(&p) => p,
            Some(p) => {
                self.problem(
                    span,
                    format!("{path}.repeat_penalty"),
                    format!(
                        "repeat_penalty {p} must be within 0-100 (odds lost per earlier success)"
                    ),
                );
                0
            }
        }
    }

    /// A scripted entry's `when`: the conditions under which it applies at its turn.
    pub(super) fn script_when(
        &mut self,
        names: &Names,
        s: &RawScript,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Vec<Condition> {
        match &s.when {
            None => Vec::new(),
            Some(w) => self.conditions(names, w.as_slice(), span, &format!("{path}.when")),
        }
    }

    /// `[[fog]]`: which teams see an indicator noisy or late, and what sharpens it.
    pub(super) fn fog(&mut self, raw: &RawScenario, names: &Names) -> Vec<FogRule> {
        let mut out: Vec<FogRule> = Vec::new();
        for (i, f) in raw.fog.iter().enumerate() {
            let path = format!("fog[{i}]");
            let span = Some(f.indicator.span());
            let id = f.indicator.get_ref();
            let Some(&indicator) = names.indicators.get(id) else {
                self.problem(
                    span,
                    format!("{path}.indicator"),
                    format!("unknown indicator `{id}`"),
                );
                continue;
            };
            let (min, max) = names.indicator_ranges[indicator];
            if f.noise < 0 || f.noise > (max - min).max(0) {
                self.problem(
                    span.clone(),
                    format!("{path}.noise"),
                    format!(
                        "noise {} must be within 0-{} (whole units either way, at most the indicator's range)",
                        f.noise,
                        (max - min).max(0)
                    ),
                );
            }
            if !(0..=raw.max_turns.max(0)).contains(&f.delay) {
                self.problem(
                    span.clone(),
                    format!("{path}.delay"),
                    format!(
                        "delay {} must be within 0-{} turns",
                        f.delay,
                        raw.max_turns.max(0)
                    ),
                );
            }
            if f.noise == 0 && f.delay == 0 {
                self.problem(
                    span.clone(),
                    path.clone(),
                    "a fog rule needs `noise` or `delay` (or both) above 0",
                );
            }
            let mut teams = Vec::new();
            let team_ids = f.teams.clone().unwrap_or_default();
            if f.teams.as_ref().is_some_and(Vec::is_empty) {
                self.problem(
                    span.clone(),
                    format!("{path}.teams"),
                    "list at least one team, or leave `teams` out for every team",
                );
            }
            for (k, tid) in team_ids.iter().enumerate() {
                match names.teams.get(tid) {
                    Some(ix) => teams.push(*ix),
                    None => self.problem(
                        span.clone(),
                        format!("{path}.teams[{k}]"),
                        format!("unknown team `{tid}`"),
                    ),
                }
            }
            let sharpened_by = self.conditions(
                names,
                &f.sharpened_by,
                span.clone(),
                &format!("{path}.sharpened_by"),
            );
            let covered: Vec<&str> = if team_ids.is_empty() {
                raw.teams.iter().map(|t| t.id.get_ref().as_str()).collect()
            } else {
                team_ids.iter().map(String::as_str).collect()
            };
            for team in covered {
                self.no_secret_of_others(
                    raw,
                    team,
                    &sharpened_by,
                    span.clone(),
                    &format!("{path}.sharpened_by"),
                );
            }
            let rule = FogRule {
                indicator,
                indicator_id: Arc::from(id.as_str()),
                teams,
                team_ids,
                noise: f.noise.clamp(0, 1_000_000),
                delay: f.delay.clamp(0, 50) as u32,
                sharpened_by,
            };
            let n = names.teams.len();
            if let Some(other) = out.iter().position(|o| {
                o.indicator == rule.indicator && (0..n).any(|t| o.covers(t) && rule.covers(t))
            }) {
                self.problem(
                    span,
                    path.clone(),
                    format!(
                        "fog[{other}] already covers `{id}` for some of these teams; one rule per indicator and team"
                    ),
                );
            }
            out.push(rule);
        }
        out
    }

    /// `fighting`: the flags that mean the war is on.
    pub(super) fn fighting(&mut self, raw: &RawScenario, names: &Names) -> FlagRefs {
        let mut out = FlagRefs::default();
        for id in &raw.fighting {
            match names.flags.get(id) {
                Some(ix) => {
                    out.index.push(*ix);
                    out.ids.push(names.flag_ids[*ix].clone());
                }
                None => self.problem(None, "fighting", format!("unknown flag `{id}`")),
            }
        }
        out
    }

    /// Conditions shown to (or acting for) `team` may not name another team's secret
    /// flag: they would tell the team whether it is set.
    pub(super) fn no_secret_of_others(
        &mut self,
        raw: &RawScenario,
        team: &str,
        conds: &[Condition],
        span: Option<Range<usize>>,
        path: &str,
    ) {
        for c in conds {
            let Condition::Flag { id, .. } = c else {
                continue;
            };
            let owner = raw
                .flags
                .iter()
                .find(|f| f.id.get_ref() == id)
                .and_then(|f| f.owner.as_deref());
            if let Some(owner) = owner.filter(|owner| *owner != team) {
                self.problem(
                    span.clone(),
                    path,
                    format!(
                        "`{id}` is a secret flag of team `{owner}`; naming it here would show team `{team}` whether it is set"
                    ),
                );
            }
        }
    }
}
