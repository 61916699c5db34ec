//! Black-box helpers: a server on port 0 with a temp database, and a WebSocket
//! client that speaks the contract.

use std::time::Duration;

use actix_web::web::Bytes;
use awc::ws;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

pub struct TestApp {
    pub port: u16,
    /// Keeps the temporary database alive as long as the app.
    pub _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_app_in(dir).await
}

pub async fn spawn_app_in(dir: tempfile::TempDir) -> TestApp {
    let scenarios = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    spawn_app_with(dir, scenarios).await
}

/// A server whose scenarios folder holds one fixture, `tests/fixtures/<name>.toml`.
pub async fn spawn_app_with_fixture(name: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).expect("scenarios dir");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/{name}.toml")),
        scenarios.join(format!("{name}.toml")),
    )
    .expect("fixture copied");
    spawn_app_with(dir, scenarios).await
}

/// A server on the repository's scenarios with its configuration changed by `change`
/// (a host password, limits), in `dir` (a fresh one when `None`).
pub async fn spawn_app_configured(
    dir: Option<tempfile::TempDir>,
    change: impl FnOnce(&mut wargame::server::Config),
) -> TestApp {
    let dir = dir.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
    let mut config = wargame::server::Config {
        addr: "127.0.0.1:0".into(),
        db: dir.path().join("test.db"),
        scenarios: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        ..Default::default()
    };
    change(&mut config);
    let app = wargame::server::Application::build(config)
        .await
        .expect("server builds");
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped(false));
    TestApp { port, _dir: dir }
}

/// An answer read whole: status, `Retry-After` (if any), JSON body (or null).
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: Value,
    pub bytes: Bytes,
}

async fn spawn_app_with(dir: tempfile::TempDir, scenarios: std::path::PathBuf) -> TestApp {
    // RUST_LOG=debug shows the server's logs for a failing test.
    if let Ok(filter) = std::env::var("RUST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    let config = wargame::server::Config {
        addr: "127.0.0.1:0".into(),
        db: dir.path().join("test.db"),
        scenarios,
        ..Default::default()
    };
    let app = wargame::server::Application::build(config)
        .await
        .expect("server builds");
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped(false));
    TestApp { port, _dir: dir }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut resp = awc::Client::new()
            .post(self.url(path))
            .send_json(&body)
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let body = resp.body().await.expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let mut resp = awc::Client::new()
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let body = resp.body().limit(16 << 20).await.expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A request with headers (`Authorization`, `X-Host-Password`); `body` is sent
    /// as JSON unless null.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Answer {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = awc::Client::new().request(method, self.url(path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut resp = if body.is_null() {
            req.send().await
        } else {
            req.send_json(&body).await
        }
        .expect("request");
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = resp.body().limit(16 << 20).await.expect("body");
        Answer {
            status,
            retry_after,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
        }
    }

    /// Creates a session; returns (session_id, join_code, facilitator_token).
    pub async fn create(&self, seed: u64) -> (String, String, String) {
        let (status, body) = self
            .post(
                "/api/sessions",
                json!({"scenario": "belarus-2025", "title": "Test <b>game</b>", "seed": seed}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (
            body["session_id"].as_str().expect("id").to_string(),
            body["join_code"].as_str().expect("code").to_string(),
            body["facilitator_token"]
                .as_str()
                .expect("token")
                .to_string(),
        )
    }

    pub async fn join(&self, code: &str, team: &str, name: &str) -> String {
        let (status, body) = self
            .post(
                "/api/join",
                json!({"join_code": code, "team": team, "name": name}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn ws(&self, token: &str) -> Client {
        Client::connect(self.port, token).await
    }
}

pub struct Client {
    /// Messages for the socket task to write.
    out: tokio::sync::mpsc::UnboundedSender<ws::Message>,
    /// Text frames the socket task has read; closed when the socket is.
    inbox: tokio::sync::mpsc::UnboundedReceiver<Value>,
    /// Whether the socket task still answers the server's WebSocket pings.
    answers_pings: std::rc::Rc<std::cell::Cell<bool>>,
    /// Every text frame received so far, in order.
    pub seen: Vec<Value>,
    pending: std::collections::VecDeque<Value>,
    next_ref: u64,
    pub snapshot: Value,
}

pub const WAIT: Duration = Duration::from_secs(10);

impl Client {
    pub async fn raw(port: u16) -> Client {
        let (_, framed) = awc::Client::new()
            .ws(format!("ws://127.0.0.1:{port}/ws"))
            .max_frame_size(16 << 20)
            .connect()
            .await
            .expect("ws connect");
        let (out, mut out_rx) = tokio::sync::mpsc::unbounded_channel::<ws::Message>();
        let (in_tx, inbox) = tokio::sync::mpsc::unbounded_channel::<Value>();
        let answers_pings = std::rc::Rc::new(std::cell::Cell::new(true));
        let answers = answers_pings.clone();
        // One task owns the socket: it answers the server's heartbeat pings at once,
        // as a browser does, however long the test takes between reads.
        actix_rt::spawn(async move {
            let mut framed = framed;
            loop {
                tokio::select! {
                    msg = out_rx.recv() => {
                        let Some(msg) = msg else { break };
                        if framed.send(msg).await.is_err() {
                            break;
                        }
                    }
                    frame = framed.next() => match frame {
                        Some(Ok(ws::Frame::Text(b))) => {
                            let v: Value = serde_json::from_slice(&b).expect("server sends JSON");
                            if in_tx.send(v).is_err() {
                                break;
                            }
                        }
                        Some(Ok(ws::Frame::Ping(p))) => {
                            if answers.get() {
                                let _ = framed.send(ws::Message::Pong(p)).await;
                            }
                        }
                        Some(Ok(ws::Frame::Close(_))) | Some(Err(_)) | None => break,
                        Some(Ok(_)) => {}
                    },
                }
            }
        });
        Client {
            out,
            inbox,
            answers_pings,
            seen: Vec::new(),
            pending: Default::default(),
            next_ref: 0,
            snapshot: Value::Null,
        }
    }

    pub async fn connect(port: u16, token: &str) -> Client {
        let mut c = Client::raw(port).await;
        c.send(json!({"type": "auth", "token": token})).await;
        let snap = c
            .until(|f| f["type"] == "snapshot" || f["type"] == "error")
            .await;
        assert_eq!(snap["type"], "snapshot", "auth failed: {snap}");
        c.snapshot = snap;
        c
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(v.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        // A socket the server has closed takes nothing more; reads say so.
        let _ = self.out.send(ws::Message::Text(text.into()));
    }

    /// From now on the client answers no WebSocket ping: a frozen browser tab.
    pub fn stop_answering_pings(&self) {
        self.answers_pings.set(false);
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        let _ = self.out.send(ws::Message::Binary(Bytes::from(bytes)));
    }

    /// The next text frame, or `None` when the socket closed (or nothing came in time).
    pub async fn next(&mut self) -> Option<Value> {
        if let Some(v) = self.pending.pop_front() {
            return Some(v);
        }
        self.next_wire(WAIT).await
    }

    async fn next_wire(&mut self, wait: Duration) -> Option<Value> {
        let v = tokio::time::timeout(wait, self.inbox.recv()).await.ok()??;
        self.seen.push(v.clone());
        Some(v)
    }

    /// Reads until a frame matches; earlier frames stay queued for later reads.
    pub async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let mut skipped = Vec::new();
        let found = loop {
            match self.next().await {
                Some(v) if pred(&v) => break v,
                Some(v) => skipped.push(v),
                None => panic!("socket closed or timed out waiting; got {skipped:?}"),
            }
        };
        for v in skipped.into_iter().rev() {
            self.pending.push_front(v);
        }
        found
    }

    /// Sends a command with a fresh ref; returns the matching ack or error frame.
    pub async fn cmd(&mut self, mut v: Value) -> Value {
        self.next_ref += 1;
        let r = format!("r{}", self.next_ref);
        v["ref"] = json!(r);
        self.send(v).await;
        self.until(|f| (f["type"] == "ack" || f["type"] == "error") && f["ref"] == r.as_str())
            .await
    }

    /// Sends a command that must be accepted; returns the ack's seq. The sender
    /// hears the ack before its command's events: when the ack's seq is new to this
    /// socket, no event with that seq was read before it.
    pub async fn ok(&mut self, v: Value) -> u64 {
        let known = self.seen.iter().filter_map(|f| f["seq"].as_u64()).max();
        let read_before = self.seen.len();
        let reply = self.cmd(v.clone()).await;
        assert_eq!(reply["type"], "ack", "{v} was refused: {reply}");
        let seq = reply["seq"].as_u64().expect("seq");
        if known.is_none_or(|k| seq > k) {
            let early = self.seen[read_before..]
                .iter()
                .take_while(|f| f["type"] != "ack" || f["ref"] != reply["ref"])
                .any(|f| f["type"] == "event" && f["seq"].as_u64() == Some(seq));
            assert!(!early, "an event of {v} arrived before its ack");
        }
        seq
    }

    pub async fn refused(&mut self, v: Value, code: &str) {
        let reply = self.cmd(v.clone()).await;
        assert_eq!(reply["type"], "error", "{v} should be refused: {reply}");
        assert_eq!(reply["code"], code, "{v}: {reply}");
        assert!(
            reply["message"].as_str().is_some_and(|m| m.len() > 10),
            "{reply}"
        );
    }

    /// Waits for the event with this kind (and seq at least `min_seq`).
    pub async fn event(&mut self, kind: &str) -> Value {
        self.until(|f| f["type"] == "event" && f["kind"] == kind)
            .await
    }

    /// Reads until the server has answered a `ping` sent now. The pong travels
    /// behind this seat's events (docs/PROTOCOL.md), so afterwards every event
    /// committed before it (every command already acknowledged, to anyone) has
    /// been read: what this seat has not seen by then, it was never sent.
    pub async fn drain(&mut self) {
        self.next_ref += 1;
        let r = format!("drain-{}", self.next_ref);
        self.send(json!({"type": "ping", "ref": r})).await;
        self.until(|f| f["type"] == "pong" && f["ref"] == r.as_str())
            .await;
    }

    /// Waits for a presence frame in which `team` has a seat with this `connected`.
    pub async fn presence(&mut self, team: &str, connected: bool) -> Value {
        self.until(|f| {
            f["type"] == "presence"
                && f["seats"].as_array().is_some_and(|s| {
                    s.iter()
                        .any(|x| x["team"] == team && x["connected"] == connected)
                })
        })
        .await
    }

    /// Drops the frames received but not yet read, without waiting for more.
    pub fn pending_clear(&mut self) {
        self.pending.clear();
    }

    /// Drops every frame received so far (see `drain`).
    pub async fn forget(&mut self) {
        self.drain().await;
        self.pending.clear();
    }

    /// A fresh snapshot via re-authentication on the same socket.
    pub async fn resnapshot(&mut self, token: &str) -> Value {
        self.send(json!({"type": "auth", "token": token})).await;
        let s = self.until(|f| f["type"] == "snapshot").await;
        self.snapshot = s.clone();
        s
    }

    /// Whether the server has closed this socket.
    pub async fn closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(WAIT, self.inbox.recv()).await {
                Ok(None) => return true,
                Ok(Some(_)) => continue,
                Err(_) => return false,
            }
        }
    }

    pub fn all_text(&self) -> String {
        self.seen
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub const TEAMS: [&str; 4] = ["belarus", "russia", "ukraine", "nato"];
