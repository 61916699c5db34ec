//! Negotiation in a scenario: the channels teams talk on and the agreement
//! templates they may propose to each other.
//!
//! `[[channels]]` is optional: without any, every pair of teams gets a private
//! channel (in team order, id `"{a}-{b}"`) and all teams share the public channel
//! `all`. `[[agreements]]` are templates; an accepted one applies its `set`,
//! `clear` and `effects` when the White Cell next publishes outcomes.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::model::{Effects, FlagRefs, Scenario};

/// The phases a channel may be open in (a session that has ended takes no messages).
pub const CHANNEL_PHASES: [&str; 5] = ["lobby", "briefing", "decision", "adjudication", "review"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub id: Spanned<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
    pub open_in: Option<Vec<String>>,
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgreement {
    pub id: Spanned<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub parties: Vec<String>,
    #[serde(default)]
    pub set: Vec<String>,
    #[serde(default)]
    pub clear: Vec<String>,
    #[serde(default)]
    pub effects: BTreeMap<String, i64>,
    pub source: Option<String>,
    #[serde(default)]
    pub public: bool,
}

/// A place to talk: its members post, the White Cell reads and posts in all of them.
#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub id: Arc<str>,
    pub name: String,
    /// Team ids, in the order written (scenario team order for the defaults).
    pub members: Vec<Arc<str>>,
    /// Phase names it is open in; `None`: every phase of play, the lobby included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_in: Option<Vec<String>>,
    /// Every seat (observers and the projector too) reads it; only members post.
    pub public: bool,
}

impl Channel {
    /// Whether the schedule opens it in this phase (before any White Cell override).
    pub fn open_by_schedule(&self, phase: &str) -> bool {
        match &self.open_in {
            None => phase != "ended",
            Some(phases) => phases.iter().any(|p| p == phase),
        }
    }

    pub fn has_member(&self, team: &str) -> bool {
        self.members.iter().any(|m| &**m == team)
    }
}

/// An agreement teams may propose; once accepted it changes the board at the next
/// publication.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementDef {
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub text: Arc<str>,
    /// Team ids, at least two; the proposer must be one of them.
    pub parties: Vec<Arc<str>>,
    pub set: FlagRefs,
    pub clear: FlagRefs,
    pub effects: Effects,
    pub source: String,
    /// Every seat sees its proposal and answers, not just the parties.
    pub public: bool,
}

impl AgreementDef {
    pub fn has_party(&self, team: &str) -> bool {
        self.parties.iter().any(|p| &**p == team)
    }
}

/// What an accepted agreement does to the board, as an outcome (for reachability).
pub(super) fn as_outcome(a: &AgreementDef) -> super::model::Outcome {
    super::model::Outcome {
        text: a.text.clone(),
        effects: a.effects.clone(),
        set: a.set.clone(),
        clear: a.clear.clone(),
        events: Default::default(),
    }
}

impl Scenario {
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| &*c.id == id)
    }

    pub fn agreement(&self, id: &str) -> Option<&AgreementDef> {
        self.agreements.iter().find(|a| &*a.id == id)
    }
}

/// How the compiler records a problem: the item's span, the key path, the message.
pub(super) type Report<'r> = dyn FnMut(Option<Range<usize>>, String, String) + 'r;

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

/// Checks an item's id: well formed and not used before in its list.
fn check_id(id: &Spanned<String>, path: &str, seen: &mut BTreeSet<String>, report: &mut Report) {
    if !valid_id(id.get_ref()) {
        report(
            Some(id.span()),
            format!("{path}.id"),
            format!(
                "`{}` is not a valid id: use lowercase letters, digits, '_' and '-', starting with a letter",
                id.get_ref()
            ),
        );
    }
    if !seen.insert(id.get_ref().clone()) {
        report(
            Some(id.span()),
            format!("{path}.id"),
            format!("duplicate id `{}`", id.get_ref()),
        );
    }
}

/// Team ids resolved against the scenario's teams: unknown and repeated ones are
/// problems, and fewer than two distinct teams is one too.
fn teams(
    s: &Scenario,
    ids: &[String],
    span: &Range<usize>,
    path: &str,
    what: &str,
    report: &mut Report,
) -> Vec<Arc<str>> {
    let mut out: Vec<Arc<str>> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match s.teams.iter().find(|t| &*t.id == id) {
            Some(t) if out.contains(&t.id) => report(
                Some(span.clone()),
                format!("{path}[{i}]"),
                format!("team `{id}` is listed twice"),
            ),
            Some(t) => out.push(t.id.clone()),
            None => report(
                Some(span.clone()),
                format!("{path}[{i}]"),
                format!("unknown team `{id}`"),
            ),
        }
    }
    if ids.len() < 2 {
        report(
            Some(span.clone()),
            path.to_string(),
            format!("{what} needs at least two teams"),
        );
    }
    out
}

/// The default channels: one per pair of teams, in team order, and the public `all`.
fn default_channels(s: &Scenario) -> Vec<Channel> {
    let mut out = Vec::new();
    for (i, a) in s.teams.iter().enumerate() {
        for b in &s.teams[i + 1..] {
            out.push(Channel {
                id: Arc::from(format!("{}-{}", a.id, b.id)),
                name: format!("{} – {}", a.name, b.name),
                members: vec![a.id.clone(), b.id.clone()],
                open_in: None,
                public: false,
            });
        }
    }
    out.push(Channel {
        id: Arc::from("all"),
        name: "All teams".to_string(),
        members: s.teams.iter().map(|t| t.id.clone()).collect(),
        open_in: None,
        public: true,
    });
    out
}

/// Compiles `[[channels]]` and `[[agreements]]` into `s`, which already holds the
/// teams, flags and indicators they refer to.
pub(super) fn compile(
    channels: &[RawChannel],
    agreements: &[RawAgreement],
    s: &mut Scenario,
    report: &mut Report,
) {
    s.channels = if channels.is_empty() {
        default_channels(s)
    } else {
        compile_channels(s, channels, report)
    };
    s.agreements = compile_agreements(s, agreements, report);
}

fn compile_channels(s: &Scenario, raw: &[RawChannel], report: &mut Report) -> Vec<Channel> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in raw {
        let path = format!("channels[{}]", c.id.get_ref());
        let span = c.id.span();
        check_id(&c.id, &path, &mut seen, report);
        if c.name.trim().is_empty() {
            report(
                Some(span.clone()),
                format!("{path}.name"),
                "a channel needs a name the players will read".to_string(),
            );
        }
        let members = teams(
            s,
            &c.members,
            &span,
            &format!("{path}.members"),
            "a channel",
            report,
        );
        if let Some(phases) = &c.open_in {
            for (i, p) in phases.iter().enumerate() {
                if !CHANNEL_PHASES.contains(&p.as_str()) {
                    report(
                        Some(span.clone()),
                        format!("{path}.open_in[{i}]"),
                        format!(
                            "unknown phase `{p}` (a channel can be open in: {})",
                            CHANNEL_PHASES.join(", ")
                        ),
                    );
                }
            }
        }
        out.push(Channel {
            id: Arc::from(c.id.get_ref().as_str()),
            name: c.name.trim().to_string(),
            members,
            open_in: c.open_in.clone(),
            public: c.public,
        });
    }
    out
}

fn compile_agreements(
    s: &Scenario,
    raw: &[RawAgreement],
    report: &mut Report,
) -> Vec<AgreementDef> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in raw {
        let path = format!("agreements[{}]", a.id.get_ref());
        let span = a.id.span();
        check_id(&a.id, &path, &mut seen, report);
        if a.title.trim().is_empty() {
            report(
                Some(span.clone()),
                format!("{path}.title"),
                "an agreement needs a title".to_string(),
            );
        }
        let parties = teams(
            s,
            &a.parties,
            &span,
            &format!("{path}.parties"),
            "an agreement",
            report,
        );
        let mut effects = Effects::default();
        for (id, delta) in &a.effects {
            match s.indicator_index(id) {
                Some(ix) if (-100..=100).contains(delta) => {
                    effects.deltas.push((ix, *delta));
                    effects.names.push(id.clone());
                }
                Some(_) => report(
                    Some(span.clone()),
                    format!("{path}.effects.{id}"),
                    format!("delta {delta} is outside -100..100"),
                ),
                None => report(
                    Some(span.clone()),
                    format!("{path}.effects.{id}"),
                    format!("unknown indicator `{id}`"),
                ),
            }
        }
        let set = flag_refs(s, &a.set, &span, &format!("{path}.set"), report);
        let clear = flag_refs(s, &a.clear, &span, &format!("{path}.clear"), report);
        let source = a.source.as_deref().map(str::trim).unwrap_or_default();
        let designer_reason = source
            .strip_prefix("designer addition")
            .map(|r| r.trim_start_matches([':', ' ', '-']).len());
        if source.is_empty() {
            report(
                Some(span.clone()),
                format!("{path}.source"),
                "missing source: cite the seed section (e.g. \"§5\") or write \"designer addition: <reason>\"".to_string(),
            );
        } else if designer_reason.is_some_and(|n| n < 5) {
            report(
                Some(span.clone()),
                format!("{path}.source"),
                "a designer addition must give its reason: \"designer addition: <why>\""
                    .to_string(),
            );
        }
        out.push(AgreementDef {
            id: Arc::from(a.id.get_ref().as_str()),
            title: Arc::from(a.title.trim()),
            text: Arc::from(a.text.trim()),
            parties,
            set,
            clear,
            effects,
            source: source.to_string(),
            public: a.public,
        });
    }
    out
}

fn flag_refs(
    s: &Scenario,
    ids: &[String],
    span: &Range<usize>,
    path: &str,
    report: &mut Report,
) -> FlagRefs {
    let mut out = FlagRefs::default();
    for (i, id) in ids.iter().enumerate() {
        match s.flags.iter().position(|f| &*f.id == id) {
            Some(ix) => {
                out.index.push(ix);
                out.ids.push(s.flags[ix].id.clone());
            }
            None => report(
                Some(span.clone()),
                format!("{path}[{i}]"),
                format!("unknown flag `{id}`"),
            ),
        }
    }
    out
}
