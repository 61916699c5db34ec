//! The store against a real SQLite file.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, params};

use super::schema::MIGRATIONS;
use super::writer::CHECKPOINT_EVERY;
use super::*;

fn first_event() -> (crate::engine::State, Event, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/belarus-2025.toml");
    let (scenario, source) = crate::scenario::load_file(&path).expect("scenario");
    let (state, event) = crate::engine::create(
        std::sync::Arc::new(scenario),
        "Migrated",
        7,
        None,
        true,
        1_700_000_000_000,
    );
    (state, event, source)
}

/// A database written before migration 2 (scenario source inline in `sessions`)
/// opens, migrates, and reads back the same sessions and events.
#[tokio::test]
async fn a_version_1_database_migrates_and_keeps_its_sessions() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v1.db");
    let (state, event, source) = first_event();
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY);
             INSERT INTO schema_migrations (version) VALUES (1);",
        )
        .expect("schema_migrations");
        conn.execute_batch(MIGRATIONS[0]).expect("v1 schema");
        for (id, created) in [("old-a", 1), ("old-b", 2)] {
            conn.execute(
                "INSERT INTO sessions (id, join_code, scenario_id, scenario_source, title, created_at, facilitator_token_hash, last_seq, state_hash)
                 VALUES (?1, ?2, 'belarus-2025', ?3, 'Old', ?4, 'fac', 1, ?5)",
                params![id, format!("CODE{created}"), source, created, state.hash().expect("the state hashes")],
            )
            .expect("v1 session");
            conn.execute(
                "INSERT INTO events (session_id, seq, kind, body) VALUES (?1, 1, 'session_created', ?2)",
                params![id, serde_json::to_string(&event).expect("json")],
            )
            .expect("v1 event");
        }
    }
    let store = Store::open(&path).expect("migrates");
    let rows = store.sessions().expect("sessions");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.scenario_source == source));
    assert_eq!(
        rows[0].source_id, rows[1].source_id,
        "one copy of the source"
    );
    assert_eq!(rows[0].id, "old-a");
    assert_eq!(rows[0].last_seq, 1);
    assert_eq!(rows[0].state_hash, state.hash().expect("the state hashes"));
    // Migration 3: the old hash was for the last event.
    assert_eq!(rows[0].hash_seq, rows[0].last_seq);
    let one = store.session("old-b").expect("session");
    assert_eq!(one.scenario_source, source);
    assert_eq!(store.events("old-b").expect("events"), vec![event.clone()]);
    // A new session with the same source shares the stored copy.
    store
        .create_session(
            NewSession {
                id: "new".into(),
                join_code: "NEWCODE".into(),
                scenario_id: "belarus-2025".into(),
                scenario_source: source.clone(),
                title: "New".into(),
                created_at: 3,
                facilitator_token_hash: "fac2".into(),
            },
            std::slice::from_ref(&event),
            state.hash().expect("the state hashes"),
        )
        .await
        .expect("create");
    let new = store.session("new").expect("new session");
    assert_eq!(new.source_id, rows[0].source_id);
    assert_eq!(new.scenario_source, source);
    store.close();
}

/// The checkpoint thread copies committed pages into the database file by
/// itself, without the writer checkpointing on commit.
#[tokio::test]
async fn committed_pages_reach_the_database_file_in_the_background() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("k.db");
    let store = Store::open(&path).expect("open");
    let (state, event, source) = first_event();
    let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
    let before = size();
    store
        .create_session(
            NewSession {
                id: "k".into(),
                join_code: "CODE-K".into(),
                scenario_id: "belarus-2025".into(),
                scenario_source: source,
                title: "T".into(),
                created_at: 1,
                facilitator_token_hash: "fac".into(),
            },
            std::slice::from_ref(&event),
            state.hash().expect("the state hashes"),
        )
        .await
        .expect("create");
    // Far below WRITER_CHECKPOINT_FRAMES: only the checkpoint thread copies.
    for _ in 0..100 {
        if size() > before {
            break;
        }
        tokio::time::sleep(CHECKPOINT_EVERY).await;
    }
    assert!(size() > before, "the database file never grew");
}

/// A conflicting append fails alone; an append beside it still commits.
#[tokio::test]
async fn a_conflict_fails_only_its_own_append() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("c.db")).expect("open");
    let (state, event, source) = first_event();
    for id in ["a", "b"] {
        store
            .create_session(
                NewSession {
                    id: id.into(),
                    join_code: format!("CODE-{id}"),
                    scenario_id: "belarus-2025".into(),
                    scenario_source: source.clone(),
                    title: "T".into(),
                    created_at: 1,
                    facilitator_token_hash: format!("fac-{id}"),
                },
                std::slice::from_ref(&event),
                state.hash().expect("the state hashes"),
            )
            .await
            .expect("create");
    }
    let mut next = event.clone();
    next.seq = 2;
    let (good, bad) = tokio::join!(
        store.append(
            "a",
            1,
            std::slice::from_ref(&next),
            Some("h2".into()),
            None,
            None
        ),
        store.append(
            "b",
            5,
            std::slice::from_ref(&next),
            Some("h2".into()),
            None,
            None
        ),
    );
    assert!(good.is_ok(), "{good:?}");
    assert!(
        matches!(
            bad,
            Err(StoreError::Conflict {
                expected: 5,
                actual: 1
            })
        ),
        "{bad:?}"
    );
    assert_eq!(store.session("a").expect("a").last_seq, 2);
    assert_eq!(store.session("a").expect("a").state_hash, "h2");
    assert_eq!(store.session("a").expect("a").hash_seq, 2);
    assert_eq!(store.session("b").expect("b").last_seq, 1);
    assert_eq!(store.events("b").expect("b").len(), 1);
    // An append without a hash moves last_seq and keeps the checkpointed hash.
    next.seq = 3;
    store
        .append("a", 2, std::slice::from_ref(&next), None, None, None)
        .await
        .expect("append without hash");
    let a = store.session("a").expect("a");
    assert_eq!(
        (a.last_seq, a.hash_seq, a.state_hash.as_str()),
        (3, 2, "h2")
    );
    // The `on_commit` hook has run, with the outcome, by the time the
    // append resolves: true once committed, false for a refused append.
    let outcome = |cell: &Arc<Mutex<Vec<bool>>>| -> OnCommit {
        let cell = cell.clone();
        Box::new(move |ok| cell.lock().expect("cell").push(ok))
    };
    let (committed, refused) = (Arc::new(Mutex::new(vec![])), Arc::new(Mutex::new(vec![])));
    next.seq = 4;
    let one = std::slice::from_ref(&next);
    let (good, bad) = tokio::join!(
        store.append("a", 3, one, None, None, Some(outcome(&committed))),
        store.append("b", 3, one, None, None, Some(outcome(&refused))),
    );
    assert!(good.is_ok() && bad.is_err(), "{good:?} {bad:?}");
    assert_eq!(*committed.lock().expect("cell"), [true]);
    assert_eq!(*refused.lock().expect("cell"), [false]);
    // A hook that panics costs the writer nothing: its append is still
    // answered, and the next one is committed.
    next.seq = 5;
    let panics: OnCommit = Box::new(|_| panic!("a faulty hook"));
    let one = std::slice::from_ref(&next);
    let r = store.append("a", 4, one, None, None, Some(panics)).await;
    assert!(r.is_ok(), "{r:?}");
    next.seq = 6;
    let r = store
        .append("a", 5, std::slice::from_ref(&next), None, None, None)
        .await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(store.session("a").expect("a").last_seq, 6);
}

fn store_with_session(path: &Path, bound: Duration) -> (Store, Event) {
    let store = Store::open_with(
        path,
        StoreOptions {
            write_timeout: bound,
        },
    )
    .expect("open");
    (store, first_event().1)
}

async fn create(store: &Store, id: &str, event: &Event) {
    let (state, _, source) = first_event();
    store
        .create_session(
            NewSession {
                id: id.into(),
                join_code: format!("CODE-{id}"),
                scenario_id: "belarus-2025".into(),
                scenario_source: source,
                title: "T".into(),
                created_at: 1,
                facilitator_token_hash: format!("fac-{id}"),
            },
            std::slice::from_ref(event),
            state.hash().expect("the state hashes"),
        )
        .await
        .expect("create");
}

/// A write the writer has not started by its deadline is cancelled: its caller
/// hears `Stalled` within the bound, and it is never written, even once the
/// writer moves again. The stall shows meanwhile, and ends.
#[tokio::test]
async fn a_write_not_started_in_time_is_never_written() {
    let dir = tempfile::tempdir().expect("dir");
    let bound = Duration::from_millis(200);
    let (store, event) = store_with_session(&dir.path().join("p.db"), bound);
    create(&store, "a", &event).await;
    let mut next = event.clone();
    next.seq = 2;
    let pause = store.pause_writer();
    let ran = Arc::new(Mutex::new(Vec::new()));
    let hook: OnCommit = {
        let ran = ran.clone();
        Box::new(move |ok| ran.lock().expect("cell").push(ok))
    };
    let started = Instant::now();
    let r = store
        .append("a", 1, std::slice::from_ref(&next), None, None, Some(hook))
        .await;
    assert!(matches!(r, Err(StoreError::Stalled)), "{r:?}");
    assert!(started.elapsed() < bound * 5, "{:?}", started.elapsed());
    assert!(store.stalled_for().is_some(), "the stall is not reported");
    let created = store
        .create_session(
            NewSession {
                id: "b".into(),
                join_code: "CODE-b".into(),
                scenario_id: "belarus-2025".into(),
                scenario_source: "x".into(),
                title: "T".into(),
                created_at: 1,
                facilitator_token_hash: "fac-b".into(),
            },
            std::slice::from_ref(&event),
            String::new(),
        )
        .await;
    assert!(matches!(created, Err(StoreError::Stalled)), "{created:?}");
    drop(pause);
    // The next append after the cancelled one still expects seq 1.
    let seq = store
        .append("a", 1, std::slice::from_ref(&next), None, None, None)
        .await
        .expect("written once the writer moves");
    assert_eq!(seq, 2);
    assert_eq!(store.events("a").expect("events").len(), 2);
    assert!(matches!(store.session("b"), Err(StoreError::NotFound)));
    assert_eq!(
        *ran.lock().expect("cell"),
        [false],
        "the hook ran as refused"
    );
    assert!(store.stalled_for().is_none());
}

/// A write the writer had started when its bound ran out is `Unconfirmed`; its
/// outcome still arrives when the disk answers, and it is then stored.
#[tokio::test]
async fn a_started_write_that_commits_late_is_reported() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("l.db");
    let bound = Duration::from_millis(200);
    let (store, event) = store_with_session(&path, bound);
    create(&store, "a", &event).await;
    // Another connection holds the write lock: the writer starts the append and
    // then waits on the lock, as on a disk that has stopped answering.
    let blocker = Connection::open(&path).expect("open");
    blocker.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let mut next = event.clone();
    next.seq = 2;
    let mut pending = store
        .begin_append("a", 1, std::slice::from_ref(&next), None, None, None)
        .expect("queued");
    tokio::time::sleep(bound * 2).await;
    assert!(matches!(pending.give_up(), StoreError::Unconfirmed));
    blocker.execute_batch("COMMIT").expect("unlock");
    let seq = pending.outcome().await.expect("committed late");
    assert_eq!(seq, 2);
    assert_eq!(store.events("a").expect("events").len(), 2);
}

/// A read that takes longer than the bound frees its caller with `Stalled`.
#[tokio::test]
async fn a_slow_read_is_bounded() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, _) = store_with_session(&dir.path().join("r.db"), Duration::from_millis(100));
    let r = store
        .run_blocking(|_| std::thread::sleep(Duration::from_millis(400)))
        .await;
    assert!(matches!(r, Err(StoreError::Stalled)), "{r:?}");
    let r = store.run_blocking(|s| s.sessions().map(|v| v.len())).await;
    assert!(matches!(r, Ok(Ok(0))), "{r:?}");
}
