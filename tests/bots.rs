//! Doctrine bots: the policy, bots seated in a session, who sees what of them, and
//! `wargame simulate --policy doctrine`. The scenario is `tests/fixtures/doctrines.toml`.

use crate::common::*;

use std::sync::Arc;

use wargame::engine::{self, Command, EventBody, Phase, Viewer, view, visible};
use wargame::scenario::{Scenario, compile};

const TEAMS: [(&str, &str); 4] = [
    ("belarus", "loyal_ally"),
    ("russia", "escalate_to_deter"),
    ("ukraine", "cautious"),
    ("nato", "diplomacy_first"),
];

fn bot(team: &str, doctrine: Option<&str>) -> Command {
    Command::Bot {
        team: team.to_string(),
        doctrine: doctrine.map(str::to_string),
    }
}

fn bot_game(seed: u64) -> Game {
    let mut g = Game::new(fixture("doctrines.toml"), seed);
    for (t, d) in TEAMS {
        g.fac(bot(t, Some(d)));
    }
    g
}

/// The fixture with its text changed, e.g. to put markers into reasons.
fn fixture_with(edits: &[(&str, &str)]) -> Arc<Scenario> {
    let mut text =
        std::fs::read_to_string(manifest_path("tests/fixtures/doctrines.toml")).expect("fixture");
    for (from, to) in edits {
        assert!(text.contains(from), "the fixture has {from}");
        text = text.replace(from, to);
    }
    Arc::new(compile("doctrines.toml", &text).expect("the edited fixture validates"))
}

#[test]
fn every_bot_submits_as_the_decision_window_opens_within_budget_and_with_reasons() {
    let mut g = bot_game(3);
    g.advance_to(Phase::Briefing);
    let seq = g.state.seq;
    g.advance();
    assert_eq!(g.state.phase, Phase::Decision);
    let subs: Vec<_> = g
        .since(seq)
        .into_iter()
        .filter_map(|e| match &e.body {
            EventBody::ChoicesSubmitted {
                team,
                choices,
                cost,
                bot,
                doctrine,
                ..
            } => Some((team.clone(), choices.clone(), *cost, *bot, doctrine.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(subs.len(), 4, "one submission per bot: {subs:?}");
    for ((team, choices, cost, is_bot, doctrine), (t, d)) in subs.iter().zip(TEAMS) {
        assert_eq!(team, t);
        assert!(is_bot);
        assert_eq!(doctrine.as_deref(), Some(d));
        assert!(!choices.is_empty(), "{team} chose nothing");
        let ti = g.scenario.team_index(team).expect("team");
        assert!(cost.unwrap_or(0) <= g.scenario.teams[ti].budget);
        let name = &g.scenario.teams[ti].doctrine(d).expect("doctrine").name;
        let mut seen = Vec::new();
        for c in choices {
            assert!(!seen.contains(&c.option), "{} twice", c.option);
            seen.push(c.option.clone());
            let (owner, _, _) = g.scenario.option(&c.option).expect("option");
            assert_eq!(owner, ti);
            assert!(
                c.rationale
                    .starts_with(&format!("Bot (doctrine “{name}”): ")),
                "{}",
                c.rationale
            );
        }
    }
    // Zero-weight options are never picked: cautious Kyiv never strikes, and
    // `direct_entry` needs martial law first.
    let ukraine = g.state.draft("ukraine").expect("draft");
    assert!(
        ukraine
            .choices
            .iter()
            .all(|c| c.option != "preemptive_strike")
    );
    let belarus = g.state.draft("belarus").expect("draft");
    assert!(belarus.choices.iter().all(|c| c.option != "direct_entry"));
    assert!(
        belarus.doctrine.as_deref() == Some("loyal_ally"),
        "the draft keeps the doctrine"
    );
}

#[test]
fn bots_draw_from_their_own_stream_not_the_sessions_dice() {
    // A bot session and a session where people submit exactly the bots' choices
    // roll the same dice: the bots moved nothing of the session's stream.
    let mut a = bot_game(11);
    a.advance_to(Phase::Decision);
    assert_eq!(a.state.rng, 0, "choosing moved the dice");
    let drafts: Vec<_> = TEAMS
        .iter()
        .map(|(t, _)| a.state.draft(t).expect("draft").clone())
        .collect();
    a.advance_to(Phase::Review);
    let mut b = Game::new(fixture("doctrines.toml"), 11);
    b.advance_to(Phase::Decision);
    for d in &drafts {
        let list: Vec<(&str, &str)> = d
            .choices
            .iter()
            .map(|c| (c.option.as_str(), &*c.rationale))
            .collect();
        b.submit(&d.team, &list);
    }
    b.advance_to(Phase::Review);
    let rolls = |g: &Game| -> Vec<(String, u32, engine::Outcome)> {
        g.state
            .choices
            .iter()
            .map(|c| {
                (
                    c.resolution.choice.to_string(),
                    c.resolution.roll,
                    c.resolution.result,
                )
            })
            .collect()
    };
    assert_eq!(rolls(&a), rolls(&b));
    assert_eq!(a.state.world, b.state.world);
    assert_eq!(a.state.rng, b.state.rng);
    // Published bot choices say so, with their doctrine; people's do not.
    assert!(a.state.choices.iter().all(|c| c.resolution.bot));
    assert!(
        a.state
            .choices
            .iter()
            .all(|c| c.resolution.doctrine.is_some())
    );
    assert!(b.state.choices.iter().all(|c| !c.resolution.bot));
    // The same seed picks the same options again; replay reaches the same state.
    let mut again = bot_game(11);
    again.advance_to(Phase::Review);
    assert_eq!(again.state.hash().ok(), a.state.hash().ok());
    let replayed = engine::replay(a.scenario.clone(), &a.events);
    assert_eq!(replayed.hash().ok(), a.state.hash().ok());
}

#[test]
fn conditional_preferences_follow_the_board_and_give_their_reason() {
    // With martial law in force from the start, pre-emptive Kyiv's strike weighs 15
    // against 1 and 1, and the bot says why.
    let s = fixture_with(&[(
        "id = \"martial_law\"\nname = \"Martial law in Belarus\"",
        "id = \"martial_law\"\nname = \"Martial law in Belarus\"\nstart = true",
    )]);
    let mut strikes = 0;
    for seed in 0..12 {
        let mut g = Game::new(s.clone(), seed);
        g.fac(bot("ukraine", Some("preemptive")));
        g.advance_to(Phase::Decision);
        let d = g.state.draft("ukraine").expect("draft");
        for c in &d.choices {
            if c.option == "preemptive_strike" {
                strikes += 1;
                assert!(
                    c.rationale
                        .contains("Martial law in Minsk means the attack is coming."),
                    "{}",
                    c.rationale
                );
                assert!(c.rationale.contains("Strike the build-up before it moves."));
            } else {
                assert!(
                    !c.rationale.contains("Martial law in Minsk"),
                    "{}",
                    c.rationale
                );
            }
        }
    }
    assert!(strikes >= 9, "the strike should dominate: {strikes} of 12");
}

#[test]
fn the_white_cell_hands_a_seat_from_a_bot_to_a_person_and_back() {
    let mut g = Game::new(fixture("doctrines.toml"), 5);
    g.fac(bot("ukraine", Some("cautious")));
    g.advance_to(Phase::Decision);
    assert!(
        g.state
            .draft("ukraine")
            .is_some_and(|d| d.doctrine.is_some())
    );
    // A person joins mid-game; the White Cell hands the seat over.
    g.cmd(
        &engine::Actor::System,
        Command::Join {
            team: "ukraine".into(),
            name: "Oksana".into(),
            player: "p-ukraine".into(),
        },
    );
    let events = g.fac(bot("ukraine", None));
    assert!(matches!(
        &events[0].body,
        EventBody::BotSet {
            bot: false,
            doctrine: None,
            ..
        }
    ));
    assert!(g.state.bots.is_empty());
    g.submit("ukraine", &[("preemptive_strike", "Now.")]);
    let d = g.state.draft("ukraine").expect("draft");
    assert_eq!(d.doctrine, None);
    assert_eq!(d.revision, 2);
    // And back: seated during a decision window, the bot submits at once.
    let events = g.fac(bot("ukraine", Some("preemptive")));
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(
        &events[1].body,
        EventBody::ChoicesSubmitted { bot: true, .. }
    ));
    assert_eq!(g.state.draft("ukraine").expect("draft").revision, 3);
    // A bot seated outside the decision window waits for the next one.
    g.advance_to(Phase::Review);
    let events = g.fac(bot("nato", Some("deterrence_by_denial")));
    assert_eq!(events.len(), 1);
    // Seats, as the consoles see them: every seat knows a bot plays Ukraine; only
    // Ukraine and the White Cell know its doctrine.
    let status = |v: &Viewer, t: &str| {
        let snap = serde_json::to_value(view(&g.state, v)).expect("json");
        snap["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|x| x["team"] == t)
            .cloned()
            .expect("team")
    };
    let fac = status(&Viewer::Facilitator, "ukraine");
    assert_eq!(
        (fac["bot"].clone(), fac["doctrine"].clone()),
        (true.into(), "preemptive".into())
    );
    let own = status(&Viewer::Team("ukraine".into()), "ukraine");
    assert_eq!(own["doctrine"], "preemptive");
    for v in [Viewer::Team("belarus".into()), Viewer::Observer] {
        let x = status(&v, "ukraine");
        assert_eq!(x["bot"], true, "{v:?}");
        assert!(x.get("doctrine").is_none(), "{v:?}: {x}");
    }
    assert!(status(&Viewer::Observer, "russia").get("bot").is_none());
}

/// Reasons and doctrine ids carry markers; the doctrine's id is as private as its
/// reasons until publication, and a published bot choice is as private as a
/// person's: overt ones are read by every seat unless the session keeps
/// rationales private; its doctrine goes with its rationale.
#[test]
fn a_bots_doctrine_and_rationale_reach_only_the_seats_a_persons_would() {
    const REASON: &str = "MARK-BOT-REASON";
    const DOCTRINE: &str = "mark-bot-doctrine";
    let s = fixture_with(&[
        ("Give Minsk no pretext.\"\n", "MARK-BOT-REASON.\"\n"),
        ("id = \"cautious\"", "id = \"mark-bot-doctrine\""),
    ]);
    for private in [false, true] {
        let mut g = Game::with(s.clone(), 9, None, true);
        if private {
            // The same session, created with private rationales.
            let (state, first) = engine::create_with(
                s.clone(),
                &engine::Settings {
                    title: "private",
                    seed: 9,
                    max_turns: None,
                    auto_advance: true,
                    private_rationales: true,
                    time_zone: None,
                    team_leads: false,
                    player_odds: engine::PlayerOdds::None,
                    anonymous_debrief: false,
                    report: Default::default(),
                },
                g.at,
            );
            g.state = state;
            g.events = vec![first];
        }
        g.fac(bot("ukraine", Some(DOCTRINE)));
        g.advance_to(Phase::Decision);
        let published_from = g.state.seq;
        g.advance_to(Phase::Review);
        let viewers = [
            Viewer::Facilitator,
            Viewer::Team("ukraine".into()),
            Viewer::Team("belarus".into()),
            Viewer::Team("nato".into()),
            Viewer::Observer,
        ];
        for v in &viewers {
            let own = matches!(v, Viewer::Facilitator) || *v == Viewer::Team("ukraine".into());
            let mut before = String::new();
            let mut after = String::new();
            for e in &g.events {
                if let Some(e) = visible(&g.scenario, e, v) {
                    let text = serde_json::to_string(&e).expect("json");
                    if e.seq <= published_from {
                        before.push_str(&text);
                    } else {
                        after.push_str(&text);
                    }
                }
            }
            let snap = serde_json::to_string(&view(&g.state, v)).expect("json");
            for (what, text, may) in [
                ("events before publication", &before, own),
                ("events after publication", &after, own || !private),
                ("snapshot", &snap, own || !private),
            ] {
                assert_eq!(
                    text.contains(REASON),
                    may,
                    "{v:?} (private {private}), {what}: the reason"
                );
                assert_eq!(
                    text.contains(DOCTRINE),
                    may,
                    "{v:?} (private {private}), {what}: the doctrine"
                );
            }
            // Every seat learns that a bot plays Ukraine and which choices are a bot's.
            assert!(before.contains("\"kind\":\"bot_set\""), "{v:?}");
            assert!(before.contains("\"bot\":true"), "{v:?}");
            assert!(after.contains("\"bot\":true"), "{v:?}");
        }
    }
}

/// A session without bots serialises and hashes as it did before bots existed.
#[test]
fn sessions_without_bots_keep_their_bytes() {
    let mut g = Game::new(belarus(), 1);
    g.advance_to(Phase::Decision);
    submit_full_turn(&mut g);
    g.advance_to(Phase::Review);
    let text: String = g
        .events
        .iter()
        .map(|e| serde_json::to_string(e).expect("json"))
        .collect();
    assert!(!text.contains("\"bot\""), "{text}");
    assert!(!text.contains("doctrine"));
    let state =
        serde_json::to_string(&serde_json::to_value(&g.state).expect("state")).expect("json");
    assert!(!state.contains("bots") && !state.contains("doctrine"));
}

fn simulate(policy: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args([
            "simulate",
            "--scenario",
            "tests/fixtures/doctrines.toml",
            "--seed",
            "5",
            "--turns",
            "3",
            "--runs",
            "20",
            "--policy",
            policy,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the wargame binary runs")
}

#[test]
fn simulate_by_doctrine_is_deterministic_differs_from_random_and_echoes_the_policy() {
    let a = simulate("doctrine");
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(
        a.stdout,
        simulate("doctrine").stdout,
        "same args, same bytes"
    );
    let random = simulate("random");
    assert_ne!(a.stdout, random.stdout);
    let json: serde_json::Value = serde_json::from_slice(&a.stdout).expect("json");
    assert_eq!(json["policy"], "doctrine");
    assert_eq!(json["doctrines"]["belarus"], "loyal_ally");
    assert_eq!(json["doctrines"]["nato"], "deterrence_by_denial");
    // Zero weights never play: deterrence by denial never opens talks.
    assert!(
        json["options"].get("open_talks").is_none(),
        "{}",
        json["options"]
    );
    let r: serde_json::Value = serde_json::from_slice(&random.stdout).expect("json");
    assert_eq!(r["policy"], "random");
    assert!(r.get("doctrines").is_none());
    assert!(r["options"]["open_talks"]["chosen"].as_u64() > Some(0));

    let listed = simulate("doctrine:nato=diplomacy_first,ukraine=preemptive");
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(
        json["policy"],
        "doctrine:nato=diplomacy_first,ukraine=preemptive"
    );
    assert_eq!(json["doctrines"]["nato"], "diplomacy_first");
    assert_eq!(json["doctrines"]["belarus"], "loyal_ally");
    assert!(json["options"]["open_talks"]["chosen"].as_u64() > Some(0));

    let bad = simulate("doctrine:nato=appeasement");
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("team `nato` has no doctrine `appeasement`"),
        "{err}"
    );
    // A scenario without doctrines plays random under `doctrine`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args([
            "simulate",
            "--scenario",
            "tests/fixtures/covert.toml",
            "--runs",
            "3",
            "--policy",
            "doctrine",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["doctrines"]["red"], "random");
}

#[test]
fn the_public_scenario_names_doctrines_but_not_their_weights() {
    let s = fixture("doctrines.toml");
    let json = serde_json::to_value(s.as_ref()).expect("json");
    let belarus = &json["teams"][0]["doctrines"];
    assert_eq!(belarus[0]["id"], "loyal_ally");
    assert_eq!(belarus[0]["name"], "Loyal ally");
    assert!(belarus[0]["description"].as_str().is_some());
    let text = json.to_string();
    for reason in ["an ally shows up", "The Union State must be ready for war."] {
        assert!(!text.contains(reason), "reasons stay private: {reason}");
    }
    assert!(!text.contains("weights"));
}

/// A doctrine's conditions read the board as its team sees it: with Russia's view of
/// Belarusian sovereignty a turn late, a jump the White Cell injects this turn does
/// not yet move Moscow's bot; without the fog it does, and the bot says why.
#[test]
fn a_bot_judges_its_conditions_on_its_own_fogged_board() {
    const WHY: &str = "Minsk is drifting west.";
    let fog = "\n[[fog]]\nindicator = \"by_sovereignty\"\nteams = [\"russia\"]\ndelay = 1\n";
    let with_fog = {
        let mut text = std::fs::read_to_string(manifest_path("tests/fixtures/doctrines.toml"))
            .expect("fixture");
        text.push_str(fog);
        Arc::new(compile("doctrines.toml", &text).expect("validates"))
    };
    let reasons = |s: &Arc<Scenario>| -> usize {
        let mut n = 0;
        for seed in 0..6 {
            let mut g = Game::new(s.clone(), seed);
            g.fac(bot("russia", Some("keep_minsk_compliant")));
            g.advance_to(Phase::Briefing);
            g.fac(custom_inject(
                "Minsk looks west",
                "",
                &[("by_sovereignty", 10)],
                &[],
            ));
            g.advance_to(Phase::Decision);
            let d = g.state.draft("russia").expect("draft");
            n += d
                .choices
                .iter()
                .filter(|c| c.rationale.contains(WHY))
                .count();
        }
        n
    };
    assert!(
        reasons(&fixture("doctrines.toml")) > 0,
        "the truth moves the bot"
    );
    assert_eq!(reasons(&with_fog), 0, "Moscow's late board does not");
}
