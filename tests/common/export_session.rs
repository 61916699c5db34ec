//! A fixed, scripted session for export tests and benchmarks: joins with names, catalog,
//! custom and scripted injects, submissions with rationales for all four teams over
//! three turns (one covert), overrides with notes, notes, a timer and an ending, and
//! negotiation: messages on a bilateral and the public channel (one by the White Cell
//! in character), the White Cell closing and reopening a channel, a scenario agreement
//! accepted and applied, a custom one rejected. Every free-text field carries an
//! HTML/Markdown or spreadsheet-formula payload, and messages and agreements name
//! players (so anonymised exports must replace them).
//!
//! Include it with `#[path = "common/export_session.rs"] mod export_session;`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use wargame::engine::{
    self, Actor, ChoiceInput, Command, CustomAgreement, CustomInject, Event, Outcome, Phase, State,
};
use wargame::scenario::{Scenario, compile};

/// 2026-11-27T09:00:00Z.
pub const START_AT: i64 = 1_795_770_000_000;
pub const SEED: u64 = 20_261_127;

pub const XSS_SCRIPT: &str = "<script>alert('x')</script>";
pub const XSS_IMG: &str = "<img src=x onerror=alert(1)>";
pub const MD_LINK: &str = "[link](javascript:alert(1))";

/// Player names, in join order (ids p1, p2, ...), with their team.
pub const PLAYERS: &[(&str, &str)] = &[
    ("belarus", "Alena Kazlova"),
    ("belarus", "Ihar <img src=x onerror=alert(1)>"),
    ("russia", "Dmitri Volkov"),
    ("ukraine", "Oksana Bondar"),
    ("nato", "Jane O'Neil & Co"),
    ("observer", "Olaf Berg"),
];

pub struct Session {
    pub scenario: Arc<Scenario>,
    pub source: String,
    pub events: Vec<Event>,
    pub state: State,
}

pub fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// What a message says on the bilateral channel, trying to start a heading, a list
/// and raw HTML, and naming a player.
pub const MSG_BLOCKS: &str = "# Not a heading\n- not a list\n<b>html</b> Dmitri Volkov, aid first.";
/// A reply that is a spreadsheet formula and names a player.
pub const MSG_FORMULA: &str = "=HYPERLINK(\"//evil.example/m\",\"aid\") Agreed, Alena Kazlova.";
/// A message in other scripts.
pub const MSG_UNICODE: &str = "Kyiv is listening: Łukašenka, Зеленський, 日本語 ☃";
/// The character the White Cell posts as on the public channel.
pub const WHITE_CELL_AS: &str = "Kremlin spokesman";

/// A scenario agreement for the scripted session to accept (the golden scenario
/// predates agreements).
const GOLDEN_AGREEMENT: &str = r#"
[[agreements]]
id = "kyiv_west_intelligence"
title = "Kyiv-West intelligence-sharing arrangement on Belarus"
text = "Western governments agree to pass Ukraine timely intelligence on Belarusian military activity."
parties = ["ukraine", "nato"]
set = ["intel_sharing"]
effects = { ua_north_defence = 3 }
source = "§6 (the West: increase intelligence-sharing with Ukraine regarding Belarusian military activity)"
"#;

/// The default scenario and its source text.
pub fn belarus() -> (Arc<Scenario>, String) {
    let path = manifest_path("tests/fixtures/golden-scenario.toml");
    let text = std::fs::read_to_string(&path).expect("the default scenario is readable");
    match compile("tests/fixtures/golden-scenario.toml", &text) {
        Ok(s) => (Arc::new(s), text),
        Err(p) => panic!("the default scenario does not validate: {p:?}"),
    }
}

struct Driver {
    state: State,
    events: Vec<Event>,
    at: i64,
    /// Milliseconds between two commands.
    step: i64,
}

impl Driver {
    #[track_caller]
    fn run(&mut self, actor: &Actor, cmd: Command) {
        self.at += self.step;
        match engine::decide(&self.state, actor, &cmd, self.at) {
            Ok(events) => {
                for e in events {
                    engine::evolve(&mut self.state, &e);
                    self.events.push(e);
                }
            }
            Err(r) => panic!("{cmd:?} by {actor:?} was rejected: {r}"),
        }
    }

    fn fac(&mut self, cmd: Command) {
        self.run(&Actor::Facilitator, cmd);
    }

    fn advance(&mut self) {
        self.fac(Command::Advance);
    }

    fn submit(&mut self, team: &str, player: &str, list: &[(&str, &str)]) {
        let turn = self.state.turn;
        let choices = list
            .iter()
            .map(|(option, rationale)| ChoiceInput {
                option: option.to_string(),
                rationale: rationale.to_string(),
            })
            .collect();
        self.run(
            &Actor::Team {
                team: team.to_string(),
                player: player.to_string(),
            },
            Command::Submit { turn, choices },
        );
    }

    fn catalog(&mut self, event: &str) {
        self.fac(Command::Inject {
            event: Some(event.to_string()),
            custom: None,
            script: None,
            to: Vec::new(),
        });
    }

    fn script(&mut self, id: &str) {
        self.fac(Command::Inject {
            event: None,
            custom: None,
            script: Some(id.to_string()),
            to: Vec::new(),
        });
    }

    fn team(&mut self, team: &str, player: &str, cmd: Command) {
        self.run(
            &Actor::Team {
                team: team.to_string(),
                player: player.to_string(),
            },
            cmd,
        );
    }

    fn say(&mut self, team: &str, player: &str, channel: &str, text: &str) {
        self.team(
            team,
            player,
            Command::Say {
                channel: channel.to_string(),
                text: text.to_string(),
                as_: None,
            },
        );
    }

    fn note(&mut self, text: &str, public: bool) {
        self.fac(Command::Note {
            text: text.to_string(),
            public,
            category: Default::default(),
            about: None,
        });
    }

    /// Overrides a pending choice to the opposite of what the dice said.
    fn flip(&mut self, choice: &str, note: &str) {
        let rolled = self
            .state
            .pending
            .iter()
            .find(|r| &*r.choice == choice)
            .unwrap_or_else(|| panic!("{choice} is not pending"))
            .result;
        let result = match rolled {
            Outcome::Success => Outcome::Failure,
            Outcome::Failure => Outcome::Success,
        };
        self.fac(Command::Override {
            choice: choice.to_string(),
            result,
            note: note.to_string(),
        });
    }
}

/// The golden scenario with [`GOLDEN_AGREEMENT`] appended.
pub fn belarus_with_agreement() -> (Arc<Scenario>, String) {
    let (_, text) = belarus();
    let text = format!("{text}{GOLDEN_AGREEMENT}");
    match compile("tests/fixtures/golden-scenario.toml", &text) {
        Ok(s) => (Arc::new(s), text),
        Err(p) => panic!("the golden scenario with an agreement does not validate: {p:?}"),
    }
}

/// Builds the scripted session through `decide` + `evolve`, exactly as the server does.
pub fn scripted_session() -> Session {
    let (scenario, source) = belarus_with_agreement();
    let title = format!("Exercise {XSS_SCRIPT} \"Northern Gate\"");
    let (state, first) = engine::create(scenario.clone(), &title, SEED, Some(3), false, START_AT);
    let mut d = Driver {
        state,
        events: vec![first],
        at: START_AT,
        step: 60_000,
    };
    for (i, (team, name)) in PLAYERS.iter().enumerate() {
        d.run(
            &Actor::System,
            Command::Join {
                team: team.to_string(),
                name: name.to_string(),
                player: format!("p{}", i + 1),
            },
        );
    }
    d.note(
        "Lobby check: all four cells seated; Alena Kazlova leads Belarus.",
        false,
    );
    d.fac(Command::Start);

    // Turn 1: scripted, skipped and custom injects.
    d.script("msel-1");
    d.fac(Command::Skip {
        script: "msel-2".to_string(),
    });
    d.fac(Command::Inject {
        event: None,
        custom: Some(CustomInject {
            title: MD_LINK.to_string(),
            text: format!("{XSS_SCRIPT}\nSecond line | with a pipe, *stars* and # hash"),
            effects: [("escalation".to_string(), 1)].into_iter().collect(),
        }),
        script: None,
        to: vec!["nato".to_string(), "ukraine".to_string()],
    });
    d.advance(); // decision

    // Negotiation: a bilateral channel, the public one, a scenario agreement accepted
    // (applied when turn 1 is published) and a custom one rejected. Five seconds
    // apart, so the minutes the reports show for the rest stay as they were.
    d.step = 5_000;
    d.say("belarus", "p1", "belarus-russia", MSG_BLOCKS);
    d.say("russia", "p3", "belarus-russia", MSG_FORMULA);
    d.fac(Command::Channel {
        channel: "belarus-russia".to_string(),
        open: Some(false),
    });
    d.fac(Command::Say {
        channel: "all".to_string(),
        text: "Moscow welcomes dialogue.\n1. first\n> quote".to_string(),
        as_: Some(WHITE_CELL_AS.to_string()),
    });
    d.say("ukraine", "p4", "all", MSG_UNICODE);
    d.team(
        "ukraine",
        "p4",
        Command::Propose {
            agreement: Some("kyiv_west_intelligence".to_string()),
            custom: None,
            to: vec!["nato".to_string()],
        },
    );
    d.team(
        "nato",
        "p5",
        Command::Respond {
            agreement: "ag1".to_string(),
            accept: true,
            note: Some("Agreed with Oksana Bondar.".to_string()),
        },
    );
    d.team(
        "belarus",
        "p1",
        Command::Propose {
            agreement: None,
            custom: Some(CustomAgreement {
                title: "Border hotline with Oksana Bondar".to_string(),
                text: format!("{XSS_SCRIPT} A hotline; Jane O'Neil & Co to witness.\n- terms"),
            }),
            to: vec!["ukraine".to_string()],
        },
    );
    d.team(
        "ukraine",
        "p4",
        Command::Respond {
            agreement: "ag2".to_string(),
            accept: false,
            note: Some("=1+1 Not while Dmitri Volkov's troops are north of Kyiv.".to_string()),
        },
    );
    d.fac(Command::Channel {
        channel: "belarus-russia".to_string(),
        open: None,
    });
    d.step = 60_000;

    d.submit(
        "belarus",
        "p1",
        &[
            (
                "adopt_defence_law",
                "<script>alert('x')</script> Moscow insists; Alena Kazlova agrees.",
            ),
            (
                "establish_sof_brigade",
                "=HYPERLINK(\"//evil.example/x\",\"click\")",
            ),
        ],
    );
    d.submit("russia", "p3", &[("press_minsk", "first draft")]);
    d.submit(
        "russia",
        "p3",
        &[
            ("press_minsk", "+cmd|' /C calc'!A0"),
            ("condition_aid", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ],
    );
    d.submit(
        "ukraine",
        "p4",
        &[
            ("fortify_north", "-1+1"),
            (
                "prepare_hybrid_defence",
                "Line one\nLine two, with a comma and \"quotes\"",
            ),
        ],
    );
    d.submit(
        "nato",
        "p5",
        &[
            ("share_intelligence", MD_LINK),
            ("targeted_sanctions", XSS_IMG),
        ],
    );
    d.advance(); // adjudication: dice rolled
    d.flip(
        "t1-belarus-1",
        "=cmd|' /C calc'!A0 <script>alert('x')</script> White Cell judgement",
    );
    d.advance(); // review: published
    d.note(
        &format!("Private: {XSS_SCRIPT} watch the southern flank | {MD_LINK}"),
        false,
    );
    d.advance(); // turn 2 briefing

    // Turn 2: scripted and catalog injects, a timer, two overrides of one choice.
    d.script("msel-3");
    d.catalog("russian_setback");
    d.advance(); // decision
    d.fac(Command::Timer {
        seconds: 600,
        auto_advance: None,
    });
    d.submit(
        "belarus",
        "p2",
        &[
            ("diversionary_posture", "Keep Kyiv guessing."),
            ("preemptive_repression", "Pre-empt protests."),
            ("information_blackout", "# Not a heading\n- not a list"),
        ],
    );
    d.submit(
        "russia",
        "p3",
        &[
            ("ru_deterrence_messaging", "Signal resolve."),
            ("deploy_troops_belarus", "Stage forces north of Kyiv."),
        ],
    );
    d.submit(
        "ukraine",
        "p4",
        &[
            ("deep_strike", "Hit the airbases before they are used."),
            (
                "messaging_to_belarus",
                "Speak to Belarusian soldiers directly.",
            ),
        ],
    );
    d.submit(
        "nato",
        "p5",
        &[
            ("support_civil_society", "Back the exiled opposition."),
            ("flank_exercises", "Show the flank is covered."),
        ],
    );
    d.advance(); // adjudication
    d.fac(Command::Override {
        choice: "t2-nato-1".to_string(),
        result: Outcome::Success,
        note: "First call: the programme was already funded.".to_string(),
    });
    d.fac(Command::Override {
        choice: "t2-nato-1".to_string(),
        result: Outcome::Failure,
        note: "Second thoughts: Minsk expelled the NGOs.".to_string(),
    });
    d.advance(); // review
    d.note(
        "Public: @SUM(A1:A9) good discussion in the Ukraine cell.",
        true,
    );
    d.advance(); // turn 3 briefing

    // Turn 3.
    d.script("msel-5");
    d.advance(); // decision
    d.submit(
        "belarus",
        "p1",
        &[
            ("hedge_commitments", "Buy time with Moscow."),
            ("by_deterrence_messaging", "Warn NATO off."),
        ],
    );
    d.submit(
        "russia",
        "p3",
        &[
            (
                "prepare_northern_strikes",
                "Quietly ready the northern axis.",
            ),
            ("press_minsk", "Again."),
        ],
    );
    d.submit(
        "ukraine",
        "p4",
        &[
            ("redeploy_north", "Thin the Donbas line a little."),
            ("request_intel", "Ask for the overhead imagery."),
        ],
    );
    d.submit(
        "nato",
        "p5",
        &[
            ("signal_consequences", "Make the costs explicit."),
            ("targeted_sanctions", "Follow through."),
        ],
    );
    d.advance(); // adjudication
    d.advance(); // review
    assert_eq!(d.state.phase, Phase::Review, "the session ended early");
    d.fac(Command::End {
        reason: Some("Time is up. Thanks, Alena Kazlova & Dmitri Volkov.".to_string()),
    });
    d.note("Hot wash: <b>bold</b> & [brackets]", false);

    Session {
        scenario,
        source,
        events: d.events,
        state: d.state,
    }
}

/// Plays `turns` turns with random legal choices (as `engine::play_random` does) and
/// keeps the event log, which `play_random` does not return.
pub fn random_session(scenario: Arc<Scenario>, seed: u64, turns: u32) -> Vec<Event> {
    use rand::SeedableRng;
    let (state, first) = engine::create(
        scenario.clone(),
        "benchmark",
        seed,
        Some(turns),
        false,
        START_AT,
    );
    let mut d = Driver {
        state,
        events: vec![first],
        at: START_AT,
        step: 60_000,
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(!seed);
    for (i, (team, name)) in PLAYERS.iter().enumerate() {
        d.run(
            &Actor::System,
            Command::Join {
                team: team.to_string(),
                name: name.to_string(),
                player: format!("p{}", i + 1),
            },
        );
    }
    d.fac(Command::Start);
    while d.state.phase != Phase::Ended {
        match d.state.phase {
            Phase::Briefing => {
                let turn = d.state.turn;
                let items: Vec<String> = scenario
                    .script
                    .iter()
                    .filter(|i| i.turn == turn)
                    .map(|i| i.id.to_string())
                    .collect();
                for id in items {
                    d.script(&id);
                }
                d.advance();
            }
            Phase::Decision => {
                for (ti, t) in scenario.teams.iter().enumerate() {
                    let seat = PLAYERS.iter().position(|(team, _)| *team == &*t.id);
                    let player = seat.map_or(String::new(), |i| format!("p{}", i + 1));
                    let mut choices = engine::random_choices(&d.state, ti, &mut rng);
                    for c in &mut choices {
                        c.rationale = format!("Turn {} rationale for {}.", d.state.turn, c.option);
                    }
                    let turn = d.state.turn;
                    d.run(
                        &Actor::Team {
                            team: t.id.to_string(),
                            player,
                        },
                        Command::Submit { turn, choices },
                    );
                }
                d.advance();
            }
            Phase::Adjudication => {
                let first = d.state.pending.first().map(|r| r.choice.to_string());
                if let (0, Some(choice)) = (d.state.turn % 5, first) {
                    d.fac(Command::Override {
                        choice,
                        result: Outcome::Success,
                        note: "Benchmark override.".to_string(),
                    });
                }
                d.advance();
            }
            Phase::Review => {
                d.note(&format!("Turn {} reviewed.", d.state.turn), false);
                d.advance();
            }
            Phase::Lobby | Phase::Ended => break,
        }
    }
    d.events
}
