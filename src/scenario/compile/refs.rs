//! The parts sections share: references by id (stages, events, teams, flags,
//! indicators), conditions, effects, outcomes, sources and modifier values.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use super::{Compiler, Names};
use crate::scenario::format::RawOutcome;
use crate::scenario::model::{CmpOp, Condition, Effects, EventRefs, FlagRefs, Outcome};

impl Compiler<'_> {
    /// A source citation: the seed's section, or "designer addition: <why>".
    pub(super) fn source(
        &mut self,
        source: &Option<String>,
        span: Option<Range<usize>>,
        path: &str,
    ) -> String {
        match source {
            Some(s) if !s.trim().is_empty() => {
                let s = s.trim();
                if s.starts_with("designer addition")
                    && s.trim_start_matches("designer addition")
                        .trim_start_matches([':', ' ', '-'])
                        .len()
                        < 5
                {
                    self.problem(
                        span,
                        format!("{path}.source"),
                        "a designer addition must give its reason: \"designer addition: <why>\"",
                    );
                }
                s.to_string()
            }
            _ => {
                self.problem(
                    span,
                    format!("{path}.source"),
                    "missing source: cite the seed section (e.g. \"§5\") or write \"designer addition: <reason>\"",
                );
                String::new()
            }
        }
    }

    fn delta(&mut self, delta: i64, span: Option<Range<usize>>, path: &str) {
        if !(-100..=100).contains(&delta) {
            self.problem(span, path, format!("delta {delta} is outside -100..100"));
        }
    }

    /// A modifier's `delta` and `reason` (odds and detection modifiers alike).
    pub(super) fn delta_and_reason(
        &mut self,
        delta: i64,
        reason: &str,
        span: Option<Range<usize>>,
        path: &str,
    ) {
        self.delta(delta, span.clone(), &format!("{path}.delta"));
        if reason.trim().is_empty() {
            self.problem(
                span,
                format!("{path}.reason"),
                "a modifier needs a reason a facilitator can read aloud",
            );
        }
    }

    /// An option's stage: its index among the scenario's stages.
    pub(super) fn stage(
        &mut self,
        names: &Names,
        stage: &str,
        span: Option<Range<usize>>,
        path: &str,
    ) -> usize {
        if let Some(i) = names.stages.get(stage) {
            return *i;
        }
        let mut stages: Vec<(&usize, &String)> = names.stages.iter().map(|(s, i)| (i, s)).collect();
        stages.sort();
        let stages: Vec<&str> = stages.into_iter().map(|(_, s)| s.as_str()).collect();
        self.problem(
            span,
            format!("{path}.stage"),
            format!(
                "unknown stage `{stage}` (stages are: {})",
                stages.join(", ")
            ),
        );
        0
    }

    /// The catalog event that `{path}.event` names.
    pub(super) fn event_ref(
        &mut self,
        names: &Names,
        id: &str,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Option<usize> {
        let ix = names.events.get(id).copied();
        if ix.is_none() {
            self.problem(
                span,
                format!("{path}.event"),
                format!("unknown event `{id}`"),
            );
        }
        ix
    }

    /// A scripted inject's `to`: team ids, or "all" (an empty list: every team).
    pub(super) fn recipients(
        &mut self,
        names: &Names,
        to: &[String],
        span: Option<Range<usize>>,
        path: &str,
    ) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        for (k, t) in to.iter().enumerate() {
            if t == "all" {
                continue;
            }
            if names.teams.contains_key(t) {
                out.push(Arc::from(t.as_str()));
            } else {
                self.problem(
                    span.clone(),
                    format!("{path}.to[{k}]"),
                    format!("unknown team `{t}` (use a team id or \"all\")"),
                );
            }
        }
        if to.iter().any(|t| t == "all") {
            out.clear();
        }
        out
    }

    /// An option's success or failure: text, effects, flags and follow-on events.
    pub(super) fn outcome(
        &mut self,
        names: &Names,
        o: &RawOutcome,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Outcome {
        let mut events = EventRefs::default();
        for (i, e) in o.events.iter().enumerate() {
            match names.events.get(e) {
                Some(ix) => {
                    events.index.push(*ix);
                    events.ids.push(e.clone());
                }
                None => self.problem(
                    span.clone(),
                    format!("{path}.events[{i}]"),
                    format!("unknown event `{e}`"),
                ),
            }
        }
        Outcome {
            text: Arc::from(o.text.as_str()),
            effects: self.effects(names, &o.effects, span.clone(), &format!("{path}.effects")),
            set: self.flag_refs(names, &o.set, span.clone(), &format!("{path}.set")),
            clear: self.flag_refs(names, &o.clear, span, &format!("{path}.clear")),
            events,
        }
    }

    /// Indicator changes: known indicators, deltas within -100..100.
    pub(super) fn effects(
        &mut self,
        names: &Names,
        effects: &BTreeMap<String, i64>,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Effects {
        let mut out = Effects::default();
        for (id, delta) in effects {
            match names.indicators.get(id) {
                Some(ix) => {
                    self.delta(*delta, span.clone(), &format!("{path}.{id}"));
                    out.deltas.push((*ix, *delta));
                    out.names.push(id.clone());
                }
                None => self.problem(
                    span.clone(),
                    format!("{path}.{id}"),
                    format!("unknown indicator `{id}`"),
                ),
            }
        }
        out
    }

    /// Flags set or cleared.
    pub(super) fn flag_refs(
        &mut self,
        names: &Names,
        ids: &[String],
        span: Option<Range<usize>>,
        path: &str,
    ) -> FlagRefs {
        let mut out = FlagRefs::default();
        for (i, id) in ids.iter().enumerate() {
            match names.flags.get(id) {
                Some(ix) => {
                    out.index.push(*ix);
                    out.ids.push(names.flag_ids[*ix].clone());
                }
                None => self.problem(
                    span.clone(),
                    format!("{path}[{i}]"),
                    format!("unknown flag `{id}`"),
                ),
            }
        }
        out
    }

    /// Conditions (`flag`, `!flag`, `indicator >= 3`), each one that can hold.
    pub(super) fn conditions(
        &mut self,
        names: &Names,
        texts: &[String],
        span: Option<Range<usize>>,
        path: &str,
    ) -> Vec<Condition> {
        let mut out = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            match parse_condition(text, names) {
                Ok(c) => out.push(c),
                Err(msg) => self.problem(span.clone(), format!("{path}[{i}]"), msg),
            }
        }
        out
    }
}

fn parse_condition(text: &str, names: &Names) -> Result<Condition, String> {
    let t = text.trim();
    for (sym, op) in [
        (">=", CmpOp::Ge),
        ("<=", CmpOp::Le),
        ("==", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        (">", CmpOp::Gt),
        ("<", CmpOp::Lt),
    ] {
        if let Some((lhs, rhs)) = t.split_once(sym) {
            let id = lhs.trim();
            let Some(ix) = names.indicators.get(id) else {
                return Err(format!("condition `{t}`: unknown indicator `{id}`"));
            };
            let value: i64 = rhs
                .trim()
                .parse()
                .map_err(|_| format!("condition `{t}`: `{}` is not a whole number", rhs.trim()))?;
            let (min, max) = names.indicator_ranges[*ix];
            if !(min..=max).any(|v| op.holds(v, value)) {
                return Err(format!(
                    "condition `{t}` can never hold: `{id}` ranges over {min}-{max}"
                ));
            }
            return Ok(Condition::Compare {
                indicator: *ix,
                id: id.to_string(),
                op,
                value,
            });
        }
    }
    let (set, id) = match t.strip_prefix('!') {
        Some(rest) => (false, rest.trim()),
        None => (true, t),
    };
    if id.is_empty() {
        return Err("empty condition".to_string());
    }
    match names.flags.get(id) {
        Some(ix) => Ok(Condition::Flag {
            flag: *ix,
            id: id.to_string(),
            set,
        }),
        None if names.indicators.contains_key(id) => Err(format!(
            "condition `{t}`: `{id}` is an indicator; compare it, e.g. `{id} >= 1`"
        )),
        None => Err(format!("condition `{t}`: unknown flag `{id}`")),
    }
}
