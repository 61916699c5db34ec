//! Anonymised exports: player names replaced by their seats, in the events themselves,
//! before anything is built from them.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::engine::{Actor, Event, EventBody};
use crate::scenario::Scenario;

/// Names shorter than this are not searched for in free text when anonymising
/// (a one- or two-letter name would match ordinary words).
pub const MIN_SCRUB_NAME: usize = 3;

/// The events with every player name replaced by "<Team name> seat <n>" (observers:
/// "Observer <n>"): in `player_joined`, in actors that carry a name instead of an id,
/// and as whole words in free text written during the session (the title, rationales,
/// notes, override notes, custom and scripted inject texts, the facilitator's ending
/// text, messages and the White Cell's character names, custom agreements and the
/// notes on answers and voids, debrief answers), for names of at least [`MIN_SCRUB_NAME`] characters.
pub fn anonymize(s: &Scenario, events: &[Event]) -> Vec<Event> {
    let names = Names::of(s, events);
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            names.scrub_event(&mut e);
            e
        })
        .collect()
}

/// Every name players joined with and the seat label that replaces it.
struct Names {
    /// (name, label), longest names first, so "Anna Maria" is replaced before "Anna".
    labels: Vec<(String, String)>,
    /// Player ids, which actors normally carry and which are left as they are.
    ids: BTreeSet<String>,
}

impl Names {
    fn of(s: &Scenario, events: &[Event]) -> Names {
        let mut labels: Vec<(String, String)> = Vec::new();
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
        labels.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then(a.0.cmp(&b.0))
        });
        Names { labels, ids }
    }

    fn label(&self, name: &str) -> Option<&String> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, label)| label)
    }

    /// Free text with every name long enough replaced; `None` when nothing changed.
    fn scrubbed(&self, t: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for (name, label) in &self.labels {
            let cur = out.as_deref().unwrap_or(t);
            if name.chars().count() >= MIN_SCRUB_NAME && cur.contains(name.as_str()) {
                out = Some(replace_words(cur, name, label));
            }
        }
        out
    }

    fn scrub(&self, t: &mut String) {
        if let Some(new) = self.scrubbed(t) {
            *t = new;
        }
    }

    fn scrub_shared(&self, t: &mut Arc<str>) {
        if let Some(new) = self.scrubbed(t) {
            *t = Arc::from(new);
        }
    }

    /// A name, as a whole, becomes its label (`player_joined`, actors carrying a name).
    fn relabel(&self, name: &mut String) {
        if let Some(label) = self.label(name) {
            *name = label.clone();
        }
    }

    fn scrub_event(&self, e: &mut Event) {
        match &mut e.actor {
            Actor::Team { player, .. } | Actor::Observer { player } => {
                if !self.ids.contains(player.as_str()) {
                    self.relabel(player);
                }
            }
            Actor::Facilitator | Actor::System => {}
        }
        match &mut e.body {
            EventBody::SessionCreated {
                title,
                scope,
                sponsor,
                point_of_contact,
                ..
            } => {
                self.scrub(title);
                for t in [scope, sponsor, point_of_contact].into_iter().flatten() {
                    self.scrub(t);
                }
            }
            EventBody::PlayerJoined { name, .. } => self.relabel(name),
            EventBody::ChoicesSubmitted { choices, .. }
            | EventBody::DraftEdited { choices, .. } => {
                choices
                    .iter_mut()
                    .for_each(|c| self.scrub_shared(&mut c.rationale));
            }
            // Catalog, trigger and follow-on injects are the scenario's own words;
            // custom and scripted ones may carry the facilitator's.
            EventBody::EventInjected { inject } if inject.custom || inject.script.is_some() => {
                self.scrub_shared(&mut inject.title);
                self.scrub_shared(&mut inject.text);
            }
            EventBody::DiceRolled { rolled, .. } => {
                self.scrub_shared(&mut rolled.rationale);
                if let Some(o) = &mut rolled.overridden {
                    self.scrub(&mut o.note);
                }
            }
            EventBody::OutcomeOverridden { note, .. } => self.scrub(note),
            EventBody::ChoiceResolved(r) => {
                if let Some(t) = &mut r.rationale {
                    self.scrub_shared(t);
                }
                if let Some(t) = &mut r.note {
                    self.scrub(t);
                }
            }
            // A debrief names its respondent (unless anonymous); players may name
            // each other in free-text answers.
            EventBody::DebriefSubmitted(r) => {
                if let Some(name) = &mut r.name {
                    self.relabel(name);
                }
                for a in &mut r.answers {
                    if let crate::engine::AnswerValue::Text(t) = &mut a.value {
                        self.scrub(t);
                    }
                }
            }
            EventBody::NoteAdded { text, .. } | EventBody::ConclusionSet { text } => {
                self.scrub(text)
            }
            EventBody::PlanItemSet(p) => {
                for t in [&mut p.issue, &mut p.recommendation, &mut p.owner] {
                    self.scrub(t);
                }
            }
            EventBody::ReportInfoSet(info) => {
                for t in [
                    &mut info.scope,
                    &mut info.sponsor,
                    &mut info.point_of_contact,
                ]
                .into_iter()
                .flatten()
                {
                    self.scrub(t);
                }
            }
            EventBody::SessionEnded { reason, text, .. } if reason == "facilitator" => {
                self.scrub(text)
            }
            // Players write messages and custom agreements, and name each other.
            EventBody::MessagePosted { text, from, .. } => {
                self.scrub(text);
                if let Some(p) = &mut from.player {
                    self.relabel(p);
                }
                if let Some(name) = &mut from.name {
                    self.relabel(name);
                }
                // The White Cell's character may be named after a player.
                if let Some(a) = &mut from.as_ {
                    self.scrub(a);
                }
            }
            EventBody::AgreementProposed(p) if p.template.is_none() => {
                self.scrub(&mut p.title);
                self.scrub(&mut p.text);
            }
            EventBody::AgreementResponded(crate::engine::Answer { note: Some(n), .. })
            | EventBody::AgreementResolved(crate::engine::Settlement { note: Some(n), .. }) => {
                self.scrub(n)
            }
            EventBody::EventInjected { .. }
            | EventBody::ChannelChanged { .. }
            | EventBody::AgreementProposed(_)
            | EventBody::AgreementResponded(_)
            | EventBody::AgreementResolved(_)
            | EventBody::AgreementApplied(_)
            | EventBody::SessionEnded { .. }
            | EventBody::PhaseChanged { .. }
            | EventBody::ScriptSkipped { .. }
            | EventBody::TriggerFired { .. }
            | EventBody::TimerSet { .. }
            | EventBody::TimerExpired {}
            | EventBody::CovertRevealed { .. }
            | EventBody::BotSet { .. }
            | EventBody::LeadChanged { .. }
            | EventBody::OverrideUndone { .. }
            | EventBody::DebriefRespondent { .. }
            | EventBody::DebriefClosed {} => {}
            EventBody::PlanItemRemoved { .. } => {}
        }
    }
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
