//! Export benchmark: a 50-turn session exported in every format.
//!
//! `cargo bench --bench export`. Prints the median (and min/max) wall time of several
//! runs per format and the output sizes. Plain `std::time::Instant`, no harness.

#[path = "../tests/common/export_session.rs"]
mod export_session;

use std::hint::black_box;
use std::time::{Duration, Instant};

use wargame::engine::{self, EventBody, Phase};
use wargame::export::{ExportOptions, Format, SessionMeta, export};

const TURNS: u32 = 50;
const RUNS: usize = 15;

fn main() {
    let (scenario, source) = export_session::belarus();

    // engine::play_random clamps its turn count to 50 (through engine::create) but
    // returns only the final state; the export needs the events, so the session is
    // played by export_session::random_session, which runs the same loop and keeps
    // the log. Pick the first seed whose random game lasts the full 50 turns.
    let clamped = engine::play_random(scenario.clone(), 1, 1, TURNS + 10);
    assert!(clamped.max_turns <= TURNS, "max_turns is clamped to 50");
    let mut best = None;
    for seed in 1..200u64 {
        let events = export_session::random_session(scenario.clone(), seed, TURNS);
        let state = engine::replay(scenario.clone(), &events);
        let full = state.turn == TURNS && state.phase == Phase::Ended;
        let longer = best
            .as_ref()
            .is_none_or(|(_, t, _): &(u64, u32, Vec<_>)| state.turn > *t);
        if longer {
            best = Some((seed, state.turn, events));
        }
        if full {
            break;
        }
    }
    let Some((seed, turns, events)) = best else {
        return;
    };
    let choices = events
        .iter()
        .filter(|e| matches!(e.body, EventBody::ChoiceResolved(_)))
        .count();
    println!(
        "session: seed {seed}, {turns} turns, {} events, {choices} published choices",
        events.len()
    );

    // For scale: the replay every export starts with, and the state hash the JSON,
    // Markdown and HTML print.
    let replay = median(|| {
        black_box(engine::replay(scenario.clone(), black_box(&events)));
    });
    let state = engine::replay(scenario.clone(), &events);
    let hash = median(|| {
        black_box(black_box(&state).hash().expect("the state hashes"));
    });
    println!(
        "engine::replay {:.2}ms, State::hash {:.2}ms (medians)",
        ms(replay),
        ms(hash)
    );

    let meta = SessionMeta {
        session_id: "bench".to_string(),
        join_code: None,
        exported_at: None,
    };
    let cases = [
        ("json", Format::Json, false),
        ("markdown", Format::Markdown, false),
        ("html", Format::Html, false),
        ("csv", Format::Csv, false),
        ("markdown (anonymised)", Format::Markdown, true),
    ];
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>12}",
        "format", "median", "min", "max", "bytes"
    );
    for (name, format, anonymize) in cases {
        let opts = ExportOptions {
            anonymize,
            ..ExportOptions::default()
        };
        let size = export(format, &meta, &scenario, &source, &events, &opts).len();
        let mut times = runs(|| {
            black_box(export(
                black_box(format),
                &meta,
                &scenario,
                &source,
                black_box(&events),
                &opts,
            ));
        });
        times.sort();
        println!(
            "{name:<24} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>12}",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            size
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Wall time of `RUNS` calls (after one warm-up call).
fn runs(mut f: impl FnMut()) -> Vec<Duration> {
    f();
    (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn median(f: impl FnMut()) -> Duration {
    let mut times = runs(f);
    times.sort();
    times[RUNS / 2]
}
