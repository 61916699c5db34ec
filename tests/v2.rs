//! Scenario v2 mechanisms, as a player or analyst would notice them: fog (hidden
//! covert effects, noise, delay, sharpening, reveal, the end lifting it), diminishing
//! returns, team objectives, the living MSEL and what `simulate` reports.

use std::sync::Arc;

use crate::common;

use wargame::engine::{self, Command, Phase, SimOptions, Viewer};
use wargame::export::{ExportOptions, Format, SessionMeta, export};

use common::*;

const SEED: u64 = 0xF06_F06;
/// Tension after Red's covert build-up: 11 + 60. Nobody else may see it.
const MARK: &str = "\"tension\":71";

fn fog() -> Arc<wargame::scenario::Scenario> {
    fixture("fog.toml")
}

/// The snapshot and every live event this viewer would have received, as JSON text.
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

fn snapshot(g: &Game, viewer: &Viewer) -> serde_json::Value {
    serde_json::to_value(engine::view(&g.state, viewer)).expect("view json")
}

fn team_viewer(t: &str) -> Viewer {
    Viewer::Team(t.to_string())
}

/// Turn 1: Red's undetected covert build-up, published.
fn covert_turn() -> Game {
    let mut g = Game::new(fog(), SEED);
    g.advance_to(Phase::Decision);
    g.submit("red", &[("red_secret", "MARK-red-rationale")]);
    g.advance_to(Phase::Review);
    assert_eq!(
        g.indicator("tension"),
        71,
        "the true board has the build-up"
    );
    g
}

fn export_text(g: &Game, format: Format) -> String {
    let meta = SessionMeta {
        session_id: "s-v2".to_string(),
        ..SessionMeta::default()
    };
    let bytes = export(
        format,
        &meta,
        &g.scenario,
        "",
        &g.events,
        &ExportOptions::default(),
    );
    String::from_utf8(bytes).expect("utf-8 export")
}

#[test]
fn an_undetected_covert_effect_stays_off_other_boards_until_revealed() {
    let mut g = covert_turn();
    for v in [team_viewer("blue"), team_viewer("green"), Viewer::Observer] {
        let seen = seen_by(&g, &v);
        assert!(!seen.contains(MARK), "{v:?} saw the hidden effect");
        assert!(!seen.contains("MARK-red-rationale"), "{v:?}");
        assert!(!seen.contains("\"beliefs\""), "{v:?} saw the other boards");
        assert!(!seen.contains("\"public\":{"), "{v:?} saw the public board");
        let snap = snapshot(&g, &v);
        assert_eq!(snap["indicators"]["tension"], 11, "{v:?}");
        let last = snap["history"].as_array().and_then(|h| h.last()).cloned();
        assert_eq!(last.expect("history")["indicators"]["tension"], 11, "{v:?}");
    }
    for v in [team_viewer("red"), Viewer::Facilitator] {
        let seen = seen_by(&g, &v);
        assert!(seen.contains(MARK), "{v:?} must see the truth");
        assert_eq!(snapshot(&g, &v)["indicators"]["tension"], 71, "{v:?}");
    }
    // The White Cell sees what each team believes.
    let fac = snapshot(&g, &Viewer::Facilitator);
    assert_eq!(fac["beliefs"]["blue"]["tension"], 11);
    assert_eq!(fac["beliefs"]["red"]["tension"], 71);
    // The report says so.
    let json: serde_json::Value =
        serde_json::from_str(&export_text(&g, Format::Json)).expect("json export");
    let beliefs = json["beliefs"].as_array().expect("beliefs in the report");
    let blue = beliefs
        .iter()
        .find(|b| b["team"] == "blue" && b["turn"] == 1)
        .expect("blue's turn 1");
    assert_eq!(blue["indicators"]["tension"]["believed"], 11);
    assert_eq!(blue["indicators"]["tension"]["truth"], 71);
    assert!(export_text(&g, Format::Markdown).contains("## What each team believed"));

    // Only the White Cell can reveal, and only a hidden covert choice.
    let reveal = |c: &str| Command::Reveal {
        choice: c.to_string(),
    };
    let r = g
        .try_cmd(&team("blue"), reveal("t1-red-1"))
        .expect_err("teams");
    assert_eq!(r.code, engine::RejectionCode::Forbidden);
    let r = g.try_cmd(&FAC, reveal("t9-red-1")).expect_err("unknown");
    assert_eq!(r.code, engine::RejectionCode::UnknownChoice);
    let events = g.fac(reveal("t1-red-1"));
    assert_eq!(events.len(), 1);
    for v in [team_viewer("blue"), team_viewer("green"), Viewer::Observer] {
        let seen = engine::visible(&g.scenario, &events[0], &v).expect("everyone sees it");
        let seen = serde_json::to_value(seen).expect("json");
        assert_eq!(seen["kind"], "covert_revealed");
        assert_eq!(seen["effects"]["tension"], 60);
        let snap = snapshot(&g, &v);
        assert_eq!(snap["indicators"]["tension"], 71, "{v:?} after the reveal");
        let choice = snap["choices"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["choice"] == "t1-red-1").cloned())
            .expect("the revealed choice is listed");
        assert_eq!(choice["revealed"], true);
        assert!(choice.get("rationale").is_none(), "never its rationale");
    }
    let r = g.try_cmd(&FAC, reveal("t1-red-1")).expect_err("twice");
    assert_eq!(r.code, engine::RejectionCode::UnknownChoice);
    // The next phase change carries the truth to everyone.
    let seq = g.state.seq;
    g.advance();
    for e in g.since(seq) {
        let v = engine::visible(&g.scenario, e, &team_viewer("blue")).expect("public");
        assert!(serde_json::to_string(&v).expect("json").contains(MARK));
    }
}

#[test]
fn a_detected_or_overt_effect_is_on_every_board_and_the_end_lifts_the_fog() {
    let mut g = covert_turn();
    for v in [team_viewer("blue"), Viewer::Observer] {
        assert_eq!(snapshot(&g, &v)["indicators"]["tension"], 11);
    }
    g.fac(Command::End { reason: None });
    for v in [team_viewer("blue"), team_viewer("green"), Viewer::Observer] {
        let snap = snapshot(&g, &v);
        assert_eq!(
            snap["indicators"]["tension"], 71,
            "{v:?}: the final board is the truth"
        );
        assert_eq!(snap["history"][1]["indicators"]["tension"], 71, "{v:?}");
    }
    assert!(snapshot(&g, &Viewer::Facilitator).get("beliefs").is_none());
}

#[test]
fn noise_is_deterministic_within_its_bound_and_moves_no_die() {
    let play = || {
        let mut g = Game::new(fog(), SEED);
        let mut seen = Vec::new();
        for _ in 0..3 {
            g.advance_to(Phase::Decision);
            g.submit("green", &[("green_rally", "")]);
            g.advance_to(Phase::Review);
            let blue = snapshot(&g, &team_viewer("blue"))["indicators"]["morale"]
                .as_i64()
                .expect("morale");
            let truth = g.indicator("morale");
            let expected =
                (truth + engine::fog_noise(SEED, g.state.turn, "blue", "morale", 3)).clamp(0, 100);
            assert_eq!(blue, expected, "the noise is the documented hash");
            assert!((blue - truth).abs() <= 3, "within ±3: {blue} vs {truth}");
            // Red and the observers have no fog rule on morale.
            assert_eq!(
                snapshot(&g, &team_viewer("red"))["indicators"]["morale"],
                truth
            );
            assert_eq!(
                snapshot(&g, &Viewer::Observer)["indicators"]["morale"],
                truth
            );
            seen.push(blue - truth);
            g.advance();
        }
        (seen, g.state.rng, g.state.hash().expect("hash"))
    };
    let (a, rng_a, hash_a) = play();
    let (b, rng_b, hash_b) = play();
    assert_eq!(a, b, "same seed, same noise");
    assert!(a.iter().any(|d| *d != 0), "noise shows: {a:?}");
    assert_eq!((rng_a, hash_a), (rng_b, hash_b));
    // The same game on the scenario without fog rolls the same dice.
    let text = std::fs::read_to_string(manifest_path("tests/fixtures/fog.toml")).expect("fixture");
    let cut = text.find("[[fog]]").expect("fog rules");
    let script = text.find("[[script]]").expect("script");
    let clear = format!("{}{}", &text[..cut], &text[script..]);
    let plain = Arc::new(wargame::scenario::compile("plain", &clear).expect("valid"));
    let mut g = Game::new(plain, SEED);
    for _ in 0..3 {
        g.advance_to(Phase::Decision);
        g.submit("green", &[("green_rally", "")]);
        g.advance_to(Phase::Review);
        g.advance();
    }
    assert_eq!(g.state.rng, rng_a, "fog never draws from the dice stream");
}

#[test]
fn delay_shows_the_old_value_and_sharpening_removes_noise_and_delay() {
    let mut g = Game::new(fog(), SEED);
    g.advance_to(Phase::Decision);
    g.submit("green", &[("green_rally", "")]);
    g.advance_to(Phase::Review);
    assert_eq!(g.indicator("morale"), 45);
    let green = |g: &Game| snapshot(g, &team_viewer("green"))["indicators"]["morale"].clone();
    assert_eq!(green(&g), 40, "one turn late: the start value");
    g.advance_to(Phase::Decision);
    assert_eq!(green(&g), 40, "still turn 0's value until turn 2's results");
    g.submit("green", &[("green_rally", "")]);
    let seq = g.state.seq;
    g.advance_to(Phase::Review);
    assert_eq!(g.indicator("morale"), 50);
    assert_eq!(green(&g), 45, "turn 1's value");
    // The live phase change told Green the same.
    let review = g
        .since(seq)
        .into_iter()
        .rev()
        .find(|e| e.phase == Phase::Review)
        .expect("review");
    let live = engine::visible(&g.scenario, review, &team_viewer("green")).expect("public");
    let live = serde_json::to_value(live).expect("json");
    assert_eq!(live["indicators"]["morale"], 45);
    // Intelligence sharing sharpens the picture for both fogged teams.
    g.fac(inject_event("share_intel"));
    assert_eq!(green(&g), 50);
    assert_eq!(
        snapshot(&g, &team_viewer("blue"))["indicators"]["morale"],
        50
    );
    let fac = snapshot(&g, &Viewer::Facilitator);
    for t in ["red", "blue", "green"] {
        assert_eq!(
            fac["beliefs"][t], fac["indicators"],
            "{t} sees the truth now"
        );
    }
}

#[test]
fn repeat_penalty_lowers_the_odds_with_a_reason_read_aloud() {
    let mut g = Game::new(fog(), SEED);
    g.advance_to(Phase::Decision);
    g.submit("blue", &[("blue_push", "")]);
    g.advance_to(Phase::Review);
    g.advance_to(Phase::Decision);
    let fac = snapshot(&g, &Viewer::Facilitator);
    let opt = fac["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["option"] == "blue_push").cloned())
        .expect("blue_push");
    assert_eq!(opt["target"], 70);
    g.submit("blue", &[("blue_push", "")]);
    g.advance_to(Phase::Adjudication);
    let rolled = &g.state.pending[0];
    assert_eq!(rolled.target, 70);
    assert_eq!(rolled.modifiers.len(), 1);
    assert_eq!(rolled.modifiers[0].delta, -30);
    assert_eq!(
        &*rolled.modifiers[0].reason,
        "Used successfully once before: -30"
    );
}

#[test]
fn objectives_are_private_briefing_and_scored_at_the_end_everywhere() {
    let mut g = covert_turn();
    let red = snapshot(&g, &team_viewer("red"));
    let ids: Vec<&str> = red["objectives"]
        .as_array()
        .expect("red's objectives")
        .iter()
        .map(|o| o["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["tension_high", "at_war"]);
    assert_eq!(red["objectives"][0]["text"], "Raise tension to 50 or more.");
    assert!(
        red["objectives"][0].get("met").is_none(),
        "not scored before the end"
    );
    assert!(red.get("scores").is_none());
    let blue = serde_json::to_string(&snapshot(&g, &team_viewer("blue"))).expect("json");
    assert!(blue.contains("Keep tension below 50."));
    assert!(
        !blue.contains("Raise tension"),
        "Red's objectives are Red's"
    );
    let obs = snapshot(&g, &Viewer::Observer);
    assert!(obs.get("objectives").is_none());
    let fac = snapshot(&g, &Viewer::Facilitator);
    assert_eq!(fac["objectives"].as_array().map(Vec::len), Some(3));
    // The public scenario JSON names ids and weights only.
    let public = serde_json::to_string(&*g.scenario).expect("scenario json");
    assert!(public.contains("\"objectives\":[{\"id\":\"tension_high\",\"weight\":3}"));
    assert!(!public.contains("Raise tension"));

    g.fac(Command::End { reason: None });
    let red = snapshot(&g, &team_viewer("red"));
    assert_eq!(red["objectives"][0]["met"], true);
    assert_eq!(red["objectives"][1]["met"], false);
    assert_eq!(red["scores"]["red"]["score"], 3);
    assert_eq!(red["scores"]["red"]["max"], 5);
    assert!(red["scores"].get("blue").is_none());
    let fac = snapshot(&g, &Viewer::Facilitator);
    assert_eq!(
        fac["scores"]["blue"]["score"], 0,
        "tension is 71 on the true board"
    );
    assert_eq!(fac["scores"]["blue"]["max"], 4);

    let json: serde_json::Value =
        serde_json::from_str(&export_text(&g, Format::Json)).expect("json");
    let red = &json["objectives"][0];
    assert_eq!(
        (red["team"].as_str(), red["score"].as_u64()),
        (Some("red"), Some(3))
    );
    assert_eq!(red["objectives"][0]["met"], true);
    let md = export_text(&g, Format::Markdown);
    assert!(md.contains("## Team objectives"));
    assert!(md.contains("| Red | **Score** | 5 | **3 of 5** |"));
    let html = export_text(&g, Format::Html);
    assert!(html.contains("<h3>Team objectives</h3>"));
    assert!(html.contains("<strong>3 of 5</strong>"));
    let csv = export_text(&g, Format::Csv);
    assert!(csv.contains("team,objective,text,weight,met,score,max\r\n"));
    assert!(csv.contains("red,tension_high,Raise tension to 50 or more.,3,true,3,5\r\n"));
    assert!(csv.contains("blue,calm,Keep tension below 50.,4,false,0,4\r\n"));
}

#[test]
fn a_scripted_entry_whose_condition_fails_is_marked_not_applicable() {
    let g = covert_turn();
    let fac = snapshot(&g, &Viewer::Facilitator);
    let script = fac["script"].as_array().expect("script");
    assert_eq!(script[0]["id"], "msel-high");
    assert_eq!(script[0]["applies"], true);
    assert_eq!(script[0]["condition"], "Tension >= 50");
    assert_eq!(script[1]["applies"], false);
    assert_eq!(script[1]["condition"], "Tension < 50");
    // The White Cell may still fire it by judgement.
    let mut g = g;
    g.advance();
    g.fac(Command::Inject {
        event: None,
        custom: None,
        script: Some("msel-low".to_string()),
        to: Vec::new(),
    });
    // Simulate fires only the entries that apply.
    let state = engine::play(fog(), 7, 8, 2, &SimOptions::default());
    let fired: Vec<&str> = state
        .injects
        .iter()
        .filter_map(|i| i.script.as_deref())
        .collect();
    let high = state
        .history
        .iter()
        .find(|h| h.turn == 1)
        .is_some_and(|h| h.indicators[0] >= 50);
    assert_eq!(fired, [if high { "msel-high" } else { "msel-low" }]);
}

#[test]
fn simulate_reports_flags_options_fighting_objectives_policy_and_injects() {
    let plain = engine::simulate_with(fog(), 3, 3, 40, &SimOptions::default()).expect("runs");
    let v = serde_json::to_value(&plain).expect("json");
    assert_eq!(v["policy"], "random");
    assert!(v["inject"].is_null());
    assert_eq!(v["flags"]["war"]["share"], 0.0);
    assert_eq!(v["flags"]["intel"]["share"], 0.0);
    assert_eq!(v["options"]["green_rally"]["team"], "green");
    let share = v["options"]["red_secret"]["runs_share"]
        .as_f64()
        .expect("share");
    assert!(share > 0.0 && share <= 1.0);
    assert_eq!(v["endings_by_fighting"]["turn_limit"]["fighting"], 0);
    assert_eq!(v["endings_by_fighting"]["turn_limit"]["not_fighting"], 40);
    assert_eq!(v["objectives"]["red"]["at_war"]["share_met"], 0.0);
    assert_eq!(v["objectives"]["red"]["max"], 5);
    // Red's objective and Blue's are exact opposites on tension.
    let high = v["objectives"]["red"]["tension_high"]["share_met"]
        .as_f64()
        .expect("share");
    let calm = v["objectives"]["blue"]["calm"]["share_met"]
        .as_f64()
        .expect("share");
    assert!((high + calm - 1.0).abs() < 1e-9);
    assert!(
        v["objectives"].get("green").is_none(),
        "Green has no objectives"
    );

    let opts = SimOptions {
        inject: engine::parse_injects(&fog(), &["war_breaks_out@1".to_string()], 3).expect("valid"),
        ..SimOptions::default()
    };
    let war = engine::simulate_with(fog(), 3, 3, 40, &opts).expect("runs");
    let w = serde_json::to_value(&war).expect("json");
    assert_eq!(w["inject"][0]["event"], "war_breaks_out");
    assert_eq!(w["inject"][0]["turn"], 1);
    assert_eq!(w["flags"]["war"]["share"], 1.0);
    assert_eq!(w["endings_by_fighting"]["turn_limit"]["fighting"], 40);
    assert_eq!(w["objectives"]["red"]["at_war"]["share_met"], 1.0);
    assert_eq!(
        w["indicators"], v["indicators"],
        "the war flag moves no indicator"
    );

    for bad in [
        "nothing@1",
        "war_breaks_out@9",
        "war_breaks_out",
        "war_breaks_out@x",
    ] {
        assert!(
            engine::parse_injects(&fog(), &[bad.to_string()], 3).is_err(),
            "{bad}"
        );
    }
    let two = engine::parse_injects(&fog(), &["war_breaks_out@1,share_intel@2".to_string()], 3)
        .expect("comma-separated");
    assert_eq!(two.len(), 2);
}

#[test]
fn the_cli_echoes_injects_and_refuses_bad_ones() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "simulate",
            "--scenario",
            "tests/fixtures/fog.toml",
            "--seed",
            "5",
            "--turns",
            "2",
            "--runs",
            "5",
        ];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("runs")
    };
    let out = run(&["--inject", "war_breaks_out@2", "--inject", "share_intel@1"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["inject"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["flags"]["intel"]["share"], 1.0);
    assert_eq!(run(&[]).stdout, run(&[]).stdout, "same args, same bytes");
    let bad = run(&["--inject", "nothing@1"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no catalog event `nothing`"));
}
