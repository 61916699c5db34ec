//! After-action exports (pure): events + scenario -> JSON / Markdown / HTML / CSV.
//! (Placeholder API; the real module replaces this file.)

use crate::engine::Event;
use crate::scenario::Scenario;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Html,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
    pub fn content_type(self) -> &'static str {
        "text/plain"
    }
    pub fn file_extension(self) -> &'static str {
        "txt"
    }
}

pub struct SessionMeta {
    pub session_id: String,
    pub join_code: Option<String>,
    pub exported_at: Option<i64>,
}

pub struct ExportOptions {
    pub anonymize: bool,
}

pub fn export(
    _f: Format,
    _m: &SessionMeta,
    _s: &Scenario,
    _src: &str,
    events: &[Event],
    _o: &ExportOptions,
) -> Vec<u8> {
    serde_json::to_vec(events).unwrap_or_default()
}
