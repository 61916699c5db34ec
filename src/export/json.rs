//! The JSON export: one document, schema `wargame.aar/1` (see docs/EXPORT.md).
//!
//! Field order is fixed by these structs; maps keyed by indicator follow the
//! scenario's indicator order.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use super::SCHEMA;
use super::report::{KeyKind, Report, TurnReport, swing};
use super::text::iso;
use crate::engine::{
    Actor, AppliedModifier, Detection, DraftChoice, Outcome, Phase, Player, Rolled,
};

pub fn render(r: &Report) -> Vec<u8> {
    let doc = document(r);
    match serde_json::to_vec_pretty(&doc) {
        Ok(mut bytes) => {
            bytes.push(b'\n');
            bytes
        }
        Err(e) => {
            let err = serde_json::json!({"schema": SCHEMA, "error": e.to_string()});
            format!("{err}\n").into_bytes()
        }
    }
}

/// A map that keeps the order it was built in (serde_json's own map sorts keys).
pub(super) struct Ordered<'a>(Vec<(&'a str, i64)>);

/// Indicator changes keyed by indicator id, in the scenario's indicator order (ids
/// the scenario lacks last).
pub(super) fn effects_ordered<'a>(
    s: &'a crate::scenario::Scenario,
    e: &'a std::collections::BTreeMap<Arc<str>, i64>,
) -> Ordered<'a> {
    let mut out: Vec<(&str, i64)> = s
        .indicators
        .iter()
        .filter_map(|i| e.get(&i.id).map(|d| (&*i.id, *d)))
        .collect();
    out.extend(
        e.iter()
            .filter(|(k, _)| s.indicator_index(k).is_none())
            .map(|(k, d)| (&**k, *d)),
    );
    Ordered(out)
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    anonymized: bool,
    session: Session<'a>,
    scenario: ScenarioJson<'a>,
    teams: Vec<TeamJson<'a>>,
    observers: Vec<PlayerJson<'a>>,
    indicators: Vec<IndicatorJson<'a>>,
    flags: Vec<FlagJson<'a>>,
    history: Vec<HistoryJson<'a>>,
    turns: Vec<TurnJson<'a>>,
    choices: Vec<ChoiceJson<'a>>,
    injects: Vec<InjectJson<'a>>,
    overrides: Vec<OverrideJson<'a>>,
    notes: Vec<NoteJson<'a>>,
    key_decisions: Vec<KeyJson<'a>>,
    ending: Option<EndingJson<'a>>,
    /// The HSEEP after-action record: report settings, the analysis of objectives,
    /// the conclusion and the improvement plan.
    after_action: super::hseep::ReportJson<'a>,
    /// Team objectives scored on the final board (absent without objectives).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objectives: Vec<super::v2::TeamObjectivesJson<'a>>,
    /// Fog: what each team believed where it differed from the truth, per turn
    /// (absent when no team's board ever differed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    beliefs: Vec<super::v2::BeliefJson<'a>>,
    /// Channel transcripts and agreements (absent when nobody negotiated).
    #[serde(skip_serializing_if = "Option::is_none")]
    negotiation: Option<super::negotiation::NegotiationJson<'a>>,
    /// The hot-wash survey's answers (absent while nobody answered and it is open).
    #[serde(skip_serializing_if = "Option::is_none")]
    debrief: Option<super::debrief::DebriefJson<'a>>,
    events: Vec<EventJson<'a>>,
}

#[derive(Serialize)]
struct Session<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    join_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exported_at: Option<String>,
    title: &'a str,
    seed: u64,
    max_turns: u32,
    auto_advance: bool,
    #[serde(skip_serializing_if = "crate::engine::is_false")]
    private_rationales: bool,
    /// The time zone the human reports show (omitted when UTC by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    time_zone: Option<&'a str>,
    /// The session this one was forked from, and the turn it restarted at.
    #[serde(skip_serializing_if = "Option::is_none")]
    forked_from: Option<&'a crate::engine::ForkedFrom>,
    created_at: Option<String>,
    last_event_at: Option<String>,
    turn: u32,
    phase: Phase,
    events: usize,
    last_seq: u64,
    /// The engine's state hash after the last event (as `wargame replay` prints it);
    /// null in an anonymised export, whose replayed state is not the session's.
    state_hash: Option<String>,
}

#[derive(Serialize)]
struct ScenarioJson<'a> {
    id: &'a str,
    title: &'a str,
    /// SHA-256 of the scenario source the export was given.
    digest: &'a str,
    /// The digest recorded when the session was created.
    session_digest: Option<&'a str>,
    digest_matches: bool,
    source_digest: &'a str,
    source_matches: bool,
    source: &'a str,
    definition: Value,
}

#[derive(Serialize)]
struct TeamJson<'a> {
    id: &'a str,
    name: &'a str,
    players: Vec<PlayerJson<'a>>,
}

#[derive(Serialize)]
struct PlayerJson<'a> {
    player: &'a str,
    name: &'a str,
    seat: u32,
    joined_at: String,
}

impl<'a> PlayerJson<'a> {
    fn of(p: &'a Player) -> Self {
        PlayerJson {
            player: &p.player,
            name: &p.name,
            seat: p.seat,
            joined_at: iso(p.joined_at),
        }
    }
}

#[derive(Serialize)]
struct IndicatorJson<'a> {
    id: &'a str,
    name: &'a str,
    min: i64,
    max: i64,
    start: i64,
    end: i64,
}

#[derive(Serialize)]
struct FlagJson<'a> {
    id: &'a str,
    name: &'a str,
    value: bool,
}

#[derive(Serialize)]
struct HistoryJson<'a> {
    turn: u32,
    indicators: Ordered<'a>,
}

#[derive(Serialize)]
struct TurnJson<'a> {
    turn: u32,
    started_at: String,
    ended_at: String,
    start: Ordered<'a>,
    end: Ordered<'a>,
    change: Ordered<'a>,
    injects: Vec<&'a str>,
    submissions: Vec<SubmissionJson<'a>>,
    choices: Vec<&'a str>,
    unpublished: Vec<&'a Rolled>,
    overrides: Vec<u64>,
    triggers: Vec<TriggerJson<'a>>,
    skipped_scripts: Vec<SkippedJson<'a>>,
    notes: Vec<u64>,
}

#[derive(Serialize)]
struct SubmissionJson<'a> {
    team: &'a str,
    seq: u64,
    time: String,
    by: &'a str,
    by_name: &'a str,
    revision: Option<u32>,
    cost: Option<u32>,
    choices: &'a [DraftChoice],
    /// A bot's submission: its doctrine.
    #[serde(skip_serializing_if = "Option::is_none")]
    doctrine: Option<&'a str>,
}

#[derive(Serialize)]
struct TriggerJson<'a> {
    seq: u64,
    trigger: &'a str,
    event: &'a str,
}

#[derive(Serialize)]
struct SkippedJson<'a> {
    seq: u64,
    time: String,
    script: &'a str,
}

#[derive(Serialize)]
struct Odds<'a> {
    base: i64,
    modifiers: &'a [AppliedModifier],
    target: i64,
}

#[derive(Serialize)]
struct OverrideNoteJson<'a> {
    result: Outcome,
    note: &'a str,
}

#[derive(Serialize)]
struct ChoiceJson<'a> {
    turn: u32,
    choice: &'a str,
    seq: u64,
    time: String,
    team: &'a str,
    team_name: &'a str,
    option: &'a str,
    title: &'a str,
    cost: u32,
    stage: &'a str,
    covert: bool,
    submitted_by: Option<&'a str>,
    submitted_by_name: Option<&'a str>,
    /// A bot made the choice (absent for a person's).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    bot: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    doctrine: Option<&'a str>,
    rationale: &'a str,
    odds: Odds<'a>,
    roll: u32,
    /// What the dice said.
    rolled: Outcome,
    /// The result that counts.
    result: Outcome,
    overridden: bool,
    #[serde(rename = "override")]
    override_: Option<OverrideNoteJson<'a>>,
    overrides: Vec<OverrideJson<'a>>,
    detection: Option<&'a Detection>,
    text: &'a str,
    effects: Ordered<'a>,
    set: &'a [Arc<str>],
    clear: &'a [Arc<str>],
    swing: f64,
}

#[derive(Serialize)]
struct InjectJson<'a> {
    seq: u64,
    time: String,
    turn: u32,
    id: &'a str,
    origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<&'a str>,
    custom: bool,
    title: &'a str,
    text: &'a str,
    source: &'a str,
    from: &'a str,
    to: &'a [Arc<str>],
    effects: Ordered<'a>,
    set: &'a [Arc<str>],
    clear: &'a [Arc<str>],
    swing: f64,
}

#[derive(Serialize, Clone)]
struct OverrideJson<'a> {
    seq: u64,
    time: String,
    turn: u32,
    choice: &'a str,
    team: &'a str,
    option: &'a str,
    previous: Outcome,
    result: Outcome,
    note: &'a str,
}

#[derive(Serialize)]
struct NoteJson<'a> {
    seq: u64,
    time: String,
    turn: u32,
    public: bool,
    /// `strength` or `improvement`; absent for a plain note.
    #[serde(skip_serializing_if = "crate::engine::NoteCategory::is_note")]
    category: crate::engine::NoteCategory,
    /// What it is about: `team:objective`, an inject or a choice id.
    #[serde(skip_serializing_if = "Option::is_none")]
    about: Option<&'a str>,
    text: &'a str,
}

#[derive(Serialize)]
struct KeyJson<'a> {
    rank: usize,
    kind: &'static str,
    seq: u64,
    turn: u32,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    title: &'a str,
    swing: f64,
    effects: Ordered<'a>,
}

#[derive(Serialize)]
struct EndingJson<'a> {
    seq: u64,
    time: String,
    turn: u32,
    reason: &'a str,
    title: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct EventJson<'a> {
    seq: u64,
    at: i64,
    time: String,
    turn: u32,
    phase: Phase,
    actor: &'a Actor,
    actor_label: String,
    kind: &'static str,
    summary: String,
    /// The event body exactly as the engine stores it (deserialises as `EventBody`).
    body: Value,
}

/// Rounded to 4 decimals so the document reads cleanly.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn document<'a>(r: &'a Report<'a>) -> Doc<'a> {
    let s = r.scenario;
    let st = &r.state;
    let values = |v: &'a [i64]| -> Ordered<'a> {
        Ordered(
            s.indicators
                .iter()
                .zip(v)
                .map(|(i, x)| (&*i.id, *x))
                .collect(),
        )
    };
    let effects =
        |e: &'a std::collections::BTreeMap<Arc<str>, i64>| -> Ordered<'a> { effects_ordered(s, e) };
    let override_json = |ix: usize| {
        let o = &r.overrides[ix];
        OverrideJson {
            seq: o.seq,
            time: iso(o.at),
            turn: o.turn,
            choice: &o.choice,
            team: &o.team,
            option: &o.option,
            previous: o.previous,
            result: o.result,
            note: &o.note,
        }
    };
    let turn_json = |t: &'a TurnReport| TurnJson {
        turn: t.turn,
        started_at: iso(t.first_at),
        ended_at: iso(t.last_at),
        start: values(&t.start),
        end: values(&t.end),
        change: Ordered(
            r.changed(t)
                .into_iter()
                .map(|(i, a, b)| (&*i.id, b - a))
                .collect(),
        ),
        injects: t
            .injects
            .iter()
            .map(|i| r.injects[*i].inject.id.as_str())
            .collect(),
        submissions: s
            .teams
            .iter()
            .zip(&t.submissions)
            .filter_map(|(team, sub)| {
                sub.as_ref().map(|sub| SubmissionJson {
                    team: &team.id,
                    seq: sub.seq,
                    time: iso(sub.at),
                    by: &sub.by,
                    by_name: r.player_name(&sub.by),
                    revision: sub.revision,
                    cost: sub.cost,
                    choices: &sub.choices,
                    doctrine: sub.doctrine.as_deref(),
                })
            })
            .collect(),
        choices: t.choices.iter().map(|c| &*r.choices[*c].r.choice).collect(),
        unpublished: t.unpublished.iter().collect(),
        overrides: t.overrides.iter().map(|o| r.overrides[*o].seq).collect(),
        triggers: t
            .triggers
            .iter()
            .map(|x| TriggerJson {
                seq: x.seq,
                trigger: &x.trigger,
                event: &x.event,
            })
            .collect(),
        skipped_scripts: t
            .skipped
            .iter()
            .map(|x| SkippedJson {
                seq: x.seq,
                time: iso(x.at),
                script: &x.script,
            })
            .collect(),
        notes: t.notes.iter().map(|n| st.notes[*n].seq).collect(),
    };

    Doc {
        schema: SCHEMA,
        anonymized: r.anonymized,
        session: Session {
            id: &r.meta.session_id,
            join_code: r.meta.join_code.as_deref(),
            exported_at: r.meta.exported_at.map(iso),
            title: &st.title,
            seed: st.seed,
            max_turns: st.max_turns,
            auto_advance: st.auto_advance,
            private_rationales: st.private_rationales,
            time_zone: r.time_zone(),
            forked_from: st.forked_from.as_ref(),
            created_at: r.first_at().map(iso),
            last_event_at: r.last_at().map(iso),
            turn: st.turn,
            phase: st.phase,
            events: r.events.len(),
            last_seq: st.seq,
            state_hash: r.state_hash(),
        },
        scenario: ScenarioJson {
            id: &s.id,
            title: &s.title,
            digest: &s.digest,
            session_digest: r.session_digest.as_deref(),
            digest_matches: r.digest_matches(),
            source_digest: &r.source_digest,
            source_matches: r.source_matches(),
            source: r.source,
            definition: serde_json::to_value(s).unwrap_or(Value::Null),
        },
        teams: s
            .teams
            .iter()
            .map(|t| TeamJson {
                id: &t.id,
                name: &t.name,
                players: r.players_of(&t.id).map(PlayerJson::of).collect(),
            })
            .collect(),
        observers: r.players_of("observer").map(PlayerJson::of).collect(),
        indicators: s
            .indicators
            .iter()
            .zip(&st.world.indicators)
            .map(|(i, v)| IndicatorJson {
                id: &i.id,
                name: &i.name,
                min: i.min,
                max: i.max,
                start: i.start,
                end: *v,
            })
            .collect(),
        flags: s
            .flags
            .iter()
            .zip(&st.world.flags)
            .map(|(f, v)| FlagJson {
                id: &f.id,
                name: &f.name,
                value: *v,
            })
            .collect(),
        history: st
            .history
            .iter()
            .map(|h| HistoryJson {
                turn: h.turn,
                indicators: values(&h.indicators),
            })
            .collect(),
        turns: r.turns.iter().map(turn_json).collect(),
        choices: r
            .choices
            .iter()
            .map(|c| {
                let x = &c.r;
                ChoiceJson {
                    turn: c.turn,
                    choice: &x.choice,
                    seq: c.seq,
                    time: iso(c.at),
                    team: &x.team,
                    team_name: r.team_name(&x.team),
                    option: &x.option,
                    title: &x.title,
                    cost: x.cost,
                    stage: &x.stage,
                    covert: x.covert,
                    submitted_by: c.submitted_by.as_deref(),
                    submitted_by_name: c.submitted_by.as_deref().map(|p| r.player_name(p)),
                    bot: x.bot,
                    doctrine: x.doctrine.as_deref(),
                    rationale: x.rationale.as_deref().unwrap_or(""),
                    odds: Odds {
                        base: x.base,
                        modifiers: &x.modifiers,
                        target: x.target,
                    },
                    roll: x.roll,
                    rolled: x.rolled,
                    result: x.result,
                    overridden: x.overridden,
                    override_: x.note.as_deref().map(|note| OverrideNoteJson {
                        result: x.result,
                        note,
                    }),
                    overrides: c.overrides.iter().map(|o| override_json(*o)).collect(),
                    detection: x.detection.as_ref(),
                    text: &x.text,
                    effects: effects(&x.effects),
                    set: &x.set,
                    clear: &x.clear,
                    swing: round4(swing(s, &x.effects)),
                }
            })
            .collect(),
        injects: r
            .injects
            .iter()
            .map(|x| {
                let i = &x.inject;
                InjectJson {
                    seq: x.seq,
                    time: iso(x.at),
                    turn: i.turn,
                    id: &i.id,
                    origin: r.inject_origin(i),
                    event: i.event.as_deref(),
                    script: i.script.as_deref(),
                    trigger: i.trigger.as_deref(),
                    cause: i.cause.as_deref(),
                    custom: i.custom,
                    title: &i.title,
                    text: &i.text,
                    source: &i.source,
                    from: &i.from,
                    to: &i.to,
                    effects: effects(&i.effects),
                    set: &i.set,
                    clear: &i.clear,
                    swing: round4(swing(s, &i.effects)),
                }
            })
            .collect(),
        overrides: (0..r.overrides.len()).map(override_json).collect(),
        notes: st
            .notes
            .iter()
            .map(|n| NoteJson {
                seq: n.seq,
                time: iso(n.at),
                turn: n.turn,
                public: n.public,
                category: n.category,
                about: n.about.as_deref(),
                text: &n.text,
            })
            .collect(),
        key_decisions: r
            .key_points
            .iter()
            .enumerate()
            .map(|(k, p)| match p.kind {
                KeyKind::Choice(i) => {
                    let c = &r.choices[i];
                    KeyJson {
                        rank: k + 1,
                        kind: "choice",
                        seq: c.seq,
                        turn: c.turn,
                        id: &c.r.choice,
                        team: Some(&c.r.team),
                        title: &c.r.title,
                        swing: round4(p.swing),
                        effects: effects(&c.r.effects),
                    }
                }
                KeyKind::Inject(i) => {
                    let x = &r.injects[i];
                    KeyJson {
                        rank: k + 1,
                        kind: "inject",
                        seq: x.seq,
                        turn: x.inject.turn,
                        id: &x.inject.id,
                        team: None,
                        title: &x.inject.title,
                        swing: round4(p.swing),
                        effects: effects(&x.inject.effects),
                    }
                }
            })
            .collect(),
        ending: r.ending.as_ref().map(|e| EndingJson {
            seq: e.seq,
            time: iso(e.at),
            turn: e.turn,
            reason: &e.reason,
            title: &e.title,
            text: &e.text,
        }),
        after_action: super::hseep::json(r),
        objectives: super::v2::objectives_json(r),
        beliefs: super::v2::beliefs_json(r),
        negotiation: super::negotiation::json(r),
        debrief: super::debrief::json(r),
        events: r
            .events
            .iter()
            .map(|e| EventJson {
                seq: e.seq,
                at: e.at,
                time: iso(e.at),
                turn: e.turn,
                phase: e.phase,
                actor: &e.actor,
                actor_label: r.actor_label(&e.actor),
                kind: e.body.kind(),
                summary: r.summary(e),
                body: serde_json::to_value(&e.body).unwrap_or(Value::Null),
            })
            .collect(),
    }
}
