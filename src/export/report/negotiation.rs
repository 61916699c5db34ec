//! Negotiation in the report: each channel's transcript (messages, and the White
//! Cell opening and closing it) and every agreement with its answers, result and what
//! it did to the board, collected from the negotiation events as they are stored.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Report;
use crate::engine::{AgreementResult, Event, EventBody, Phase, Proposal, Speaker};
use crate::scenario::Scenario;

/// Everything negotiated in a session; empty when nobody negotiated.
#[derive(Default)]
pub struct Negotiation {
    /// Channels with at least one message or opening/closing, in scenario order
    /// (a channel the scenario lacks, when replayed against another version, last).
    pub channels: Vec<ChannelLog>,
    /// Every agreement proposed, in the order proposed.
    pub agreements: Vec<AgreementRecord>,
}

impl Negotiation {
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.agreements.is_empty()
    }

    /// Every message on every channel, in the order posted: (channel, entry).
    pub fn messages(&self) -> Vec<(&ChannelLog, &Entry, &str, &Speaker)> {
        let mut all: Vec<(&ChannelLog, &Entry, &str, &Speaker)> = self
            .channels
            .iter()
            .flat_map(|c| {
                c.entries.iter().filter_map(move |e| match &e.what {
                    EntryKind::Message { text, from } => Some((c, e, text.as_str(), from)),
                    EntryKind::Changed { .. } => None,
                })
            })
            .collect();
        all.sort_by_key(|(_, e, _, _)| e.seq);
        all
    }
}

/// One channel's transcript.
pub struct ChannelLog {
    pub id: Arc<str>,
    /// The scenario's name for it (its id when the scenario lacks it).
    pub name: String,
    pub members: Vec<Arc<str>>,
    pub public: bool,
    pub entries: Vec<Entry>,
}

/// A line of a transcript: when, and what.
pub struct Entry {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    /// The phase the session was in.
    pub phase: Phase,
    pub what: EntryKind,
}

pub enum EntryKind {
    Message {
        text: String,
        from: Speaker,
    },
    /// The White Cell opened or closed the channel, or handed it back to its
    /// schedule (`scheduled`; `open` is then what the schedule said).
    Changed {
        open: bool,
        scheduled: bool,
    },
}

/// An agreement, from its proposal to its application.
pub struct AgreementRecord {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub phase: Phase,
    pub proposal: Proposal,
    pub answers: Vec<AnswerRecord>,
    pub resolved: Option<ResolvedRecord>,
    pub applied: Option<AppliedRecord>,
}

pub struct AnswerRecord {
    pub seq: u64,
    pub at: i64,
    pub team: String,
    pub accept: bool,
    pub note: Option<String>,
}

pub struct ResolvedRecord {
    pub seq: u64,
    pub at: i64,
    pub result: AgreementResult,
    pub note: Option<String>,
}

/// What an accepted scenario agreement did at a publication of outcomes.
pub struct AppliedRecord {
    pub seq: u64,
    pub at: i64,
    /// The turn whose outcomes were being published.
    pub turn: u32,
    pub effects: BTreeMap<Arc<str>, i64>,
    pub set: Vec<Arc<str>>,
    pub clear: Vec<Arc<str>>,
}

/// Collects [`Negotiation`] event by event.
#[derive(Default)]
pub(super) struct Collector {
    /// Entries by channel id, channels in the order first seen.
    channels: Vec<(Arc<str>, Vec<Entry>)>,
    agreements: Vec<AgreementRecord>,
}

impl Collector {
    pub(super) fn event(&mut self, ev: &Event) {
        let entry = |what| Entry {
            seq: ev.seq,
            at: ev.at,
            turn: ev.turn,
            phase: ev.phase,
            what,
        };
        match &ev.body {
            EventBody::MessagePosted {
                channel,
                text,
                from,
            } => self.channel(channel).push(entry(EntryKind::Message {
                text: text.clone(),
                from: from.clone(),
            })),
            EventBody::ChannelChanged {
                channel,
                open,
                scheduled,
            } => self.channel(channel).push(entry(EntryKind::Changed {
                open: *open,
                scheduled: *scheduled,
            })),
            EventBody::AgreementProposed(p) => self.agreements.push(AgreementRecord {
                seq: ev.seq,
                at: ev.at,
                turn: ev.turn,
                phase: ev.phase,
                proposal: (**p).clone(),
                answers: Vec::new(),
                resolved: None,
                applied: None,
            }),
            EventBody::AgreementResponded(a) => {
                if let Some(x) = self.agreement(&a.agreement) {
                    x.answers.push(AnswerRecord {
                        seq: ev.seq,
                        at: ev.at,
                        team: a.team.clone(),
                        accept: a.accept,
                        note: a.note.clone(),
                    });
                }
            }
            EventBody::AgreementResolved(s) => {
                if let Some(x) = self.agreement(&s.agreement) {
                    x.resolved = Some(ResolvedRecord {
                        seq: ev.seq,
                        at: ev.at,
                        result: s.result,
                        note: s.note.clone(),
                    });
                }
            }
            EventBody::AgreementApplied(a) => {
                if let Some(x) = self.agreement(&a.agreement) {
                    x.applied = Some(AppliedRecord {
                        seq: ev.seq,
                        at: ev.at,
                        turn: ev.turn,
                        effects: a.effects.clone(),
                        set: a.set.clone(),
                        clear: a.clear.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    fn channel(&mut self, id: &Arc<str>) -> &mut Vec<Entry> {
        let ix = match self.channels.iter().position(|(c, _)| c == id) {
            Some(ix) => ix,
            None => {
                self.channels.push((id.clone(), Vec::new()));
                self.channels.len() - 1
            }
        };
        &mut self.channels[ix].1
    }

    fn agreement(&mut self, id: &str) -> Option<&mut AgreementRecord> {
        self.agreements
            .iter_mut()
            .find(|a| a.proposal.agreement == id)
    }

    pub(super) fn finish(mut self, s: &Scenario) -> Negotiation {
        let order = |id: &str| {
            s.channels
                .iter()
                .position(|c| &*c.id == id)
                .unwrap_or(usize::MAX)
        };
        self.channels.sort_by_key(|(id, _)| order(id));
        let channels = self
            .channels
            .into_iter()
            .map(|(id, entries)| match s.channel(&id) {
                Some(c) => ChannelLog {
                    name: c.name.clone(),
                    members: c.members.clone(),
                    public: c.public,
                    id,
                    entries,
                },
                None => ChannelLog {
                    name: id.to_string(),
                    members: Vec::new(),
                    public: false,
                    id,
                    entries,
                },
            })
            .collect();
        Negotiation {
            channels,
            agreements: self.agreements,
        }
    }
}

/// An agreement's result in words: `accepted`, `rejected`, `withdrawn`, `expired`,
/// `voided`.
pub fn result_word(r: AgreementResult) -> &'static str {
    match r {
        AgreementResult::Accepted => "accepted",
        AgreementResult::Rejected => "rejected",
        AgreementResult::Withdrawn => "withdrawn",
        AgreementResult::Expired => "expired",
        AgreementResult::Voided => "voided",
    }
}

impl Report<'_> {
    /// Who posted a message, in words: "Belarus: Anna", "White Cell", "White Cell as
    /// Kremlin spokesman".
    pub fn author(&self, from: &Speaker) -> String {
        match (&from.team, &from.as_) {
            (Some(team), _) => match from.name.as_deref().filter(|n| !n.is_empty()) {
                Some(name) => format!("{}: {name}", self.team_name(team)),
                None => self.team_name(team).to_string(),
            },
            (None, Some(as_)) => format!("White Cell as {as_}"),
            (None, None) => "White Cell".to_string(),
        }
    }

    /// A transcript's line for the White Cell opening or closing a channel.
    pub fn channel_change(open: bool, scheduled: bool) -> &'static str {
        match (scheduled, open) {
            (false, true) => "The White Cell opened the channel.",
            (false, false) => "The White Cell closed the channel.",
            (true, true) => "The White Cell handed the channel back to its schedule (open now).",
            (true, false) => "The White Cell handed the channel back to its schedule (closed now).",
        }
    }

    /// Team names joined: "Belarus, Russia".
    pub fn team_names(&self, teams: &[impl AsRef<str>]) -> String {
        let names: Vec<&str> = teams.iter().map(|t| self.team_name(t.as_ref())).collect();
        names.join(", ")
    }

    /// A channel's heading: "Belarus – Russia (Belarus, Russia)", "All teams
    /// (public: Belarus, ...)".
    pub fn channel_heading(&self, c: &ChannelLog) -> String {
        let members = self.team_names(&c.members);
        match (c.public, members.is_empty()) {
            (true, true) => format!("{} (public)", c.name),
            (true, false) => format!("{} (public: {members})", c.name),
            (false, true) => c.name.clone(),
            (false, false) => format!("{} ({members})", c.name),
        }
    }

    /// "Turn 1 · decision · 27 Nov 09:13" (the time in the session's zone).
    pub fn when(&self, turn: u32, phase: Phase, at: i64) -> String {
        format!(
            "{} · {} · {}",
            super::turn_label(turn),
            phase,
            self.zone.short(at)
        )
    }

    /// "template kyiv_west_intelligence" or "custom".
    pub fn agreement_kind(&self, a: &AgreementRecord) -> String {
        match &a.proposal.template {
            Some(t) => format!("template {t}"),
            None => "custom".to_string(),
        }
    }

    /// Each party's answer: "NATO / West accepted; Ukraine rejected: note"; the
    /// proposer is "proposer", a party that never answered "no answer".
    pub fn answers_text(&self, a: &AgreementRecord) -> String {
        let p = &a.proposal;
        let mut parts: Vec<String> = Vec::new();
        for team in &p.parties {
            let name = self.team_name(team);
            if *team == p.from {
                parts.push(format!("{name}: proposer"));
                continue;
            }
            match a.answers.iter().find(|x| x.team == *team) {
                Some(x) => {
                    let word = if x.accept { "accepted" } else { "rejected" };
                    match x.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                        Some(n) => parts.push(format!("{name}: {word} ({n})")),
                        None => parts.push(format!("{name}: {word}")),
                    }
                }
                None => parts.push(format!("{name}: no answer")),
            }
        }
        parts.join("; ")
    }

    /// The result in words: "accepted", "voided (note)", "open".
    pub fn agreement_result(&self, a: &AgreementRecord) -> String {
        match &a.resolved {
            Some(r) => match r.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => format!("{} ({n})", result_word(r.result)),
                None => result_word(r.result).to_string(),
            },
            None => "open".to_string(),
        }
    }

    /// When it changed the board: "at the publication of turn 1 outcomes, 27 Nov
    /// 09:20"; or why it did not.
    pub fn agreement_applied(&self, a: &AgreementRecord) -> String {
        if let Some(x) = &a.applied {
            return format!(
                "at the publication of turn {} outcomes, {}",
                x.turn,
                self.zone.short(x.at)
            );
        }
        match (&a.proposal.template, a.resolved.as_ref().map(|r| r.result)) {
            (None, _) => "never (a custom agreement is recorded only)".to_string(),
            (Some(_), Some(AgreementResult::Accepted)) => {
                "not yet (at the next publication of outcomes)".to_string()
            }
            (Some(_), _) => "no".to_string(),
        }
    }

    /// What it did to the board, in words; for a template never applied, its terms.
    pub fn agreement_effects(&self, a: &AgreementRecord) -> String {
        if let Some(x) = &a.applied {
            let parts: Vec<String> = [
                self.effects_text(&x.effects),
                self.flags_text(&x.set, &x.clear),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
            return if parts.is_empty() {
                "no change".to_string()
            } else {
                parts.join("; ")
            };
        }
        let Some(def) = a
            .proposal
            .template
            .as_deref()
            .and_then(|t| self.scenario.agreement(t))
        else {
            return "none".to_string();
        };
        let effects: BTreeMap<Arc<str>, i64> = def
            .effects
            .names
            .iter()
            .zip(&def.effects.deltas)
            .map(|(id, (_, d))| (Arc::from(id.as_str()), *d))
            .collect();
        let parts: Vec<String> = [
            self.effects_text(&effects),
            self.flags_text(&def.set.ids, &def.clear.ids),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
        if parts.is_empty() {
            "none".to_string()
        } else {
            format!("not applied; its terms: {}", parts.join("; "))
        }
    }
}
