//! `[[debrief]]`: the hot-wash survey every seat answers after the end. Without
//! one, the default set of [`default_debrief`] (HSEEP's participant feedback).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::Compiler;
use crate::scenario::format::RawScenario;
use crate::scenario::model::{DebriefQuestion, QuestionKind, default_debrief};

/// Most questions a survey may ask (a hot-wash is short).
const MAX_QUESTIONS: usize = 20;
/// Longest question text, in characters.
const MAX_QUESTION_TEXT: usize = 500;
/// Most options a `choice` question may offer, and the longest one.
const MAX_OPTIONS: usize = 12;
const MAX_OPTION_TEXT: usize = 120;

impl Compiler<'_> {
    /// The survey: ids unique, a known kind, a text, and options for (and only for)
    /// `choice` questions, each distinct and not blank.
    pub(super) fn debrief(&mut self, raw: &RawScenario) -> Vec<DebriefQuestion> {
        if raw.debrief.is_empty() {
            return default_debrief();
        }
        if raw.debrief.len() > MAX_QUESTIONS {
            self.problem(
                Some(raw.debrief[MAX_QUESTIONS].id.span()),
                "debrief",
                format!(
                    "a debrief asks at most {MAX_QUESTIONS} questions, not {}",
                    raw.debrief.len()
                ),
            );
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for q in &raw.debrief {
            let path = format!("debrief[{}]", q.id.get_ref());
            let span = Some(q.id.span());
            self.check_id(&q.id, &path, &mut seen);
            let text = q.text.trim();
            if text.is_empty() {
                self.problem(
                    span.clone(),
                    format!("{path}.text"),
                    "a question needs the text players read",
                );
            } else if text.chars().count() > MAX_QUESTION_TEXT {
                self.problem(
                    span.clone(),
                    format!("{path}.text"),
                    format!("a question is at most {MAX_QUESTION_TEXT} characters long"),
                );
            }
            let Some(kind) = QuestionKind::parse(q.kind.trim()) else {
                self.problem(
                    span.clone(),
                    format!("{path}.kind"),
                    format!(
                        "unknown kind `{}`: use `scale` (1-5), `choice` (with options) or `text`",
                        q.kind
                    ),
                );
                continue;
            };
            let mut options: Vec<String> = Vec::new();
            match kind {
                QuestionKind::Choice if q.options.len() < 2 => self.problem(
                    span.clone(),
                    format!("{path}.options"),
                    "a `choice` question needs at least two options to choose from",
                ),
                QuestionKind::Choice => {
                    if q.options.len() > MAX_OPTIONS {
                        self.problem(
                            span.clone(),
                            format!("{path}.options"),
                            format!("a question offers at most {MAX_OPTIONS} options"),
                        );
                    }
                    for o in &q.options {
                        let o = o.trim();
                        if o.is_empty() || o.chars().count() > MAX_OPTION_TEXT {
                            self.problem(
                                span.clone(),
                                format!("{path}.options"),
                                format!(
                                    "an option must be 1-{MAX_OPTION_TEXT} characters long, not blank"
                                ),
                            );
                        } else if options.iter().any(|x| x == o) {
                            self.problem(
                                span.clone(),
                                format!("{path}.options"),
                                format!("the option “{o}” is listed twice"),
                            );
                        } else {
                            options.push(o.to_string());
                        }
                    }
                }
                _ if !q.options.is_empty() => self.problem(
                    span.clone(),
                    format!("{path}.options"),
                    format!(
                        "only `choice` questions have options; this one is `{}`",
                        kind.as_str()
                    ),
                ),
                _ => {}
            }
            out.push(DebriefQuestion {
                id: Arc::from(q.id.get_ref().as_str()),
                text: text.to_string(),
                kind,
                options,
            });
        }
        out
    }
}
