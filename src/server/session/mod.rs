//! One task per session owns its engine state; everything else talks to it through
//! a bounded channel and a cloneable [`SessionHandle`].
//!
//! **Invariant:** save, then acknowledge, then broadcast. A command's events are
//! committed to the store before its reply is sent, and only then fanned out to
//! the connected seats, each filtered by `engine::visible`. Both are handed out by
//! the store's writer thread the moment the commit returns (a [`Release`] the task
//! prepared); the sender's own connection is busy awaiting the reply, so on its
//! socket the ack always precedes the events.
//!
//! **Invariant:** the task's state is always what the store holds, or (after a
//! write whose outcome it never heard) a prefix of it: events are applied to the
//! state only once they are committed. While a write is in flight, commands wait
//! in order behind it, and everything else (snapshots, presence, the lobby, the
//! odds preview) is answered from the stored state.
//!
//! **The late-commit rule.** A write not committed within the store's bound is
//! answered `unavailable`. If the writer had not started it, it is cancelled and
//! never written: nothing changed. If it had, its outcome still comes: once
//! committed, its events reach every seat in order (connections that subscribed
//! meanwhile included) and the task applies them, exactly the events the store
//! took after the seq it expected; if it failed, nothing changed. Commands that
//! waited behind it longer than the bound are answered `unavailable` without
//! being decided.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::mpsc;

mod handle;

pub(super) use handle::unsaved;
pub use handle::{CommandError, Seat, SessionHandle};
use handle::{Msg, unconfirmed};

use super::clock::now_ms;
pub use super::fanout::Frame;
use super::fanout::{self, Ack, Dropped, Release, SharedAck};
use super::ids::Role;
use super::protocol::{Presence, PresenceSeat, Ref, ServerFrame, Snapshot};
use super::state::TokenRegistry;
use crate::engine::{self, Actor, Command, Event, EventBody, State, Viewer};
use crate::store::{OnCommit, PendingWrite, SeatRow, Store, StoreError};

/// Frames waiting for one connection; a client that lets this fill is dropped.
pub const OUTBOUND_QUEUE: usize = 256;
/// Commands waiting for one session.
const INBOX: usize = 256;

struct Subscriber {
    actor: Actor,
    viewer: Viewer,
    tx: mpsc::Sender<Frame>,
}

/// A write handed to the store and not yet answered by it.
struct InFlight {
    pending: PendingWrite,
    events: Vec<Event>,
    /// The state after the events, when it was needed for a checkpoint hash.
    next: Option<State>,
    checkpoint: bool,
    ack: SharedAck,
    /// Set by the writer thread at the commit, before the ack goes out.
    committed: Arc<AtomicBool>,
    dropped: Dropped,
    /// Connections that subscribed meanwhile: their snapshot is from before these
    /// events, so the task sends them the events once they are committed.
    late: Vec<u64>,
    /// The bound ran out and the sender was answered `unavailable`.
    gave_up: bool,
}

struct SessionTask {
    id: String,
    join_code: String,
    store: Store,
    tokens: Arc<TokenRegistry>,
    state: State,
    subscribers: HashMap<u64, Subscriber>,
    last_seen: HashMap<String, i64>,
    facilitator_seen: Option<i64>,
    /// A timer deadline we already tried to act on, so a refused expiry is not retried.
    timer_tried: Option<i64>,
    /// The store may hold more than the state: a write's outcome was never heard.
    /// The state is re-read before the next command.
    stale: bool,
    /// The seq of the last state hash stored.
    hashed_at: u64,
    writing: Option<InFlight>,
    /// Writes that came in while another was in flight, in order, each with the
    /// time it is answered `unavailable` if still waiting.
    waiting: VecDeque<(Instant, Msg)>,
    /// Most seats (players and observers) the session takes; 0: no limit.
    max_players: u32,
}

/// Most events between two stored state hashes. Every phase change stores one too.
const HASH_EVERY: u64 = 64;

/// Starts the task that owns `state`, a session stored in `store`.
pub fn spawn(
    store: Store,
    tokens: Arc<TokenRegistry>,
    id: String,
    join_code: String,
    state: State,
    max_players: u32,
) -> SessionHandle {
    let (tx, rx) = mpsc::channel(INBOX);
    let task = SessionTask {
        id,
        join_code,
        store,
        tokens,
        subscribers: HashMap::new(),
        last_seen: HashMap::new(),
        facilitator_seen: None,
        timer_tried: None,
        stale: false,
        hashed_at: state.seq,
        state,
        writing: None,
        waiting: VecDeque::new(),
        max_players,
    };
    tokio::spawn(task.run(rx));
    SessionHandle { tx }
}

fn player_of(actor: &Actor) -> Option<&str> {
    match actor {
        Actor::Team { player, .. } | Actor::Observer { player } => Some(player),
        _ => None,
    }
}

async fn outcome(writing: &mut Option<InFlight>) -> Result<u64, StoreError> {
    match writing {
        Some(w) => w.pending.outcome().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

impl SessionTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        loop {
            self.take_commit().await;
            // Writes that waited for the one in flight go first, in order.
            if self.writing.is_none()
                && let Some((_, msg)) = self.waiting.pop_front()
            {
                self.handle(msg).await;
                continue;
            }
            let busy = self.writing.is_some() || !self.waiting.is_empty();
            let timer = self
                .state
                .timer
                .as_ref()
                .map(|t| t.deadline)
                .filter(|d| !busy && self.timer_tried != Some(*d));
            let timer = async {
                match timer {
                    Some(d) => {
                        let wait = (d - now_ms()).max(0) as u64;
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await
                    }
                    None => std::future::pending().await,
                }
            };
            let overdue = sleep_until(self.next_deadline());
            let msg = tokio::select! {
                biased;
                r = outcome(&mut self.writing) => {
                    self.written(r).await;
                    continue;
                }
                () = overdue => {
                    self.overdue();
                    continue;
                }
                () = timer => {
                    self.timer_expired().await;
                    continue;
                }
                msg = rx.recv() => msg,
            };
            match msg {
                None => break,
                Some(Msg::Relocate { reply }) => match reply.send((self, rx)) {
                    // The asker runs the task from here on.
                    Ok(()) => return,
                    Err((task, inbox)) => (self, rx) = (task, inbox),
                },
                Some(msg) => {
                    // A client that has seen the ack (or an event) of the write
                    // in flight must find it applied: read your writes.
                    self.take_commit().await;
                    if msg.ordered() && (self.writing.is_some() || !self.waiting.is_empty()) {
                        self.wait(msg);
                    } else {
                        self.handle(msg).await;
                    }
                }
            }
        }
    }

    /// Applies the write in flight if the writer thread has committed it, without
    /// waiting for the store's answer to wake the task.
    async fn take_commit(&mut self) {
        let committed = self
            .writing
            .as_ref()
            .filter(|w| w.committed.load(Ordering::Acquire))
            .and_then(|w| w.events.last().map(|e| e.seq));
        if let Some(seq) = committed {
            self.written(Ok(seq)).await;
        }
    }

    /// Queues a write behind the one in flight, or refuses it when too many wait.
    fn wait(&mut self, msg: Msg) {
        if self.waiting.len() >= INBOX {
            return msg.refuse();
        }
        let until = Instant::now() + self.store.write_timeout();
        self.waiting.push_back((until, msg));
    }

    /// The next time something must be answered for running out of time.
    fn next_deadline(&self) -> Option<Instant> {
        let write = self
            .writing
            .as_ref()
            .filter(|w| !w.gave_up)
            .map(|w| w.pending.deadline());
        let waiting = self.waiting.front().map(|(at, _)| *at);
        write.into_iter().chain(waiting).min()
    }

    /// Answers what has waited longer than the bound.
    fn overdue(&mut self) {
        let now = Instant::now();
        if let Some(w) = self.writing.as_mut()
            && !w.gave_up
            && now >= w.pending.deadline()
        {
            w.gave_up = true;
            let cancelled = matches!(w.pending.give_up(), StoreError::Stalled);
            tracing::warn!(session = %self.id, cancelled, "a write was not committed in time");
            if let Some(ack) = fanout::take(&w.ack) {
                ack(Err(if cancelled { unsaved() } else { unconfirmed() }));
            }
            if cancelled {
                // Never to be written: the state is still what is stored.
                self.writing = None;
            }
        }
        while self.waiting.front().is_some_and(|(at, _)| now >= *at) {
            match self.waiting.pop_front() {
                // A pong promises only what was released before it; the write
                // still in flight has not been, so the pong may go now.
                Some((_, Msg::Ping { conn, r#ref })) => self.pong(conn, &r#ref),
                Some((_, msg)) => msg.refuse(),
                None => {}
            }
        }
    }

    /// The store answered the write in flight.
    async fn written(&mut self, outcome: Result<u64, StoreError>) {
        let Some(w) = self.writing.take() else { return };
        // Normally the writer thread has answered the sender already.
        let ack = fanout::take(&w.ack);
        match outcome {
            Ok(seq) => {
                match w.next {
                    Some(next) => self.state = next,
                    None => {
                        for e in &w.events {
                            engine::evolve(&mut self.state, e);
                        }
                    }
                }
                if w.checkpoint {
                    self.hashed_at = self.state.seq;
                }
                if seq != self.state.seq {
                    tracing::error!(session = %self.id, seq, state = self.state.seq, "the store and the session disagree; re-reading");
                    self.stale = true;
                }
                if let Some(ack) = ack {
                    ack(Ok(self.state.seq));
                }
                if w.gave_up {
                    tracing::warn!(session = %self.id, seq, "a write answered as unconfirmed was committed late; its events go out now");
                }
                let late: Vec<(u64, &Viewer, &mpsc::Sender<Frame>)> = self
                    .subscribers
                    .iter()
                    .filter(|(conn, _)| w.late.contains(conn))
                    .map(|(conn, s)| (*conn, &s.viewer, &s.tx))
                    .collect();
                let full = fanout::deliver(fanout::frames(&self.state.scenario, &late, &w.events));
                let mut dropped =
                    std::mem::take(&mut *w.dropped.lock().unwrap_or_else(PoisonError::into_inner));
                dropped.extend(full);
                self.drop_slow(dropped);
            }
            Err(e) => {
                if let Some(ack) = ack {
                    ack(Err(unsaved()));
                }
                // A refused or rolled-back write left nothing; any other answer
                // leaves the store in doubt, so it is read again.
                if !matches!(e, StoreError::Stalled) {
                    tracing::error!(session = %self.id, "could not store events: {e}");
                    self.stale = true;
                }
            }
        }
    }

    /// The decision timer ran out: close the window if the session auto-advances.
    async fn timer_expired(&mut self) {
        if let Some(t) = self.state.timer.clone() {
            self.timer_tried = Some(t.deadline);
            let cmd = Command::TimerExpired {
                turn: t.turn,
                phase: t.phase,
            };
            let id = self.id.clone();
            let ack: Ack = Box::new(move |r| {
                if let Err(e) = r {
                    tracing::debug!(session = %id, "timer expiry not applied: {e:?}");
                }
            });
            self.apply(Actor::System, cmd, None, ack).await;
        }
    }

    async fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Command {
                actor,
                command,
                reply,
            } => {
                tracing::debug!(session = %self.id, command = command.name(), "command");
                if let Some(p) = player_of(&actor) {
                    self.last_seen.insert(p.to_string(), now_ms());
                }
                let ack: Ack = Box::new(move |r| {
                    let _ = reply.send(r);
                });
                self.apply(actor, command, None, ack).await;
            }
            Msg::Join {
                team,
                name,
                token_hash,
                player,
                reply,
            } => {
                let seats = self.state.players.len();
                if self.max_players > 0 && seats >= self.max_players as usize {
                    let _ = reply.send(Err(CommandError::Full(format!(
                        "This session has all the {} seats it takes; ask the facilitator.",
                        self.max_players
                    ))));
                    return;
                }
                let player = player.into_string();
                let actor = Role::parse(&team).actor(player.clone());
                let seat = SeatRow {
                    token_hash: token_hash.clone(),
                    session_id: self.id.clone(),
                    player: player.clone(),
                    team: team.clone(),
                };
                let tokens = self.tokens.clone();
                let session_id = self.id.clone();
                // The token works before the new player hears that it does.
                let ack: Ack = Box::new(move |r| {
                    let _ = reply.send(r.map(|_| {
                        let seat = Seat { session_id, actor };
                        tokens.register(token_hash, seat.clone());
                        (player, seat)
                    }));
                });
                let join = Command::Join {
                    team,
                    name,
                    player: seat.player.clone(),
                };
                self.apply(Actor::System, join, Some(seat), ack).await;
            }
            // `run` takes these itself; dropping one leaves the task where it is.
            Msg::Relocate { .. } => {}
            Msg::Subscribe {
                conn,
                actor,
                tx,
                reply,
            } => {
                let viewer = Viewer::of(&actor);
                let snapshot = self.snapshot(&actor);
                match player_of(&actor) {
                    Some(p) => {
                        self.last_seen.insert(p.to_string(), now_ms());
                    }
                    None => self.facilitator_seen = Some(now_ms()),
                }
                let same_seat = self
                    .subscribers
                    .get(&conn)
                    .is_some_and(|s| s.actor == actor);
                self.subscribers
                    .insert(conn, Subscriber { actor, viewer, tx });
                if let Some(w) = self.writing.as_mut() {
                    w.late.push(conn);
                }
                let _ = reply.send(snapshot);
                // A re-auth for a fresh snapshot changes nobody's presence.
                if !same_seat {
                    self.broadcast_presence();
                }
            }
            Msg::Unsubscribe { conn } => {
                if let Some(s) = self.subscribers.remove(&conn) {
                    if let Some(p) = player_of(&s.actor) {
                        self.last_seen.insert(p.to_string(), now_ms());
                    }
                    self.broadcast_presence();
                }
            }
            Msg::Ping { conn, r#ref } => self.pong(conn, &r#ref),
            Msg::Preview { runs, reply } => {
                let _ = reply.send(engine::preview(&self.state, runs));
            }
            Msg::Lobby { reply } => {
                let _ = reply.send(self.lobby());
            }
            Msg::Messages {
                viewer,
                channel,
                before,
                limit,
                reply,
            } => {
                let found = engine::messages_before(&self.state, &viewer, &channel, before, limit);
                let _ = reply.send(found);
            }
        }
    }

    /// Public facts for the join page.
    fn lobby(&self) -> serde_json::Value {
        let s = &self.state.scenario;
        let teams: Vec<serde_json::Value> = s
            .teams
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.id,
                    "name": t.name,
                    "players": self.state.players.iter().filter(|p| *p.team == *t.id).count(),
                })
            })
            .collect();
        serde_json::json!({
            "session_id": self.id,
            "title": self.state.title,
            "scenario": s.id,
            "scenario_title": s.title,
            "phase": self.state.phase,
            "turn": self.state.turn,
            "teams": teams,
            "observers": self.state.players.iter().filter(|p| Role::parse(&p.team) == Role::Observer).count(),
        })
    }

    fn snapshot(&self, actor: &Actor) -> Frame {
        ServerFrame::Snapshot(Snapshot {
            session_id: &self.id,
            join_code: &self.join_code,
            now: now_ms(),
            presence: &self.presence(),
            view: &engine::view_of(&self.state, actor),
        })
        .encode()
    }

    /// Puts a `pong` in the connection's queue, behind what was released to it.
    fn pong(&mut self, conn: u64, r#ref: &Ref) {
        let pong = ServerFrame::Pong { r#ref }.encode();
        if let Some(sub) = self.subscribers.get(&conn)
            && sub.tx.try_send(pong).is_err()
        {
            let tx = sub.tx.clone();
            self.drop_slow(vec![(conn, tx)]);
        }
    }

    /// decide -> store -> release (the events, then the ack) -> evolve.
    ///
    /// The events are handed to the store with everything they release
    /// ([`Release`]: the writer thread sends it the moment the commit returns,
    /// which spares the ack and the frames a wake-up of this task) and the task
    /// goes on answering reads from the stored state; [`SessionTask::written`]
    /// applies them once the store says they are committed. The state hash, when
    /// this write checkpoints it, is taken from an evolved copy.
    async fn apply(&mut self, actor: Actor, command: Command, seat: Option<SeatRow>, ack: Ack) {
        if self.stale && !self.reload().await {
            return ack(Err(unsaved()));
        }
        let at = now_ms().max(self.state.created_at);
        let events = match engine::decide(&self.state, &actor, &command, at) {
            Ok(events) => events,
            Err(r) => return ack(Err(r.into())),
        };
        let Some(last) = events.last().map(|e| e.seq) else {
            return ack(Ok(self.state.seq));
        };
        let expected = self.state.seq;
        // The state hash (SHA-256 over the whole state) is stored at checkpoints,
        // not per command: its cost grows with the session.
        let checkpoint = last - self.hashed_at >= HASH_EVERY
            || events.iter().any(|e| {
                matches!(
                    e.body,
                    EventBody::PhaseChanged { .. } | EventBody::SessionEnded { .. }
                )
            });
        let next = checkpoint.then(|| {
            let mut next = self.state.clone();
            for e in &events {
                engine::evolve(&mut next, e);
            }
            next
        });
        // A state that cannot be hashed skips this checkpoint (loudly); the next
        // one tries again, and restore checks the last hash that was stored.
        let hash = next.as_ref().and_then(|n| {
            n.hash()
                .map_err(|e| tracing::error!(session = %self.id, "no checkpoint: {e}"))
                .ok()
        });
        let checkpoint = hash.is_some();
        let ack: SharedAck = Arc::new(Mutex::new(Some(ack)));
        let committed = Arc::new(AtomicBool::new(false));
        let dropped: Dropped = Arc::default();
        let subs: Vec<(u64, &Viewer, &mpsc::Sender<Frame>)> = self
            .subscribers
            .iter()
            .map(|(conn, s)| (*conn, &s.viewer, &s.tx))
            .collect();
        let mut release = Release {
            ack: ack.clone(),
            committed: committed.clone(),
            seq: last,
            sends: fanout::frames(&self.state.scenario, &subs, &events),
            dropped: dropped.clone(),
            done: false,
        };
        let on_commit: OnCommit = Box::new(move |committed| release.run(committed));
        let begun =
            self.store
                .begin_append(&self.id, expected, &events, hash, seat, Some(on_commit));
        match begun {
            Ok(pending) => {
                self.writing = Some(InFlight {
                    pending,
                    events,
                    next,
                    checkpoint,
                    ack,
                    committed,
                    dropped,
                    late: Vec::new(),
                    gave_up: false,
                });
            }
            // The release was dropped with the request: its sender heard that
            // nothing was saved, and the state is still what is stored.
            Err(e) => tracing::error!(session = %self.id, "could not store events: {e}"),
        }
    }

    /// Re-derives the state from the stored events, off the async workers. False
    /// (and the state stays marked stale) when they cannot be read.
    async fn reload(&mut self) -> bool {
        let id = self.id.clone();
        match self.store.run_blocking(move |s| s.events(&id)).await {
            Ok(Ok(events)) => {
                self.state = engine::replay(self.state.scenario.clone(), &events);
                self.stale = false;
                true
            }
            Ok(Err(e)) | Err(e) => {
                tracing::error!(session = %self.id, "cannot re-read the stored events: {e}");
                false
            }
        }
    }

    /// Forgets the connections whose outbound queue was full (their loops close
    /// them when they see the queue gone) or already closed (`try_send` fails the
    /// same way for a connection that was closing; only a full queue is logged as
    /// a warning) and tells the others who is left. A connection that has
    /// subscribed again since, with a new queue, stays.
    fn drop_slow(&mut self, dropped: Vec<(u64, mpsc::Sender<Frame>)>) {
        let mut any = false;
        for (conn, tx) in dropped {
            if self
                .subscribers
                .get(&conn)
                .is_some_and(|s| s.tx.same_channel(&tx))
            {
                self.subscribers.remove(&conn);
                // A queue whose receiver is gone belongs to a connection that was
                // already closing: nothing was slow about it.
                if tx.is_closed() {
                    tracing::debug!(session = %self.id, conn, "forgot a client whose connection had closed");
                } else {
                    tracing::warn!(session = %self.id, conn, "dropped a client whose queue was full");
                }
                any = true;
            }
        }
        if any {
            self.broadcast_presence();
        }
    }

    fn presence(&self) -> Presence {
        let seats: Vec<PresenceSeat> = self
            .state
            .players
            .iter()
            .map(|p| {
                let connections = self
                    .subscribers
                    .values()
                    .filter(|s| player_of(&s.actor) == Some(p.player.as_str()))
                    .count();
                PresenceSeat {
                    player: p.player.clone(),
                    team: p.team.clone(),
                    name: p.name.clone(),
                    connected: connections > 0,
                    connections,
                    last_seen: self.last_seen.get(&p.player).copied(),
                }
            })
            .collect();
        Presence {
            seats,
            facilitator_connected: self
                .subscribers
                .values()
                .any(|s| matches!(s.actor, Actor::Facilitator)),
        }
    }

    fn broadcast_presence(&mut self) {
        let frame = ServerFrame::Presence(&self.presence()).encode();
        let mut dropped = Vec::new();
        for (conn, sub) in &self.subscribers {
            if matches!(sub.viewer, Viewer::Observer) {
                continue;
            }
            if sub.tx.try_send(frame.clone()).is_err() {
                dropped.push(*conn);
            }
        }
        for conn in dropped {
            self.subscribers.remove(&conn);
        }
    }
}
