//! The report's scenario v2 sections in every format: what each team believed (fog)
//! and the teams' objectives. Each renders nothing when the session has none, so
//! reports of sessions without these features are unchanged.

use std::collections::BTreeMap;

use serde::Serialize;

use super::report::Report;
use super::text::{csv_cell, html, md};

/// `beliefs[]` of the JSON export.
#[derive(Serialize)]
pub struct BeliefJson<'a> {
    turn: u32,
    team: &'a str,
    /// `{indicator: {believed, truth}}`, only where the team's board differed.
    indicators: BTreeMap<&'a str, BeliefValue>,
}

#[derive(Serialize)]
pub struct BeliefValue {
    believed: i64,
    truth: i64,
}

/// `objectives[]` of the JSON export.
#[derive(Serialize)]
pub struct TeamObjectivesJson<'a> {
    team: &'a str,
    team_name: &'a str,
    score: u32,
    max: u32,
    /// Whether the session had ended (else: scored on the board as it stands).
    ended: bool,
    objectives: Vec<ObjectiveJson<'a>>,
}

#[derive(Serialize)]
pub struct ObjectiveJson<'a> {
    id: &'a str,
    text: &'a str,
    weight: u32,
    met: bool,
}

pub fn beliefs_json<'a>(r: &'a Report) -> Vec<BeliefJson<'a>> {
    r.beliefs
        .iter()
        .map(|b| BeliefJson {
            turn: b.turn,
            team: &b.team,
            indicators: b
                .differences
                .iter()
                .map(|(ix, believed, truth)| {
                    (
                        &*r.scenario.indicators[*ix].id,
                        BeliefValue {
                            believed: *believed,
                            truth: *truth,
                        },
                    )
                })
                .collect(),
        })
        .collect()
}

pub fn objectives_json<'a>(r: &'a Report) -> Vec<TeamObjectivesJson<'a>> {
    r.objectives
        .iter()
        .map(|t| {
            let team = &r.scenario.teams[t.team];
            TeamObjectivesJson {
                team: &team.id,
                team_name: &team.name,
                score: t.score.score,
                max: t.score.max,
                ended: r.ending.is_some(),
                objectives: team
                    .objectives
                    .iter()
                    .zip(&t.met)
                    .map(|(o, met)| ObjectiveJson {
                        id: &o.id,
                        text: &o.text,
                        weight: o.weight,
                        met: *met,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn scored_when(r: &Report) -> &'static str {
    if r.ending.is_some() {
        "Scored on the true board at the end of the session."
    } else {
        "The session has not ended: scored on the true board as it stands."
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "met" } else { "not met" }
}

/// Markdown: "Team objectives" (the scores, in the analysis).
pub fn markdown_objectives(r: &Report, o: &mut String) {
    if !r.objectives.is_empty() {
        o.push_str("### Team objectives\n\n");
        o.push_str(scored_when(r));
        o.push_str("\n\n| Team | Objective | Weight | Result |\n|---|---|---:|---|\n");
        for t in &r.objectives {
            let team = &r.scenario.teams[t.team];
            for (obj, met) in team.objectives.iter().zip(&t.met) {
                o.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    md(&team.name),
                    md(&obj.text),
                    obj.weight,
                    yes_no(*met)
                ));
            }
            o.push_str(&format!(
                "| {} | **Score** | {} | **{} of {}** |\n",
                md(&team.name),
                t.score.max,
                t.score.score,
                t.score.max
            ));
        }
        o.push('\n');
    }
}

/// Markdown: "What each team believed" (in the exercise summary).
pub fn markdown_beliefs(r: &Report, o: &mut String) {
    if !r.beliefs.is_empty() {
        o.push_str("### What each team believed\n\n");
        o.push_str("Fog of war: at the end of each turn, the indicators a team saw differently from the truth (hidden covert effects, noise, delay).\n\n");
        o.push_str("| Turn | Team | Indicator | Believed | True |\n|---:|---|---|---:|---:|\n");
        for b in &r.beliefs {
            for (ix, believed, truth) in &b.differences {
                o.push_str(&format!(
                    "| {} | {} | {} | {believed} | {truth} |\n",
                    b.turn,
                    md(r.team_name(&b.team)),
                    md(&r.scenario.indicators[*ix].name)
                ));
            }
        }
        o.push('\n');
    }
}

/// HTML: the objectives' scores (in the analysis).
pub fn html_objectives(r: &Report, o: &mut String) {
    if !r.objectives.is_empty() {
        o.push_str("<div id=\"objectives\">\n<h3>Team objectives</h3>\n");
        o.push_str(&format!("<p class=\"sub\">{}</p>\n", scored_when(r)));
        o.push_str("<div class=\"wide\"><table>\n<thead><tr><th>Team</th><th>Objective</th><th class=\"n\">Weight</th><th>Result</th></tr></thead>\n<tbody>\n");
        for t in &r.objectives {
            let team = &r.scenario.teams[t.team];
            for (obj, met) in team.objectives.iter().zip(&t.met) {
                o.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                    html(&team.name),
                    html(&obj.text),
                    obj.weight,
                    yes_no(*met)
                ));
            }
            o.push_str(&format!(
                "<tr><td>{}</td><td><strong>Score</strong></td><td class=\"n\">{}</td><td><strong>{} of {}</strong></td></tr>\n",
                html(&team.name),
                t.score.max,
                t.score.score,
                t.score.max
            ));
        }
        o.push_str("</tbody>\n</table></div>\n</div>\n");
    }
}

/// HTML: what each team believed (in the exercise summary).
pub fn html_beliefs(r: &Report, o: &mut String) {
    if !r.beliefs.is_empty() {
        o.push_str("<div id=\"beliefs\">\n<h3>What each team believed</h3>\n");
        o.push_str("<p class=\"sub\">Fog of war: at the end of each turn, the indicators a team saw differently from the truth (hidden covert effects, noise, delay).</p>\n");
        o.push_str("<div class=\"wide\"><table>\n<thead><tr><th class=\"n\">Turn</th><th>Team</th><th>Indicator</th><th class=\"n\">Believed</th><th class=\"n\">True</th></tr></thead>\n<tbody>\n");
        for b in &r.beliefs {
            for (ix, believed, truth) in &b.differences {
                o.push_str(&format!(
                    "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{believed}</td><td class=\"n\">{truth}</td></tr>\n",
                    b.turn,
                    html(r.team_name(&b.team)),
                    html(&r.scenario.indicators[*ix].name)
                ));
            }
        }
        o.push_str("</tbody>\n</table></div>\n</div>\n");
    }
}

/// CSV: after the choices, a blank line and a second table of objectives.
pub fn csv(r: &Report, o: &mut String) {
    if r.objectives.is_empty() {
        return;
    }
    o.push_str("\r\n");
    let header = ["team", "objective", "text", "weight", "met", "score", "max"];
    o.push_str(&header.join(","));
    o.push_str("\r\n");
    for t in &r.objectives {
        let team = &r.scenario.teams[t.team];
        for (obj, met) in team.objectives.iter().zip(&t.met) {
            let cells = [
                team.id.to_string(),
                obj.id.to_string(),
                obj.text.clone(),
                obj.weight.to_string(),
                met.to_string(),
                t.score.score.to_string(),
                t.score.max.to_string(),
            ];
            let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            o.push_str(&cells.join(","));
            o.push_str("\r\n");
        }
    }
}
