//! The client threads: each connects its share of the sessions (five sockets each),
//! then holds them or drives one command at a time per session at the given rate.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot, watch};

use crate::args::{Args, Mode};
use crate::chat::chat;
use crate::client::{ConnCtx, Out, REPLY_TIMEOUT, Reply, Sent, Shared, Track, conn_task, connect};
use crate::game::{Game, Script, command_json};
use crate::micros;
use crate::setup::{Creds, http_client};

/// Sessions whose sockets connect at the same time, per client thread.
const CONNECT_PARALLEL: usize = 24;
/// Most commands one session driver sends, whatever the rate and duration.
const MAX_COMMANDS_PER_SESSION: u64 = 1_000_000;

/// What one client thread counted and measured (latencies in microseconds).
#[derive(Default)]
pub struct Stats {
    pub sockets: usize,
    pub connect_failures: usize,
    pub connect_errors: BTreeMap<String, u64>,
    pub acks: u64,
    pub acks_total: u64,
    pub commands_total: u64,
    pub refused: BTreeMap<String, u64>,
    pub timeouts: u64,
    pub ack_us: Vec<u32>,
    pub bcast_us: Vec<u32>,
    pub events: u64,
    pub frames: u64,
    pub seq_violations: u64,
    pub behind: u64,
    pub drivers_stopped_early: u64,
    /// Chat mode: the teams' `say` commands, sent and answered like the above.
    pub says_total: u64,
    pub say_acks: u64,
    pub say_acks_total: u64,
    pub say_ack_us: Vec<u32>,
    pub say_refused: BTreeMap<String, u64>,
    pub say_timeouts: u64,
    pub say_behind: u64,
    /// `message_posted` frames at seats other than the sender's, matched to a `say`;
    /// the latencies of those whose `say` was sent in the window.
    pub deliveries: u64,
    pub deliver_us: Vec<u32>,
    /// `message_posted` frames that match no `say` waiting for them.
    pub deliveries_unknown: u64,
    /// Acknowledged messages still missing at some seat when the sockets closed: all,
    /// and those sent in the window.
    pub undelivered: u64,
    pub undelivered_measured: u64,
}

impl Stats {
    pub fn merge(&mut self, o: Stats) {
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
        self.says_total += o.says_total;
        self.say_acks += o.say_acks;
        self.say_acks_total += o.say_acks_total;
        self.say_ack_us.extend(o.say_ack_us);
        for (k, v) in o.say_refused {
            *self.say_refused.entry(k).or_default() += v;
        }
        self.say_timeouts += o.say_timeouts;
        self.say_behind += o.say_behind;
        self.deliveries += o.deliveries;
        self.deliver_us.extend(o.deliver_us);
        self.deliveries_unknown += o.deliveries_unknown;
        self.undelivered += o.undelivered;
        self.undelivered_measured += o.undelivered_measured;
    }
}

/// The measured window, known to every client thread once the run starts.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub measure_from: Instant,
    pub end: Instant,
}

/// The five sockets of one session, as the drivers see them.
pub struct Table {
    pub index: usize,
    pub seats: Vec<mpsc::Sender<Out>>,
    pub track: Rc<RefCell<Track>>,
    pub start_seq: u64,
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
                    seat: i,
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
async fn drive(
    table: Rc<Table>,
    script: Script,
    rate: f64,
    window: Window,
    stats: Rc<RefCell<Stats>>,
) {
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
pub fn client_thread(
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
        let tables: Vec<Rc<Table>> = tables.into_iter().flatten().map(Rc::new).collect();
        if let Some(window) = window {
            let script = if args.mode == Mode::Throughput {
                Script::Play
            } else {
                Script::Broadcast
            };
            let drivers = tables
                .iter()
                .map(|t| drive(t.clone(), script, args.rate, window, stats.clone()));
            if args.mode == Mode::Chat {
                let every = Duration::from_secs_f64(args.say_every);
                let chatters = tables.iter().flat_map(|t| {
                    (1..t.seats.len())
                        .map(|seat| chat(t.clone(), seat, every, window, stats.clone()))
                });
                futures_util::future::join(
                    futures_util::future::join_all(drivers),
                    futures_util::future::join_all(chatters),
                )
                .await;
            } else {
                futures_util::future::join_all(drivers).await;
            }
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
        let mut stats = std::mem::take(&mut *stats.borrow_mut());
        for t in &tables {
            for said in t.track.borrow().said.values() {
                stats.undelivered += 1;
                stats.undelivered_measured += u64::from(said.measure);
            }
        }
        stats
    })
}
