//! The report's participant feedback (the hot-wash survey) in every format: scales
//! and choices as counts (SVG bar charts in the HTML), texts grouped by question, and
//! one row per answer in the CSV (`table=debrief`) and the XLSX sheet "Debrief".
//! Each format shows nothing while nobody has answered and the debrief is open, so
//! reports of sessions without a debrief are unchanged.

use serde::Serialize;

use super::csv::Table;
use super::report::{DebriefReport, QuestionReport, Report};
use super::text::{html, md, md_cell};
use crate::scenario::QuestionKind;

/// Who gave an answer, as a person reads it: "Name (Team)", or nothing when anonymous.
fn by_label(r: &Report, by: &Option<(String, String)>) -> Option<String> {
    by.as_ref()
        .map(|(name, team)| format!("{name} ({})", r.team_name(team)))
}

fn mean_text(q: &QuestionReport) -> String {
    match q.mean {
        Some(m) => format!("mean {m:.1} of 5"),
        None => "no answers".to_string(),
    }
}

fn intro(d: &DebriefReport) -> String {
    format!(
        "{} of {} seated players and observers answered{}. The debrief is {}.",
        d.respondents,
        d.seated,
        if d.anonymous {
            "; answers were given anonymously"
        } else {
            ""
        },
        if d.closed { "closed" } else { "still open" }
    )
}

/// Markdown: "Appendix B: Participant feedback" of the HSEEP-shaped report.
pub fn markdown(r: &Report, o: &mut String) {
    let d = &r.debrief;
    o.push_str("## Appendix B: Participant feedback\n\n");
    if d.is_empty() {
        o.push_str("No participant feedback was collected in the tool.\n\n");
        return;
    }
    o.push_str(&intro(d));
    o.push_str("\n\n");
    for q in &d.questions {
        o.push_str(&format!("### {}\n\n", md_cell(&q.question.text)));
        match q.question.kind {
            QuestionKind::Scale | QuestionKind::Choice => {
                o.push_str("| Answer | Count |\n|---|---:|\n");
                for (label, n) in &q.counts {
                    o.push_str(&format!("| {} | {n} |\n", md_cell(label)));
                }
                o.push('\n');
                if q.question.kind == QuestionKind::Scale {
                    o.push_str(&format!("{} answers, {}.\n\n", q.answered, mean_text(q)));
                }
            }
            QuestionKind::Text if q.texts.is_empty() => o.push_str("No answers.\n\n"),
            QuestionKind::Text => {
                for t in &q.texts {
                    match by_label(r, &t.by) {
                        Some(by) => o.push_str(&format!("- **{}:** {}\n", md(&by), md(&t.text))),
                        None => o.push_str(&format!("- {}\n", md(&t.text))),
                    }
                }
                o.push('\n');
            }
        }
    }
}

/// A horizontal bar chart of one question's counts.
fn bars(id: &str, q: &QuestionReport) -> String {
    const W: f64 = 360.0;
    const ML: f64 = 120.0;
    const ROW: f64 = 24.0;
    let h = 12.0 + ROW * q.counts.len() as f64;
    let max = q.counts.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let mut o = format!(
        "<svg viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\" aria-labelledby=\"debrief-{id}\">\n<title id=\"debrief-{id}\">{}: answers counted</title>\n",
        html(&q.question.text)
    );
    for (i, (label, n)) in q.counts.iter().enumerate() {
        let y = 6.0 + ROW * i as f64;
        let w = (W - ML - 40.0) * (*n as f64) / max;
        let short: String = label.chars().take(18).collect();
        o.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d232b\">{}</text>\n<rect x=\"{ML}\" y=\"{y}\" width=\"{w:.1}\" height=\"16\" fill=\"#2f6f9f\"/>\n<text x=\"{nx:.1}\" y=\"{ty}\" font-size=\"12\" fill=\"#1d232b\">{n}</text>\n",
            html(&short),
            x = ML - 6.0,
            ty = y + 12.5,
            nx = ML + w + 4.0,
        ));
    }
    o.push_str("</svg>\n");
    o
}

/// HTML: the same section, with a bar chart per scale and choice.
pub fn html_section(r: &Report, o: &mut String) {
    let d = &r.debrief;
    o.push_str("<section id=\"debrief\">\n<h2>Appendix B: Participant feedback</h2>\n");
    if d.is_empty() {
        o.push_str(
            "<p class=\"sub\">No participant feedback was collected in the tool.</p>\n</section>\n",
        );
        return;
    }
    o.push_str(&format!("<p class=\"sub\">{}</p>\n", html(&intro(d))));
    for q in &d.questions {
        o.push_str(&format!("<h3>{}</h3>\n", html(&q.question.text)));
        match q.question.kind {
            QuestionKind::Scale | QuestionKind::Choice => {
                o.push_str("<figure>\n");
                o.push_str(&bars(&q.question.id, q));
                let caption = if q.question.kind == QuestionKind::Scale {
                    format!("{} answers, {}.", q.answered, mean_text(q))
                } else {
                    format!("{} answers.", q.answered)
                };
                o.push_str(&format!(
                    "<figcaption>{}</figcaption>\n</figure>\n",
                    html(&caption)
                ));
            }
            QuestionKind::Text if q.texts.is_empty() => o.push_str("<p>No answers.</p>\n"),
            QuestionKind::Text => {
                o.push_str("<ul>\n");
                for t in &q.texts {
                    match by_label(r, &t.by) {
                        Some(by) => o.push_str(&format!(
                            "<li><strong>{}:</strong> {}</li>\n",
                            html(&by),
                            html(&t.text)
                        )),
                        None => o.push_str(&format!("<li>{}</li>\n", html(&t.text))),
                    }
                }
                o.push_str("</ul>\n");
            }
        }
    }
    o.push_str("</section>\n");
}

const HEADER: [&str; 8] = [
    "session",
    "response",
    "name",
    "team",
    "question",
    "kind",
    "question_text",
    "answer",
];
const NUMERIC: [bool; 8] = [false, true, false, false, false, false, false, false];

/// The CSV `table=debrief` and the XLSX sheet: one row per answer. `name` and
/// `team` are empty when the debrief was anonymous.
pub fn table(r: &Report) -> Table {
    let d = &r.debrief;
    let rows = d
        .rows
        .iter()
        .map(|a| {
            let q = r.scenario.debrief_question(&a.question);
            let (name, team) = a.by.clone().unwrap_or_default();
            vec![
                r.meta.session_id.clone(),
                a.response.to_string(),
                name,
                team,
                a.question.clone(),
                q.map(|q| q.kind.as_str()).unwrap_or_default().to_string(),
                q.map(|q| q.text.clone()).unwrap_or_default(),
                a.value.clone(),
            ]
        })
        .collect();
    Table {
        name: "Debrief",
        header: &HEADER,
        numeric: &NUMERIC,
        rows,
    }
}

/// `debrief` of the JSON export (absent while nobody answered and it is open).
#[derive(Serialize)]
pub struct DebriefJson<'a> {
    anonymous: bool,
    closed: bool,
    seated: usize,
    respondents: usize,
    questions: Vec<QuestionJson<'a>>,
}

#[derive(Serialize)]
struct QuestionJson<'a> {
    id: &'a str,
    text: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    options: &'a [String],
    answered: usize,
    /// A scale's or choice's count per answer, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    counts: Vec<CountJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mean: Option<f64>,
    /// A text question's answers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answers: Vec<TextJson<'a>>,
}

#[derive(Serialize)]
struct CountJson<'a> {
    answer: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct TextJson<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
}

pub fn json<'a>(r: &'a Report) -> Option<DebriefJson<'a>> {
    let d = &r.debrief;
    if d.is_empty() {
        return None;
    }
    Some(DebriefJson {
        anonymous: d.anonymous,
        closed: d.closed,
        seated: d.seated,
        respondents: d.respondents,
        questions: d
            .questions
            .iter()
            .map(|q| QuestionJson {
                id: &q.question.id,
                text: &q.question.text,
                kind: q.question.kind.as_str(),
                options: &q.question.options,
                answered: q.answered,
                counts: q
                    .counts
                    .iter()
                    .map(|(answer, count)| CountJson {
                        answer,
                        count: *count,
                    })
                    .collect(),
                mean: q.mean.map(|m| (m * 100.0).round() / 100.0),
                answers: q
                    .texts
                    .iter()
                    .map(|t| TextJson {
                        text: &t.text,
                        name: t.by.as_ref().map(|b| b.0.as_str()),
                        team: t.by.as_ref().map(|b| b.1.as_str()),
                    })
                    .collect(),
            })
            .collect(),
    })
}
