//! Engine benchmarks: `cargo bench --bench engine`.
//!
//! A plain `main` timing with `std::time::Instant` and printing medians:
//! (a) adjudicating one turn of 4 teams x 3 choices: `decide(Advance)` from decision
//!     to adjudication, then from adjudication to review, each with `evolve` of every
//!     event (target <= 20 us);
//! (b) a 10,000-run `preview` of 12 locked choices (target <= 100 ms).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wargame::engine::{self, Actor, ChoiceInput, Command, Phase, State};

const TURN: [(&str, [&str; 3]); 4] = [
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

fn apply(state: &mut State, actor: &Actor, cmd: &Command, at: i64) {
    match engine::decide(state, actor, cmd, at) {
        Ok(events) => {
            for e in &events {
                engine::evolve(state, e);
            }
        }
        Err(r) => panic!("{cmd:?} rejected: {r}"),
    }
}

/// The default scenario (or the file in `WARGAME_BENCH_SCENARIO`, e.g. an older copy,
/// to compare code on the same content) at turn 1's decision window with 12 choices
/// submitted.
fn decision_state(seed: u64) -> State {
    let path = std::env::var_os("WARGAME_BENCH_SCENARIO")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/belarus-2025.toml")
        });
    let scenario = match wargame::scenario::load_file(&path) {
        Ok((s, _)) => Arc::new(s),
        Err(p) => panic!("scenario: {p:?}"),
    };
    let (mut state, _) = engine::create(scenario, "bench", seed, None, true, 0);
    apply(&mut state, &Actor::Facilitator, &Command::Start, 1);
    apply(&mut state, &Actor::Facilitator, &Command::Advance, 2);
    for (team, options) in TURN {
        let actor = Actor::Team {
            team: team.to_string(),
            player: format!("p-{team}"),
        };
        let choices = options
            .iter()
            .map(|o| ChoiceInput {
                option: o.to_string(),
                rationale: format!("Because {team} needs {o} now."),
            })
            .collect();
        apply(&mut state, &actor, &Command::Submit { turn: 1, choices }, 3);
    }
    assert_eq!(state.phase, Phase::Decision);
    state
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn report(name: &str, samples: Vec<Duration>, target: Duration) {
    let n = samples.len();
    let min = samples.iter().min().copied().unwrap_or_default();
    let med = median(samples);
    let verdict = if med <= target { "ok" } else { "MISSED" };
    println!("{name}: median {med:?} (min {min:?}, {n} samples; target <= {target:?}: {verdict})");
}

fn main() {
    // (a) One turn's adjudication and publication.
    let base = decision_state(42);
    let fac = Actor::Facilitator;
    let advance = Command::Advance;
    let iterations = 20_000;
    let warmup = 1_000;
    // Total, then its parts: close the window, evolve, publish, evolve.
    let mut parts: [Vec<Duration>; 5] = Default::default();
    let mut events = 0;
    for i in 0..iterations + warmup {
        let mut state = base.clone();
        // A different seed each time, so every outcome path is exercised.
        state.seed = i as u64;
        let t0 = Instant::now();
        let closed = match engine::decide(&state, &fac, &advance, 10) {
            Ok(ev) => ev,
            Err(r) => panic!("{r}"),
        };
        let t1 = Instant::now();
        for e in &closed {
            engine::evolve(&mut state, e);
        }
        let t2 = Instant::now();
        let published = match engine::decide(&state, &fac, &advance, 11) {
            Ok(ev) => ev,
            Err(r) => panic!("{r}"),
        };
        let t3 = Instant::now();
        for e in &published {
            engine::evolve(&mut state, e);
        }
        let t4 = Instant::now();
        black_box(&state);
        assert!(matches!(state.phase, Phase::Review | Phase::Ended));
        if i >= warmup {
            for (p, d) in parts
                .iter_mut()
                .zip([t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3])
            {
                p.push(d);
            }
            events += closed.len() + published.len();
        }
    }
    println!(
        "(a) adjudicate one turn, 4 teams x 3 choices ({:.1} events/turn)",
        events as f64 / iterations as f64
    );
    let [total, close, evolve_closed, publish, evolve_published] = parts;
    report("    decide+evolve", total, Duration::from_micros(20));
    for (name, p) in [
        ("close window (decide)", close),
        ("  evolve its events", evolve_closed),
        ("publish (decide)", publish),
        ("  evolve its events", evolve_published),
    ] {
        let min = p.iter().min().copied().unwrap_or_default();
        println!("      {name}: median {:?} (min {min:?})", median(p));
    }

    // (b) Monte Carlo preview of the 12 locked choices.
    let state = decision_state(42);
    let mut samples = Vec::new();
    for i in 0..33 {
        let start = Instant::now();
        let p = engine::preview(black_box(&state), 10_000);
        let took = start.elapsed();
        assert_eq!(p.choices.len(), 12);
        black_box(p);
        if i >= 3 {
            samples.push(took);
        }
    }
    println!("(b) preview, 10,000 runs of 12 locked choices");
    report("    preview", samples, Duration::from_millis(100));
}
