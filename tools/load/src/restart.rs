//! The restart mode: fill a database directly, through the store and the engine (the
//! same decide/evolve/hash path the server uses), then time the real binary from spawn
//! to `/healthz` answering, and check that `wargame replay` agrees.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wargame::engine::{self, Actor, Command as Cmd, Phase};

use crate::args::Args;
use crate::game::{Game, Script};
use crate::machine::machine;
use crate::server::{Server, fail};
use crate::{MAX_TURNS, SCENARIOS, TEAMS, verdict};

/// Fills `db` with about `events` events over `sessions` sessions: (sessions, events).
fn fill(db: &Path, sessions: usize, events: usize) -> (usize, usize) {
    let path = Path::new(SCENARIOS).join("belarus-2025.toml");
    let (scenario, source) = wargame::scenario::load_file(&path).unwrap_or_else(|p| {
        fail(&format!(
            "scenario: {:?}",
            p.first().map(ToString::to_string)
        ))
    });
    let scenario = Arc::new(scenario);
    let store = wargame::store::Store::open(db).unwrap_or_else(|e| fail(&format!("store: {e}")));
    let per_session = events.div_ceil(sessions);
    let counts: Vec<Result<usize, String>> = actix_rt::System::new().block_on(async {
        let store = &store;
        let scenario = &scenario;
        let source = &source;
        futures_util::future::join_all((0..sessions).map(|i| async move {
            fill_session(store, scenario.clone(), source, i, per_session).await
        }))
        .await
    });
    drop(store);
    let mut stored = 0;
    for c in counts {
        stored += c.unwrap_or_else(|e| fail(&e));
    }
    (sessions, stored)
}

/// One session played by the script until it holds `target` events (or the game ends).
async fn fill_session(
    store: &wargame::store::Store,
    scenario: Arc<wargame::scenario::Scenario>,
    source: &str,
    index: usize,
    target: usize,
) -> Result<usize, String> {
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let id = format!("fill{index:06}");
    let (mut state, first) = engine::create(
        scenario.clone(),
        &format!("Restart {index}"),
        index as u64,
        Some(MAX_TURNS),
        true,
        clock,
    );
    store
        .create_session(
            wargame::store::NewSession {
                id: id.clone(),
                join_code: format!("F{index:07}"),
                scenario_id: scenario.id.clone(),
                scenario_source: source.to_string(),
                title: format!("Restart {index}"),
                created_at: clock,
                facilitator_token_hash: wargame::server::hash_token(&format!("fac-{id}")),
            },
            &[first],
            state.hash().map_err(|e| format!("create {id}: {e}"))?,
        )
        .await
        .map_err(|e| format!("create {id}: {e}"))?;
    let mut stored = 1usize;
    let mut at = clock;
    // Seats first, through the same Join command the server issues for POST /api/join.
    let mut actors = vec![Actor::Facilitator];
    for (i, team) in TEAMS.iter().enumerate() {
        let seat = wargame::store::SeatRow {
            token_hash: wargame::server::hash_token(&format!("seat-{id}-{i}")),
            session_id: id.clone(),
            player: format!("p{}", i + 1),
            team: (*team).to_string(),
        };
        let join = Cmd::Join {
            team: (*team).to_string(),
            name: format!("Player {i}"),
            player: format!("p{}", i + 1),
        };
        stored += apply(
            store,
            &id,
            &mut state,
            &Actor::System,
            &join,
            at,
            Some(seat),
        )
        .await?;
        actors.push(Actor::Team {
            team: (*team).to_string(),
            player: format!("p{}", i + 1),
        });
    }
    let mut game = Game::new(Script::Play, state.seq);
    for _ in 0..(target * 4 + 100) {
        if stored >= target {
            break;
        }
        at += 1000;
        game.ended |= state.phase == Phase::Ended;
        let (seat, command) = game.next();
        match engine::decide(&state, &actors[seat], &command, at) {
            Ok(events) => {
                let n = events.len();
                commit(store, &id, &mut state, events, None).await?;
                stored += n;
                game.acked(&command, state.seq);
            }
            Err(r) => game.refused(r.code.as_str()),
        }
    }
    Ok(stored)
}

/// Decides `command` and commits its events.
async fn apply(
    store: &wargame::store::Store,
    id: &str,
    state: &mut engine::State,
    actor: &Actor,
    command: &Cmd,
    at: i64,
    seat: Option<wargame::store::SeatRow>,
) -> Result<usize, String> {
    let events = engine::decide(state, actor, command, at).map_err(|r| format!("{id}: {r}"))?;
    let n = events.len();
    commit(store, id, state, events, seat).await?;
    Ok(n)
}

/// Evolves the state with `events` and appends them with the state hash.
async fn commit(
    store: &wargame::store::Store,
    id: &str,
    state: &mut engine::State,
    events: Vec<engine::Event>,
    seat: Option<wargame::store::SeatRow>,
) -> Result<(), String> {
    if events.is_empty() {
        return Ok(());
    }
    let expected = state.seq;
    for e in &events {
        engine::evolve(state, e);
    }
    let hash = state.hash().map_err(|e| format!("append {id}: {e}"))?;
    store
        .append(id, expected, &events, Some(hash), seat, None)
        .await
        .map(|_| ())
        .map_err(|e| format!("append {id}: {e}"))
}

/// The log without terminal colour codes (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs the restart mode.
pub fn run(args: &Args) {
    println!(
        "mode Restart: {} stored events over {} sessions; machine: {}",
        args.events,
        args.sessions,
        machine()
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| dir.path().join("restart.db"));
    let (sessions, stored) = open_or_fill(args, &db);
    let db_size = std::fs::metadata(&db).map_or(0, |m| m.len());
    println!("database: {:.1} MiB", db_size as f64 / (1 << 20) as f64);
    let mut times = Vec::new();
    let mut logged = Vec::new();
    for run in 0..args.restarts {
        let log = dir.path().join(format!("restart-{run}.log"));
        let (t, ms) = restart_once(args, &db, &log, run, stored);
        times.push(t);
        logged.push(ms);
    }
    check_replay(args, &db, sessions);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (t, l) = (median(&mut times), median(&mut logged));
    println!("---");
    println!(
        "restart with {stored} stored events: median spawn -> /healthz {t:.0} ms (restore itself {l:.0} ms) over {} runs",
        args.restarts
    );
    println!("target <= 2 s: {}", verdict(t <= 2000.0));
    println!(
        "RESULT mode=Restart sessions={sessions} events={stored} restart_ms={t:.0} restore_ms={l:.0} runs={}",
        args.restarts
    );
}

/// The database as given (`--db` that exists), or a new one filled: (sessions, events).
fn open_or_fill(args: &Args, db: &Path) -> (usize, usize) {
    let started = Instant::now();
    if db.exists() {
        let conn = rusqlite::Connection::open(db).unwrap_or_else(|e| fail(&e.to_string()));
        let count = |sql: &str| -> usize {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .unwrap_or_else(|e| fail(&e.to_string())) as usize
        };
        let counts = (
            count("SELECT COUNT(*) FROM sessions"),
            count("SELECT COUNT(*) FROM events"),
        );
        println!(
            "using {} as it is: {} events in {} sessions",
            db.display(),
            counts.1,
            counts.0
        );
        counts
    } else {
        let filled = fill(db, args.sessions, args.events);
        println!(
            "filled {} events in {} sessions in {:.1} s",
            filled.1,
            filled.0,
            started.elapsed().as_secs_f64()
        );
        filled
    }
}

/// Starts the server on `db` once: spawn -> `/healthz` and the restore time its log
/// reports, both in ms. Fails unless it restored all `stored` events with no hash
/// mismatch.
fn restart_once(args: &Args, db: &Path, log: &Path, run: usize, stored: usize) -> (f64, f64) {
    let mut server = Server::spawn(&args.server_bin, db, log, Duration::from_secs(300));
    let t = server
        .wait_healthy(Duration::from_secs(120))
        .unwrap_or_else(|e| fail(&e));
    server.stop();
    let log = strip_ansi(&std::fs::read_to_string(&server.log).unwrap_or_default());
    let line = log
        .lines()
        .find(|l| l.contains("sessions restored"))
        .unwrap_or("")
        .to_string();
    let field = |name: &str| -> Option<u64> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
    };
    let (ms, ev, ss) = (field("ms="), field("events="), field("sessions="));
    let differs = log.lines().filter(|l| l.contains("differs")).count();
    println!(
        "restart {}: spawn -> /healthz {:.0} ms; log: sessions={} events={} ms={}; {} hash mismatches",
        run + 1,
        t.as_secs_f64() * 1000.0,
        ss.map_or("?".into(), |v| v.to_string()),
        ev.map_or("?".into(), |v| v.to_string()),
        ms.map_or("?".into(), |v| v.to_string()),
        differs
    );
    if ev != Some(stored as u64) || differs > 0 {
        fail(&format!(
            "the restored server reports {ev:?} events (expected {stored}) and {differs} hash mismatches"
        ));
    }
    (t.as_secs_f64() * 1000.0, ms.unwrap_or(0) as f64)
}

/// The replay command agrees with the stored state hash (first and last session).
fn check_replay(args: &Args, db: &Path, sessions: usize) {
    for id in [
        "fill000000".to_string(),
        format!("fill{:06}", sessions.saturating_sub(1)),
    ] {
        let out = Command::new(&args.server_bin)
            .args(["replay", "--db"])
            .arg(db)
            .args(["--session", &id])
            .output()
            .unwrap_or_else(|e| fail(&format!("run wargame replay: {e}")));
        if !out.status.success() {
            fail(&format!(
                "wargame replay {id}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    println!("wargame replay agrees with the stored hash (first and last session)");
}
