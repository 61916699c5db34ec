//! The CSV export: one row per published choice (or, as the `messages` table, per
//! message), for spreadsheets.
//!
//! RFC 4180 (CRLF line endings, quoted where needed), UTF-8 with a byte-order mark so
//! Excel reads it as UTF-8, and formula-looking cells neutralised (see [`csv_cell`]).
//! The rows come from [`tables`], which the XLSX export writes as sheets too.

use super::CsvTable;
use super::report::Report;
use super::text::{csv_cell, iso};

/// One table of the spreadsheet exports: a CSV file, an XLSX sheet.
pub struct Table {
    /// The sheet's name (at most 31 characters, none of `[]:*?/\`).
    pub name: &'static str,
    pub header: &'static [&'static str],
    /// Per column: whether its cells are whole numbers (an XLSX number cell).
    pub numeric: &'static [bool],
    /// The cells as text, before any spreadsheet escaping.
    pub rows: Vec<Vec<String>>,
}

pub const HEADER: [&str; 16] = [
    "session",
    "turn",
    "choice",
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
    "bot",
    "forked_from",
];

const NUMERIC: [bool; 16] = [
    false, true, false, false, false, false, true, false, true, true, false, false, false, false,
    false, false,
];

/// The tables of the spreadsheet exports: the published choices, every message
/// posted on a channel, the improvement plan and every debrief answer.
pub fn tables(r: &Report) -> Vec<Table> {
    vec![
        choices(r),
        super::negotiation::messages_table(r),
        super::hseep::plan_table(r),
        super::debrief::table(r),
    ]
}

fn choices(r: &Report) -> Table {
    let forked = r
        .state
        .forked_from
        .as_ref()
        .map(|f| format!("{}@{}", f.session, f.turn))
        .unwrap_or_default();
    let rows = r
        .choices
        .iter()
        .map(|c| {
            let x = &c.r;
            vec![
                r.meta.session_id.clone(),
                c.turn.to_string(),
                x.choice.to_string(),
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
                // A bot's choice: its doctrine ("bot" if unknown); empty for a person's.
                match (x.bot, x.doctrine.as_deref()) {
                    (false, _) => String::new(),
                    (true, Some(d)) => d.to_string(),
                    (true, None) => "bot".to_string(),
                },
                // A fork's rows: the source session and turn, `SESSION@TURN`.
                forked.clone(),
            ]
        })
        .collect();
    Table {
        name: "Choices",
        header: &HEADER,
        numeric: &NUMERIC,
        rows,
    }
}

/// The CSV of one table (a CSV file holds one table): the choices (followed by the
/// team objectives, when the scenario has them), or the messages.
pub fn render(r: &Report, which: CsvTable) -> String {
    let table = match which {
        CsvTable::Choices => choices(r),
        CsvTable::Messages => super::negotiation::messages_table(r),
        CsvTable::Debrief => super::debrief::table(r),
        CsvTable::Plan => super::hseep::plan_table(r),
    };
    let mut o = String::with_capacity(256 + table.rows.len() * 256);
    o.push('\u{FEFF}');
    line(&mut o, table.header.iter().copied());
    for row in &table.rows {
        line(&mut o, row.iter().map(String::as_str));
    }
    if which == CsvTable::Choices {
        super::v2::csv(r, &mut o);
    }
    o
}

fn line<'a>(o: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str(&csv_cell(cell));
    }
    o.push_str("\r\n");
}
