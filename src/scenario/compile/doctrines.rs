//! `[[teams.doctrines]]`: how a bot may play a team. Weights over the team's own
//! options (`other` for the rest), conditional adjustments, and reasons.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use super::{Compiler, Names};
use crate::scenario::format::{RawDoctrine, RawScenario, RawTeam};
use crate::scenario::model::{Doctrine, DoctrineRule, OptionDef};

/// The key of `prefer` that weighs every option the doctrine does not name.
pub const OTHER: &str = "other";
/// Weight of an option a doctrine's `prefer` does not name, without `other`.
const DEFAULT_WEIGHT: i64 = 1;

impl Compiler<'_> {
    /// A team's doctrines: ids unique within the team, names, weights 0-100 over the
    /// team's own options, conditional deltas -100..=100, and reasons.
    pub(super) fn doctrines(
        &mut self,
        raw: &RawScenario,
        names: &Names,
        t: &RawTeam,
        tpath: &str,
        options: &[OptionDef],
    ) -> Vec<Doctrine> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for d in &t.doctrines {
            let path = format!("{tpath}.doctrines[{}]", d.id.get_ref());
            let span = Some(d.id.span());
            self.check_id(&d.id, &path, &mut seen);
            out.push(self.doctrine(raw, names, t, d, &path, span, options));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn doctrine(
        &mut self,
        raw: &RawScenario,
        names: &Names,
        t: &RawTeam,
        d: &RawDoctrine,
        path: &str,
        span: Option<Range<usize>>,
        options: &[OptionDef],
    ) -> Doctrine {
        let team = t.id.get_ref().as_str();
        if d.name.trim().is_empty() {
            self.problem(
                span.clone(),
                format!("{path}.name"),
                "a doctrine needs a name the White Cell can pick it by",
            );
        }
        if d.reason.trim().is_empty() {
            self.problem(
                span.clone(),
                format!("{path}.reason"),
                "a doctrine needs a reason its bot gives for its choices",
            );
        }
        let weights = self.weights(
            raw,
            team,
            &d.prefer,
            options,
            (0, 100),
            DEFAULT_WEIGHT,
            span.clone(),
            &format!("{path}.prefer"),
        );
        let reason: Arc<str> = Arc::from(d.reason.trim());
        let mut reasons = vec![reason; options.len()];
        for (key, text) in &d.reasons {
            let kpath = format!("{path}.reasons.{key}");
            if let Some(ix) = self.own_option(raw, team, key, options, span.clone(), &kpath) {
                if text.trim().is_empty() {
                    self.problem(span.clone(), kpath, "a reason cannot be empty");
                }
                reasons[ix] = Arc::from(text.trim());
            }
        }
        let when = d
            .when
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let wpath = format!("{path}.when[{i}]");
                let conds = self.conditions(
                    names,
                    w.when.as_slice(),
                    span.clone(),
                    &format!("{wpath}.when"),
                );
                if w.when.as_slice().is_empty() {
                    self.problem(
                        span.clone(),
                        format!("{wpath}.when"),
                        "list at least one condition that says when the adjustment applies",
                    );
                }
                self.no_secret_of_others(raw, team, &conds, span.clone(), &format!("{wpath}.when"));
                if w.prefer.is_empty() {
                    self.problem(
                        span.clone(),
                        format!("{wpath}.prefer"),
                        "name at least one option (or `other`) whose weight this changes",
                    );
                }
                if w.reason.trim().is_empty() {
                    self.problem(
                        span.clone(),
                        format!("{wpath}.reason"),
                        "an adjustment needs a reason its bot gives when it applies",
                    );
                }
                DoctrineRule {
                    when: conds,
                    deltas: self.weights(
                        raw,
                        team,
                        &w.prefer,
                        options,
                        (-100, 100),
                        0,
                        span.clone(),
                        &format!("{wpath}.prefer"),
                    ),
                    reason: Arc::from(w.reason.trim()),
                }
            })
            .collect();
        Doctrine {
            id: Arc::from(d.id.get_ref().as_str()),
            name: Arc::from(d.name.trim()),
            description: d.description.clone(),
            weights,
            reasons,
            when,
        }
    }

    /// A `prefer` table as one value per option: named options get theirs, the
    /// others `other`'s (or `default`). Values outside `range` are problems.
    #[allow(clippy::too_many_arguments)]
    fn weights(
        &mut self,
        raw: &RawScenario,
        team: &str,
        prefer: &BTreeMap<String, i64>,
        options: &[OptionDef],
        range: (i64, i64),
        default: i64,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Vec<i64> {
        let (lo, hi) = range;
        let check = |c: &mut Self, key: &str, v: i64| -> i64 {
            if !(lo..=hi).contains(&v) {
                let why = if lo == 0 && v < 0 {
                    " (a weight cannot be negative; 0 means never)"
                } else {
                    ""
                };
                c.problem(
                    span.clone(),
                    format!("{path}.{key}"),
                    format!("{v} must be within {lo} to {hi}{why}"),
                );
            }
            v.clamp(lo, hi)
        };
        let other = match prefer.get(OTHER) {
            Some(v) => check(self, OTHER, *v),
            None => default,
        };
        let mut out = vec![other; options.len()];
        for (key, v) in prefer.iter().filter(|(k, _)| k.as_str() != OTHER) {
            let v = check(self, key, *v);
            let kpath = format!("{path}.{key}");
            if let Some(ix) = self.own_option(raw, team, key, options, span.clone(), &kpath) {
                out[ix] = v;
            }
        }
        out
    }

    /// The index of `id` among the team's options, or a problem saying whose it is.
    fn own_option(
        &mut self,
        raw: &RawScenario,
        team: &str,
        id: &str,
        options: &[OptionDef],
        span: Option<Range<usize>>,
        path: &str,
    ) -> Option<usize> {
        if let Some(ix) = options.iter().position(|o| &*o.id == id) {
            return Some(ix);
        }
        let owner = raw
            .teams
            .iter()
            .find(|t| t.options.iter().any(|o| o.id.get_ref() == id));
        let message = match owner {
            Some(o) => format!(
                "`{id}` is an option of team `{}`; a doctrine weighs its own team's options only",
                o.id.get_ref()
            ),
            None => format!("unknown option `{id}` (team `{team}` has no such option)"),
        };
        self.problem(span, path, message);
        None
    }
}
