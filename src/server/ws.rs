//! One WebSocket connection: authenticate with the first frame, then one
//! `select!` loop over client frames, outbound events and the heartbeat.
//!
//! **Invariant:** a bad frame gets an error frame and the connection stays open;
//! only an oversize frame, a protocol violation (invalid UTF-8 in a text frame
//! included), a flood that never lets up, a dead peer, a full outbound queue or
//! shutdown close it.
//!
//! Every frame a client sends, text, binary or WebSocket ping, takes a token from
//! the connection's bucket: a text frame over the limit is answered `rate_limited`
//! with its own `ref`, a binary one `rate_limited` with a null ref, and a ping over
//! the limit gets no pong (RFC 6455 lets a peer answer only the latest ping).

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
/// The server pings every second; a client heard from by no frame at all (a pong, a
/// ping, a command) for `SILENCE` is closed (1001), so presence is true within 5 s:
/// the check runs every `HEARTBEAT`, so a silent client goes at most `SILENCE +
/// HEARTBEAT` after its last frame. Browsers answer WebSocket pings by themselves,
/// and so does any client that follows RFC 6455.
const HEARTBEAT: Duration = Duration::from_secs(1);
const SILENCE: Duration = Duration::from_secs(4);
/// A write the peer does not take within this long closes the socket.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Token bucket: sustained frames per second and burst.
const RATE_PER_SEC: f64 = 20.0;
const RATE_BURST: f64 = 40.0;
/// Frames refused in a row, the bucket never recovering in between, before the
/// connection is closed (1008): a client that ignores `rate_limited` for this
/// long is not going to slow down.
const FLOOD_CLOSE: u32 = 1000;

const SLOW_DOWN: &str = "Too many messages; slow down and try again in a moment.";

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// A second handle on a connection's TCP socket, kept from when it was accepted.
///
/// After the close handshake the client waits for the server to close the TCP
/// connection (RFC 6455 §7.1.1), but actix-web sees a WebSocket as a request body
/// that never ended and goes on reading it for its `client_disconnect_timeout` (a
/// second) before closing. Shutting the socket's reading side once our close frame
/// is queued ends that wait at once: the server writes the close frame and closes.
#[derive(Clone)]
pub struct Socket(Arc<std::net::TcpStream>);

impl Socket {
    /// Keeps a handle on every accepted socket in its connection's data (one
    /// more file descriptor per open connection, closed with it).
    pub fn remember(socket: &actix_web::rt::net::TcpStream, ext: &mut actix_web::dev::Extensions) {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            match socket.as_fd().try_clone_to_owned() {
                Ok(fd) => {
                    ext.insert(Socket(Arc::new(std::net::TcpStream::from(fd))));
                }
                Err(e) => tracing::debug!("cannot keep a handle on a socket: {e}"),
            }
        }
        #[cfg(not(unix))]
        let _ = (socket, ext);
    }

    /// Nothing more will be read from this connection.
    fn stop_reading(&self) {
        if let Err(e) = self.0.shutdown(std::net::Shutdown::Read) {
            tracing::debug!("cannot shut a socket's reading side: {e}");
        }
    }
}

pub async fn route(
    req: HttpRequest,
    body: web::Payload,
    app: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let socket = req.conn_data::<Socket>().cloned();
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
        // Once the close frame is queued the response ends after it; nothing the
        // client sends from now on is read, so the connection closes right away.
        if let Some(socket) = socket {
            socket.stop_reading();
        }
    });
    Ok(response)
}

struct Bucket {
    tokens: f64,
    last: Instant,
    /// Frames refused since the last one taken.
    refused: u32,
}

impl Bucket {
    fn new() -> Bucket {
        Bucket {
            tokens: RATE_BURST,
            last: Instant::now(),
            refused: 0,
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * RATE_PER_SEC)
            .min(RATE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused = 0;
            true
        } else {
            self.refused = self.refused.saturating_add(1);
            false
        }
    }
}

/// The `ref` of a text frame refused unread, so that a client waiting on it hears
/// its answer. Only that field is kept (serde skips the rest without building
/// it); anything that is not a JSON object with one `ref` gives null.
fn ref_only(text: &str) -> Ref {
    #[derive(serde::Deserialize)]
    struct OnlyRef {
        #[serde(default, rename = "ref")]
        r#ref: Ref,
    }
    serde_json::from_str::<OnlyRef>(text).map_or(Ref::Null, |f| f.r#ref)
}

/// The close code for a frame the WebSocket layer could not read: 1009 for a
/// frame or a reassembled message over [`MAX_FRAME`], 1007 for a text message
/// that is not UTF-8 (RFC 6455 §8.1), 1002 for anything else.
fn unreadable(e: &actix_ws::ProtocolError) -> CloseReason {
    use actix_ws::ProtocolError;
    let (code, description) = match e {
        ProtocolError::Overflow => (
            CloseCode::Size,
            format!("frame larger than {MAX_FRAME} bytes"),
        ),
        ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => (
            CloseCode::Invalid,
            "text frame is not valid UTF-8".to_string(),
        ),
        // actix-ws reports an over-long fragmented message as a plain I/O error
        // with this sentence.
        ProtocolError::Io(io) if io.to_string().contains("maximum continuation size") => (
            CloseCode::Size,
            format!("message larger than {MAX_FRAME} bytes"),
        ),
        _ => (CloseCode::Protocol, "protocol error".to_string()),
    };
    CloseReason {
        code,
        description: Some(description),
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
            // Only a join (over HTTP) is refused for a full session.
            Err(CommandError::Unavailable(m) | CommandError::Full(m)) => {
                self.refuse(&r#ref, WsCode::Unavailable, &m).await
            }
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
    let mut bucket = Bucket::new();
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
                let allowed = match &msg {
                    Ok(AggregatedMessage::Text(_) | AggregatedMessage::Binary(_) | AggregatedMessage::Ping(_)) => bucket.take(),
                    _ => true,
                };
                if bucket.refused > FLOOD_CLOSE {
                    break CloseReason { code: CloseCode::Policy, description: Some("too many messages".into()) };
                }
                match msg {
                    Ok(AggregatedMessage::Text(text)) => {
                        let sent = if allowed {
                            conn.frame(&text).await
                        } else {
                            conn.refuse(&ref_only(&text), WsCode::RateLimited, SLOW_DOWN).await
                        };
                        if !sent {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Binary(_)) => {
                        let (code, message) = if allowed {
                            (WsCode::BadFrame, "Send JSON text frames, not binary.")
                        } else {
                            (WsCode::RateLimited, SLOW_DOWN)
                        };
                        if !conn.refuse(&Ref::Null, code, message).await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Ping(bytes)) => {
                        if allowed && !timely(conn.session.pong(&bytes)).await {
                            break CloseReason::from(CloseCode::Normal);
                        }
                    }
                    Ok(AggregatedMessage::Pong(_)) => {}
                    Ok(AggregatedMessage::Close(_)) => break CloseReason::from(CloseCode::Normal),
                    Err(e) => break unreadable(&e),
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
                if last_heard.elapsed() > SILENCE {
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
