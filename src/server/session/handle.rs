//! The handle everyone else holds to a session task, and the messages it sends.

use tokio::sync::{mpsc, oneshot};

use super::{Frame, SessionTask};
use crate::engine::{self, Actor, Command, Rejection, Viewer};
use crate::server::ids::PlayerId;
use crate::server::protocol::Ref;

#[derive(Debug)]
pub enum CommandError {
    Rejected(Rejection),
    Unavailable(String),
    /// A join to a session that has all the seats the server allows.
    Full(String),
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

pub(super) enum Msg {
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
    /// Answered with a `pong` in the connection's queue, behind every event
    /// released to it before: it waits in order behind a write in flight.
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
        reply: oneshot::Sender<Result<engine::MessagePage, Rejection>>,
    },
    /// Hand the task and its inbox over, to be run on the asker's thread.
    Relocate {
        reply: oneshot::Sender<(SessionTask, mpsc::Receiver<Msg>)>,
    },
}

impl Msg {
    /// Whether it is handled one at a time, in order, after any write in flight
    /// has been released: the writes, and the ping that proves they were.
    pub(super) fn ordered(&self) -> bool {
        matches!(
            self,
            Msg::Command { .. } | Msg::Join { .. } | Msg::Ping { .. }
        )
    }

    /// Answers a write that waited too long, without deciding it.
    pub(super) fn refuse(self) {
        match self {
            Msg::Command { reply, .. } => {
                let _ = reply.send(Err(unsaved()));
            }
            Msg::Join { reply, .. } => {
                let _ = reply.send(Err(unsaved()));
            }
            _ => {}
        }
    }
}

#[derive(Clone)]
pub struct SessionHandle {
    pub(super) tx: mpsc::Sender<Msg>,
}

pub(in crate::server) fn unsaved() -> CommandError {
    CommandError::Unavailable(
        "The server could not save that; nothing was changed. Please try again.".into(),
    )
}

pub(super) fn unconfirmed() -> CommandError {
    CommandError::Unavailable(
        "The server's disk did not confirm that in time; it may still be saved. Wait for the session to show it before trying again.".into(),
    )
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
    ) -> Option<Result<engine::MessagePage, Rejection>> {
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
