//! Load tool for the `wargame` server: `target/release/load --help`; see README.md.
//!
//! It starts the real release binary as a child process on a free 127.0.0.1 port
//! with a temporary database, then talks to it only through the contract (HTTP to
//! create and join sessions, WebSockets for everything else). Modes:
//!
//! - `hold`: S sessions x (1 facilitator + 4 teams) sockets connect and stay idle
//!   (answering heartbeats). Reports sockets held and server RSS per idle socket.
//! - `throughput`: the same sockets play turns (start, advance, two rounds of
//!   submits with rationales, adjudicate, publish, next turn...) at `--rate`
//!   commands per second per session. Reports acks/s and ack/broadcast latency.
//! - `broadcast`: facilitator-only commands every seat sees (public notes and
//!   phase changes), `--rate` per session (default 1). Reports broadcast latency:
//!   facilitator command sent -> the matching event frame received by a team.
//! - `chat`: broadcast's facilitator commands, and every team seat posting a `say`
//!   every `--say-every` seconds on its bilateral channels and `all` in turn.
//!   Reports the say's ack latency and its delivery latency at each other seat
//!   of the channel, beside the broadcast latency.
//! - `restart`: fills a database with `--events` stored events through
//!   `wargame::store::Store` and the engine (the same decide/evolve/hash path the
//!   server uses), then times the binary from spawn to `/healthz` answering.
//!
//! Every loop is bounded in count and time, the tool stops by itself, and the
//! child server is killed when the tool exits. The load generator runs on the same
//! machine as the server, so both share its cores; the report says how much CPU
//! each used, how much the hypervisor stole, and how fast the disk under the
//! database syncs (timed before the server starts).
//!
//! Modules: `args` (the command line), `server` (the child server process), `setup`
//! (sessions and seats over HTTP), `game` (the scripted game every mode plays),
//! `client` (one WebSocket), `driver` (client threads pacing each session's commands),
//! `chat` (chat mode's team seats), `sockets` (the hold, throughput, broadcast and
//! chat modes), `restart` (the restart mode),
//! `machine` (what /proc and the disk say about the machine).

mod args;
mod chat;
mod client;
mod driver;
mod game;
mod machine;
mod restart;
mod server;
mod setup;
mod sockets;

use std::time::Duration;

use args::{Mode, USAGE, parse_args};

/// The teams of the default scenario, in seat order after the facilitator.
const TEAMS: [&str; 4] = ["belarus", "russia", "ukraine", "nato"];
/// Turns per session: long enough that a run rarely reaches the end of the game.
const MAX_TURNS: u32 = 50;
/// The repository's scenarios, which the server is started with.
const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return;
            }
            eprintln!("load: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    match args.mode {
        Mode::Restart => restart::run(&args),
        _ => sockets::run(&args),
    }
}

/// A duration in whole microseconds, saturating.
fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The `q` quantile of sorted microseconds, in milliseconds (NaN when empty).
fn pct(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "MISS" }
}
