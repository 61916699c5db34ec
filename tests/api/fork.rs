//! Restarting a session from a turn (`fork`), the host password and the per-address
//! and per-session limits, over real HTTP and WebSockets.

use std::time::Duration;

use serde_json::{Value, json};

use super::helpers::*;

const TEAMS: [&str; 4] = ["belarus", "russia", "ukraine", "nato"];

/// Each team's picks for one turn (in TEAMS order).
type Picks = [&'static [&'static str]; 4];

const TURN_1: Picks = [
    &["diversionary_posture"],
    &["press_minsk"],
    &["messaging_to_belarus"],
    &["flank_exercises"],
];
const TURN_2: Picks = [
    &["preemptive_repression"],
    &["back_the_regime"],
    &["fortify_north"],
    &["support_civil_society"],
];
/// Turn 2 with one choice more for Belarus: every roll after it comes from further
/// down the dice stream.
const TURN_2_OTHER: Picks = [
    &["preemptive_repression", "information_blackout"],
    &["back_the_regime"],
    &["fortify_north"],
    &["support_civil_society"],
];

struct Game {
    fac: Client,
    teams: Vec<Client>,
}

/// Seats a player on every team of the session with this join code.
async fn seat(app: &TestApp, code: &str, fac_token: &str) -> Game {
    let mut teams = Vec::new();
    for t in TEAMS {
        let token = app.join(code, t, &format!("Player of {t}")).await;
        teams.push(app.ws(&token).await);
    }
    Game {
        fac: app.ws(fac_token).await,
        teams,
    }
}

/// From a turn's briefing to the next turn's briefing, with these picks.
async fn play_turn(g: &mut Game, turn: u64, picks: &Picks) {
    g.fac.ok(json!({"type": "advance"})).await;
    for (team, options) in g.teams.iter_mut().zip(picks) {
        let choices: Vec<Value> = options
            .iter()
            .map(|o| json!({"option": o, "rationale": "test"}))
            .collect();
        team.ok(json!({"type": "submit", "turn": turn, "choices": choices}))
            .await;
    }
    for _ in 0..3 {
        g.fac.ok(json!({"type": "advance"})).await;
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn fork(app: &TestApp, token: &str, session: &str, turn: u64) -> Answer {
    app.request(
        "POST",
        "/api/sessions",
        &[("Authorization", &bearer(token))],
        json!({"fork": {"session": session, "turn": turn}}),
    )
    .await
}

async fn export(app: &TestApp, token: &str, session: &str, query: &str) -> Answer {
    app.request(
        "GET",
        &format!("/api/sessions/{session}/export?{query}"),
        &[("Authorization", &bearer(token))],
        Value::Null,
    )
    .await
}

/// Every roll of a turn the White Cell saw: team, option, roll, target, result and
/// the dice position after it.
fn rolls(fac: &Client, turn: u64) -> Vec<Value> {
    fac.seen
        .iter()
        .filter(|e| e["type"] == "event" && e["kind"] == "dice_rolled" && e["turn"] == turn)
        .map(|e| {
            let r = &e["rolled"];
            json!([
                r["team"],
                r["option"],
                r["roll"],
                r["target"],
                r["result"],
                e["rng"]
            ])
        })
        .collect()
}

/// What the fork must reproduce of the source's board at a turn's briefing.
fn board(snapshot: &Value) -> Value {
    json!({
        "turn": snapshot["turn"],
        "phase": snapshot["phase"],
        "indicators": snapshot["indicators"],
        "flags": snapshot["flags"],
        "history": snapshot["history"],
        "choices": snapshot["choices"],
        "injects": snapshot["injects"],
        "seed": snapshot["seed"],
        "max_turns": snapshot["max_turns"],
        "script": snapshot["script"],
    })
}

#[actix_rt::test]
async fn a_fork_restarts_at_a_turn_and_rolls_the_same_dice() {
    let app = spawn_app().await;
    let (source, code, fac_token) = app.create(11).await;
    let mut g = seat(&app, &code, &fac_token).await;
    g.fac.ok(json!({"type": "start"})).await;
    play_turn(&mut g, 1, &TURN_1).await;
    let at_turn_2 = g.fac.resnapshot(&fac_token).await;
    assert_eq!(
        (at_turn_2["turn"].as_u64(), at_turn_2["phase"].as_str()),
        (Some(2), Some("briefing"))
    );
    play_turn(&mut g, 2, &TURN_2).await;
    let source_rolls = rolls(&g.fac, 2);
    assert_eq!(source_rolls.len(), 4, "{source_rolls:?}");
    assert!(
        source_rolls.iter().all(|r| r[5].is_u64()),
        "{source_rolls:?}"
    );

    // The fork: a new session, a new code, at the source's turn-2 briefing.
    let a = fork(&app, &fac_token, &source, 2).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let (fork_id, fork_code, fork_token) = (
        a.body["session_id"].as_str().expect("id").to_string(),
        a.body["join_code"].as_str().expect("code").to_string(),
        a.body["facilitator_token"]
            .as_str()
            .expect("token")
            .to_string(),
    );
    assert_ne!(fork_id, source);
    assert_ne!(fork_code, code);
    let mut f = seat(&app, &fork_code, &fork_token).await;
    let snap = f.fac.resnapshot(&fork_token).await;
    assert_eq!(board(&snap), board(&at_turn_2));
    assert_eq!(snap["forked_from"], json!({"session": source, "turn": 2}));
    // Players rejoin: the source's seats are not carried, the new ones are.
    let names: Vec<&str> = snap["players"]
        .as_array()
        .expect("players")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    // Every seat is told where the session came from.
    assert_eq!(f.teams[0].snapshot["forked_from"]["turn"], 2);

    // The same choices roll the same dice from the same place in the stream.
    play_turn(&mut f, 2, &TURN_2).await;
    assert_eq!(rolls(&f.fac, 2), source_rolls);

    // A choice more, and the rolls part ways.
    let b = fork(&app, &fac_token, &source, 2).await;
    assert_eq!(b.status, 201, "{}", b.body);
    let (_, other_token) = (
        b.body["session_id"].as_str().expect("id").to_string(),
        b.body["facilitator_token"]
            .as_str()
            .expect("token")
            .to_string(),
    );
    let mut o = seat(
        &app,
        b.body["join_code"].as_str().expect("code"),
        &other_token,
    )
    .await;
    play_turn(&mut o, 2, &TURN_2_OTHER).await;
    let other_rolls = rolls(&o.fac, 2);
    assert_eq!(other_rolls.len(), 5);
    assert_ne!(
        other_rolls.last().map(|r| &r[5]),
        source_rolls.last().map(|r| &r[5])
    );
    assert_ne!(other_rolls[..4], source_rolls[..]);

    // The fork's log checks out: `wargame replay` re-derives its stored hash.
    let db = app._dir.path().join("test.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["replay", "--db"])
        .arg(&db)
        .args(["--session", &fork_id])
        .output()
        .expect("replay runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // `forked_from` in every export, anonymised or not.
    let mark = format!("{source}@2");
    for anonymize in ["false", "true"] {
        let json = export(
            &app,
            &fork_token,
            &fork_id,
            &format!("format=json&anonymize={anonymize}"),
        )
        .await;
        assert_eq!(
            json.body["session"]["forked_from"],
            json!({"session": source, "turn": 2})
        );
        for format in ["markdown", "html"] {
            let doc = export(
                &app,
                &fork_token,
                &fork_id,
                &format!("format={format}&anonymize={anonymize}"),
            )
            .await;
            let text = String::from_utf8_lossy(&doc.bytes);
            assert!(
                text.contains("Forked from")
                    && text.contains(&format!("session {source} at the briefing of turn 2")),
                "{format}: {text}"
            );
        }
        let csv = export(
            &app,
            &fork_token,
            &fork_id,
            &format!("format=csv&anonymize={anonymize}"),
        )
        .await;
        let csv = String::from_utf8_lossy(&csv.bytes).to_string();
        // The choices table: up to the first blank line (the objectives follow).
        let table: Vec<&str> = csv.lines().take_while(|l| !l.is_empty()).collect();
        assert!(table[0].ends_with(",forked_from"), "{}", table[0]);
        assert!(
            table.len() > 1 && table[1..].iter().all(|l| l.ends_with(&mark)),
            "{csv}"
        );
        let xlsx = export(
            &app,
            &fork_token,
            &fork_id,
            &format!("format=xlsx&anonymize={anonymize}"),
        )
        .await;
        let mut book =
            calamine::Xlsx::new(std::io::Cursor::new(xlsx.bytes.to_vec())).expect("xlsx");
        use calamine::Reader;
        let sheet = book.worksheet_range("Choices").expect("choices sheet");
        let last_column: Vec<String> = sheet
            .rows()
            .map(|r| r.last().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(last_column[0], "forked_from");
        assert!(
            last_column[1..].iter().all(|c| c == &mark),
            "{last_column:?}"
        );
    }
    // The source's exports do not claim a fork.
    let plain = export(&app, &fac_token, &source, "format=markdown").await;
    assert!(!String::from_utf8_lossy(&plain.bytes).contains("Forked from"));
}

#[actix_rt::test]
async fn a_fork_is_refused_clearly() {
    let app = spawn_app().await;
    let (source, code, fac_token) = app.create(5).await;
    let (lobby, _, lobby_token) = app.create(6).await;
    let mut g = seat(&app, &code, &fac_token).await;
    g.fac.ok(json!({"type": "start"})).await;
    play_turn(&mut g, 1, &TURN_1).await;

    let no_token = app
        .request(
            "POST",
            "/api/sessions",
            &[],
            json!({"fork": {"session": source, "turn": 1}}),
        )
        .await;
    assert_eq!(
        (no_token.status, no_token.body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let wrong = fork(&app, &lobby_token, &source, 1).await;
    assert_eq!(
        (wrong.status, wrong.body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let zero = fork(&app, &fac_token, &source, 0).await;
    assert_eq!(
        (zero.status, zero.body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let beyond = fork(&app, &fac_token, &source, 3).await;
    assert_eq!(
        (beyond.status, beyond.body["error"]["code"].as_str()),
        (409, Some("turn_not_reached")),
        "{}",
        beyond.body
    );
    assert!(
        beyond.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("from 1 to 2")
    );
    let in_lobby = fork(&app, &lobby_token, &lobby, 1).await;
    assert_eq!(
        (in_lobby.status, in_lobby.body["error"]["code"].as_str()),
        (409, Some("turn_not_reached"))
    );
    let unknown = fork(&app, &fac_token, "019a3c52-7d41-7c1e-9a6b-3f0e2d58c1a4", 1).await;
    assert_eq!(
        (unknown.status, unknown.body["error"]["code"].as_str()),
        (404, Some("unknown_session"))
    );
    let settings = app
        .request(
            "POST",
            "/api/sessions",
            &[("Authorization", &bearer(&fac_token))],
            json!({"fork": {"session": source, "turn": 1}, "seed": 3}),
        )
        .await;
    assert_eq!(
        (settings.status, settings.body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    // Turn 2 has been reached (its briefing is open): that fork is taken.
    assert_eq!(fork(&app, &fac_token, &source, 2).await.status, 201);
}

#[actix_rt::test]
async fn wargame_fork_writes_a_session_a_restarted_server_runs() {
    let app = spawn_app().await;
    let (source, code, fac_token) = app.create(21).await;
    let mut g = seat(&app, &code, &fac_token).await;
    g.fac.ok(json!({"type": "start"})).await;
    play_turn(&mut g, 1, &TURN_1).await;
    let at_turn_2 = g.fac.resnapshot(&fac_token).await;
    let db = app._dir.path().join("test.db");
    let cli = |turn: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
            .args(["fork", "--db"])
            .arg(&db)
            .args(["--session", &source, "--turn", turn])
            .output()
            .expect("fork runs")
    };
    let refused = cli("9");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("from 1 to 2"));
    let out = cli("2");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        printed["forked_from"],
        json!({"session": source, "turn": 2})
    );
    let (id, join_code, token) = (
        printed["session_id"].as_str().expect("id"),
        printed["join_code"].as_str().expect("code"),
        printed["facilitator_token"].as_str().expect("token"),
    );
    let replay = std::process::Command::new(env!("CARGO_BIN_EXE_wargame"))
        .args(["replay", "--db"])
        .arg(&db)
        .args(["--session", id])
        .output()
        .expect("replay runs");
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );

    // A server started on the database restores the fork: its White Cell and
    // players find it at the source's turn-2 briefing.
    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(&db, dir.path().join("test.db")).expect("copy");
    for ext in ["-wal", "-shm"] {
        let from = app._dir.path().join(format!("test.db{ext}"));
        if from.exists() {
            std::fs::copy(&from, dir.path().join(format!("test.db{ext}"))).expect("copy");
        }
    }
    let restarted = spawn_app_configured(Some(dir), |_| {}).await;
    let fac = restarted.ws(token).await;
    let snap = fac.snapshot.clone();
    assert_eq!(board(&snap), board(&at_turn_2));
    assert_eq!(snap["forked_from"]["session"], source.as_str());
    restarted.join(join_code, "belarus", "Back again").await;
}

#[actix_rt::test]
async fn the_host_password_guards_creating_and_forking() {
    let open = spawn_app().await;
    assert_eq!(
        open.get("/api/host").await,
        (200, json!({"password_required": false}))
    );

    let app = spawn_app_configured(None, |c| {
        c.host_password = Some(wargame::server::HostPassword::new("plover xyzzy").expect("hash"));
    })
    .await;
    assert_eq!(
        app.get("/api/host").await,
        (200, json!({"password_required": true}))
    );
    let body = json!({"scenario": "belarus-2025", "seed": 1});
    let create = |password: Option<&'static str>| {
        let body = body.clone();
        let app = &app;
        async move {
            let headers: Vec<(&str, &str)> = password
                .map(|p| ("X-Host-Password", p))
                .into_iter()
                .collect();
            app.request("POST", "/api/sessions", &headers, body).await
        }
    };
    let none = create(None).await;
    assert_eq!(
        (none.status, none.body["error"]["code"].as_str()),
        (401, Some("host_password_required"))
    );
    let wrong = create(Some("plover")).await;
    assert_eq!(
        (wrong.status, wrong.body["error"]["code"].as_str()),
        (401, Some("host_password_wrong"))
    );
    let right = create(Some("plover xyzzy")).await;
    assert_eq!(right.status, 201, "{}", right.body);

    // The series (the list of stored scenarios and the report) is the host's too.
    let (status, body) = app.get("/api/series").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("host_password_required"))
    );
    let listed = app
        .request(
            "GET",
            "/api/series",
            &[("X-Host-Password", "plover xyzzy")],
            Value::Null,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body[0]["id"], "belarus-2025", "{}", listed.body);

    // A fork needs the password as well as the source's token.
    let (id, token) = (
        right.body["session_id"].as_str().expect("id"),
        right.body["facilitator_token"].as_str().expect("token"),
    );
    let fork_body = json!({"fork": {"session": id, "turn": 1}});
    let auth = bearer(token);
    let unguarded = app
        .request(
            "POST",
            "/api/sessions",
            &[("Authorization", &auth)],
            fork_body.clone(),
        )
        .await;
    assert_eq!(unguarded.body["error"]["code"], "host_password_required");
    let guarded = app
        .request(
            "POST",
            "/api/sessions",
            &[
                ("Authorization", &auth),
                ("X-Host-Password", "plover xyzzy"),
            ],
            fork_body,
        )
        .await;
    // Past the password: the source is still in the lobby.
    assert_eq!(guarded.body["error"]["code"], "turn_not_reached");

    // Wrong passwords from one address: the fifth is the last it may send for a while.
    for _ in 0..4 {
        assert_eq!(create(Some("guess")).await.status, 401);
    }
    let locked = create(Some("guess")).await;
    assert_eq!(
        (locked.status, locked.body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    let wait = locked.retry_after.expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    // Even the right password waits.
    assert_eq!(create(Some("plover xyzzy")).await.status, 429);
    // Players are not asked for it.
    assert_eq!(app.get("/api/scenarios").await.0, 200);
}

#[actix_rt::test]
async fn one_address_creates_only_so_many_sessions() {
    let app = spawn_app_configured(None, |c| {
        c.sessions_per_address = 3;
        c.session_window = Duration::from_secs(600);
    })
    .await;
    for seed in 0..3 {
        app.create(seed).await;
    }
    let over = app
        .request(
            "POST",
            "/api/sessions",
            &[],
            json!({"scenario": "belarus-2025"}),
        )
        .await;
    assert_eq!(
        (over.status, over.body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    let wait = over.retry_after.expect("Retry-After");
    assert!((590..=600).contains(&wait), "{wait}");
}

#[actix_rt::test]
async fn a_session_takes_only_so_many_seats() {
    let app = spawn_app_configured(None, |c| c.players_per_session = 3).await;
    let (_, code, _) = app.create(1).await;
    app.join(&code, "belarus", "One").await;
    app.join(&code, "belarus", "Two").await;
    app.join(&code, "observer", "Projector").await;
    for team in ["russia", "observer"] {
        let full = app
            .post(
                "/api/join",
                json!({"join_code": code, "team": team, "name": "Four"}),
            )
            .await;
        assert_eq!(
            (full.0, full.1["error"]["code"].as_str()),
            (409, Some("session_full")),
            "{}",
            full.1
        );
    }
    // Another session has its own seats.
    let (_, other, _) = app.create(2).await;
    app.join(&other, "russia", "Elsewhere").await;
}
