//! Helpers shared by the engine test binaries: load scenarios, drive a session
//! through `decide` + `evolve` exactly as the server will, and keep its event log.

#![allow(dead_code)]

pub mod export_session;

use std::path::PathBuf;
use std::sync::Arc;

use wargame::engine::{self, Actor, ChoiceInput, Command, Event, Outcome, Phase, Rejection, State};
use wargame::scenario::{Scenario, compile, load_file};

pub fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The default scenario, as the server loads it.
pub fn belarus() -> Arc<Scenario> {
    let path = manifest_path("scenarios/belarus-2025.toml");
    match load_file(&path) {
        Ok((s, _)) => Arc::new(s),
        Err(problems) => panic!("the default scenario does not validate: {problems:?}"),
    }
}

/// A scenario from `tests/fixtures/`.
pub fn fixture(name: &str) -> Arc<Scenario> {
    let path = manifest_path(&format!("tests/fixtures/{name}"));
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    match compile(name, &text) {
        Ok(s) => Arc::new(s),
        Err(problems) => panic!("fixture {name} does not validate: {problems:?}"),
    }
}

pub fn team(id: &str) -> Actor {
    Actor::Team {
        team: id.to_string(),
        player: format!("p-{id}"),
    }
}

pub fn observer() -> Actor {
    Actor::Observer {
        player: "p-observer".to_string(),
    }
}

pub const FAC: Actor = Actor::Facilitator;

pub fn choices(list: &[(&str, &str)]) -> Vec<ChoiceInput> {
    list.iter()
        .map(|(option, rationale)| ChoiceInput {
            option: option.to_string(),
            rationale: rationale.to_string(),
        })
        .collect()
}

pub fn inject_event(id: &str) -> Command {
    Command::Inject {
        event: Some(id.to_string()),
        custom: None,
        script: None,
        to: Vec::new(),
    }
}

pub fn custom_inject(title: &str, text: &str, effects: &[(&str, i64)], to: &[&str]) -> Command {
    Command::Inject {
        event: None,
        custom: Some(engine::CustomInject {
            title: title.to_string(),
            text: text.to_string(),
            effects: effects.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }),
        script: None,
        to: to.iter().map(|t| t.to_string()).collect(),
    }
}

pub fn override_cmd(choice: &str, result: Outcome, note: &str) -> Command {
    Command::Override {
        choice: choice.to_string(),
        result,
        note: note.to_string(),
    }
}

/// One live session: the state and every event it produced, in order.
#[derive(Clone)]
pub struct Game {
    pub scenario: Arc<Scenario>,
    pub state: State,
    pub events: Vec<Event>,
    pub at: i64,
}

impl Game {
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> Game {
        Game::with(scenario, seed, None, true)
    }

    pub fn with(
        scenario: Arc<Scenario>,
        seed: u64,
        max_turns: Option<u32>,
        auto_advance: bool,
    ) -> Game {
        let at = 1_750_000_000_000;
        let (state, event) = engine::create(
            scenario.clone(),
            "test session",
            seed,
            max_turns,
            auto_advance,
            at,
        );
        Game {
            scenario,
            state,
            events: vec![event],
            at,
        }
    }

    /// A session with team leads and what players see of the odds.
    pub fn with_options(
        scenario: Arc<Scenario>,
        seed: u64,
        team_leads: bool,
        player_odds: engine::PlayerOdds,
    ) -> Game {
        let at = 1_750_000_000_000;
        let (state, event) = engine::create_with(
            scenario.clone(),
            &engine::Settings {
                title: "test session",
                seed,
                max_turns: None,
                auto_advance: true,
                private_rationales: false,
                time_zone: None,
                team_leads,
                player_odds,
                anonymous_debrief: false,
                report: Default::default(),
            },
            at,
        );
        Game {
            scenario,
            state,
            events: vec![event],
            at,
        }
    }

    /// Runs a command as the server would: decide, then evolve every event.
    /// Checks that seq keeps climbing by one and that a rejection changes nothing.
    pub fn try_cmd(&mut self, actor: &Actor, cmd: Command) -> Result<Vec<Event>, Rejection> {
        self.at += 1_000;
        let at = self.at;
        self.try_cmd_at(actor, cmd, at)
    }

    pub fn try_cmd_at(
        &mut self,
        actor: &Actor,
        cmd: Command,
        at: i64,
    ) -> Result<Vec<Event>, Rejection> {
        let before = self.state.hash().expect("the state hashes");
        match engine::decide(&self.state, actor, &cmd, at) {
            Ok(events) => {
                for e in &events {
                    assert_eq!(
                        e.seq,
                        self.state.seq + 1,
                        "seq must climb by exactly one ({cmd:?} gave {e:?})"
                    );
                    engine::evolve(&mut self.state, e);
                    self.events.push(e.clone());
                }
                Ok(events)
            }
            Err(r) => {
                assert_eq!(
                    self.state.hash().expect("the state hashes"),
                    before,
                    "a rejected command changed the state"
                );
                Err(r)
            }
        }
    }

    #[track_caller]
    pub fn cmd(&mut self, actor: &Actor, cmd: Command) -> Vec<Event> {
        let shown = format!("{cmd:?}");
        match self.try_cmd(actor, cmd) {
            Ok(events) => events,
            Err(r) => panic!("{shown} was rejected: {r}"),
        }
    }

    #[track_caller]
    pub fn fac(&mut self, cmd: Command) -> Vec<Event> {
        self.cmd(&FAC, cmd)
    }

    #[track_caller]
    pub fn advance(&mut self) -> Vec<Event> {
        self.fac(Command::Advance)
    }

    #[track_caller]
    pub fn submit(&mut self, team_id: &str, list: &[(&str, &str)]) -> Vec<Event> {
        let turn = self.state.turn;
        self.cmd(
            &team(team_id),
            Command::Submit {
                turn,
                choices: choices(list),
            },
        )
    }

    /// Advances until the session is in `phase` (panics if it ends first).
    #[track_caller]
    pub fn advance_to(&mut self, phase: Phase) {
        if self.state.phase == Phase::Lobby {
            self.fac(Command::Start);
        }
        let mut guard = 0;
        while self.state.phase != phase {
            assert_ne!(self.state.phase, Phase::Ended, "the session ended early");
            self.advance();
            guard += 1;
            assert!(guard < 10, "never reached {phase}");
        }
    }

    pub fn indicator(&self, id: &str) -> i64 {
        let ix = self
            .scenario
            .indicator_index(id)
            .unwrap_or_else(|| panic!("no indicator {id}"));
        self.state.world.indicators[ix]
    }

    pub fn flag(&self, id: &str) -> bool {
        let ix = self
            .scenario
            .flags
            .iter()
            .position(|f| *f.id == *id)
            .unwrap_or_else(|| panic!("no flag {id}"));
        self.state.world.flags[ix]
    }

    /// Events after `seq`, for looking at what one step produced.
    pub fn since(&self, seq: u64) -> Vec<&Event> {
        self.events.iter().filter(|e| e.seq > seq).collect()
    }
}

/// Twelve cost-1 choices (3 per team) that are all available on turn 1 of the
/// default scenario: a full decision window.
pub const FULL_TURN: [(&str, [&str; 3]); 4] = [
    (
        "belarus",
        [
            "adopt_defence_law",
            "expand_logistics",
            "by_deterrence_messaging",
        ],
    ),
    (
        "russia",
        [
            "press_minsk",
            "declare_union_state_attack",
            "ru_deterrence_messaging",
        ],
    ),
    (
        "ukraine",
        [
            "prepare_hybrid_defence",
            "messaging_to_belarus",
            "request_intel",
        ],
    ),
    (
        "nato",
        [
            "share_intelligence",
            "signal_consequences",
            "support_civil_society",
        ],
    ),
];

/// Submits [`FULL_TURN`] for every team, with rationales naming team and option.
pub fn submit_full_turn(g: &mut Game) {
    for (t, opts) in FULL_TURN {
        let list: Vec<(String, String)> = opts
            .iter()
            .map(|o| (o.to_string(), format!("{t} wants {o}")))
            .collect();
        let refs: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        g.submit(t, &refs);
    }
}
