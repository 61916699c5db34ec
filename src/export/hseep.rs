//! The HSEEP parts of the after-action report in every format: the analysis of
//! objectives (strengths, areas for improvement, related decisions and injects),
//! the White Cell's conclusion, the improvement plan (Appendix A) and the place of
//! the participant feedback (Appendix B).

use serde::Serialize;

use super::csv::Table;
use super::report::{ObjectiveAnalysis, Report};
use super::text::{html, md, md_cell};
use crate::engine::{Note, PlanItem};

/// The objective a plan item serves, in words ("" when none).
fn objective_words(r: &Report, objective: Option<&str>) -> String {
    objective.map(|o| r.subject_label(o)).unwrap_or_default()
}

fn met_word(r: &Report, met: bool) -> &'static str {
    match (met, r.ending.is_some()) {
        (true, true) => "met",
        (false, true) => "not met",
        (true, false) => "met so far (the session has not ended)",
        (false, false) => "not met so far (the session has not ended)",
    }
}

// ---- Markdown ----

fn push(o: &mut String, line: &str) {
    o.push_str(line);
    o.push('\n');
}

fn md_note(r: &Report, n: &Note, with_subject: bool) -> String {
    let mut line = format!(
        "- {}, {}",
        super::report::turn_label(n.turn),
        r.zone.short(n.at)
    );
    if with_subject && let Some(a) = &n.about {
        line.push_str(&format!(", on {}", md(&r.subject_label(a))));
    }
    line.push_str(&format!(": {}", md(&n.text)));
    line
}

fn md_notes(r: &Report, o: &mut String, label: &str, notes: &[&Note], with_subject: bool) {
    if notes.is_empty() {
        push(o, &format!("**{label}:** none recorded.\n"));
        return;
    }
    push(o, &format!("**{label}:**\n"));
    for n in notes {
        push(o, &md_note(r, n, with_subject));
    }
    push(o, "");
}

/// "## Analysis of capabilities and objectives".
pub fn markdown_analysis(r: &Report, o: &mut String) {
    push(o, "## Analysis of capabilities and objectives\n");
    let analysis = r.analysis();
    if analysis.is_empty() {
        push(o, "The scenario sets no team objectives.\n");
    }
    for a in &analysis {
        let team = &r.scenario.teams[a.team];
        let obj = &team.objectives[a.objective];
        push(o, &format!("### {}: {}\n", md(&team.name), md(&obj.id)));
        push(o, &format!("- **Objective:** {}", md(&obj.text)));
        push(
            o,
            &format!(
                "- **Result:** {} (weight {})\n",
                met_word(r, a.met),
                obj.weight
            ),
        );
        md_notes(r, o, "Strengths", &a.strengths, false);
        md_notes(r, o, "Areas for improvement", &a.improvements, false);
        md_related(r, a, o);
    }
    super::v2::markdown_objectives(r, o);
    push(o, "### Other observations\n");
    push(
        o,
        "Strengths and areas for improvement not tied to an objective.\n",
    );
    let (strengths, improvements): (Vec<&Note>, Vec<&Note>) = r
        .observations()
        .into_iter()
        .partition(|n| n.category == crate::engine::NoteCategory::Strength);
    md_notes(r, o, "Strengths", &strengths, true);
    md_notes(r, o, "Areas for improvement", &improvements, true);
}

fn md_related(r: &Report, a: &ObjectiveAnalysis, o: &mut String) {
    if a.choices.is_empty() && a.injects.is_empty() {
        push(
            o,
            "**Related decisions and injects:** none moved what this objective depends on.\n",
        );
        return;
    }
    push(o, "**Related decisions and injects:**\n");
    for i in &a.choices {
        let c = &r.choices[*i];
        push(
            o,
            &format!(
                "- Turn {}, decision {} ({}: {}): {}; {}",
                c.turn,
                md(&c.r.choice),
                md(r.team_name(&c.r.team)),
                md(&c.r.title),
                c.r.result.as_str(),
                md(&r.effects_text(&c.r.effects))
            ),
        );
    }
    for i in &a.injects {
        let x = &r.injects[*i];
        push(
            o,
            &format!(
                "- Turn {}, inject {} ({}): {}",
                x.inject.turn,
                md(&x.inject.id),
                md(&x.inject.title),
                md(&r.effects_text(&x.inject.effects))
            ),
        );
    }
    push(o, "");
}

/// "## Conclusion": the White Cell's, then how the game ended.
pub fn markdown_conclusion(r: &Report, o: &mut String) {
    push(o, "## Conclusion\n");
    match &r.state.after_action.conclusion {
        Some(c) => push(o, &format!("{}\n", md(c))),
        None => push(o, "The White Cell has not written a conclusion.\n"),
    }
    push(o, "### How the game ended\n");
    match &r.ending {
        Some(e) => push(
            o,
            &format!(
                "**{}** ({}), turn {}, {}: {}\n",
                md(&e.title),
                md(&e.reason),
                e.turn,
                r.zone.short(e.at),
                md(&e.text)
            ),
        ),
        None => push(
            o,
            &format!(
                "The session has not ended; it is in turn {}, phase {}.\n",
                r.state.turn, r.state.phase
            ),
        ),
    }
}

/// "## Appendix A: Improvement plan" and the place of "Appendix B".
pub fn markdown_plan(r: &Report, o: &mut String) {
    push(o, "## Appendix A: Improvement plan\n");
    let plan = &r.state.after_action.plan;
    if plan.is_empty() {
        push(o, "The White Cell has not written an improvement plan.\n");
    } else {
        push(
            o,
            "| Item | Objective | Issue | Recommendation | Owner | Due |",
        );
        push(o, "|---|---|---|---|---|---|");
        for p in plan {
            push(
                o,
                &format!(
                    "| {} | {} | {} | {} | {} | {} |",
                    md_cell(&p.item),
                    md_cell(&objective_words(r, p.objective.as_deref())),
                    md_cell(&p.issue),
                    md_cell(&p.recommendation),
                    md_cell(&p.owner),
                    md_cell(&p.due)
                ),
            );
        }
        push(o, "");
    }
    // Appendix B: the participants' feedback (the debrief).
    super::debrief::markdown(r, o);
}

// ---- HTML ----

fn html_notes(r: &Report, o: &mut String, label: &str, notes: &[&Note], with_subject: bool) {
    o.push_str(&format!("<h4>{label}</h4>\n"));
    if notes.is_empty() {
        o.push_str("<p class=\"sub\">None recorded.</p>\n");
        return;
    }
    o.push_str("<ul>\n");
    for n in notes {
        let mut head = format!(
            "{}, {}",
            super::report::turn_label(n.turn),
            r.zone.short(n.at)
        );
        if with_subject && let Some(a) = &n.about {
            head.push_str(&format!(", on {}", html(&r.subject_label(a))));
        }
        o.push_str(&format!(
            "<li><span class=\"sub\">{head}</span><p class=\"text\">{}</p></li>\n",
            html(&n.text)
        ));
    }
    o.push_str("</ul>\n");
}

pub fn html_analysis(r: &Report, o: &mut String) {
    o.push_str("<section id=\"analysis\">\n<h2>Analysis of capabilities and objectives</h2>\n");
    let analysis = r.analysis();
    if analysis.is_empty() {
        o.push_str("<p class=\"sub\">The scenario sets no team objectives.</p>\n");
    }
    for a in &analysis {
        let team = &r.scenario.teams[a.team];
        let obj = &team.objectives[a.objective];
        o.push_str(&format!(
            "<div class=\"card objective\">\n<h3>{}: {}</h3>\n<p class=\"text\">{}</p>\n<p><span class=\"label\">Result:</span> {} <span class=\"sub\">(weight {})</span></p>\n",
            html(&team.name),
            html(&obj.id),
            html(&obj.text),
            met_word(r, a.met),
            obj.weight
        ));
        html_notes(r, o, "Strengths", &a.strengths, false);
        html_notes(r, o, "Areas for improvement", &a.improvements, false);
        o.push_str("<h4>Related decisions and injects</h4>\n");
        if a.choices.is_empty() && a.injects.is_empty() {
            o.push_str("<p class=\"sub\">None moved what this objective depends on.</p>\n");
        } else {
            o.push_str("<ul>\n");
            for i in &a.choices {
                let c = &r.choices[*i];
                o.push_str(&format!(
                    "<li>Turn {}, decision {} ({}: {}): {}; {}</li>\n",
                    c.turn,
                    html(&c.r.choice),
                    html(r.team_name(&c.r.team)),
                    html(&c.r.title),
                    c.r.result.as_str(),
                    html(&r.effects_text(&c.r.effects))
                ));
            }
            for i in &a.injects {
                let x = &r.injects[*i];
                o.push_str(&format!(
                    "<li>Turn {}, inject {} ({}): {}</li>\n",
                    x.inject.turn,
                    html(&x.inject.id),
                    html(&x.inject.title),
                    html(&r.effects_text(&x.inject.effects))
                ));
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</div>\n");
    }
    super::v2::html_objectives(r, o);
    o.push_str("<h3>Other observations</h3>\n<p class=\"sub\">Strengths and areas for improvement not tied to an objective.</p>\n");
    let (strengths, improvements): (Vec<&Note>, Vec<&Note>) = r
        .observations()
        .into_iter()
        .partition(|n| n.category == crate::engine::NoteCategory::Strength);
    html_notes(r, o, "Strengths", &strengths, true);
    html_notes(r, o, "Areas for improvement", &improvements, true);
    o.push_str("</section>\n");
}

pub fn html_conclusion(r: &Report, o: &mut String) {
    o.push_str("<section id=\"conclusion\">\n<h2>Conclusion</h2>\n");
    match &r.state.after_action.conclusion {
        Some(c) => o.push_str(&format!("<p class=\"text\">{}</p>\n", html(c))),
        None => o.push_str("<p class=\"sub\">The White Cell has not written a conclusion.</p>\n"),
    }
    o.push_str("<h3>How the game ended</h3>\n");
    match &r.ending {
        Some(e) => o.push_str(&format!(
            "<p><strong>{}</strong> <span class=\"sub\">({}), turn {}, {}</span></p>\n<p class=\"text\">{}</p>\n",
            html(&e.title),
            html(&e.reason),
            e.turn,
            r.zone.short(e.at),
            html(&e.text)
        )),
        None => o.push_str(&format!(
            "<p>The session has not ended; it is in turn {}, phase {}.</p>\n",
            r.state.turn, r.state.phase
        )),
    }
    o.push_str("</section>\n");
}

pub fn html_plan(r: &Report, o: &mut String) {
    o.push_str("<section id=\"improvement-plan\">\n<h2>Appendix A: Improvement plan</h2>\n");
    let plan = &r.state.after_action.plan;
    if plan.is_empty() {
        o.push_str("<p class=\"sub\">The White Cell has not written an improvement plan.</p>\n");
    } else {
        o.push_str("<div class=\"wide\"><table class=\"plan\">\n<thead><tr><th>Item</th><th>Objective</th><th>Issue</th><th>Recommendation</th><th>Owner</th><th>Due</th></tr></thead>\n<tbody>\n");
        for p in plan {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td class=\"t\">{}</td></tr>\n",
                html(&p.item),
                html(&objective_words(r, p.objective.as_deref())),
                html(&p.issue),
                html(&p.recommendation),
                html(&p.owner),
                html(&p.due)
            ));
        }
        o.push_str("</tbody>\n</table></div>\n");
    }
    o.push_str("</section>\n");
    // Appendix B: the participants' feedback (the debrief).
    super::debrief::html_section(r, o);
}

// ---- JSON ----

/// `report` of the JSON export: the White Cell's settings and the HSEEP analysis.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    scope: Option<&'a str>,
    sponsor: Option<&'a str>,
    point_of_contact: Option<&'a str>,
    analysis: Vec<AnalysisJson<'a>>,
    /// Strengths and areas for improvement not tied to an objective (seqs of `notes`).
    observations: Vec<u64>,
    conclusion: Option<&'a str>,
    improvement_plan: &'a [PlanItem],
}

#[derive(Serialize)]
struct AnalysisJson<'a> {
    objective: String,
    team: &'a str,
    id: &'a str,
    text: &'a str,
    weight: u32,
    met: bool,
    /// Seqs of the notes in `notes`.
    strengths: Vec<u64>,
    improvements: Vec<u64>,
    /// Related published choices (ids) and injects (ids).
    choices: Vec<&'a str>,
    injects: Vec<&'a str>,
}

pub fn json<'a>(r: &'a Report<'a>) -> ReportJson<'a> {
    let aar = &r.state.after_action;
    ReportJson {
        scope: aar.info.scope.as_deref(),
        sponsor: aar.info.sponsor.as_deref(),
        point_of_contact: aar.info.point_of_contact.as_deref(),
        analysis: r
            .analysis()
            .into_iter()
            .map(|a| {
                let team = &r.scenario.teams[a.team];
                let obj = &team.objectives[a.objective];
                AnalysisJson {
                    team: &team.id,
                    id: &obj.id,
                    text: &obj.text,
                    weight: obj.weight,
                    met: a.met,
                    strengths: a.strengths.iter().map(|n| n.seq).collect(),
                    improvements: a.improvements.iter().map(|n| n.seq).collect(),
                    choices: a.choices.iter().map(|i| &*r.choices[*i].r.choice).collect(),
                    injects: a
                        .injects
                        .iter()
                        .map(|i| r.injects[*i].inject.id.as_str())
                        .collect(),
                    objective: a.id,
                }
            })
            .collect(),
        observations: r.observations().iter().map(|n| n.seq).collect(),
        conclusion: aar.conclusion.as_deref(),
        improvement_plan: &aar.plan,
    }
}

// ---- CSV / XLSX ----

const PLAN_HEADER: [&str; 8] = [
    "session",
    "item",
    "objective",
    "objective_title",
    "issue",
    "recommendation",
    "owner",
    "due",
];

/// The improvement plan as a table: the CSV's `plan` table, the workbook's sheet.
pub fn plan_table(r: &Report) -> Table {
    let rows = r
        .state
        .after_action
        .plan
        .iter()
        .map(|p| {
            vec![
                r.meta.session_id.clone(),
                p.item.clone(),
                p.objective.clone().unwrap_or_default(),
                objective_words(r, p.objective.as_deref()),
                p.issue.clone(),
                p.recommendation.clone(),
                p.owner.clone(),
                p.due.clone(),
            ]
        })
        .collect();
    Table {
        name: "Improvement plan",
        header: &PLAN_HEADER,
        numeric: &[false; 8],
        rows,
    }
}
