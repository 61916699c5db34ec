//! One task per session owns its engine state; everything else talks to it through
//! a bounded channel and a cloneable [`SessionHandle`].
//!
//! **Invariant:** save, then acknowledge, then broadcast. A command's events are
//! committed to the store before its reply is sent, and only then fanned out to
//! the connected seats, each filtered by `engine::visible`. Both are handed out by
//! the store's writer thread the moment the commit returns (a [`Release`] the task
//! prepared), while the task waits for that write; the sender's own connection is
//! busy awaiting the reply, so on its socket the ack always precedes the events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::ids::{PlayerId, Role};
use super::protocol::{Presence, PresenceSeat, Ref, ServerFrame, Snapshot};
use super::{AppState, now_ms};
use crate::engine::{self, Actor, Command, Event, EventBody, Rejection, State, Viewer};
use crate::store::{OnCommit, SeatRow};

/// Frames waiting for one connection; a client that lets this fill is dropped.
pub const OUTBOUND_QUEUE: usize = 256;
/// Commands waiting for one session.
const INBOX: usize = 256;

pub type Frame = Arc<str>;

#[derive(Debug)]
pub enum CommandError {
    Rejected(Rejection),
    Unavailable(String),
}

impl From<Rejection> for CommandError {
    fn from(r: Rejection) -> Self {
        CommandError::Rejected(r)
    }
}

/// What a connection is, once authenticated.
#[derive(Debug, Clone)]
pub struct Seat {
    pub session_id: String,
    pub actor: Actor,
}

enum Msg {
    Command {
        actor: Actor,
        command: Command,
        reply: oneshot::Sender<Result<u64, CommandError>>,
    },
    Join {
        team: String,
        name: String,
        token_hash: String,
        player: PlayerId,
        reply: oneshot::Sender<Result<(String, Seat), CommandError>>,
    },
    Subscribe {
        conn: u64,
        actor: Actor,
        tx: mpsc::Sender<Frame>,
        reply: oneshot::Sender<Frame>,
    },
    Unsubscribe {
        conn: u64,
    },
    /// Answered with a `pong` in the connection's queue, behind its events.
    Ping {
        conn: u64,
        r#ref: Ref,
    },
    Preview {
        runs: u32,
        reply: oneshot::Sender<engine::Preview>,
    },
    Lobby {
        reply: oneshot::Sender<serde_json::Value>,
    },
    /// Older messages of a channel, as this seat may see them.
    Messages {
        viewer: Viewer,
        channel: String,
        before: u64,
        limit: usize,
        reply: oneshot::Sender<Result<Vec<engine::Message>, Rejection>>,
    },
    /// Hand the task and its inbox over, to be run on the asker's thread.
    Relocate {
        reply: oneshot::Sender<(SessionTask, mpsc::Receiver<Msg>)>,
    },
}

#[derive(Clone)]
pub struct SessionHandle {
    tx: mpsc::Sender<Msg>,
}

fn unsaved() -> CommandError {
    CommandError::Unavailable(
        "The server could not save that; nothing was changed. Please try again.".into(),
    )
}

/// Answers the one who asked for a write: `Ok(seq)` once it is stored.
type Ack = Box<dyn FnOnce(Result<u64, CommandError>) + Send>;

/// What a write releases once it is stored: first the ack, then each connected
/// seat's event frames. Run by the store's writer thread as soon as the commit
/// returns, before the session task is woken, so that no other message of the
/// session can come in between. Dropped without running (the write never reached
/// the writer), it answers that nothing was saved.
struct Release {
    ack: Option<Ack>,
    seq: u64,
    /// Each connection's frames, in order.
    sends: Vec<(u64, mpsc::Sender<Frame>, Vec<Frame>)>,
    /// Connections whose queue was full, for the session task to drop.
    dropped: Arc<Mutex<Vec<u64>>>,
}

impl Release {
    fn run(&mut self, committed: bool) {
        let Some(ack) = self.ack.take() else { return };
        if !committed {
            return ack(Err(unsaved()));
        }
        ack(Ok(self.seq));
        let mut full = Vec::new();
        for (conn, tx, frames) in self.sends.drain(..) {
            if frames.into_iter().any(|f| tx.try_send(f).is_err()) {
                full.push(conn);
            }
        }
        if !full.is_empty()
            && let Ok(mut dropped) = self.dropped.lock()
        {
            dropped.extend(full);
        }
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        self.run(false);
    }
}

fn gone() -> CommandError {
    CommandError::Unavailable(
        "The session is not running (the server may be shutting down).".into(),
    )
}

impl SessionHandle {
    pub async fn command(&self, actor: Actor, command: Command) -> Result<u64, CommandError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Command {
                actor,
                command,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    pub async fn join(
        &self,
        team: String,
        name: String,
        token_hash: String,
        player: PlayerId,
    ) -> Result<(String, Seat), CommandError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Join {
                team,
                name,
                token_hash,
                player,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Registers a connection; returns its snapshot frame. Events follow on `tx`.
    pub async fn subscribe(
        &self,
        conn: u64,
        actor: Actor,
        tx: mpsc::Sender<Frame>,
    ) -> Option<Frame> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Subscribe {
                conn,
                actor,
                tx,
                reply,
            })
            .await
            .ok()?;
        rx.await.ok()
    }

    /// Moves the session's task onto the calling thread (an actix worker) between
    /// two messages. Called when the White Cell connects: most commands come from
    /// its console, and with the task on the same worker they reach it, and their
    /// replies come back, without a wake-up across threads. The move runs in its
    /// own task, so a connection that goes away meanwhile cannot drop the session;
    /// if the hand-over fails the task goes on where it was.
    pub fn relocate_here(&self) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let (reply, rx) = oneshot::channel();
            if tx.send(Msg::Relocate { reply }).await.is_err() {
                return;
            }
            if let Ok((task, inbox)) = rx.await {
                task.run(inbox).await;
            }
        });
    }

    pub async fn unsubscribe(&self, conn: u64) {
        let _ = self.tx.send(Msg::Unsubscribe { conn }).await;
    }

    /// Asks the session to put a `pong` in this connection's queue, after every
    /// event already released to it. Gives the ref back if the session is gone.
    pub async fn ping(&self, conn: u64, r#ref: Ref) -> Result<(), Ref> {
        self.tx
            .send(Msg::Ping { conn, r#ref })
            .await
            .map_err(|e| match e.0 {
                Msg::Ping { r#ref, .. } => r#ref,
                _ => Ref::Null,
            })
    }

    pub async fn preview(&self, runs: u32) -> Option<engine::Preview> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Preview { runs, reply }).await.ok()?;
        rx.await.ok()
    }

    /// Older messages of a channel, as this seat may see them.
    pub async fn messages(
        &self,
        viewer: Viewer,
        channel: String,
        before: u64,
        limit: usize,
    ) -> Option<Result<Vec<engine::Message>, Rejection>> {
        let (reply, rx) = oneshot::channel();
        let msg = Msg::Messages {
            viewer,
            channel,
            before,
            limit,
            reply,
        };
        self.tx.send(msg).await.ok()?;
        rx.await.ok()
    }

    /// Public facts for the join page: title, phase, teams and how many have joined.
    pub async fn lobby(&self) -> Option<serde_json::Value> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Msg::Lobby { reply }).await.ok()?;
        rx.await.ok()
    }
}

struct Subscriber {
    actor: Actor,
    viewer: Viewer,
    tx: mpsc::Sender<Frame>,
}

struct SessionTask {
    id: String,
    join_code: String,
    app: Arc<AppState>,
    state: State,
    subscribers: HashMap<u64, Subscriber>,
    last_seen: HashMap<String, i64>,
    facilitator_seen: Option<i64>,
    /// A timer deadline we already tried to act on, so a refused expiry is not retried.
    timer_tried: Option<i64>,
    /// The state may be ahead of the store: a write failed and the stored events
    /// could not be read back. Nothing is served from it until a reload succeeds.
    stale: bool,
    /// The seq of the last state hash stored.
    hashed_at: u64,
}

/// Most events between two stored state hashes. Every phase change stores one too.
const HASH_EVERY: u64 = 64;

/// Starts the task that owns `state`.
pub fn spawn(app: Arc<AppState>, id: String, join_code: String, state: State) -> SessionHandle {
    let (tx, rx) = mpsc::channel(INBOX);
    let task = SessionTask {
        id,
        join_code,
        app,
        subscribers: HashMap::new(),
        last_seen: HashMap::new(),
        facilitator_seen: None,
        timer_tried: None,
        stale: false,
        hashed_at: state.seq,
        state,
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

impl SessionTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        loop {
            let deadline = self
                .state
                .timer
                .as_ref()
                .map(|t| t.deadline)
                .filter(|d| self.timer_tried != Some(*d));
            let sleep = async {
                match deadline {
                    Some(d) => {
                        let wait = (d - now_ms()).max(0) as u64;
                        tokio::time::sleep(std::time::Duration::from_millis(wait)).await
                    }
                    None => std::future::pending().await,
                }
            };
            let msg = tokio::select! {
                msg = rx.recv() => msg,
                () = sleep => {
                    self.timer_expired().await;
                    continue;
                }
            };
            match msg {
                None => break,
                Some(Msg::Relocate { reply }) => match reply.send((self, rx)) {
                    // The asker runs the task from here on.
                    Ok(()) => return,
                    Err((task, inbox)) => (self, rx) = (task, inbox),
                },
                Some(msg) => self.handle(msg).await,
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
        // Unsaved state is never shown: a message that would read it is dropped
        // while the state is stale, and its caller sees the session as unavailable.
        let readable = !self.stale || self.reload();
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
                player: _minted,
                reply,
            } => {
                let player = _minted.into_string();
                let actor = Role::parse(&team).actor(player.clone());
                let seat = SeatRow {
                    token_hash: token_hash.clone(),
                    session_id: self.id.clone(),
                    player: player.clone(),
                    team: team.clone(),
                };
                let app = self.app.clone();
                let session_id = self.id.clone();
                // The token works before the new player hears that it does.
                let ack: Ack = Box::new(move |r| {
                    let _ = reply.send(r.map(|_| {
                        let seat = Seat { session_id, actor };
                        app.register_token(token_hash, seat.clone());
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
            // Dropping the message drops its reply channel: the caller sees "unavailable".
            Msg::Subscribe { .. }
            | Msg::Preview { .. }
            | Msg::Lobby { .. }
            | Msg::Messages { .. }
                if !readable => {}
            Msg::Subscribe {
                conn,
                actor,
                tx,
                reply,
            } => {
                let viewer = Viewer::of(&actor);
                let snapshot = self.snapshot(&viewer);
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
                    if readable {
                        self.broadcast_presence();
                    }
                }
            }
            Msg::Ping { conn, r#ref } => {
                let pong = ServerFrame::Pong { r#ref: &r#ref }.encode();
                if let Some(sub) = self.subscribers.get(&conn)
                    && sub.tx.try_send(pong).is_err()
                {
                    self.drop_slow(vec![conn]);
                }
            }
            Msg::Preview { runs, reply } => {
                let _ = reply.send(engine::preview(&self.state, runs));
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
            Msg::Lobby { reply } => {
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
                let _ = reply.send(serde_json::json!({
                    "session_id": self.id,
                    "title": self.state.title,
                    "scenario": s.id,
                    "scenario_title": s.title,
                    "phase": self.state.phase,
                    "turn": self.state.turn,
                    "teams": teams,
                    "observers": self.state.players.iter().filter(|p| Role::parse(&p.team) == Role::Observer).count(),
                }));
            }
        }
    }

    fn snapshot(&self, viewer: &Viewer) -> Frame {
        ServerFrame::Snapshot(Snapshot {
            session_id: &self.id,
            join_code: &self.join_code,
            now: now_ms(),
            presence: &self.presence(),
            view: &engine::view(&self.state, viewer),
        })
        .encode()
    }

    /// decide -> evolve -> store -> release (the ack, then the events).
    ///
    /// The state evolves in place (no copy of the whole session per command); no
    /// other message is handled until the write has finished, so nobody sees it
    /// before it is stored. The ack and the event frames are released by the
    /// store's writer thread the moment the commit returns ([`Release`]), which
    /// spares them a wake-up of this task on the way out. If the write fails, the
    /// state is re-derived from the store, where the failed transaction left nothing.
    async fn apply(&mut self, actor: Actor, command: Command, seat: Option<SeatRow>, ack: Ack) {
        if self.stale && !self.reload() {
            return ack(Err(unsaved()));
        }
        let at = now_ms().max(self.state.created_at);
        let events = match engine::decide(&self.state, &actor, &command, at) {
            Ok(events) => events,
            Err(r) => return ack(Err(r.into())),
        };
        if events.is_empty() {
            return ack(Ok(self.state.seq));
        }
        let expected = self.state.seq;
        for e in &events {
            engine::evolve(&mut self.state, e);
        }
        // The state hash (SHA-256 over the whole state) is stored at checkpoints,
        // not per command: its cost grows with the session.
        let checkpoint = self.state.seq - self.hashed_at >= HASH_EVERY
            || events.iter().any(|e| {
                matches!(
                    e.body,
                    EventBody::PhaseChanged { .. } | EventBody::SessionEnded { .. }
                )
            });
        // A state that cannot be hashed skips this checkpoint (loudly); the next one
        // tries again, and restore checks the last hash that was stored.
        let hash = checkpoint
            .then(|| {
                self.state
                    .hash()
                    .map_err(|e| tracing::error!(session = %self.id, "no checkpoint: {e}"))
                    .ok()
            })
            .flatten();
        let hashed = hash.is_some();
        let dropped = Arc::new(Mutex::new(Vec::new()));
        let mut release = Release {
            ack: Some(ack),
            seq: self.state.seq,
            sends: self.frames(&events),
            dropped: dropped.clone(),
        };
        let on_commit: OnCommit = Box::new(move |committed| release.run(committed));
        let stored = self
            .app
            .store
            .append(&self.id, expected, &events, hash, seat, Some(on_commit))
            .await;
        match stored {
            Ok(()) => {
                if hashed {
                    self.hashed_at = self.state.seq;
                }
                let dropped =
                    std::mem::take(&mut *dropped.lock().unwrap_or_else(|e| e.into_inner()));
                self.drop_slow(dropped);
            }
            Err(e) => {
                tracing::error!(session = %self.id, "could not store events: {e}");
                self.stale = true;
                self.reload();
            }
        }
    }

    /// Re-derives the state from the stored events. False (and the state stays
    /// marked stale) when they cannot be read.
    fn reload(&mut self) -> bool {
        match self.app.store.events(&self.id) {
            Ok(events) => {
                self.state = engine::replay(self.state.scenario.clone(), &events);
                self.stale = false;
                true
            }
            Err(e) => {
                tracing::error!(session = %self.id, "cannot re-read the stored events: {e}");
                false
            }
        }
    }

    /// Each connected seat's frames for these events: each event filtered once per
    /// viewer, and each distinct filtered form serialised once (most events look
    /// the same to every team).
    fn frames(&self, events: &[Event]) -> Vec<(u64, mpsc::Sender<Frame>, Vec<Frame>)> {
        let subs: Vec<(&u64, &Subscriber)> = self.subscribers.iter().collect();
        let mut frames = vec![Vec::new(); subs.len()];
        for e in events {
            let mut by_viewer: Vec<(&Viewer, Option<Frame>)> = Vec::new();
            let mut forms: Vec<(Event, Frame)> = Vec::new();
            for ((_, sub), out) in subs.iter().zip(frames.iter_mut()) {
                let frame = match by_viewer.iter().find(|(v, _)| *v == &sub.viewer) {
                    Some((_, f)) => f.clone(),
                    None => {
                        let f = engine::visible(&self.state.scenario, e, &sub.viewer).map(|v| {
                            match forms.iter().find(|(form, _)| *form == v) {
                                Some((_, f)) => f.clone(),
                                None => {
                                    let f = event_frame(&v);
                                    forms.push((v, f.clone()));
                                    f
                                }
                            }
                        });
                        by_viewer.push((&sub.viewer, f.clone()));
                        f
                    }
                };
                out.extend(frame);
            }
        }
        subs.into_iter()
            .zip(frames)
            .filter(|(_, f)| !f.is_empty())
            .map(|((conn, sub), f)| (*conn, sub.tx.clone(), f))
            .collect()
    }

    /// Forgets the connections whose outbound queue was full (their loops close
    /// them when they see the queue gone) and tells the others who is left.
    fn drop_slow(&mut self, dropped: Vec<u64>) {
        if dropped.is_empty() {
            return;
        }
        for conn in dropped {
            if self.subscribers.remove(&conn).is_some() {
                tracing::warn!(session = %self.id, conn, "dropped a client whose queue was full");
            }
        }
        self.broadcast_presence();
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

/// `{"type":"event", ...the event}`.
pub fn event_frame(e: &Event) -> Frame {
    ServerFrame::Event(e).encode()
}
