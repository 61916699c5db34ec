//! After-action exports: golden files, determinism, escaping, CSV injection, JSON
//! completeness, anonymisation.
//!
//! `UPDATE_GOLDEN=1 cargo test --test suite export::` rewrites the golden files in
//! `tests/golden/` (review the diff before committing).

use crate::common::export_session;

use std::path::PathBuf;

use export_session::{
    MD_LINK, MSG_BLOCKS, MSG_FORMULA, MSG_UNICODE, PLAYERS, Session, WHITE_CELL_AS, XSS_IMG,
    XSS_SCRIPT, scripted_session,
};
use wargame::engine::{self, Event, EventBody};
use wargame::export::{CsvTable, ExportOptions, Format, SessionMeta, export};

fn meta() -> SessionMeta {
    SessionMeta {
        session_id: "s-golden".to_string(),
        join_code: Some("JOIN-42".to_string()),
        exported_at: None,
    }
}

const PLAIN: ExportOptions = ExportOptions {
    anonymize: false,
    table: CsvTable::Choices,
};
const ANON: ExportOptions = ExportOptions {
    anonymize: true,
    table: CsvTable::Choices,
};

fn render(s: &Session, events: &[Event], format: Format, opts: &ExportOptions) -> Vec<u8> {
    export(format, &meta(), &s.scenario, &s.source, events, opts)
}

fn text(s: &Session, format: Format, opts: &ExportOptions) -> String {
    String::from_utf8(render(s, &s.events, format, opts)).expect("exports are UTF-8")
}

const MESSAGES: ExportOptions = ExportOptions {
    anonymize: false,
    table: CsvTable::Messages,
};
const ANON_MESSAGES: ExportOptions = ExportOptions {
    anonymize: true,
    table: CsvTable::Messages,
};

/// Every way the session exports: each format, and the CSV's second table.
const EVERY_EXPORT: [(Format, CsvTable); 6] = [
    (Format::Json, CsvTable::Choices),
    (Format::Markdown, CsvTable::Choices),
    (Format::Html, CsvTable::Choices),
    (Format::Csv, CsvTable::Choices),
    (Format::Csv, CsvTable::Messages),
    (Format::Xlsx, CsvTable::Choices),
];

fn posted(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e.body, EventBody::MessagePosted { .. }))
        .count()
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
        ("session-messages.csv", Format::Csv, MESSAGES),
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
            "bot",
            "forked_from"
        ]
    );
    assert_eq!(
        rows.len() - 1,
        published(&s),
        "one row per published choice"
    );
    assert!(rows.iter().all(|r| r.len() == 16));
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
        "## Exercise overview",
        "### Participating organisations",
        "## Exercise summary",
        "### Key decision points",
        "## Analysis of capabilities and objectives",
        "## Conclusion",
        "### How the game ended",
        "## Appendix A: Improvement plan",
        "## Appendix B: Participant feedback",
        "## Appendix C: Turn-by-turn narrative",
        "### Turn 1",
        "### Turn 2",
        "### Turn 3",
        "#### Turn 1: Injects",
        "#### Turn 1: Decisions",
        "#### Turn 1: Adjudication",
        "#### Turn 1: Overrides",
        "#### Turn 3: Indicator changes",
        "## Appendix D: Negotiation",
        "## Appendix E: Facilitator notes",
        "## Appendix F: Event log",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    assert!(md.contains("- **Seed:** 20261127"));
    assert!(md.contains("Alena Kazlova (seat 1)"));
    // One line per event in the appendix.
    let log = md
        .split("## Appendix F: Event log")
        .nth(1)
        .expect("appendix");
    assert_eq!(
        log.lines().filter(|l| l.starts_with("- ")).count(),
        s.events.len()
    );
}

#[test]
fn anonymised_exports_hold_no_player_name() {
    let s = scripted_session();
    // The White Cell speaks as a character named after a player, too.
    let mut events = s.events.clone();
    for e in &mut events {
        if let EventBody::MessagePosted { from, .. } = &mut e.body
            && from.as_.is_some()
        {
            from.as_ = Some("Olaf Berg's double".to_string());
        }
    }
    for (format, table) in EVERY_EXPORT {
        // The workbook stores its parts uncompressed: its bytes hold the text.
        let plain = ExportOptions { table, ..PLAIN };
        let anon = ExportOptions { table, ..ANON };
        let before = String::from_utf8_lossy(&render(&s, &events, format, &plain)).into_owned();
        let out = String::from_utf8_lossy(&render(&s, &events, format, &anon)).into_owned();
        if format != Format::Csv || table == CsvTable::Messages {
            // Messages name players; the export without --anonymize shows them.
            assert!(
                before.contains("Dmitri Volkov, aid first."),
                "{format:?} {table:?} lacks the message"
            );
            assert!(
                out.contains("Russia seat 1, aid first."),
                "{format:?} {table:?}: the name in the message is not replaced"
            );
            assert!(
                out.contains("Agreed, Belarus seat 1."),
                "{format:?} {table:?}"
            );
            let double = if format == Format::Html {
                "Observer 1&#39;s double"
            } else {
                "Observer 1's double"
            };
            assert!(out.contains(double), "{format:?} {table:?}");
        }
        for (_, name) in PLAYERS {
            assert!(!out.contains(name), "{format:?} {table:?} leaks {name}");
        }
        for bit in ["Kazlova", "Volkov", "Bondar", "O'Neil", "Olaf"] {
            assert!(!out.contains(bit), "{format:?} {table:?} leaks {bit}");
        }
    }
    // Authors become their seats, in the transcript and the agreements.
    let md = String::from_utf8(render(&s, &events, Format::Markdown, &ANON)).expect("UTF-8");
    assert!(md.contains("**Belarus: Belarus seat 1**: \\# Not a heading"));
    assert!(md.contains("**White Cell as Observer 1's double**"));
    assert!(md.contains("Border hotline with Ukraine seat 1"));
    assert!(md.contains("accepted \\(Agreed with Ukraine seat 1.\\)"));
    assert!(md.contains("A hotline; NATO / West seat 1 to witness."));
    let doc: serde_json::Value =
        serde_json::from_slice(&render(&s, &events, Format::Json, &ANON)).expect("JSON");
    let messages = &doc["negotiation"]["channels"][0]["messages"];
    assert_eq!(messages[0]["author"], "Belarus seat 1");
    assert_eq!(messages[1]["author"], "Russia seat 1");
    let csv = String::from_utf8(render(&s, &events, Format::Csv, &ANON_MESSAGES)).expect("UTF-8");
    let rows = parse_csv(csv.strip_prefix('\u{FEFF}').expect("BOM"));
    assert_eq!(rows[1][6], "Belarus seat 1", "the author column");
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

/// The sheet read back, after checking it cell for cell against the CSV's rows: the
/// same text (without the CSV's `'` guard), whole numbers as numbers, no formula.
fn sheet_matches_csv<R: std::io::Read + std::io::Seek>(
    book: &mut calamine::Xlsx<R>,
    name: &str,
    csv_rows: &[Vec<String>],
) -> Vec<Vec<calamine::Data>> {
    use calamine::{Data, Reader};
    let sheet = book.worksheet_range(name).expect("the sheet");
    let got: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(got.len(), csv_rows.len(), "{name}: one row per CSV row");
    for (r, (xrow, crow)) in got.iter().zip(csv_rows).enumerate() {
        assert_eq!(xrow.len(), crow.len(), "{name} row {r}");
        for (x, c) in xrow.iter().zip(crow) {
            let x = match x {
                Data::String(t) => t.clone(),
                Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                Data::Int(i) => i.to_string(),
                // A column with nothing in it at the end of a short row.
                Data::Empty => String::new(),
                other => panic!("{name} row {r}: unexpected cell {other:?}"),
            };
            // The CSV guards a formula-like cell with a leading `'`; the workbook
            // needs no guard, its text cells are never formulas.
            let unguarded = c.strip_prefix('\'').filter(|_| !x.starts_with('\''));
            assert_eq!(&x, unguarded.unwrap_or(c), "{name} row {r}");
        }
    }
    let formulas = book.worksheet_formula(name).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "{name}: a cell is a formula"
    );
    got
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
    assert_eq!(
        book.sheet_names(),
        ["Choices", "Messages", "Improvement plan", "Debrief"]
    );
    let got = sheet_matches_csv(&mut book, "Choices", &csv_rows);
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
    // The Messages sheet is the messages CSV, cell for cell.
    let csv = String::from_utf8(render(&s, &events, Format::Csv, &MESSAGES)).expect("UTF-8");
    let csv_rows = parse_csv(csv.strip_prefix('\u{FEFF}').expect("BOM"));
    let got = sheet_matches_csv(&mut book, "Messages", &csv_rows);
    let cells: Vec<String> = got.iter().flatten().map(ToString::to_string).collect();
    assert!(cells.iter().any(|c| c == MSG_UNICODE), "non-ASCII intact");
    assert!(cells.iter().any(|c| c == MSG_FORMULA), "a formula is text");
    assert!(cells.iter().any(|c| c == MSG_BLOCKS), "line breaks intact");
    assert!(matches!(got[1][0], Data::Float(_) | Data::Int(_)), "seq");
    // The same session gives the same bytes.
    assert_eq!(bytes, render(&s, &events, Format::Xlsx, &PLAIN));
}

#[test]
fn the_messages_csv_has_a_row_per_message_in_the_order_posted() {
    let s = scripted_session();
    let csv = text(&s, Format::Csv, &MESSAGES);
    let rows = parse_csv(csv.strip_prefix('\u{FEFF}').expect("UTF-8 BOM"));
    assert_eq!(
        rows[0],
        [
            "seq", "turn", "phase", "time", "channel", "team", "author", "as", "text"
        ]
    );
    assert_eq!(rows.len() - 1, posted(&s.events));
    let seqs: Vec<u64> = rows[1..]
        .iter()
        .map(|r| r[0].parse().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in the order posted");
    let row = |text: &str| {
        rows.iter()
            .find(|r| r[8] == text)
            .unwrap_or_else(|| panic!("no row for {text}"))
            .clone()
    };
    let first = row(MSG_BLOCKS);
    assert_eq!(
        first[1..8],
        [
            "1",
            "decision",
            "2026-11-27T09:12:05Z",
            "belarus-russia",
            "belarus",
            "Alena Kazlova",
            ""
        ]
    );
    // A formula is guarded; the White Cell's in-character post names its character.
    assert!(rows.iter().any(|r| r[8] == format!("'{MSG_FORMULA}")));
    let white_cell = rows
        .iter()
        .find(|r| r[7] == WHITE_CELL_AS)
        .expect("the in-character post");
    assert_eq!(white_cell[4..7], ["all", "", "White Cell"]);
    assert_eq!(row(MSG_UNICODE)[6], "Oksana Bondar");
    // The choices CSV is what it was: the messages are a table of their own.
    let choices = text(&s, Format::Csv, &PLAIN);
    assert!(!choices.contains("aid first"));
    // And saved under a name of its own.
    let (_, name) = wargame::export::export_file(
        Format::Csv,
        &meta(),
        &s.scenario,
        &s.source,
        &s.events,
        &MESSAGES,
    );
    assert!(name.ascii.ends_with("-aar-messages.csv"), "{}", name.ascii);
}

#[test]
fn negotiation_reads_as_transcripts_and_an_agreements_table() {
    let s = scripted_session();
    let md = text(&s, Format::Markdown, &PLAIN);
    let section = md
        .split(": Negotiation\n")
        .nth(1)
        .and_then(|n| n.split("## Appendix").next())
        .expect("a negotiation appendix before the next one");
    // A transcript per channel, headed by its name and members, in the order posted,
    // with the White Cell's closing and reopening as lines of their own.
    let bilateral = section
        .split("### Channel: Belarus – Russia \\(Belarus, Russia\\)\n\n")
        .nth(1)
        .and_then(|c| c.split("\n\n").next())
        .expect("the bilateral channel's transcript");
    let lines: Vec<&str> = bilateral.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(lines.len(), 4, "{bilateral}");
    assert!(lines[0].starts_with(
        "- Turn 1 · decision · 27 Nov 09:12 · **Belarus: Alena Kazlova**: \\# Not a heading"
    ));
    assert!(lines[1].contains("**Russia: Dmitri Volkov**: \\=HYPERLINK"));
    assert!(lines[2].ends_with("The White Cell closed the channel."));
    assert!(lines[3].contains("handed the channel back to its schedule \\(open now\\)"));
    assert!(
        section
            .contains("### Channel: All teams \\(public: Belarus, Russia, Ukraine, NATO / West\\)")
    );
    assert!(section.contains("**White Cell as Kremlin spokesman**: Moscow welcomes dialogue."));
    assert!(section.contains(MSG_UNICODE));
    // The agreements: the template accepted and applied, the custom one rejected.
    let ag1 = section
        .lines()
        .find(|l| l.starts_with("| ag1 |"))
        .expect("ag1's row");
    for cell in [
        "| Ukraine |",
        "| Ukraine, NATO / West |",
        "| template kyiv\\_west\\_intelligence |",
        "NATO / West: accepted \\(Agreed with Oksana Bondar.\\)",
        "| accepted |",
        "| at the publication of turn 1 outcomes, 27 Nov 09:20 |",
        "| Ukraine's northern defences +3; sets Western intelligence sharing on Belarus |",
    ] {
        assert!(ag1.contains(cell), "ag1 lacks {cell}: {ag1}");
    }
    let ag2 = section
        .lines()
        .find(|l| l.starts_with("| ag2 |"))
        .expect("ag2's row");
    for cell in [
        "| Border hotline with Oksana Bondar |",
        "| custom |",
        "Ukraine: rejected \\(=1+1 Not while Dmitri Volkov's troops",
        "| rejected |",
        "| never \\(a custom agreement is recorded only\\) |",
    ] {
        assert!(ag2.contains(cell), "ag2 lacks {cell}: {ag2}");
    }
    assert!(section.contains("- **ag2 · Border hotline with Oksana Bondar**: &lt;script&gt;"));
    // The turn that applied it says so, so its indicator changes add up.
    let turn_1 = md
        .split("### Turn 1: Adjudication")
        .nth(1)
        .and_then(|t| t.split("### Turn 1: Overrides").next())
        .expect("turn 1's adjudication");
    assert!(turn_1.contains(
        "- **ag1 · Agreement: Kyiv-West intelligence-sharing arrangement on Belarus** \
         (Ukraine, NATO / West): applied\n  - Effects: Ukraine's northern defences +3; \
         sets Western intelligence sharing on Belarus"
    ));

    let html = text(&s, Format::Html, &PLAIN);
    assert!(html.contains("<a href=\"#negotiation\">Negotiation</a>"));
    let section = html
        .split("<section id=\"negotiation\">")
        .nth(1)
        .and_then(|n| n.split("</section>").next())
        .expect("the HTML's negotiation section");
    assert!(section.contains("<h3>Channel: Belarus – Russia (Belarus, Russia)</h3>"));
    assert!(section.contains("<strong>White Cell as Kremlin spokesman</strong>"));
    assert!(section.contains("&lt;b&gt;html&lt;/b&gt; Dmitri Volkov, aid first."));
    assert!(section.contains("<li class=\"sub\">Turn 1 · decision · 27 Nov 09:12 · The White Cell closed the channel.</li>"));
    assert!(section.contains("<td>at the publication of turn 1 outcomes, 27 Nov 09:20</td>"));
    assert!(section.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; A hotline"));
    assert!(!section.contains("<b>") && !section.contains("<script"));
}

#[test]
fn json_negotiation_holds_every_message_and_agreement() {
    let s = scripted_session();
    let doc: serde_json::Value =
        serde_json::from_str(&text(&s, Format::Json, &PLAIN)).expect("JSON");
    let n = &doc["negotiation"];
    let channels = n["channels"].as_array().expect("channels");
    let ids: Vec<&str> = channels.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["belarus-russia", "all"], "scenario order");
    let messages: usize = channels
        .iter()
        .map(|c| c["messages"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(messages, posted(&s.events));
    assert_eq!(
        channels[0]["members"],
        serde_json::json!(["belarus", "russia"])
    );
    assert_eq!(channels[0]["messages"][0]["text"], MSG_BLOCKS);
    assert_eq!(channels[0]["messages"][0]["author"], "Alena Kazlova");
    assert_eq!(channels[0]["messages"][0]["player"], "p1");
    assert_eq!(channels[0]["changes"][0]["open"], false);
    assert_eq!(channels[0]["changes"][1]["scheduled"], true);
    let wc = &channels[1]["messages"][0];
    assert_eq!(wc["role"], "facilitator");
    assert_eq!(wc["author"], "White Cell");
    assert_eq!(wc["as"], WHITE_CELL_AS);
    assert!(wc["team"].is_null());
    let ag = n["agreements"].as_array().expect("agreements");
    assert_eq!(ag.len(), 2);
    assert_eq!(ag[0]["template"], "kyiv_west_intelligence");
    assert_eq!(ag[0]["result"], "accepted");
    assert_eq!(ag[0]["answers"][0]["team"], "nato");
    assert_eq!(ag[0]["answers"][0]["accept"], true);
    assert_eq!(ag[0]["applied"]["turn"], 1);
    assert_eq!(ag[0]["applied"]["effects"]["ua_north_defence"], 3);
    assert_eq!(
        ag[0]["applied"]["set"],
        serde_json::json!(["intel_sharing"])
    );
    assert_eq!(ag[1]["custom"], true);
    assert!(ag[1]["template"].is_null());
    assert_eq!(ag[1]["result"], "rejected");
    assert!(ag[1]["applied"].is_null());
    assert_eq!(ag[1]["parties"], serde_json::json!(["belarus", "ukraine"]));
}

#[test]
fn a_session_that_never_negotiated_reports_no_negotiation() {
    let s = scripted_session();
    let quiet: Vec<Event> = s
        .events
        .iter()
        .filter(|e| {
            !matches!(
                e.body,
                EventBody::MessagePosted { .. }
                    | EventBody::ChannelChanged { .. }
                    | EventBody::AgreementProposed(_)
                    | EventBody::AgreementResponded(_)
                    | EventBody::AgreementResolved(_)
                    | EventBody::AgreementApplied(_)
            )
        })
        .cloned()
        .collect();
    let out = |format, opts| String::from_utf8(render(&s, &quiet, format, &opts)).expect("UTF-8");
    assert!(!out(Format::Markdown, PLAIN).contains("Negotiation"));
    assert!(!out(Format::Markdown, PLAIN).contains("### Channel"));
    assert!(!out(Format::Html, PLAIN).contains("egotiation"));
    let doc: serde_json::Value = serde_json::from_str(&out(Format::Json, PLAIN)).expect("JSON");
    assert!(doc.get("negotiation").is_none());
    // The messages table is still there for a spreadsheet to open: just its header.
    let csv = out(Format::Csv, MESSAGES);
    assert_eq!(
        csv,
        "\u{FEFF}seq,turn,phase,time,channel,team,author,as,text\r\n"
    );
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
    // Messages, the White Cell's character and a custom agreement try the same.
    for e in &mut events {
        match &mut e.body {
            EventBody::MessagePosted { text, from, .. } => {
                *text = "- list\n# heading\n<b>html</b>\nhttps://evil.example/m".to_string();
                if from.as_.is_some() {
                    from.as_ = Some("[spokesman](https://evil.example/as)".to_string());
                }
            }
            EventBody::AgreementProposed(p) if p.template.is_none() => {
                p.title = "# heading\n- list".to_string();
                p.text = "1) first\n<b>html</b> www.evil.example".to_string();
            }
            _ => {}
        }
    }
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
                    for player in ["item", "first", "not a list", "list", "heading"] {
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
            !h.contains("Heading?")
                && !h.contains("Not a heading")
                && !h.contains("heading")
                && !h.contains('='),
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
        "- list",
        "# heading",
        "<b>html</b>",
        "https://evil.example/m",
        "[spokesman](https://evil.example/as)",
        "1) first",
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
