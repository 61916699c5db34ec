//! The series report: three stored sessions of the default scenario with known
//! choices (their results forced by overrides), through the library and the
//! `wargame series` command line as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use crate::common::{self, Game};
use wargame::engine::{self, Actor, Command, Outcome, Phase};
use wargame::series::{self, Format, Options, Selection, Series};
use wargame::store::{NewSession, Store};

/// A player's name: it must never appear in a series made without `--names`.
const NAME: &str = "Zq7 Marker Player";
/// A rationale: no series shows players' free text.
const RATIONALE: &str = "Rationale marker Kx9";

const LAW: &str = "adopt_defence_law";
const PRESS: &str = "press_minsk";
const LOGISTICS: &str = "expand_logistics";

fn source() -> String {
    std::fs::read_to_string(common::manifest_path("scenarios/belarus-2025.toml"))
        .expect("the default scenario is readable")
}

/// One turn: Belarus (and maybe Russia) choose `options`, every result forced
/// to the one given; then the session ends by the White Cell (`end`) or runs on
/// into its turn limit.
fn game(seed: u64, max_turns: Option<u32>, picks: &[(&str, &str, Outcome)], end: bool) -> Game {
    let mut g = Game::with(common::belarus(), seed, max_turns, true);
    g.cmd(
        &Actor::System,
        Command::Join {
            team: "belarus".into(),
            name: NAME.into(),
            player: "p-belarus".into(),
        },
    );
    g.advance_to(Phase::Decision);
    for (team, option, _) in picks {
        g.submit(team, &[(option, RATIONALE)]);
    }
    g.advance();
    assert_eq!(g.state.phase, Phase::Adjudication);
    let pending: Vec<(String, String)> = g
        .state
        .pending
        .iter()
        .map(|r| (r.choice.to_string(), r.option.to_string()))
        .collect();
    assert_eq!(pending.len(), picks.len(), "every pick was rolled");
    for (choice, option) in pending {
        let (_, _, result) = picks
            .iter()
            .find(|(_, o, _)| *o == option)
            .expect("a rolled option was picked");
        g.fac(common::override_cmd(
            &choice,
            *result,
            "forced for the test",
        ));
    }
    g.advance();
    assert_eq!(g.state.phase, Phase::Review);
    if end {
        g.fac(Command::End { reason: None });
    } else {
        g.advance();
    }
    g
}

/// Stores a played game as the server does: its first event with the session,
/// the rest appended.
fn store_game(store: &Store, id: &str, created_at: i64, source: &str, g: &Game) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let first = engine::replay(g.scenario.clone(), &g.events[..1]);
    rt.block_on(store.create_session(
        NewSession {
            id: id.into(),
            join_code: format!("C{id}"),
            scenario_id: g.scenario.id.clone(),
            scenario_source: source.to_string(),
            title: format!("Syndicate {id}"),
            created_at,
            facilitator_token_hash: "unused".into(),
        },
        &g.events[..1],
        first.hash().expect("hash"),
    ))
    .expect("stored");
    if g.events.len() > 1 {
        rt.block_on(store.append(
            id,
            1,
            &g.events[1..],
            Some(g.state.hash().expect("hash")),
            None,
            None,
        ))
        .expect("appended");
    }
}

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// Three sessions of the default scenario, created in the order s-a, s-b, s-c:
/// - s-a: Belarus adopts the law (success), Russia presses Minsk (failure); ended by the White Cell.
/// - s-b: Belarus adopts the law (failure), Russia presses Minsk (success); ended by the White Cell.
/// - s-c: Belarus expands logistics (success); a one-turn game ending at its turn limit.
fn three_sessions() -> Db {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("series.db");
    let store = Store::open(&path).expect("open");
    let src = source();
    let t0 = 1_750_000_000_000;
    use Outcome::{Failure, Success};
    let a = game(
        1,
        None,
        &[("belarus", LAW, Success), ("russia", PRESS, Failure)],
        true,
    );
    let b = game(
        2,
        None,
        &[("belarus", LAW, Failure), ("russia", PRESS, Success)],
        true,
    );
    let c = game(3, Some(1), &[("belarus", LOGISTICS, Success)], false);
    // The hot-wash after the two ended games: how realistic (a default scale).
    let (mut a, mut b) = (a, b);
    for (g, realism) in [(&mut a, 4), (&mut b, 2)] {
        g.cmd(
            &Actor::Team {
                team: "belarus".into(),
                player: "p-belarus".into(),
            },
            Command::Debrief {
                answers: vec![engine::DebriefAnswer {
                    question: "realism".into(),
                    value: engine::AnswerValue::Number(realism),
                }],
            },
        );
    }
    // Stored out of order: the series orders by creation time.
    store_game(&store, "s-c", t0 + 3_000, &src, &c);
    store_game(&store, "s-a", t0 + 1_000, &src, &a);
    store_game(&store, "s-b", t0 + 2_000, &src, &b);
    store.close();
    Db { _dir: dir, path }
}

const FEW: Options = Options {
    names: false,
    runs: 20,
    seed: 7,
};

fn build(db: &Path, selection: Selection, options: Options) -> Series {
    let store = Store::open(db).expect("open");
    let gathered = series::gather(&store, &selection).expect("gathered");
    store.close();
    Series::build(&gathered, &options).expect("built")
}

fn option<'s>(s: &'s Series, id: &str) -> &'s series::OptionRow {
    s.teams
        .iter()
        .flat_map(|t| &t.options)
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no option {id}"))
}

fn flag<'s>(s: &'s Series, id: &str) -> &'s series::FlagRow {
    s.flags
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no flag {id}"))
}

#[test]
fn three_sessions_give_the_known_frequencies_rates_flags_and_endings() {
    let db = three_sessions();
    let s = build(&db.path, Selection::Scenario("belarus-2025".into()), FEW);
    let ids: Vec<&str> = s.sessions.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["s-a", "s-b", "s-c"], "oldest first");
    assert_eq!(s.sessions[2].turns, 1);
    assert_eq!(s.sessions[2].max_turns, 1);

    let law = option(&s, LAW);
    assert_eq!(
        law.by_session
            .iter()
            .map(|c| (c.chosen, c.succeeded))
            .collect::<Vec<_>>(),
        [(1, 1), (1, 0), (0, 0)]
    );
    assert_eq!((law.chosen, law.succeeded), (2, 1));
    assert_eq!(law.success_rate, Some(0.5));
    assert_eq!(law.share, 0.667);
    assert_eq!(law.per_game, 0.667);
    let press = option(&s, PRESS);
    assert_eq!((press.chosen, press.succeeded), (2, 1));
    assert_eq!(press.success_rate, Some(0.5));
    let logistics = option(&s, LOGISTICS);
    assert_eq!((logistics.chosen, logistics.succeeded), (1, 1));
    assert_eq!(logistics.success_rate, Some(1.0));
    assert_eq!(logistics.share, 0.333);
    let never = option(&s, "declare_martial_law");
    assert_eq!((never.chosen, never.success_rate), (0, None));

    // The law's success sets its flag in s-a only; logistics' in s-c only.
    let law_flag = flag(&s, "law_adopted");
    assert_eq!(law_flag.by_session, [true, false, false]);
    assert_eq!(law_flag.share, 0.333);
    assert_eq!(
        flag(&s, "logistics_expanded").by_session,
        [false, false, true]
    );
    assert_eq!(flag(&s, "martial_law").share, 0.0);

    let endings: Vec<(&str, u32, f64)> = s
        .endings
        .iter()
        .filter(|e| e.sessions > 0)
        .map(|e| (e.reason.as_str(), e.sessions, e.share))
        .collect();
    assert_eq!(
        endings,
        [("facilitator", 2, 0.667), ("turn_limit", 1, 0.333)]
    );

    // Trajectories start at the start and run to the last turn played.
    let esc = s
        .indicators
        .iter()
        .find(|i| i.id == "escalation")
        .expect("escalation");
    assert!(
        esc.by_session
            .iter()
            .all(|l| l.len() == 2 && l[0] == esc.start)
    );

    // Baselines beside them: both policies (the default scenario has doctrines),
    // with their runs and seed, for the sessions' turns.
    let policies: Vec<(&str, u32, u64)> = s
        .baselines
        .iter()
        .map(|b| (b.policy.as_str(), b.runs, b.seed))
        .collect();
    assert_eq!(policies, [("random", 20, 7), ("doctrine", 20, 7)]);
    assert!(
        s.baselines
            .iter()
            .all(|b| b.turns == s.sessions[0].max_turns)
    );
    assert!(law.baseline.contains_key("random") && law.baseline.contains_key("doctrine"));
    assert_eq!(
        esc.baseline["random"].len(),
        1 + s.baselines[0].turns as usize
    );
}

#[test]
fn the_debrief_scales_are_compared_session_by_session() {
    let db = three_sessions();
    let s = build(&db.path, Selection::Scenario("belarus-2025".into()), FEW);
    let realism = s
        .debrief
        .iter()
        .find(|d| d.question == "realism")
        .expect("the realism scale is in the series");
    let means: Vec<Option<f64>> = realism
        .by_session
        .iter()
        .map(|st| st.as_ref().map(|st| st.mean))
        .collect();
    // S1 (s-a) said 4, S2 (s-b) said 2, S3 (s-c) never ended.
    assert_eq!(means, [Some(4.0), Some(2.0), None]);
    let all = realism.all.as_ref().expect("overall");
    assert_eq!(
        (all.answers, all.mean, all.counts),
        (2, 3.0, [0, 1, 0, 1, 0])
    );
    // A scale nobody answered is listed without answers; text questions are not.
    assert!(s.debrief.iter().all(|d| d.question != "went_well"));
    let md = String::from_utf8(series::render(Format::Markdown, &s)).expect("utf-8");
    assert!(
        md.contains("| How realistic was the game? \\(1 = not at all, 5 = very\\) | 4 \\(n=1\\) | 2 \\(n=1\\) |  | 3 \\(n=2\\) | 0 | 1 | 0 | 1 | 0 |"),
        "{md}"
    );
}

#[test]
fn every_format_opens_and_the_same_input_gives_the_same_bytes() {
    let db = three_sessions();
    let store = Store::open(&db.path).expect("open");
    let sel = Selection::Sessions(vec!["s-b".into(), "s-a".into(), "s-c".into()]);
    let one: Vec<Vec<u8>> = Format::ALL
        .iter()
        .map(|f| series::report(&store, &sel, &FEW, *f).expect("report"))
        .collect();
    let two: Vec<Vec<u8>> = Format::ALL
        .iter()
        .map(|f| series::report(&store, &sel, &FEW, *f).expect("report"))
        .collect();
    store.close();
    assert!(one == two, "the same input gives the same bytes");
    for (f, body) in Format::ALL.iter().zip(&one) {
        let text = std::str::from_utf8(body).expect("UTF-8");
        assert!(!text.contains(NAME), "{f:?} names a player without --names");
        assert!(!text.contains(RATIONALE), "{f:?} shows a rationale");
        match f {
            Format::Json => {
                let v: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
                assert_eq!(v["schema"], "wargame.series/1");
                assert_eq!(v["sessions"].as_array().map(Vec::len), Some(3));
                assert_eq!(v["sessions"][0]["id"], "s-a");
                assert_eq!(v["selection"]["sessions"][0], "s-b", "as listed");
            }
            Format::Csv => csv_reads_back(text),
            Format::Markdown => markdown_has_no_raw_html(text),
            Format::Html => {
                assert!(text.starts_with("<!DOCTYPE html>"));
                assert!(text.contains("<svg"), "the trajectories are drawn");
                // One line per session in each chart, and the baselines' means.
                let esc = text
                    .split("<svg")
                    .find(|c| c.contains("aria-labelledby=\"series-escalation\""))
                    .expect("an escalation chart");
                assert_eq!(esc.matches("class=\"session\"").count(), 3);
                assert_eq!(esc.matches("class=\"baseline\"").count(), 2);
                assert!(!text.contains("<script"), "no script");
            }
        }
    }
}

/// The CSV read back by a strict reader: every row has the header's columns,
/// and the option counts are there to be summed.
fn csv_reads_back(text: &str) {
    let rows = parse_csv(text);
    let head = &rows[0];
    assert_eq!(
        head,
        &[
            "section", "games", "session", "team", "id", "turn", "metric", "value"
        ]
    );
    for r in &rows {
        assert_eq!(r.len(), head.len(), "row {r:?}");
    }
    let chosen: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r[0] == "option" && r[1] == "sessions" && r[4] == LAW && r[6] == "chosen")
        .map(|r| (r[2].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(chosen, [("s-a", "1"), ("s-b", "1"), ("", "2")]);
    let rate = rows
        .iter()
        .find(|r| {
            r[0] == "option"
                && r[1] == "sessions"
                && r[2].is_empty()
                && r[4] == LAW
                && r[6] == "success_rate"
        })
        .expect("a success rate");
    assert_eq!(rate[7], "0.5");
    assert!(
        rows.iter()
            .any(|r| r[0] == "baseline" && r[1] == "random" && r[6] == "runs" && r[7] == "20")
    );
}

/// RFC 4180, strictly: quoted cells may hold commas, quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        !quoted && cell.is_empty() && row.is_empty(),
        "ends with a line break"
    );
    rows
}

fn markdown_has_no_raw_html(text: &str) {
    use pulldown_cmark::{Event as Md, Parser, Tag};
    let mut tables = 0;
    for ev in Parser::new_ext(text, pulldown_cmark::Options::ENABLE_TABLES) {
        match ev {
            Md::Html(h) | Md::InlineHtml(h) => panic!("raw HTML in the Markdown: {h}"),
            Md::Text(t) => assert!(!t.contains('<'), "a literal tag in the text: {t}"),
            Md::Start(Tag::Table(_)) => tables += 1,
            _ => {}
        }
    }
    assert!(tables >= 5, "the sections are tables ({tables})");
}

#[test]
fn names_appear_only_when_asked() {
    let db = three_sessions();
    let store = Store::open(&db.path).expect("open");
    let sel = Selection::Scenario("belarus-2025".into());
    let named = Options {
        names: true,
        runs: 0,
        ..FEW
    };
    for f in Format::ALL {
        let body = series::report(&store, &sel, &named, f).expect("report");
        let text = String::from_utf8(body).expect("UTF-8");
        assert!(text.contains(NAME), "{f:?} with --names lists the players");
    }
    store.close();
}

fn wargame(args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_wargame"))
        .args(args)
        .output()
        .expect("run wargame")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_command_line_writes_the_report_and_refuses_clearly() {
    let db = three_sessions();
    let path = db.path.to_str().expect("utf-8 path");
    let out = db._dir.path().join("series.json");
    let ok = wargame(&[
        "series",
        "--db",
        path,
        "--scenario",
        "belarus-2025",
        "--format",
        "json",
        "--runs",
        "5",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("JSON");
    assert_eq!(v["baselines"][0]["runs"], 5);

    let cases: [(&[&str], &str); 5] = [
        (
            &["--scenario", "no-such-scenario"],
            "no stored session played scenario `no-such-scenario` (sessions exist for: belarus-2025)",
        ),
        (&["--sessions", "s-a,nope"], "there is no session `nope`"),
        (&["--sessions", "s-a,s-a"], "session s-a is listed twice"),
        (
            &[],
            "no sessions: give --scenario ID or --sessions ID,ID,...",
        ),
        (
            &["--scenario", "belarus-2025", "--format", "pdf"],
            "unknown format `pdf`",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["series", "--db", path, "--runs", "0"];
        all.extend(args);
        let o = wargame(&all);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?} printed a report");
    }
}

#[test]
fn another_scenario_version_is_left_out_by_scenario_and_refused_by_list() {
    let db = three_sessions();
    // The same scenario id with an edited source: another version (digest).
    let edited = format!("{}\n# edited after the first games\n", source());
    let g = game(4, None, &[("belarus", LAW, Outcome::Success)], true);
    let store = Store::open(&db.path).expect("open");
    store_game(&store, "s-d", 1_750_000_009_000, &edited, &g);
    store.close();

    let s = build(
        &db.path,
        Selection::Scenario("belarus-2025".into()),
        Options { runs: 0, ..FEW },
    );
    let ids: Vec<&str> = s.sessions.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["s-d"], "the newest version only");
    assert!(
        s.notes
            .iter()
            .any(|n| n.starts_with("3 sessions of `belarus-2025` played with an older version")),
        "{:?}",
        s.notes
    );

    let path = db.path.to_str().expect("utf-8 path");
    let o = wargame(&[
        "series",
        "--db",
        path,
        "--runs",
        "0",
        "--sessions",
        "s-a,s-d",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "the sessions were played with different scenarios: s-a (belarus-2025, digest "
        ) && err.contains("s-d (belarus-2025, digest "),
        "{err}"
    );
}
