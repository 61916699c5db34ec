//! A disk that stops answering: writes are bounded, everything else is answered,
//! and once the disk is back the session goes on from what is stored.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::helpers::*;

/// How long the server waits for a write in this test.
const BOUND: Duration = Duration::from_millis(300);

async fn spawn_with_store() -> (TestApp, wargame::store::Store, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("test.db");
    let config = wargame::server::Config {
        addr: "127.0.0.1:0".into(),
        db: db.clone(),
        scenarios: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        write_timeout: BOUND,
        ..Default::default()
    };
    let server = wargame::server::Application::build(config)
        .await
        .expect("server builds");
    let store = server.store();
    let port = server.port();
    actix_web::rt::spawn(server.run_until_stopped(false));
    (TestApp { port, _dir: dir }, store, db)
}

fn submit(rationale: &str) -> Value {
    json!({"type": "submit", "turn": 1,
           "choices": [{"option": "adopt_defence_law", "rationale": rationale}]})
}

#[actix_web::test]
async fn a_stalled_disk_answers_unavailable_and_the_session_does_not_diverge() {
    let (app, store, db) = spawn_with_store().await;
    let (session, code, fac_token) = app.create(8).await;
    let token = app.join(&code, "belarus", "Alesia").await;
    let mut fac = app.ws(&fac_token).await;
    fac.ok(json!({"type": "start"})).await;
    let stored = fac.ok(json!({"type": "advance"})).await;
    let mut by = app.ws(&token).await;
    assert_eq!(by.snapshot["phase"], "decision");

    let pause = store.pause_writer();
    // A team's command is answered within the bound, and nothing changed.
    let asked = Instant::now();
    let reply = by.cmd(submit("MARK-never-stored")).await;
    assert!(asked.elapsed() < BOUND * 10, "{:?}", asked.elapsed());
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], "unavailable", "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .is_some_and(|m| m.contains("nothing was changed")),
        "{reply}"
    );
    // A new connection to the session still gets its snapshot, from what is stored.
    let fresh = app.ws(&token).await;
    assert_eq!(fresh.snapshot["seq"].as_u64(), Some(stored));
    assert!(!fresh.snapshot.to_string().contains("MARK-never-stored"));
    // Creating a session answers instead of hanging.
    let asked = Instant::now();
    let (status, body) = app
        .post("/api/sessions", json!({"scenario": "belarus-2025"}))
        .await;
    assert!(asked.elapsed() < BOUND * 10, "{:?}", asked.elapsed());
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    // The health check says why.
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["disk"], "stalled", "{body}");
    assert!(
        body["pending_ms"]
            .as_u64()
            .is_some_and(|ms| ms >= BOUND.as_millis() as u64),
        "{body}"
    );

    drop(pause);
    // The next command follows the last stored one, and everyone sees it.
    let next = by.ok(submit("MARK-stored")).await;
    assert_eq!(next, stored + 1);
    fac.until(|f| f["type"] == "event" && f["seq"] == next)
        .await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, &body), (200, &json!({"status": "ok"})));
    fac.drain().await;
    by.drain().await;
    for (who, c) in [("the team", &by), ("the White Cell", &fac)] {
        assert!(
            !c.all_text().contains("MARK-never-stored"),
            "{who} saw a command that was never stored"
        );
    }
    // A reconnecting White Cell and a replay of the log agree.
    let again = app.ws(&fac_token).await;
    assert_eq!(again.snapshot["seq"].as_u64(), Some(next));
    assert_eq!(
        again.snapshot["drafts"]["belarus"]["choices"][0]["rationale"],
        "MARK-stored"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["replay", "--session", &session, "--db"])
        .arg(&db)
        .output()
        .expect("run wargame replay");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("ok: {next} events")), "{err}");
}
