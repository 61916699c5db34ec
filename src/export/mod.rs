//! After-action exports (pure): events + scenario -> JSON / Markdown / HTML / CSV / XLSX.
//!
//! Everything is derived by replaying the events through `engine::evolve`, so every
//! number is the one the engine computed. Exports are the facilitator's view: rationales,
//! covert choices, the seed, overrides and private notes included.
//!
//! **Invariant:** no I/O, no clock, no randomness: the same events give the same bytes
//! (times come from the events' `at`; `SessionMeta::exported_at` is omitted when `None`).
//! **Invariant:** every user-supplied string is escaped for its format (see [`text`]);
//! the HTML holds no script and no remote reference.
//!
//! The JSON schema (`wargame.aar/1`) is documented in `docs/EXPORT.md`.

mod csv;
mod debrief;
mod hseep;
mod html;
mod json;
mod markdown;
mod negotiation;
mod report;
mod svg;
pub(crate) mod text;
mod v2;
mod xlsx;
mod zone;

pub use report::{KEY_POINTS, MIN_SCRUB_NAME, anonymize, swing};
pub use text::{civil_from_days, iso};
pub use zone::Zone;

use crate::engine::Event;
use crate::scenario::Scenario;

/// The JSON document's schema name and version.
pub const SCHEMA: &str = "wargame.aar/1";

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Markdown,
    Html,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Csv,
        Format::Xlsx,
    ];

    /// `json`, `markdown` (or `md`), `html`, `csv` or `xlsx`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "markdown" | "md" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The HTTP `Content-Type` to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn file_extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// A safe download name, e.g. `wargame-aar-s1.html` (for `Content-Disposition`).
    pub fn file_name(self, meta: &SessionMeta) -> String {
        let id: String = meta
            .session_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(64)
            .collect();
        format!("wargame-aar-{id}.{}", self.file_extension())
    }
}

/// What the server knows about a session beyond its events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionMeta {
    pub session_id: String,
    pub join_code: Option<String>,
    /// When the export was made (ms since the epoch); omitted from the output when
    /// `None`, so golden files stay stable.
    pub exported_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportOptions {
    /// Replace player names by "<Team name> seat <n>" ("Observer <n>") everywhere.
    pub anonymize: bool,
    /// Which table a CSV export holds (a CSV file holds one); the other formats
    /// ignore it.
    pub table: CsvTable,
}

/// The tables of the CSV export, one per file; the XLSX workbook has a sheet of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CsvTable {
    /// One row per published choice (and the team objectives, when the scenario
    /// has them).
    #[default]
    Choices,
    /// One row per message posted on a negotiation channel.
    Messages,
    /// One row per debrief answer (the hot-wash survey after the end).
    Debrief,
    /// One row per item of the improvement plan.
    Plan,
}

impl CsvTable {
    pub const ALL: [CsvTable; 4] = [
        CsvTable::Choices,
        CsvTable::Messages,
        CsvTable::Debrief,
        CsvTable::Plan,
    ];

    /// `choices`, `messages`, `debrief` or `plan`.
    pub fn parse(s: &str) -> Option<CsvTable> {
        match s {
            "choices" => Some(CsvTable::Choices),
            "messages" => Some(CsvTable::Messages),
            "debrief" => Some(CsvTable::Debrief),
            "plan" => Some(CsvTable::Plan),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CsvTable::Choices => "choices",
            CsvTable::Messages => "messages",
            CsvTable::Debrief => "debrief",
            CsvTable::Plan => "plan",
        }
    }
}

/// What an export is saved as: named after the session's title and its first
/// day (in the session's time zone), e.g. `staff-college-b-2026-11-27-aar.html`
/// (`...-aar-messages.csv` for the CSV of messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// Letters and digits of the title in ASCII, lower case, words joined by `-`.
    pub ascii: String,
    /// The title as written, without the characters no file name may hold; the
    /// same as `ascii` when the title is ASCII.
    pub unicode: String,
}

impl FileName {
    fn of(r: &report::Report, format: Format, opts: &ExportOptions) -> FileName {
        let day = r.first_at().map(|a| r.zone.day(a));
        let table = match (format, opts.table) {
            (Format::Csv, CsvTable::Messages) => "-messages",
            (Format::Csv, CsvTable::Debrief) => "-debrief",
            (Format::Csv, CsvTable::Plan) => "-plan",
            _ => "",
        };
        let tail = format!(
            "{}aar{table}{}.{}",
            day.map(|d| format!("{d}-")).unwrap_or_default(),
            if opts.anonymize { "-anon" } else { "" },
            format.file_extension()
        );
        let title = r.session_title();
        let mut slug = String::new();
        for c in title.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 60 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = if slug.is_empty() { "wargame" } else { slug };
        let ascii = format!("{slug}-{tail}");
        let unicode = if title.is_ascii() {
            ascii.clone()
        } else {
            let mut clean = String::new();
            for c in title.trim().chars().take(80) {
                let bad = c.is_control()
                    || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|');
                clean.push(if bad || c.is_whitespace() { ' ' } else { c });
            }
            let words: Vec<&str> = clean.split_whitespace().collect();
            format!("{}-{tail}", words.join(" "))
        };
        FileName { ascii, unicode }
    }

    /// The `Content-Disposition` of a download: the ASCII name, and the Unicode
    /// one as RFC 5987 `filename*` when the title is not ASCII.
    pub fn content_disposition(&self) -> String {
        let mut v = format!("attachment; filename=\"{}\"", self.ascii);
        if self.unicode != self.ascii {
            v.push_str("; filename*=UTF-8''");
            for b in self.unicode.bytes() {
                if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                    v.push(char::from(b));
                } else {
                    v.push_str(&format!("%{b:02X}"));
                }
            }
        }
        v
    }
}

/// [`export`], with the name to save it as.
pub fn export_file(
    format: Format,
    meta: &SessionMeta,
    scenario: &Scenario,
    scenario_source: &str,
    events: &[Event],
    opts: &ExportOptions,
) -> (Vec<u8>, FileName) {
    let r = report::Report::build(meta, scenario, scenario_source, events, opts);
    let name = FileName::of(&r, format, opts);
    (render(format, &r, opts), name)
}

fn render(format: Format, r: &report::Report, opts: &ExportOptions) -> Vec<u8> {
    match format {
        Format::Json => json::render(r),
        Format::Markdown => markdown::render(r).into_bytes(),
        Format::Html => html::render(r).into_bytes(),
        Format::Csv => csv::render(r, opts.table).into_bytes(),
        Format::Xlsx => xlsx::render(r),
    }
}

/// Renders the after-action report of a session in one format.
///
/// `scenario` must be the scenario the session was played with and `scenario_source`
/// its source text (both are embedded in the JSON, so later edits to the scenario
/// file never rewrite history; a digest mismatch is reported in the export).
pub fn export(
    format: Format,
    meta: &SessionMeta,
    scenario: &Scenario,
    scenario_source: &str,
    events: &[Event],
    opts: &ExportOptions,
) -> Vec<u8> {
    let r = report::Report::build(meta, scenario, scenario_source, events, opts);
    render(format, &r, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
        assert_eq!(Format::parse("md"), Some(Format::Markdown));
        assert_eq!(Format::parse("pdf"), None);
        let meta = SessionMeta {
            session_id: "../s 1".into(),
            ..SessionMeta::default()
        };
        assert_eq!(Format::Html.file_name(&meta), "wargame-aar-s1.html");
    }
}
