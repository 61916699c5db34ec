//! Property test: random command sequences against the default scenario.
//!
//! A mix of legal submissions (via `random_choices`), random subsets of the available
//! options that are often over budget, catalog and custom injects (some targeted), overrides, advances, notes and
//! timers, some issued in the wrong phase. Whatever happens:
//! - every indicator stays within its range;
//! - every accepted submission is within the team's budget, and its options are the
//!   team's own, available and distinct;
//! - seq climbs by exactly one per event; a rejection changes nothing;
//! - replaying the log (also after a JSON round trip) gives the live state hash.

use crate::common;

use std::collections::BTreeSet;

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wargame::engine::{self, Actor, ChoiceInput, Command, Event, EventBody, Outcome, Phase};

use common::*;

#[derive(Debug, Clone)]
enum Op {
    /// A legal-looking submission from `random_choices`.
    Submit {
        team: u8,
        seed: u64,
    },
    /// A random subset of the available options: often over budget.
    Subset {
        team: u8,
        mask: u64,
    },
    /// A submission for the wrong turn.
    Stale {
        team: u8,
    },
    Advance,
    Inject {
        event: u8,
        to: Option<u8>,
    },
    Custom {
        indicator: u8,
        delta: i16,
        to: Option<u8>,
    },
    Override {
        pick: u8,
        success: bool,
    },
    Note {
        public: bool,
    },
    Timer {
        seconds: u16,
        auto: bool,
        expire: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<u64>()).prop_map(|(team, seed)| Op::Submit { team, seed }),
        2 => (any::<u8>(), any::<u64>()).prop_map(|(team, mask)| Op::Subset { team, mask }),
        1 => any::<u8>().prop_map(|team| Op::Stale { team }),
        5 => Just(Op::Advance),
        2 => (any::<u8>(), proptest::option::of(any::<u8>()))
            .prop_map(|(event, to)| Op::Inject { event, to }),
        2 => (any::<u8>(), -120i16..=120, proptest::option::of(any::<u8>()))
            .prop_map(|(indicator, delta, to)| Op::Custom { indicator, delta, to }),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(pick, success)| Op::Override { pick, success }),
        1 => any::<bool>().prop_map(|public| Op::Note { public }),
        1 => (0u16..=900, any::<bool>(), any::<bool>())
            .prop_map(|(seconds, auto, expire)| Op::Timer { seconds, auto, expire }),
    ]
}

fn pick<T>(list: &[T], k: u8) -> &T {
    &list[usize::from(k) % list.len()]
}

fn run(g: &mut Game, op: &Op) {
    let s = g.scenario.clone();
    let team_id = |k: u8| pick(&s.teams, k).id.to_string();
    let turn = g.state.turn;
    let _ = match op {
        Op::Submit { team, seed } => {
            let ti = usize::from(*team) % s.teams.len();
            let mut rng = ChaCha20Rng::seed_from_u64(*seed);
            let choices = engine::random_choices(&g.state, ti, &mut rng);
            g.try_cmd(
                &common::team(&s.teams[ti].id),
                Command::Submit { turn, choices },
            )
        }
        Op::Subset { team, mask } => {
            let ti = usize::from(*team) % s.teams.len();
            // Sparse masks, so totals land on both sides of the budget.
            let mask = mask & mask.rotate_left(17);
            let choices: Vec<ChoiceInput> = engine::option_status(&s, &g.state, ti, false)
                .into_iter()
                .filter(|o| o.available)
                .enumerate()
                .filter(|(i, _)| mask & (1 << (i % 64)) != 0)
                .map(|(_, o)| ChoiceInput {
                    option: o.option.to_string(),
                    rationale: "everything".to_string(),
                })
                .collect();
            g.try_cmd(
                &common::team(&s.teams[ti].id),
                Command::Submit { turn, choices },
            )
        }
        Op::Stale { team } => g.try_cmd(
            &common::team(&team_id(*team)),
            Command::Submit {
                turn: turn + 1,
                choices: Vec::new(),
            },
        ),
        Op::Advance => g.try_cmd(&FAC, Command::Advance),
        Op::Inject { event, to } => g.try_cmd(
            &FAC,
            Command::Inject {
                event: Some(pick(&s.events, *event).id.to_string()),
                custom: None,
                script: None,
                to: to.map(team_id).into_iter().collect(),
            },
        ),
        Op::Custom {
            indicator,
            delta,
            to,
        } => {
            let id = pick(&s.indicators, *indicator).id.clone();
            let to: Vec<String> = to.map(team_id).into_iter().collect();
            let to: Vec<&str> = to.iter().map(String::as_str).collect();
            g.try_cmd(
                &FAC,
                custom_inject("Ad hoc", "", &[(&*id, i64::from(*delta))], &to),
            )
        }
        Op::Override { pick: k, success } => {
            let choice = if g.state.pending.is_empty() {
                "t0-nobody-1".to_string()
            } else {
                pick(&g.state.pending, *k).choice.to_string()
            };
            let result = if *success {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            g.try_cmd(&FAC, override_cmd(&choice, result, "White Cell ruling"))
        }
        Op::Note { public } => g.try_cmd(
            &FAC,
            Command::Note {
                text: "note".to_string(),
                public: *public,
                category: Default::default(),
                about: None,
            },
        ),
        Op::Timer {
            seconds,
            auto,
            expire,
        } => {
            let set = g.try_cmd(
                &FAC,
                Command::Timer {
                    seconds: u32::from(*seconds),
                    auto_advance: Some(*auto),
                },
            );
            match g.state.timer.clone() {
                Some(t) if *expire => g.try_cmd_at(
                    &Actor::System,
                    Command::TimerExpired {
                        turn: t.turn,
                        phase: t.phase,
                    },
                    t.deadline,
                ),
                _ => set,
            }
        }
    };
}

fn check_board(g: &Game) -> Result<(), TestCaseError> {
    for (ind, v) in g.scenario.indicators.iter().zip(&g.state.world.indicators) {
        prop_assert!(
            (ind.min..=ind.max).contains(v),
            "{} = {v} is outside {}..={}",
            ind.id,
            ind.min,
            ind.max
        );
    }
    Ok(())
}

/// Every accepted submission, checked against the board it was made on.
fn check_submissions(g: &Game) -> Result<(), TestCaseError> {
    let s = &g.scenario;
    let mut state = engine::State::blank(s.clone());
    for e in &g.events {
        if let EventBody::ChoicesSubmitted {
            team,
            choices,
            cost,
            ..
        } = &e.body
        {
            let ti = s.team_index(team).expect("a known team");
            let mut spent = 0;
            let mut seen = BTreeSet::new();
            for c in choices {
                let (owner, _, o) = s.option(&c.option).expect("a known option");
                prop_assert_eq!(owner, ti, "{} is not {}'s", &c.option, team);
                prop_assert!(seen.insert(&c.option), "{} chosen twice", &c.option);
                prop_assert!(
                    o.requires
                        .iter()
                        .all(|r| r.holds(&state.world.indicators, &state.world.flags)),
                    "{} accepted with unmet prerequisites",
                    &c.option
                );
                spent += o.cost;
            }
            prop_assert_eq!(*cost, Some(spent));
            prop_assert!(spent <= s.teams[ti].budget, "{team} spent {spent}");
            prop_assert_eq!(e.phase, Phase::Decision);
        }
        engine::evolve(&mut state, e);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn random_play_keeps_the_invariants(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..160),
    ) {
        let mut g = Game::new(belarus(), seed);
        g.fac(Command::Start);
        for op in &ops {
            run(&mut g, op);
            check_board(&g)?;
        }
        for (i, e) in g.events.iter().enumerate() {
            prop_assert_eq!(e.seq, i as u64 + 1);
        }
        check_submissions(&g)?;
        let live = g.state.hash().expect("the state hashes");
        prop_assert_eq!(engine::replay(g.scenario.clone(), &g.events).hash().expect("the state hashes"), live.clone());
        let decoded: Vec<Event> = g
            .events
            .iter()
            .map(|e| serde_json::from_str(&serde_json::to_string(e).expect("json")).expect("event"))
            .collect();
        prop_assert_eq!(engine::replay(g.scenario.clone(), &decoded).hash().expect("the state hashes"), live);
    }
}
