//! The command line: `load [options]`, every option with a default.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Hold,
    Throughput,
    Broadcast,
    Chat,
    Restart,
}

#[derive(Debug, Clone)]
pub struct Args {
    pub mode: Mode,
    pub sessions: usize,
    pub duration: f64,
    pub rate: f64,
    pub say_every: f64,
    pub threads: usize,
    pub warmup: f64,
    pub settle: f64,
    pub events: usize,
    pub restarts: usize,
    pub server_log: Option<PathBuf>,
    pub server_bin: PathBuf,
    pub db: Option<PathBuf>,
}

pub const USAGE: &str = "\
usage: load [options]   (build first: cargo build --release; run target/release/load)
  --mode hold|throughput|broadcast|chat|restart   (default throughput)
  --sessions S      sessions, each 1 facilitator + 4 team sockets (default 1000);
                    restart: the sessions the events are spread over
  --duration SECS   measured time (default 30; hold: time held idle)
  --rate R          commands per second per session (throughput 2, broadcast and
                    chat 1: the facilitator's; 0 = as fast as acks come back, one
                    command in flight per session)
  --say-every SECS  chat: each team seat posts one message every SECS (default 5)
  --threads N       client threads, one actix System each (default 2)
  --warmup SECS     unmeasured time before the window (default 3)
  --settle SECS     idle time before RSS is read (default 5)
  --events N        restart: stored events to fill (default 200000)
  --restarts N      restart: how many times to time the restart (default 5)
  --server-log FILE keep a copy of the server's log (RUST_LOG sets its filter)
  --server-bin FILE run another wargame binary (to compare builds; default: the
                    `wargame` next to this tool, i.e. target/release/wargame)
  --db FILE         restart: use this database, filling it first only if it does not exist";

/// The arguments, or an error to print with the usage (empty for `--help`).
pub fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        mode: Mode::Throughput,
        sessions: 1000,
        duration: 30.0,
        rate: f64::NAN,
        say_every: 5.0,
        threads: 2,
        warmup: 3.0,
        settle: 5.0,
        events: 200_000,
        restarts: 5,
        server_log: None,
        server_bin: default_server_bin(),
        db: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
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
                    "chat" => Mode::Chat,
                    "restart" => Mode::Restart,
                    other => return Err(format!("unknown mode `{other}`")),
                }
            }
            "--sessions" => a.sessions = num(&value)? as usize,
            "--duration" => a.duration = num(&value)?,
            "--rate" => a.rate = num(&value)?,
            "--say-every" => a.say_every = num(&value)?,
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
        a.rate = match a.mode {
            Mode::Broadcast | Mode::Chat => 1.0,
            _ => 2.0,
        };
    }
    if !a.server_bin.is_file() {
        return Err(format!(
            "no server binary at {}: build it with `cargo build --release`, or name one with --server-bin",
            a.server_bin.display()
        ));
    }
    if a.say_every < 0.1 {
        return Err("--say-every must be at least 0.1 seconds".into());
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

/// The `wargame` binary built beside this tool (`cargo build --release` builds both
/// into `target/release/`).
fn default_server_bin() -> PathBuf {
    let name = format!("wargame{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
        .unwrap_or_else(|| PathBuf::from(name))
}
