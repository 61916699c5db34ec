//! The White Cell's after-action record (HSEEP AAR/IP): report settings, strengths
//! and areas for improvement, the conclusion and the improvement plan. Their
//! commands and errors, who sees them (marker strings, every seat and every export),
//! and the report's HSEEP sections in order.

use crate::common;

use wargame::engine::{self, Actor, Command, NoteCategory, Phase, PlanInput, ReportInfo, Viewer};
use wargame::export::{CsvTable, ExportOptions, Format, SessionMeta, export};

use common::*;

const SEED: u64 = 7;

fn note(text: &str, category: NoteCategory, about: Option<&str>) -> Command {
    Command::Note {
        text: text.to_string(),
        public: false,
        category,
        about: about.map(str::to_string),
    }
}

fn plan(issue: &str, recommendation: &str, owner: &str, due: &str) -> PlanInput {
    PlanInput {
        issue: issue.to_string(),
        recommendation: recommendation.to_string(),
        owner: owner.to_string(),
        due: due.to_string(),
        ..PlanInput::default()
    }
}

fn code(g: &mut Game, actor: &Actor, cmd: Command) -> String {
    g.try_cmd(actor, cmd)
        .expect_err("the command is refused")
        .code
        .as_str()
        .to_string()
}

/// The default scenario played through turn 1 (Belarus expands logistics, and the
/// White Cell injects a memo), then ended by the White Cell.
fn ended_game(settings: ReportInfo) -> Game {
    let at = 1_750_000_000_000;
    let (state, created) = engine::create_with(
        belarus(),
        &engine::Settings {
            title: "Syndicate B",
            seed: SEED,
            max_turns: None,
            auto_advance: true,
            private_rationales: false,
            time_zone: None,
            team_leads: false,
            player_odds: engine::PlayerOdds::None,
            report: settings,
            anonymous_debrief: false,
        },
        at,
    );
    let mut g = Game {
        scenario: belarus(),
        state,
        events: vec![created],
        at,
    };
    for (t, name) in [("belarus", "Ana"), ("russia", "Rus"), ("observer", "Olga")] {
        g.cmd(
            &Actor::System,
            Command::Join {
                team: t.to_string(),
                name: name.to_string(),
                player: format!("p-{t}"),
            },
        );
    }
    g.advance_to(Phase::Briefing);
    g.fac(custom_inject("Memo", "A memo", &[("escalation", 1)], &[]));
    g.advance_to(Phase::Decision);
    g.submit("belarus", &[("expand_logistics", "roads")]);
    g.advance_to(Phase::Review);
    g.fac(Command::End { reason: None });
    assert_eq!(g.state.phase, Phase::Ended);
    g
}

fn inject_id(g: &Game) -> String {
    g.state.injects[0].id.clone()
}

#[test]
fn the_white_cell_writes_the_record_after_the_end_and_nobody_else_can() {
    let mut g = ended_game(ReportInfo::default());
    // Tagged notes: an objective (bare id, unique to Belarus), an inject, a choice.
    let ev = g.fac(note(
        "Kept control",
        NoteCategory::Strength,
        Some("regime_survives"),
    ));
    let json = serde_json::to_value(&ev[0]).expect("json");
    assert_eq!(json["kind"], "note_added");
    assert_eq!(json["category"], "strength");
    assert_eq!(json["about"], "belarus:regime_survives", "stored canonical");
    let inject = inject_id(&g);
    g.fac(note(
        "Slow reading",
        NoteCategory::Improvement,
        Some(&inject),
    ));
    g.fac(note("Bold", NoteCategory::Strength, Some("t1-belarus-1")));
    // A plain note keeps its old shape: no category, no about.
    let ev = g.fac(note("Plain", NoteCategory::Note, None));
    let json = serde_json::to_value(&ev[0]).expect("json");
    assert!(json.get("category").is_none() && json.get("about").is_none());

    // Report settings: set, then clear one.
    g.fac(Command::ReportInfo(ReportInfo {
        scope: Some("Two syndicates".to_string()),
        sponsor: Some("Staff college".to_string()),
        point_of_contact: None,
    }));
    g.fac(Command::ReportInfo(ReportInfo {
        sponsor: Some(String::new()),
        ..ReportInfo::default()
    }));
    let aar = &g.state.after_action;
    assert_eq!(aar.info.scope.as_deref(), Some("Two syndicates"));
    assert_eq!(aar.info.sponsor, None);

    // The conclusion: the latest wins.
    g.fac(Command::Conclude {
        text: "First".to_string(),
    });
    g.fac(Command::Conclude {
        text: "Second".to_string(),
    });
    assert_eq!(g.state.after_action.conclusion.as_deref(), Some("Second"));

    // The plan: new items get ids, an edit keeps its id, a removed id is not reused.
    g.fac(Command::Plan(plan("Slow", "Drill", "J3", "2026-03-01")));
    let mut second = plan("Late", "Rehearse", "", "");
    second.objective = Some("russia:compliant_minsk".to_string());
    g.fac(Command::Plan(second));
    let mut edit = plan("Slow to decide", "Drill weekly", "J3 plans", "2026-04-30");
    edit.item = Some("ip1".to_string());
    g.fac(Command::Plan(edit));
    g.fac(Command::Plan(PlanInput {
        item: Some("ip2".to_string()),
        remove: true,
        ..PlanInput::default()
    }));
    g.fac(Command::Plan(plan("Third", "Fix", "", "")));
    let items: Vec<(&str, &str)> = g
        .state
        .after_action
        .plan
        .iter()
        .map(|p| (p.item.as_str(), p.issue.as_str()))
        .collect();
    assert_eq!(items, [("ip1", "Slow to decide"), ("ip3", "Third")]);

    // Players and observers are refused every one of them.
    for actor in [team("belarus"), observer()] {
        for cmd in [
            note("x", NoteCategory::Strength, None),
            Command::Conclude {
                text: "x".to_string(),
            },
            Command::Plan(plan("x", "y", "", "")),
            Command::ReportInfo(ReportInfo {
                scope: Some("x".to_string()),
                ..ReportInfo::default()
            }),
        ] {
            assert_eq!(code(&mut g, &actor, cmd), "forbidden");
        }
    }
    // The game itself stays over.
    assert_eq!(code(&mut g, &FAC, Command::Advance), "session_ended");

    // Replay reaches the same state and hash.
    let replayed = engine::replay(g.scenario.clone(), &g.events);
    assert_eq!(replayed.after_action, g.state.after_action);
    assert_eq!(
        replayed.hash().expect("hash"),
        g.state.hash().expect("hash")
    );
}

#[test]
fn bad_records_get_clear_errors() {
    let mut g = ended_game(ReportInfo::default());
    let strength_public = Command::Note {
        text: "x".to_string(),
        public: true,
        category: NoteCategory::Strength,
        about: None,
    };
    let cases: Vec<(&str, Command, &str)> = vec![
        ("a public strength", strength_public, "forbidden"),
        (
            "an objective no team has",
            note("x", NoteCategory::Improvement, Some("nato:nothing")),
            "unknown_subject",
        ),
        (
            "a choice never made",
            note("x", NoteCategory::Strength, Some("t9-nato-1")),
            "unknown_subject",
        ),
        (
            "a plan item for an inject, not an objective",
            Command::Plan(PlanInput {
                objective: Some(inject_id(&g)),
                ..plan("x", "y", "", "")
            }),
            "unknown_subject",
        ),
        (
            "a plan item without an issue",
            Command::Plan(plan("  ", "y", "", "")),
            "empty_text",
        ),
        (
            "a plan item without a recommendation",
            Command::Plan(plan("x", "", "", "")),
            "empty_text",
        ),
        (
            "a due date in another format",
            Command::Plan(plan("x", "y", "", "01/03/2026")),
            "invalid_date",
        ),
        (
            "an owner too long",
            Command::Plan(plan("x", "y", &"o".repeat(201), "")),
            "text_too_long",
        ),
        (
            "remove without an item",
            Command::Plan(PlanInput {
                remove: true,
                ..PlanInput::default()
            }),
            "unknown_item",
        ),
        (
            "an empty conclusion",
            Command::Conclude {
                text: " ".to_string(),
            },
            "empty_text",
        ),
        (
            "report settings with nothing in them",
            Command::ReportInfo(ReportInfo::default()),
            "empty_text",
        ),
        (
            "a scope too long",
            Command::ReportInfo(ReportInfo {
                scope: Some("s".repeat(engine::MAX_SCOPE + 1)),
                ..ReportInfo::default()
            }),
            "text_too_long",
        ),
    ];
    for (what, cmd, want) in cases {
        let before = g.state.hash().expect("hash");
        assert_eq!(code(&mut g, &FAC, cmd), want, "{what}");
        assert_eq!(
            g.state.hash().expect("hash"),
            before,
            "{what} changed the state"
        );
    }
    // The plan holds at most MAX_PLAN_ITEMS.
    for _ in 0..engine::MAX_PLAN_ITEMS {
        g.fac(Command::Plan(plan("x", "y", "", "")));
    }
    assert_eq!(
        code(&mut g, &FAC, Command::Plan(plan("x", "y", "", ""))),
        "text_too_long"
    );
}

#[test]
fn a_session_without_report_settings_keeps_its_first_events_bytes() {
    let (_, created) = engine::create(belarus(), "t", 1, None, true, 0);
    let json = serde_json::to_string(&created).expect("json");
    for key in ["scope", "sponsor", "point_of_contact"] {
        assert!(!json.contains(key), "{key} in {json}");
    }
    // Given, they are recorded trimmed; blank ones are left out.
    let g = ended_game(ReportInfo {
        scope: Some("  Two syndicates ".to_string()),
        sponsor: Some("   ".to_string()),
        point_of_contact: Some("Maj. Ivanova".to_string()),
    });
    let first = serde_json::to_value(&g.events[0]).expect("json");
    assert_eq!(first["scope"], "Two syndicates");
    assert!(first.get("sponsor").is_none());
    assert_eq!(first["point_of_contact"], "Maj. Ivanova");
}

/// Marker strings in every field of the record: they reach the White Cell and
/// every export, and no other seat, live or in a snapshot.
const MARKERS: [&str; 9] = [
    "MARK-scope",
    "MARK-sponsor",
    "MARK-poc",
    "MARK-strength",
    "MARK-improvement",
    "MARK-conclusion",
    "MARK-issue",
    "MARK-recommendation",
    "MARK-owner",
];

/// Markers of the improvement plan: in its CSV table and the workbook too.
const PLAN_MARKERS: [&str; 3] = ["MARK-issue", "MARK-recommendation", "MARK-owner"];

fn marked_game() -> Game {
    let mut g = ended_game(ReportInfo {
        scope: Some("MARK-scope".to_string()),
        sponsor: Some("MARK-sponsor".to_string()),
        point_of_contact: None,
    });
    g.fac(Command::ReportInfo(ReportInfo {
        point_of_contact: Some("MARK-poc".to_string()),
        ..ReportInfo::default()
    }));
    g.fac(note(
        "MARK-strength",
        NoteCategory::Strength,
        Some("belarus:regime_survives"),
    ));
    g.fac(note("MARK-improvement", NoteCategory::Improvement, None));
    g.fac(Command::Conclude {
        text: "MARK-conclusion".to_string(),
    });
    g.fac(Command::Plan(PlanInput {
        objective: Some("belarus:regime_survives".to_string()),
        ..plan(
            "MARK-issue",
            "MARK-recommendation",
            "MARK-owner",
            "2026-05-01",
        )
    }));
    g
}

fn seen_by(g: &Game, viewer: &Viewer) -> String {
    let mut out = serde_json::to_string(&engine::view(&g.state, viewer)).expect("view json");
    for e in &g.events {
        if let Some(v) = engine::visible(&g.scenario, e, viewer) {
            out.push('\n');
            out.push_str(&serde_json::to_string(&v).expect("event json"));
        }
    }
    out
}

#[test]
fn the_record_reaches_the_white_cell_and_every_export_and_no_other_seat() {
    let g = marked_game();
    let mut seats: Vec<Viewer> = ["belarus", "russia", "ukraine", "nato"]
        .iter()
        .map(|t| Viewer::Team(t.to_string()))
        .collect();
    seats.push(Viewer::Observer);
    for seat in &seats {
        let text = seen_by(&g, seat);
        for m in MARKERS {
            assert!(!text.contains(m), "{seat:?} can read {m}");
        }
        for key in [
            "\"after_action\"",
            "report_info_set",
            "conclusion_set",
            "plan_item_set",
        ] {
            assert!(!text.contains(key), "{seat:?} gets {key}");
        }
    }
    let fac = seen_by(&g, &Viewer::Facilitator);
    for m in MARKERS {
        assert!(fac.contains(m), "the White Cell cannot read {m}");
    }
    let view = serde_json::to_value(engine::view(&g.state, &Viewer::Facilitator)).expect("json");
    assert_eq!(view["after_action"]["conclusion"], "MARK-conclusion");
    assert_eq!(view["after_action"]["plan"][0]["item"], "ip1");

    let meta = SessionMeta {
        session_id: "s-aar".to_string(),
        ..SessionMeta::default()
    };
    for anonymize in [false, true] {
        for format in Format::ALL {
            for table in CsvTable::ALL {
                if format != Format::Csv && table != CsvTable::Choices {
                    continue;
                }
                let opts = ExportOptions { anonymize, table };
                let bytes = export(format, &meta, &g.scenario, "", &g.events, &opts);
                // The workbook stores its parts uncompressed: its bytes hold the text.
                let text = String::from_utf8_lossy(&bytes);
                let want: &[&str] = match (format, table) {
                    (Format::Json | Format::Markdown | Format::Html, _) => &MARKERS,
                    (Format::Csv, CsvTable::Plan) | (Format::Xlsx, _) => &PLAN_MARKERS,
                    (Format::Csv, _) => &[],
                };
                for m in want {
                    assert!(
                        text.contains(m),
                        "{format:?} {table:?} (anonymised: {anonymize}) lacks {m}"
                    );
                }
            }
        }
    }
}

fn md_of(g: &Game) -> String {
    let meta = SessionMeta {
        session_id: "s-aar".to_string(),
        ..SessionMeta::default()
    };
    let bytes = export(
        Format::Markdown,
        &meta,
        &g.scenario,
        "",
        &g.events,
        &ExportOptions::default(),
    );
    String::from_utf8(bytes).expect("utf-8")
}

/// The sections of `text` between `heading` and the next heading of its level.
fn section<'t>(text: &'t str, heading: &str) -> &'t str {
    let start = text
        .find(&format!("{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading}"));
    let level = heading.split(' ').next().unwrap_or("##");
    let body = &text[start + heading.len()..];
    let end = body
        .match_indices(&format!("\n{level} "))
        .map(|(i, _)| i)
        .next()
        .unwrap_or(body.len());
    &body[..end]
}

#[test]
fn the_report_follows_hseep_order_with_the_white_cells_record() {
    let g = marked_game();
    let md = md_of(&g);
    let order = [
        "## Exercise overview",
        "### Objectives",
        "### Participating organisations",
        "## Exercise summary",
        "## Analysis of capabilities and objectives",
        "### Belarus: regime\\_survives",
        "### Other observations",
        "## Conclusion",
        "## Appendix A: Improvement plan",
        "## Appendix B: Participant feedback",
        "## Appendix C: Turn-by-turn narrative",
        "## Appendix D: Facilitator notes",
        "## Appendix E: Event log",
    ];
    let mut at = 0;
    for h in order {
        let found = md[at..]
            .find(&format!("{h}\n"))
            .unwrap_or_else(|| panic!("{h} missing or out of order"));
        at += found + h.len();
    }
    let overview = section(&md, "## Exercise overview");
    for line in [
        "- **Exercise name:** Syndicate B",
        "- **Scope:** MARK-scope",
        "- **Sponsor:** MARK-sponsor",
        "- **Point of contact:** MARK-poc",
        "- **Belarus** (regime\\_survives, weight 3): The regime ends the game in control",
    ] {
        assert!(
            overview.contains(line),
            "overview lacks {line}:\n{overview}"
        );
    }
    // The strength sits under its objective, with the objective's result and the
    // decision that moved what it depends on; the untagged improvement under the
    // general heading.
    let objective = section(&md, "### Belarus: regime\\_survives");
    assert!(objective.contains("- **Result:** "), "{objective}");
    assert!(objective.contains("MARK-strength"), "{objective}");
    assert!(!objective.contains("MARK-improvement"), "{objective}");
    let other = section(&md, "### Other observations");
    assert!(other.contains("MARK-improvement") && !other.contains("MARK-strength"));
    assert!(section(&md, "## Conclusion").contains("MARK-conclusion"));
    let plan = section(&md, "## Appendix A: Improvement plan");
    assert!(
        plan.contains(
            "| ip1 | Belarus objective regime\\_survives | MARK-issue | MARK-recommendation | MARK-owner | 2026-05-01 |"
        ),
        "{plan}"
    );
    // Related injects: those that moved what the objective depends on (the
    // escalation ladder), with their effects.
    let related = section(&md, "### NATO / West: no\\_regional\\_escalation");
    assert!(
        related.contains(&format!(
            "- Turn 1, inject {} (Memo): Escalation ladder +1",
            inject_id(&g)
        )),
        "{related}"
    );
}

#[test]
fn the_html_report_has_the_same_sections_and_the_plan_table() {
    let g = marked_game();
    let meta = SessionMeta::default();
    let html = String::from_utf8(export(
        Format::Html,
        &meta,
        &g.scenario,
        "",
        &g.events,
        &ExportOptions::default(),
    ))
    .expect("utf-8");
    let mut at = 0;
    for h in [
        "<h2>Exercise overview</h2>",
        "<h2>Exercise summary</h2>",
        "<h2>Analysis of capabilities and objectives</h2>",
        "<h2>Conclusion</h2>",
        "<h2>Appendix A: Improvement plan</h2>",
        "<h2>Appendix B: Participant feedback</h2>",
        "<h2>Appendix C: Turn-by-turn narrative</h2>",
    ] {
        at += html[at..]
            .find(h)
            .unwrap_or_else(|| panic!("{h} missing or out of order"));
    }
    assert!(html.contains("<td class=\"text\">MARK-issue</td><td class=\"text\">MARK-recommendation</td><td>MARK-owner</td><td class=\"t\">2026-05-01</td>"));
    // The plan's CSV table: a header and a row.
    let csv = String::from_utf8(export(
        Format::Csv,
        &meta,
        &g.scenario,
        "",
        &g.events,
        &ExportOptions {
            anonymize: false,
            table: CsvTable::Plan,
        },
    ))
    .expect("utf-8");
    let mut lines = csv.trim_start_matches('\u{FEFF}').lines();
    assert_eq!(
        lines.next(),
        Some("session,item,objective,objective_title,issue,recommendation,owner,due")
    );
    assert_eq!(
        lines.next(),
        Some(
            ",ip1,belarus:regime_survives,Belarus objective regime_survives,MARK-issue,MARK-recommendation,MARK-owner,2026-05-01"
        )
    );
}
