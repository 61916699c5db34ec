//! The after-action model: one pass over the events through `engine::evolve`, collecting
//! what every format renders. Nothing here is computed apart from the engine: indicator
//! values, odds, rolls and effects are the ones the events carry or `evolve` reaches.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{ExportOptions, SessionMeta};
use crate::engine::{
    Actor, AppliedModifier, DraftChoice, Event, EventBody, Inject, Outcome, Resolution, Rolled,
    State, evolve,
};
use crate::scenario::{Indicator, Scenario};

/// How many key decision points the reports list.
pub const KEY_POINTS: usize = 5;
/// Names shorter than this are not searched for in free text when anonymising
/// (a one- or two-letter name would match ordinary words).
pub const MIN_SCRUB_NAME: usize = 3;

pub struct Report<'a> {
    pub scenario: &'a Scenario,
    pub source: &'a str,
    pub meta: &'a SessionMeta,
    pub anonymized: bool,
    /// The events as exported (anonymised when asked).
    pub events: Cow<'a, [Event]>,
    /// The state `evolve` reaches after the last event.
    pub state: State,
    /// The digest the session recorded when it was created.
    pub session_digest: Option<String>,
    /// SHA-256 of `source`, to show whether the source text is the one the scenario
    /// was compiled from.
    pub source_digest: String,
    pub turns: Vec<TurnReport>,
    pub choices: Vec<ChoiceRecord>,
    pub injects: Vec<InjectRecord>,
    pub overrides: Vec<OverrideRecord>,
    pub ending: Option<EndRecord>,
    pub key_points: Vec<KeyPoint>,
}

/// Everything that happened in one turn (turn 0: the lobby, before the game starts).
pub struct TurnReport {
    pub turn: u32,
    pub first_at: i64,
    pub last_at: i64,
    /// Indicator values before the turn's first event and after its last.
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    pub injects: Vec<usize>,
    /// Each team's last submission for this turn, by team index.
    pub submissions: Vec<Option<Submission>>,
    pub choices: Vec<usize>,
    /// Rolled but not published: awaiting publication, or never published because the
    /// session ended during adjudication.
    pub unpublished: Vec<Rolled>,
    pub overrides: Vec<usize>,
    pub triggers: Vec<TriggerRecord>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<usize>,
}

pub struct Submission {
    pub seq: u64,
    pub at: i64,
    pub by: String,
    pub choices: Vec<DraftChoice>,
    pub cost: Option<u32>,
    pub revision: Option<u32>,
}

pub struct ChoiceRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub r: Resolution,
    /// Indexes into `Report::overrides`, oldest first.
    pub overrides: Vec<usize>,
    pub submitted_by: Option<String>,
}

pub struct InjectRecord {
    pub seq: u64,
    pub at: i64,
    pub inject: Inject,
}

pub struct OverrideRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub choice: Arc<str>,
    pub team: Arc<str>,
    pub option: Arc<str>,
    pub result: Outcome,
    pub previous: Outcome,
    pub note: String,
}

pub struct TriggerRecord {
    pub seq: u64,
    pub trigger: Arc<str>,
    pub event: Arc<str>,
}

pub struct Skipped {
    pub seq: u64,
    pub at: i64,
    pub script: String,
}

pub struct EndRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub reason: String,
    pub title: String,
    pub text: String,
}

#[derive(Clone, Copy)]
pub enum KeyKind {
    Choice(usize),
    Inject(usize),
}

#[derive(Clone, Copy)]
pub struct KeyPoint {
    pub kind: KeyKind,
    /// Sum over the indicators it moved of |change| / (max - min).
    pub swing: f64,
}

impl<'a> Report<'a> {
    pub fn build(
        meta: &'a SessionMeta,
        scenario: &'a Scenario,
        source: &'a str,
        events: &'a [Event],
        opts: &ExportOptions,
    ) -> Report<'a> {
        let events = if opts.anonymize {
            Cow::Owned(anonymize(scenario, events))
        } else {
            Cow::Borrowed(events)
        };
        let mut state = State::blank(Arc::new(scenario.clone()));
        let n_teams = scenario.teams.len();
        let mut turns: Vec<TurnReport> = Vec::new();
        let mut choices: Vec<ChoiceRecord> = Vec::new();
        let mut injects: Vec<InjectRecord> = Vec::new();
        let mut overrides: Vec<OverrideRecord> = Vec::new();
        let mut override_ix: BTreeMap<Arc<str>, Vec<usize>> = BTreeMap::new();
        let mut rolled: Vec<(u32, Rolled)> = Vec::new();
        let mut session_digest = None;
        let mut ending = None;

        for ev in events.iter() {
            if turns.last().is_none_or(|t| t.turn != ev.turn) {
                turns.push(TurnReport {
                    turn: ev.turn,
                    first_at: ev.at,
                    last_at: ev.at,
                    start: state.world.indicators.clone(),
                    end: Vec::new(),
                    injects: Vec::new(),
                    submissions: (0..n_teams).map(|_| None).collect(),
                    choices: Vec::new(),
                    unpublished: Vec::new(),
                    overrides: Vec::new(),
                    triggers: Vec::new(),
                    skipped: Vec::new(),
                    notes: Vec::new(),
                });
            }
            evolve(&mut state, ev);
            let Some(turn) = turns.last_mut() else {
                continue;
            };
            turn.last_at = ev.at;
            match &ev.body {
                EventBody::SessionCreated {
                    scenario_digest, ..
                } => session_digest = Some(scenario_digest.clone()),
                EventBody::ChoicesSubmitted {
                    team,
                    choices: picked,
                    cost,
                    revision,
                    ..
                } => {
                    if let Some(ti) = scenario.team_index(team) {
                        turn.submissions[ti] = Some(Submission {
                            seq: ev.seq,
                            at: ev.at,
                            by: actor_player(&ev.actor).unwrap_or_default(),
                            choices: picked.clone(),
                            cost: *cost,
                            revision: *revision,
                        });
                    }
                }
                EventBody::EventInjected { inject } => {
                    turn.injects.push(injects.len());
                    injects.push(InjectRecord {
                        seq: ev.seq,
                        at: ev.at,
                        inject: inject.clone(),
                    });
                }
                EventBody::ScriptSkipped { script } => turn.skipped.push(Skipped {
                    seq: ev.seq,
                    at: ev.at,
                    script: script.clone(),
                }),
                EventBody::DiceRolled { rolled: r, .. } => rolled.push((ev.turn, r.clone())),
                EventBody::OutcomeOverridden {
                    choice,
                    team,
                    option,
                    result,
                    previous,
                    note,
                } => {
                    override_ix
                        .entry(choice.clone())
                        .or_default()
                        .push(overrides.len());
                    turn.overrides.push(overrides.len());
                    overrides.push(OverrideRecord {
                        seq: ev.seq,
                        at: ev.at,
                        turn: ev.turn,
                        choice: choice.clone(),
                        team: team.clone(),
                        option: option.clone(),
                        result: *result,
                        previous: *previous,
                        note: note.clone(),
                    });
                }
                EventBody::ChoiceResolved(r) => {
                    let submitted_by = scenario
                        .team_index(&r.team)
                        .and_then(|ti| turn.submissions[ti].as_ref())
                        .map(|s| s.by.clone())
                        .filter(|b| !b.is_empty());
                    turn.choices.push(choices.len());
                    choices.push(ChoiceRecord {
                        seq: ev.seq,
                        at: ev.at,
                        turn: ev.turn,
                        r: r.clone(),
                        overrides: override_ix.get(&r.choice).cloned().unwrap_or_default(),
                        submitted_by,
                    });
                }
                EventBody::TriggerFired { trigger, event } => turn.triggers.push(TriggerRecord {
                    seq: ev.seq,
                    trigger: trigger.clone(),
                    event: event.clone(),
                }),
                EventBody::NoteAdded { .. } => turn.notes.push(state.notes.len().saturating_sub(1)),
                EventBody::SessionEnded {
                    reason,
                    title,
                    text,
                } => {
                    ending = Some(EndRecord {
                        seq: ev.seq,
                        at: ev.at,
                        turn: ev.turn,
                        reason: reason.clone(),
                        title: title.clone(),
                        text: text.clone(),
                    })
                }
                EventBody::PlayerJoined { .. }
                | EventBody::PhaseChanged { .. }
                | EventBody::TimerSet { .. }
                | EventBody::TimerExpired {} => {}
                // Negotiation has no section of its own in the report yet.
                EventBody::MessagePosted { .. }
                | EventBody::ChannelChanged { .. }
                | EventBody::AgreementProposed(_)
                | EventBody::AgreementResponded(_)
                | EventBody::AgreementResolved(_)
                | EventBody::AgreementApplied(_) => {}
            }
            turn.end.clone_from(&state.world.indicators);
        }

        let published: BTreeSet<&str> = choices.iter().map(|c| &*c.r.choice).collect();
        for (t, r) in rolled {
            if published.contains(&*r.choice) {
                continue;
            }
            if let Some(turn) = turns.iter_mut().find(|x| x.turn == t) {
                turn.unpublished.push(r);
            }
        }

        let key_points = key_points(scenario, &choices, &injects);
        Report {
            scenario,
            source,
            meta,
            anonymized: opts.anonymize,
            source_digest: hex::encode(Sha256::digest(source.as_bytes())),
            events,
            state,
            session_digest,
            turns,
            choices,
            injects,
            overrides,
            ending,
            key_points,
        }
    }

    pub fn team_name<'s>(&'s self, id: &'s str) -> &'s str {
        match self.scenario.team_index(id) {
            Some(ix) => &self.scenario.teams[ix].name,
            None if id == "observer" => "Observers",
            None => id,
        }
    }

    pub fn flag_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.scenario
            .flags
            .iter()
            .find(|f| &*f.id == id)
            .map_or(id, |f| f.name.as_str())
    }

    pub fn event_title<'s>(&'s self, id: &'s str) -> &'s str {
        self.scenario
            .event_index(id)
            .map_or(id, |ix| &*self.scenario.events[ix].title)
    }

    /// A player id's display name, or the id itself when nobody joined with it.
    pub fn player_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.state.player(id).map_or(id, |p| p.name.as_str())
    }

    /// Who did it, in words: "White Cell", "Belarus: Anna", "Observer: Ben", "System".
    pub fn actor_label(&self, actor: &Actor) -> String {
        match actor {
            Actor::Facilitator => "White Cell".to_string(),
            Actor::System => "System".to_string(),
            Actor::Team { team, player } if player.is_empty() => self.team_name(team).to_string(),
            Actor::Team { team, player } => {
                format!("{}: {}", self.team_name(team), self.player_name(player))
            }
            Actor::Observer { player } => format!("Observer: {}", self.player_name(player)),
        }
    }

    /// Indicator changes as read aloud, in scenario order: "Escalation ladder +1, ...".
    pub fn effects_text(&self, effects: &BTreeMap<Arc<str>, i64>) -> String {
        let mut parts: Vec<String> = self
            .scenario
            .indicators
            .iter()
            .filter_map(|i| effects.get(&i.id).map(|d| (i, *d)))
            .filter(|(_, d)| *d != 0)
            .map(|(i, d)| format!("{} {}", i.name, super::text::signed(d)))
            .collect();
        parts.extend(
            effects
                .iter()
                .filter(|(id, d)| **d != 0 && self.scenario.indicator_index(id).is_none())
                .map(|(id, d)| format!("{id} {}", super::text::signed(*d))),
        );
        parts.join(", ")
    }

    /// Flags set and cleared, as read aloud; empty when none.
    pub fn flags_text(&self, set: &[Arc<str>], clear: &[Arc<str>]) -> String {
        let mut parts = Vec::new();
        if !set.is_empty() {
            let names: Vec<&str> = set.iter().map(|f| self.flag_name(f)).collect();
            parts.push(format!("sets {}", names.join(", ")));
        }
        if !clear.is_empty() {
            let names: Vec<&str> = clear.iter().map(|f| self.flag_name(f)).collect();
            parts.push(format!("clears {}", names.join(", ")));
        }
        parts.join("; ")
    }

    /// Where an inject came from, in words.
    pub fn inject_origin(&self, i: &Inject) -> String {
        if let Some(s) = &i.script {
            format!("scripted (MSEL {s})")
        } else if let Some(t) = &i.trigger {
            format!("triggered ({t})")
        } else if let Some(c) = &i.cause {
            format!("follow-on of {c}")
        } else if i.custom {
            "custom".to_string()
        } else if let Some(e) = &i.event {
            format!("catalog ({e})")
        } else {
            "inject".to_string()
        }
    }

    /// The teams an inject went to, in words.
    pub fn recipients(&self, to: &[Arc<str>]) -> String {
        if to.is_empty() {
            "all teams".to_string()
        } else {
            let names: Vec<&str> = to.iter().map(|t| self.team_name(t)).collect();
            names.join(", ")
        }
    }

    /// Odds as read aloud: "base 70%", one "+15: reason" per modifier, "target 85%".
    pub fn odds_parts(&self, base: i64, modifiers: &[AppliedModifier], target: i64) -> Vec<String> {
        let mut parts = vec![format!("base {base}%")];
        for m in modifiers {
            parts.push(format!("{}: {}", super::text::signed(m.delta), m.reason));
        }
        parts.push(format!("target {target}%"));
        parts
    }

    /// The session's title, or the scenario's when the session has none.
    pub fn session_title(&self) -> &str {
        if self.state.title.trim().is_empty() {
            &self.scenario.title
        } else {
            &self.state.title
        }
    }

    /// An option's title and cost (the id and 0 for an option the scenario lacks).
    pub fn option_label<'s>(&'s self, id: &'s str) -> (&'s str, u32) {
        self.scenario
            .option(id)
            .map_or((id, 0), |(_, _, o)| (&*o.title, o.cost))
    }

    /// A scripted (MSEL) entry's title, or "" when the scenario lacks it.
    pub fn script_title(&self, id: &str) -> &str {
        self.scenario
            .script
            .iter()
            .find(|i| &*i.id == id)
            .map_or("", |i| &*i.title)
    }

    /// The indicators a turn moved: (indicator, value at its start, value at its end).
    pub fn changed<'s>(&'s self, t: &'s TurnReport) -> Vec<(&'s Indicator, i64, i64)> {
        self.scenario
            .indicators
            .iter()
            .zip(t.start.iter().zip(&t.end))
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| (i, *a, *b))
            .collect()
    }

    /// The turns worth a section of their own: every played turn, plus the lobby when
    /// something was injected or overridden there.
    pub fn report_turns(&self) -> impl Iterator<Item = &TurnReport> {
        self.turns
            .iter()
            .filter(|t| t.turn > 0 || !t.injects.is_empty())
    }

    /// The engine's hash of the state after the last event, as `wargame replay` prints
    /// it; none when anonymised (the names changed, so the hash would not be the
    /// session's), and none when the state cannot be hashed (better no hash than a
    /// wrong one).
    pub fn state_hash(&self) -> Option<String> {
        (!self.anonymized).then(|| self.state.hash().ok()).flatten()
    }

    /// Why a rolled choice has no published outcome, in words.
    pub fn unpublished_status(&self) -> &'static str {
        if self.ending.is_some() {
            "never published: the session ended first"
        } else {
            "awaiting publication"
        }
    }

    pub fn first_at(&self) -> Option<i64> {
        self.events.first().map(|e| e.at)
    }

    pub fn last_at(&self) -> Option<i64> {
        self.events.last().map(|e| e.at)
    }

    pub fn digest_matches(&self) -> bool {
        self.session_digest
            .as_deref()
            .is_none_or(|d| d == self.scenario.digest)
    }

    pub fn source_matches(&self) -> bool {
        self.source_digest == self.scenario.digest
    }

    /// One line describing an event, for the event log (plain text, unescaped).
    pub fn summary(&self, e: &Event) -> String {
        use super::text::iso;
        let with_effects = |head: String,
                            effects: &BTreeMap<Arc<str>, i64>,
                            set: &[Arc<str>],
                            clear: &[Arc<str>]| {
            let mut line = head;
            let fx = self.effects_text(effects);
            if !fx.is_empty() {
                line.push_str(&format!("; {fx}"));
            }
            let flags = self.flags_text(set, clear);
            if !flags.is_empty() {
                line.push_str(&format!("; {flags}"));
            }
            line
        };
        match &e.body {
            EventBody::SessionCreated {
                scenario,
                title,
                seed,
                max_turns,
                ..
            } => {
                let seed = seed.map_or("hidden".to_string(), |s| s.to_string());
                format!(
                    "Session \u{201c}{}\u{201d} created from scenario {scenario} (seed {seed}, up to {max_turns} turns)",
                    one_line(title)
                )
            }
            EventBody::PlayerJoined {
                player,
                team,
                name,
                seat,
            } => format!(
                "{} ({player}) joined {} in seat {seat}",
                one_line(name),
                self.team_name(team)
            ),
            EventBody::PhaseChanged { from, lapsed, .. } => {
                let mut line = format!("Phase {from} \u{2192} {}", e.phase);
                if !lapsed.is_empty() {
                    let names: Vec<&str> = lapsed.iter().map(|f| self.flag_name(f)).collect();
                    line.push_str(&format!("; lapsed: {}", names.join(", ")));
                }
                line
            }
            EventBody::ChoicesSubmitted {
                team,
                choices,
                cost,
                revision,
                redacted,
            } => {
                if *redacted {
                    return format!("{} submitted (redacted)", self.team_name(team));
                }
                let picked: Vec<&str> = choices.iter().map(|c| c.option.as_str()).collect();
                format!(
                    "{} submitted {} (cost {}, revision {})",
                    self.team_name(team),
                    if picked.is_empty() {
                        "no choices".to_string()
                    } else {
                        picked.join(", ")
                    },
                    cost.unwrap_or(0),
                    revision.unwrap_or(1)
                )
            }
            EventBody::EventInjected { inject: i } => with_effects(
                format!(
                    "Inject {} \u{201c}{}\u{201d} ({}; to {})",
                    i.id,
                    one_line(&i.title),
                    self.inject_origin(i),
                    self.recipients(&i.to)
                ),
                &i.effects,
                &i.set,
                &i.clear,
            ),
            EventBody::ScriptSkipped { script } => format!("Scripted inject {script} skipped"),
            EventBody::DiceRolled { rolled: d, .. } => {
                let mut line = format!(
                    "{} {} ({}): roll {} against {} \u{2192} {}",
                    d.choice,
                    d.option,
                    self.team_name(&d.team),
                    d.roll,
                    d.target,
                    d.result.as_str()
                );
                if let Some(x) = &d.detection {
                    line.push_str(&format!(
                        "; detection roll {} against {} \u{2192} {}",
                        x.roll,
                        x.target,
                        if x.detected { "detected" } else { "undetected" }
                    ));
                }
                line
            }
            EventBody::OutcomeOverridden {
                choice,
                result,
                previous,
                note,
                ..
            } => format!(
                "{choice} overridden: {} \u{2192} {} (note: {})",
                previous.as_str(),
                result.as_str(),
                one_line(note)
            ),
            EventBody::ChoiceResolved(x) => with_effects(
                format!(
                    "{} {} ({}) published: {}{}",
                    x.choice,
                    x.option,
                    self.team_name(&x.team),
                    x.result.as_str(),
                    if x.overridden { " (overridden)" } else { "" }
                ),
                &x.effects,
                &x.set,
                &x.clear,
            ),
            EventBody::TriggerFired { trigger, event } => {
                format!("Trigger {trigger} fired: {}", self.event_title(event))
            }
            EventBody::NoteAdded { text, public } => format!(
                "{} note: {}",
                if *public { "Public" } else { "Private" },
                one_line(text)
            ),
            EventBody::TimerSet {
                seconds, deadline, ..
            } => match deadline {
                Some(d) => format!("Timer set: {seconds} s, until {}", iso(*d)),
                None => "Timer cleared".to_string(),
            },
            EventBody::TimerExpired {} => "Timer expired".to_string(),
            EventBody::SessionEnded {
                reason,
                title,
                text,
            } => format!(
                "Session ended ({reason}): {}. {}",
                one_line(title),
                one_line(text)
            ),
            EventBody::MessagePosted {
                channel,
                text,
                from,
            } => {
                let who = from
                    .as_
                    .as_deref()
                    .or(from.name.as_deref())
                    .or(from.team.as_deref())
                    .unwrap_or("White Cell");
                format!("Message in {channel} from {who}: {}", one_line(text))
            }
            EventBody::ChannelChanged { channel, open, .. } => format!(
                "Channel {channel} {}",
                if *open { "opened" } else { "closed" }
            ),
            EventBody::AgreementProposed(p) => format!(
                "Agreement {} proposed by {} to {}: {}",
                p.agreement,
                p.from,
                p.to.join(", "),
                one_line(&p.title)
            ),
            EventBody::AgreementResponded(r) => format!(
                "Agreement {} {} by {}",
                r.agreement,
                if r.accept { "accepted" } else { "rejected" },
                r.team
            ),
            EventBody::AgreementResolved(r) => {
                format!("Agreement {} resolved: {:?}", r.agreement, r.result)
            }
            EventBody::AgreementApplied(a) => with_effects(
                format!("Agreement {} applied: {}", a.agreement, one_line(&a.title)),
                &a.effects,
                &a.set,
                &a.clear,
            ),
        }
    }

    pub fn players_of<'s>(
        &'s self,
        team: &'s str,
    ) -> impl Iterator<Item = &'s crate::engine::Player> {
        self.state.players.iter().filter(move |p| p.team == team)
    }
}

/// "Turn 3", or "Lobby" for turn 0.
pub fn turn_label(turn: u32) -> String {
    if turn == 0 {
        "Lobby".to_string()
    } else {
        format!("Turn {turn}")
    }
}

/// Free text on one line: runs of whitespace (line breaks included) become one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn actor_player(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Team { player, .. } | Actor::Observer { player } => Some(player.clone()),
        _ => None,
    }
}

/// Sum over indicators of |change| / (max - min): how far a choice or inject moved the
/// board, with every indicator weighted by its own range.
pub fn swing(s: &Scenario, effects: &BTreeMap<Arc<str>, i64>) -> f64 {
    effects
        .iter()
        .filter_map(|(id, d)| {
            let ind = &s.indicators[s.indicator_index(id)?];
            let range = ind.max - ind.min;
            (range > 0).then(|| d.unsigned_abs() as f64 / range as f64)
        })
        .sum()
}

fn key_points(s: &Scenario, choices: &[ChoiceRecord], injects: &[InjectRecord]) -> Vec<KeyPoint> {
    let mut all: Vec<(u64, KeyPoint)> = choices
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.seq,
                KeyPoint {
                    kind: KeyKind::Choice(i),
                    swing: swing(s, &c.r.effects),
                },
            )
        })
        .chain(injects.iter().enumerate().map(|(i, x)| {
            (
                x.seq,
                KeyPoint {
                    kind: KeyKind::Inject(i),
                    swing: swing(s, &x.inject.effects),
                },
            )
        }))
        .filter(|(_, k)| k.swing > 0.0)
        .collect();
    all.sort_by(|a, b| b.1.swing.total_cmp(&a.1.swing).then(a.0.cmp(&b.0)));
    all.into_iter().take(KEY_POINTS).map(|(_, k)| k).collect()
}

/// The events with every player name replaced by "<Team name> seat <n>" (observers:
/// "Observer <n>"): in `player_joined`, in actors that carry a name instead of an id,
/// and as whole words in free text written during the session (the title, rationales,
/// notes, override notes, custom and scripted inject texts, the facilitator's ending
/// text), for names of at least [`MIN_SCRUB_NAME`] characters.
pub fn anonymize(s: &Scenario, events: &[Event]) -> Vec<Event> {
    let mut labels: Vec<(String, String)> = Vec::new(); // (name, label)
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for e in events {
        if let EventBody::PlayerJoined {
            player,
            team,
            name,
            seat,
        } = &e.body
        {
            ids.insert(player.clone());
            let label = match s.team_index(team) {
                Some(ix) => format!("{} seat {seat}", s.teams[ix].name),
                None if team == "observer" => format!("Observer {seat}"),
                None => format!("{team} seat {seat}"),
            };
            if !labels.iter().any(|(n, _)| n == name) {
                labels.push((name.clone(), label));
            }
        }
    }
    // Longest names first, so "Anna Maria" is replaced before "Anna".
    labels.sort_by(|a, b| {
        b.0.chars()
            .count()
            .cmp(&a.0.chars().count())
            .then(a.0.cmp(&b.0))
    });
    let scrubbed = |t: &str| -> Option<String> {
        let mut out: Option<String> = None;
        for (name, label) in &labels {
            let cur = out.as_deref().unwrap_or(t);
            if name.chars().count() >= MIN_SCRUB_NAME && cur.contains(name.as_str()) {
                let next = replace_words(cur, name, label);
                out = Some(next);
            }
        }
        out
    };
    let scrub = |t: &mut String| {
        if let Some(new) = scrubbed(t) {
            *t = new;
        }
    };
    let scrub_shared = |t: &mut Arc<str>| {
        if let Some(new) = scrubbed(t) {
            *t = Arc::from(new);
        }
    };
    let relabel = |p: &mut String| {
        if ids.contains(p.as_str()) {
            return;
        }
        if let Some((_, label)) = labels.iter().find(|(n, _)| n == p) {
            *p = label.clone();
        }
    };
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            match &mut e.actor {
                Actor::Team { player, .. } | Actor::Observer { player } => relabel(player),
                Actor::Facilitator | Actor::System => {}
            }
            match &mut e.body {
                EventBody::SessionCreated { title, .. } => scrub(title),
                EventBody::PlayerJoined { name, .. } => {
                    if let Some((_, label)) = labels.iter().find(|(n, _)| n == name) {
                        *name = label.clone();
                    }
                }
                EventBody::ChoicesSubmitted { choices, .. } => {
                    choices
                        .iter_mut()
                        .for_each(|c| scrub_shared(&mut c.rationale));
                }
                // Catalog, trigger and follow-on injects are the scenario's own words;
                // custom and scripted ones may carry the facilitator's.
                EventBody::EventInjected { inject } if inject.custom || inject.script.is_some() => {
                    scrub_shared(&mut inject.title);
                    scrub_shared(&mut inject.text);
                }
                EventBody::DiceRolled { rolled, .. } => {
                    scrub_shared(&mut rolled.rationale);
                    if let Some(o) = &mut rolled.overridden {
                        scrub(&mut o.note);
                    }
                }
                EventBody::OutcomeOverridden { note, .. } => scrub(note),
                EventBody::ChoiceResolved(r) => {
                    if let Some(t) = &mut r.rationale {
                        scrub_shared(t);
                    }
                    if let Some(t) = &mut r.note {
                        scrub(t);
                    }
                }
                EventBody::NoteAdded { text, .. } => scrub(text),
                EventBody::SessionEnded { reason, text, .. } if reason == "facilitator" => {
                    scrub(text)
                }
                // Players write messages and custom agreements, and name each other.
                EventBody::MessagePosted { text, from, .. } => {
                    scrub(text);
                    if let Some(p) = &mut from.player {
                        relabel(p);
                    }
                    if let Some(name) = &mut from.name
                        && let Some((_, label)) = labels.iter().find(|(n, _)| n == name)
                    {
                        *name = label.clone();
                    }
                }
                EventBody::AgreementProposed(p) if p.template.is_none() => {
                    scrub(&mut p.title);
                    scrub(&mut p.text);
                }
                EventBody::AgreementResponded(crate::engine::Answer { note: Some(n), .. })
                | EventBody::AgreementResolved(crate::engine::Settlement {
                    note: Some(n), ..
                }) => scrub(n),
                EventBody::EventInjected { .. }
                | EventBody::SessionEnded { .. }
                | EventBody::PhaseChanged { .. }
                | EventBody::ScriptSkipped { .. }
                | EventBody::TriggerFired { .. }
                | EventBody::TimerSet { .. }
                | EventBody::TimerExpired {}
                | EventBody::ChannelChanged { .. }
                | EventBody::AgreementProposed(_)
                | EventBody::AgreementResponded(_)
                | EventBody::AgreementResolved(_)
                | EventBody::AgreementApplied(_) => {}
            }
            e
        })
        .collect()
}

/// Replaces `word` where it stands as a whole word (not inside a longer word).
fn replace_words(text: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(pos) = rest.find(word) {
        let before = rest[..pos].chars().next_back().or(prev);
        let after = rest[pos + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        out.push_str(&rest[..pos]);
        if boundary(before) && boundary(after) {
            out.push_str(with);
        } else {
            out.push_str(word);
        }
        prev = word.chars().next_back();
        rest = &rest[pos + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::replace_words;

    #[test]
    fn whole_words_only() {
        assert_eq!(
            replace_words("Anna, Annabel and Anna.", "Anna", "X"),
            "X, Annabel and X."
        );
        assert_eq!(replace_words("JoAnna Anna", "Anna", "X"), "JoAnna X");
        assert_eq!(replace_words("AnnaAnna", "Anna", "X"), "AnnaAnna");
    }
}
