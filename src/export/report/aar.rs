//! The report's HSEEP analysis, read from the final state: per objective, whether
//! it was met, the White Cell's strengths and areas for improvement tagged to it,
//! and the published choices and injects that moved what it depends on; the other
//! observations; the improvement plan's objectives in words.

use super::Report;
use crate::engine::{Note, NoteCategory, Subject, subject};
use crate::scenario::Condition;

/// One objective in the analysis.
pub struct ObjectiveAnalysis<'r> {
    pub team: usize,
    pub objective: usize,
    /// `team:objective`, as notes and plan items name it.
    pub id: String,
    /// Whether it holds on the final (true) board.
    pub met: bool,
    pub strengths: Vec<&'r Note>,
    pub improvements: Vec<&'r Note>,
    /// Indexes into `Report::choices` and `Report::injects` whose effects moved an
    /// indicator, or set or cleared a flag, that the objective's conditions name.
    pub choices: Vec<usize>,
    pub injects: Vec<usize>,
}

impl Report<'_> {
    /// Every team's objectives, in scenario order, with what bears on them.
    pub fn analysis(&self) -> Vec<ObjectiveAnalysis<'_>> {
        let s = self.scenario;
        let mut out = Vec::new();
        for t in &self.objectives {
            let team = &s.teams[t.team];
            for (k, (o, met)) in team.objectives.iter().zip(&t.met).enumerate() {
                let id = format!("{}:{}", team.id, o.id);
                let tagged = |c: NoteCategory| -> Vec<&Note> {
                    self.state
                        .notes
                        .iter()
                        .filter(|n| n.category == c && n.about.as_deref() == Some(id.as_str()))
                        .collect()
                };
                let moves = |effects: &std::collections::BTreeMap<std::sync::Arc<str>, i64>,
                             set: &[std::sync::Arc<str>],
                             clear: &[std::sync::Arc<str>]| {
                    o.when.iter().any(|c| match c {
                        Condition::Compare { id, .. } => effects.keys().any(|k| **k == **id),
                        Condition::Flag { id, .. } => set.iter().chain(clear).any(|f| **f == **id),
                    })
                };
                out.push(ObjectiveAnalysis {
                    team: t.team,
                    objective: k,
                    strengths: tagged(NoteCategory::Strength),
                    improvements: tagged(NoteCategory::Improvement),
                    choices: (0..self.choices.len())
                        .filter(|i| {
                            let r = &self.choices[*i].r;
                            moves(&r.effects, &r.set, &r.clear)
                        })
                        .collect(),
                    injects: (0..self.injects.len())
                        .filter(|i| {
                            let x = &self.injects[*i].inject;
                            moves(&x.effects, &x.set, &x.clear)
                        })
                        .collect(),
                    id,
                    met: *met,
                });
            }
        }
        out
    }

    /// Strengths and areas for improvement not tagged to an objective: untagged, or
    /// about an inject or a choice. Oldest first.
    pub fn observations(&self) -> Vec<&Note> {
        self.state
            .notes
            .iter()
            .filter(|n| !n.category.is_note())
            .filter(|n| {
                !n.about
                    .as_deref()
                    .and_then(|a| subject(&self.state, a))
                    .is_some_and(|s| matches!(s, Subject::Objective(..)))
            })
            .collect()
    }

    /// What a note or plan item is about, in words: "Belarus objective: ...",
    /// "inject i12 “...”", "decision t1-belarus-1 (Belarus: ...)"; the id itself
    /// when it names nothing this session has.
    pub fn subject_label(&self, about: &str) -> String {
        let s = self.scenario;
        match subject(&self.state, about) {
            Some(Subject::Objective(t, k)) => format!(
                "{} objective {}",
                s.teams[t].name, s.teams[t].objectives[k].id
            ),
            Some(Subject::Inject(i)) => format!("inject {} \u{201c}{}\u{201d}", i.id, i.title),
            Some(Subject::Choice(r)) => format!(
                "decision {} ({}: {})",
                r.choice,
                self.team_name(&r.team),
                r.title
            ),
            None => about.to_string(),
        }
    }

    /// A note's category in words.
    pub fn category_word(c: NoteCategory) -> &'static str {
        match c {
            NoteCategory::Note => "note",
            NoteCategory::Strength => "strength",
            NoteCategory::Improvement => "area for improvement",
        }
    }
}
