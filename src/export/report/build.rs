//! Events -> [`Report`]: one pass over the events through `engine::evolve`. Nothing
//! here is computed apart from the engine: indicator values, odds, rolls and effects
//! are the ones the events carry or `evolve` reaches.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{
    BeliefRecord, ChoiceRecord, EndRecord, InjectRecord, KeyKind, KeyPoint, OverrideRecord, Report,
    Skipped, Submission, TeamObjectives, TriggerRecord, TurnReport, anonymize,
};
use crate::engine::{Actor, Event, EventBody, Resolution, Rolled, State, evolve};
use crate::export::{ExportOptions, SessionMeta, Zone};
use crate::scenario::Scenario;

/// How many key decision points the reports list.
pub const KEY_POINTS: usize = 5;

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
        let mut b = Builder::new(scenario);
        for ev in events.iter() {
            // Who answered an anonymous debrief is the engine's record alone: the
            // state takes it, no part of the report shows it.
            if let EventBody::DebriefRespondent { .. } = ev.body {
                evolve(&mut b.state, ev);
                continue;
            }
            b.event(ev);
        }
        let events = super::debrief::without_respondents(events);
        let debrief = super::debrief::DebriefReport::of(&b.state);
        b.file_unpublished();
        b.note_beliefs();
        let objectives = (0..scenario.teams.len())
            .filter(|t| !scenario.teams[*t].objectives.is_empty())
            .map(|t| TeamObjectives {
                team: t,
                met: crate::engine::objectives_met(scenario, &b.state.world, t),
                score: crate::engine::score_of(scenario, &b.state.world, t),
            })
            .collect();
        let key_points = key_points(scenario, &b.choices, &b.injects);
        let negotiation = b.negotiation.finish(scenario);
        Report {
            scenario,
            source,
            meta,
            anonymized: opts.anonymize,
            source_digest: hex::encode(Sha256::digest(source.as_bytes())),
            events,
            state: b.state,
            session_digest: b.session_digest,
            turns: b.turns,
            choices: b.choices,
            injects: b.injects,
            overrides: b.overrides,
            ending: b.ending,
            key_points,
            beliefs: b.beliefs,
            objectives,
            zone: b.zone,
            negotiation,
            debrief,
        }
    }
}

/// The report so far, and the state `evolve` has reached.
struct Builder<'s> {
    scenario: &'s Scenario,
    state: State,
    turns: Vec<TurnReport>,
    choices: Vec<ChoiceRecord>,
    injects: Vec<InjectRecord>,
    overrides: Vec<OverrideRecord>,
    /// Each choice's overrides, by choice id.
    override_ix: BTreeMap<Arc<str>, Vec<usize>>,
    /// Every roll, with its turn; those never published are filed at the end.
    rolled: Vec<(u32, Rolled)>,
    session_digest: Option<String>,
    ending: Option<EndRecord>,
    beliefs: Vec<BeliefRecord>,
    zone: Zone,
    negotiation: super::negotiation::Collector,
}

impl<'s> Builder<'s> {
    fn new(scenario: &'s Scenario) -> Builder<'s> {
        Builder {
            scenario,
            state: State::blank(Arc::new(scenario.clone())),
            turns: Vec::new(),
            choices: Vec::new(),
            injects: Vec::new(),
            overrides: Vec::new(),
            override_ix: BTreeMap::new(),
            rolled: Vec::new(),
            session_digest: None,
            ending: None,
            beliefs: Vec::new(),
            zone: Zone::utc(),
            negotiation: Default::default(),
        }
    }

    /// Files what each team believed as the current turn closes (fog), where it
    /// differs from the truth.
    fn note_beliefs(&mut self) {
        let turn = self.state.turn;
        if turn == 0 {
            return;
        }
        let Some(beliefs) = crate::engine::team_beliefs(&self.state) else {
            return;
        };
        for (team, board) in beliefs {
            let differences: Vec<(usize, i64, i64)> = self
                .scenario
                .indicators
                .iter()
                .enumerate()
                .filter_map(|(ix, ind)| {
                    let truth = self.state.world.indicators[ix];
                    let believed = board.get(&ind.id).copied().unwrap_or(truth);
                    (believed != truth).then_some((ix, believed, truth))
                })
                .collect();
            if !differences.is_empty() {
                self.beliefs.push(BeliefRecord {
                    turn,
                    team,
                    differences,
                });
            }
        }
    }

    fn event(&mut self, ev: &Event) {
        if self.turns.last().is_none_or(|t| t.turn != ev.turn) {
            self.note_beliefs();
            self.turns.push(TurnReport {
                turn: ev.turn,
                first_at: ev.at,
                last_at: ev.at,
                start: self.state.world.indicators.clone(),
                end: Vec::new(),
                injects: Vec::new(),
                submissions: (0..self.scenario.teams.len()).map(|_| None).collect(),
                choices: Vec::new(),
                unpublished: Vec::new(),
                overrides: Vec::new(),
                triggers: Vec::new(),
                skipped: Vec::new(),
                notes: Vec::new(),
            });
        }
        evolve(&mut self.state, ev);
        self.record(ev);
        if let Some(turn) = self.turns.last_mut() {
            turn.last_at = ev.at;
            turn.end.clone_from(&self.state.world.indicators);
        }
    }

    /// Files what the event says under its turn (the last one opened).
    fn record(&mut self, ev: &Event) {
        let Some(turn) = self.turns.last_mut() else {
            return;
        };
        let (seq, at) = (ev.seq, ev.at);
        match &ev.body {
            EventBody::SessionCreated {
                scenario_digest,
                time_zone,
                ..
            } => {
                self.session_digest = Some(scenario_digest.clone());
                // Checked when the session was created; a zone this build does
                // not know (an older time zone database) falls back to UTC.
                self.zone = time_zone
                    .as_deref()
                    .and_then(|z| Zone::parse(z).ok())
                    .unwrap_or_default();
            }
            EventBody::ChoicesSubmitted {
                team,
                choices,
                cost,
                revision,
                doctrine,
                ..
            } => {
                if let Some(ti) = self.scenario.team_index(team) {
                    turn.submissions[ti] = Some(Submission {
                        seq,
                        at,
                        by: actor_player(&ev.actor).unwrap_or_default(),
                        choices: choices.clone(),
                        cost: *cost,
                        revision: *revision,
                        doctrine: doctrine.clone(),
                    });
                }
            }
            EventBody::EventInjected { inject } => {
                turn.injects.push(self.injects.len());
                let inject = inject.clone();
                self.injects.push(InjectRecord { seq, at, inject });
            }
            EventBody::ScriptSkipped { script } => {
                let script = script.clone();
                turn.skipped.push(Skipped { seq, at, script });
            }
            EventBody::DiceRolled { rolled, .. } => self.rolled.push((ev.turn, rolled.clone())),
            EventBody::OutcomeOverridden {
                choice,
                team,
                option,
                result,
                previous,
                note,
            } => {
                let ix = self.overrides.len();
                self.override_ix.entry(choice.clone()).or_default().push(ix);
                turn.overrides.push(ix);
                self.overrides.push(OverrideRecord {
                    seq,
                    at,
                    turn: ev.turn,
                    choice: choice.clone(),
                    team: team.clone(),
                    option: option.clone(),
                    result: *result,
                    previous: *previous,
                    note: note.clone(),
                });
            }
            // An override taken back is part of the record: it shows as a return
            // to the dice's result.
            EventBody::OverrideUndone {
                choice,
                team,
                option,
                result,
                previous,
            } => {
                let ix = self.overrides.len();
                self.override_ix.entry(choice.clone()).or_default().push(ix);
                turn.overrides.push(ix);
                self.overrides.push(OverrideRecord {
                    seq,
                    at,
                    turn: ev.turn,
                    choice: choice.clone(),
                    team: team.clone(),
                    option: option.clone(),
                    result: *result,
                    previous: *previous,
                    note: "Override undone: the dice's result stands.".to_string(),
                });
            }
            // The live draft and leads are the team's working process, not the record
            // of what it submitted; the event log lists them.
            EventBody::DraftEdited { .. } | EventBody::LeadChanged { .. } => {}
            EventBody::ChoiceResolved(r) => self.resolved(ev, r),
            EventBody::TriggerFired { trigger, event } => turn.triggers.push(TriggerRecord {
                seq,
                trigger: trigger.clone(),
                event: event.clone(),
            }),
            EventBody::NoteAdded { .. } => {
                turn.notes.push(self.state.notes.len().saturating_sub(1));
            }
            EventBody::SessionEnded {
                reason,
                title,
                text,
            } => {
                self.ending = Some(EndRecord {
                    seq,
                    at,
                    turn: ev.turn,
                    reason: reason.clone(),
                    title: title.clone(),
                    text: text.clone(),
                })
            }
            // The debrief is gathered from the final state (`debrief.rs`).
            EventBody::DebriefSubmitted(_)
            | EventBody::DebriefRespondent { .. }
            | EventBody::DebriefClosed {} => {}
            EventBody::PlayerJoined { .. }
            | EventBody::PhaseChanged { .. }
            | EventBody::TimerSet { .. }
            | EventBody::TimerExpired {}
            | EventBody::CovertRevealed { .. }
            | EventBody::BotSet { .. } => {}
            // The after-action record is read from the final state.
            EventBody::ReportInfoSet(_)
            | EventBody::ConclusionSet { .. }
            | EventBody::PlanItemSet(_)
            | EventBody::PlanItemRemoved { .. } => {}
            EventBody::MessagePosted { .. }
            | EventBody::ChannelChanged { .. }
            | EventBody::AgreementProposed(_)
            | EventBody::AgreementResponded(_)
            | EventBody::AgreementResolved(_)
            | EventBody::AgreementApplied(_) => self.negotiation.event(ev),
        }
    }

    /// A published outcome, with who submitted it and its overrides so far.
    fn resolved(&mut self, ev: &Event, r: &Resolution) {
        let Some(turn) = self.turns.last_mut() else {
            return;
        };
        let submitted_by = self
            .scenario
            .team_index(&r.team)
            .and_then(|ti| turn.submissions[ti].as_ref())
            .map(|s| s.by.clone())
            .filter(|b| !b.is_empty());
        turn.choices.push(self.choices.len());
        self.choices.push(ChoiceRecord {
            seq: ev.seq,
            at: ev.at,
            turn: ev.turn,
            r: r.clone(),
            overrides: self.override_ix.get(&r.choice).cloned().unwrap_or_default(),
            submitted_by,
        });
    }

    /// Rolls that were never published, under the turn they were rolled in.
    fn file_unpublished(&mut self) {
        let published: BTreeSet<&str> = self.choices.iter().map(|c| &*c.r.choice).collect();
        for (t, r) in self.rolled.drain(..) {
            if published.contains(&*r.choice) {
                continue;
            }
            if let Some(turn) = self.turns.iter_mut().find(|x| x.turn == t) {
                turn.unpublished.push(r);
            }
        }
    }
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
