//! One WebSocket: authenticate, then read every frame (answering pings), send what
//! the driver asks and hand back the matching ack or error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use awc::ws;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot, watch};

use crate::driver::Stats;
use crate::micros;

/// Longest wait for any one reply; a command without an answer by then is a timeout.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A client WebSocket.
pub type Framed = actix_codec::Framed<awc::BoxedSocket, ws::Codec>;

/// What the whole tool shares with its client threads.
pub struct Shared {
    pub connected: AtomicUsize,
    /// Sockets the server closed (or that failed) before the tool stopped them.
    pub lost: AtomicUsize,
    pub threads_ready: AtomicUsize,
}

/// A command the driver gives a connection task to send; the reply comes back.
pub struct Out {
    pub text: String,
    pub r: String,
    pub reply: oneshot::Sender<Reply>,
}

#[derive(Debug)]
pub enum Reply {
    Ack(u64),
    Refused(String),
}

/// A command in flight or recently answered, to match events to it.
pub struct Sent {
    /// The last seq the driver knew of when it sent the command.
    pub after: u64,
    pub at: Instant,
    /// Sent by the facilitator inside the measured window.
    pub measure: bool,
}

/// A `say` sent and not yet heard by every seat it goes to (chat mode).
pub struct Said {
    pub at: Instant,
    /// Sent inside the measured window.
    pub measure: bool,
    /// Seats other than the sender's that have not received it yet.
    pub left: u8,
}

/// A message's key, written at the start of its text as `#<seat>.<n> `: the seat
/// that posted it (1..=4) and that seat's message number.
pub type SaidKey = (u8, u32);

/// The key at the start of a load-tool message's text.
pub fn said_key(text: &str) -> Option<SaidKey> {
    let (key, _) = text.strip_prefix('#')?.split_once(' ')?;
    let (seat, n) = key.split_once('.')?;
    Some((seat.parse().ok()?, n.parse().ok()?))
}

#[derive(Default)]
pub struct Track {
    /// The facilitator's recent commands (and, outside chat mode, the teams').
    pub log: VecDeque<Sent>,
    pub ended: bool,
    /// Chat mode: messages on their way, by key.
    pub said: HashMap<SaidKey, Said>,
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
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
}

/// Opens a socket, authenticates with `token` and waits for the snapshot: the socket
/// and the snapshot's seq.
pub async fn connect(
    client: &awc::Client,
    port: u16,
    token: &str,
) -> Result<(Framed, u64), String> {
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

pub struct ConnCtx {
    /// 0 the facilitator, 1..=4 the teams. Team sockets measure broadcast latency;
    /// the facilitator's watches for the end; every seat times chat deliveries.
    pub seat: usize,
    pub track: Rc<RefCell<Track>>,
    pub stats: Rc<RefCell<Stats>>,
    pub shared: Arc<Shared>,
}

/// One socket: reads every frame (answering pings), sends what the driver asks,
/// and hands back the matching ack or error.
pub async fn conn_task(
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
                            if f.kind.as_deref() == Some("message_posted") {
                                delivered(&ctx, &mut stats, f.text.as_deref(), now);
                            } else if ctx.seat > 0 {
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

/// A `message_posted` reached this seat: times it if another seat of the session
/// posted it in the window (the sender's own copy is not a delivery).
fn delivered(ctx: &ConnCtx, stats: &mut Stats, text: Option<&str>, now: Instant) {
    let Some(key) = text.and_then(said_key) else {
        stats.deliveries_unknown += 1;
        return;
    };
    if usize::from(key.0) == ctx.seat {
        return;
    }
    let mut track = ctx.track.borrow_mut();
    let Some(said) = track.said.get_mut(&key) else {
        stats.deliveries_unknown += 1;
        return;
    };
    stats.deliveries += 1;
    if said.measure {
        stats.deliver_us.push(micros(now - said.at));
    }
    said.left = said.left.saturating_sub(1);
    if said.left == 0 {
        track.said.remove(&key);
    }
}
