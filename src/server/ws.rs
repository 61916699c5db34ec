//! One WebSocket connection: authenticate with the first frame, then one
//! `select!` loop over client frames, outbound events and the heartbeat.
//!
//! **Invariant:** a bad frame gets an error frame and the connection stays open;
//! only an oversize frame, a dead peer, a full outbound queue or shutdown close it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use tokio::sync::mpsc;

use super::AppState;
use super::http::ApiError;
use super::ids::Token;
use super::protocol::{ClientFrame, Ref, Refusal, ServerFrame, WsCode};
use super::session::{CommandError, Frame, OUTBOUND_QUEUE, Seat, SessionHandle};
use crate::engine::{Actor, Command, Viewer};

/// Largest frame accepted from a client.
pub const MAX_FRAME: usize = 64 * 1024;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
const HEARTBEAT: Duration = Duration::from_secs(10);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Token bucket: sustained frames per second and burst.
const RATE_PER_SEC: f64 = 20.0;
const RATE_BURST: f64 = 40.0;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

pub async fn route(
    req: HttpRequest,
    body: web::Payload,
    app: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    // Answered in JSON like every other HTTP error.
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("`/ws` takes only a WebSocket upgrade: {e}.")))?;
    let stream = stream
        .max_frame_size(MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME);
    let app = app.into_inner();
    actix_web::rt::spawn(async move {
        let reason = connection(app, session.clone(), stream).await;
        // The close frame queues behind whatever a stalled peer has not read.
        timely(session.close(Some(reason))).await;
    });
    Ok(response)
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * RATE_PER_SEC)
            .min(RATE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct Conn {
    id: u64,
    app: Arc<AppState>,
    session: Session,
    seat: Option<(Seat, SessionHandle)>,
    outbound: Option<mpsc::Receiver<Frame>>,
}

impl Conn {
    /// False when the socket is gone, or when it has not taken a frame for
    /// `CLIENT_TIMEOUT`: a peer that stops reading must not hold this loop (and its
    /// heartbeat) forever.
    async fn send(&mut self, frame: &ServerFrame<'_>) -> bool {
        self.send_text(&frame.encode()).await
    }

    async fn send_text(&mut self, text: &str) -> bool {
        timely(self.session.text(text.to_string())).await
    }

    async fn refuse(&mut self, r#ref: &Ref, code: WsCode, message: &str) -> bool {
        self.send(&ServerFrame::error(r#ref, &Refusal::new(code, message)))
            .await
    }

    /// Authenticates (or re-authenticates) with a token; sends the snapshot.
    async fn auth(&mut self, r#ref: &Ref, token: Option<Token>) -> bool {
        let Some(token) = token.filter(Token::plausible) else {
            return self
                .refuse(
                    r#ref,
                    WsCode::Unauthorized,
                    "Send {\"type\":\"auth\",\"token\":\"...\"} with your seat token.",
                )
                .await;
        };
        let Some(seat) = self.app.seat_for_token(token.reveal()) else {
            return self
                .refuse(
                    r#ref,
                    WsCode::Unauthorized,
                    "That token is not valid for any session. Join again with the join code.",
                )
                .await;
        };
        let Some(handle) = self.app.session(&seat.session_id) else {
            return self
                .refuse(r#ref, WsCode::Unavailable, "That session is not running.")
                .await;
        };
        if let Some((old_seat, old)) = self.seat.take()
            && (old_seat.session_id != seat.session_id || old_seat.actor != seat.actor)
        {
            old.unsubscribe(self.id).await;
        }
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        let Some(snapshot) = handle.subscribe(self.id, seat.actor.clone(), tx).await else {
            return self
                .refuse(
                    r#ref,
                    WsCode::Unavailable,
                    "That session cannot be shown right now; try again in a moment.",
                )
                .await;
        };
        let role = Viewer::of(&seat.actor).role();
        tracing::info!(conn = self.id, session = %seat.session_id, role, "seat connected");
        if matches!(seat.actor, Actor::Facilitator) {
            handle.relocate_here();
        }
        self.seat = Some((seat, handle));
        self.outbound = Some(rx);
        self.send_text(&snapshot).await
    }

    /// Handles one text frame. Returns false when the socket is gone.
    async fn frame(&mut self, text: &str) -> bool {
        let (r#ref, frame) = ClientFrame::parse(text);
        let command = match frame {
            Err(refusal) => return self.send(&ServerFrame::error(&r#ref, &refusal)).await,
            Ok(ClientFrame::Auth { token }) => return self.auth(&r#ref, token).await,
            Ok(ClientFrame::Ping) => return self.ping(r#ref).await,
            Ok(ClientFrame::Preview { runs }) => return self.preview(&r#ref, runs).await,
            Ok(ClientFrame::Messages {
                channel,
                before,
                limit,
            }) => return self.messages(&r#ref, channel, before, limit).await,
            Ok(ClientFrame::Command(command)) => Command::from(command),
        };
        let Some((seat, handle)) = self.seat.clone() else {
            return self
                .refuse(
                    &r#ref,
                    WsCode::Unauthorized,
                    "Authenticate first: {\"type\":\"auth\",\"token\":\"...\"}.",
                )
                .await;
        };
        match handle.command(seat.actor.clone(), command).await {
            Ok(seq) => self.send(&ServerFrame::Ack { r#ref: &r#ref, seq }).await,
            Err(CommandError::Rejected(r)) => {
                self.send(&ServerFrame::error(&r#ref, &Refusal::from(&r)))
                    .await
            }
            Err(CommandError::Unavailable(m)) => self.refuse(&r#ref, WsCode::Unavailable, &m).await,
        }
    }

    /// Answers `pong`. A seated connection's pong goes through its session, into
    /// the same queue as its events: every event committed before the session
    /// took the ping is on the socket before the pong.
    async fn ping(&mut self, r#ref: Ref) -> bool {
        let r#ref = match &self.seat {
            Some((_, handle)) => match handle.ping(self.id, r#ref).await {
                Ok(()) => return true,
                // The session is gone: no event can be on its way either.
                Err(r#ref) => r#ref,
            },
            None => r#ref,
        };
        self.send(&ServerFrame::Pong { r#ref: &r#ref }).await
    }

    /// Answers a `messages` query through the session task, like `preview`.
    async fn messages(&mut self, r#ref: &Ref, channel: String, before: u64, limit: usize) -> bool {
        let Some((seat, handle)) = self.seat.clone() else {
            return self
                .refuse(
                    r#ref,
                    WsCode::Unauthorized,
                    "Authenticate first: {\"type\":\"auth\",\"token\":\"...\"}.",
                )
                .await;
        };
        let viewer = Viewer::of(&seat.actor);
        match handle
            .messages(viewer, channel.clone(), before, limit)
            .await
        {
            Some(Ok(page)) => {
                self.send(&ServerFrame::Messages {
                    r#ref,
                    channel: &channel,
                    messages: &page.messages,
                    more: page.more,
                })
                .await
            }
            Some(Err(r)) => {
                self.send(&ServerFrame::error(r#ref, &Refusal::from(&r)))
                    .await
            }
            None => {
                self.refuse(r#ref, WsCode::Unavailable, "The session is not running.")
                    .await
            }
        }
    }

    async fn preview(&mut self, r#ref: &Ref, runs: u32) -> bool {
        let Some((seat, handle)) = self.seat.clone() else {
            return self
                .refuse(
                    r#ref,
                    WsCode::Unauthorized,
                    "Authenticate first: {\"type\":\"auth\",\"token\":\"...\"}.",
                )
                .await;
        };
        if !matches!(seat.actor, Actor::Facilitator) {
            return self
                .refuse(
                    r#ref,
                    WsCode::Forbidden,
                    "Only the facilitator can preview the odds.",
                )
                .await;
        }
        match handle.preview(runs).await {
            Some(preview) => {
                self.send(&ServerFrame::Preview {
                    r#ref,
                    preview: &preview,
                })
                .await
            }
            None => {
                self.refuse(r#ref, WsCode::Unavailable, "The session is not running.")
                    .await
            }
        }
    }
}

/// Runs one write to the socket; false when it failed or the peer took no frame for
/// `CLIENT_TIMEOUT` (a write queues behind whatever a stalled peer has not read).
async fn timely<E>(write: impl std::future::Future<Output = Result<(), E>>) -> bool {
    matches!(
        tokio::time::timeout(CLIENT_TIMEOUT, write).await,
        Ok(Ok(()))
    )
}

async fn next_outbound(rx: &mut Option<mpsc::Receiver<Frame>>) -> Option<Frame> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn connection(
    app: Arc<AppState>,
    session: Session,
    mut stream: actix_ws::AggregatedMessageStream,
) -> CloseReason {
    let mut shutdown = app.shutdown.subscribe();
    let mut conn = Conn {
        id: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
        app,
        session,
        seat: None,
        outbound: None,
    };
    let started = Instant::now();
    let mut last_heard = Instant::now();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut bucket = Bucket {
        tokens: RATE_BURST,
        last: Instant::now(),
    };
    let reason = loop {
        if conn.seat.is_none() && started.elapsed() >= AUTH_TIMEOUT {
            break CloseReason {
                code: CloseCode::Policy,
                description: Some("no valid auth frame within 10 seconds".into()),
            };
        }
        let auth_wait = AUTH_TIMEOUT.saturating_sub(started.elapsed());
        tokio::select! {
            msg = stream.recv() => {
                let Some(msg) = msg else { break CloseReason::from(CloseCode::Normal) };
                last_heard = Instant::now();
                match msg {
                    Ok(AggregatedMessage::Text(text)) => {
                        if !bucket.take() {
                            if !conn.refuse(&Ref::Null, WsCode::RateLimited, "Too many messages; slow down and try again in a moment.").await {
                                break CloseReason::from(CloseCode::Normal);
                            }
                            continue;
                        }
                        if !conn.frame(&text).await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Binary(_)) => {
                        if !conn.refuse(&Ref::Null, WsCode::BadFrame, "Send JSON text frames, not binary.").await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Ping(bytes)) => {
                        if !timely(conn.session.pong(&bytes)).await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Pong(_)) => {}
                    Ok(AggregatedMessage::Close(_)) => break CloseReason::from(CloseCode::Normal),
                    Err(e) => {
                        let too_big = matches!(e, actix_ws::ProtocolError::Overflow);
                        break CloseReason {
                            code: if too_big { CloseCode::Size } else { CloseCode::Protocol },
                            description: Some(if too_big {
                                format!("frame larger than {MAX_FRAME} bytes")
                            } else {
                                "protocol error".to_string()
                            }),
                        };
                    }
                }
            }
            frame = next_outbound(&mut conn.outbound) => {
                match frame {
                    Some(f) => {
                        if !conn.send_text(&f).await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    None => {
                        break CloseReason {
                            code: CloseCode::Again,
                            description: Some("too slow to keep up; reconnect for a fresh snapshot".into()),
                        };
                    }
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    break CloseReason { code: CloseCode::Away, description: Some("no response to heartbeat".into()) };
                }
                if !timely(conn.session.ping(b"")).await {
                    break CloseReason::from(CloseCode::Normal);
                }
            }
            _ = tokio::time::sleep(auth_wait), if conn.seat.is_none() => {}
            _ = shutdown.changed() => {
                break CloseReason { code: CloseCode::Restart, description: Some("server shutting down".into()) };
            }
        }
    };
    if let Some((seat, handle)) = conn.seat.take() {
        handle.unsubscribe(conn.id).await;
        tracing::info!(conn = conn.id, session = %seat.session_id, "seat disconnected");
    }
    reason
}
