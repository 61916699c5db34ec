//! Load tool for the `wargame` server: `cargo bench --bench load -- --help`.
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
//! - `restart`: fills a database with `--events` stored events through
//!   `wargame::store::Store` and the engine (the same decide/evolve/hash path the
//!   server uses), then times the binary from spawn to `/healthz` answering.
//!
//! Every loop is bounded in count and time, the tool stops by itself, and the
//! child server is killed when the tool exits. The load generator runs on the same
//! machine as the server, so both share its cores; the report says how much CPU
//! each used, how much the hypervisor stole, and how fast the disk under the
//! database syncs (timed before the server starts).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_tls::connect::{ConnectError, ConnectInfo, Connection};
use awc::http;
use awc::ws;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch};

use wargame::engine::{self, Actor, ChoiceInput, Command as Cmd, Phase};

const TEAMS: [&str; 4] = ["belarus", "russia", "ukraine", "nato"];
/// Sessions whose sockets connect at the same time, per client thread.
const CONNECT_PARALLEL: usize = 24;
/// HTTP requests in flight while creating sessions.
const SETUP_PARALLEL: usize = 32;
/// Longest wait for any one reply; a command without an answer by then is a timeout.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// Most commands one session driver sends, whatever the rate and duration.
const MAX_COMMANDS_PER_SESSION: u64 = 1_000_000;
/// Turns per session: long enough that a run rarely reaches the end of the game.
const MAX_TURNS: u32 = 50;

type Framed = actix_codec::Framed<awc::BoxedSocket, ws::Codec>;

// ---------------------------------------------------------------------------
// Arguments

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Hold,
    Throughput,
    Broadcast,
    Restart,
}

#[derive(Debug, Clone)]
struct Args {
    mode: Mode,
    sessions: usize,
    duration: f64,
    rate: f64,
    threads: usize,
    warmup: f64,
    settle: f64,
    events: usize,
    restarts: usize,
    server_log: Option<PathBuf>,
    server_bin: PathBuf,
    db: Option<PathBuf>,
}

const USAGE: &str = "\
usage: cargo bench --bench load -- [options]
  --mode hold|throughput|broadcast|restart   (default throughput)
  --sessions S      sessions, each 1 facilitator + 4 team sockets (default 1000)
  --duration SECS   measured time (default 30; hold: time held idle)
  --rate R          commands per second per session (throughput 2, broadcast 1;
                    0 = as fast as acks come back, one command in flight per session)
  --threads N       client threads, one actix System each (default 2)
  --warmup SECS     unmeasured time before the window (default 3)
  --settle SECS     idle time before RSS is read (default 5)
  --events N        restart: stored events to fill (default 200000)
  --restarts N      restart: how many times to time the restart (default 5)
  --server-log FILE keep a copy of the server's log (RUST_LOG sets its filter)
  --server-bin FILE run another wargame binary (to compare builds; default: this build's)
  --db FILE         restart: use this database, filling it first only if it does not exist";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        mode: Mode::Throughput,
        sessions: 1000,
        duration: 30.0,
        rate: f64::NAN,
        threads: 2,
        warmup: 3.0,
        settle: 5.0,
        events: 200_000,
        restarts: 5,
        server_log: None,
        server_bin: PathBuf::from(env!("CARGO_BIN_EXE_wargame")),
        db: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        // `cargo bench` passes `--bench` to every bench binary.
        if flag == "--bench" {
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| -> Result<f64, String> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| format!("{flag}: `{v}` is not a non-negative number"))
        };
        match flag.as_str() {
            "--mode" => {
                a.mode = match value.as_str() {
                    "hold" => Mode::Hold,
                    "throughput" => Mode::Throughput,
                    "broadcast" => Mode::Broadcast,
                    "restart" => Mode::Restart,
                    other => return Err(format!("unknown mode `{other}`")),
                }
            }
            "--sessions" => a.sessions = num(&value)? as usize,
            "--duration" => a.duration = num(&value)?,
            "--rate" => a.rate = num(&value)?,
            "--threads" => a.threads = (num(&value)? as usize).max(1),
            "--warmup" => a.warmup = num(&value)?,
            "--settle" => a.settle = num(&value)?,
            "--events" => a.events = num(&value)? as usize,
            "--restarts" => a.restarts = (num(&value)? as usize).max(1),
            "--server-log" => a.server_log = Some(PathBuf::from(value)),
            "--server-bin" => a.server_bin = PathBuf::from(value),
            "--db" => a.db = Some(PathBuf::from(value)),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if a.rate.is_nan() {
        a.rate = if a.mode == Mode::Broadcast { 1.0 } else { 2.0 };
    }
    if a.sessions == 0 {
        return Err("--sessions must be at least 1".into());
    }
    a.sessions = a.sessions.min(100_000);
    a.duration = a.duration.min(3600.0);
    a.warmup = a.warmup.min(600.0);
    a.settle = a.settle.min(600.0);
    a.events = a.events.min(10_000_000);
    a.restarts = a.restarts.min(100);
    a.threads = a.threads.min(64);
    Ok(a)
}

// ---------------------------------------------------------------------------
// The server under test

struct Server {
    child: Child,
    pid: u32,
    port: u16,
    log: PathBuf,
    spawned: Instant,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Server {
    /// Starts `wargame serve` under `timeout`, so the server cannot outlive `limit`
    /// even if this tool is killed before it can stop it.
    fn spawn(bin: &Path, db: &Path, log: &Path, limit: Duration) -> Server {
        let port = free_port();
        let log_file = std::fs::File::create(log).expect("server log file");
        let spawned = Instant::now();
        let mut child = Command::new("timeout")
            .args(["-s", "KILL", &format!("{}s", limit.as_secs().max(1))])
            .arg(bin)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db"])
            .arg(db)
            .arg("--scenarios")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(log_file.try_clone().expect("server log file"))
            .stderr(log_file)
            .spawn()
            .expect("start the wargame binary (under `timeout`)");
        // The server is the only child of `timeout`.
        let tpid = child.id();
        let children = format!("/proc/{tpid}/task/{tpid}/children");
        let mut pid = None;
        for _ in 0..2000 {
            pid = std::fs::read_to_string(&children)
                .ok()
                .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()));
            if pid.is_some() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                fail(&format!(
                    "`timeout wargame serve` exited at once ({status})"
                ));
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let Some(pid) = pid else {
            let _ = child.kill();
            let _ = child.wait();
            fail("cannot find the server process under `timeout`");
        };
        RUNNING_SERVER.store(pid, Ordering::SeqCst);
        Server {
            child,
            pid,
            port,
            log: log.to_path_buf(),
            spawned,
        }
    }

    /// Polls `/healthz` until it answers 200; returns the time since spawn.
    fn wait_healthy(&mut self, limit: Duration) -> Result<Duration, String> {
        while self.spawned.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the server exited ({status}); its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ));
            }
            if healthz(self.port) {
                return Ok(self.spawned.elapsed());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Err(format!("no answer from /healthz within {limit:?}"))
    }

    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            kill_pid(self.pid);
            let _ = self.child.wait();
        }
        let _ = RUNNING_SERVER.compare_exchange(self.pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One blocking `GET /healthz`; true on a 200 answer.
fn healthz(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_nodelay(true);
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    let mut got = 0;
    while got < 12 {
        match s.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    buf[..got].starts_with(b"HTTP/1.1 200")
}

/// Resident set size of a process, in KiB (VmRSS of /proc/<pid>/status).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU time of a process, in seconds (from /proc/<pid>/stat).
fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

/// The open-file limit this process (and the server it spawns) runs with. Raises
/// the soft limit with `prlimit` (util-linux) when it is below what is needed.
fn ensure_nofile(needed: u64) -> u64 {
    let read = || -> (u64, u64) {
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap_or("");
        let nums: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        (
            nums.first().copied().unwrap_or(0),
            nums.get(1).copied().unwrap_or(0),
        )
    };
    let (soft, hard) = read();
    if soft >= needed {
        println!("open-file limit: soft {soft}, hard {hard} (needed about {needed})");
        return soft;
    }
    let target = needed.min(hard);
    let ok = Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={target}:{hard}"))
        .status()
        .is_ok_and(|s| s.success());
    let (soft2, _) = read();
    println!(
        "open-file limit: soft {soft} -> {soft2} ({}), hard {hard} (needed about {needed})",
        if ok {
            "raised with prlimit"
        } else {
            "could not raise; try `ulimit -n`"
        }
    );
    soft2
}

// ---------------------------------------------------------------------------
// Setup over HTTP

#[derive(Debug, Clone)]
struct Creds {
    index: usize,
    facilitator: String,
    teams: Vec<String>,
}

fn http_client() -> awc::Client {
    awc::Client::builder()
        .connector(
            awc::Connector::new()
                .connector(actix_service::fn_service(connect_nodelay))
                .limit(0)
                .timeout(Duration::from_secs(30)),
        )
        .timeout(Duration::from_secs(30))
        .finish()
}

/// Opens the client's TCP connections with Nagle's algorithm off, as browsers do.
/// With it on (awc's default), a command sent right after a pong waits for the
/// server's delayed ACK, up to 40 ms, which is the client's delay, not the server's.
async fn connect_nodelay(
    req: ConnectInfo<http::Uri>,
) -> Result<Connection<http::Uri, actix_rt::net::TcpStream>, ConnectError> {
    let stream = actix_rt::net::TcpStream::connect((req.hostname(), req.port()))
        .await
        .map_err(ConnectError::Io)?;
    stream.set_nodelay(true).map_err(ConnectError::Io)?;
    Ok(Connection::new(req.request().clone(), stream))
}

async fn post(
    client: &awc::Client,
    url: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let mut resp = client
        .post(url)
        .send_json(&body)
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let bytes = resp.body().await.map_err(|e| format!("POST {url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!(
            "POST {url}: {} {}",
            resp.status(),
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("POST {url}: {e}"))
}

async fn create_session(client: &awc::Client, port: u16, index: usize) -> Result<Creds, String> {
    let base = format!("http://127.0.0.1:{port}");
    let s = post(
        client,
        &format!("{base}/api/sessions"),
        json!({"scenario": "belarus-2025", "title": format!("Load {index}"), "seed": index, "max_turns": MAX_TURNS}),
    )
    .await?;
    let code = s["join_code"].as_str().unwrap_or_default().to_string();
    let facilitator = s["facilitator_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut teams = Vec::new();
    for (i, team) in TEAMS.iter().enumerate() {
        let j = post(
            client,
            &format!("{base}/api/join"),
            json!({"join_code": code, "team": team, "name": format!("Player {i} of session {index}")}),
        )
        .await?;
        teams.push(j["token"].as_str().unwrap_or_default().to_string());
    }
    Ok(Creds {
        index,
        facilitator,
        teams,
    })
}

fn setup_sessions(port: u16, n: usize) -> Vec<Creds> {
    let started = Instant::now();
    let result: Result<Vec<Creds>, String> = actix_rt::System::new().block_on(async move {
        let client = http_client();
        let results: Vec<Result<Creds, String>> = futures_util::stream::iter(0..n)
            .map(|i| {
                let client = client.clone();
                async move { create_session(&client, port, i).await }
            })
            .buffer_unordered(SETUP_PARALLEL)
            .collect()
            .await;
        results.into_iter().collect()
    });
    let mut creds = result.unwrap_or_else(|e| fail(&format!("session setup failed: {e}")));
    creds.sort_by_key(|c| c.index);
    println!(
        "setup: {n} sessions created and {} seats joined over HTTP in {:.1} s",
        n * TEAMS.len(),
        started.elapsed().as_secs_f64()
    );
    creds
}

/// The server this tool is running, if any, so `fail` can stop it first.
static RUNNING_SERVER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn kill_pid(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

fn fail(msg: &str) -> ! {
    let pid = RUNNING_SERVER.swap(0, Ordering::SeqCst);
    if pid != 0 {
        kill_pid(pid);
    }
    eprintln!("load: {msg}");
    std::process::exit(1);
}

// ---------------------------------------------------------------------------
// The scripted game, shared by the WebSocket drivers and the restart fill

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Facilitator runs turns; every team submits twice (a draft and a revision).
    Play,
    /// Facilitator only: public notes and phase changes, all visible to every seat.
    Broadcast,
}

/// Who sends a command: 0 the facilitator, 1..=4 the teams in `TEAMS` order.
type Seat = usize;

struct Game {
    script: Script,
    phase: Phase,
    turn: u32,
    step: usize,
    /// Last stored seq this driver knows of (from the snapshot, then the acks).
    seq: u64,
    ended: bool,
    notes: u64,
}

const SUBMITS_PER_TURN: usize = 8;

/// Options without prerequisites, within budget: (draft, revision) per team.
const PICKS: [[&[&str]; 2]; 4] = [
    [
        &["diversionary_posture", "preemptive_repression"],
        &["information_blackout", "hedge_commitments"],
    ],
    [
        &["press_minsk", "ru_deterrence_messaging"],
        &["condition_aid"],
    ],
    [
        &["fortify_north", "messaging_to_belarus"],
        &["redeploy_north"],
    ],
    [
        &["targeted_sanctions", "support_civil_society"],
        &["flank_exercises"],
    ],
];

impl Game {
    fn new(script: Script, seq: u64) -> Game {
        Game {
            script,
            phase: Phase::Lobby,
            turn: 0,
            step: 0,
            seq,
            ended: false,
            notes: 0,
        }
    }

    /// The next command and who sends it.
    fn next(&mut self) -> (Seat, Cmd) {
        if self.ended {
            return (0, self.note());
        }
        match (self.script, self.phase) {
            (_, Phase::Lobby) => (0, Cmd::Start),
            (Script::Broadcast, _) => {
                if self.step % 2 == 0 {
                    (0, self.note())
                } else {
                    (0, Cmd::Advance)
                }
            }
            (Script::Play, Phase::Decision) if self.step < SUBMITS_PER_TURN => {
                let team = self.step % TEAMS.len();
                let revision = self.step / TEAMS.len();
                let choices = PICKS[team][revision]
                    .iter()
                    .map(|o| ChoiceInput {
                        option: (*o).to_string(),
                        rationale: format!(
                            "Turn {}, revision {}: we choose {o} because the board says so; \
                             the load tool writes a rationale of ordinary length so that \
                             drafts, events and snapshots carry realistic text.",
                            self.turn,
                            revision + 1
                        ),
                    })
                    .collect();
                (
                    team + 1,
                    Cmd::Submit {
                        turn: self.turn,
                        choices,
                    },
                )
            }
            (Script::Play, _) => (0, Cmd::Advance),
        }
    }

    fn note(&mut self) -> Cmd {
        self.notes += 1;
        Cmd::Note {
            text: format!(
                "White Cell update {}: all teams, the situation develops as briefed.",
                self.notes
            ),
            public: true,
        }
    }

    /// The command from `next` was acknowledged with `seq`.
    fn acked(&mut self, command: &Cmd, seq: u64) {
        self.seq = seq;
        match command {
            Cmd::Start => {
                self.phase = Phase::Briefing;
                self.turn = 1;
                self.step = 0;
            }
            Cmd::Advance => {
                self.step = if self.script == Script::Broadcast {
                    self.step + 1
                } else {
                    0
                };
                self.phase = match self.phase {
                    Phase::Briefing => Phase::Decision,
                    Phase::Decision => Phase::Adjudication,
                    Phase::Adjudication => Phase::Review,
                    Phase::Review => {
                        self.turn += 1;
                        if self.turn > MAX_TURNS {
                            self.ended = true;
                        }
                        Phase::Briefing
                    }
                    other => other,
                };
            }
            _ => self.step += 1,
        }
    }

    /// The command from `next` was refused.
    fn refused(&mut self, code: &str) {
        match code {
            "session_ended" => self.ended = true,
            // Not a refusal of this command: try it again next time.
            "rate_limited" => {}
            // Keep the script moving rather than repeat a refused command forever.
            _ => self.step += 1,
        }
    }
}

fn command_json(command: &Cmd, r: &str) -> String {
    let body = serde_json::to_string(command).unwrap_or_else(|_| "{}".into());
    format!(r#"{{"ref":"{r}",{}"#, body.strip_prefix('{').unwrap_or("}"))
}

// ---------------------------------------------------------------------------
// WebSocket clients

#[derive(Default)]
struct Stats {
    sockets: usize,
    connect_failures: usize,
    connect_errors: BTreeMap<String, u64>,
    acks: u64,
    acks_total: u64,
    commands_total: u64,
    refused: BTreeMap<String, u64>,
    timeouts: u64,
    ack_us: Vec<u32>,
    bcast_us: Vec<u32>,
    events: u64,
    frames: u64,
    seq_violations: u64,
    behind: u64,
    drivers_stopped_early: u64,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.sockets += o.sockets;
        self.connect_failures += o.connect_failures;
        for (k, v) in o.connect_errors {
            *self.connect_errors.entry(k).or_default() += v;
        }
        self.acks += o.acks;
        self.acks_total += o.acks_total;
        self.commands_total += o.commands_total;
        for (k, v) in o.refused {
            *self.refused.entry(k).or_default() += v;
        }
        self.timeouts += o.timeouts;
        self.ack_us.extend(o.ack_us);
        self.bcast_us.extend(o.bcast_us);
        self.events += o.events;
        self.frames += o.frames;
        self.seq_violations += o.seq_violations;
        self.behind += o.behind;
        self.drivers_stopped_early += o.drivers_stopped_early;
    }
}

/// What the whole tool shares with its client threads.
struct Shared {
    connected: AtomicUsize,
    /// Sockets the server closed (or that failed) before the tool stopped them.
    lost: AtomicUsize,
    threads_ready: AtomicUsize,
}

/// The measured window, known to every client thread once the run starts.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    measure_from: Instant,
    end: Instant,
}

/// A command the driver gives a connection task to send; the reply comes back.
struct Out {
    text: String,
    r: String,
    reply: oneshot::Sender<Reply>,
}

#[derive(Debug)]
enum Reply {
    Ack(u64),
    Refused(String),
}

/// A command in flight or recently answered, to match events to it.
struct Sent {
    after: u64,
    at: Instant,
    measure: bool,
}

#[derive(Default)]
struct Track {
    log: VecDeque<Sent>,
    ended: bool,
}

#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(rename = "ref", default, borrow)]
    r: Option<Cow<'a, str>>,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
}

async fn connect(client: &awc::Client, port: u16, token: &str) -> Result<(Framed, u64), String> {
    let (_, mut framed) = client
        .ws(format!("ws://127.0.0.1:{port}/ws"))
        .max_frame_size(8 << 20)
        .connect()
        .await
        .map_err(|e| format!("connect: {e}"))?;
    framed
        .send(ws::Message::Text(
            format!(r#"{{"type":"auth","token":"{token}"}}"#).into(),
        ))
        .await
        .map_err(|e| format!("send auth: {e}"))?;
    let deadline = Instant::now() + REPLY_TIMEOUT;
    for _ in 0..1000 {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, framed.next())
            .await
            .map_err(|_| "no snapshot in time".to_string())?
            .ok_or("closed before the snapshot")?
            .map_err(|e| format!("read: {e}"))?;
        match frame {
            ws::Frame::Text(b) => {
                let f: Incoming =
                    serde_json::from_slice(&b).map_err(|e| format!("bad frame: {e}"))?;
                match f.ty.as_ref() {
                    "snapshot" => return Ok((framed, f.seq.unwrap_or(0))),
                    "error" => return Err(format!("auth refused: {:?}", f.code)),
                    _ => {}
                }
            }
            ws::Frame::Ping(p) => {
                let _ = framed.send(ws::Message::Pong(p)).await;
            }
            ws::Frame::Close(_) => return Err("closed before the snapshot".into()),
            _ => {}
        }
    }
    Err("no snapshot among the first frames".into())
}

struct ConnCtx {
    /// Team sockets measure broadcast latency; the facilitator's watches for the end.
    is_team: bool,
    track: Rc<RefCell<Track>>,
    stats: Rc<RefCell<Stats>>,
    shared: Arc<Shared>,
}

/// One socket: reads every frame (answering pings), sends what the driver asks,
/// and hands back the matching ack or error.
async fn conn_task(
    mut framed: Framed,
    mut rx: mpsc::Receiver<Out>,
    ctx: ConnCtx,
    mut stop: watch::Receiver<bool>,
) {
    let mut pending: Option<(String, oneshot::Sender<Reply>)> = None;
    let mut last_seq = 0u64;
    let mut stopping = false;
    loop {
        tokio::select! {
            frame = framed.next() => match frame {
                Some(Ok(ws::Frame::Text(b))) => {
                    let now = Instant::now();
                    let Ok(f) = serde_json::from_slice::<Incoming>(&b) else {
                        continue;
                    };
                    let mut stats = ctx.stats.borrow_mut();
                    stats.frames += 1;
                    match f.ty.as_ref() {
                        "event" => {
                            stats.events += 1;
                            let seq = f.seq.unwrap_or(0);
                            if seq <= last_seq {
                                stats.seq_violations += 1;
                            }
                            last_seq = seq;
                            if ctx.is_team {
                                let track = ctx.track.borrow();
                                if let Some(s) = track.log.iter().rev().find(|s| s.after < seq)
                                    && s.measure
                                {
                                    stats.bcast_us.push(micros(now - s.at));
                                }
                            } else if f.kind.as_deref() == Some("session_ended") {
                                ctx.track.borrow_mut().ended = true;
                            }
                        }
                        "ack" | "error" => {
                            let matches = match (&pending, &f.r) {
                                (Some((want, _)), Some(got)) => want == got,
                                // The rate limiter answers without a ref.
                                (Some(_), None) => f.code.as_deref() == Some("rate_limited"),
                                _ => false,
                            };
                            if matches && let Some((_, reply)) = pending.take() {
                                let r = if f.ty == "ack" {
                                    Reply::Ack(f.seq.unwrap_or(0))
                                } else {
                                    Reply::Refused(f.code.map(Cow::into_owned).unwrap_or_default())
                                };
                                let _ = reply.send(r);
                            } else if f.ty == "error" {
                                let code = f.code.as_deref().unwrap_or("?");
                                *stats.refused.entry(format!("unmatched {code}")).or_default() += 1;
                            }
                        }
                        _ => {}
                    }
                }
                Some(Ok(ws::Frame::Ping(p))) => {
                    if framed.send(ws::Message::Pong(p)).await.is_err() {
                        break;
                    }
                }
                Some(Ok(ws::Frame::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            out = rx.recv(), if !stopping => match out {
                Some(Out { text, r, reply }) => {
                    pending = Some((r, reply));
                    if framed.send(ws::Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                None => stopping = true,
            },
            _ = stop.changed() => {
                let _ = tokio::time::timeout(
                    Duration::from_secs(2),
                    framed.send(ws::Message::Close(Some(ws::CloseCode::Normal.into()))),
                )
                .await;
                return;
            }
        }
    }
    // The server closed the socket (or it failed) before the tool stopped it.
    ctx.shared.lost.fetch_add(1, Ordering::Relaxed);
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The five sockets of one session, as the driver sees them.
struct Table {
    index: usize,
    seats: Vec<mpsc::Sender<Out>>,
    track: Rc<RefCell<Track>>,
    start_seq: u64,
}

async fn connect_table(
    client: awc::Client,
    port: u16,
    creds: Creds,
    stats: Rc<RefCell<Stats>>,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    tasks: Rc<RefCell<Vec<actix_rt::task::JoinHandle<()>>>>,
) -> Option<Table> {
    let tokens: Vec<&String> = std::iter::once(&creds.facilitator)
        .chain(creds.teams.iter())
        .collect();
    let results =
        futures_util::future::join_all(tokens.iter().map(|t| connect(&client, port, t))).await;
    let track = Rc::new(RefCell::new(Track::default()));
    let mut seats = Vec::new();
    let mut start_seq = 0;
    let mut ok = true;
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok((framed, seq)) => {
                stats.borrow_mut().sockets += 1;
                shared.connected.fetch_add(1, Ordering::Relaxed);
                start_seq = start_seq.max(seq);
                let (tx, rx) = mpsc::channel(1);
                let ctx = ConnCtx {
                    is_team: i > 0,
                    track: track.clone(),
                    stats: stats.clone(),
                    shared: shared.clone(),
                };
                tasks
                    .borrow_mut()
                    .push(actix_rt::spawn(conn_task(framed, rx, ctx, stop.clone())));
                seats.push(tx);
            }
            Err(e) => {
                ok = false;
                let mut s = stats.borrow_mut();
                s.connect_failures += 1;
                let key: String = e.chars().take(60).collect();
                *s.connect_errors.entry(key).or_default() += 1;
            }
        }
    }
    ok.then_some(Table {
        index: creds.index,
        seats,
        track,
        start_seq,
    })
}

/// Plays one session: one command in flight at a time, paced at `rate` per second.
async fn drive(table: Table, script: Script, rate: f64, window: Window, stats: Rc<RefCell<Stats>>) {
    let interval = if rate > 0.0 {
        Duration::from_secs_f64(1.0 / rate)
    } else {
        Duration::ZERO
    };
    // Spread the sessions over one interval so they do not all fire together.
    let offset = (table.index as f64 * 0.618_033_988_75).fract();
    let mut next = window.start + interval.mul_f64(offset);
    let mut game = Game::new(script, table.start_seq);
    for n in 0..MAX_COMMANDS_PER_SESSION {
        let now = Instant::now();
        if next > now {
            tokio::time::sleep_until(next.into()).await;
        } else if rate > 0.0 && now - next > interval {
            stats.borrow_mut().behind += 1;
        }
        // At most one interval of catch-up: a late session sends at once, then paces on.
        next = next.max(now.checked_sub(interval).unwrap_or(now)) + interval;
        if Instant::now() >= window.end {
            return;
        }
        game.ended |= table.track.borrow().ended;
        let (seat, command) = game.next();
        let r = format!("c{n}");
        let text = command_json(&command, &r);
        let sent = Instant::now();
        {
            let mut track = table.track.borrow_mut();
            track.log.push_back(Sent {
                after: game.seq,
                at: sent,
                measure: seat == 0 && sent >= window.measure_from,
            });
            if track.log.len() > 16 {
                track.log.pop_front();
            }
        }
        let (reply, rx) = oneshot::channel();
        if table.seats[seat]
            .send(Out { text, r, reply })
            .await
            .is_err()
        {
            stats.borrow_mut().drivers_stopped_early += 1;
            return;
        }
        let answer = tokio::time::timeout(REPLY_TIMEOUT, rx).await;
        let done = Instant::now();
        let mut s = stats.borrow_mut();
        s.commands_total += 1;
        match answer {
            Ok(Ok(Reply::Ack(seq))) => {
                game.acked(&command, seq);
                s.acks_total += 1;
                if sent >= window.measure_from && done <= window.end {
                    s.acks += 1;
                    s.ack_us.push(micros(done - sent));
                }
            }
            Ok(Ok(Reply::Refused(code))) => {
                game.refused(&code);
                *s.refused.entry(code).or_default() += 1;
            }
            Ok(Err(_)) => {
                if done < window.end {
                    s.drivers_stopped_early += 1;
                }
                return;
            }
            Err(_) => {
                s.timeouts += 1;
                s.drivers_stopped_early += 1;
                return;
            }
        }
    }
}

/// One client thread: connects its sessions, then holds or plays them.
fn client_thread(
    port: u16,
    sessions: Vec<Creds>,
    args: Args,
    shared: Arc<Shared>,
    mut go: watch::Receiver<Option<Window>>,
    stop: watch::Receiver<bool>,
) -> Stats {
    actix_rt::System::new().block_on(async move {
        let stats = Rc::new(RefCell::new(Stats::default()));
        let tasks = Rc::new(RefCell::new(Vec::new()));
        let client = http_client();
        let tables: Vec<Option<Table>> = futures_util::stream::iter(sessions)
            .map(|c| {
                connect_table(
                    client.clone(),
                    port,
                    c,
                    stats.clone(),
                    shared.clone(),
                    stop.clone(),
                    tasks.clone(),
                )
            })
            .buffer_unordered(CONNECT_PARALLEL)
            .collect()
            .await;
        shared.threads_ready.fetch_add(1, Ordering::SeqCst);
        let mut stop = stop;
        let window = loop {
            if let Some(w) = *go.borrow_and_update() {
                break Some(w);
            }
            if *stop.borrow_and_update() {
                break None;
            }
            tokio::select! {
                r = go.changed() => if r.is_err() { break None },
                r = stop.changed() => if r.is_err() { break None },
            }
        };
        if let Some(window) = window {
            let script = if args.mode == Mode::Broadcast {
                Script::Broadcast
            } else {
                Script::Play
            };
            let drivers = tables
                .into_iter()
                .flatten()
                .map(|t| drive(t, script, args.rate, window, stats.clone()));
            futures_util::future::join_all(drivers).await;
        } else {
            drop(tables);
        }
        while !*stop.borrow_and_update() {
            if stop.changed().await.is_err() {
                break;
            }
        }
        let handles: Vec<_> = tasks.borrow_mut().drain(..).collect();
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            futures_util::future::join_all(handles),
        )
        .await;
        std::mem::take(&mut *stats.borrow_mut())
    })
}

// ---------------------------------------------------------------------------
// Reporting

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

/// Microseconds some task spent waiting (PSI "some total") for the CPU and for
/// I/O, machine-wide, so a run can say how contended the machine was.
fn pressure() -> (u64, u64) {
    let read = |what: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/pressure/{what}"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("some"))
                    .and_then(|l| l.split_whitespace().find_map(|w| w.strip_prefix("total=")))
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0)
    };
    (read("cpu"), read("io"))
}

/// The machine's CPU time so far, in clock ticks: (all, busy, stolen). "Stolen" is
/// time the hypervisor gave this virtual machine's CPUs to someone else.
fn cpu_ticks() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = at(0) + at(1) + at(2) + at(5) + at(6);
    (busy + at(3) + at(4) + at(7), busy, at(7))
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores, load average before the run {}",
        load.join(" ")
    )
}

// ---------------------------------------------------------------------------
// Modes with sockets: hold, throughput, broadcast

fn run_sockets(args: &Args) {
    let sockets = args.sessions * (1 + TEAMS.len());
    ensure_nofile(sockets as u64 + 1024);
    println!(
        "mode {:?}: {} sessions, {} sockets, {} client threads; machine: {}",
        args.mode,
        args.sessions,
        sockets,
        args.threads,
        machine()
    );
    println!("note: the load generator runs on the same cores as the server");
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = disk_sync_probe(dir.path());
    println!(
        "disk under the database (before the server starts): fdatasync of 4 KiB p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} syncs); every durable command waits for one",
        disk.p50, disk.p99, disk.max, disk.n
    );
    let db = dir.path().join("load.db");
    let limit = Duration::from_secs_f64(
        300.0 + sockets as f64 / 10.0 + 2.0 * (args.duration + args.warmup + args.settle),
    );
    let mut server = Server::spawn(&args.server_bin, &db, &dir.path().join("server.log"), limit);
    if let Err(e) = server.wait_healthy(Duration::from_secs(30)) {
        fail(&e);
    }
    let pid = server.pid;
    println!("server pid {pid}, port {}", server.port);
    let creds = setup_sessions(server.port, args.sessions);
    std::thread::sleep(Duration::from_secs_f64(args.settle.min(2.0)));
    let rss_before = rss_kib(pid);
    println!(
        "server RSS with {} sessions, no sockets: {rss_before} KiB",
        args.sessions
    );

    let shared = Arc::new(Shared {
        connected: AtomicUsize::new(0),
        lost: AtomicUsize::new(0),
        threads_ready: AtomicUsize::new(0),
    });
    let (go_tx, go_rx) = watch::channel(None::<Window>);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut per_thread: Vec<Vec<Creds>> = vec![Vec::new(); args.threads];
    for (i, c) in creds.into_iter().enumerate() {
        per_thread[i % args.threads].push(c);
    }
    let connect_started = Instant::now();
    let handles: Vec<_> = per_thread
        .into_iter()
        .enumerate()
        .map(|(i, sessions)| {
            let (args, shared, go, stop) =
                (args.clone(), shared.clone(), go_rx.clone(), stop_rx.clone());
            let port = server.port;
            std::thread::Builder::new()
                .name(format!("load-client-{i}"))
                .spawn(move || client_thread(port, sessions, args, shared, go, stop))
                .expect("client thread")
        })
        .collect();
    let connect_limit = Duration::from_secs(60 + sockets as u64 / 20);
    while shared.threads_ready.load(Ordering::SeqCst) < args.threads
        && connect_started.elapsed() < connect_limit
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let connected = shared.connected.load(Ordering::SeqCst);
    println!(
        "connected {connected}/{sockets} sockets in {:.1} s",
        connect_started.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs_f64(args.settle));
    let rss_idle = rss_kib(pid);
    let per_conn = (rss_idle.saturating_sub(rss_before)) as f64 / connected.max(1) as f64;
    println!(
        "server RSS with {connected} idle sockets: {rss_idle} KiB, {per_conn:.1} KiB per idle socket"
    );

    let start = Instant::now();
    let (measure_from, end) = if args.mode == Mode::Hold {
        (start, start + Duration::from_secs_f64(args.duration))
    } else {
        let m = start + Duration::from_secs_f64(args.warmup);
        (m, m + Duration::from_secs_f64(args.duration))
    };
    if args.mode != Mode::Hold {
        let _ = go_tx.send(Some(Window {
            start,
            measure_from,
            end,
        }));
    }
    let mut rss_peak = rss_idle;
    let wait_until = |t: Instant, peak: &mut u64| {
        while Instant::now() < t {
            std::thread::sleep(
                t.saturating_duration_since(Instant::now())
                    .min(Duration::from_secs(1)),
            );
            *peak = (*peak).max(rss_kib(pid));
        }
    };
    wait_until(measure_from, &mut rss_peak);
    let (cpu_at, server_cpu0, client_cpu0) =
        (Instant::now(), cpu_secs(&pid.to_string()), cpu_secs("self"));
    let pressure0 = pressure();
    let ticks0 = cpu_ticks();
    wait_until(end, &mut rss_peak);
    let pressure1 = pressure();
    let ticks1 = cpu_ticks();
    let held = connected.saturating_sub(shared.lost.load(Ordering::SeqCst));
    let wall = cpu_at.elapsed().as_secs_f64().max(1e-9);
    let server_busy = (cpu_secs(&pid.to_string()) - server_cpu0) / wall;
    let client_busy = (cpu_secs("self") - client_cpu0) / wall;
    let cpu_wait = (pressure1.0.saturating_sub(pressure0.0)) as f64 / 1e6 / wall * 100.0;
    let io_wait = (pressure1.1.saturating_sub(pressure0.1)) as f64 / 1e6 / wall * 100.0;
    let all_ticks = ticks1.0.saturating_sub(ticks0.0).max(1) as f64;
    let stolen = ticks1.2.saturating_sub(ticks0.2) as f64 / all_ticks * 100.0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let machine_busy = ticks1.1.saturating_sub(ticks0.1) as f64 / all_ticks * cores;
    let others = (machine_busy - server_busy - client_busy).max(0.0);
    let rss_end = rss_kib(pid);
    // Let the drivers' last commands finish, then close everything.
    std::thread::sleep(Duration::from_millis(500));
    let _ = stop_tx.send(true);
    let mut stats = Stats::default();
    for h in handles {
        if let Ok(s) = h.join() {
            stats.merge(s);
        }
    }
    server.stop();
    if let Some(keep) = &args.server_log {
        let _ = std::fs::copy(&server.log, keep);
    }
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    let server_warnings = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .count();

    println!("---");
    println!(
        "sockets: {connected} connected, {held} still held at the end ({} connect failures{})",
        stats.connect_failures,
        if stats.connect_errors.is_empty() {
            String::new()
        } else {
            format!(": {:?}", stats.connect_errors)
        }
    );
    println!(
        "CPU during the window: server {:.2} cores, load generator {:.2} cores (of {})",
        server_busy,
        client_busy,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "machine pressure in the window (PSI): some task waited for CPU {cpu_wait:.0}% and for I/O {io_wait:.0}% of the time"
    );
    println!(
        "rest of the machine in the window: other processes and the kernel {others:.2} cores; stolen by the hypervisor {stolen:.1}% of CPU time"
    );
    println!(
        "server RSS: before sockets {rss_before} KiB, idle sockets {rss_idle} KiB, peak {rss_peak} KiB, end {rss_end} KiB"
    );
    println!("server log: {server_warnings} WARN/ERROR lines");
    let mut result = format!(
        "RESULT mode={:?} sessions={} sockets={connected} held={held} rss_before_kib={rss_before} rss_idle_kib={rss_idle} kib_per_idle_socket={per_conn:.1} rss_peak_kib={rss_peak} server_cores={server_busy:.2} client_cores={client_busy:.2} cpu_pressure_pct={cpu_wait:.0} io_pressure_pct={io_wait:.0} other_cores={others:.2} steal_pct={stolen:.1} disk_sync_p99_ms={:.2}",
        args.mode, args.sessions, disk.p99
    );
    if args.mode != Mode::Hold {
        let secs = args.duration.max(1e-9);
        stats.ack_us.sort_unstable();
        stats.bcast_us.sort_unstable();
        let rate = stats.acks as f64 / secs;
        let (a50, a99) = (pct(&stats.ack_us, 0.50), pct(&stats.ack_us, 0.99));
        let (b50, b99) = (pct(&stats.bcast_us, 0.50), pct(&stats.bcast_us, 0.99));
        println!(
            "commands: offered {:.0}/s, {} acks in the {:.0} s window = {rate:.0} durable commands/s; {} sent in all, {} acked",
            args.rate * args.sessions as f64,
            stats.acks,
            secs,
            stats.commands_total,
            stats.acks_total
        );
        println!(
            "refused: {:?}; timeouts {}; drivers stopped early {}; sends behind schedule {}",
            stats.refused, stats.timeouts, stats.drivers_stopped_early, stats.behind
        );
        println!(
            "ack latency (send -> ack): p50 {a50:.2} ms, p99 {a99:.2} ms, max {:.2} ms ({} samples)",
            pct(&stats.ack_us, 1.0),
            stats.ack_us.len()
        );
        println!(
            "broadcast latency (facilitator command sent -> event at a team socket): p50 {b50:.2} ms, p99 {b99:.2} ms, max {:.2} ms ({} samples)",
            pct(&stats.bcast_us, 1.0),
            stats.bcast_us.len()
        );
        println!(
            "frames received {}, events {}, seq order violations {}",
            stats.frames, stats.events, stats.seq_violations
        );
        result.push_str(&format!(
            " rate={} acks_per_s={rate:.0} ack_p50_ms={a50:.2} ack_p99_ms={a99:.2} bcast_p50_ms={b50:.2} bcast_p99_ms={b99:.2} timeouts={} seq_violations={}",
            args.rate, stats.timeouts, stats.seq_violations
        ));
        match args.mode {
            Mode::Throughput => println!(
                "target >= 2000 durable commands/s with ack p99 <= 25 ms: {}",
                verdict(rate >= 2000.0 && a99 <= 25.0)
            ),
            _ if args.rate == 1.0 && args.sessions >= 1000 => println!(
                "target broadcast p99 <= 5 ms at 1 command/s/session: {}",
                verdict(b99 <= 5.0)
            ),
            _ => {
                println!("target broadcast p99 <= 5 ms: n/a (measured at --sessions 1000 --rate 1)")
            }
        }
    } else {
        println!(
            "target 5000 sockets held: {}; <= 40 KiB per idle socket: {}",
            if args.sessions >= 1000 {
                verdict(held >= 5000)
            } else {
                "n/a (run with --sessions 1000)"
            },
            verdict(per_conn <= 40.0)
        );
    }
    println!("{result}");
}

struct DiskProbe {
    n: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

/// Times `fdatasync` of 4 KiB overwrites in `dir`, paced like a lightly loaded
/// writer (2 ms apart): the floor under every durable command's latency on this
/// disk, measured so that a run's tail can be read against it.
fn disk_sync_probe(dir: &Path) -> DiskProbe {
    const SYNCS: usize = 500;
    const FILE: u64 = 1 << 20;
    let path = dir.join("sync-probe");
    let mut us = Vec::with_capacity(SYNCS);
    let mut probe = || -> std::io::Result<()> {
        let mut f = std::fs::File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)?;
        f.write_all(&vec![0u8; FILE as usize])?;
        f.sync_all()?;
        let block = [7u8; 4096];
        for i in 0..SYNCS {
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start((i as u64 * 4096) % FILE))?;
            f.write_all(&block)?;
            let t = Instant::now();
            f.sync_data()?;
            us.push(micros(t.elapsed()));
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    };
    if let Err(e) = probe() {
        println!("disk probe failed: {e}");
    }
    let _ = std::fs::remove_file(&path);
    us.sort_unstable();
    DiskProbe {
        n: us.len(),
        p50: pct(&us, 0.50),
        p99: pct(&us, 0.99),
        max: pct(&us, 1.0),
    }
}

// ---------------------------------------------------------------------------
// Restart: fill a database directly, then time the real binary

fn fill(db: &Path, sessions: usize, events: usize) -> (usize, usize) {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/belarus-2025.toml"
    ));
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

fn run_restart(args: &Args) {
    println!(
        "mode Restart: {} stored events over {} sessions; machine: {}",
        args.events,
        args.sessions,
        machine()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| dir.path().join("restart.db"));
    let started = Instant::now();
    let (sessions, stored) = if db.exists() {
        let conn = rusqlite::Connection::open(&db).unwrap_or_else(|e| fail(&e.to_string()));
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
        let filled = fill(&db, args.sessions, args.events);
        println!(
            "filled {} events in {} sessions in {:.1} s",
            filled.1,
            filled.0,
            started.elapsed().as_secs_f64()
        );
        filled
    };
    let db_size = std::fs::metadata(&db).map_or(0, |m| m.len());
    println!("database: {:.1} MiB", db_size as f64 / (1 << 20) as f64);
    let mut times = Vec::new();
    let mut logged = Vec::new();
    for run in 0..args.restarts {
        let mut server = Server::spawn(
            &args.server_bin,
            &db,
            &dir.path().join(format!("restart-{run}.log")),
            Duration::from_secs(300),
        );
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
        times.push(t.as_secs_f64() * 1000.0);
        logged.push(ms.unwrap_or(0) as f64);
    }
    // The replay command agrees with the stored state hash.
    for id in ["fill000000".to_string(), format!("fill{:06}", sessions - 1)] {
        let out = Command::new(&args.server_bin)
            .args(["replay", "--db"])
            .arg(&db)
            .args(["--session", &id])
            .output()
            .expect("run wargame replay");
        if !out.status.success() {
            fail(&format!(
                "wargame replay {id}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    println!("wargame replay agrees with the stored hash (first and last session)");
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
        Mode::Restart => run_restart(&args),
        _ => run_sockets(&args),
    }
}
