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
        ..Default::default()
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
            session.hash().expect("the state hashes"),
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
        let handle = create_s1(app.state()).await;
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

/// The next event frame a connection receives, skipping presence frames.
async fn next_event(rx: &mut tokio::sync::mpsc::Receiver<session::Frame>) -> serde_json::Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a frame in time")
            .expect("the connection stays subscribed");
        let v: serde_json::Value = serde_json::from_str(&frame).expect("json");
        if v["type"] == "event" {
            return v;
        }
    }
}

/// The late-commit rule: a write the writer had already started when its bound
/// ran out is answered `unavailable` without claiming nothing changed; commands
/// behind it wait no longer than the bound and are not decided; when the disk
/// answers and the write commits, its events reach every seat (one that
/// subscribed meanwhile too) and the session goes on from it, as stored.
#[actix_rt::test]
async fn a_write_committed_after_its_bound_reaches_everyone_and_the_session_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("t.db");
    let app = test_app(&db).await;
    let state = app.state().clone();
    let handle = create_s1(&state).await;
    let started = handle
        .command(Actor::Facilitator, Command::Start)
        .await
        .expect("start is stored");
    let (tx, mut before) = tokio::sync::mpsc::channel(64);
    handle
        .subscribe(10, Actor::Facilitator, tx)
        .await
        .expect("subscribed");

    // Another process holds the write lock: the writer starts the next write,
    // then waits on the lock, as on a disk that has stopped answering.
    let blocker = rusqlite::Connection::open(&db).expect("open");
    blocker.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let late = handle.command(Actor::Facilitator, Command::Advance).await;
    assert!(
        matches!(&late, Err(CommandError::Unavailable(m)) if m.contains("may still be saved")),
        "{late:?}"
    );
    // Meanwhile a new connection gets the stored state...
    let (tx, mut meanwhile) = tokio::sync::mpsc::channel(64);
    let snap = handle
        .subscribe(11, Actor::Facilitator, tx)
        .await
        .expect("answered while the write is in flight");
    let snap: serde_json::Value = serde_json::from_str(&snap).expect("json");
    assert_eq!(snap["seq"].as_u64(), Some(started));
    assert_eq!(snap["phase"], "briefing");
    // ...and a command behind the write is refused undecided once its bound runs out.
    let behind = handle
        .command(
            Actor::Facilitator,
            Command::Note {
                text: "Behind the stalled write.".into(),
                public: true,
                category: Default::default(),
                about: None,
            },
        )
        .await;
    assert!(
        matches!(&behind, Err(CommandError::Unavailable(m)) if m.contains("nothing was changed")),
        "{behind:?}"
    );

    blocker.execute_batch("COMMIT").expect("unlock");
    for rx in [&mut before, &mut meanwhile] {
        let e = next_event(rx).await;
        assert_eq!(e["seq"].as_u64(), Some(started + 1), "{e}");
        assert_eq!(e["kind"], "phase_changed", "{e}");
    }
    let next = handle
        .command(Actor::Facilitator, Command::Advance)
        .await
        .expect("the session goes on");
    assert_eq!(next, started + 2);
    for rx in [&mut before, &mut meanwhile] {
        assert_eq!(next_event(rx).await["seq"].as_u64(), Some(next));
    }
    // The session is what a replay of its stored events gives.
    let events = state.store.events("s1").expect("events");
    let replayed = engine::replay(state.scenarios["belarus-2025"].scenario.clone(), &events);
    let now = snapshot(&handle).await;
    assert_eq!(now["seq"].as_u64(), Some(replayed.seq));
    assert_eq!(
        now["phase"],
        serde_json::to_value(replayed.phase).expect("phase")
    );
    assert!(
        !serde_json::to_string(&events)
            .expect("json")
            .contains("Behind the stalled write")
    );
}
