//! Series benchmark: 50 stored sessions of the default scenario (random play, 8
//! turns each) compared in every format.
//!
//! `cargo bench --bench series`. Prints the median (and min/max) wall time of
//! several runs: reading the sessions from SQLite, replaying and counting them,
//! rendering each format, and apart from those the simulated baselines (random
//! and doctrine, 200 games each), which cost the most and do not depend on how
//! many sessions are compared. Plain `std::time::Instant`, no harness.

#[path = "../tests/common/export_session.rs"]
mod export_session;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wargame::series::{self, Format, Options, Selection, Series};
use wargame::store::{NewSession, Store};

const SESSIONS: u64 = 50;
const TURNS: u32 = 8;
const RUNS: usize = 11;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/belarus-2025.toml");
    let source = std::fs::read_to_string(&path).expect("the default scenario is readable");
    let scenario = Arc::new(
        wargame::scenario::compile("belarus-2025.toml", &source)
            .expect("the default scenario compiles"),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("series.db");
    let store = Store::open(&db).expect("open");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut events_total = 0;
    for seed in 1..=SESSIONS {
        let events = export_session::random_session(scenario.clone(), seed, TURNS);
        events_total += events.len();
        let id = format!("bench-{seed:02}");
        let first = wargame::engine::replay(scenario.clone(), &events[..1]);
        let last = wargame::engine::replay(scenario.clone(), &events);
        rt.block_on(store.create_session(
            NewSession {
                id: id.clone(),
                join_code: format!("B{seed:02}"),
                scenario_id: scenario.id.clone(),
                scenario_source: source.clone(),
                title: format!("Syndicate {seed}"),
                created_at: 1_750_000_000_000 + seed as i64,
                facilitator_token_hash: String::new(),
            },
            &events[..1],
            first.hash().expect("hash"),
        ))
        .expect("stored");
        rt.block_on(store.append(
            &id,
            1,
            &events[1..],
            Some(last.hash().expect("hash")),
            None,
            None,
        ))
        .expect("appended");
    }
    println!("{SESSIONS} sessions of {TURNS} turns, {events_total} events in all");

    let selection = Selection::Scenario(scenario.id.clone());
    let no_baselines = Options {
        runs: 0,
        ..Options::default()
    };
    let gathered = series::gather(&store, &selection).expect("gathered");
    let (gather, _, _) = timed(|| {
        black_box(series::gather(&store, &selection).expect("gathered"));
    });
    let (build, _, _) = timed(|| {
        black_box(Series::build(&gathered, &no_baselines).expect("built"));
    });
    let model = Series::build(&gathered, &no_baselines).expect("built");
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10}",
        "step", "median", "min", "max", "bytes"
    );
    println!("{:<34} {:>8.2}ms", "gather (read 50 sessions)", ms(gather));
    println!("{:<34} {:>8.2}ms", "build (replay and count)", ms(build));
    for f in Format::ALL {
        let size = series::render(f, &model).len();
        let (med, min, max) = timed(|| {
            black_box(series::render(black_box(f), &model));
        });
        println!(
            "{:<34} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>10}",
            format!("render {}", f.as_str()),
            ms(med),
            ms(min),
            ms(max),
            size
        );
    }
    let (whole, min, max) = timed(|| {
        black_box(series::report(&store, &selection, &no_baselines, Format::Html).expect("report"));
    });
    println!(
        "{:<34} {:>8.2}ms {:>8.2}ms {:>8.2}ms",
        "whole html report, no baselines",
        ms(whole),
        ms(min),
        ms(max)
    );
    // The baselines: once each (they take far longer than the rest).
    let start = Instant::now();
    let with = Series::build(&gathered, &Options::default()).expect("built");
    let baselines = start.elapsed().saturating_sub(build);
    println!(
        "{:<34} {:>8.2}ms ({} policies x {} games of {} turns)",
        "simulated baselines",
        ms(baselines),
        with.baselines.len(),
        series::DEFAULT_RUNS,
        with.baselines.first().map_or(0, |b| b.turns)
    );
    store.close();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median, min and max wall time of `RUNS` calls (after one warm-up call).
fn timed(mut f: impl FnMut()) -> (Duration, Duration, Duration) {
    f();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[RUNS / 2], times[0], times[RUNS - 1])
}
