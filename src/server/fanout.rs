//! Getting a command's outcome out: the ack to its sender, and every connected
//! seat's event frames, each event filtered per viewer by `engine::visible`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use super::protocol::ServerFrame;
use super::session::{CommandError, unsaved};
use crate::engine::{self, Event, Viewer};
use crate::scenario::Scenario;

pub type Frame = Arc<str>;

/// Answers the one who asked for a write: `Ok(seq)` once it is stored.
pub(super) type Ack = Box<dyn FnOnce(Result<u64, CommandError>) + Send>;

/// An ack that whoever learns the outcome first answers: the writer thread at the
/// commit, or the session task when the write's bound runs out.
pub(super) type SharedAck = Arc<Mutex<Option<Ack>>>;

pub(super) fn take(ack: &SharedAck) -> Option<Ack> {
    ack.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// One connection's frames: its id, its queue, and the frames in order.
pub(super) type Outgoing = (u64, mpsc::Sender<Frame>, Vec<Frame>);

/// Connections whose queue was full, with the queue that was: the session task
/// drops them unless they have subscribed again since.
pub(super) type Dropped = Arc<Mutex<Vec<(u64, mpsc::Sender<Frame>)>>>;

/// What a write releases once it is stored: each connected seat's event frames,
/// then the ack (unless it was already answered). Run by the store's writer
/// thread as soon as the commit returns, before the session task is woken, so
/// that no other message of the session can come in between. Dropped without
/// running (the write never reached the writer), it answers that nothing was
/// saved.
pub(super) struct Release {
    pub(super) ack: SharedAck,
    /// Set once every frame is in its queue, before the ack: from then on the
    /// session task may apply the write without waiting for the store's answer.
    pub(super) committed: Arc<AtomicBool>,
    pub(super) seq: u64,
    pub(super) sends: Vec<Outgoing>,
    pub(super) dropped: Dropped,
    pub(super) done: bool,
}

impl Release {
    pub(super) fn run(&mut self, committed: bool) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let ack = take(&self.ack);
        if !committed {
            if let Some(ack) = ack {
                ack(Err(unsaved()));
            }
            return;
        }
        // Events that are stored reach the seats even when their sender was
        // already told the write did not finish in time. They go into the
        // queues first: the sender's connection is awaiting its ack and writes
        // nothing from its queue until it has it, so its socket still carries the
        // ack first.
        let full = deliver(std::mem::take(&mut self.sends));
        if !full.is_empty() {
            self.dropped
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(full);
        }
        // Set after the frames, before the ack: whoever has seen the ack finds
        // the write applied (read your writes), and a ping the session task
        // takes from here on is answered behind every frame of it.
        self.committed.store(true, Ordering::Release);
        if let Some(ack) = ack {
            ack(Ok(self.seq));
        }
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        self.run(false);
    }
}

/// `try_send`s every connection its frames; returns those whose queue was full.
pub(super) fn deliver(sends: Vec<Outgoing>) -> Vec<(u64, mpsc::Sender<Frame>)> {
    let mut full = Vec::new();
    for (conn, tx, frames) in sends {
        if frames.into_iter().any(|f| tx.try_send(f).is_err()) {
            full.push((conn, tx));
        }
    }
    full
}

/// Each listed connection's frames for these events: each event filtered once per
/// viewer, and each distinct filtered form serialised once (most events look the
/// same to every team).
pub(super) fn frames(
    scenario: &Scenario,
    subs: &[(u64, &Viewer, &mpsc::Sender<Frame>)],
    events: &[Event],
) -> Vec<Outgoing> {
    let mut frames = vec![Vec::new(); subs.len()];
    for e in events {
        let mut by_viewer: Vec<(&Viewer, Option<Frame>)> = Vec::new();
        let mut forms: Vec<(Event, Frame)> = Vec::new();
        for ((_, viewer, _), out) in subs.iter().zip(frames.iter_mut()) {
            let frame = match by_viewer.iter().find(|(v, _)| v == viewer) {
                Some((_, f)) => f.clone(),
                None => {
                    let f = engine::visible(scenario, e, viewer).map(|v| {
                        match forms.iter().find(|(form, _)| *form == v) {
                            Some((_, f)) => f.clone(),
                            None => {
                                let f = event_frame(&v);
                                forms.push((v, f.clone()));
                                f
                            }
                        }
                    });
                    by_viewer.push((viewer, f.clone()));
                    f
                }
            };
            out.extend(frame);
        }
    }
    subs.iter()
        .zip(frames)
        .filter(|(_, f)| !f.is_empty())
        .map(|((conn, _, tx), f)| (*conn, (*tx).clone(), f))
        .collect()
}

/// `{"type":"event", ...the event}`.
pub fn event_frame(e: &Event) -> Frame {
    ServerFrame::Event(e).encode()
}
