//! The series as CommonMark: the same tables as the HTML, and each indicator by
//! turn as a table instead of a chart. Every text goes through [`md_cell`], so no
//! session title or scenario text can start a block, a link or raw HTML.

use super::Series;
use super::tables::{Part, Table, by_turn, sections};
use super::words::{baselines_sentence, scope};
use crate::export::text::{md, md_cell};

pub fn render(s: &Series) -> String {
    let mut o = String::with_capacity(64 * 1024);
    o.push_str(&format!("# Series report: {}\n\n", md(&s.scenario.title)));
    o.push_str(&format!(
        "{}\n\n{}\n\n",
        md(&scope(s)),
        md(&baselines_sentence(s))
    ));
    for sec in sections(s) {
        o.push_str(&format!("## {}\n\n", sec.title));
        for part in &sec.parts {
            match part {
                Part::Heading(h) => o.push_str(&format!("### {}\n\n", md(h))),
                Part::Text(t) => o.push_str(&format!("{}\n\n", md(t))),
                Part::Table(t) => table(t, &mut o),
                Part::Trajectories(i) => {
                    if let Some(ind) = s.indicators.get(*i) {
                        table(&by_turn(s, ind), &mut o);
                    }
                }
            }
        }
    }
    o
}

fn table(t: &Table, o: &mut String) {
    let head: Vec<String> = t.head.iter().map(|h| md_cell(h)).collect();
    o.push_str(&format!("| {} |\n|", head.join(" | ")));
    for n in &t.numeric {
        o.push_str(if *n { " ---: |" } else { " --- |" });
    }
    o.push('\n');
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&t.numeric)
            .map(|(c, n)| {
                if *n && plain_number(c) {
                    c.clone()
                } else {
                    md_cell(c)
                }
            })
            .collect();
        o.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    o.push('\n');
}

/// A number, a percentage or a count such as `1/2`: nothing Markdown reads as
/// markup inside a table cell, so it is written as it is.
fn plain_number(c: &str) -> bool {
    c.chars()
        .all(|ch| ch.is_ascii_digit() || matches!(ch, '.' | '%' | '/' | '-' | '\u{2013}'))
}
