//! Per-viewer filtering, tested with marker strings in every secret field.
//!
//! Every snapshot (`view`) and every live event (`visible`) a seat could receive is
//! serialised and searched for markers it must not contain. Uses the covert fixture,
//! whose detection is certain either way, so the test does not depend on the dice;
//! secret flags use their ids as markers.

use crate::common;

use wargame::engine::{self, Actor, Command, Outcome, Phase, Viewer};

use common::*;

const SEED: u64 = 0x5EED_CAFE_F00D_1234;

/// A secret string and who may read it.
struct Marker {
    text: &'static str,
    /// The team that owns it; `None` for White Cell only.
    owner: Option<&'static str>,
    /// Whether the owner may read it before the turn's review (drafts: yes; the
    /// facilitator's override note on their choice: only once published).
    owner_before_review: bool,
    /// Whether every seat may read it once the review is published.
    public_after_review: bool,
}

const fn m(
    text: &'static str,
    owner: Option<&'static str>,
    owner_before_review: bool,
    public_after_review: bool,
) -> Marker {
    Marker {
        text,
        owner,
        owner_before_review,
        public_after_review,
    }
}

const MARKERS: &[Marker] = &[
    // Rationales. Overt ones are published at review; covert ones never.
    m("MARK-red-draft-one", Some("red"), true, false),
    m("MARK-red-overt", Some("red"), true, true),
    m("MARK-red-seen", Some("red"), true, false),
    m("MARK-red-hidden", Some("red"), true, false),
    m("MARK-blue-overt", Some("blue"), true, true),
    m("MARK-blue-hidden", Some("blue"), true, false),
    m("MARK-green-overt", Some("green"), true, true),
    // Undetected covert choices: not even their existence.
    m("red_hidden", Some("red"), true, false),
    m("t1-red-3", Some("red"), false, false),
    m("Red's secret op", Some("red"), false, false),
    m("Something happened somewhere", Some("red"), false, false),
    m("blue_hidden", Some("blue"), true, false),
    m("t1-blue-2", Some("blue"), false, false),
    // A targeted inject, sent only to Blue.
    m("MARK-blue-inject-title", Some("blue"), true, false),
    m("MARK-blue-inject-text", Some("blue"), true, false),
    // The White Cell's private notes and its override note on a covert choice.
    m("MARK-fac-note-briefing", None, false, false),
    m("MARK-fac-note-adjudication", None, false, false),
    m("MARK-fac-override-hidden", Some("red"), false, false),
];

/// Everything a seat would have received: the snapshot, and every event as delivered.
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

fn viewers() -> Vec<(String, Viewer)> {
    let mut v: Vec<(String, Viewer)> = ["red", "blue", "green"]
        .iter()
        .map(|t| (t.to_string(), Viewer::Team(t.to_string())))
        .collect();
    v.push(("observer".to_string(), Viewer::Observer));
    v
}

/// Checks every non-facilitator seat against every marker at this point of the game.
fn check(g: &Game, stage: &str) {
    let reviewed = g.state.turn > 1 || matches!(g.state.phase, Phase::Review | Phase::Ended);
    for (name, viewer) in viewers() {
        let text = seen_by(g, &viewer);
        for mk in MARKERS {
            let own = mk.owner == Some(name.as_str());
            let allowed = (own && (mk.owner_before_review || reviewed))
                || (reviewed && mk.public_after_review);
            if !allowed {
                assert!(
                    !text.contains(mk.text),
                    "{stage}: {name} can read `{}`:\n{}",
                    mk.text,
                    excerpt(&text, mk.text)
                );
            }
        }
        // The seed and the dice stream position are White Cell only.
        for secret in [SEED.to_string().as_str(), "\"seed\"", "\"rng\""] {
            assert!(
                !text.contains(secret),
                "{stage}: {name} can read {secret}:\n{}",
                excerpt(&text, secret)
            );
        }
    }
}

fn excerpt(text: &str, needle: &str) -> String {
    let Some(k) = text.find(needle) else {
        return String::new();
    };
    let line_start = text[..k].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[k..].find('\n').map_or(text.len(), |i| k + i);
    text[line_start..line_end].chars().take(600).collect()
}

fn assert_sees(g: &Game, viewer: &Viewer, what: &[&str], stage: &str) {
    let text = seen_by(g, viewer);
    for w in what {
        assert!(text.contains(w), "{stage}: {viewer:?} should see `{w}`");
    }
}

#[test]
fn secrets_reach_only_the_seats_allowed_to_read_them() {
    let mut g = Game::new(fixture("covert.toml"), SEED);
    let red = Viewer::Team("red".to_string());
    let blue = Viewer::Team("blue".to_string());
    let fac = Viewer::Facilitator;
    for (t, name) in [
        ("red", "Rita"),
        ("blue", "Bo"),
        ("green", "Gus"),
        ("observer", "Otto"),
    ] {
        g.cmd(
            &Actor::System,
            Command::Join {
                team: t.to_string(),
                name: name.to_string(),
                player: format!("p-{t}"),
            },
        );
    }
    g.fac(Command::Start);
    g.fac(Command::Note {
        text: "MARK-fac-note-briefing".to_string(),
        public: false,
        category: Default::default(),
        about: None,
    });
    g.fac(Command::Note {
        text: "PUBLIC-note for everyone".to_string(),
        public: true,
        category: Default::default(),
        about: None,
    });
    g.fac(custom_inject(
        "MARK-blue-inject-title",
        "MARK-blue-inject-text",
        &[("tension", 1)],
        &["blue"],
    ));
    check(&g, "briefing");
    assert_sees(
        &g,
        &blue,
        &["MARK-blue-inject-title", "MARK-blue-inject-text"],
        "briefing",
    );
    assert_sees(
        &g,
        &Viewer::Observer,
        &["PUBLIC-note for everyone"],
        "briefing",
    );
    assert_sees(
        &g,
        &fac,
        &["MARK-fac-note-briefing", &SEED.to_string(), "\"seed\""],
        "briefing",
    );

    g.advance();
    g.submit("red", &[("red_overt", "MARK-red-draft-one")]);
    g.submit(
        "red",
        &[
            ("red_overt", "MARK-red-overt"),
            ("red_seen", "MARK-red-seen"),
            ("red_hidden", "MARK-red-hidden"),
        ],
    );
    g.submit(
        "blue",
        &[
            ("blue_overt", "MARK-blue-overt"),
            ("blue_hidden", "MARK-blue-hidden"),
        ],
    );
    g.submit("green", &[("green_overt", "MARK-green-overt")]);
    check(&g, "decision");
    assert_sees(
        &g,
        &red,
        &["MARK-red-overt", "MARK-red-seen", "MARK-red-hidden"],
        "decision",
    );

    g.advance();
    assert_eq!(g.state.phase, Phase::Adjudication);
    g.fac(override_cmd(
        "t1-red-3",
        Outcome::Success,
        "MARK-fac-override-hidden",
    ));
    g.fac(Command::Note {
        text: "MARK-fac-note-adjudication".to_string(),
        public: false,
        category: Default::default(),
        about: None,
    });
    check(&g, "adjudication");
    assert_sees(
        &g,
        &fac,
        &["MARK-fac-override-hidden", "\"rng\""],
        "adjudication",
    );

    g.advance();
    assert_eq!(g.state.phase, Phase::Review);
    check(&g, "review");
    for (_, v) in viewers() {
        assert_sees(
            &g,
            &v,
            &[
                "MARK-red-overt",
                "MARK-blue-overt",
                "MARK-green-overt",
                "red_seen",
            ],
            "review",
        );
    }
    assert_sees(
        &g,
        &red,
        &[
            "MARK-red-hidden",
            "MARK-fac-override-hidden",
            "Something happened somewhere",
        ],
        "review",
    );
    let every: Vec<&str> = MARKERS.iter().map(|m| m.text).collect();
    assert_sees(&g, &fac, &every, "review");

    g.advance();
    check(&g, "turn 2 briefing");
    g.fac(Command::End { reason: None });
    check(&g, "ended");
}

#[test]
fn a_detected_covert_choice_is_shown_without_its_rationale_or_note() {
    let mut g = Game::new(fixture("covert.toml"), SEED);
    g.advance_to(Phase::Decision);
    g.submit("red", &[("red_seen", "MARK-why")]);
    g.advance();
    g.fac(override_cmd("t1-red-1", Outcome::Failure, "MARK-override"));
    g.advance();
    let blue = Viewer::Team("blue".to_string());
    let view = engine::view(&g.state, &blue);
    let r = &view.choices[0].resolution;
    assert_eq!(&*r.option, "red_seen");
    assert_eq!(
        r.result,
        Outcome::Failure,
        "the published result is visible"
    );
    assert_eq!(r.rationale, None);
    assert_eq!(r.note, None);
    let text = seen_by(&g, &blue);
    assert!(!text.contains("MARK-why") && !text.contains("MARK-override"));
}

#[test]
fn other_teams_learn_only_that_a_team_submitted() {
    let mut g = Game::new(fixture("covert.toml"), SEED);
    g.advance_to(Phase::Decision);
    let ev = g.submit("red", &[("red_overt", "why"), ("red_seen", "why")]);
    let other =
        engine::visible(&g.scenario, &ev[0], &Viewer::Team("blue".to_string())).expect("delivered");
    let json = serde_json::to_value(&other).expect("json");
    assert_eq!(json["kind"], "choices_submitted");
    assert_eq!(json["team"], "red");
    assert_eq!(json["redacted"], true);
    assert_eq!(json["choices"], serde_json::json!([]));
    assert!(json.get("cost").is_none() && json.get("revision").is_none());
    assert_eq!(
        json["actor"]["player"], "",
        "the submitting player is not named"
    );
    let own =
        engine::visible(&g.scenario, &ev[0], &Viewer::Team("red".to_string())).expect("delivered");
    assert_eq!(own, ev[0]);
    let view = engine::view(&g.state, &Viewer::Observer);
    let red = view.teams.iter().find(|t| &*t.team == "red").expect("red");
    assert!(red.submitted);
    assert!(view.draft.is_none() && view.drafts.is_none() && view.pending.is_none());
}

/// A session created with `private_rationales`: an overt choice's outcome is published
/// to everyone, its rationale and the White Cell's override note on it only to its own
/// team and the White Cell, and the setting survives a replay of the log.
#[test]
fn a_session_can_keep_overt_rationales_private() {
    let at = 1_750_000_000_000;
    let (state, created) = engine::create_with(
        fixture("covert.toml"),
        &engine::Settings {
            title: "private",
            seed: SEED,
            max_turns: None,
            auto_advance: true,
            private_rationales: true,
            time_zone: None,
            team_leads: false,
            player_odds: engine::PlayerOdds::None,
            anonymous_debrief: false,
            report: Default::default(),
        },
        at,
    );
    let mut g = Game {
        scenario: fixture("covert.toml"),
        state,
        events: vec![created],
        at,
    };
    g.advance_to(Phase::Decision);
    g.submit("red", &[("red_overt", "MARK-red-private-why")]);
    g.submit("blue", &[("blue_overt", "MARK-blue-private-why")]);
    g.advance_to(Phase::Adjudication);
    g.fac(override_cmd(
        "t1-blue-1",
        Outcome::Failure,
        "MARK-blue-override-why",
    ));
    g.advance_to(Phase::Review);
    for (name, viewer) in viewers() {
        let text = seen_by(&g, &viewer);
        let view = engine::view(&g.state, &viewer);
        assert!(
            view.private_rationales,
            "{name} is told rationales are private"
        );
        // Every seat sees both outcomes.
        assert_eq!(view.choices.len(), 2, "{name}");
        for (team, mark) in [
            ("red", "MARK-red-private-why"),
            ("blue", "MARK-blue-private-why"),
            ("blue", "MARK-blue-override-why"),
        ] {
            assert_eq!(
                text.contains(mark),
                name == team,
                "{name} and the rationale of {team}:\n{}",
                excerpt(&text, mark)
            );
        }
    }
    assert_sees(
        &g,
        &Viewer::Facilitator,
        &[
            "MARK-red-private-why",
            "MARK-blue-private-why",
            "MARK-blue-override-why",
        ],
        "review",
    );
    // Other seats still see that Blue's result was overridden, and to what.
    let red_view = engine::view(&g.state, &Viewer::Team("red".to_string()));
    let blue_choice = &red_view
        .choices
        .iter()
        .find(|c| &*c.resolution.team == "blue")
        .expect("blue's outcome is public")
        .resolution;
    assert!(blue_choice.overridden && blue_choice.note.is_none());
    assert_eq!(blue_choice.result, Outcome::Failure);
    let replayed = engine::replay(g.scenario.clone(), &g.events);
    assert!(replayed.private_rationales);
    assert_eq!(
        replayed.hash().expect("the state hashes"),
        g.state.hash().expect("the state hashes")
    );
}

/// Every non-facilitator seat of the default scenario.
fn belarus_seats() -> Vec<(&'static str, Viewer)> {
    let mut v: Vec<(&'static str, Viewer)> = ["belarus", "russia", "ukraine", "nato"]
        .into_iter()
        .map(|t| (t, Viewer::Team(t.to_string())))
        .collect();
    v.push(("observer", Viewer::Observer));
    v
}

/// Russia's secret flag, set by a covert choice, lapses after the next decision
/// window: the phase change that clears it names it only to Russia and the White Cell.
#[test]
fn a_lapsed_secret_flag_reaches_only_its_owner_and_the_white_cell() {
    const SECRET: &str = "northern_axis_prepared";
    let mut g = Game::new(fixture("lapsing-secret.toml"), SEED);
    g.advance_to(Phase::Decision);
    g.submit("russia", &[("prepare_northern_strikes", "Quietly.")]);
    g.advance_to(Phase::Adjudication);
    let choice = g.state.pending[0].choice.to_string();
    g.fac(override_cmd(&choice, Outcome::Success, "It works."));
    g.advance_to(Phase::Review);
    assert!(g.flag(SECRET), "the covert choice set the secret flag");
    // Turn 2 plays through its decision window; turn 3's briefing clears the flag.
    g.advance();
    g.advance_to(Phase::Review);
    assert!(g.flag(SECRET), "the flag stays live through turn 2");
    let lapse = g.advance();
    assert!(!g.flag(SECRET), "the flag lapsed");
    let lapse = lapse
        .iter()
        .find(|e| matches!(e.body, engine::EventBody::PhaseChanged { .. }))
        .expect("a phase change opens turn 3");
    let lapsed_secret = |e: &engine::Event| match &e.body {
        engine::EventBody::PhaseChanged { lapsed_secret, .. } => lapsed_secret
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    assert_eq!(lapsed_secret(lapse), [SECRET], "the log records the lapse");
    for (name, viewer) in belarus_seats() {
        let delivered =
            engine::visible(&g.scenario, lapse, &viewer).expect("phase changes reach everyone");
        let text = seen_by(&g, &viewer);
        if name == "russia" {
            assert_eq!(
                lapsed_secret(&delivered),
                [SECRET],
                "the owner is told its flag lapsed"
            );
        } else {
            assert!(
                lapsed_secret(&delivered).is_empty(),
                "{name} is told of the lapse"
            );
            assert!(
                !text.contains(SECRET),
                "{name} can read Russia's secret flag:\n{}",
                excerpt(&text, SECRET)
            );
        }
    }
    let fac = engine::visible(&g.scenario, lapse, &Viewer::Facilitator).expect("delivered");
    assert_eq!(lapsed_secret(&fac), [SECRET]);
}

/// A scenario whose choices, catalog event and trigger set and clear Red's secret
/// flag along with a public one. Odds and detection are certain.
const SECRET_SETS: &str = r#"
id = "secret-sets"
title = "Secret sets"
max_turns = 3
budget = 3
stages = ["political"]
detection_base = 0

[[indicators]]
id = "tension"
name = "Tension"
min = 0
max = 10
start = 5

[[flags]]
id = "red_secret_plan"
name = "Red's secret plan"
owner = "red"

[[flags]]
id = "public_alarm"
name = "Public alarm"

[[teams]]
id = "red"
name = "Red"

[[teams.options]]
id = "red_open"
title = "Red acts openly"
cost = 1
stage = "political"
odds = 100
source = "designer addition: test fixture"
success = { text = "Red acts.", set = ["red_secret_plan", "public_alarm"] }
failure = { text = "Red fails." }

[[teams.options]]
id = "red_caught"
title = "Red acts covertly and is caught"
cost = 1
stage = "political"
covert = true
detection = 100
odds = 100
source = "designer addition: test fixture"
success = { text = "Red is caught.", clear = ["red_secret_plan", "public_alarm"] }
failure = { text = "Red fails." }

[[teams]]
id = "blue"
name = "Blue"

[[teams.options]]
id = "blue_waits"
title = "Blue waits"
cost = 1
stage = "political"
odds = 50
source = "designer addition: test fixture"

[[events]]
id = "leak"
title = "A leak"
text = "Something leaks."
source = "designer addition: test fixture"
set = ["red_secret_plan", "public_alarm"]

[[triggers]]
id = "boiling_point"
when = ["tension >= 8"]
event = "leak"
source = "designer addition: test fixture"
"#;

/// Wherever an event lists flags it sets or clears (an overt choice, a detected covert
/// choice, a catalog inject, a trigger's inject), other seats get the list without the
/// secret ones; the owner and the White Cell get it whole.
#[test]
fn flags_set_or_cleared_in_the_open_never_name_another_teams_secret_flag() {
    const SECRET: &str = "red_secret_plan";
    let scenario = match wargame::scenario::compile("secret-sets.toml", SECRET_SETS) {
        Ok(s) => std::sync::Arc::new(s),
        Err(p) => panic!("the test scenario does not validate: {p:?}"),
    };
    let mut g = Game::new(scenario, SEED);
    g.advance_to(Phase::Decision);
    g.submit(
        "red",
        &[("red_open", "Openly."), ("red_caught", "Covertly.")],
    );
    g.advance_to(Phase::Review);
    assert!(
        !g.flag(SECRET) && !g.flag("public_alarm"),
        "set, then cleared"
    );
    g.fac(inject_event("leak"));
    g.fac(custom_inject(
        "Heat",
        "Tension rises.",
        &[("tension", 3)],
        &[],
    ));
    assert!(
        g.events
            .iter()
            .any(|e| matches!(e.body, engine::EventBody::TriggerFired { .. })),
        "the trigger fired"
    );
    // The log names the secret flag in four places: two choices and two injects.
    let lists = |e: &engine::Event| -> Option<(Vec<String>, Vec<String>)> {
        let names = |v: &[std::sync::Arc<str>]| v.iter().map(|f| f.to_string()).collect();
        match &e.body {
            engine::EventBody::ChoiceResolved(r) => Some((names(&r.set), names(&r.clear))),
            engine::EventBody::EventInjected { inject } => {
                Some((names(&inject.set), names(&inject.clear)))
            }
            _ => None,
        }
    };
    let naming = g
        .events
        .iter()
        .filter_map(&lists)
        .filter(|(set, clear)| set.iter().chain(clear).any(|f| f == SECRET))
        .count();
    assert_eq!(
        naming, 4,
        "the test must exercise every place a flag is named"
    );
    let blue = Viewer::Team("blue".to_string());
    let red = Viewer::Team("red".to_string());
    for viewer in [blue.clone(), Viewer::Observer] {
        let text = seen_by(&g, &viewer);
        assert!(
            !text.contains(SECRET),
            "{viewer:?} can read Red's secret flag:\n{}",
            excerpt(&text, SECRET)
        );
        // The public flag in the same lists still arrives.
        let public = g
            .events
            .iter()
            .filter_map(|e| engine::visible(&g.scenario, e, &viewer))
            .filter_map(|e| lists(&e))
            .filter(|(set, clear)| set.iter().chain(clear).any(|f| f == "public_alarm"))
            .count();
        assert_eq!(public, 4, "{viewer:?} sees the public flag change");
    }
    assert_sees(&g, &red, &[SECRET], "review");
    assert_sees(&g, &Viewer::Facilitator, &[SECRET], "review");
    let red_view = engine::view(&g.state, &red);
    assert!(
        red_view
            .choices
            .iter()
            .any(|c| c.resolution.set.iter().any(|f| &**f == SECRET)),
        "Red's own snapshot keeps its flag"
    );
}
