//! Teamwork, as the seats would notice it: the live team draft reaches the team and
//! the White Cell only; leads; undoing an override; the odds players may see, on
//! their own board and without another team's secrets; old logs replay unchanged.

use std::sync::Arc;

use crate::common;

use wargame::engine::{self, Actor, Command, Outcome, Phase, PlayerOdds, Viewer};
use wargame::export::{ExportOptions, Format, SessionMeta, export};

use common::*;

fn odds_fixture() -> Arc<wargame::scenario::Scenario> {
    fixture("odds.toml")
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

fn export_json(g: &Game) -> String {
    let bytes = export(
        Format::Json,
        &SessionMeta::default(),
        &g.scenario,
        "",
        &g.events,
        &ExportOptions::default(),
    );
    String::from_utf8(bytes).expect("utf-8")
}

fn player(team: &str, id: &str) -> Actor {
    Actor::Team {
        team: team.to_string(),
        player: id.to_string(),
    }
}

fn join(team: &str, name: &str, id: &str) -> Command {
    Command::Join {
        team: team.to_string(),
        name: name.to_string(),
        player: id.to_string(),
    }
}

fn odds_of(g: &Game, team: &str, option: &str) -> serde_json::Value {
    let v = serde_json::to_value(engine::view(&g.state, &Viewer::Team(team.to_string())))
        .expect("view json");
    v["options"]
        .as_array()
        .expect("options")
        .iter()
        .find(|o| o["option"] == option)
        .map(|o| o["odds"].clone())
        .unwrap_or(serde_json::Value::Null)
}

/// Red's undetected build-up (tension 11 -> 71, sets Red's secret flag), published.
fn after_covert(odds: PlayerOdds) -> Game {
    let mut g = Game::with_options(odds_fixture(), 7, false, odds);
    g.advance_to(Phase::Decision);
    g.submit("red", &[("red_secret", "build up")]);
    g.advance_to(Phase::Review);
    assert_eq!(g.indicator("tension"), 71);
    g
}

#[test]
fn players_see_odds_reckoned_on_their_own_board_without_others_secrets() {
    let g = after_covert(PlayerOdds::Exact);
    // The truth: 50 + 30 (Red's plan) - 40 (tension >= 50) = 40.
    let truth = engine::view(&g.state, &Viewer::Facilitator);
    let fac = truth
        .options
        .iter()
        .find(|o| &*o.option == "blue_talks")
        .expect("blue_talks");
    assert_eq!(fac.target, Some(40));
    // Blue's board has tension 11 and no sight of Red's secret: 50 + 20 = 70.
    let blue = odds_of(&g, "blue", "blue_talks");
    assert_eq!(blue["target"], 70, "{blue}");
    assert_eq!(blue["band"], "likely");
    assert_eq!(blue["base"], 50);
    let reasons = blue["modifiers"].to_string();
    assert!(reasons.contains("Calm makes talks easier"), "{reasons}");
    let seen = seen_by(&g, &Viewer::Team("blue".into()));
    assert!(
        !seen.contains("MARK-secret-modifier"),
        "a secret's modifier showed"
    );
    assert!(
        !seen.contains("MARK-tension-modifier"),
        "the hidden effect showed"
    );
    // Red sees its own option's odds (and not Blue's).
    assert_eq!(odds_of(&g, "red", "red_secret")["target"], 100);
    assert!(odds_of(&g, "red", "blue_talks").is_null());
    // Observers get no options at all.
    assert!(!seen_by(&g, &Viewer::Observer).contains("\"odds\""));

    // A band only: no number.
    let g = after_covert(PlayerOdds::Band);
    let blue = odds_of(&g, "blue", "blue_talks");
    assert_eq!(blue, serde_json::json!({"band": "likely"}));
    // Off (the default): nothing.
    let g = after_covert(PlayerOdds::None);
    assert!(odds_of(&g, "blue", "blue_talks").is_null());
    assert!(!seen_by(&g, &Viewer::Team("blue".into())).contains("\"odds\""));
    assert_eq!(engine::odds_band(67), "likely");
    assert_eq!(engine::odds_band(66), "even");
    assert_eq!(engine::odds_band(34), "even");
    assert_eq!(engine::odds_band(33), "risky");
}

#[test]
fn the_live_draft_and_leads_reach_the_team_and_the_white_cell_only() {
    let mut g = Game::with_options(belarus(), 5, true, PlayerOdds::None);
    g.cmd(&Actor::System, join("belarus", "Lead", "p-lead"));
    g.cmd(&Actor::System, join("belarus", "Mate", "p-mate"));
    g.cmd(&Actor::System, join("russia", "Ivan", "p-russia"));
    assert_eq!(
        g.state.leads.get("belarus").map(String::as_str),
        Some("p-lead")
    );
    g.advance_to(Phase::Decision);
    g.cmd(
        &player("belarus", "p-mate"),
        Command::Draft {
            turn: 1,
            choices: choices(&[("adopt_defence_law", "MARK-draft-rationale")]),
        },
    );
    // The teammate proposes; only the lead may submit.
    let refused = g
        .try_cmd(
            &player("belarus", "p-mate"),
            Command::Submit {
                turn: 1,
                choices: choices(&[("adopt_defence_law", "x")]),
            },
        )
        .expect_err("a teammate may not submit");
    assert_eq!(refused.code.as_str(), "not_lead");
    g.fac(Command::Lead {
        team: "belarus".into(),
        player: "p-mate".into(),
    });
    let bel = seen_by(&g, &Viewer::Team("belarus".into()));
    assert!(
        bel.contains("MARK-draft-rationale"),
        "the team sees its draft"
    );
    assert!(bel.contains("\"live_draft\""), "in its snapshot too");
    assert!(bel.contains("lead_changed"));
    let fac = seen_by(&g, &Viewer::Facilitator);
    assert!(fac.contains("MARK-draft-rationale") && fac.contains("\"live_drafts\""));
    for v in [Viewer::Team("russia".into()), Viewer::Observer] {
        let seen = seen_by(&g, &v);
        for mark in [
            "MARK-draft-rationale",
            "draft_edited",
            "lead_changed",
            "\"belarus\":\"p-mate\"",
        ] {
            assert!(!seen.contains(mark), "{v:?} saw {mark}");
        }
    }
    // The export is the White Cell's record: it holds the draft.
    assert!(export_json(&g).contains("MARK-draft-rationale"));
    // A new turn clears the live draft.
    g.cmd(
        &player("belarus", "p-mate"),
        Command::Submit {
            turn: 1,
            choices: Vec::new(),
        },
    );
    let mut g2 = g.clone();
    g2.advance_to(Phase::Briefing);
    assert!(g2.state.live_drafts.is_empty());
    // Replaying the log reaches the same state.
    let replayed = engine::replay(g2.scenario.clone(), &g2.events);
    assert_eq!(replayed.hash().ok(), g2.state.hash().ok());
}

#[test]
fn an_undone_override_is_the_white_cells_alone_and_the_dice_stand() {
    let mut g = Game::new(belarus(), 5);
    g.advance_to(Phase::Decision);
    g.submit("belarus", &[("expand_logistics", "roads")]);
    g.advance_to(Phase::Adjudication);
    let r = g.state.pending[0].clone();
    let flip = match r.result {
        Outcome::Success => Outcome::Failure,
        Outcome::Failure => Outcome::Success,
    };
    g.fac(override_cmd(&r.choice, flip, "MARK-override-note"));
    g.fac(Command::UndoOverride {
        choice: r.choice.to_string(),
    });
    assert!(g.state.pending[0].overridden.is_none());
    for v in [Viewer::Team("belarus".into()), Viewer::Observer] {
        assert!(!seen_by(&g, &v).contains("override_undone"), "{v:?}");
    }
    g.advance_to(Phase::Review);
    let published = &g.state.choices[0].resolution;
    assert_eq!(published.result, r.result);
    assert!(!published.overridden);
    let md = String::from_utf8(export(
        Format::Markdown,
        &SessionMeta::default(),
        &g.scenario,
        "",
        &g.events,
        &ExportOptions::default(),
    ))
    .expect("utf-8");
    assert!(md.contains("Override undone"), "the report keeps the undo");
}

/// Sessions without the new options write and hash exactly as before.
#[test]
fn a_session_without_teamwork_hashes_as_before() {
    let g = Game::new(belarus(), 5);
    let json = serde_json::to_string(&g.events[0]).expect("json");
    assert!(!json.contains("team_leads") && !json.contains("player_odds"));
    let state = serde_json::to_string(&g.state).expect("json");
    for k in ["team_leads", "player_odds", "leads", "live_drafts"] {
        assert!(!state.contains(k), "{k} in the state of a plain session");
    }
}
