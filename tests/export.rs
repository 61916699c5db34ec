//! After-action exports: golden files, determinism, escaping, CSV injection, JSON
//! completeness, anonymisation.
//!
//! `UPDATE_GOLDEN=1 cargo test --test suite export::` rewrites the golden files in
//! `tests/golden/` (review the diff before committing).

use crate::common::export_session;

use std::path::PathBuf;

use export_session::{MD_LINK, PLAYERS, Session, XSS_IMG, XSS_SCRIPT, scripted_session};
use wargame::engine::{self, Event, EventBody};
use wargame::export::{ExportOptions, Format, SessionMeta, export};

fn meta() -> SessionMeta {
    SessionMeta {
        session_id: "s-golden".to_string(),
        join_code: Some("JOIN-42".to_string()),
        exported_at: None,
    }
}

const PLAIN: ExportOptions = ExportOptions { anonymize: false };
const ANON: ExportOptions = ExportOptions { anonymize: true };

fn render(s: &Session, events: &[Event], format: Format, opts: &ExportOptions) -> Vec<u8> {
    export(format, &meta(), &s.scenario, &s.source, events, opts)
}

fn text(s: &Session, format: Format, opts: &ExportOptions) -> String {
    String::from_utf8(render(s, &s.events, format, opts)).expect("exports are UTF-8")
}

fn published(s: &Session) -> usize {
    s.events
        .iter()
        .filter(|e| matches!(e.body, EventBody::ChoiceResolved(_)))
        .count()
}

#[test]
fn golden_files() {
    let s = scripted_session();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let cases = [
        ("session.json", Format::Json, PLAIN),
        ("session.md", Format::Markdown, PLAIN),
        ("session.html", Format::Html, PLAIN),
        ("session.csv", Format::Csv, PLAIN),
        ("session-anonymized.md", Format::Markdown, ANON),
    ];
    let mut stale = Vec::new();
    for (name, format, opts) in cases {
        let got = render(&s, &s.events, format, &opts);
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).expect("create tests/golden");
            std::fs::write(&path, &got).expect("write golden file");
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_default();
        if want != got {
            let out = std::env::temp_dir().join(format!("wargame-golden-{name}"));
            let _ = std::fs::write(&out, &got);
            stale.push(format!("{name} (got {})", out.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "exports differ from the golden files: {stale:?}; if the change is intended, \
         rerun with UPDATE_GOLDEN=1 and review the diff"
    );
}

#[test]
fn exports_are_identical_across_runs_and_after_a_json_round_trip() {
    let a = scripted_session();
    let b = scripted_session();
    assert_eq!(a.events, b.events, "the scripted session is deterministic");
    // The database stores each event as JSON; the export must not care.
    let stored: Vec<Event> = a
        .events
        .iter()
        .map(|e| {
            let json = serde_json::to_string(e).expect("serialise event");
            serde_json::from_str(&json).expect("deserialise event")
        })
        .collect();
    assert_eq!(stored, a.events);
    for format in Format::ALL {
        for opts in [PLAIN, ANON] {
            let one = render(&a, &a.events, format, &opts);
            let two = render(&b, &b.events, format, &opts);
            let three = render(&a, &stored, format, &opts);
            assert!(one == two, "{format:?} differs between two runs");
            assert!(one == three, "{format:?} differs after a JSON round trip");
        }
    }
}

#[test]
fn exported_at_is_omitted_unless_given() {
    let s = scripted_session();
    let json = text(&s, Format::Json, &PLAIN);
    assert!(!json.contains("exported_at"));
    let with = SessionMeta {
        exported_at: Some(1_795_800_000_000),
        ..meta()
    };
    for format in [Format::Json, Format::Markdown, Format::Html] {
        let out = String::from_utf8(export(
            format,
            &with,
            &s.scenario,
            &s.source,
            &s.events,
            &PLAIN,
        ))
        .expect("UTF-8");
        // JSON in ISO 8601; the reports for a person in the session's time zone.
        let when = if format == Format::Json {
            "2026-11-27T17:20:00Z"
        } else {
            "Fri 27 Nov 2026, 17:20"
        };
        assert!(out.contains(when), "{format:?}");
    }
}

/// Every payload the scripted session plants, with its HTML-escaped form.
const PAYLOADS: &[(&str, &str)] = &[
    (
        XSS_SCRIPT,
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
    ),
    (XSS_IMG, "&lt;img src=x onerror=alert(1)&gt;"),
];

#[test]
fn html_escapes_every_user_string() {
    let s = scripted_session();
    for opts in [PLAIN, ANON] {
        let html = text(&s, Format::Html, &opts);
        for (raw, escaped) in PAYLOADS {
            assert!(!html.contains(raw), "raw payload {raw} in the HTML");
            if !opts.anonymize || *raw == XSS_SCRIPT {
                assert!(html.contains(escaped), "escaped {escaped} missing");
            }
        }
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>bold"));
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; [brackets]"));
        // The session title, a player name with a quote and an ampersand.
        assert!(html.contains(
            "Exercise &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;Northern Gate&quot;"
        ));
        if !opts.anonymize {
            assert!(html.contains("Jane O&#39;Neil &amp; Co"));
        }
        // The custom inject title is plain text, never a link.
        assert!(
            html.contains(MD_LINK),
            "a Markdown link is inert text in HTML"
        );
        assert!(!html.contains("href=\"javascript"));
    }
}

#[test]
fn markdown_escapes_every_user_string() {
    let s = scripted_session();
    for opts in [PLAIN, ANON] {
        let md = text(&s, Format::Markdown, &opts);
        assert!(!md.contains(XSS_SCRIPT));
        assert!(!md.contains("<script"));
        assert!(!md.contains("<img"));
        assert!(!md.contains(MD_LINK));
        assert!(!md.contains("](javascript"));
        assert!(md.contains("&lt;script&gt;alert\\('x'\\)&lt;/script&gt;"));
        assert!(md.contains("\\[link\\]\\(javascript:alert\\(1\\)\\)"));
        if !opts.anonymize {
            assert!(md.contains("Ihar &lt;img src=x onerror=alert\\(1\\)&gt;"));
        }
        // Free text never starts a block: a heading or list marker in a rationale is
        // escaped, and its line break is a CommonMark hard break.
        assert!(md.contains("\\# Not a heading\\\n    \\- not a list"));
        // A pipe inside free text cannot break a table.
        assert!(md.contains("Second line \\| with a pipe, \\*stars\\* and \\# hash"));
        // No raw HTML at all.
        assert!(!md.contains('<'), "unescaped < in the Markdown");
    }
}

fn parse_csv(body: &str) -> Vec<Vec<String>> {
    // A small RFC 4180 reader: enough to check the writer.
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF outside quotes");
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("bare LF outside quotes"),
            c => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the last line ends with CRLF"
    );
    rows
}

#[test]
fn csv_is_rfc4180_with_bom_and_neutralised_formulas() {
    let s = scripted_session();
    let csv = text(&s, Format::Csv, &PLAIN);
    let body = csv.strip_prefix('\u{FEFF}').expect("UTF-8 BOM");
    let rows = parse_csv(body);
    assert_eq!(
        rows[0],
        [
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
            "bot"
        ]
    );
    assert_eq!(
        rows.len() - 1,
        published(&s),
        "one row per published choice"
    );
    assert!(rows.iter().all(|r| r.len() == 15));
    for row in &rows {
        for cell in row {
            let first = cell.chars().next();
            assert!(
                !first.is_some_and(|c| matches!(c, '=' | '+' | '-' | '@') || c.is_control()),
                "cell {cell:?} could run as a formula"
            );
        }
    }
    let cells: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
    for neutralised in [
        "'=HYPERLINK(\"//evil.example/x\",\"click\")",
        "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        "'-1+1",
        "'=cmd|' /C calc'!A0 <script>alert('x')</script> White Cell judgement",
    ] {
        assert!(cells.contains(&neutralised), "missing {neutralised}");
    }
    assert!(cells.contains(&"Line one\nLine two, with a comma and \"quotes\""));
    // The raw quoted form on the wire.
    assert!(csv.contains("\"Line one\nLine two, with a comma and \"\"quotes\"\"\""));
    let belarus_1 = rows
        .iter()
        .find(|r| r[1] == "1" && r[4] == "adopt_defence_law")
        .expect("turn 1 belarus row");
    assert_eq!(belarus_1[2], "t1-belarus-1", "the choice id");
    assert_eq!(belarus_1[11], "true", "the override is flagged");
    assert!(belarus_1[13].ends_with('Z'));
    // Choice ids are unique: a row can be matched with the JSON's choices.
    let ids: std::collections::BTreeSet<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(ids.len(), rows.len() - 1);
}

#[test]
fn json_holds_every_choice_and_matches_the_engine() {
    let s = scripted_session();
    let json = text(&s, Format::Json, &PLAIN);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("the JSON export parses");
    assert_eq!(doc["schema"], "wargame.aar/1");
    let choices = doc["choices"].as_array().expect("choices");
    assert_eq!(choices.len(), published(&s));
    assert_eq!(choices.len(), s.state.choices.len());
    for c in choices {
        assert!(c["rationale"].is_string(), "{c}");
        assert!(c["roll"].as_u64().is_some_and(|r| (1..=100).contains(&r)));
        assert!(c["odds"]["target"].is_i64());
        assert!(c["odds"]["base"].is_i64());
        assert!(c["odds"]["modifiers"].is_array());
        for m in c["odds"]["modifiers"].as_array().into_iter().flatten() {
            assert!(m["reason"].is_string() && m["delta"].is_i64());
        }
        assert!(c["result"] == "success" || c["result"] == "failure");
    }
    assert!(
        choices.iter().any(|c| c["odds"]["modifiers"]
            .as_array()
            .is_some_and(|m| !m.is_empty())),
        "some choice has modifiers"
    );
    let overridden: Vec<_> = choices.iter().filter(|c| c["overridden"] == true).collect();
    assert!(!overridden.is_empty());
    assert!(
        overridden[0]["override"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("White Cell judgement"))
    );
    let twice = choices
        .iter()
        .find(|c| c["choice"] == "t2-nato-1")
        .expect("t2-nato-1");
    assert_eq!(twice["overrides"].as_array().map(Vec::len), Some(2));

    // Every event, with its time and a body that deserialises back.
    let events = doc["events"].as_array().expect("events");
    assert_eq!(events.len(), s.events.len());
    for (j, e) in events.iter().zip(&s.events) {
        assert_eq!(j["seq"], e.seq);
        assert!(j["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        let body: EventBody = serde_json::from_value(j["body"].clone()).expect("body");
        assert_eq!(body, e.body);
    }

    // The numbers are the engine's.
    let state = engine::replay(s.scenario.clone(), &s.events);
    assert_eq!(
        doc["session"]["state_hash"],
        state.hash().expect("the state hashes")
    );
    assert_eq!(doc["session"]["seed"], export_session::SEED);
    let history = doc["history"].as_array().expect("history");
    assert_eq!(history.len(), state.history.len());
    for (h, want) in history.iter().zip(&state.history) {
        for (ind, v) in s.scenario.indicators.iter().zip(&want.indicators) {
            assert_eq!(h["indicators"][&*ind.id], *v);
        }
    }
    for ind in doc["indicators"].as_array().expect("indicators") {
        let ix = s
            .scenario
            .indicator_index(ind["id"].as_str().unwrap_or(""))
            .expect("known indicator");
        assert_eq!(ind["end"], state.world.indicators[ix]);
    }

    // The scenario as played travels with the report.
    assert_eq!(doc["scenario"]["source"], s.source.as_str());
    assert_eq!(doc["scenario"]["digest"], s.scenario.digest.as_str());
    assert_eq!(doc["scenario"]["digest_matches"], true);
    assert_eq!(doc["scenario"]["source_matches"], true);
    assert_eq!(doc["scenario"]["definition"]["id"], "belarus-2025");
    // Participants and the facilitator-only parts.
    let belarus = &doc["teams"][0];
    assert_eq!(belarus["players"][0]["name"], "Alena Kazlova");
    assert_eq!(belarus["players"][1]["seat"], 2);
    assert_eq!(doc["observers"][0]["name"], "Olaf Berg");
    let notes = doc["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), s.state.notes.len());
    assert!(notes.iter().any(|n| n["public"] == false));
    assert_eq!(doc["ending"]["reason"], "facilitator");
    assert!(
        doc["key_decisions"]
            .as_array()
            .is_some_and(|k| k.len() == 5)
    );
}

#[test]
fn html_is_self_contained_with_one_chart_per_indicator() {
    let s = scripted_session();
    let html = text(&s, Format::Html, &PLAIN);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.to_lowercase().contains("<script"));
    // The only "http" is the CSP meta's attribute name; no URL of any kind.
    let without_csp = html.replacen("http-equiv", "", 1);
    assert!(
        !without_csp.contains("http"),
        "a remote reference in the HTML"
    );
    assert!(!html.contains("src=\""), "no external resources");
    assert!(!html.contains("url("));
    assert!(!html.contains("@import"));
    assert_eq!(html.matches("<svg").count(), s.scenario.indicators.len());
    assert!(html.contains("@media print"));
    assert!(html.contains("<style>"));
    for t in 1..=3 {
        assert!(html.contains(&format!("id=\"turn-{t}\"")));
    }
    // Charts carry the indicator names, axes titles and turn ticks.
    assert!(html.contains(">Escalation ladder</text>") || html.contains("Escalation"));
    assert!(html.contains(">Turn</text>"));
}

#[test]
fn markdown_is_an_after_action_report() {
    let s = scripted_session();
    let md = text(&s, Format::Markdown, &PLAIN);
    for heading in [
        "## Overview",
        "### Teams and participants",
        "## Turn 1",
        "## Turn 2",
        "## Turn 3",
        "### Turn 1: Injects",
        "### Turn 1: Decisions",
        "### Turn 1: Adjudication",
        "### Turn 1: Overrides",
        "### Turn 3: Indicator changes",
        "## Key decision points",
        "## Facilitator notes",
        "## Ending",
        "## Appendix: event log",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    assert!(md.contains("- **Seed:** 20261127"));
    assert!(md.contains("Alena Kazlova (seat 1)"));
    // One line per event in the appendix.
    let log = md.split("## Appendix: event log").nth(1).expect("appendix");
    assert_eq!(
        log.lines().filter(|l| l.starts_with("- ")).count(),
        s.events.len()
    );
}

#[test]
fn anonymised_exports_hold_no_player_name() {
    let s = scripted_session();
    for format in Format::ALL {
        // The workbook stores its parts uncompressed: its bytes hold the text.
        let out = String::from_utf8_lossy(&render(&s, &s.events, format, &ANON)).into_owned();
        for (_, name) in PLAYERS {
            assert!(!out.contains(name), "{format:?} leaks {name}");
        }
        for bit in ["Kazlova", "Volkov", "Bondar", "O'Neil", "Olaf"] {
            assert!(!out.contains(bit), "{format:?} leaks {bit}");
        }
    }
    let md = text(&s, Format::Markdown, &ANON);
    assert!(md.contains("- **Belarus** (belarus): Belarus seat 1, Belarus seat 2"));
    assert!(
        !md.contains("state hash"),
        "the hash would not be the session's"
    );
    assert!(md.contains("Observer 1"));
    // Names inside free text are replaced too.
    assert!(md.contains("Belarus seat 1 agrees"));
    let json = text(&s, Format::Json, &ANON);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(doc["anonymized"], true);
    assert_eq!(doc["teams"][3]["players"][0]["name"], "NATO / West seat 1");
    assert!(doc["session"]["state_hash"].is_null());
}

#[test]
fn a_covert_choice_shows_its_detection_roll() {
    let s = scripted_session();
    let covert = s
        .state
        .choices
        .iter()
        .find(|c| c.resolution.covert)
        .expect("the scripted session has a covert choice");
    let d = covert
        .resolution
        .detection
        .as_ref()
        .expect("detection roll");
    let md = text(&s, Format::Markdown, &PLAIN);
    assert!(md.contains(&format!("target {}%; roll {}", d.target, d.roll)));
    let doc: serde_json::Value =
        serde_json::from_str(&text(&s, Format::Json, &PLAIN)).expect("JSON");
    let c = doc["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["covert"] == true))
        .expect("covert choice in JSON");
    assert_eq!(c["detection"]["roll"], d.roll);
}

#[test]
fn a_different_scenario_version_is_flagged() {
    // Replaying against an edited scenario file must say so rather than pass silently.
    let s = scripted_session();
    let edited_source = s.source.replacen("budget = 3", "budget = 3 # edited", 1);
    let edited = wargame::scenario::compile("edited.toml", &edited_source).expect("compiles");
    assert_ne!(edited.digest, s.scenario.digest);
    let json = export(
        Format::Json,
        &meta(),
        &edited,
        &edited_source,
        &s.events,
        &PLAIN,
    );
    let doc: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(doc["scenario"]["digest_matches"], false);
    assert_eq!(doc["scenario"]["source_matches"], true);
    let md = export(
        Format::Markdown,
        &meta(),
        &edited,
        &edited_source,
        &s.events,
        &PLAIN,
    );
    assert!(String::from_utf8_lossy(&md).contains("**Warning:**"));
    let html = export(
        Format::Html,
        &meta(),
        &edited,
        &edited_source,
        &s.events,
        &PLAIN,
    );
    assert!(String::from_utf8_lossy(&html).contains("class=\"warn\""));
    // The source text given must be the one the scenario was compiled from.
    let json = export(
        Format::Json,
        &meta(),
        &s.scenario,
        &edited_source,
        &s.events,
        &PLAIN,
    );
    let doc: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(doc["scenario"]["source_matches"], false);
}

#[test]
fn a_session_exports_at_any_point() {
    // Lobby, mid-briefing, mid-adjudication (rolled, not yet published), after an
    // override, ended: every phase boundary and a sample of other prefixes.
    let s = scripted_session();
    let cut_points = (0..=s.events.len()).filter(|&n| {
        n % 9 == 0
            || n == s.events.len()
            || s.events[..n].last().is_some_and(|e| {
                matches!(
                    e.body,
                    EventBody::PhaseChanged { .. }
                        | EventBody::DiceRolled { .. }
                        | EventBody::OutcomeOverridden { .. }
                )
            })
    });
    for n in cut_points {
        for format in Format::ALL {
            let out = render(&s, &s.events[..n], format, &PLAIN);
            assert!(!out.is_empty());
            if format == Format::Json {
                let doc: serde_json::Value =
                    serde_json::from_slice(&out).expect("every prefix gives valid JSON");
                assert_eq!(doc["events"].as_array().map(Vec::len), Some(n));
            }
        }
    }
}

/// The scripted session with spreadsheet traps in the first published choice: a
/// non-ASCII rationale behind a full-width `＝`, and a note that is a formula.
fn spreadsheet_traps() -> (Session, Vec<Event>) {
    let s = scripted_session();
    let mut events = s.events.clone();
    let first = events
        .iter_mut()
        .find_map(|e| match &mut e.body {
            EventBody::ChoiceResolved(r) => Some(r),
            _ => None,
        })
        .expect("a published choice");
    first.rationale = Some("\u{FF1D}1+1 Łukašenka, Зеленський, 日本語 ☃".into());
    first.note = Some("=cmd|' /C calc'!A0".into());
    (s, events)
}

#[test]
fn csv_guards_unicode_look_alikes_of_formulas() {
    let (s, events) = spreadsheet_traps();
    let csv = String::from_utf8(render(&s, &events, Format::Csv, &PLAIN)).expect("UTF-8");
    let rows = parse_csv(csv.strip_prefix('\u{FEFF}').expect("BOM"));
    let cells: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
    assert!(
        cells.contains(&"'\u{FF1D}1+1 Łukašenka, Зеленський, 日本語 ☃"),
        "{cells:?}"
    );
    assert!(cells.contains(&"'=cmd|' /C calc'!A0"));
}

#[test]
fn xlsx_holds_the_csv_rows_as_inert_text() {
    use calamine::{Data, Reader, Xlsx};
    let (s, events) = spreadsheet_traps();
    let csv = String::from_utf8(render(&s, &events, Format::Csv, &PLAIN)).expect("UTF-8");
    let csv_rows = parse_csv(csv.strip_prefix('\u{FEFF}').expect("BOM"));
    let bytes = render(&s, &events, Format::Xlsx, &PLAIN);
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes.clone())).expect("a workbook calamine opens");
    assert_eq!(book.sheet_names(), ["Choices"]);
    let sheet = book.worksheet_range("Choices").expect("the Choices sheet");
    let got: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(got.len(), csv_rows.len(), "one row per CSV row");
    for (r, (xrow, crow)) in got.iter().zip(&csv_rows).enumerate() {
        assert_eq!(xrow.len(), crow.len(), "row {r}");
        for (x, c) in xrow.iter().zip(crow) {
            let x = match x {
                Data::String(t) => t.clone(),
                Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                Data::Int(i) => i.to_string(),
                other => panic!("row {r}: unexpected cell {other:?}"),
            };
            // The CSV guards a formula-like cell with a leading `'`; the workbook
            // needs no guard, its text cells are never formulas.
            let unguarded = c.strip_prefix('\'').filter(|_| !x.starts_with('\''));
            assert_eq!(&x, unguarded.unwrap_or(c), "row {r}");
        }
    }
    let cells: Vec<String> = got.iter().flatten().map(ToString::to_string).collect();
    assert!(
        cells
            .iter()
            .any(|c| c == "\u{FF1D}1+1 Łukašenka, Зеленський, 日本語 ☃")
    );
    assert!(cells.iter().any(|c| c == "=cmd|' /C calc'!A0"));
    // Numbers are numbers; no cell anywhere is a formula.
    assert!(
        matches!(got[1][1], Data::Float(_) | Data::Int(_)),
        "{:?}",
        got[1][1]
    );
    let formulas = book.worksheet_formula("Choices").expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a cell is a formula"
    );
    // The same session gives the same bytes.
    assert_eq!(bytes, render(&s, &events, Format::Xlsx, &PLAIN));
}

#[test]
fn markdown_parses_as_the_report_and_nothing_players_wrote() {
    use pulldown_cmark::{Event as Md, Options, Parser, Tag, TagEnd};
    let s = scripted_session();
    let mut events = s.events.clone();
    let first = events
        .iter_mut()
        .find_map(|e| match &mut e.body {
            EventBody::ChoiceResolved(r) => Some(r),
            _ => None,
        })
        .expect("a published choice");
    first.rationale = Some(
        "Line one\n## Heading?\n- item\n  + item\n1. first\n> quote\n---\n===\n    code?\n\
         see https://evil.example/x, www.evil.example or ops@evil.example"
            .into(),
    );
    let md = String::from_utf8(render(&s, &events, Format::Markdown, &PLAIN)).expect("UTF-8");
    let parsed: Vec<Md> = Parser::new_ext(&md, Options::ENABLE_TABLES).collect();
    let mut headings = Vec::new();
    let mut heading: Option<String> = None;
    let mut item_start = false;
    let mut text = String::new();
    for e in &parsed {
        match e {
            Md::Html(h) | Md::InlineHtml(h) => panic!("raw HTML in the Markdown: {h}"),
            Md::Start(Tag::Link { dest_url, .. }) => panic!("a link to {dest_url}"),
            Md::Start(Tag::BlockQuote(_)) => panic!("a block quote"),
            Md::Start(Tag::CodeBlock(_)) => panic!("a code block"),
            Md::Rule => panic!("a thematic break"),
            Md::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Md::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Md::Start(Tag::Item) => item_start = true,
            Md::Text(t) => {
                assert!(!t.contains("<br>"), "{t}");
                if let Some(h) = heading.as_mut() {
                    h.push_str(t);
                }
                if item_start {
                    for player in ["item", "first", "not a list"] {
                        assert!(
                            !t.starts_with(player),
                            "player text became a list item: {t}"
                        );
                    }
                }
                item_start = false;
                text.push_str(t);
            }
            Md::Start(Tag::Strong) => {}
            _ => item_start = false,
        }
    }
    // The headings are the report's own, each once.
    let unique: std::collections::BTreeSet<&String> = headings.iter().collect();
    assert_eq!(
        unique.len(),
        headings.len(),
        "repeated headings: {headings:?}"
    );
    assert!(
        headings.iter().any(|h| h == "Turn 2: Adjudication"),
        "{headings:?}"
    );
    for h in &headings {
        assert!(
            !h.contains("Heading?") && !h.contains("Not a heading") && !h.contains('='),
            "player text became a heading: {h}"
        );
    }
    // Every piece of the payload reads as typed.
    for typed in [
        "https://evil.example/x",
        "www.evil.example",
        "ops@evil.example",
        "## Heading?",
        "- item",
        "1. first",
        "> quote",
    ] {
        assert!(text.contains(typed), "{typed} is not shown as typed");
    }
    // The by-turn table has one row per indicator and a column per turn.
    let by_turn = md
        .split("### Indicators by turn")
        .nth(1)
        .expect("the by-turn table");
    assert!(
        by_turn.contains("| Indicator | T0 | T1 | T2 | T3 |"),
        "{by_turn}"
    );
    let rows = by_turn
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .count();
    assert_eq!(rows, s.scenario.indicators.len());
}

#[test]
fn html_tables_scroll_in_their_own_box_and_print_without_squeezing() {
    let s = scripted_session();
    let html = text(&s, Format::Html, &PLAIN);
    let tables = html.matches("<table").count();
    assert!(tables >= 5, "{tables} tables");
    // Every table sits alone in a wrapper that scrolls sideways, so at 390 px the
    // page itself never does.
    assert_eq!(
        html.matches("<div class=\"wide\"><table").count(),
        tables,
        "a table outside a scrolling wrapper"
    );
    assert_eq!(html.matches("</table></div>").count(), tables);
    let css = html
        .split("<style>")
        .nth(1)
        .and_then(|c| c.split("</style>").next())
        .expect("inline CSS");
    for rule in [
        ".wide{overflow-x:auto",
        "main{max-width:62rem;margin:0 auto;padding:2rem 1.25rem 4rem;overflow-wrap:anywhere}",
        "table.odds{width:auto;min-width:min(22rem,100%)}",
    ] {
        assert!(css.contains(rule), "missing {rule}");
    }
    // Print: the log's columns are fixed and narrow, so "What happened" keeps
    // the rest of the page width, and every cell wraps.
    let print = css
        .split("@media print{")
        .nth(1)
        .expect("a print stylesheet");
    for rule in [
        ".wide{overflow:visible}",
        "table.log{min-width:0;table-layout:fixed}",
        "table.log col.c-time{width:7.2em}",
        "table.log td,table.log td.t{white-space:normal;overflow-wrap:anywhere}",
    ] {
        assert!(print.contains(rule), "print stylesheet lacks {rule}");
    }
    let log = html
        .split("id=\"event-log\"")
        .nth(1)
        .expect("the event log");
    assert!(log.contains("<colgroup><col class=\"c-seq\"><col class=\"c-time\">"));
}
