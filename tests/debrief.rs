//! The hot-wash: the `[[debrief]]` survey in the scenario, answers after the end and
//! their checks, who sees what (marker strings in answers and names, for every seat
//! and every export, anonymous or not), and the report's participant feedback.

use crate::common;

use std::sync::Arc;

use common::*;
use wargame::engine::{
    self, Actor, AnswerValue, Command, DebriefAnswer, Event, EventBody, Phase, Viewer,
};
use wargame::export::{CsvTable, ExportOptions, Format, SessionMeta, export};
use wargame::scenario::{QuestionKind, Scenario, compile};

/// The covert fixture with a survey of its own: a scale, a choice and a text.
const SURVEY: &str = r#"
[[debrief]]
id = "realism"
text = "How realistic was it?"
kind = "scale"

[[debrief]]
id = "tempo"
text = "The pace of play was"
kind = "choice"
options = ["too slow", "right", "too fast"]

[[debrief]]
id = "lesson"
text = "The lesson you take home"
kind = "text"
"#;

fn source(extra: &str) -> String {
    let path = manifest_path("tests/fixtures/covert.toml");
    let text = std::fs::read_to_string(path).expect("fixture");
    format!("{text}\n{extra}")
}

fn surveyed() -> (Arc<Scenario>, String) {
    let text = source(SURVEY);
    match compile("debrief.toml", &text) {
        Ok(s) => (Arc::new(s), text),
        Err(p) => panic!("the survey fixture does not validate: {p:?}"),
    }
}

/// The seats of the test: two Red players, one Blue, one observer, with names that
/// are markers (`MARK-NAME-...`), joined as the server joins them.
const SEATS: &[(&str, &str, &str)] = &[
    ("red", "p-red", "MARK-NAME-red-one"),
    ("red", "p-red-2", "MARK-NAME-red-two"),
    ("blue", "p-blue", "MARK-NAME-blue"),
    ("observer", "p-observer", "MARK-NAME-observer"),
];

fn actor(team: &str, player: &str) -> Actor {
    if team == "observer" {
        Actor::Observer {
            player: player.to_string(),
        }
    } else {
        Actor::Team {
            team: team.to_string(),
            player: player.to_string(),
        }
    }
}

fn session(s: Arc<Scenario>, anonymous: bool) -> Game {
    let at = 1_750_000_000_000;
    let (state, event) = engine::create_with(
        s.clone(),
        &engine::Settings {
            title: "hot wash",
            seed: 7,
            max_turns: None,
            auto_advance: true,
            private_rationales: false,
            time_zone: None,
            team_leads: false,
            player_odds: engine::PlayerOdds::None,
            anonymous_debrief: anonymous,
            report: Default::default(),
        },
        at,
    );
    let mut g = Game {
        scenario: s,
        state,
        events: vec![event],
        at,
    };
    for (team, player, name) in SEATS {
        g.cmd(
            &Actor::System,
            Command::Join {
                team: team.to_string(),
                name: name.to_string(),
                player: player.to_string(),
            },
        );
    }
    g
}

fn num(q: &str, n: i64) -> DebriefAnswer {
    DebriefAnswer {
        question: q.to_string(),
        value: AnswerValue::Number(n),
    }
}

fn txt(q: &str, t: &str) -> DebriefAnswer {
    DebriefAnswer {
        question: q.to_string(),
        value: AnswerValue::Text(t.to_string()),
    }
}

fn debrief(answers: Vec<DebriefAnswer>) -> Command {
    Command::Debrief { answers }
}

#[track_caller]
fn refused(g: &mut Game, who: &Actor, cmd: Command) -> String {
    match g.try_cmd(who, cmd) {
        Ok(events) => panic!("accepted: {events:?}"),
        Err(r) => r.code.as_str().to_string(),
    }
}

#[test]
fn a_scenario_without_a_survey_gets_the_default_one() {
    let s = belarus();
    let ids: Vec<&str> = s.debrief.iter().map(|q| &*q.id).collect();
    assert_eq!(
        ids,
        ["went_well", "improve", "realism", "useful", "to_organisers"]
    );
    assert_eq!(
        s.debrief_question("realism").map(|q| q.kind),
        Some(QuestionKind::Scale)
    );
    // The scenario JSON names them.
    let json = serde_json::to_value(&*s).expect("json");
    assert_eq!(json["debrief"][2]["kind"], "scale");
    let (s, _) = surveyed();
    let json = serde_json::to_value(&*s).expect("json");
    assert_eq!(json["debrief"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["debrief"][1]["options"][2], "too fast");
}

#[test]
fn a_broken_survey_is_refused_with_its_place() {
    let broken = r#"
[[debrief]]
id = "twice"
text = "First"
kind = "scale"

[[debrief]]
id = "twice"
text = "Second"
kind = "text"

[[debrief]]
id = "odd"
text = "Odd kind"
kind = "stars"

[[debrief]]
id = "bare_choice"
text = "Pick"
kind = "choice"

[[debrief]]
id = "silent"
text = "  "
kind = "text"

[[debrief]]
id = "scale_opts"
text = "A scale with options"
kind = "scale"
options = ["a", "b"]
"#;
    let text = source(broken);
    let problems = compile("broken.toml", &text).expect_err("the survey is broken");
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("no line {needle}"))
    };
    let second_twice = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("id = \"twice\""))
        .nth(1)
        .map(|(i, _)| i + 1)
        .expect("two");
    let expect = [
        format!("broken.toml:{second_twice}: debrief[twice].id: duplicate id `twice`"),
        format!(
            "broken.toml:{}: debrief[odd].kind: unknown kind `stars`",
            line_of("kind = \"stars\"")
        ),
        format!(
            "broken.toml:{}: debrief[bare_choice].options: a `choice` question needs at least two options",
            line_of("id = \"bare_choice\"")
        ),
        format!(
            "broken.toml:{}: debrief[silent].text: a question needs the text players read",
            line_of("text = \"  \"")
        ),
        format!(
            "broken.toml:{}: debrief[scale_opts].options: only `choice` questions have options",
            line_of("options = [\"a\", \"b\"]")
        ),
    ];
    for want in &expect {
        assert!(
            shown.iter().any(|p| p.starts_with(want.as_str())),
            "no problem `{want}` in {shown:#?}"
        );
    }
    assert_eq!(shown.len(), expect.len(), "{shown:#?}");
}

#[test]
fn answers_are_taken_after_the_end_once_each_and_checked() {
    let (s, _) = surveyed();
    let mut g = session(s, false);
    let red = actor("red", "p-red");
    let good = || debrief(vec![num("realism", 4)]);
    // Not before the end, and no snapshot shows a survey yet.
    g.fac(Command::Start);
    assert_eq!(refused(&mut g, &red, good()), "wrong_phase");
    assert!(engine::view_of(&g.state, &red).debrief.is_none());
    assert_eq!(refused(&mut g, &FAC, Command::CloseDebrief), "wrong_phase");
    g.fac(Command::End { reason: None });
    // Every wrong answer, by code.
    for (answers, code) in [
        (vec![], "invalid_answer"),
        (vec![num("nope", 3)], "unknown_question"),
        (
            vec![num("realism", 3), num("realism", 4)],
            "duplicate_question",
        ),
        (vec![num("realism", 0)], "invalid_answer"),
        (vec![num("realism", 6)], "invalid_answer"),
        (vec![txt("realism", "4")], "invalid_answer"),
        (vec![txt("tempo", "glacial")], "invalid_answer"),
        (vec![num("tempo", 2)], "invalid_answer"),
        (vec![num("lesson", 2)], "invalid_answer"),
        (vec![txt("lesson", " \n ")], "empty_text"),
        (
            vec![txt("lesson", &"x".repeat(engine::MAX_ANSWER + 1))],
            "text_too_long",
        ),
    ] {
        assert_eq!(
            refused(&mut g, &red, debrief(answers.clone())),
            code,
            "{answers:?}"
        );
    }
    // The White Cell runs it; a player id nobody seated cannot answer.
    assert_eq!(refused(&mut g, &FAC, good()), "forbidden");
    assert_eq!(
        refused(&mut g, &actor("red", "p-stranger"), good()),
        "invalid_player"
    );
    // A partial answer is fine, a text at the limit too; a second one is refused.
    let events = g.cmd(
        &red,
        debrief(vec![
            num("realism", 5),
            txt("lesson", &"x".repeat(engine::MAX_ANSWER)),
        ]),
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].body.kind(), "debrief_submitted");
    assert_eq!(refused(&mut g, &red, good()), "already_answered");
    // The player's snapshot says it answered; its teammate's does not.
    let mine = engine::view_of(&g.state, &red)
        .debrief
        .expect("after the end");
    assert_eq!(mine.answered, Some(true));
    assert!(mine.open);
    let mate = engine::view_of(&g.state, &actor("red", "p-red-2"))
        .debrief
        .expect("after the end");
    assert_eq!(mate.answered, Some(false));
    assert_eq!(mate.questions.len(), 3);
    // The White Cell sees who and how many, out of the seated.
    let wc = engine::view_of(&g.state, &FAC)
        .debrief
        .expect("after the end");
    assert_eq!(
        (wc.seated, wc.count),
        (Some(SEATS.len()), Some(1)),
        "counts"
    );
    assert_eq!(wc.respondents, Some(vec!["p-red".to_string()]));
    assert!(wc.answered.is_none());
    // The observer answers a choice; then the White Cell closes the debrief.
    let obs = actor("observer", "p-observer");
    g.cmd(&obs, debrief(vec![txt("tempo", "right")]));
    let closed = g.fac(Command::CloseDebrief);
    assert_eq!(closed[0].body.kind(), "debrief_closed");
    assert_eq!(
        refused(&mut g, &FAC, Command::CloseDebrief),
        "debrief_closed"
    );
    assert_eq!(
        refused(&mut g, &actor("blue", "p-blue"), good()),
        "debrief_closed"
    );
    // Other commands stay refused after the end.
    assert_eq!(refused(&mut g, &FAC, Command::Advance), "session_ended");
    // Replay reproduces the state, answers and all.
    let replayed = engine::replay(g.scenario.clone(), &g.events);
    assert_eq!(
        replayed.hash().expect("hash"),
        g.state.hash().expect("hash")
    );
    assert!(
        !engine::view_of(&replayed, &obs)
            .debrief
            .expect("ended")
            .open
    );
}

#[test]
fn sessions_without_the_option_keep_their_bytes() {
    let (s, _) = surveyed();
    let plain = session(s.clone(), false);
    let created = serde_json::to_string(&plain.events[0]).expect("json");
    assert!(!created.contains("anonymous_debrief"), "{created}");
    let anon = session(s, true);
    let created = serde_json::to_string(&anon.events[0]).expect("json");
    assert!(created.contains("\"anonymous_debrief\":true"), "{created}");
    // A session nobody debriefed hashes as it did before the debrief existed.
    let state = serde_json::to_string(&plain.state).expect("json");
    assert!(!state.contains("debrief"), "{state}");
}

/// Everything a seat would have received: its snapshot, and every event as delivered.
fn seen_by(g: &Game, who: &Actor) -> String {
    let viewer = Viewer::of(who);
    let mut out = serde_json::to_string(&engine::view_of(&g.state, who)).expect("view json");
    for e in &g.events {
        if let Some(v) = engine::visible(&g.scenario, e, &viewer) {
            out.push('\n');
            out.push_str(&serde_json::to_string(&v).expect("event json"));
        }
    }
    out
}

/// Ends the session and has every seat but the second Red player answer, each with
/// its own answer marker (`MARK-ANSWER-<seat index>`).
fn answered(anonymous: bool) -> Game {
    let (s, _) = surveyed();
    let mut g = session(s, anonymous);
    g.fac(Command::Start);
    g.fac(Command::End { reason: None });
    for (i, (team, player, _)) in SEATS.iter().enumerate() {
        if *player == "p-red-2" {
            continue;
        }
        g.cmd(
            &actor(team, player),
            debrief(vec![
                num("realism", 1 + i as i64),
                txt("tempo", "right"),
                txt("lesson", &format!("MARK-ANSWER-{i}")),
            ]),
        );
    }
    g
}

fn answer_markers() -> Vec<String> {
    SEATS
        .iter()
        .enumerate()
        .filter(|(_, s)| s.1 != "p-red-2")
        .map(|(i, _)| format!("MARK-ANSWER-{i}"))
        .collect()
}

#[test]
fn answers_reach_the_white_cell_alone() {
    for anonymous in [false, true] {
        let g = answered(anonymous);
        for (team, player, _) in SEATS {
            let text = seen_by(&g, &actor(team, player));
            for m in answer_markers() {
                assert!(
                    !text.contains(&m),
                    "anonymous={anonymous}: {player} reads {m}"
                );
            }
            assert!(!text.contains("debrief_submitted") && !text.contains("debrief_respondent"));
        }
        let wc = seen_by(&g, &FAC);
        for m in answer_markers() {
            assert!(wc.contains(&m), "the White Cell misses {m}");
        }
        // No seat, the White Cell included, receives the record of who answered.
        assert!(!wc.contains("debrief_respondent"));
    }
}

#[test]
fn an_anonymous_answer_names_nobody_anywhere() {
    let g = answered(true);
    // The stored answers carry no player, name or team, and no actor.
    for e in g
        .events
        .iter()
        .filter(|e| e.body.kind() == "debrief_submitted")
    {
        assert_eq!(e.actor, Actor::System);
        let text = serde_json::to_string(e).expect("json");
        for (team, player, name) in SEATS {
            assert!(
                !text.contains(name) && !text.contains(player),
                "{text} names {player}"
            );
            assert!(
                !text.contains(&format!("\"{team}\"")),
                "{text} names {team}"
            );
        }
    }
    // The White Cell's snapshot and live events: answers, counts, no names by them.
    let wc = engine::view_of(&g.state, &FAC).debrief.expect("ended");
    assert_eq!((wc.count, wc.seated), (Some(3), Some(4)));
    assert!(
        wc.respondents.is_none(),
        "no list of respondents when anonymous"
    );
    let shown = serde_json::to_string(&wc).expect("json");
    for (_, player, name) in SEATS {
        assert!(!shown.contains(name) && !shown.contains(player), "{shown}");
    }
    let live: Vec<Event> = g
        .events
        .iter()
        .filter_map(|e| engine::visible(&g.scenario, e, &Viewer::Facilitator))
        .filter(|e| e.body.kind().starts_with("debrief"))
        .collect();
    let live = serde_json::to_string(&live).expect("json");
    for (_, player, name) in SEATS {
        assert!(!live.contains(name) && !live.contains(player), "{live}");
    }
    // The player itself still knows it answered; its teammate has not.
    let red = engine::view_of(&g.state, &actor("red", "p-red")).debrief;
    assert_eq!(red.and_then(|d| d.answered), Some(true));
    let mate = engine::view_of(&g.state, &actor("red", "p-red-2")).debrief;
    assert_eq!(mate.and_then(|d| d.answered), Some(false));
}

fn meta() -> SessionMeta {
    SessionMeta {
        session_id: "s-debrief".to_string(),
        join_code: None,
        exported_at: None,
    }
}

const EXPORTS: [(Format, CsvTable); 5] = [
    (Format::Json, CsvTable::Choices),
    (Format::Markdown, CsvTable::Choices),
    (Format::Html, CsvTable::Choices),
    (Format::Csv, CsvTable::Debrief),
    (Format::Xlsx, CsvTable::Choices),
];

fn exported(g: &Game, format: Format, table: CsvTable, anonymize: bool) -> String {
    let (_, text) = surveyed();
    let opts = ExportOptions { anonymize, table };
    // The workbook stores its parts uncompressed: its bytes hold the text.
    String::from_utf8_lossy(&export(
        format,
        &meta(),
        &g.scenario,
        &text,
        &g.events,
        &opts,
    ))
    .into_owned()
}

/// The part of an export that is the debrief: its section (JSON `debrief`, the
/// Markdown and HTML "Participant feedback"), the debrief CSV, the workbook's sheet.
fn debrief_part(format: Format, text: &str) -> String {
    let from = |start: &str, end: &str| {
        let k = text
            .find(start)
            .unwrap_or_else(|| panic!("{format:?}: no {start}"));
        let rest = &text[k..];
        rest[..rest[1..].find(end).map_or(rest.len(), |e| e + 1)].to_string()
    };
    match format {
        Format::Json => {
            let v: serde_json::Value = serde_json::from_str(text).expect("json");
            let mut part = v["debrief"].to_string();
            for e in v["events"].as_array().expect("events") {
                if e["kind"].as_str().is_some_and(|k| k.starts_with("debrief")) {
                    part.push_str(&e.to_string());
                }
            }
            part
        }
        Format::Markdown => from("## Appendix B: Participant feedback", "\n## "),
        Format::Html => from("<section id=\"debrief\">", "<section"),
        Format::Csv | Format::Xlsx => text.to_string(),
    }
}

#[test]
fn exports_hold_the_answers_and_never_pair_an_anonymous_one_with_a_name() {
    for anonymous in [false, true] {
        let g = answered(anonymous);
        for (format, table) in EXPORTS {
            for anonymize in [false, true] {
                let what =
                    format!("anonymous={anonymous} {format:?} {table:?} anonymize={anonymize}");
                let text = exported(&g, format, table, anonymize);
                // The White Cell's record holds every answer.
                for m in answer_markers() {
                    assert!(text.contains(&m), "{what}: lacks {m}");
                }
                // No export has the record of who answered an anonymous debrief.
                assert!(!text.contains("debrief_respondent"), "{what}");
                let part = debrief_part(format, &text);
                for (_, player, name) in SEATS {
                    if anonymize {
                        // --anonymize: no name anywhere at all.
                        assert!(!text.contains(name), "{what}: names {name}");
                    }
                    if anonymous {
                        // Anonymous answers: nobody named or identified by them.
                        assert!(!part.contains(name), "{what}: {name} by the answers");
                        assert!(!part.contains(player), "{what}: {player} by the answers");
                    }
                }
                if !anonymous && !anonymize && format != Format::Csv {
                    // Named answers say who gave them.
                    assert!(
                        part.contains("MARK-NAME-blue"),
                        "{what}: no name by the answers"
                    );
                }
                if !anonymous && anonymize && format != Format::Json {
                    assert!(
                        part.contains("Blue seat 1"),
                        "{what}: no seat by the answers"
                    );
                }
            }
        }
    }
}

#[test]
fn the_report_counts_scales_and_choices_and_groups_texts() {
    let g = answered(false);
    let md = exported(&g, Format::Markdown, CsvTable::Choices, false);
    let part = debrief_part(Format::Markdown, &md);
    assert!(
        part.contains("3 of 4 seated players and observers answered"),
        "{part}"
    );
    // Realism answered 1 (red), 3 (blue), 4 (observer): mean 2.7.
    assert!(
        part.contains("| 1 | 1 |\n| 2 | 0 |\n| 3 | 1 |\n| 4 | 1 |\n| 5 | 0 |"),
        "{part}"
    );
    assert!(part.contains("3 answers, mean 2.7 of 5."), "{part}");
    assert!(part.contains("| right | 3 |"), "{part}");
    assert!(part.contains("### The lesson you take home"), "{part}");
    // HTML: a bar chart per scale and choice, the texts as a list.
    let html = exported(&g, Format::Html, CsvTable::Choices, false);
    let part = debrief_part(Format::Html, &html);
    assert_eq!(part.matches("<svg").count(), 2, "{part}");
    assert!(html.contains("<a href=\"#debrief\">Participant feedback</a>"));
    assert!(
        part.contains("<li><strong>MARK-NAME-blue (Blue):</strong> MARK-ANSWER-2</li>"),
        "{part}"
    );
    // JSON: counts, the mean and the texts.
    let json: serde_json::Value =
        serde_json::from_str(&exported(&g, Format::Json, CsvTable::Choices, false)).expect("json");
    let q = &json["debrief"]["questions"];
    assert_eq!(json["debrief"]["respondents"], 3);
    assert_eq!(q[0]["mean"], 2.67);
    assert_eq!(q[1]["counts"][1]["count"], 3);
    assert_eq!(q[2]["answers"][0]["name"], "MARK-NAME-red-one");
    // CSV: a row per answer, 3 respondents x 3 answers, after the header.
    let csv = exported(&g, Format::Csv, CsvTable::Debrief, false);
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 10, "{csv}");
    assert_eq!(
        lines[0],
        "\u{FEFF}session,response,name,team,question,kind,question_text,answer"
    );
    assert!(
        lines.contains(&"s-debrief,2,MARK-NAME-blue,blue,tempo,choice,The pace of play was,right"),
        "{csv}"
    );
}

#[test]
fn a_session_without_answers_reports_no_feedback() {
    let (s, text) = surveyed();
    let mut g = session(s, false);
    g.fac(Command::Start);
    g.fac(Command::End { reason: None });
    for format in [Format::Json, Format::Markdown, Format::Html] {
        let out = String::from_utf8(export(
            format,
            &meta(),
            &g.scenario,
            &text,
            &g.events,
            &ExportOptions::default(),
        ))
        .expect("utf-8");
        assert!(!out.contains("answers, mean"), "{format:?}");
        if format != Format::Json {
            assert!(
                out.contains("No participant feedback was collected in the tool."),
                "{format:?}"
            );
        }
        assert!(!out.contains("\"debrief\":{"), "{format:?}");
    }
    // Closing it with no answers is reported, as an empty survey.
    g.fac(Command::CloseDebrief);
    let md = String::from_utf8(export(
        Format::Markdown,
        &meta(),
        &g.scenario,
        &text,
        &g.events,
        &ExportOptions::default(),
    ))
    .expect("utf-8");
    assert!(md.contains("0 of 4 seated players and observers answered. The debrief is closed."));
    let kinds: Vec<&str> = g.events.iter().map(|e| e.body.kind()).collect();
    assert!(kinds.contains(&"debrief_closed"));
    assert!(matches!(
        g.events.last().map(|e| &e.body),
        Some(EventBody::DebriefClosed {})
    ));
    assert_eq!(g.state.phase, Phase::Ended);
}
