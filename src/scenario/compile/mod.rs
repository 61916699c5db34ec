//! Raw TOML -> validated [`Scenario`], collecting every problem with its place.
//!
//! A [`Compiler`] walks the file section by section (`sections.rs`), declarations
//! first so that references resolve in any order, then the references themselves
//! (`refs.rs`: conditions, effects, flags, events, sources). Problems carry the line
//! that `spans.rs` finds for their key path. When nothing else is wrong,
//! `reachability.rs` checks that every option can be chosen by some sequence of play.

mod debrief;
mod doctrines;
mod reachability;
mod refs;
mod sections;
mod spans;
mod v2;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::format::RawScenario;
use super::model::Scenario;
use spans::Spans;

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
            let line = e.span().map(|s| spans::line_of(text, s.start));
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
        spans: Spans::new(text),
        problems: Vec::new(),
    };
    let scenario = c.scenario(raw, hex::encode(Sha256::digest(text.as_bytes())));
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        Err(c.problems)
    }
}

/// Compiles one file: the problems found so far and where to place them.
struct Compiler<'a> {
    file: &'a str,
    spans: Spans<'a>,
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
    /// Every section in the file's order of dependence; `digest` is the source's.
    fn scenario(&mut self, raw: RawScenario, digest: String) -> Scenario {
        let mut names = Names::default();
        self.settings(&raw, &mut names);
        // Declarations first, so references can resolve in any order.
        let indicators = self.indicators(&raw, &mut names);
        let flags = self.flags(&raw, &mut names);
        self.declare_teams(&raw, &mut names);
        self.declare_events(&raw, &mut names);

        let events = self.events(&raw, &names);
        let teams = self.teams(&raw, &names);
        let detection_modifiers = self.detection_modifiers(&raw, &names);
        let triggers = self.triggers(&raw, &names);
        let end_conditions = self.end_conditions(&raw, &names);
        let script = self.script(&raw, &names, &events);
        let fog = self.fog(&raw, &names);
        let fighting = self.fighting(&raw, &names);
        let debrief = self.debrief(&raw);

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
            fog,
            fighting,
            debrief,
            digest,
        };
        let report = &mut |span, path, message| self.problem(span, path, message);
        crate::scenario::negotiation::compile(
            &raw.channels,
            &raw.agreements,
            &mut scenario,
            report,
        );
        if self.problems.is_empty() {
            self.reachability(&raw, &scenario);
        }
        scenario
    }

    /// Records a problem. `span` is the item's (usually its id); the line shown is
    /// the one that sets the path's key in that item's table, when it is written there.
    fn problem(
        &mut self,
        span: Option<Range<usize>>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let path = path.into();
        let line = self.spans.line(span, &path);
        self.problems.push(Problem {
            file: self.file.to_string(),
            line,
            path,
            message: message.into(),
        });
    }

    /// An item's id is well formed and not taken by another item of its kind.
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

    /// One problem per option whose prerequisites no sequence of play can meet.
    fn reachability(&mut self, raw: &RawScenario, s: &Scenario) {
        let options: Vec<(&str, &toml::Spanned<String>)> = raw
            .teams
            .iter()
            .flat_map(|t| {
                t.options
                    .iter()
                    .map(move |o| (t.id.get_ref().as_str(), &o.id))
            })
            .collect();
        for (k, blocking) in reachability::unreachable_options(s) {
            let Some((team, id)) = options.get(k) else {
                continue;
            };
            self.problem(
                Some(id.span()),
                format!("teams[{team}].options[{}].requires", id.get_ref()),
                format!(
                    "prerequisites can never be met by any sequence of play: nothing in the scenario can make {} true",
                    blocking.join(", ")
                ),
            );
        }
    }
}
