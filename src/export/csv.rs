//! The CSV export: one row per published choice, for spreadsheets.
//!
//! RFC 4180 (CRLF line endings, quoted where needed), UTF-8 with a byte-order mark so
//! Excel reads it as UTF-8, and formula-looking cells neutralised (see [`csv_cell`]).

use super::report::Report;
use super::text::{csv_cell, iso};

pub const HEADER: [&str; 13] = [
    "session",
    "turn",
    "team",
    "option",
    "option_title",
    "cost",
    "rationale",
    "target",
    "roll",
    "result",
    "overridden",
    "note",
    "time",
];

pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(256 + r.choices.len() * 256);
    o.push('\u{FEFF}');
    line(&mut o, HEADER.iter().map(|h| h.to_string()));
    for c in &r.choices {
        let x = &c.r;
        line(
            &mut o,
            [
                r.meta.session_id.clone(),
                c.turn.to_string(),
                x.team.to_string(),
                x.option.to_string(),
                x.title.to_string(),
                x.cost.to_string(),
                x.rationale.as_deref().unwrap_or_default().to_string(),
                x.target.to_string(),
                x.roll.to_string(),
                x.result.as_str().to_string(),
                x.overridden.to_string(),
                x.note.clone().unwrap_or_default(),
                iso(c.at),
            ]
            .into_iter(),
        );
    }
    super::v2::csv(r, &mut o);
    o
}

fn line(o: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str(&csv_cell(&cell));
    }
    o.push_str("\r\n");
}
