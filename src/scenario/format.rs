//! The scenario file as written: TOML shapes with every key spelled out.
//!
//! Unknown keys are rejected (`deny_unknown_fields`) so a typo never silently
//! changes a game. Ids carry their span so problems can name a line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub max_turns: i64,
    pub budget: i64,
    pub stages: Vec<String>,
    #[serde(default = "default_detection")]
    pub detection_base: i64,
    #[serde(default)]
    pub indicators: Vec<RawIndicator>,
    #[serde(default)]
    pub flags: Vec<RawFlag>,
    #[serde(default)]
    pub teams: Vec<RawTeam>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    #[serde(default)]
    pub detection_modifiers: Vec<RawDetectionModifier>,
    #[serde(default)]
    pub triggers: Vec<RawTrigger>,
    #[serde(default)]
    pub end_conditions: Vec<RawEndCondition>,
    #[serde(default)]
    pub script: Vec<RawScript>,
    #[serde(default)]
    pub channels: Vec<super::negotiation::RawChannel>,
    #[serde(default)]
    pub agreements: Vec<super::negotiation::RawAgreement>,
    /// Noisy or delayed indicators per team (scenario v2).
    #[serde(default)]
    pub fog: Vec<RawFog>,
    /// Flags that mean "the war is on", for `simulate`'s `endings_by_fighting`.
    #[serde(default)]
    pub fighting: Vec<String>,
    /// The hot-wash survey every seat answers after the end (a default set when absent).
    #[serde(default)]
    pub debrief: Vec<RawDebriefQuestion>,
}

/// One question of the hot-wash survey (`[[debrief]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDebriefQuestion {
    pub id: Spanned<String>,
    pub text: String,
    /// `scale` (1-5), `choice` (one of `options`) or `text`.
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
}

fn default_detection() -> i64 {
    25
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndicator {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub min: i64,
    pub max: i64,
    pub start: i64,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlag {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub start: bool,
    #[serde(default)]
    pub lapses: bool,
    pub owner: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub briefing: String,
    pub budget: Option<i64>,
    #[serde(default)]
    pub options: Vec<RawOption>,
    #[serde(default)]
    pub objectives: Vec<RawObjective>,
    /// How a bot may play the team (`[[teams.doctrines]]`).
    #[serde(default)]
    pub doctrines: Vec<RawDoctrine>,
}

/// A way a bot plays a team: weights over its options, raised or lowered while
/// conditions hold, each with the reason its rationale gives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDoctrine {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Base weight per option id; `other` weighs every option not named (default 1).
    #[serde(default)]
    pub prefer: BTreeMap<String, i64>,
    /// The reason given for a pick the base weights made.
    pub reason: String,
    /// A reason per option id, instead of `reason`.
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    #[serde(default)]
    pub when: Vec<RawDoctrineWhen>,
}

/// While all conditions hold, weights move by `prefer` (option id or `other`: delta).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDoctrineWhen {
    pub when: OneOrMany,
    pub prefer: BTreeMap<String, i64>,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub cost: i64,
    pub stage: String,
    #[serde(default)]
    pub covert: bool,
    pub detection: Option<i64>,
    #[serde(default)]
    pub requires: Vec<String>,
    pub odds: i64,
    pub source: Option<String>,
    #[serde(default)]
    pub modifiers: Vec<RawModifier>,
    #[serde(default)]
    pub success: RawOutcome,
    #[serde(default)]
    pub failure: RawOutcome,
    /// Odds lost per earlier success of this option by its team.
    pub repeat_penalty: Option<i64>,
}

/// A condition list may be written as one string or a list of strings.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModifier {
    pub when: OneOrMany,
    pub delta: i64,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcome {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub effects: BTreeMap<String, i64>,
    #[serde(default)]
    pub set: Vec<String>,
    #[serde(default)]
    pub clear: Vec<String>,
    #[serde(default)]
    pub events: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub text: String,
    pub source: Option<String>,
    #[serde(default)]
    pub effects: BTreeMap<String, i64>,
    #[serde(default)]
    pub set: Vec<String>,
    #[serde(default)]
    pub clear: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDetectionModifier {
    pub when: OneOrMany,
    pub delta: i64,
    pub reason: String,
    #[serde(default)]
    pub teams: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    pub id: Spanned<String>,
    pub when: OneOrMany,
    pub event: String,
    #[serde(default)]
    pub repeat: bool,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndCondition {
    pub id: Spanned<String>,
    pub when: OneOrMany,
    pub title: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScript {
    pub id: Spanned<String>,
    pub turn: i64,
    pub event: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub from: String,
    #[serde(default = "default_to")]
    pub to: Vec<String>,
    #[serde(default)]
    pub expected_action: String,
    /// Conditions under which the entry applies when its turn comes.
    pub when: Option<OneOrMany>,
}

fn default_to() -> Vec<String> {
    vec!["all".to_string()]
}

/// A team's objective, scored at the end of the session.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    pub id: Spanned<String>,
    pub text: String,
    pub when: OneOrMany,
    pub weight: i64,
}

/// How one indicator looks to some teams: noisy, delayed, sharpened by conditions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFog {
    pub indicator: Spanned<String>,
    pub teams: Option<Vec<String>>,
    #[serde(default)]
    pub noise: i64,
    #[serde(default)]
    pub delay: i64,
    #[serde(default)]
    pub sharpened_by: Vec<String>,
}
