//! The series as one self-contained HTML file: the tables, and the indicators'
//! trajectories overlaid as inline SVG. Like the after-action report: inline CSS
//! and SVG only, no script, no remote reference (the Content-Security-Policy meta
//! forbids both), every text through [`html`].

use super::Series;
use super::svg::{PALETTE, baseline_stroke, chart};
use super::tables::{Part, Table, sections};
use super::words::{baselines_sentence, scope};
use crate::export::text::html;

const CSS: &str = include_str!("../export/report.css");
const EXTRA: &str = ".legend{list-style:none;padding:0;margin:.25rem 0 1rem;font-size:.85rem;display:flex;flex-wrap:wrap;gap:.2rem 1rem}.swatch{display:inline-block;width:1.4rem;height:0;border-top:3px solid;vertical-align:middle;margin-right:.3rem}.series-chart{max-width:100%;height:auto}th.n{white-space:normal;overflow-wrap:normal;min-width:3.5rem}tbody td:first-child{min-width:13rem}main{max-width:80rem}";

pub fn render(s: &Series) -> String {
    let mut o = String::with_capacity(64 * 1024 + s.sessions.len() * 4096);
    let title = format!("Series report: {}", s.scenario.title);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str(&format!(
        "<title>{}</title>\n<style>{CSS}{EXTRA}</style>\n</head>\n<body>\n<main>\n",
        html(&title)
    ));
    o.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n<p class=\"sub\">{}</p>\n</header>\n",
        html(&title),
        html(&scope(s)),
        html(&baselines_sentence(s))
    ));
    let all = sections(s);
    o.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n");
    for sec in &all {
        o.push_str(&format!("<a href=\"#{}\">{}</a>", sec.id, sec.title));
    }
    o.push_str("\n</nav>\n");
    for sec in &all {
        o.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            sec.id, sec.title
        ));
        if sec.id == "indicators" {
            legend(s, &mut o);
        }
        for part in &sec.parts {
            match part {
                Part::Heading(h) => o.push_str(&format!("<h3>{}</h3>\n", html(h))),
                Part::Text(t) => o.push_str(&format!("<p>{}</p>\n", html(t))),
                Part::Table(t) => table(t, &mut o),
                Part::Trajectories(i) => {
                    if let Some(ind) = s.indicators.get(*i) {
                        let labels: Vec<String> =
                            s.sessions.iter().map(|x| x.label.clone()).collect();
                        o.push_str(&chart(ind, &labels));
                    }
                }
            }
        }
        o.push_str("</section>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// Which line is which, once for every chart.
fn legend(s: &Series, o: &mut String) {
    o.push_str("<ul class=\"legend\" aria-label=\"Chart legend\">\n");
    for (i, x) in s.sessions.iter().enumerate() {
        o.push_str(&format!(
            "<li><span class=\"swatch\" style=\"border-color:{}\"></span>{}</li>\n",
            PALETTE[i % PALETTE.len()],
            html(&x.label)
        ));
    }
    for b in &s.baselines {
        let (colour, dash) = baseline_stroke(&b.policy);
        let style = if dash.starts_with('2') {
            "dotted"
        } else {
            "dashed"
        };
        o.push_str(&format!(
            "<li><span class=\"swatch\" style=\"border-color:{colour};border-top-style:{style}\"></span>Simulated ({}): mean of {} runs</li>\n",
            html(&b.policy),
            b.runs
        ));
    }
    o.push_str("</ul>\n");
}

fn table(t: &Table, o: &mut String) {
    o.push_str("<div class=\"wide\"><table>\n<thead><tr>");
    for (h, n) in t.head.iter().zip(&t.numeric) {
        let class = if *n { " class=\"n\"" } else { "" };
        o.push_str(&format!("<th scope=\"col\"{class}>{}</th>", html(h)));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        o.push_str("<tr>");
        for (cell, n) in row.iter().zip(&t.numeric) {
            let class = if *n { " class=\"n\"" } else { "" };
            o.push_str(&format!("<td{class}>{}</td>", html(cell)));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}
