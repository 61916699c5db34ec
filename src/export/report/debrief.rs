//! The hot-wash's answers as the report shows them: per question, the counts of a
//! scale or choice and the texts, and one row per answer for the spreadsheets.
//! Built from the final state, whose responses carry no name when the session's
//! debrief was anonymous.

use std::borrow::Cow;

use crate::engine::{AnswerValue, Event, EventBody, State};
use crate::scenario::{DebriefQuestion, QuestionKind, SCALE};

/// The debrief section of the report.
pub struct DebriefReport {
    pub anonymous: bool,
    pub closed: bool,
    /// Players and observers seated.
    pub seated: usize,
    /// How many answered.
    pub respondents: usize,
    pub questions: Vec<QuestionReport>,
    /// Every answer, response by response (for the CSV and the XLSX sheet).
    pub rows: Vec<AnswerRow>,
}

/// One question with what its answers add up to.
pub struct QuestionReport {
    pub question: DebriefQuestion,
    /// How many respondents answered it.
    pub answered: usize,
    /// A scale's counts of 1 to 5, a choice's count per option (in order).
    pub counts: Vec<(String, usize)>,
    /// A scale's mean answer.
    pub mean: Option<f64>,
    /// A text question's answers, in the order given.
    pub texts: Vec<TextAnswer>,
}

/// A free-text answer and, unless anonymous, who gave it.
pub struct TextAnswer {
    pub text: String,
    /// (name, team id or "observer"); `None` when the debrief was anonymous.
    pub by: Option<(String, String)>,
}

/// One answer: the response it belongs to (1-based, in the order received), who
/// gave it (unless anonymous), the question and the value as text.
pub struct AnswerRow {
    pub response: usize,
    pub by: Option<(String, String)>,
    pub question: String,
    pub value: String,
}

impl DebriefReport {
    /// Nobody answered and the White Cell never closed it: formats show nothing.
    pub fn is_empty(&self) -> bool {
        self.respondents == 0 && !self.closed
    }

    pub fn of(state: &State) -> DebriefReport {
        let d = &state.debrief;
        let mut questions: Vec<QuestionReport> = state
            .scenario
            .debrief
            .iter()
            .map(|q| QuestionReport {
                counts: match q.kind {
                    QuestionKind::Scale => {
                        (SCALE.0..=SCALE.1).map(|n| (n.to_string(), 0)).collect()
                    }
                    QuestionKind::Choice => q.options.iter().map(|o| (o.clone(), 0)).collect(),
                    QuestionKind::Text => Vec::new(),
                },
                question: q.clone(),
                answered: 0,
                mean: None,
                texts: Vec::new(),
            })
            .collect();
        let mut rows = Vec::new();
        let mut sums = vec![0i64; questions.len()];
        for (i, r) in d.responses.iter().enumerate() {
            let by = r.name.clone().zip(r.team.clone());
            for a in &r.answers {
                let value = match &a.value {
                    AnswerValue::Number(n) => n.to_string(),
                    AnswerValue::Text(t) => t.clone(),
                };
                rows.push(AnswerRow {
                    response: i + 1,
                    by: by.clone(),
                    question: a.question.clone(),
                    value: value.clone(),
                });
                let Some(qi) = questions.iter().position(|q| *q.question.id == *a.question) else {
                    continue;
                };
                let q = &mut questions[qi];
                q.answered += 1;
                match q.question.kind {
                    QuestionKind::Scale | QuestionKind::Choice => {
                        if let AnswerValue::Number(n) = &a.value {
                            sums[qi] += n;
                        }
                        if let Some(c) = q.counts.iter_mut().find(|(label, _)| *label == value) {
                            c.1 += 1;
                        }
                    }
                    QuestionKind::Text => q.texts.push(TextAnswer {
                        text: value,
                        by: by.clone(),
                    }),
                }
            }
        }
        for (q, sum) in questions.iter_mut().zip(sums) {
            if q.question.kind == QuestionKind::Scale && q.answered > 0 {
                q.mean = Some(sum as f64 / q.answered as f64);
            }
        }
        DebriefReport {
            anonymous: state.anonymous_debrief,
            closed: d.closed,
            seated: state.players.len(),
            respondents: d.responses.len(),
            questions,
            rows,
        }
    }
}

/// The events without `debrief_respondent` records: who answered an anonymous
/// debrief appears in no export.
pub fn without_respondents(events: Cow<'_, [Event]>) -> Cow<'_, [Event]> {
    let respondent = |e: &Event| matches!(e.body, EventBody::DebriefRespondent { .. });
    if !events.iter().any(respondent) {
        return events;
    }
    Cow::Owned(events.iter().filter(|e| !respondent(e)).cloned().collect())
}
