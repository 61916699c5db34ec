//! The server's parts together, below the HTTP surface.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::session::CommandError;
use super::*;
use crate::engine::{self, Actor, Command};

async fn test_app(db: &std::path::Path) -> Application {
    let config = Config {
        addr: "127.0.0.1:0".into(),
        db: db.to_path_buf(),
        scenarios: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        write_timeout: Duration::from_millis(300),
    };
    Application::build(config).await.expect("builds")
}

/// Stores a session "s1" as the HTTP route does and starts its task.
async fn create_s1(state: &Arc<AppState>) -> SessionHandle {
    let loaded = &state.scenarios["belarus-2025"];
    let (session, first) = engine::create(loaded.scenario.clone(), "T", 1, None, true, now_ms());
    state
        .store
        .create_session(
            crate::store::NewSession {
                id: "s1".into(),
                join_code: "CODE01".into(),
                scenario_id: loaded.scenario.id.clone(),
                scenario_source: loaded.source.clone(),
                title: "T".into(),
                created_at: session.created_at,
                facilitator_token_hash: hash_token("fac"),
            },
            &[first],
            session.hash(),
        )
        .await
        .expect("stored");
    state.register_session("s1".into(), "CODE01".into(), session);
    state.session("s1").expect("running")
}

async fn snapshot(handle: &SessionHandle) -> serde_json::Value {
    let (tx, _rx) = tokio::sync::mpsc::channel(8);
    let frame = handle
        .subscribe(1, Actor::Facilitator, tx)
        .await
        .expect("readable");
    serde_json::from_str(&frame).expect("json")
}

/// Restore reads all events in one table scan; a session whose rows are not
/// in seq order there is replayed on its own and comes back the same.
#[actix_rt::test]
async fn restore_replays_sessions_whose_rows_are_out_of_order() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("t.db");
    let mut before = {
        let app = test_app(&db).await;
        let handle = create_s1(&app.state()).await;
        handle
            .command(Actor::Facilitator, Command::Start)
            .await
            .expect("start");
        handle
            .command(Actor::Facilitator, Command::Advance)
            .await
            .expect("advance");
        let snap = snapshot(&handle).await;
        app.state().store.close();
        snap
    };
    {
        // Move event 2 behind event 3 in the table.
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch(
            "CREATE TEMP TABLE moved AS SELECT * FROM events WHERE seq = 2;
             DELETE FROM events WHERE seq = 2;
             INSERT INTO events SELECT * FROM moved;",
        )
        .expect("reorder");
    }
    let app = test_app(&db).await;
    let handle = app.state().session("s1").expect("restored");
    let mut after = snapshot(&handle).await;
    for key in ["presence", "now"] {
        after[key] = serde_json::Value::Null;
        before[key] = serde_json::Value::Null;
    }
    assert_eq!(after["phase"], "decision");
    assert_eq!(after, before);
}

/// A command whose events cannot be stored changes nothing: the session task
/// evolves its state in place, so it must fall back to the stored events.
#[actix_rt::test]
async fn a_failed_write_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let app = test_app(&dir.path().join("t.db")).await;
    let state = app.state().clone();
    let handle = create_s1(&state).await;
    let seq = handle
        .command(Actor::Facilitator, Command::Start)
        .await
        .expect("start is stored");

    // The writer stops: the next command cannot be stored.
    state.store.close();
    let refused = handle.command(Actor::Facilitator, Command::Advance).await;
    assert!(
        matches!(refused, Err(CommandError::Unavailable(_))),
        "{refused:?}"
    );
    let snapshot = snapshot(&handle).await;
    assert_eq!(snapshot["seq"].as_u64(), Some(seq));
    assert_eq!(snapshot["phase"], "briefing", "the unsaved advance is gone");
    let row = state.store.session("s1").expect("row");
    assert_eq!(row.last_seq, seq);
}
