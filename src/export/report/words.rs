//! The report in words: labels and one-line summaries every format prints (plain
//! text, unescaped; each format escapes them).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Report;
use crate::engine::{Actor, AppliedModifier, DraftChoice, Event, EventBody, Inject, Rolled};
use crate::export::text::{iso, signed};

impl Report<'_> {
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
            .map(|(i, d)| format!("{} {}", i.name, signed(d)))
            .collect();
        parts.extend(
            effects
                .iter()
                .filter(|(id, d)| **d != 0 && self.scenario.indicator_index(id).is_none())
                .map(|(id, d)| format!("{id} {}", signed(*d))),
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
            parts.push(format!("{}: {}", signed(m.delta), m.reason));
        }
        parts.push(format!("target {target}%"));
        parts
    }

    /// One line describing an event, for the event log (plain text, unescaped).
    pub fn summary(&self, e: &Event) -> String {
        match &e.body {
            EventBody::SessionCreated {
                scenario,
                title,
                seed,
                max_turns,
                forked_from,
                ..
            } => {
                let seed = seed.map_or("hidden".to_string(), |s| s.to_string());
                let fork = forked_from.as_ref().map_or(String::new(), |f| {
                    format!(
                        ", forked from session {} at turn {}",
                        one_line(&f.session),
                        f.turn
                    )
                });
                format!(
                    "Session \u{201c}{}\u{201d} created from scenario {scenario} (seed {seed}, up to {max_turns} turns{fork})",
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
                doctrine,
                ..
            } => {
                let line = self.submitted(team, choices, *cost, *revision, *redacted);
                match doctrine {
                    Some(d) => format!("{line} (bot, doctrine {d})"),
                    None => line,
                }
            }
            EventBody::BotSet {
                team,
                doctrine: Some(d),
                ..
            } => format!(
                "{} seat taken by a bot playing doctrine {d}",
                self.team_name(team)
            ),
            EventBody::BotSet { team, .. } => {
                format!("{} seat handed back from the bot", self.team_name(team))
            }
            EventBody::DraftEdited { team, choices, by } => {
                let picked: Vec<&str> = choices.iter().map(|c| c.option.as_str()).collect();
                format!(
                    "{}'s live draft edited by {by}: {}",
                    self.team_name(team),
                    if picked.is_empty() {
                        "no choices".to_string()
                    } else {
                        picked.join(", ")
                    }
                )
            }
            EventBody::LeadChanged { team, player } => {
                format!("{} is now led by {player}", self.team_name(team))
            }
            EventBody::DebriefSubmitted(d) => {
                let n = d.answers.len();
                let of = self.scenario.debrief.len();
                match (&d.name, &d.team) {
                    (Some(name), Some(team)) => format!(
                        "Debrief answered by {} ({}): {n} of {of} questions",
                        one_line(name),
                        self.team_name(team)
                    ),
                    _ => format!("Debrief answered anonymously: {n} of {of} questions"),
                }
            }
            EventBody::DebriefRespondent { .. } => "Debrief respondent recorded".to_string(),
            EventBody::DebriefClosed {} => "Debrief closed by the White Cell".to_string(),
            EventBody::OverrideUndone {
                choice,
                result,
                previous,
                ..
            } => format!(
                "{choice} override undone: {} \u{2192} {} (the dice's result stands)",
                previous.as_str(),
                result.as_str()
            ),
            EventBody::EventInjected { inject: i } => self.with_effects(
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
            EventBody::DiceRolled { rolled: d, .. } => self.rolled(d),
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
            EventBody::ChoiceResolved(x) => self.with_effects(
                format!(
                    "{} {} ({}) published: {}{}{}",
                    x.choice,
                    x.option,
                    self.team_name(&x.team),
                    x.result.as_str(),
                    if x.overridden { " (overridden)" } else { "" },
                    bot_mark(x.bot, x.doctrine.as_deref())
                ),
                &x.effects,
                &x.set,
                &x.clear,
            ),
            EventBody::TriggerFired { trigger, event } => {
                format!("Trigger {trigger} fired: {}", self.event_title(event))
            }
            EventBody::NoteAdded {
                text,
                public,
                category,
                about,
            } => {
                let kind = match (category, public) {
                    (crate::engine::NoteCategory::Strength, _) => "Strength",
                    (crate::engine::NoteCategory::Improvement, _) => "Area for improvement",
                    (_, true) => "Public note",
                    (_, false) => "Private note",
                };
                let about = about
                    .as_deref()
                    .map(|a| format!(" (about {a})"))
                    .unwrap_or_default();
                format!("{kind}{about}: {}", one_line(text))
            }
            EventBody::ReportInfoSet(info) => {
                let mut parts = Vec::new();
                for (label, v) in [
                    ("scope", &info.scope),
                    ("sponsor", &info.sponsor),
                    ("point of contact", &info.point_of_contact),
                ] {
                    match v.as_deref() {
                        Some("") => parts.push(format!("{label} cleared")),
                        Some(v) => parts.push(format!("{label}: {}", one_line(v))),
                        None => {}
                    }
                }
                format!("Report settings: {}", parts.join("; "))
            }
            EventBody::ConclusionSet { text } => format!("Conclusion: {}", one_line(text)),
            EventBody::PlanItemSet(p) => format!(
                "Improvement plan {}: {} \u{2192} {}",
                p.item,
                one_line(&p.issue),
                one_line(&p.recommendation)
            ),
            EventBody::PlanItemRemoved { item } => format!("Improvement plan {item} removed"),
            EventBody::TimerSet {
                seconds, deadline, ..
            } => match deadline {
                Some(d) => format!("Timer set: {seconds} s, until {}", iso(*d)),
                None => "Timer cleared".to_string(),
            },
            EventBody::TimerExpired {} => "Timer expired".to_string(),
            EventBody::MessagePosted {
                channel,
                text,
                from,
            } => format!(
                "Message in {channel} from {}: \u{201c}{}\u{201d}",
                one_line(&self.author(from)),
                one_line(text)
            ),
            EventBody::ChannelChanged { channel, open, .. } => format!(
                "Channel {channel} {}",
                if *open { "opened" } else { "closed" }
            ),
            EventBody::AgreementProposed(p) => format!(
                "Agreement {} proposed by {} to {}: {}",
                p.agreement,
                self.team_name(&p.from),
                self.team_names(&p.to),
                one_line(&p.title)
            ),
            EventBody::AgreementResponded(r) => {
                let mut line = format!(
                    "Agreement {} {} by {}",
                    r.agreement,
                    if r.accept { "accepted" } else { "rejected" },
                    self.team_name(&r.team)
                );
                if let Some(n) = r.note.as_deref().filter(|n| !n.trim().is_empty()) {
                    line.push_str(&format!(" (note: {})", one_line(n)));
                }
                line
            }
            EventBody::AgreementResolved(r) => {
                let mut line = format!(
                    "Agreement {} resolved: {}",
                    r.agreement,
                    super::result_word(r.result)
                );
                if let Some(n) = r.note.as_deref().filter(|n| !n.trim().is_empty()) {
                    line.push_str(&format!(" (note: {})", one_line(n)));
                }
                line
            }
            EventBody::AgreementApplied(a) => self.with_effects(
                format!("Agreement {} applied: {}", a.agreement, one_line(&a.title)),
                &a.effects,
                &a.set,
                &a.clear,
            ),
            EventBody::CovertRevealed {
                choice,
                team,
                title,
                effects,
                ..
            } => self.with_effects(
                format!(
                    "Covert choice {choice} \u{201c}{}\u{201d} ({}) revealed by the White Cell",
                    one_line(title),
                    self.team_name(team)
                ),
                effects,
                &[],
                &[],
            ),
            EventBody::SessionEnded {
                reason,
                title,
                text,
            } => format!(
                "Session ended ({reason}): {}. {}",
                one_line(title),
                one_line(text)
            ),
        }
    }

    /// `head`, then the indicator changes and flags, when there are any.
    fn with_effects(
        &self,
        head: String,
        effects: &BTreeMap<Arc<str>, i64>,
        set: &[Arc<str>],
        clear: &[Arc<str>],
    ) -> String {
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
    }

    fn submitted(
        &self,
        team: &str,
        choices: &[DraftChoice],
        cost: Option<u32>,
        revision: Option<u32>,
        redacted: bool,
    ) -> String {
        if redacted {
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

    fn rolled(&self, d: &Rolled) -> String {
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

/// " (bot choice, doctrine X)" for a bot's choice; empty for a person's.
pub fn bot_mark(bot: bool, doctrine: Option<&str>) -> String {
    match (bot, doctrine) {
        (false, _) => String::new(),
        (true, Some(d)) => format!(" (bot choice, doctrine {d})"),
        (true, None) => " (bot choice)".to_string(),
    }
}
