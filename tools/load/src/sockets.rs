//! The modes with sockets: hold, throughput, broadcast and chat. One server, S sessions x 5
//! sockets spread over the client threads; RSS before and after the sockets connect,
//! then a measured window with the machine's CPU, pressure and steal.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::args::{Args, Mode};
use crate::client::Shared;
use crate::driver::{Stats, Window, client_thread};
use crate::machine::{
    cpu_secs, cpu_ticks, disk_sync_probe, ensure_nofile, machine, pressure, rss_kib,
};
use crate::server::{Server, fail};
use crate::setup::{Creds, setup_sessions};
use crate::{TEAMS, pct, verdict};

/// Runs the hold, throughput, broadcast or chat mode.
pub fn run(args: &Args) {
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
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
    let disk = disk_sync_probe(dir.path());
    println!(
        "disk under the database (before the server starts): fdatasync of 4 KiB p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} syncs); every durable command waits for one",
        disk.p50, disk.p99, disk.max, disk.n
    );
    let mut server = start_server(args, dir.path(), sockets);
    let pid = server.pid;
    println!("server pid {pid}, port {}", server.port);
    let creds = setup_sessions(server.port, args.sessions);
    std::thread::sleep(Duration::from_secs_f64(args.settle.min(2.0)));
    let rss_before = rss_kib(pid);
    println!(
        "server RSS with {} sessions, no sockets: {rss_before} KiB",
        args.sessions
    );

    let clients = Clients::start(args, server.port, creds);
    let connected = clients.wait_connected(args.threads, sockets);
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
        clients.go(Window {
            start,
            measure_from,
            end,
        });
    }
    let usage = Usage::measure(pid, measure_from, end, rss_idle);
    let held = connected.saturating_sub(clients.shared.lost.load(Ordering::SeqCst));
    let rss_end = rss_kib(pid);
    // Let the drivers' last commands finish, then close everything.
    std::thread::sleep(Duration::from_millis(500));
    let mut stats = clients.stop();
    let server_warnings = stop_server(&mut server, args);

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
    usage.print();
    println!(
        "server RSS: before sockets {rss_before} KiB, idle sockets {rss_idle} KiB, peak {} KiB, end {rss_end} KiB",
        usage.rss_peak
    );
    println!("server log: {server_warnings} WARN/ERROR lines");
    let mut result = format!(
        "RESULT mode={:?} sessions={} sockets={connected} held={held} rss_before_kib={rss_before} rss_idle_kib={rss_idle} kib_per_idle_socket={per_conn:.1} {} disk_sync_p99_ms={:.2}",
        args.mode,
        args.sessions,
        usage.result_fields(),
        disk.p99
    );
    if args.mode != Mode::Hold {
        result.push_str(&commands_report(args, &mut stats));
        if args.mode == Mode::Chat {
            result.push_str(&chat_report(args, &mut stats));
        }
    } else {
        hold_verdict(args, held, per_conn);
    }
    println!("{result}");
}

/// Stops the server, keeps its log if asked; the log's WARN and ERROR lines.
fn stop_server(server: &mut Server, args: &Args) -> usize {
    server.stop();
    if let Some(keep) = &args.server_log {
        let _ = std::fs::copy(&server.log, keep);
    }
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    log.lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .count()
}

fn hold_verdict(args: &Args, held: usize, per_conn: f64) {
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

/// A server on a fresh database in `dir`, answering `/healthz`.
fn start_server(args: &Args, dir: &Path, sockets: usize) -> Server {
    let db = dir.join("load.db");
    let limit = Duration::from_secs_f64(
        300.0 + sockets as f64 / 10.0 + 2.0 * (args.duration + args.warmup + args.settle),
    );
    let mut server = Server::spawn(&args.server_bin, &db, &dir.join("server.log"), limit);
    if let Err(e) = server.wait_healthy(Duration::from_secs(30)) {
        fail(&e);
    }
    server
}

/// The client threads, and the channels that start and stop them.
struct Clients {
    handles: Vec<JoinHandle<Stats>>,
    shared: Arc<Shared>,
    go: watch::Sender<Option<Window>>,
    stop: watch::Sender<bool>,
}

impl Clients {
    /// One thread per `--threads`, the sessions dealt among them; each connects its
    /// sockets and waits for the window.
    fn start(args: &Args, port: u16, creds: Vec<Creds>) -> Clients {
        let shared = Arc::new(Shared {
            connected: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
            threads_ready: AtomicUsize::new(0),
        });
        let (go, go_rx) = watch::channel(None::<Window>);
        let (stop, stop_rx) = watch::channel(false);
        let mut per_thread: Vec<Vec<Creds>> = vec![Vec::new(); args.threads];
        for (i, c) in creds.into_iter().enumerate() {
            per_thread[i % args.threads].push(c);
        }
        let handles = per_thread
            .into_iter()
            .enumerate()
            .map(|(i, sessions)| {
                let (args, shared, go, stop) =
                    (args.clone(), shared.clone(), go_rx.clone(), stop_rx.clone());
                std::thread::Builder::new()
                    .name(format!("load-client-{i}"))
                    .spawn(move || client_thread(port, sessions, args, shared, go, stop))
                    .unwrap_or_else(|e| fail(&format!("client thread: {e}")))
            })
            .collect();
        Clients {
            handles,
            shared,
            go,
            stop,
        }
    }

    /// Waits until every thread has connected its sockets (or a time limit passes);
    /// the sockets connected.
    fn wait_connected(&self, threads: usize, sockets: usize) -> usize {
        let started = Instant::now();
        let limit = Duration::from_secs(60 + sockets as u64 / 20);
        while self.shared.threads_ready.load(Ordering::SeqCst) < threads
            && started.elapsed() < limit
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        let connected = self.shared.connected.load(Ordering::SeqCst);
        println!(
            "connected {connected}/{sockets} sockets in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        connected
    }

    /// Starts the drivers.
    fn go(&self, window: Window) {
        let _ = self.go.send(Some(window));
    }

    /// Closes every socket and collects the threads' counts.
    fn stop(self) -> Stats {
        let _ = self.stop.send(true);
        let mut stats = Stats::default();
        for h in self.handles {
            if let Ok(s) = h.join() {
                stats.merge(s);
            }
        }
        stats
    }
}

/// The machine during the measured window.
struct Usage {
    rss_peak: u64,
    /// Cores used by the server, by this tool, and by everything else.
    server_busy: f64,
    client_busy: f64,
    others: f64,
    /// PSI: the share of the time some task waited for the CPU, for I/O.
    cpu_wait: f64,
    io_wait: f64,
    /// The share of CPU time the hypervisor gave to someone else.
    stolen: f64,
}

impl Usage {
    /// Waits until `end`, reading the server's RSS once a second (its peak starts at
    /// `rss`) and the machine's counters from `measure_from` on.
    fn measure(pid: u32, measure_from: Instant, end: Instant, rss: u64) -> Usage {
        let mut rss_peak = rss;
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
        let wall = cpu_at.elapsed().as_secs_f64().max(1e-9);
        let server_busy = (cpu_secs(&pid.to_string()) - server_cpu0) / wall;
        let client_busy = (cpu_secs("self") - client_cpu0) / wall;
        let all_ticks = ticks1.0.saturating_sub(ticks0.0).max(1) as f64;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let machine_busy = ticks1.1.saturating_sub(ticks0.1) as f64 / all_ticks * cores;
        Usage {
            rss_peak,
            server_busy,
            client_busy,
            others: (machine_busy - server_busy - client_busy).max(0.0),
            cpu_wait: (pressure1.0.saturating_sub(pressure0.0)) as f64 / 1e6 / wall * 100.0,
            io_wait: (pressure1.1.saturating_sub(pressure0.1)) as f64 / 1e6 / wall * 100.0,
            stolen: ticks1.2.saturating_sub(ticks0.2) as f64 / all_ticks * 100.0,
        }
    }

    fn print(&self) {
        println!(
            "CPU during the window: server {:.2} cores, load generator {:.2} cores (of {})",
            self.server_busy,
            self.client_busy,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "machine pressure in the window (PSI): some task waited for CPU {:.0}% and for I/O {:.0}% of the time",
            self.cpu_wait, self.io_wait
        );
        println!(
            "rest of the machine in the window: other processes and the kernel {:.2} cores; stolen by the hypervisor {:.1}% of CPU time",
            self.others, self.stolen
        );
    }

    /// Its part of the RESULT line.
    fn result_fields(&self) -> String {
        format!(
            "rss_peak_kib={} server_cores={:.2} client_cores={:.2} cpu_pressure_pct={:.0} io_pressure_pct={:.0} other_cores={:.2} steal_pct={:.1}",
            self.rss_peak,
            self.server_busy,
            self.client_busy,
            self.cpu_wait,
            self.io_wait,
            self.others,
            self.stolen
        )
    }
}

/// Prints what the drivers measured and the target's verdict; returns the RESULT
/// line's fields for it.
fn commands_report(args: &Args, stats: &mut Stats) -> String {
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
    match args.mode {
        Mode::Throughput => println!(
            "target >= 2000 durable commands/s with ack p99 <= 25 ms: {}",
            verdict(rate >= 2000.0 && a99 <= 25.0)
        ),
        Mode::Chat => println!(
            "broadcast p99 with the chat running: {b99:.2} ms (the 5 ms target is stated for broadcast mode alone)"
        ),
        _ if args.rate == 1.0 && args.sessions >= 1000 => println!(
            "target broadcast p99 <= 5 ms at 1 command/s/session: {}",
            verdict(b99 <= 5.0)
        ),
        _ => {
            println!("target broadcast p99 <= 5 ms: n/a (measured at --sessions 1000 --rate 1)")
        }
    }
    format!(
        " rate={} acks_per_s={rate:.0} ack_p50_ms={a50:.2} ack_p99_ms={a99:.2} bcast_p50_ms={b50:.2} bcast_p99_ms={b99:.2} timeouts={} seq_violations={}",
        args.rate, stats.timeouts, stats.seq_violations
    )
}

/// Prints what the chat measured (the teams' `say` commands and their delivery) and
/// whether it ran clean; returns the RESULT line's fields for it.
fn chat_report(args: &Args, stats: &mut Stats) -> String {
    let secs = args.duration.max(1e-9);
    stats.say_ack_us.sort_unstable();
    stats.deliver_us.sort_unstable();
    let says = stats.say_acks as f64 / secs;
    let (a50, a99) = (pct(&stats.say_ack_us, 0.50), pct(&stats.say_ack_us, 0.99));
    let (d50, d99, dmax) = (
        pct(&stats.deliver_us, 0.50),
        pct(&stats.deliver_us, 0.99),
        pct(&stats.deliver_us, 1.0),
    );
    let rate_limited = stats.say_refused.get("rate_limited").copied().unwrap_or(0);
    let say_errors: u64 = stats.say_refused.values().sum::<u64>() + stats.say_timeouts;
    println!(
        "chat: offered {:.0} messages/s (4 team seats x {} sessions, one every {} s each), {} acks in the window = {says:.0} messages/s; {} sent in all, {} acked",
        (TEAMS.len() * args.sessions) as f64 / args.say_every,
        args.sessions,
        args.say_every,
        stats.say_acks,
        stats.says_total,
        stats.say_acks_total
    );
    println!(
        "say refused: {:?} (rate_limited {rate_limited}); say timeouts {}; posts behind schedule {}",
        stats.say_refused, stats.say_timeouts, stats.say_behind
    );
    println!(
        "say ack latency (send -> ack): p50 {a50:.2} ms, p99 {a99:.2} ms, max {:.2} ms ({} samples)",
        pct(&stats.say_ack_us, 1.0),
        stats.say_ack_us.len()
    );
    println!(
        "delivery latency (say sent -> message_posted at each other seat of the channel, the facilitator included): p50 {d50:.2} ms, p99 {d99:.2} ms, max {dmax:.2} ms ({} samples)",
        stats.deliver_us.len()
    );
    println!(
        "deliveries: {} received; {} messages not heard by every seat when the sockets closed ({} of them sent in the window); {} message frames matching no say",
        stats.deliveries, stats.undelivered, stats.undelivered_measured, stats.deliveries_unknown
    );
    let clean = say_errors == 0 && stats.undelivered == 0 && stats.deliveries_unknown == 0;
    println!(
        "check: no say refused (rate_limited must be 0 at one message per 3 s or slower) or timed out, every message delivered once: {}",
        verdict(clean)
    );
    format!(
        " say_every={} says_per_s={says:.0} say_ack_p50_ms={a50:.2} say_ack_p99_ms={a99:.2} deliver_p50_ms={d50:.2} deliver_p99_ms={d99:.2} deliver_max_ms={dmax:.2} deliveries={} undelivered={} rate_limited={rate_limited} say_errors={say_errors}",
        args.say_every, stats.deliveries, stats.undelivered
    )
}
