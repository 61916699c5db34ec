//! The real binary, killed with SIGKILL mid-turn and restarted on the same database:
//! nothing it acknowledged is lost.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use super::helpers::*;

struct Server {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn start(db: &std::path::Path, port: u16) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .arg("--scenarios")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wargame");
    for _ in 0..100 {
        if let Ok(r) = awc::Client::new()
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && r.status().is_success()
        {
            return Server { child, port };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not come up");
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn app_for(port: u16) -> TestApp {
    TestApp {
        port,
        _dir: tempfile::tempdir().expect("dir"),
    }
}

/// A snapshot without what legitimately differs between two reads: who is connected
/// and the server's clock.
fn without_presence(mut v: Value) -> Value {
    v["presence"] = Value::Null;
    v["now"] = Value::Null;
    v
}

#[actix_rt::test]
async fn sigkill_mid_turn_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("crash.db");
    let port = free_port();
    let mut server = start(&db, port).await;
    let app = app_for(server.port);
    let (session, code, fac_token) = app.create(99).await;
    let mut tokens = Vec::new();
    for t in TEAMS {
        tokens.push(app.join(&code, t, &format!("{t} lead")).await);
    }
    let mut fac = app.ws(&fac_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "inject", "script": "msel-1"})).await;
    fac.ok(json!({"type": "advance"})).await;
    let picks = [
        "adopt_defence_law",
        "press_minsk",
        "fortify_north",
        "share_intelligence",
    ];
    let mut last = 0;
    for (i, tok) in tokens.iter().enumerate() {
        let mut c = app.ws(tok).await;
        last = c
            .ok(json!({"type": "submit", "turn": 1, "choices": [{"option": picks[i], "rationale": format!("acked {i}")}]}))
            .await;
    }
    let before_fac = without_presence(fac.resnapshot(&fac_token).await);
    assert_eq!(before_fac["seq"].as_u64(), Some(last));
    let team_before = without_presence(app.ws(&tokens[2]).await.snapshot);

    // SIGKILL: no chance to flush anything that was not already durable.
    let _ = server.child.kill();
    let _ = server.child.wait();
    drop(server);

    let port2 = free_port();
    let _server2 = start(&db, port2).await;
    let app2 = app_for(port2);
    let fac2 = app2.ws(&fac_token).await;
    assert_eq!(without_presence(fac2.snapshot.clone()), before_fac);
    let team_after = without_presence(app2.ws(&tokens[2]).await.snapshot);
    assert_eq!(team_after, team_before);
    assert_eq!(team_after["draft"]["choices"][0]["rationale"], "acked 2");

    // The replay command agrees with the stored state hash.
    let out = replay_cli(&db, &session);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 64);

    // An event altered behind the server's back is caught by the same check.
    let conn = rusqlite::Connection::open(&db).expect("open the db");
    let altered = conn
        .execute(
            r#"UPDATE events SET body = replace(body, '"title":"', '"title":"Altered ')
               WHERE session_id = ?1 AND seq = 1"#,
            [&session],
        )
        .expect("alter an event");
    assert_eq!(altered, 1);
    let out = replay_cli(&db, &session);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an altered log replayed cleanly");
    assert!(err.contains("differs from the stored"), "{err}");
}

fn replay_cli(db: &std::path::Path, session: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["replay", "--db"])
        .arg(db)
        .args(["--session", session])
        .output()
        .expect("run wargame replay")
}

fn export_cli(db: &std::path::Path, session: &str, format: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["export", "--db"])
        .arg(db)
        .args(["--session", session, "--format", format])
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[actix_rt::test]
async fn sigterm_closes_sockets_and_exports_work_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("term.db");
    let server = start(&db, free_port()).await;
    let app = app_for(server.port);
    let (session, code, fac_token) = app.create(5).await;
    let token = app.join(&code, "nato", "Nora").await;
    let mut fac = app.ws(&fac_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "note", "text": "Before the shutdown."}))
        .await;
    let mut nato = app.ws(&token).await;

    // SIGTERM: the server says goodbye on every socket and exits cleanly.
    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    assert!(nato.closed().await, "the socket is closed on shutdown");
    let mut server = server;
    let mut exited = None;
    for _ in 0..100 {
        if let Ok(Some(s)) = server.child.try_wait() {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        exited.is_some_and(|s| s.success()),
        "exit status {exited:?}"
    );
    drop(server);

    // The command line exports the stored session, the same bytes every time.
    let a = export_cli(&db, &session, "markdown");
    let b = export_cli(&db, &session, "markdown");
    assert_eq!(a, b);
    assert!(String::from_utf8_lossy(&a).contains("Before the shutdown."));
    let csv = export_cli(&db, &session, "csv");
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "CSV starts with a BOM for Excel"
    );

    // After a restart the export route serves the same session.
    let server2 = start(&db, free_port()).await;
    let url = format!(
        "http://127.0.0.1:{}/api/sessions/{session}/export?format=html",
        server2.port
    );
    let mut r = awc::Client::new()
        .get(&url)
        .bearer_auth(&fac_token)
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.body().limit(16 << 20).await.expect("body");
    assert!(String::from_utf8_lossy(&html).contains("Before the shutdown."));
}
