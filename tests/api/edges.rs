//! The edges of the server: wrong methods, bytes a browser would never send, floods,
//! the close handshake, the log's bytes and the validator's lines.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::helpers::*;

/// A WebSocket client that writes frames byte by byte, so that a test can send what
/// a well-behaved library never would (invalid UTF-8, a fragmented message over the
/// limit) and see exactly what comes back, close frames and end of stream included.
struct Raw {
    tcp: TcpStream,
    buf: Vec<u8>,
}

/// A frame the server sent.
#[derive(Debug)]
enum Got {
    Text(Value),
    Binary,
    Ping,
    Pong,
    Close(Option<u16>),
    /// The TCP connection ended.
    Eof,
}

impl Raw {
    async fn connect(port: u16) -> Raw {
        let mut tcp = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        let req = format!(
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(req.as_bytes()).await.expect("handshake");
        let mut raw = Raw {
            tcp,
            buf: Vec::new(),
        };
        let head = loop {
            if let Some(end) = raw.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw.buf[..end]).to_string();
                raw.buf.drain(..end + 4);
                break head;
            }
            assert!(raw.fill().await > 0, "the handshake was not answered");
        };
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        raw
    }

    async fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 16 * 1024];
        match tokio::time::timeout(WAIT, self.tcp.read(&mut chunk)).await {
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                n
            }
            _ => 0,
        }
    }

    /// Writes one masked frame: `fin`, `opcode`, payload.
    async fn frame(&mut self, fin: bool, opcode: u8, payload: &[u8]) {
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x12, 0x34, 0x56, 0x78];
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        // The server may already have closed: a failed write shows up as Eof later.
        let _ = self.tcp.write_all(&out).await;
    }

    async fn text(&mut self, text: &str) {
        self.frame(true, 0x1, text.as_bytes()).await;
    }

    /// The next frame, or `Eof` (also when nothing came within `WAIT`).
    async fn next(&mut self) -> Got {
        loop {
            if let Some((got, used)) = parse(&self.buf) {
                self.buf.drain(..used);
                return got;
            }
            if self.fill().await == 0 {
                return Got::Eof;
            }
        }
    }

    /// Reads until a close frame; its code.
    async fn close_code(&mut self) -> Option<u16> {
        loop {
            match self.next().await {
                Got::Close(code) => return code,
                Got::Eof => return None,
                _ => {}
            }
        }
    }

    /// Reads text frames until one matches.
    async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            match self.next().await {
                Got::Text(v) if pred(&v) => return v,
                Got::Close(c) => panic!("closed ({c:?}) while waiting"),
                Got::Eof => panic!("socket ended while waiting"),
                _ => {}
            }
        }
    }
}

/// One unmasked server frame from the front of `buf`, and how many bytes it used.
fn parse(buf: &[u8]) -> Option<(Got, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0F;
    let (len, mut at) = match buf[1] & 0x7F {
        126 => (u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?]) as usize, 4),
        127 => {
            let b: [u8; 8] = buf.get(2..10)?.try_into().ok()?;
            (u64::from_be_bytes(b) as usize, 10)
        }
        n => (n as usize, 2),
    };
    let payload = buf.get(at..at + len)?;
    at += len;
    let got = match opcode {
        0x1 => Got::Text(serde_json::from_slice(payload).expect("the server sends JSON")),
        0x2 => Got::Binary,
        0x8 => Got::Close(payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]))),
        0x9 => Got::Ping,
        0xA => Got::Pong,
        other => panic!("unexpected opcode {other}"),
    };
    Some((got, at))
}

#[actix_rt::test]
async fn wrong_methods_answer_405_with_allow_and_json() {
    let app = spawn_app().await;
    let client = awc::Client::new();
    let cases = [
        ("DELETE", "/api/sessions", "POST"),
        ("GET", "/api/sessions", "POST"),
        ("PUT", "/api/join", "POST"),
        ("POST", "/api/scenarios", "GET"),
        ("POST", "/api/scenarios/belarus-2025", "GET"),
        ("POST", "/healthz", "GET"),
        ("DELETE", "/api/join/ABCDEF", "GET"),
        ("POST", "/api/sessions/s1/export", "GET"),
        ("POST", "/ws", "GET"),
        ("POST", "/", "GET,HEAD"),
        ("PUT", "/static/js/lib/reducer.js", "GET,HEAD"),
    ];
    for (method, path, allow) in cases {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut resp = client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");
        let body: Value =
            serde_json::from_slice(&resp.body().await.expect("body")).unwrap_or(Value::Null);
        assert_eq!(resp.status().as_u16(), 405, "{method} {path}: {body}");
        assert_eq!(
            resp.headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.replace(' ', "")),
            Some(allow.to_string()),
            "{method} {path}"
        );
        assert_eq!(
            body["error"]["code"], "method_not_allowed",
            "{method} {path}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&allow.replace(",", ", "))),
            "{body}"
        );
    }
    // An unknown path is still 404 in JSON, whatever the method.
    for method in ["GET", "POST", "DELETE"] {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut resp = client
            .request(method, app.url("/api/nothing"))
            .send()
            .await
            .expect("request");
        let body: Value =
            serde_json::from_slice(&resp.body().await.expect("body")).unwrap_or(Value::Null);
        assert_eq!(resp.status().as_u16(), 404);
        assert_eq!(body["error"]["code"], "not_found");
        assert!(resp.headers().get("allow").is_none());
    }
}

#[actix_rt::test]
async fn ws_without_upgrade_and_bearer_in_any_case() {
    let app = spawn_app().await;
    let (session, _, token) = app.create(3).await;
    let (status, body) = app.get("/ws").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("bad_request"))
    );
    let client = awc::Client::new();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let resp = client
            .get(app.url(&format!("/api/sessions/{session}/export?format=csv")))
            .insert_header(("Authorization", format!("{scheme} {token}")))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 200, "{scheme}");
    }
    let mut resp = client
        .get(app.url(&format!("/api/sessions/{session}/export")))
        .insert_header(("Authorization", format!("Basic {token}")))
        .send()
        .await
        .expect("request");
    let body: Value = serde_json::from_slice(&resp.body().await.expect("body")).expect("json");
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[actix_rt::test]
async fn rate_limited_errors_echo_the_ref() {
    let app = spawn_app().await;
    let (_, _, token) = app.create(4).await;
    let mut c = Raw::connect(app.port).await;
    c.text(&json!({"type": "auth", "token": token}).to_string())
        .await;
    c.until(|f| f["type"] == "snapshot").await;
    for i in 0..120 {
        c.text(&json!({"type": "ping", "ref": format!("f{i}")}).to_string())
            .await;
    }
    let mut limited = 0;
    for _ in 0..120 {
        let f = c
            .until(|f| f["type"] == "pong" || f["type"] == "error")
            .await;
        if f["type"] == "error" {
            assert_eq!(f["code"], "rate_limited", "{f}");
            let r = f["ref"].as_str().unwrap_or_default();
            assert!(r.starts_with('f'), "a refused frame's ref is echoed: {f}");
            limited += 1;
        }
    }
    assert!(limited > 0, "120 frames at once were not rate limited");
    // A ref of any JSON type comes back as sent.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut echoed = false;
    for _ in 0..100 {
        c.text(r#"{"type":"ping","ref":{"n":[1,2]}}"#).await;
        let f = c
            .until(|f| f["type"] == "pong" || f["type"] == "error")
            .await;
        assert_eq!(f["ref"], json!({"n": [1, 2]}), "{f}");
        if f["type"] == "error" {
            echoed = true;
            break;
        }
    }
    assert!(echoed, "the bucket never ran dry");
}

#[actix_rt::test]
async fn pings_and_binary_frames_count_against_the_limit() {
    let app = spawn_app().await;
    // A flood of WebSocket pings: the pongs stop at the burst.
    let mut c = Raw::connect(app.port).await;
    for _ in 0..300 {
        c.frame(true, 0x9, b"p").await;
    }
    // A text ping after the flood, to know when every pong that is coming came.
    c.text(r#"{"type":"ping","ref":"end"}"#).await;
    let mut pongs = 0;
    let last = loop {
        match c.next().await {
            Got::Pong => pongs += 1,
            Got::Text(v) => break v,
            Got::Ping => {} // the server's heartbeat
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(pongs >= 30, "the burst is answered ({pongs} pongs)");
    assert!(
        pongs < 100,
        "300 pings at once were all answered ({pongs} pongs)"
    );
    assert_eq!(last["ref"], "end", "{last}");

    // A flood of binary frames: `rate_limited` once the bucket is empty.
    let mut c = Raw::connect(app.port).await;
    for _ in 0..100 {
        c.frame(true, 0x2, &[1, 2, 3]).await;
    }
    let mut codes = std::collections::BTreeMap::new();
    for _ in 0..100 {
        let f = c.until(|f| f["type"] == "error").await;
        *codes
            .entry(f["code"].as_str().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    assert!(
        codes.get("bad_frame").is_some_and(|n| *n >= 30),
        "{codes:?}"
    );
    assert!(
        codes.get("rate_limited").is_some_and(|n| *n > 0),
        "{codes:?}"
    );

    // A flood that never lets up is closed with 1008.
    let mut c = Raw::connect(app.port).await;
    for _ in 0..1200 {
        c.frame(true, 0x9, b"").await;
    }
    assert_eq!(c.close_code().await, Some(1008));
}

#[actix_rt::test]
async fn unreadable_frames_close_with_their_own_codes() {
    let app = spawn_app().await;
    // Invalid UTF-8 in a text frame: 1007 (RFC 6455 §8.1).
    let mut c = Raw::connect(app.port).await;
    c.frame(true, 0x1, &[b'{', 0xC3, 0x28, b'}']).await;
    assert_eq!(c.close_code().await, Some(1007));
    // ... also when it arrives in fragments.
    let mut c = Raw::connect(app.port).await;
    c.frame(false, 0x1, b"{\"type\":\"").await;
    c.frame(true, 0x0, &[0xFF, b'"', b'}']).await;
    assert_eq!(c.close_code().await, Some(1007));
    // A single frame over 64 KiB: 1009.
    let mut c = Raw::connect(app.port).await;
    c.frame(true, 0x1, &vec![b' '; 65 * 1024]).await;
    assert_eq!(c.close_code().await, Some(1009));
    // A fragmented message over 64 KiB, every fragment small: 1009 too.
    let mut c = Raw::connect(app.port).await;
    c.frame(false, 0x1, &[b' '; 16 * 1024]).await;
    for _ in 0..4 {
        c.frame(false, 0x0, &[b' '; 16 * 1024]).await;
    }
    c.frame(true, 0x0, b"{}").await;
    assert_eq!(c.close_code().await, Some(1009));
    // A fragmented message within the limit is one frame like any other.
    let mut c = Raw::connect(app.port).await;
    c.frame(false, 0x1, b"{\"type\":\"pi").await;
    c.frame(true, 0x0, b"ng\",\"ref\":\"frag\"}").await;
    let pong = c.until(|f| f["type"] == "pong").await;
    assert_eq!(pong["ref"], "frag");
}

#[actix_rt::test]
async fn the_close_handshake_ends_the_connection_promptly() {
    let app = spawn_app().await;
    let (_, _, token) = app.create(5).await;
    for authed in [false, true] {
        let mut c = Raw::connect(app.port).await;
        if authed {
            c.text(&json!({"type": "auth", "token": token}).to_string())
                .await;
            c.until(|f| f["type"] == "snapshot").await;
        }
        c.frame(true, 0x8, &1000u16.to_be_bytes()).await;
        let started = Instant::now();
        assert_eq!(c.close_code().await, Some(1000));
        // After the close frame the server ends the TCP connection itself.
        match c.next().await {
            Got::Eof => {}
            other => panic!("after the close frame: {other:?}"),
        }
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(300),
            "the connection lingered {took:?} after the close handshake"
        );
    }
}

#[actix_rt::test]
async fn an_oversize_body_is_refused_in_json_not_reset() {
    let app = spawn_app().await;
    for size in [100 * 1024, 4 << 20] {
        let body = format!(
            r#"{{"scenario":"belarus-2025","title":"{}"}}"#,
            "x".repeat(size)
        );
        let mut resp = awc::Client::new()
            .post(app.url("/api/sessions"))
            .insert_header(("Content-Type", "application/json"))
            .send_body(body)
            .await
            .expect("the refusal arrives (no connection reset)");
        let body: Value =
            serde_json::from_slice(&resp.body().await.expect("body")).unwrap_or(Value::Null);
        assert_eq!(resp.status().as_u16(), 400, "{body}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
}

/// Kills the server it wraps when dropped, also when an assertion fails.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_log_has_no_colour_codes_in_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("log.txt");
    let file = std::fs::File::create(&log).expect("log file");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("w.db"))
        .arg("--scenarios")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .env_remove("RUST_LOG")
        .stdout(file)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    let _running = Running(child);
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let text = std::fs::read(&log).expect("read the log");
        if String::from_utf8_lossy(&text).contains("open http://") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let shown = String::from_utf8_lossy(&text);
    assert!(shown.contains("scenario loaded"), "{shown}");
    assert!(shown.contains("open http://"), "{shown}");
    assert!(
        !text.contains(&0x1B),
        "escape codes in a log written to a file: {shown:?}"
    );
}

#[test]
fn validate_prints_one_line_per_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/covert.toml"),
    )
    .expect("fixture");
    // Ids with a line break, a terminal escape and a tab, where the validator
    // quotes them back.
    let source = source
        .replacen("id = \"red\"", "id = \"red\\nfake: ok\"", 1)
        .replacen("id = \"tension\"", "id = \"ten\\u001b[31msion\\t\"", 1);
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, source).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .arg("validate")
        .arg(&file)
        .output()
        .expect("validate runs");
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "{text}");
    for line in &lines {
        assert!(
            line.starts_with(&*file.to_string_lossy()),
            "a line that is not a problem of its own: {line:?} in {text:?}"
        );
    }
    assert!(!text.contains('\u{1b}') && !text.contains('\t'), "{text:?}");
    assert!(text.contains("red\\nfake: ok"), "{text}");
    assert!(text.contains("ten\\u{1b}[31msion\\t"), "{text}");
}

async fn export_of(
    app: &TestApp,
    session: &str,
    token: &str,
    format: &str,
) -> (u16, String, String, Vec<u8>) {
    let mut resp = awc::Client::new()
        .get(app.url(&format!("/api/sessions/{session}/export?format={format}")))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (disposition, content_type) = (header("content-disposition"), header("content-type"));
    let body = resp.body().limit(16 << 20).await.expect("body").to_vec();
    (resp.status().as_u16(), disposition, content_type, body)
}

#[actix_rt::test]
async fn exports_are_named_after_the_title_and_shown_in_the_session_time_zone() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "belarus-2025", "title": "Штабна гра: Syndicate B", "seed": 1, "time_zone": "+03:00"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let session = body["session_id"].as_str().expect("id").to_string();
    let token = body["facilitator_token"]
        .as_str()
        .expect("token")
        .to_string();

    let (status, _, _, json_body) = export_of(&app, &session, &token, "json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_slice(&json_body).expect("JSON");
    assert_eq!(doc["session"]["time_zone"], "+03:00");
    // The JSON keeps ISO 8601 UTC.
    let created = doc["session"]["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z'), "{created}");
    let day = &created[..10];
    let hour: u32 = created[11..13].parse().expect("hour");
    let minute = &created[14..16];

    let (status, disposition, _, md) = export_of(&app, &session, &token, "markdown").await;
    assert_eq!(status, 200);
    let md = String::from_utf8(md).expect("UTF-8");
    let dates = md
        .lines()
        .find(|l| l.starts_with("- **Dates:**"))
        .expect("a Dates line");
    assert!(
        dates.contains(&format!("{:02}:{minute}", (hour + 3) % 24)),
        "{dates} (created {created})"
    );
    assert!(!dates.contains('T') || !dates.contains('Z'), "{dates}");
    assert!(md.contains("- **Times in:** UTC+03:00"), "{md}");
    // Named after the title: an ASCII name, and the title itself as filename*.
    let local_day = if hour + 3 >= 24 { None } else { Some(day) };
    assert!(
        disposition.starts_with("attachment; filename=\"syndicate-b-"),
        "{disposition}"
    );
    if let Some(day) = local_day {
        assert!(
            disposition.contains(&format!("syndicate-b-{day}-aar.md\"")),
            "{disposition}"
        );
    }
    assert!(
        disposition.contains("; filename*=UTF-8''%D0%A8%D1%82%D0%B0%D0%B1%D0%BD%D0%B0%20%D0%B3%D1%80%D0%B0%20Syndicate%20B-"),
        "{disposition}"
    );
    assert!(disposition.is_ascii());

    let (status, disposition, content_type, xlsx) = export_of(&app, &session, &token, "xlsx").await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(disposition.contains("-aar.xlsx\""), "{disposition}");
    assert!(xlsx.starts_with(b"PK\x03\x04"));

    // A time zone that is none is refused; an IANA name is taken.
    for (zone, status) in [
        ("Mars/Olympus", 400),
        ("+25:00", 400),
        ("Europe/Vilnius", 201),
        ("-05:30", 201),
    ] {
        let (s, body) = app
            .post(
                "/api/sessions",
                json!({"scenario": "belarus-2025", "time_zone": zone}),
            )
            .await;
        assert_eq!(s, status, "{zone}: {body}");
        if status == 400 {
            assert_eq!(body["error"]["code"], "bad_request");
        }
    }
}

#[actix_rt::test]
async fn the_messages_csv_holds_what_was_said_and_refuses_unknown_tables() {
    let app = spawn_app().await;
    let (session, code, fac_token) = app.create(5).await;
    let token = app.join(&code, "belarus", "Alena").await;
    let mut belarus = app.ws(&token).await;
    belarus
        .ok(json!({"type": "say", "channel": "belarus-russia", "text": "=HYPERLINK(\"x\") Мінск"}))
        .await;
    let (status, disposition, _, body) =
        export_of(&app, &session, &fac_token, "csv&table=messages").await;
    assert_eq!(status, 200);
    assert!(disposition.contains("-aar-messages.csv\""), "{disposition}");
    let text = String::from_utf8(body).expect("UTF-8");
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("seq,turn,phase,time,channel,team,author,as,text")
    );
    let row = lines.next().expect("one message");
    assert!(
        row.contains("belarus-russia") && row.contains("Alena"),
        "{row}"
    );
    assert!(row.contains("Мінск"), "non-ASCII intact: {row}");
    assert!(!row.contains(",=HYPERLINK"), "the formula is inert: {row}");
    for bad in ["csv&table=nope", "json&table=messages"] {
        let (status, _, _, body) = export_of(&app, &session, &fac_token, bad).await;
        assert_eq!(status, 400, "{bad}: {}", String::from_utf8_lossy(&body));
        let err: Value = serde_json::from_slice(&body).expect("a JSON error");
        assert!(err["error"]["code"].is_string(), "{err}");
    }
}
