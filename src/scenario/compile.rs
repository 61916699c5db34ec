//! Raw TOML -> validated [`Scenario`], collecting every problem with its place.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::format::*;
use super::model::*;

/// One thing wrong with a scenario file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Parses and validates scenario source text. `file` names it in problems.
pub fn compile(file: &str, text: &str) -> Result<Scenario, Vec<Problem>> {
    let raw: RawScenario = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start));
            let message = e.message().trim().replace('\n', " ");
            return Err(vec![Problem {
                file: file.to_string(),
                line,
                path: String::new(),
                message,
            }]);
        }
    };
    let mut c = Compiler {
        file,
        text,
        problems: Vec::new(),
    };
    let scenario = c.scenario(raw);
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        Err(c.problems)
    }
}

/// Where the file sets the key that `path` names, for an item whose table contains
/// `at` (usually its id): a line of that table, or of one of its sub-tables
/// (`[teams.options.success]`, the second `[[teams.options.modifiers]]`). Failing the
/// key itself, an enclosing key written inline (the `success = {...}` line for
/// `success.effects.morale`), or the sub-table's header. `None` when the file does not
/// write it anywhere there, such as a missing key.
fn key_offset(text: &str, at: usize, path: &str) -> Option<usize> {
    // The item's table: from its header (a line starting with '[') to the next one.
    let start = text.get(..at)?.rfind("\n[").map_or(0, |i| i + 1);
    let end = next_table(text, at)?;
    let header = header_at(text, start);
    // The path's first segments name the item itself, one per part of its header.
    let depth = header.map_or(0, |(name, _)| name.split('.').count());
    let below: Vec<&str> = path.split('.').skip(depth).collect();
    if let Some(offset) = find_keys(text, start, end, &below) {
        return Some(offset);
    }
    let (item, _) = header?;
    // Sub-tables follow the item's table until the next table that is not one of them.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut pos = end;
    while let Some((name, is_array)) = header_at(text, pos) {
        let sub = name.strip_prefix(item)?.strip_prefix('.')?;
        let body = text
            .get(pos..)?
            .find('\n')
            .map_or(text.len(), |i| pos + i + 1);
        let next = next_table(text, body)?;
        let index = is_array.then(|| {
            let n = seen.entry(sub).or_default();
            *n += 1;
            *n - 1
        });
        let parts: Vec<&str> = sub.split('.').collect();
        let names_it = parts.len() <= below.len()
            && parts
                .iter()
                .zip(&below)
                .enumerate()
                .all(|(i, (part, seg))| {
                    let (seg_name, seg_index) = split_index(seg);
                    seg_name == *part
                        && (i + 1 < parts.len() || index.is_none() || seg_index == index)
                });
        if names_it {
            return find_keys(text, body, next, &below[parts.len()..]).or(Some(pos));
        }
        pos = next;
    }
    None
}

/// Where the first table header after `from` starts (the end of the text if none).
fn next_table(text: &str, from: usize) -> Option<usize> {
    Some(
        text.get(from..)?
            .find("\n[")
            .map_or(text.len(), |i| from + i + 1),
    )
}

/// The name of the table header starting at `at` (`[a.b]` or `[[a.b]]`), and whether
/// it is an array of tables.
fn header_at(text: &str, at: usize) -> Option<(&str, bool)> {
    let line = text.get(at..)?.lines().next()?.trim();
    if let Some(rest) = line.strip_prefix("[[") {
        return Some((rest.split("]]").next()?.trim(), true));
    }
    let rest = line.strip_prefix('[')?;
    Some((rest.split(']').next()?.trim(), false))
}

/// `modifiers[1]` -> ("modifiers", Some(1)); `options[talk]` -> ("options", None).
fn split_index(segment: &str) -> (&str, Option<usize>) {
    match segment.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (segment, None),
    }
}

/// The line in `text[start..end]` that sets the last of `keys`, or failing that the
/// one before it, and so on.
fn find_keys(text: &str, start: usize, end: usize, keys: &[&str]) -> Option<usize> {
    let block = text.get(start..end)?;
    for key in keys.iter().rev().map(|k| split_index(k).0) {
        if key.is_empty() || key == "id" {
            return None;
        }
        let mut offset = start;
        for line in block.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix(key)
                && rest.trim_start().starts_with('=')
            {
                return Some(offset + (line.len() - trimmed.len()));
            }
            offset += line.len();
        }
    }
    None
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map(|s| s.bytes().filter(|b| *b == b'\n').count() + 1)
        .unwrap_or(1)
}

struct Compiler<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
}

/// Names visible to conditions and effects while compiling.
#[derive(Default)]
struct Names {
    indicators: HashMap<String, usize>,
    indicator_ranges: Vec<(i64, i64)>,
    flags: HashMap<String, usize>,
    /// The compiled flags' ids, shared by every reference to them.
    flag_ids: Vec<Arc<str>>,
    teams: HashMap<String, usize>,
    events: HashMap<String, usize>,
    stages: HashMap<String, usize>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

impl Compiler<'_> {
    /// Records a problem. `span` is the item's (usually its id); the line shown is
    /// the one that sets the path's key in that item's table, when it is written there.
    fn problem(
        &mut self,
        span: Option<Range<usize>>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let path = path.into();
        let line = match span {
            Some(s) => Some(key_offset(self.text, s.start, &path).unwrap_or(s.start)),
            // A top-level key (`detection_base`): the lines before the first table.
            None if !path.contains(['.', '[']) => key_offset(self.text, 0, &path),
            None => None,
        }
        .map(|at| line_of(self.text, at));
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            path,
            message: message.into(),
        });
    }

    fn check_id(&mut self, id: &toml::Spanned<String>, path: &str, seen: &mut BTreeSet<String>) {
        if !valid_id(id.get_ref()) {
            self.problem(
                Some(id.span()),
                format!("{path}.id"),
                format!(
                    "`{}` is not a valid id: use lowercase letters, digits, '_' and '-', starting with a letter",
                    id.get_ref()
                ),
            );
        }
        if !seen.insert(id.get_ref().clone()) {
            self.problem(
                Some(id.span()),
                format!("{path}.id"),
                format!("duplicate id `{}`", id.get_ref()),
            );
        }
    }

    fn scenario(&mut self, raw: RawScenario) -> Scenario {
        let mut names = Names::default();
        let mut seen = BTreeSet::new();
        self.check_id(&raw.id, "scenario", &mut seen);
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

        // Declarations first, so references can resolve in any order.
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
        let mut seen = BTreeSet::new();
        for (i, e) in raw.events.iter().enumerate() {
            self.check_id(&e.id, &format!("events[{}]", e.id.get_ref()), &mut seen);
            names.events.insert(e.id.get_ref().clone(), i);
        }

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
                effects: self.effects(&names, &e.effects, span.clone(), &format!("{path}.effects")),
                set: self.flag_refs(&names, &e.set, span.clone(), &format!("{path}.set")),
                clear: self.flag_refs(&names, &e.clear, span, &format!("{path}.clear")),
            });
        }

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
                options.push(self.option(&names, o, &opath, budget, raw.detection_base));
            }
            if t.options.is_empty() {
                self.problem(
                    Some(t.id.span()),
                    format!("{tpath}.options"),
                    "a team needs at least one option",
                );
            }
            teams.push(Team {
                id: Arc::from(t.id.get_ref().as_str()),
                name: t.name.clone(),
                briefing: t.briefing.clone(),
                budget: budget.clamp(1, 10) as u32,
                options,
            });
        }

        let detection_modifiers = raw
            .detection_modifiers
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let path = format!("detection_modifiers[{i}]");
                let when = self.conditions(
                    &names,
                    &m.when.clone().into_vec(),
                    None,
                    &format!("{path}.when"),
                );
                self.delta(m.delta, None, &format!("{path}.delta"));
                if m.reason.trim().is_empty() {
                    self.problem(
                        None,
                        format!("{path}.reason"),
                        "a modifier needs a reason a facilitator can read aloud",
                    );
                }
                let mut teams_ix = Vec::new();
                for (k, tid) in m.teams.iter().enumerate() {
                    match names.teams.get(tid) {
                        Some(ix) => teams_ix.push(*ix),
                        None => self.problem(
                            None,
                            format!("{path}.teams[{k}]"),
                            format!("unknown team `{tid}`"),
                        ),
                    }
                }
                DetectionModifier {
                    when,
                    delta: m.delta,
                    reason: Arc::from(m.reason.as_str()),
                    teams: teams_ix,
                    team_ids: m.teams.clone(),
                }
            })
            .collect();

        let mut seen = BTreeSet::new();
        let mut triggers = Vec::new();
        for tr in &raw.triggers {
            let path = format!("triggers[{}]", tr.id.get_ref());
            let span = Some(tr.id.span());
            self.check_id(&tr.id, &path, &mut seen);
            let when = self.conditions(
                &names,
                &tr.when.clone().into_vec(),
                span.clone(),
                &format!("{path}.when"),
            );
            let event = match names.events.get(&tr.event) {
                Some(ix) => *ix,
                None => {
                    self.problem(
                        span,
                        format!("{path}.event"),
                        format!("unknown event `{}`", tr.event),
                    );
                    0
                }
            };
            triggers.push(Trigger {
                id: Arc::from(tr.id.get_ref().as_str()),
                when,
                event,
                event_id: Arc::from(tr.event.as_str()),
                repeat: tr.repeat,
                source: tr.source.clone(),
            });
        }

        let mut seen = BTreeSet::new();
        let mut end_conditions = Vec::new();
        for ec in &raw.end_conditions {
            let path = format!("end_conditions[{}]", ec.id.get_ref());
            let span = Some(ec.id.span());
            self.check_id(&ec.id, &path, &mut seen);
            let when = self.conditions(
                &names,
                &ec.when.clone().into_vec(),
                span,
                &format!("{path}.when"),
            );
            end_conditions.push(EndCondition {
                id: ec.id.get_ref().clone(),
                when,
                title: ec.title.clone(),
                text: ec.text.clone(),
            });
        }

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
                Some(eid) => match names.events.get(eid) {
                    Some(ix) => Some(*ix),
                    None => {
                        self.problem(
                            span.clone(),
                            format!("{path}.event"),
                            format!("unknown event `{eid}`"),
                        );
                        None
                    }
                },
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
            let mut to = Vec::new();
            for (k, t) in s.to.iter().enumerate() {
                if t == "all" {
                    continue;
                }
                if names.teams.contains_key(t) {
                    to.push(Arc::from(t.as_str()));
                } else {
                    self.problem(
                        span.clone(),
                        format!("{path}.to[{k}]"),
                        format!("unknown team `{t}` (use a team id or \"all\")"),
                    );
                }
            }
            if s.to.iter().any(|t| t == "all") {
                to.clear();
            }
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
            });
        }

        let mut scenario = Scenario {
            id: raw.id.get_ref().clone(),
            title: raw.title.clone(),
            summary: raw.summary.clone(),
            max_turns: raw.max_turns.clamp(1, 50) as u32,
            budget: raw.budget.clamp(1, 10) as u32,
            stages: raw.stages.clone(),
            detection_base: raw.detection_base,
            indicators,
            flags,
            teams,
            events,
            detection_modifiers,
            triggers,
            end_conditions,
            script,
            channels: Vec::new(),
            agreements: Vec::new(),
            digest: hex::encode(Sha256::digest(self.text.as_bytes())),
        };
        let report = &mut |span, path, message| self.problem(span, path, message);
        super::negotiation::compile(&raw.channels, &raw.agreements, &mut scenario, report);
        if self.problems.is_empty() {
            self.reachability(&raw, &scenario);
        }
        scenario
    }

    fn source(
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

    fn option(
        &mut self,
        names: &Names,
        o: &RawOption,
        path: &str,
        budget: i64,
        detection_base: i64,
    ) -> OptionDef {
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
        let stage_index = match names.stages.get(&o.stage) {
            Some(i) => *i,
            None => {
                self.problem(
                    span.clone(),
                    format!("{path}.stage"),
                    format!(
                        "unknown stage `{}` (stages are: {})",
                        o.stage,
                        names.stages.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
                0
            }
        };
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
                self.delta(m.delta, span.clone(), &format!("{mpath}.delta"));
                if m.reason.trim().is_empty() {
                    self.problem(
                        span.clone(),
                        format!("{mpath}.reason"),
                        "a modifier needs a reason a facilitator can read aloud",
                    );
                }
                Modifier {
                    when: self.conditions(
                        names,
                        &m.when.clone().into_vec(),
                        span.clone(),
                        &format!("{mpath}.when"),
                    ),
                    delta: m.delta,
                    reason: Arc::from(m.reason.as_str()),
                }
            })
            .collect();
        let _ = detection_base;
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
        }
    }

    fn outcome(
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

    fn effects(
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

    fn flag_refs(
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

    fn conditions(
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

    /// Every option's prerequisites must be satisfiable by some sequence of play:
    /// a fixed point over what options (whose own prerequisites can be met) and catalog
    /// events can set, clear, raise or lower. Each condition is checked on its own, so
    /// this finds options that can never be chosen, not every joint impossibility.
    fn reachability(&mut self, raw: &RawScenario, s: &Scenario) {
        let n_ind = s.indicators.len();
        let mut can_set: Vec<bool> = s.flags.iter().map(|f| f.start).collect();
        let mut can_clear: Vec<bool> = s.flags.iter().map(|f| !f.start || f.lapses).collect();
        let mut lo: Vec<i64> = s.indicators.iter().map(|i| i.start).collect();
        let mut hi: Vec<i64> = lo.clone();
        let apply = |o: &Outcome,
                     can_set: &mut Vec<bool>,
                     can_clear: &mut Vec<bool>,
                     lo: &mut Vec<i64>,
                     hi: &mut Vec<i64>,
                     s: &Scenario| {
            let mut changed = false;
            let mut outcomes = vec![(&o.effects, &o.set, &o.clear)];
            for e in &o.events.index {
                if let Some(ev) = s.events.get(*e) {
                    outcomes.push((&ev.effects, &ev.set, &ev.clear));
                }
            }
            for (effects, set, clear) in outcomes {
                for f in &set.index {
                    if !can_set[*f] {
                        can_set[*f] = true;
                        changed = true;
                    }
                }
                for f in &clear.index {
                    if !can_clear[*f] {
                        can_clear[*f] = true;
                        changed = true;
                    }
                }
                for (ix, d) in &effects.deltas {
                    let ind = &s.indicators[*ix];
                    if *d > 0 && hi[*ix] < ind.max {
                        hi[*ix] = ind.max;
                        changed = true;
                    }
                    if *d < 0 && lo[*ix] > ind.min {
                        lo[*ix] = ind.min;
                        changed = true;
                    }
                }
            }
            changed
        };
        // Catalog events can always be injected by the facilitator.
        for ev in &s.events {
            let o = Outcome {
                text: Arc::from(""),
                effects: ev.effects.clone(),
                set: ev.set.clone(),
                clear: ev.clear.clone(),
                events: EventRefs::default(),
            };
            apply(&o, &mut can_set, &mut can_clear, &mut lo, &mut hi, s);
        }
        // Agreement templates, once accepted, apply like catalog events.
        for o in s.agreements.iter().map(super::negotiation::as_outcome) {
            apply(&o, &mut can_set, &mut can_clear, &mut lo, &mut hi, s);
        }
        let satisfiable =
            |c: &Condition, can_set: &[bool], can_clear: &[bool], lo: &[i64], hi: &[i64]| match c {
                Condition::Flag { flag, set, .. } => {
                    if *set {
                        can_set[*flag]
                    } else {
                        can_clear[*flag]
                    }
                }
                Condition::Compare {
                    indicator,
                    op,
                    value,
                    ..
                } => {
                    let (l, h) = (lo[*indicator], hi[*indicator]);
                    (l..=h).any(|v| op.holds(v, *value))
                }
            };
        let options: Vec<&OptionDef> = s.teams.iter().flat_map(|t| t.options.iter()).collect();
        let mut reachable = vec![false; options.len()];
        loop {
            let mut changed = false;
            for (k, o) in options.iter().enumerate() {
                if reachable[k] {
                    continue;
                }
                if o.requires
                    .iter()
                    .all(|c| satisfiable(c, &can_set, &can_clear, &lo, &hi))
                {
                    reachable[k] = true;
                    changed = true;
                    apply(
                        &o.success,
                        &mut can_set,
                        &mut can_clear,
                        &mut lo,
                        &mut hi,
                        s,
                    );
                    apply(
                        &o.failure,
                        &mut can_set,
                        &mut can_clear,
                        &mut lo,
                        &mut hi,
                        s,
                    );
                }
            }
            if !changed {
                break;
            }
        }
        let _ = n_ind;
        let raw_options: Vec<(&RawTeam, &RawOption)> = raw
            .teams
            .iter()
            .flat_map(|t| t.options.iter().map(move |o| (t, o)))
            .collect();
        for (k, o) in options.iter().enumerate() {
            if reachable[k] {
                continue;
            }
            let Some((t, ro)) = raw_options.get(k) else {
                continue;
            };
            let blocking: Vec<String> = o
                .requires
                .iter()
                .filter(|c| !satisfiable(c, &can_set, &can_clear, &lo, &hi))
                .map(|c| format!("`{c}`"))
                .collect();
            self.problem(
                Some(ro.id.span()),
                format!("teams[{}].options[{}].requires", t.id.get_ref(), o.id),
                format!(
                    "prerequisites can never be met by any sequence of play: nothing in the scenario can make {} true",
                    blocking.join(", ")
                ),
            );
        }
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
