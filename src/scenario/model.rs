//! The validated scenario the engine plays: every reference is resolved to an index.
//!
//! Serialised (`serde::Serialize`) as the public scenario JSON of docs/PROTOCOL.md.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub max_turns: u32,
    pub budget: u32,
    pub stages: Vec<String>,
    pub detection_base: i64,
    pub indicators: Vec<Indicator>,
    pub flags: Vec<Flag>,
    pub teams: Vec<Team>,
    pub events: Vec<EventDef>,
    pub detection_modifiers: Vec<DetectionModifier>,
    pub triggers: Vec<Trigger>,
    pub end_conditions: Vec<EndCondition>,
    pub script: Vec<ScriptItem>,
    /// Where teams talk (`[[channels]]`, or one per pair of teams and `all`).
    pub channels: Vec<super::negotiation::Channel>,
    /// Agreement templates teams may propose (`[[agreements]]`).
    pub agreements: Vec<super::negotiation::AgreementDef>,
    /// Noisy or delayed indicators per team (scenario v2; see `fog.rs` in the engine).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fog: Vec<FogRule>,
    /// Flags that mean the fighting has started (for `simulate`).
    #[serde(skip_serializing_if = "FlagRefs::is_empty")]
    pub fighting: FlagRefs,
    /// The hot-wash survey after the end: the file's `[[debrief]]`, or the default
    /// set ([`default_debrief`]) when it has none.
    pub debrief: Vec<DebriefQuestion>,
    /// SHA-256 of the source text, so a session records exactly what it played.
    pub digest: String,
}

/// One question of the hot-wash survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebriefQuestion {
    pub id: Arc<str>,
    pub text: String,
    pub kind: QuestionKind,
    /// The answers a `choice` question offers (empty for the other kinds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// How a debrief question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// An integer from 1 to 5.
    Scale,
    /// One of the question's options.
    Choice,
    /// Free text.
    Text,
}

impl QuestionKind {
    pub fn parse(s: &str) -> Option<QuestionKind> {
        match s {
            "scale" => Some(QuestionKind::Scale),
            "choice" => Some(QuestionKind::Choice),
            "text" => Some(QuestionKind::Text),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Scale => "scale",
            QuestionKind::Choice => "choice",
            QuestionKind::Text => "text",
        }
    }
}

/// The lowest and highest answer of a `scale` question.
pub const SCALE: (i64, i64) = (1, 5);

/// The survey of a scenario without `[[debrief]]`: after the participant feedback
/// form of an HSEEP after-action report (strengths, areas for improvement, realism,
/// usefulness, a word to the organisers). Its ids are stable: answers name them.
pub fn default_debrief() -> Vec<DebriefQuestion> {
    let q = |id: &str, kind: QuestionKind, text: &str| DebriefQuestion {
        id: Arc::from(id),
        text: text.to_string(),
        kind,
        options: Vec::new(),
    };
    vec![
        q(
            "went_well",
            QuestionKind::Text,
            "What went well? Name a strength of the game or of the teams' play.",
        ),
        q(
            "improve",
            QuestionKind::Text,
            "What should be improved, and how?",
        ),
        q(
            "realism",
            QuestionKind::Scale,
            "How realistic was the game? (1 = not at all, 5 = very)",
        ),
        q(
            "useful",
            QuestionKind::Scale,
            "How useful was the game for your work? (1 = not at all, 5 = very)",
        ),
        q(
            "to_organisers",
            QuestionKind::Text,
            "One sentence to the organisers.",
        ),
    ]
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: Arc<str>,
    pub name: String,
    pub description: String,
    pub min: i64,
    pub max: i64,
    pub start: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    pub id: Arc<str>,
    pub name: String,
    pub description: String,
    pub start: bool,
    pub lapses: bool,
    /// A secret flag: only this team and the facilitator see it (e.g. set by a covert option).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: Arc<str>,
    pub name: String,
    pub briefing: String,
    pub budget: u32,
    pub options: Vec<OptionDef>,
    /// Scored at the end. The public scenario JSON names only their ids and weights
    /// (docs/SCENARIO.md says why).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<Objective>,
    /// How a bot may play the team. The public scenario JSON names each one's id,
    /// name and description; its weights stay with the server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub doctrines: Vec<Doctrine>,
}

/// A way a bot plays a team (`[[teams.doctrines]]`, docs/SCENARIO.md).
#[derive(Debug, Clone, Serialize)]
pub struct Doctrine {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub description: String,
    /// Base weight per option of the team, by option index.
    #[serde(skip)]
    pub weights: Vec<i64>,
    /// The reason given for a pick by the base weights, by option index.
    #[serde(skip)]
    pub reasons: Vec<Arc<str>>,
    #[serde(skip)]
    pub when: Vec<DoctrineRule>,
}

/// A conditional adjustment of a doctrine's weights.
#[derive(Debug, Clone)]
pub struct DoctrineRule {
    pub when: Vec<Condition>,
    /// Weight delta per option of the team, by option index.
    pub deltas: Vec<i64>,
    pub reason: Arc<str>,
}

impl Team {
    pub fn doctrine(&self, id: &str) -> Option<&Doctrine> {
        self.doctrines.iter().find(|d| &*d.id == id)
    }
}

/// A team's objective: met when every condition holds on the final (true) board.
#[derive(Debug, Clone, Serialize)]
pub struct Objective {
    pub id: Arc<str>,
    /// Private to the team and the White Cell: not in the public scenario JSON.
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub when: Vec<Condition>,
    pub weight: u32,
}

/// How one indicator looks to some teams (scenario v2).
#[derive(Debug, Clone, Serialize)]
pub struct FogRule {
    #[serde(skip)]
    pub indicator: usize,
    #[serde(rename = "indicator")]
    pub indicator_id: Arc<str>,
    /// Team indexes; empty means every team.
    #[serde(skip)]
    pub teams: Vec<usize>,
    #[serde(rename = "teams")]
    pub team_ids: Vec<String>,
    /// The team sees the value plus or minus up to this many whole units.
    pub noise: i64,
    /// The team sees the value as it stood this many turns ago.
    pub delay: u32,
    /// While all of these hold, the rule is lifted (no noise, no delay).
    pub sharpened_by: Vec<Condition>,
}

impl FogRule {
    pub fn covers(&self, team: usize) -> bool {
        self.teams.is_empty() || self.teams.contains(&team)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionDef {
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub description: String,
    pub cost: u32,
    pub stage: Arc<str>,
    #[serde(skip)]
    pub stage_index: usize,
    pub covert: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection: Option<i64>,
    pub requires: Vec<Condition>,
    pub odds: i64,
    pub modifiers: Vec<Modifier>,
    pub success: Outcome,
    pub failure: Outcome,
    pub source: String,
    /// Odds lost per earlier success of this option by its team (0: none).
    #[serde(skip_serializing_if = "is_zero")]
    pub repeat_penalty: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct Modifier {
    pub when: Vec<Condition>,
    pub delta: i64,
    pub reason: Arc<str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub text: Arc<str>,
    pub effects: Effects,
    pub set: FlagRefs,
    pub clear: FlagRefs,
    pub events: EventRefs,
}

/// Indicator deltas, by indicator index; serialised as `{"indicator_id": delta}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    pub deltas: Vec<(usize, i64)>,
    pub names: Vec<String>,
}

impl Serialize for Effects {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, i64> = self
            .names
            .iter()
            .zip(self.deltas.iter())
            .map(|(n, (_, d))| (n.as_str(), *d))
            .collect();
        map.serialize(s)
    }
}

/// Flag references by index; serialised as a list of ids.
#[derive(Debug, Clone, Default)]
pub struct FlagRefs {
    pub index: Vec<usize>,
    pub ids: Vec<Arc<str>>,
}

impl FlagRefs {
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl Serialize for FlagRefs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.ids.serialize(s)
    }
}

/// Catalog event references by index; serialised as a list of ids.
#[derive(Debug, Clone, Default)]
pub struct EventRefs {
    pub index: Vec<usize>,
    pub ids: Vec<String>,
}

impl Serialize for EventRefs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.ids.serialize(s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventDef {
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub source: Arc<str>,
    pub effects: Effects,
    pub set: FlagRefs,
    pub clear: FlagRefs,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetectionModifier {
    pub when: Vec<Condition>,
    pub delta: i64,
    pub reason: Arc<str>,
    /// Team indexes this applies to; empty means every team.
    #[serde(skip)]
    pub teams: Vec<usize>,
    #[serde(rename = "teams")]
    pub team_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub id: Arc<str>,
    pub when: Vec<Condition>,
    #[serde(skip)]
    pub event: usize,
    #[serde(rename = "event")]
    pub event_id: Arc<str>,
    pub repeat: bool,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndCondition {
    pub id: String,
    pub when: Vec<Condition>,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScriptItem {
    pub id: Arc<str>,
    pub turn: u32,
    #[serde(skip)]
    pub event: Option<usize>,
    #[serde(rename = "event")]
    pub event_id: Option<String>,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub from: Arc<str>,
    /// Team ids, or empty for everyone.
    pub to: Vec<Arc<str>>,
    pub expected_action: String,
    /// The entry applies only when these hold at its turn (a living MSEL).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            CmpOp::Ge => a >= b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Lt => a < b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

/// A resolved condition over flags and indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Flag {
        flag: usize,
        id: String,
        set: bool,
    },
    Compare {
        indicator: usize,
        id: String,
        op: CmpOp,
        value: i64,
    },
}

impl Condition {
    pub fn holds(&self, indicators: &[i64], flags: &[bool]) -> bool {
        match self {
            Condition::Flag { flag, set, .. } => flags.get(*flag).copied().unwrap_or(false) == *set,
            Condition::Compare {
                indicator,
                op,
                value,
                ..
            } => indicators
                .get(*indicator)
                .is_some_and(|v| op.holds(*v, *value)),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Flag { id, set: true, .. } => write!(f, "{id}"),
            Condition::Flag { id, set: false, .. } => write!(f, "!{id}"),
            Condition::Compare { id, op, value, .. } => write!(f, "{id} {} {value}", op.symbol()),
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

pub fn all_hold(conds: &[Condition], indicators: &[i64], flags: &[bool]) -> bool {
    conds.iter().all(|c| c.holds(indicators, flags))
}

impl Scenario {
    /// Whether a seat of `team` (or the facilitator, `None`) may see flag `ix`.
    pub fn flag_visible_to(&self, ix: usize, team: Option<&str>, facilitator: bool) -> bool {
        facilitator
            || match self.flags.get(ix).and_then(|f| f.owner.as_deref()) {
                None => true,
                Some(owner) => team == Some(owner),
            }
    }

    pub fn team_index(&self, id: &str) -> Option<usize> {
        self.teams.iter().position(|t| &*t.id == id)
    }

    pub fn indicator_index(&self, id: &str) -> Option<usize> {
        self.indicators.iter().position(|i| &*i.id == id)
    }

    /// A question of the hot-wash survey, by id.
    pub fn debrief_question(&self, id: &str) -> Option<&DebriefQuestion> {
        self.debrief.iter().find(|q| &*q.id == id)
    }

    pub fn event_index(&self, id: &str) -> Option<usize> {
        self.events.iter().position(|e| &*e.id == id)
    }

    /// Finds an option by id; option ids are unique across the whole scenario.
    pub fn option(&self, id: &str) -> Option<(usize, usize, &OptionDef)> {
        self.teams.iter().enumerate().find_map(|(ti, t)| {
            t.options
                .iter()
                .enumerate()
                .find(|(_, o)| &*o.id == id)
                .map(|(oi, o)| (ti, oi, o))
        })
    }

    /// A compact summary for `GET /api/scenarios`.
    pub fn summary_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "max_turns": self.max_turns,
            "teams": self.teams.iter().map(|t| serde_json::json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
        })
    }
}
