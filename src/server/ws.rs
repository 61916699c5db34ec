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
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::AppState;
use super::session::{CommandError, Frame, OUTBOUND_QUEUE, Seat, SessionHandle};
use crate::engine::{Actor, Command};

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
    let (response, session, stream) = actix_ws::handle(&req, body)?;
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

fn error_frame(r#ref: &Value, code: &str, message: &str) -> String {
    json!({"type": "error", "ref": r#ref, "code": code, "message": message}).to_string()
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
    async fn send(&mut self, text: impl Into<String>) -> bool {
        timely(self.session.text(text.into())).await
    }

    /// Authenticates (or re-authenticates) with a token; sends the snapshot.
    async fn auth(&mut self, r#ref: &Value, token: Option<&str>) -> bool {
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 256) else {
            return self
                .send(error_frame(
                    r#ref,
                    "unauthorized",
                    "Send {\"type\":\"auth\",\"token\":\"...\"} with your seat token.",
                ))
                .await;
        };
        let Some(seat) = self.app.seat_for_token(token) else {
            return self
                .send(error_frame(
                    r#ref,
                    "unauthorized",
                    "That token is not valid for any session. Join again with the join code.",
                ))
                .await;
        };
        let Some(handle) = self.app.session(&seat.session_id) else {
            return self
                .send(error_frame(
                    r#ref,
                    "unavailable",
                    "That session is not running.",
                ))
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
                .send(error_frame(
                    r#ref,
                    "unavailable",
                    "That session is not running.",
                ))
                .await;
        };
        tracing::info!(conn = self.id, session = %seat.session_id, role = ?role_name(&seat.actor), "seat connected");
        if matches!(seat.actor, Actor::Facilitator) {
            handle.relocate_here();
        }
        self.seat = Some((seat, handle));
        self.outbound = Some(rx);
        self.send(snapshot.to_string()).await
    }

    /// Handles one text frame. Returns false when the socket is gone.
    async fn frame(&mut self, text: &str) -> bool {
        let value: Value = match serde_json::from_str(text) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return self
                    .send(error_frame(
                        &Value::Null,
                        "bad_frame",
                        "Each frame must be one JSON object with a \"type\".",
                    ))
                    .await;
            }
            Err(e) => {
                return self
                    .send(error_frame(
                        &Value::Null,
                        "bad_json",
                        &format!("That frame is not valid JSON: {e}."),
                    ))
                    .await;
            }
        };
        let r#ref = value.get("ref").cloned().unwrap_or(Value::Null);
        let frame_type = value
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_string();
        tracing::debug!(conn = self.id, frame = %frame_type, "frame");
        let Some(kind) = value
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return self
                .send(error_frame(
                    &r#ref,
                    "bad_frame",
                    "The frame has no \"type\".",
                ))
                .await;
        };
        let kind = kind.as_str();
        match kind {
            "auth" => {
                let token = value
                    .get("token")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                return self.auth(&r#ref, token.as_deref()).await;
            }
            "ping" => {
                return self
                    .send(json!({"type": "pong", "ref": r#ref}).to_string())
                    .await;
            }
            _ => {}
        }
        let Some((seat, handle)) = self.seat.clone() else {
            return self
                .send(error_frame(
                    &r#ref,
                    "unauthorized",
                    "Authenticate first: {\"type\":\"auth\",\"token\":\"...\"}.",
                ))
                .await;
        };
        if kind == "preview" {
            if !matches!(seat.actor, Actor::Facilitator) {
                return self
                    .send(error_frame(
                        &r#ref,
                        "forbidden",
                        "Only the facilitator can preview the odds.",
                    ))
                    .await;
            }
            let runs = value
                .get("runs")
                .and_then(Value::as_u64)
                .unwrap_or(10_000)
                .clamp(1, 100_000) as u32;
            return match handle.preview(runs).await {
                Some(p) => {
                    self.send(json!({"type": "preview", "ref": r#ref, "preview": p}).to_string())
                        .await
                }
                None => {
                    self.send(error_frame(
                        &r#ref,
                        "unavailable",
                        "The session is not running.",
                    ))
                    .await
                }
            };
        }
        if matches!(kind, "join" | "timer_expired") {
            return self
                .send(error_frame(
                    &r#ref,
                    "forbidden",
                    &format!("`{kind}` is issued by the server itself."),
                ))
                .await;
        }
        let mut body = value;
        if let Some(obj) = body.as_object_mut() {
            obj.remove("ref");
        }
        let command: Command = match serde_json::from_value(body) {
            Ok(c) => c,
            Err(e) => {
                let msg = e.to_string();
                let (code, message) = if msg.starts_with("unknown variant") {
                    ("unknown_type", format!("Unknown command type `{kind}`."))
                } else {
                    (
                        "bad_command",
                        format!("The `{kind}` command is malformed: {msg}."),
                    )
                };
                return self.send(error_frame(&r#ref, code, &message)).await;
            }
        };
        match handle.command(seat.actor.clone(), command).await {
            Ok(seq) => {
                self.send(json!({"type": "ack", "ref": r#ref, "seq": seq}).to_string())
                    .await
            }
            Err(CommandError::Rejected(r)) => {
                self.send(error_frame(&r#ref, r.code.as_str(), &r.message))
                    .await
            }
            Err(CommandError::Unavailable(m)) => {
                self.send(error_frame(&r#ref, "unavailable", &m)).await
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

fn role_name(actor: &Actor) -> &'static str {
    match actor {
        Actor::Facilitator => "facilitator",
        Actor::Team { .. } => "team",
        Actor::Observer { .. } => "observer",
        Actor::System => "system",
    }
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
                            if !conn.send(error_frame(&Value::Null, "rate_limited", "Too many messages; slow down and try again in a moment.")).await {
                                break CloseReason::from(CloseCode::Normal);
                            }
                            continue;
                        }
                        if !conn.frame(&text).await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Binary(_)) => {
                        if !conn.send(error_frame(&Value::Null, "bad_frame", "Send JSON text frames, not binary.")).await {
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
                        if !conn.send(f.to_string()).await {
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
