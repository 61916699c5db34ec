//! The pure engine, black-box: determinism, replay, every rejection code, and the
//! game rules a facilitator or player would notice.

use crate::common;

use std::collections::BTreeSet;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wargame::engine::{
    self, Actor, Command, Event, EventBody, MAX_TEXT, MAX_TIMER_SECONDS, Outcome, Phase,
    RejectionCode,
};

use common::*;

// ---------------------------------------------------------------------------------------
// A whole game, played the way a White Cell would: joins, scripted and ad-hoc injects,
// random legal choices, overrides, notes and timers.
// ---------------------------------------------------------------------------------------

/// Plays the default scenario to its end. Returns the game and every command issued.
fn play_full_game(seed: u64, choice_seed: u64) -> (Game, Vec<(Actor, Command)>) {
    let scenario = belarus();
    let mut g = Game::new(scenario.clone(), seed);
    let mut log = Vec::new();
    let mut rng = ChaCha20Rng::seed_from_u64(choice_seed);
    let mut run = |g: &mut Game, actor: Actor, cmd: Command| {
        log.push((actor.clone(), cmd.clone()));
        g.cmd(&actor, cmd);
    };
    for (t, name) in [
        ("belarus", "Ana"),
        ("russia", "Boris"),
        ("observer", "Olga"),
    ] {
        run(
            &mut g,
            Actor::System,
            Command::Join {
                team: t.to_string(),
                name: name.to_string(),
                player: format!("player-{name}"),
            },
        );
    }
    run(&mut g, FAC, Command::Start);
    while g.state.phase != Phase::Ended {
        let turn = g.state.turn;
        match g.state.phase {
            Phase::Briefing => {
                for item in scenario.script.iter().filter(|i| i.turn == turn) {
                    run(
                        &mut g,
                        FAC,
                        Command::Inject {
                            event: None,
                            custom: None,
                            script: Some(item.id.to_string()),
                            to: Vec::new(),
                        },
                    );
                }
                if turn % 2 == 0 {
                    run(&mut g, FAC, inject_event("russia_setback"));
                } else {
                    run(
                        &mut g,
                        FAC,
                        custom_inject(
                            &format!("Rumours, turn {turn}"),
                            "Only Kyiv hears this.",
                            &[("ua_north_defence", 3)],
                            &["ukraine"],
                        ),
                    );
                }
                run(
                    &mut g,
                    FAC,
                    Command::Note {
                        text: format!("White Cell note, turn {turn}"),
                        public: turn % 2 == 0,
                        category: Default::default(),
                        about: None,
                    },
                );
                run(&mut g, FAC, Command::Advance);
            }
            Phase::Decision => {
                run(
                    &mut g,
                    FAC,
                    Command::Timer {
                        seconds: 600,
                        auto_advance: None,
                    },
                );
                for (ti, t) in scenario.teams.iter().enumerate() {
                    let mut choices = engine::random_choices(&g.state, ti, &mut rng);
                    for c in &mut choices {
                        c.rationale = format!("{} because turn {turn}", c.option);
                    }
                    run(&mut g, team(&t.id), Command::Submit { turn, choices });
                }
                run(&mut g, FAC, Command::Advance);
            }
            Phase::Adjudication => {
                if let Some(first) = g.state.pending.first() {
                    let flipped = match first.result {
                        Outcome::Success => Outcome::Failure,
                        Outcome::Failure => Outcome::Success,
                    };
                    let choice = first.choice.clone();
                    run(
                        &mut g,
                        FAC,
                        override_cmd(&choice, flipped, "The White Cell rules otherwise."),
                    );
                }
                run(&mut g, FAC, Command::Advance);
            }
            Phase::Review => run(&mut g, FAC, Command::Advance),
            Phase::Lobby | Phase::Ended => unreachable!(),
        }
    }
    (g, log)
}

fn to_json(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| serde_json::to_string(e).expect("events serialize"))
        .collect()
}

fn rolls(events: &[Event]) -> Vec<(String, u32)> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::DiceRolled { rolled, .. } => Some((rolled.choice.to_string(), rolled.roll)),
            _ => None,
        })
        .collect()
}

#[test]
fn same_seed_and_commands_give_identical_events_and_hash() {
    let (a, cmds_a) = play_full_game(42, 7);
    let (b, cmds_b) = play_full_game(42, 7);
    assert_eq!(cmds_a, cmds_b, "the command sequences differ");
    assert!(
        rolls(&a.events).len() >= 10,
        "the game rolled too few dice to be a meaningful check"
    );
    assert_eq!(to_json(&a.events), to_json(&b.events));
    assert_eq!(
        a.state.hash().expect("the state hashes"),
        b.state.hash().expect("the state hashes")
    );
}

#[test]
fn different_seed_gives_different_rolls_and_hash() {
    // Exactly the same commands, only the seed differs.
    let play = |seed: u64| {
        let mut g = Game::new(belarus(), seed);
        g.advance_to(Phase::Decision);
        submit_full_turn(&mut g);
        g.advance();
        g
    };
    let a = play(1);
    let b = play(2);
    let (ra, rb) = (rolls(&a.events), rolls(&b.events));
    assert_eq!(ra.len(), 12);
    let ids = |r: &[(String, u32)]| r.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&ra), ids(&rb), "the same choices are rolled");
    assert_ne!(ra, rb, "a different seed must roll different dice");
    assert_ne!(
        a.state.hash().expect("the state hashes"),
        b.state.hash().expect("the state hashes")
    );
    // And the same seed again matches exactly.
    assert_eq!(rolls(&play(1).events), ra);
}

#[test]
fn previewing_odds_never_changes_the_dice() {
    let mut g = Game::new(belarus(), 9);
    g.advance_to(Phase::Decision);
    submit_full_turn(&mut g);
    let mut peeked = g.clone();
    let p1 = engine::preview(&peeked.state, 500);
    let p2 = engine::preview(&peeked.state, 500);
    assert_eq!(
        serde_json::to_string(&p1).expect("json"),
        serde_json::to_string(&p2).expect("json"),
        "the preview is deterministic"
    );
    assert_eq!(p1.choices.len(), 12);
    g.advance();
    peeked.advance();
    assert_eq!(to_json(&g.events), to_json(&peeked.events));
}

// ---------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------

#[test]
fn replay_of_a_full_game_reproduces_the_state_hash() {
    let (g, _) = play_full_game(2025, 11);
    assert_eq!(g.state.phase, Phase::Ended);
    assert!(g.state.turn >= 2, "the game should last a few turns");
    let live = g.state.hash().expect("the state hashes");
    let replayed = engine::replay(g.scenario.clone(), &g.events);
    assert_eq!(replayed.hash().expect("the state hashes"), live);
}

#[test]
fn replay_after_json_round_trip_of_every_event_reproduces_the_state_hash() {
    let (g, _) = play_full_game(77, 5);
    let kinds: BTreeSet<&str> = g.events.iter().map(|e| e.body.kind()).collect();
    for k in [
        "session_created",
        "player_joined",
        "phase_changed",
        "choices_submitted",
        "event_injected",
        "dice_rolled",
        "outcome_overridden",
        "choice_resolved",
        "note_added",
        "timer_set",
        "session_ended",
    ] {
        assert!(kinds.contains(k), "the game produced no {k} event");
    }
    let mut decoded = Vec::new();
    for e in &g.events {
        let text = serde_json::to_string(e).expect("serialize");
        let back: Event = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("cannot read back {text}: {err}"));
        assert_eq!(&back, e, "the event changed in a JSON round trip: {text}");
        decoded.push(back);
    }
    let replayed = engine::replay(g.scenario.clone(), &decoded);
    assert_eq!(
        replayed.hash().expect("the state hashes"),
        g.state.hash().expect("the state hashes")
    );
}

#[test]
fn rarer_events_survive_a_json_round_trip() {
    // Skipped script entries, triggers, timer expiry: kinds the full game may not produce.
    let mut g = Game::new(belarus(), 3);
    g.fac(Command::Start);
    g.fac(Command::Skip {
        script: "msel-2".to_string(),
    });
    g.fac(custom_inject(
        "Crackdown fails",
        "",
        &[("by_regime_control", -50)],
        &[],
    ));
    g.advance();
    g.fac(Command::Timer {
        seconds: 1,
        auto_advance: Some(true),
    });
    let deadline = g.at + 1_000;
    g.try_cmd_at(
        &Actor::System,
        Command::TimerExpired {
            turn: 1,
            phase: Phase::Decision,
        },
        deadline,
    )
    .expect("timer expires");
    g.fac(Command::End {
        reason: Some("Time is up.".to_string()),
    });
    let kinds: BTreeSet<&str> = g.events.iter().map(|e| e.body.kind()).collect();
    for k in ["script_skipped", "trigger_fired", "timer_expired"] {
        assert!(kinds.contains(k), "no {k} event: {kinds:?}");
    }
    for e in &g.events {
        let text = serde_json::to_string(e).expect("serialize");
        let back: Event = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(&back, e);
    }
    assert_eq!(
        engine::replay(g.scenario.clone(), &g.events)
            .hash()
            .expect("the state hashes"),
        g.state.hash().expect("the state hashes")
    );
}

// ---------------------------------------------------------------------------------------
// Rejections: every code, from a command a real seat could send; decide stays pure.
// ---------------------------------------------------------------------------------------

fn game_in(phase: Phase) -> Game {
    let mut g = Game::new(belarus(), 5);
    match phase {
        Phase::Lobby => {}
        Phase::Ended => {
            g.fac(Command::End { reason: None });
        }
        Phase::Briefing | Phase::Decision => g.advance_to(phase),
        Phase::Adjudication | Phase::Review => {
            g.advance_to(Phase::Decision);
            g.submit("belarus", &[("expand_logistics", "roads")]);
            g.advance_to(phase);
        }
    }
    assert_eq!(g.state.phase, phase);
    g
}

/// A game on the frozen copy of the scenario (`tests/fixtures/golden-scenario.toml`), whose
/// ladder is escalation alone: no decay or plateau triggers, and regional war at 10 without
/// needing troops in Ukraine. For tests of engine rules (clamping, ends by inject) that
/// drive the ladder with custom injects; the live scenario's ladder follows fighting.
fn frozen_ladder_game(seed: u64) -> Game {
    Game::new(fixture("golden-scenario.toml"), seed)
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn every_rejection_code_is_produced_and_changes_nothing() {
    use Phase::*;
    let submit = |turn: u32, list: &[(&str, &str)]| Command::Submit {
        turn,
        choices: choices(list),
    };
    let join_as = |t: &str, name: &str, player: &str| Command::Join {
        team: t.to_string(),
        name: name.to_string(),
        player: player.to_string(),
    };
    let join = |t: &str, name: &str| join_as(t, name, "p-new");
    let mut seated = game_in(Lobby);
    seated.cmd(&Actor::System, join_as("belarus", "Ana", "p-taken"));
    let note = |text: &str| Command::Note {
        text: text.to_string(),
        public: false,
        category: Default::default(),
        about: None,
    };
    let script_used = {
        let mut g = game_in(Briefing);
        g.fac(Command::Inject {
            event: None,
            custom: None,
            script: Some("msel-1".to_string()),
            to: Vec::new(),
        });
        g
    };
    let timer_running = {
        let mut g = game_in(Decision);
        g.fac(Command::Timer {
            seconds: 600,
            auto_advance: None,
        });
        g
    };
    // The debrief, after the end: a seated Belarus player answers.
    let ended = {
        let mut g = game_in(Lobby);
        g.cmd(&Actor::System, join_as("belarus", "Ana", "p-belarus"));
        g.fac(Command::End { reason: None });
        g
    };
    let closed = {
        let mut g = ended.clone();
        g.fac(Command::CloseDebrief);
        g
    };
    let answer = |question: &str, value: engine::AnswerValue| engine::DebriefAnswer {
        question: question.to_string(),
        value,
    };
    let debrief = |answers: Vec<engine::DebriefAnswer>| Command::Debrief { answers };
    let realism = |n: i64| answer("realism", engine::AnswerValue::Number(n));
    // Negotiation.
    let say = |channel: &str| Command::Say {
        channel: channel.to_string(),
        text: "hello".to_string(),
        as_: None,
    };
    let propose = |template: &str| Command::Propose {
        agreement: Some(template.to_string()),
        custom: None,
        to: Vec::new(),
    };
    let respond = |id: &str| Command::Respond {
        agreement: id.to_string(),
        accept: true,
        note: None,
    };
    let talkative = {
        let mut g = game_in(Briefing);
        for _ in 0..wargame::engine::MESSAGE_BURST {
            let at = g.at;
            g.try_cmd_at(&team("belarus"), say("all"), at)
                .expect("within the burst");
        }
        g
    };
    let closed_channel = {
        let mut g = game_in(Briefing);
        g.fac(Command::Channel {
            channel: "all".to_string(),
            open: Some(false),
        });
        g
    };
    let proposed = {
        let mut g = game_in(Briefing);
        g.cmd(&team("ukraine"), propose("kyiv_west_intelligence"));
        g
    };
    let accepted = {
        let mut g = proposed.clone();
        g.cmd(&team("nato"), respond("ag1"));
        g
    };
    let answered = {
        let mut g = game_in(Briefing);
        let to = vec!["ukraine".to_string(), "nato".to_string()];
        let custom = Some(wargame::engine::CustomAgreement {
            title: "Grain corridor".to_string(),
            text: String::new(),
        });
        g.cmd(
            &team("belarus"),
            Command::Propose {
                agreement: None,
                custom,
                to,
            },
        );
        g.cmd(&team("ukraine"), respond("ag1"));
        g
    };
    let sys = Actor::System;
    let cases: Vec<(&str, Game, Actor, Command, &str)> = vec![
        (
            "say on no channel",
            game_in(Briefing),
            team("belarus"),
            say("nowhere"),
            "unknown_channel",
        ),
        (
            "say on another pair's channel",
            game_in(Briefing),
            team("belarus"),
            say("ukraine-nato"),
            "not_a_member",
        ),
        (
            "say on a closed channel",
            closed_channel,
            team("belarus"),
            say("all"),
            "channel_closed",
        ),
        (
            "a ninth message at once",
            talkative,
            team("belarus"),
            say("all"),
            "rate_limited",
        ),
        (
            "propose no such agreement",
            game_in(Briefing),
            team("belarus"),
            propose("no_deal"),
            "unknown_agreement",
        ),
        (
            "propose another pair's agreement",
            game_in(Briefing),
            team("belarus"),
            propose("kyiv_west_intelligence"),
            "not_a_party",
        ),
        (
            "propose a template already open",
            proposed.clone(),
            team("nato"),
            propose("kyiv_west_intelligence"),
            "already_proposed",
        ),
        (
            "answer twice",
            answered,
            team("ukraine"),
            respond("ag1"),
            "already_answered",
        ),
        (
            "answer a closed agreement",
            accepted,
            team("nato"),
            respond("ag1"),
            "agreement_closed",
        ),
        (
            "a teammate submits where only the lead may",
            {
                let mut g = Game::with_options(belarus(), 5, true, engine::PlayerOdds::None);
                g.cmd(&Actor::System, join_as("belarus", "Lead", "p-lead"));
                g.cmd(&Actor::System, join_as("belarus", "Mate", "p-belarus"));
                g.advance_to(Decision);
                g
            },
            team("belarus"),
            submit(1, &[]),
            "not_lead",
        ),
        // The after-action record (tests/aar.rs has the rest).
        (
            "a strength about nothing in the session",
            game_in(Ended),
            FAC,
            Command::Note {
                text: "Good".to_string(),
                public: false,
                category: engine::NoteCategory::Strength,
                about: Some("belarus:no_such_objective".to_string()),
            },
            "unknown_subject",
        ),
        (
            "edit a plan item that does not exist",
            game_in(Ended),
            FAC,
            Command::Plan(engine::PlanInput {
                item: Some("ip9".to_string()),
                issue: "Issue".to_string(),
                recommendation: "Fix".to_string(),
                ..Default::default()
            }),
            "unknown_item",
        ),
        (
            "a plan item due on 31 February",
            game_in(Ended),
            FAC,
            Command::Plan(engine::PlanInput {
                issue: "Issue".to_string(),
                recommendation: "Fix".to_string(),
                due: "2026-02-31".to_string(),
                ..Default::default()
            }),
            "invalid_date",
        ),
        // forbidden
        (
            "team advances",
            game_in(Briefing),
            team("belarus"),
            Command::Advance,
            "forbidden",
        ),
        (
            "observer submits",
            game_in(Decision),
            observer(),
            submit(1, &[]),
            "forbidden",
        ),
        (
            "facilitator submits",
            game_in(Decision),
            FAC,
            submit(1, &[]),
            "forbidden",
        ),
        (
            "team joins a seat itself",
            game_in(Lobby),
            team("belarus"),
            join("belarus", "Ana"),
            "forbidden",
        ),
        (
            "facilitator issues a join",
            game_in(Lobby),
            FAC,
            join("belarus", "Ana"),
            "forbidden",
        ),
        (
            "observer writes a note",
            game_in(Briefing),
            observer(),
            note("hi"),
            "forbidden",
        ),
        (
            "team fakes timer expiry",
            game_in(Decision),
            team("russia"),
            Command::TimerExpired {
                turn: 1,
                phase: Decision,
            },
            "forbidden",
        ),
        (
            "team overrides",
            game_in(Adjudication),
            team("belarus"),
            override_cmd("t1-belarus-1", Outcome::Success, "mine"),
            "forbidden",
        ),
        // wrong_phase
        (
            "submit in briefing",
            game_in(Briefing),
            team("belarus"),
            submit(1, &[]),
            "wrong_phase",
        ),
        (
            "override in decision",
            game_in(Decision),
            FAC,
            override_cmd("t1-belarus-1", Outcome::Success, "why"),
            "wrong_phase",
        ),
        (
            "start twice",
            game_in(Briefing),
            FAC,
            Command::Start,
            "wrong_phase",
        ),
        (
            "inject during adjudication",
            game_in(Adjudication),
            FAC,
            inject_event("nato_exercise"),
            "wrong_phase",
        ),
        (
            "advance in the lobby",
            game_in(Lobby),
            FAC,
            Command::Advance,
            "wrong_phase",
        ),
        (
            "timer in the lobby",
            game_in(Lobby),
            FAC,
            Command::Timer {
                seconds: 60,
                auto_advance: None,
            },
            "wrong_phase",
        ),
        // stale_turn
        (
            "submit for the next turn",
            game_in(Decision),
            team("belarus"),
            submit(2, &[]),
            "stale_turn",
        ),
        (
            "submit for an old turn",
            game_in(Decision),
            team("belarus"),
            submit(0, &[]),
            "stale_turn",
        ),
        // over_budget
        (
            "four points on a budget of three",
            game_in(Decision),
            team("belarus"),
            submit(1, &[("establish_sof_brigade", ""), ("support_role", "")]),
            "over_budget",
        ),
        // unmet_prerequisite
        (
            "martial law without the law",
            game_in(Decision),
            team("belarus"),
            submit(1, &[("declare_martial_law", "")]),
            "unmet_prerequisite",
        ),
        // unknown_option
        (
            "an option that does not exist",
            game_in(Decision),
            team("belarus"),
            submit(1, &[("invade_mars", "")]),
            "unknown_option",
        ),
        // not_your_option
        (
            "Belarus picks a Russian option",
            game_in(Decision),
            team("belarus"),
            submit(1, &[("press_minsk", "")]),
            "not_your_option",
        ),
        // duplicate_option
        (
            "the same option twice",
            game_in(Decision),
            team("belarus"),
            submit(1, &[("expand_logistics", "a"), ("expand_logistics", "b")]),
            "duplicate_option",
        ),
        // unknown_event
        (
            "inject an unknown event",
            game_in(Briefing),
            FAC,
            inject_event("alien_landing"),
            "unknown_event",
        ),
        // unknown_script
        (
            "skip an unknown script entry",
            game_in(Briefing),
            FAC,
            Command::Skip {
                script: "msel-99".to_string(),
            },
            "unknown_script",
        ),
        (
            "fire an unknown script entry",
            game_in(Briefing),
            FAC,
            Command::Inject {
                event: None,
                custom: None,
                script: Some("msel-99".to_string()),
                to: vec![],
            },
            "unknown_script",
        ),
        // script_already_used
        (
            "skip a fired entry",
            script_used.clone(),
            FAC,
            Command::Skip {
                script: "msel-1".to_string(),
            },
            "script_already_used",
        ),
        (
            "fire a fired entry twice",
            script_used,
            FAC,
            Command::Inject {
                event: None,
                custom: None,
                script: Some("msel-1".to_string()),
                to: vec![],
            },
            "script_already_used",
        ),
        // unknown_indicator
        (
            "custom inject moves an unknown indicator",
            game_in(Briefing),
            FAC,
            custom_inject("Oil price", "", &[("oil_price", 5)], &[]),
            "unknown_indicator",
        ),
        // unknown_choice
        (
            "override a choice nobody made",
            game_in(Adjudication),
            FAC,
            override_cmd("t1-nato-1", Outcome::Success, "why"),
            "unknown_choice",
        ),
        // unknown_team
        (
            "join an unknown team",
            game_in(Lobby),
            sys.clone(),
            join("martians", "Zork"),
            "unknown_team",
        ),
        (
            "inject to an unknown team",
            game_in(Briefing),
            FAC,
            custom_inject("Memo", "text", &[], &["martians"]),
            "unknown_team",
        ),
        (
            "a seat of an unknown team submits",
            game_in(Decision),
            team("martians"),
            submit(1, &[]),
            "unknown_team",
        ),
        // invalid_inject
        (
            "inject with nothing in it",
            game_in(Briefing),
            FAC,
            Command::Inject {
                event: None,
                custom: None,
                script: None,
                to: vec![],
            },
            "invalid_inject",
        ),
        (
            "inject a change of 101",
            game_in(Briefing),
            FAC,
            custom_inject("Shock", "", &[("escalation", 101)], &[]),
            "invalid_inject",
        ),
        // note_required
        (
            "override without a note",
            game_in(Adjudication),
            FAC,
            override_cmd("t1-belarus-1", Outcome::Failure, "   "),
            "note_required",
        ),
        // text_too_long
        (
            "a note over the limit",
            game_in(Briefing),
            FAC,
            note(&long(MAX_TEXT + 1)),
            "text_too_long",
        ),
        (
            "a rationale over the limit",
            game_in(Decision),
            team("belarus"),
            submit(1, &[("expand_logistics", &long(MAX_TEXT + 1))]),
            "text_too_long",
        ),
        (
            "a name over the limit",
            game_in(Lobby),
            sys.clone(),
            join("belarus", &long(61)),
            "text_too_long",
        ),
        (
            "an inject title over the limit",
            game_in(Briefing),
            FAC,
            custom_inject(&long(201), "", &[], &[]),
            "text_too_long",
        ),
        (
            "an override note over the limit",
            game_in(Adjudication),
            FAC,
            override_cmd("t1-belarus-1", Outcome::Failure, &long(MAX_TEXT + 1)),
            "text_too_long",
        ),
        // empty_text
        (
            "an empty note",
            game_in(Briefing),
            FAC,
            note(" \n "),
            "empty_text",
        ),
        (
            "a nameless player",
            game_in(Lobby),
            sys.clone(),
            join("belarus", "  "),
            "empty_text",
        ),
        (
            "a custom inject without a title",
            game_in(Briefing),
            FAC,
            custom_inject(" ", "text", &[], &[]),
            "empty_text",
        ),
        // invalid_player
        (
            "a join without a player id",
            game_in(Lobby),
            sys.clone(),
            join_as("belarus", "Ana", " "),
            "invalid_player",
        ),
        (
            "a join with a player id already in use",
            seated,
            sys.clone(),
            join_as("russia", "Boris", "p-taken"),
            "invalid_player",
        ),
        // invalid_name
        (
            "a name with a control character",
            game_in(Lobby),
            sys.clone(),
            join("belarus", "Ana\u{7}"),
            "invalid_name",
        ),
        // invalid_timer
        (
            "a timer over a day",
            game_in(Decision),
            FAC,
            Command::Timer {
                seconds: MAX_TIMER_SECONDS + 1,
                auto_advance: None,
            },
            "invalid_timer",
        ),
        // The debrief.
        (
            "a debrief answer to a question the survey does not ask",
            ended.clone(),
            team("belarus"),
            debrief(vec![
                realism(3),
                answer("nope", engine::AnswerValue::Number(3)),
            ]),
            "unknown_question",
        ),
        (
            "a debrief answering one question twice",
            ended.clone(),
            team("belarus"),
            debrief(vec![realism(3), realism(4)]),
            "duplicate_question",
        ),
        (
            "a scale answered with 6",
            ended.clone(),
            team("belarus"),
            debrief(vec![realism(6)]),
            "invalid_answer",
        ),
        (
            "a debrief answered after the White Cell closed it",
            closed,
            team("belarus"),
            debrief(vec![realism(3)]),
            "debrief_closed",
        ),
        // session_ended
        (
            "advance after the end",
            game_in(Ended),
            FAC,
            Command::Advance,
            "session_ended",
        ),
        (
            "join after the end",
            game_in(Ended),
            sys.clone(),
            join("belarus", "Late"),
            "session_ended",
        ),
        (
            "submit after the end",
            game_in(Ended),
            team("belarus"),
            submit(0, &[]),
            "session_ended",
        ),
        // unknown_doctrine, bot_seat
        (
            "a bot with a doctrine the team does not have",
            game_in(Lobby),
            FAC,
            Command::Bot {
                team: "belarus".to_string(),
                doctrine: Some("no_such_doctrine".to_string()),
            },
            "unknown_doctrine",
        ),
        (
            "a bot with another team's doctrine",
            Game::new(fixture("doctrines.toml"), 5),
            FAC,
            Command::Bot {
                team: "belarus".to_string(),
                doctrine: Some("cautious".to_string()),
            },
            "unknown_doctrine",
        ),
        (
            "a person submits for a team a bot plays",
            {
                let mut g = Game::new(fixture("doctrines.toml"), 5);
                g.fac(Command::Bot {
                    team: "ukraine".to_string(),
                    doctrine: Some("cautious".to_string()),
                });
                g.advance_to(Decision);
                g
            },
            team("ukraine"),
            Command::Submit {
                turn: 1,
                choices: choices(&[("fortify_border", "")]),
            },
            "bot_seat",
        ),
        // stale_timer
        (
            "timer expiry with no timer",
            game_in(Decision),
            sys.clone(),
            Command::TimerExpired {
                turn: 1,
                phase: Decision,
            },
            "stale_timer",
        ),
        (
            "timer expiry for another phase",
            timer_running.clone(),
            sys.clone(),
            Command::TimerExpired {
                turn: 1,
                phase: Briefing,
            },
            "stale_timer",
        ),
        (
            "timer expiry before the deadline",
            timer_running,
            sys,
            Command::TimerExpired {
                turn: 1,
                phase: Decision,
            },
            "stale_timer",
        ),
    ];
    let mut seen = BTreeSet::new();
    for (what, g, actor, cmd, code) in cases {
        let before = g.state.clone();
        let hash = before.hash().expect("the state hashes");
        let got = engine::decide(&g.state, &actor, &cmd, g.at + 1_000);
        match got {
            Ok(events) => panic!("{what}: expected `{code}`, but it was accepted: {events:?}"),
            Err(r) => {
                assert_eq!(r.code.as_str(), code, "{what}: wrong code ({})", r.message);
                assert!(
                    r.message.len() > 10 && !r.message.contains("{"),
                    "{what}: the message should be a sentence: {}",
                    r.message
                );
            }
        }
        assert_eq!(
            g.state.hash().expect("the state hashes"),
            hash,
            "{what}: a rejection changed the state"
        );
        assert_eq!(g.state.rng, before.rng);
        seen.insert(code);
    }
    let expected: BTreeSet<&str> = RejectionCode::ALL.iter().map(|c| c.as_str()).collect();
    assert!(expected.contains("invalid_name"));
    assert_eq!(
        seen, expected,
        "every rejection code must be produced by some command, and no others"
    );
}

#[test]
fn limits_are_inclusive() {
    let mut g = game_in(Phase::Decision);
    // Exactly the budget, and a rationale exactly at the limit.
    g.submit(
        "belarus",
        &[
            ("establish_sof_brigade", &long(MAX_TEXT)),
            ("expand_logistics", ""),
        ],
    );
    g.fac(Command::Timer {
        seconds: MAX_TIMER_SECONDS,
        auto_advance: None,
    });
    g.fac(Command::Note {
        text: long(MAX_TEXT),
        public: false,
        category: Default::default(),
        about: None,
    });
    g.cmd(
        &Actor::System,
        Command::Join {
            team: "observer".to_string(),
            name: long(60),
            player: "p-long-name".to_string(),
        },
    );
    // Notes are still possible after the end, for the after-action report.
    g.fac(Command::End { reason: None });
    g.fac(Command::Note {
        text: "Hot wash: the players wanted more time.".to_string(),
        public: true,
        category: Default::default(),
        about: None,
    });
}

#[test]
fn a_revised_submission_replaces_the_draft() {
    let mut g = game_in(Phase::Decision);
    g.submit("belarus", &[("expand_logistics", "first")]);
    g.submit("belarus", &[("support_role", "second")]);
    let draft = g.state.draft("belarus").expect("a draft");
    assert_eq!(draft.revision, 2);
    assert_eq!(draft.choices.len(), 1);
    assert_eq!(draft.choices[0].option, "support_role");
    g.advance();
    let rolled: Vec<&str> = g.state.pending.iter().map(|r| &*r.option).collect();
    assert_eq!(rolled, ["support_role"]);
}

// ---------------------------------------------------------------------------------------
// Game logic
// ---------------------------------------------------------------------------------------

fn lapsed_in(events: &[&Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::PhaseChanged { lapsed, .. } => {
                Some(lapsed.iter().map(|f| f.to_string()).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn union_state_trigger_lapses_after_the_next_decision_window() {
    // Injected during a briefing: live through this turn's decision window only.
    let mut g = game_in(Phase::Briefing);
    g.fac(inject_event("ua_deep_strike"));
    g.fac(inject_event("lower_house_passes_law"));
    assert!(g.flag("union_state_trigger"));
    g.advance_to(Phase::Decision);
    assert!(g.flag("union_state_trigger"), "live while teams decide");
    g.advance_to(Phase::Review);
    assert!(g.flag("union_state_trigger"), "still set during review");
    let seq = g.state.seq;
    g.advance();
    assert_eq!((g.state.turn, g.state.phase), (2, Phase::Briefing));
    assert!(!g.flag("union_state_trigger"), "lapsed as turn 2 begins");
    let lapsed = lapsed_in(&g.since(seq));
    assert!(lapsed.contains(&"union_state_trigger".to_string()));
    assert!(lapsed.contains(&"ua_strike_recent".to_string()));
    // A flag that does not lapse stays.
    assert!(g.flag("draft_passed_lower_house"));
    assert!(!lapsed.contains(&"draft_passed_lower_house".to_string()));

    // Set after the decision window (here during review): live through the next one.
    let mut g = game_in(Phase::Review);
    g.fac(inject_event("airbase_strike_near_belarus"));
    g.advance_to(Phase::Briefing);
    assert_eq!(g.state.turn, 2);
    assert!(g.flag("union_state_trigger"), "carried into turn 2");
    g.advance_to(Phase::Decision);
    assert!(g.flag("union_state_trigger"));
    g.advance_to(Phase::Review);
    g.advance();
    assert_eq!(g.state.turn, 3);
    assert!(!g.flag("union_state_trigger"), "lapsed as turn 3 begins");
}

/// Forces Belarus' adoption of the defence law on turn 1 with an override.
fn with_law_adopted() -> Game {
    let mut g = game_in(Phase::Decision);
    g.submit("belarus", &[("adopt_defence_law", "")]);
    g.advance();
    g.fac(override_cmd(
        "t1-belarus-1",
        Outcome::Success,
        "Parliament rubber-stamps it.",
    ));
    g.advance_to(Phase::Review);
    assert!(g.flag("law_adopted"));
    g
}

fn try_martial_law(g: &Game) -> Result<(), &'static str> {
    let turn = g.state.turn;
    engine::decide(
        &g.state,
        &team("belarus"),
        &Command::Submit {
            turn,
            choices: choices(&[("declare_martial_law", "Union State attacked")]),
        },
        g.at + 1,
    )
    .map(|_| ())
    .map_err(|r| r.code.as_str())
}

#[test]
fn martial_law_needs_the_law_and_a_live_trigger() {
    // Trigger but no law.
    let mut g = game_in(Phase::Briefing);
    g.fac(inject_event("ua_deep_strike"));
    g.advance();
    assert!(g.flag("union_state_trigger") && !g.flag("law_adopted"));
    assert_eq!(try_martial_law(&g), Err("unmet_prerequisite"));

    // Law but no trigger.
    let mut g = with_law_adopted();
    g.advance_to(Phase::Decision);
    assert!(!g.flag("union_state_trigger"));
    assert_eq!(try_martial_law(&g), Err("unmet_prerequisite"));
    let view = engine::view(&g.state, &engine::Viewer::Team("belarus".to_string()));
    let status = view
        .options
        .iter()
        .find(|o| &*o.option == "declare_martial_law")
        .expect("listed");
    assert!(!status.available);
    assert_eq!(status.unmet.len(), 1, "{:?}", status.unmet);
    assert!(status.unmet[0].contains("Attack on the Union State"));

    // Both: available; and gone again once the trigger lapses.
    let mut g = with_law_adopted();
    g.advance(); // turn 2 briefing
    g.fac(inject_event("ua_deep_strike"));
    g.advance();
    assert_eq!(try_martial_law(&g), Ok(()));
    g.advance_to(Phase::Review);
    g.advance();
    g.advance();
    assert_eq!((g.state.turn, g.state.phase), (3, Phase::Decision));
    assert_eq!(try_martial_law(&g), Err("unmet_prerequisite"));
}

fn resolution<'a>(g: &'a Game, choice: &str) -> &'a engine::Resolution {
    g.events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::ChoiceResolved(r) if &*r.choice == choice => Some(r),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{choice} was not published"))
}

#[test]
fn override_changes_the_published_result_and_its_effects() {
    // Whatever the dice say, the override decides; try seeds until both ways are seen.
    let mut forced_both = BTreeSet::new();
    for seed in 0..64 {
        if forced_both.len() == 2 {
            break;
        }
        let mut g = Game::new(belarus(), seed);
        g.advance_to(Phase::Decision);
        g.submit("nato", &[("targeted_sanctions", "squeeze Minsk")]);
        g.advance();
        let rolled = g.state.pending[0].result;
        let forced = match rolled {
            Outcome::Success => Outcome::Failure,
            Outcome::Failure => Outcome::Success,
        };
        let pressure = g.indicator("intl_pressure");
        let control = g.indicator("by_regime_control");
        g.fac(override_cmd("t1-nato-1", forced, "Allies cave in."));
        g.advance();
        let r = resolution(&g, "t1-nato-1");
        assert_eq!(r.rolled, rolled);
        assert_eq!(r.result, forced);
        assert!(r.overridden);
        assert_eq!(r.note.as_deref(), Some("Allies cave in."));
        let (def_pressure, def_control) = match forced {
            Outcome::Success => (8, -5),
            Outcome::Failure => (3, 0),
        };
        assert_eq!(r.effects.get("intl_pressure"), Some(&def_pressure));
        assert_eq!(g.indicator("intl_pressure"), pressure + def_pressure);
        assert_eq!(g.indicator("by_regime_control"), control + def_control);
        forced_both.insert(forced.as_str());
    }
    assert_eq!(
        forced_both.len(),
        2,
        "both directions of override were tested"
    );
}

#[test]
fn overriding_back_to_the_roll_is_not_an_override() {
    let mut g = game_in(Phase::Decision);
    g.submit("nato", &[("targeted_sanctions", "")]);
    g.advance();
    let rolled = g.state.pending[0].result;
    let other = match rolled {
        Outcome::Success => Outcome::Failure,
        Outcome::Failure => Outcome::Success,
    };
    g.fac(override_cmd("t1-nato-1", other, "first thoughts"));
    let ev = g.fac(override_cmd("t1-nato-1", rolled, "second thoughts"));
    match &ev[0].body {
        EventBody::OutcomeOverridden { previous, .. } => assert_eq!(*previous, other),
        b => panic!("unexpected {b:?}"),
    }
    g.advance();
    let r = resolution(&g, "t1-nato-1");
    assert_eq!(r.result, rolled);
    assert!(!r.overridden);
}

#[test]
fn choices_resolve_by_stage_then_team_order() {
    let mut g = game_in(Phase::Decision);
    submit_full_turn(&mut g);
    g.advance();
    let s = g.scenario.clone();
    let keys: Vec<(usize, usize)> = g
        .state
        .pending
        .iter()
        .map(|r| {
            let (ti, _, o) = s.option(&r.option).expect("known");
            (o.stage_index, ti)
        })
        .collect();
    assert_eq!(keys.len(), 12);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(&*g.state.pending[0].option, "adopt_defence_law");
    assert_eq!(&*g.state.pending[11].option, "support_civil_society");
    // Publication follows the same order.
    g.advance();
    let published: Vec<&str> = g
        .since(0)
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::ChoiceResolved(r) => Some(&*r.option),
            _ => None,
        })
        .collect();
    let pending: Vec<&str> = g
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::DiceRolled { rolled, .. } => Some(&*rolled.option),
            _ => None,
        })
        .collect();
    assert_eq!(published, pending);
}

#[test]
fn covert_choices_are_seen_by_others_only_when_detected() {
    let scenario = fixture("covert.toml");
    let mut g = Game::new(scenario, 1);
    g.advance_to(Phase::Decision);
    g.submit(
        "red",
        &[
            ("red_overt", "open"),
            ("red_seen", "seen"),
            ("red_hidden", "hidden"),
        ],
    );
    g.advance_to(Phase::Review);
    let by_option = |viewer: &engine::Viewer| -> Vec<String> {
        engine::view(&g.state, viewer)
            .choices
            .iter()
            .map(|c| c.resolution.option.to_string())
            .collect()
    };
    let red = engine::Viewer::Team("red".to_string());
    let blue = engine::Viewer::Team("blue".to_string());
    assert_eq!(
        by_option(&engine::Viewer::Facilitator),
        ["red_overt", "red_seen", "red_hidden"]
    );
    assert_eq!(by_option(&red), ["red_overt", "red_seen", "red_hidden"]);
    assert_eq!(by_option(&blue), ["red_overt", "red_seen"]);
    assert_eq!(
        by_option(&engine::Viewer::Observer),
        ["red_overt", "red_seen"]
    );
    let seen = engine::view(&g.state, &blue)
        .choices
        .into_iter()
        .find(|c| &*c.resolution.option == "red_seen")
        .expect("detected");
    assert!(
        seen.resolution
            .detection
            .as_ref()
            .is_some_and(|d| d.detected)
    );
    assert_eq!(
        seen.resolution.rationale, None,
        "a detected covert choice never shows its rationale to others"
    );
}

#[test]
fn the_turn_limit_ends_the_session() {
    let mut g = Game::with(belarus(), 8, Some(2), true);
    g.advance_to(Phase::Review);
    g.advance();
    assert_eq!((g.state.turn, g.state.phase), (2, Phase::Briefing));
    g.advance_to(Phase::Review);
    let ev = g.advance();
    assert_eq!(ev.len(), 1);
    match &ev[0].body {
        EventBody::SessionEnded { reason, .. } => assert_eq!(reason, "turn_limit"),
        b => panic!("expected the session to end, got {b:?}"),
    }
    assert_eq!(g.state.phase, Phase::Ended);
    assert_eq!(g.state.turn, 2);
    assert_eq!(
        g.state.ended.as_ref().map(|e| e.reason.as_str()),
        Some("turn_limit")
    );
    let turns: Vec<u32> = g.state.history.iter().map(|h| h.turn).collect();
    assert_eq!(turns, [0, 1, 2]);
    assert_eq!(
        g.try_cmd(&FAC, Command::Advance)
            .map_err(|r| r.code.as_str()),
        Err("session_ended")
    );
}

#[test]
fn escalation_reaching_ten_ends_the_session_as_regional_war() {
    let mut g = frozen_ladder_game(5);
    g.advance_to(Phase::Briefing);
    g.fac(custom_inject(
        "War scare",
        "Everything goes wrong at once.",
        &[("escalation", 7)],
        &[],
    ));
    g.advance();
    // Adopting the defence law adds the last rung.
    g.submit("belarus", &[("adopt_defence_law", "bind us to Moscow")]);
    g.advance();
    assert_eq!(g.indicator("escalation"), 9);
    g.fac(override_cmd("t1-belarus-1", Outcome::Success, "It passes."));
    let ev = g.advance();
    assert_eq!(g.indicator("escalation"), 10);
    let last = ev.last().expect("events");
    match &last.body {
        EventBody::SessionEnded { reason, title, .. } => {
            assert_eq!(reason, "regional_war");
            assert_eq!(title, "Regional war");
        }
        b => panic!("expected regional war, got {b:?}"),
    }
    assert_eq!(g.state.phase, Phase::Ended);
    assert!(
        !ev.iter()
            .any(|e| matches!(e.body, EventBody::PhaseChanged { .. })),
        "no review after the end"
    );
}

#[test]
fn injected_escalation_is_clamped_to_the_ladder() {
    let mut g = frozen_ladder_game(5);
    g.advance_to(Phase::Briefing);
    let ev = g.fac(custom_inject("Shock", "", &[("escalation", 100)], &[]));
    assert_eq!(g.indicator("escalation"), 10);
    match &ev[0].body {
        EventBody::EventInjected { inject } => {
            assert_eq!(
                inject.effects.get("escalation"),
                Some(&8),
                "the applied change"
            )
        }
        b => panic!("unexpected {b:?}"),
    }
}

#[test]
fn timer_expiry_closes_the_decision_window() {
    let mut g = game_in(Phase::Decision);
    g.submit("belarus", &[("expand_logistics", "")]);
    g.fac(Command::Timer {
        seconds: 120,
        auto_advance: Some(true),
    });
    let deadline = g.state.timer.as_ref().expect("timer").deadline;
    assert_eq!(deadline, g.at + 120_000);
    let expire = Command::TimerExpired {
        turn: 1,
        phase: Phase::Decision,
    };
    assert_eq!(
        g.try_cmd_at(&Actor::System, expire.clone(), deadline - 1)
            .map_err(|r| r.code.as_str()),
        Err("stale_timer")
    );
    let ev = g
        .try_cmd_at(&Actor::System, expire.clone(), deadline)
        .expect("expires");
    let kinds: Vec<&str> = ev.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["timer_expired", "phase_changed", "dice_rolled"]);
    assert_eq!(g.state.phase, Phase::Adjudication);
    assert_eq!(g.state.pending.len(), 1);
    assert!(g.state.timer.is_none());
    // The same expiry cannot fire twice.
    assert_eq!(
        g.try_cmd_at(&Actor::System, expire, deadline + 5)
            .map_err(|r| r.code.as_str()),
        Err("stale_timer")
    );
}

#[test]
fn a_timer_without_auto_advance_only_reports_expiry() {
    let mut g = game_in(Phase::Decision);
    g.fac(Command::Timer {
        seconds: 1,
        auto_advance: Some(false),
    });
    let ev = g
        .try_cmd_at(
            &Actor::System,
            Command::TimerExpired {
                turn: 1,
                phase: Phase::Decision,
            },
            g.at + 1_000,
        )
        .expect("expires");
    assert_eq!(ev.len(), 1);
    assert_eq!(g.state.phase, Phase::Decision);
    // Clearing: a zero timer removes it.
    g.fac(Command::Timer {
        seconds: 30,
        auto_advance: None,
    });
    g.fac(Command::Timer {
        seconds: 0,
        auto_advance: None,
    });
    assert!(g.state.timer.is_none());
}

#[test]
fn a_phase_change_cancels_the_timer() {
    let mut g = game_in(Phase::Briefing);
    g.fac(Command::Timer {
        seconds: 60,
        auto_advance: Some(true),
    });
    g.advance();
    assert!(g.state.timer.is_none());
    assert_eq!(
        g.try_cmd_at(
            &Actor::System,
            Command::TimerExpired {
                turn: 1,
                phase: Phase::Briefing
            },
            g.at + 120_000
        )
        .map_err(|r| r.code.as_str()),
        Err("stale_timer")
    );
}

#[test]
fn triggers_fire_once_and_inject_their_event() {
    let mut g = game_in(Phase::Briefing);
    let ev = g.fac(custom_inject(
        "Economic collapse",
        "",
        &[("by_regime_control", -40)],
        &[],
    ));
    let kinds: Vec<&str> = ev.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["event_injected", "trigger_fired", "event_injected"]);
    match &ev[2].body {
        EventBody::EventInjected { inject } => {
            assert_eq!(inject.event.as_deref(), Some("protests_minsk"));
            assert_eq!(inject.trigger.as_deref(), Some("regime_cracks"));
        }
        b => panic!("unexpected {b:?}"),
    }
    // 70 - 40 - 8 (the protests) = 22.
    assert_eq!(g.indicator("by_regime_control"), 22);
    let ev = g.fac(custom_inject(
        "More unrest",
        "",
        &[("by_regime_control", -1)],
        &[],
    ));
    assert_eq!(ev.len(), 1, "a non-repeating trigger fires only once");
}

#[test]
fn joins_use_the_given_player_id_and_number_seats() {
    let mut g = Game::new(belarus(), 1);
    // The player id is the server's, carried by the command; the engine numbers seats.
    let mut join = |t: &str, n: &str, id: &str| match &g.cmd(
        &Actor::System,
        Command::Join {
            team: t.to_string(),
            name: n.to_string(),
            player: id.to_string(),
        },
    )[0]
    .body
    {
        EventBody::PlayerJoined { player, seat, .. } => (player.clone(), *seat),
        b => panic!("unexpected {b:?}"),
    };
    assert_eq!(join("belarus", "A", "id-a"), ("id-a".to_string(), 1));
    assert_eq!(join("belarus", "B", "id-b"), ("id-b".to_string(), 2));
    assert_eq!(join("nato", "C", "id-c"), ("id-c".to_string(), 1));
    assert_eq!(join("observer", " D ", "id-d"), ("id-d".to_string(), 1));
    assert_eq!(g.state.players[3].name, "D", "names are trimmed");
}

#[test]
fn choice_ids_name_the_turn_the_team_and_the_position() {
    let mut g = Game::with(belarus(), 4, Some(12), true);
    g.advance_to(Phase::Decision);
    while g.state.turn < 10 {
        g.advance_to(Phase::Review);
        g.advance_to(Phase::Decision);
    }
    g.submit(
        "nato",
        &[("targeted_sanctions", ""), ("support_civil_society", "")],
    );
    g.advance();
    let ids: Vec<&str> = g.state.pending.iter().map(|r| &*r.choice).collect();
    assert_eq!(ids, ["t10-nato-1", "t10-nato-2"]);
}

// ---------------------------------------------------------------------------------------
// Turn history and secret flags.
// ---------------------------------------------------------------------------------------

#[test]
fn an_inject_during_review_counts_in_that_turns_history() {
    let mut g = frozen_ladder_game(31);
    g.advance_to(Phase::Review);
    let before = g.indicator("escalation");
    g.fac(custom_inject(
        "Border clash",
        "Shots across the line.",
        &[("escalation", 2)],
        &[],
    ));
    let after = g.indicator("escalation");
    assert_eq!(after, (before + 2).min(10));
    g.advance(); // turn 2 briefing: turn 1 is over
    let ix = g
        .scenario
        .indicator_index("escalation")
        .expect("escalation");
    let turn1 = g
        .state
        .history
        .iter()
        .find(|h| h.turn == 1)
        .expect("turn 1 recorded");
    assert_eq!(
        turn1.indicators[ix], after,
        "the chart must end turn 1 where the board did"
    );
    assert_eq!(g.state.history.iter().filter(|h| h.turn == 1).count(), 1);
}

#[test]
fn a_secret_flag_is_seen_only_by_its_owner_and_the_white_cell() {
    let mut g = Game::new(belarus(), 5);
    g.advance_to(Phase::Decision);
    g.submit("russia", &[("prepare_northern_strikes", "Quietly.")]);
    g.advance();
    // Force success and non-detection, whatever the dice said.
    let choice = g.state.pending[0].choice.clone();
    g.fac(override_cmd(
        &choice,
        Outcome::Success,
        "White Cell rules the preparation succeeds.",
    ));
    g.advance();
    assert!(g.flag("northern_axis_prepared"));
    let seen = |v: &engine::Viewer| {
        engine::view(&g.state, v)
            .flags
            .contains_key("northern_axis_prepared")
    };
    assert!(seen(&engine::Viewer::Facilitator));
    assert!(seen(&engine::Viewer::Team("russia".into())));
    for other in ["belarus", "ukraine", "nato"] {
        assert!(
            !seen(&engine::Viewer::Team(other.into())),
            "{other} sees Russia's secret flag"
        );
    }
    assert!(!seen(&engine::Viewer::Observer));
    // Visible flags everyone sees are still there.
    assert!(
        engine::view(&g.state, &engine::Viewer::Observer)
            .flags
            .contains_key("law_adopted")
    );
}

#[test]
fn an_inject_that_reaches_regional_war_ends_the_session_at_once() {
    let mut g = frozen_ladder_game(8);
    g.advance_to(Phase::Decision);
    g.fac(custom_inject(
        "Border war",
        "Columns cross the line.",
        &[("escalation", 10)],
        &[],
    ));
    assert_eq!(g.state.phase, Phase::Ended);
    assert_eq!(
        g.state.ended.as_ref().map(|e| e.reason.as_str()),
        Some("regional_war")
    );
    // An inject that stays below the threshold changes nothing of the kind.
    let mut g = frozen_ladder_game(8);
    g.advance_to(Phase::Decision);
    g.fac(custom_inject(
        "Shots",
        "A skirmish.",
        &[("escalation", 1)],
        &[],
    ));
    assert_eq!(g.state.phase, Phase::Decision);
}
