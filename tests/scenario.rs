//! Scenario files and the command line that checks and simulates them, run as a
//! user would: the real `wargame` binary, from the repository root.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn wargame(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the wargame binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_in_the_repository_validates() {
    let files = scenario_files();
    assert!(
        files.iter().any(|f| f.ends_with("belarus-2025.toml")),
        "the default scenario is missing: {files:?}"
    );
    // Through the library, as the server loads them...
    let loaded = wargame::scenario::load_dir(&root().join("scenarios"))
        .unwrap_or_else(|p| panic!("scenarios/ has problems: {p:#?}"));
    assert_eq!(loaded.len(), files.len());
    // ...and through the binary, as a designer checks them.
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(root())
                .expect("under the root")
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["validate"];
    args.extend(rel.iter().map(String::as_str));
    let out = wargame(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for f in &rel {
        assert!(text.contains(&format!("{f}: ok (")), "{text}");
    }
}

#[test]
fn the_default_scenario_matches_the_contract() {
    let (s, _) =
        wargame::scenario::load_file(&root().join("scenarios/belarus-2025.toml")).expect("valid");
    let teams: Vec<&str> = s.teams.iter().map(|t| &*t.id).collect();
    assert_eq!(teams, ["belarus", "russia", "ukraine", "nato"]);
    let json = serde_json::to_value(&s).expect("json");
    for key in [
        "id",
        "title",
        "max_turns",
        "budget",
        "teams",
        "events",
        "indicators",
    ] {
        assert!(json.get(key).is_some(), "scenario JSON lacks `{key}`");
    }
    let option = &json["teams"][0]["options"][0];
    for key in [
        "id",
        "title",
        "description",
        "cost",
        "stage",
        "covert",
        "requires",
        "source",
    ] {
        assert!(option.get(key).is_some(), "option JSON lacks `{key}`");
    }
    assert!(
        json["teams"][0]["options"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o["requires"] == serde_json::json!([])))
    );
}

/// Each broken fixture and exactly what `wargame validate` prints for it.
const BROKEN: &[(&str, &[&str])] = &[
    (
        "doctrines.toml",
        &[
            "tests/fixtures/broken/doctrines.toml:35: teams[red].doctrines[hawk].prefer.listen: `listen` is an option of team `blue`; a doctrine weighs its own team's options only",
            "tests/fixtures/broken/doctrines.toml:35: teams[red].doctrines[hawk].prefer.shout: unknown option `shout` (team `red` has no such option)",
            "tests/fixtures/broken/doctrines.toml:35: teams[red].doctrines[hawk].prefer.talk: -2 must be within 0 to 100 (a weight cannot be negative; 0 means never)",
            "tests/fixtures/broken/doctrines.toml:37: teams[red].doctrines[hawk].reasons.whisper: unknown option `whisper` (team `red` has no such option)",
            "tests/fixtures/broken/doctrines.toml:40: teams[red].doctrines[hawk].when[0].when[1]: condition `tension >= 11` can never hold: `tension` ranges over 0-10",
            "tests/fixtures/broken/doctrines.toml:40: teams[red].doctrines[hawk].when[0].when: `blue_plan` is a secret flag of team `blue`; naming it here would show team `red` whether it is set",
            "tests/fixtures/broken/doctrines.toml:42: teams[red].doctrines[hawk].when[0].reason: an adjustment needs a reason its bot gives when it applies",
            "tests/fixtures/broken/doctrines.toml:41: teams[red].doctrines[hawk].when[0].prefer.talk: 200 must be within -100 to 100",
            "tests/fixtures/broken/doctrines.toml:45: teams[red].doctrines[hawk].id: duplicate id `hawk`",
            "tests/fixtures/broken/doctrines.toml:46: teams[red].doctrines[hawk].name: a doctrine needs a name the White Cell can pick it by",
        ],
    ),
    (
        "v2_keys.toml",
        &[
            "tests/fixtures/broken/v2_keys.toml:37: teams[red].options[talk].repeat_penalty: repeat_penalty 150 must be within 0-100 (odds lost per earlier success)",
            "tests/fixtures/broken/v2_keys.toml:44: teams[red].objectives[calm].weight: weight must be a whole number from 1 to 100, not 0",
            "tests/fixtures/broken/v2_keys.toml:47: teams[red].objectives[max].id: `max` is reserved (the simulation summary uses it); choose another id",
            "tests/fixtures/broken/v2_keys.toml:48: teams[red].objectives[max].text: an objective needs a text the team can read in its briefing",
            "tests/fixtures/broken/v2_keys.toml:49: teams[red].objectives[max].when[0]: condition `morale >= 2`: unknown indicator `morale`",
            "tests/fixtures/broken/v2_keys.toml:67: teams[blue].objectives[spy].when: `red_plan` is a secret flag of team `red`; naming it here would show team `blue` whether it is set",
            "tests/fixtures/broken/v2_keys.toml:90: script[msel-1].when[0]: condition `tension >= 11` can never hold: `tension` ranges over 0-10",
            "tests/fixtures/broken/v2_keys.toml:73: fog[0].noise: noise 20 must be within 0-10 (whole units either way, at most the indicator's range)",
            "tests/fixtures/broken/v2_keys.toml:74: fog[0].delay: delay 9 must be within 0-3 turns",
            "tests/fixtures/broken/v2_keys.toml:72: fog[0].teams[1]: unknown team `purple`",
            "tests/fixtures/broken/v2_keys.toml:75: fog[0].sharpened_by[0]: condition `intel`: unknown flag `intel`",
            "tests/fixtures/broken/v2_keys.toml:78: fog[1].indicator: unknown indicator `mood`",
            "tests/fixtures/broken/v2_keys.toml:82: fog[2]: a fog rule needs `noise` or `delay` (or both) above 0",
            "tests/fixtures/broken/v2_keys.toml:82: fog[2]: fog[0] already covers `tension` for some of these teams; one rule per indicator and team",
            "tests/fixtures/broken/v2_keys.toml:8: fighting: unknown flag `peace_talks`",
        ],
    ),
    (
        "syntax.toml",
        &["tests/fixtures/broken/syntax.toml:4: invalid basic string, expected `\"`"],
    ),
    (
        "unknown_key.toml",
        &[
            "tests/fixtures/broken/unknown_key.toml:17: unknown field `odd`, expected one of `id`, `title`, `description`, `cost`, `stage`, `covert`, `detection`, `requires`, `odds`, `source`, `modifiers`, `success`, `failure`, `repeat_penalty`",
        ],
    ),
    (
        "duplicate_id.toml",
        &[
            "tests/fixtures/broken/duplicate_id.toml:16: indicators[tension].id: duplicate id `tension`",
            "tests/fixtures/broken/duplicate_id.toml:39: teams[blue].options[talk].id: duplicate id `talk`",
        ],
    ),
    (
        "unknown_refs.toml",
        &[
            "tests/fixtures/broken/unknown_refs.toml:28: teams[red].options[talk].requires[0]: condition `alarm`: unknown flag `alarm`",
            "tests/fixtures/broken/unknown_refs.toml:31: teams[red].options[talk].success.events[0]: unknown event `riot`",
            "tests/fixtures/broken/unknown_refs.toml:31: teams[red].options[talk].success.effects.morale: unknown indicator `morale`",
            "tests/fixtures/broken/unknown_refs.toml:31: teams[red].options[talk].success.set[0]: unknown flag `alarm`",
            "tests/fixtures/broken/unknown_refs.toml:36: triggers[boom].event: unknown event `explosion`",
            "tests/fixtures/broken/unknown_refs.toml:46: end_conditions[collapse].when[0]: condition `morale <= 0`: unknown indicator `morale`",
            "tests/fixtures/broken/unknown_refs.toml:46: end_conditions[collapse].when[1]: condition `!alarm`: unknown flag `alarm`",
            "tests/fixtures/broken/unknown_refs.toml:41: script[msel-1].event: unknown event `ceasefire`",
            "tests/fixtures/broken/unknown_refs.toml:42: script[msel-1].to[0]: unknown team `purple` (use a team id or \"all\")",
        ],
    ),
    (
        "odds.toml",
        &[
            "tests/fixtures/broken/odds.toml:7: detection_base: is a chance and must be within 0-100, not 101",
            "tests/fixtures/broken/odds.toml:18: teams[red].options[sure_thing].odds: odds 120 must be within 0-100",
            "tests/fixtures/broken/odds.toml:28: teams[red].options[hopeless].odds: odds -1 must be within 0-100",
            "tests/fixtures/broken/odds.toml:27: teams[red].options[hopeless].detection: detection -5 must be within 0-100",
        ],
    ),
    (
        "cost.toml",
        &[
            "tests/fixtures/broken/cost.toml:16: teams[red].options[grand_plan].cost: cost 3 must be between 1 and the team's budget of 2",
        ],
    ),
    (
        "start_range.toml",
        &[
            "tests/fixtures/broken/start_range.toml:13: indicators[tension].start: start 11 is outside the range 0-10",
        ],
    ),
    (
        "subtables.toml",
        &[
            "tests/fixtures/broken/subtables.toml:33: teams[red].options[talk].modifiers[1].when[0]: condition `calm`: unknown flag `calm`",
            "tests/fixtures/broken/subtables.toml:39: teams[red].options[talk].success.effects.morale: unknown indicator `morale`",
            "tests/fixtures/broken/subtables.toml:43: teams[red].options[talk].failure.set[0]: unknown flag `nope`",
        ],
    ),
    (
        "peeking.toml",
        &[
            "tests/fixtures/broken/peeking.toml:47: teams[blue].options[counter].requires: `plan_ready` is a secret flag of team `red`; requiring it would show team `blue` whether it is set",
        ],
    ),
    (
        "unsatisfiable.toml",
        &[
            "tests/fixtures/broken/unsatisfiable.toml:29: teams[red].options[respond].requires: prerequisites can never be met by any sequence of play: nothing in the scenario can make `alert` true",
        ],
    ),
    (
        "missing_source.toml",
        &[
            "tests/fixtures/broken/missing_source.toml:30: events[storm].source: missing source: cite the seed section (e.g. \"§5\") or write \"designer addition: <reason>\"",
            "tests/fixtures/broken/missing_source.toml:13: teams[red].options[talk].source: missing source: cite the seed section (e.g. \"§5\") or write \"designer addition: <reason>\"",
            "tests/fixtures/broken/missing_source.toml:25: teams[red].options[shout].source: a designer addition must give its reason: \"designer addition: <why>\"",
        ],
    ),
];

#[test]
fn broken_scenarios_print_exactly_their_problems_and_exit_1() {
    let dir = root().join("tests/fixtures/broken");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = BROKEN.iter().map(|(f, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every broken fixture has its expected output"
    );
    for (file, expected) in BROKEN {
        let path = format!("tests/fixtures/broken/{file}");
        let out = wargame(&["validate", &path]);
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(&lines, expected, "{file}");
        assert_eq!(out.status.code(), Some(1), "{file} must fail validation");
        // The library reports the same problems the binary prints.
        let src = std::fs::read_to_string(root().join(&path)).expect("fixture");
        let problems = wargame::scenario::compile(&path, &src).expect_err("invalid");
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(&shown, expected, "{file}");
    }
}

#[test]
fn one_bad_file_fails_the_whole_run_but_every_file_is_reported() {
    let out = wargame(&[
        "validate",
        "scenarios/belarus-2025.toml",
        "tests/fixtures/broken/cost.toml",
        "tests/fixtures/no-such-file.toml",
    ]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("scenarios/belarus-2025.toml: ok ("));
    assert!(lines[1].starts_with("tests/fixtures/broken/cost.toml:16: "));
    assert!(
        lines[2].starts_with("tests/fixtures/no-such-file.toml: cannot read the file: "),
        "{}",
        lines[2]
    );
}

#[test]
fn the_test_fixture_scenarios_are_valid() {
    let out = wargame(&["validate", "tests/fixtures/covert.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

// ---------------------------------------------------------------------------------------
// wargame simulate
// ---------------------------------------------------------------------------------------

fn simulate(seed: &str) -> Output {
    let out = wargame(&[
        "simulate",
        "--scenario",
        "scenarios/belarus-2025.toml",
        "--seed",
        seed,
        "--turns",
        "6",
        "--runs",
        "25",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn simulate_prints_the_same_bytes_for_the_same_arguments() {
    let a = simulate("42");
    let b = simulate("42");
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout, "same arguments, different output");
    let summary: serde_json::Value = serde_json::from_slice(&a.stdout).expect("JSON summary");
    assert_eq!(summary["seed"], 42);
    assert_eq!(summary["runs"], 25);
    assert!(summary["indicators"]["escalation"]["mean"].is_number());
    let ended: u64 = summary["endings"]
        .as_object()
        .expect("endings")
        .values()
        .map(|v| v.as_u64().expect("count"))
        .sum();
    assert_eq!(ended, 25, "every run is accounted for");
}

#[test]
fn simulate_with_another_seed_differs() {
    let a = simulate("42");
    let c = simulate("43");
    assert_ne!(a.stdout, c.stdout);
    let digest = |o: &Output| {
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")["state_hashes_digest"]
            .clone()
    };
    assert_ne!(digest(&a), digest(&c), "the games themselves differ");
}

#[test]
fn simulate_reports_a_broken_scenario() {
    let out = wargame(&[
        "simulate",
        "--scenario",
        "tests/fixtures/broken/cost.toml",
        "--runs",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cost 3 must be between 1"));
}
