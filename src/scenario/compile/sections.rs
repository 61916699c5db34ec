//! One method per section of a scenario file, in the order the compiler calls them.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Compiler, Names};
use crate::scenario::format::{RawOption, RawScenario};
use crate::scenario::model::{
    DetectionModifier, EndCondition, EventDef, Flag, Indicator, Modifier, OptionDef, ScriptItem,
    Team, Trigger,
};

impl Compiler<'_> {
    /// The top-level keys: id, title, turns, budget, detection base and stages.
    pub(super) fn settings(&mut self, raw: &RawScenario, names: &mut Names) {
        self.check_id(&raw.id, "scenario", &mut BTreeSet::new());
        if raw.title.trim().is_empty() {
            self.problem(None, "title", "the scenario needs a title");
        }
        if !(1..=50).contains(&raw.max_turns) {
            self.problem(
                None,
                "max_turns",
                format!("must be between 1 and 50, not {}", raw.max_turns),
            );
        }
        if !(1..=10).contains(&raw.budget) {
            self.problem(
                None,
                "budget",
                format!("must be between 1 and 10, not {}", raw.budget),
            );
        }
        if !(0..=100).contains(&raw.detection_base) {
            self.problem(
                None,
                "detection_base",
                format!(
                    "is a chance and must be within 0-100, not {}",
                    raw.detection_base
                ),
            );
        }
        if raw.stages.is_empty() {
            self.problem(
                None,
                "stages",
                "list at least one stage (e.g. \"political\")",
            );
        }
        for (i, s) in raw.stages.iter().enumerate() {
            if names.stages.insert(s.clone(), i).is_some() {
                self.problem(
                    None,
                    format!("stages[{i}]"),
                    format!("duplicate stage `{s}`"),
                );
            }
        }
    }

    pub(super) fn indicators(&mut self, raw: &RawScenario, names: &mut Names) -> Vec<Indicator> {
        let mut seen = BTreeSet::new();
        let mut indicators = Vec::new();
        for (i, ind) in raw.indicators.iter().enumerate() {
            let path = format!("indicators[{}]", ind.id.get_ref());
            self.check_id(&ind.id, &path, &mut seen);
            if ind.min >= ind.max {
                self.problem(
                    Some(ind.id.span()),
                    format!("{path}.min"),
                    format!("min ({}) must be below max ({})", ind.min, ind.max),
                );
            } else if ind.start < ind.min || ind.start > ind.max {
                self.problem(
                    Some(ind.id.span()),
                    format!("{path}.start"),
                    format!(
                        "start {} is outside the range {}-{}",
                        ind.start, ind.min, ind.max
                    ),
                );
            }
            names.indicators.insert(ind.id.get_ref().clone(), i);
            names.indicator_ranges.push((ind.min, ind.max));
            indicators.push(Indicator {
                id: Arc::from(ind.id.get_ref().as_str()),
                name: ind.name.clone(),
                description: ind.description.clone(),
                min: ind.min,
                max: ind.max,
                start: ind.start.clamp(ind.min, ind.max.max(ind.min)),
                source: ind.source.clone(),
            });
        }
        indicators
    }

    /// The flags (their owners are checked once the teams are declared).
    pub(super) fn flags(&mut self, raw: &RawScenario, names: &mut Names) -> Vec<Flag> {
        let mut seen = BTreeSet::new();
        let mut flags = Vec::new();
        for (i, fl) in raw.flags.iter().enumerate() {
            let path = format!("flags[{}]", fl.id.get_ref());
            self.check_id(&fl.id, &path, &mut seen);
            names.flags.insert(fl.id.get_ref().clone(), i);
            let id: Arc<str> = Arc::from(fl.id.get_ref().as_str());
            names.flag_ids.push(id.clone());
            flags.push(Flag {
                id,
                name: fl.name.clone(),
                description: fl.description.clone(),
                start: fl.start,
                lapses: fl.lapses,
                owner: fl.owner.clone(),
            });
        }
        flags
    }

    /// The teams' ids, then the flag owners that name them.
    pub(super) fn declare_teams(&mut self, raw: &RawScenario, names: &mut Names) {
        let mut seen = BTreeSet::new();
        for (i, t) in raw.teams.iter().enumerate() {
            self.check_id(&t.id, &format!("teams[{}]", t.id.get_ref()), &mut seen);
            names.teams.insert(t.id.get_ref().clone(), i);
        }
        for fl in &raw.flags {
            if let Some(owner) = &fl.owner
                && !names.teams.contains_key(owner)
            {
                self.problem(
                    Some(fl.id.span()),
                    format!("flags[{}].owner", fl.id.get_ref()),
                    format!("unknown team `{owner}`"),
                );
            }
        }
        if raw.teams.is_empty() {
            self.problem(None, "teams", "a scenario needs at least one team");
        }
    }

    pub(super) fn declare_events(&mut self, raw: &RawScenario, names: &mut Names) {
        let mut seen = BTreeSet::new();
        for (i, e) in raw.events.iter().enumerate() {
            self.check_id(&e.id, &format!("events[{}]", e.id.get_ref()), &mut seen);
            names.events.insert(e.id.get_ref().clone(), i);
        }
    }

    /// The event catalog.
    pub(super) fn events(&mut self, raw: &RawScenario, names: &Names) -> Vec<EventDef> {
        let mut events = Vec::new();
        for e in &raw.events {
            let path = format!("events[{}]", e.id.get_ref());
            let span = Some(e.id.span());
            if e.title.trim().is_empty() {
                self.problem(
                    span.clone(),
                    format!("{path}.title"),
                    "an event needs a title",
                );
            }
            let source = self.source(&e.source, span.clone(), &path);
            events.push(EventDef {
                id: Arc::from(e.id.get_ref().as_str()),
                title: Arc::from(e.title.as_str()),
                text: Arc::from(e.text.as_str()),
                source: Arc::from(source),
                effects: self.effects(names, &e.effects, span.clone(), &format!("{path}.effects")),
                set: self.flag_refs(names, &e.set, span.clone(), &format!("{path}.set")),
                clear: self.flag_refs(names, &e.clear, span, &format!("{path}.clear")),
            });
        }
        events
    }

    /// The teams and their option menus (option ids are unique across teams).
    pub(super) fn teams(&mut self, raw: &RawScenario, names: &Names) -> Vec<Team> {
        let mut teams = Vec::new();
        let mut option_ids = BTreeSet::new();
        for t in &raw.teams {
            let tpath = format!("teams[{}]", t.id.get_ref());
            let budget = match t.budget {
                Some(b) if !(1..=10).contains(&b) => {
                    self.problem(
                        Some(t.id.span()),
                        format!("{tpath}.budget"),
                        format!("must be between 1 and 10, not {b}"),
                    );
                    raw.budget
                }
                Some(b) => b,
                None => raw.budget,
            };
            let mut options = Vec::new();
            for o in &t.options {
                let opath = format!("{tpath}.options[{}]", o.id.get_ref());
                self.check_id(&o.id, &opath, &mut option_ids);
                let option = self.option(names, o, &opath, budget);
                self.no_peeking(raw, t.id.get_ref(), &option, o, &opath);
                options.push(option);
            }
            if t.options.is_empty() {
                self.problem(
                    Some(t.id.span()),
                    format!("{tpath}.options"),
                    "a team needs at least one option",
                );
            }
            let objectives = self.objectives(raw, names, t, &tpath);
            let doctrines = self.doctrines(raw, names, t, &tpath, &options);
            teams.push(Team {
                id: Arc::from(t.id.get_ref().as_str()),
                name: t.name.clone(),
                briefing: t.briefing.clone(),
                budget: budget.clamp(1, 10) as u32,
                options,
                objectives,
                doctrines,
            });
        }
        teams
    }

    /// An option may not require another team's secret flag: whether it is
    /// available, and the refusal of a submission, would tell its team the flag.
    fn no_peeking(
        &mut self,
        raw: &RawScenario,
        team: &str,
        option: &OptionDef,
        o: &RawOption,
        path: &str,
    ) {
        for c in &option.requires {
            let crate::scenario::Condition::Flag { id, .. } = c else {
                continue;
            };
            let owner = raw
                .flags
                .iter()
                .find(|f| f.id.get_ref() == id)
                .and_then(|f| f.owner.as_deref());
            if let Some(owner) = owner.filter(|owner| *owner != team) {
                self.problem(
                    Some(o.id.span()),
                    format!("{path}.requires"),
                    format!(
                        "`{id}` is a secret flag of team `{owner}`; requiring it would show team `{team}` whether it is set"
                    ),
                );
            }
        }
    }

    /// One option of a team whose budget is `budget`.
    fn option(&mut self, names: &Names, o: &RawOption, path: &str, budget: i64) -> OptionDef {
        let span = Some(o.id.span());
        if o.title.trim().is_empty() {
            self.problem(
                span.clone(),
                format!("{path}.title"),
                "an option needs a title",
            );
        }
        if o.cost < 1 || o.cost > budget {
            self.problem(
                span.clone(),
                format!("{path}.cost"),
                format!(
                    "cost {} must be between 1 and the team's budget of {budget}",
                    o.cost
                ),
            );
        }
        if !(0..=100).contains(&o.odds) {
            self.problem(
                span.clone(),
                format!("{path}.odds"),
                format!("odds {} must be within 0-100", o.odds),
            );
        }
        if let Some(d) = o.detection {
            if !(0..=100).contains(&d) {
                self.problem(
                    span.clone(),
                    format!("{path}.detection"),
                    format!("detection {d} must be within 0-100"),
                );
            }
            if !o.covert {
                self.problem(
                    span.clone(),
                    format!("{path}.detection"),
                    "detection only applies to covert options (set covert = true)",
                );
            }
        }
        let stage_index = self.stage(names, &o.stage, span.clone(), path);
        let repeat_penalty = self.repeat_penalty(o, span.clone(), path);
        let source = self.source(&o.source, span.clone(), path);
        let requires = self.conditions(
            names,
            &o.requires,
            span.clone(),
            &format!("{path}.requires"),
        );
        let modifiers = o
            .modifiers
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mpath = format!("{path}.modifiers[{i}]");
                self.delta_and_reason(m.delta, &m.reason, span.clone(), &mpath);
                Modifier {
                    when: self.conditions(
                        names,
                        m.when.as_slice(),
                        span.clone(),
                        &format!("{mpath}.when"),
                    ),
                    delta: m.delta,
                    reason: Arc::from(m.reason.as_str()),
                }
            })
            .collect();
        OptionDef {
            id: Arc::from(o.id.get_ref().as_str()),
            title: Arc::from(o.title.as_str()),
            description: o.description.clone(),
            cost: o.cost.clamp(0, 10) as u32,
            stage: Arc::from(o.stage.as_str()),
            stage_index,
            covert: o.covert,
            detection: o.detection,
            requires,
            odds: o.odds,
            modifiers,
            success: self.outcome(names, &o.success, span.clone(), &format!("{path}.success")),
            failure: self.outcome(names, &o.failure, span, &format!("{path}.failure")),
            source,
            repeat_penalty,
        }
    }

    /// Scenario-wide changes to the chance that covert choices are detected.
    pub(super) fn detection_modifiers(
        &mut self,
        raw: &RawScenario,
        names: &Names,
    ) -> Vec<DetectionModifier> {
        let mut out = Vec::new();
        for (i, m) in raw.detection_modifiers.iter().enumerate() {
            let path = format!("detection_modifiers[{i}]");
            let when = self.conditions(names, m.when.as_slice(), None, &format!("{path}.when"));
            self.delta_and_reason(m.delta, &m.reason, None, &path);
            let mut teams = Vec::new();
            for (k, tid) in m.teams.iter().enumerate() {
                match names.teams.get(tid) {
                    Some(ix) => teams.push(*ix),
                    None => self.problem(
                        None,
                        format!("{path}.teams[{k}]"),
                        format!("unknown team `{tid}`"),
                    ),
                }
            }
            out.push(DetectionModifier {
                when,
                delta: m.delta,
                reason: Arc::from(m.reason.as_str()),
                teams,
                team_ids: m.teams.clone(),
            });
        }
        out
    }

    /// Events that fire by themselves when their conditions hold.
    pub(super) fn triggers(&mut self, raw: &RawScenario, names: &Names) -> Vec<Trigger> {
        let mut seen = BTreeSet::new();
        let mut triggers = Vec::new();
        for tr in &raw.triggers {
            let path = format!("triggers[{}]", tr.id.get_ref());
            let span = Some(tr.id.span());
            self.check_id(&tr.id, &path, &mut seen);
            let when = self.conditions(
                names,
                tr.when.as_slice(),
                span.clone(),
                &format!("{path}.when"),
            );
            let event = self.event_ref(names, &tr.event, span, &path);
            triggers.push(Trigger {
                id: Arc::from(tr.id.get_ref().as_str()),
                when,
                event: event.unwrap_or(0),
                event_id: Arc::from(tr.event.as_str()),
                repeat: tr.repeat,
                source: tr.source.clone(),
            });
        }
        triggers
    }

    /// Conditions that end the game, with the text read out when they do.
    pub(super) fn end_conditions(&mut self, raw: &RawScenario, names: &Names) -> Vec<EndCondition> {
        let mut seen = BTreeSet::new();
        let mut end_conditions = Vec::new();
        for ec in &raw.end_conditions {
            let path = format!("end_conditions[{}]", ec.id.get_ref());
            let span = Some(ec.id.span());
            self.check_id(&ec.id, &path, &mut seen);
            let when = self.conditions(names, ec.when.as_slice(), span, &format!("{path}.when"));
            end_conditions.push(EndCondition {
                id: ec.id.get_ref().clone(),
                when,
                title: ec.title.clone(),
                text: ec.text.clone(),
            });
        }
        end_conditions
    }

    /// The master scenario events list (MSEL): injects planned for given turns, from the
    /// catalog (`events`) or written out.
    pub(super) fn script(
        &mut self,
        raw: &RawScenario,
        names: &Names,
        events: &[EventDef],
    ) -> Vec<ScriptItem> {
        let mut seen = BTreeSet::new();
        let mut script = Vec::new();
        for s in &raw.script {
            let path = format!("script[{}]", s.id.get_ref());
            let span = Some(s.id.span());
            self.check_id(&s.id, &path, &mut seen);
            if s.turn < 1 || s.turn > raw.max_turns {
                self.problem(
                    span.clone(),
                    format!("{path}.turn"),
                    format!(
                        "turn {} is outside the game's turns 1-{}",
                        s.turn, raw.max_turns
                    ),
                );
            }
            let event = match &s.event {
                Some(eid) => self.event_ref(names, eid, span.clone(), &path),
                None => None,
            };
            let base = event.and_then(|ix| events.get(ix));
            let title = s
                .title
                .as_deref()
                .map(Arc::from)
                .or_else(|| base.map(|e| e.title.clone()));
            let text = s
                .text
                .as_deref()
                .map(Arc::from)
                .or_else(|| base.map(|e| e.text.clone()));
            if s.event.is_none() && (title.is_none() || text.is_none()) {
                self.problem(
                    span.clone(),
                    path.clone(),
                    "a scripted inject needs either `event` or both `title` and `text`",
                );
            }
            let when = self.script_when(names, s, span.clone(), &path);
            let to = self.recipients(names, &s.to, span, &path);
            script.push(ScriptItem {
                id: Arc::from(s.id.get_ref().as_str()),
                turn: s.turn.clamp(0, 1000) as u32,
                event,
                event_id: s.event.clone(),
                title: title.unwrap_or_default(),
                text: text.unwrap_or_default(),
                from: Arc::from(s.from.as_str()),
                to,
                expected_action: s.expected_action.clone(),
                when,
            });
        }
        script
    }
}
