//! Black-box tests of the server: HTTP and real WebSockets, through the contract.

mod bots;
mod crash;
mod debrief;
mod edges;
mod fork;
mod helpers;
mod negotiation;
mod series;
mod stall;
mod teamwork;

use helpers::*;
use serde_json::{Value, json};

/// Four teams and an observer joined, everyone connected.
struct Table {
    app: TestApp,
    session: String,
    code: String,
    fac_token: String,
    fac: Client,
    tokens: Vec<String>,
    teams: Vec<Client>,
    observer: Client,
}

async fn table(seed: u64) -> Table {
    let app = spawn_app().await;
    let (session, code, fac_token) = app.create(seed).await;
    let mut tokens = Vec::new();
    for (i, t) in TEAMS.iter().enumerate() {
        tokens.push(app.join(&code, t, &format!("Player {i} of {t}")).await);
    }
    let obs_token = app.join(&code, "observer", "Projector").await;
    let fac = app.ws(&fac_token).await;
    let mut teams = Vec::new();
    for t in &tokens {
        teams.push(app.ws(t).await);
    }
    let observer = app.ws(&obs_token).await;
    Table {
        app,
        session,
        code,
        fac_token,
        fac,
        tokens,
        teams,
        observer,
    }
}

fn submit(turn: u64, choices: &[(&str, &str)]) -> Value {
    json!({
        "type": "submit",
        "turn": turn,
        "choices": choices.iter().map(|(o, r)| json!({"option": o, "rationale": r})).collect::<Vec<_>>(),
    })
}

#[actix_rt::test]
async fn http_contract_basics() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await, (200, json!({"status": "ok"})));
    let (s, list) = app.get("/api/scenarios").await;
    assert_eq!(s, 200);
    let teams: Vec<&str> = list[0]["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(teams, TEAMS);
    let (s, scen) = app.get("/api/scenarios/belarus-2025").await;
    assert_eq!(s, 200);
    let opt = &scen["teams"][0]["options"][0];
    for key in [
        "id",
        "title",
        "description",
        "cost",
        "stage",
        "covert",
        "requires",
        "source",
    ] {
        assert!(!opt[key].is_null(), "option lacks {key}: {opt}");
    }
    assert!(scen["indicators"].as_array().is_some_and(|i| i.len() >= 11));
    let (s, e) = app.get("/api/scenarios/nope").await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (404, Some("unknown_scenario"))
    );
    let (s, e) = app.post("/api/sessions", json!({"scenario": "nope"})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (404, Some("unknown_scenario"))
    );
    let (s, e) = app
        .post(
            "/api/sessions",
            json!({"scenario": "belarus-2025", "colour": 1}),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("bad_request")));
    let (_, code, _) = app.create(1).await;
    assert_eq!(code.len(), 6);
    assert!(!code.contains(['0', 'O', '1', 'I']));
    // Join codes are forgiving about case and spaces.
    let lower = format!("{} {}", &code[..3].to_lowercase(), &code[3..]);
    let (s, lobby) = app
        .get(&format!("/api/join/{}", lower.replace(' ', "%20")))
        .await;
    assert_eq!(s, 200, "{lobby}");
    assert_eq!(lobby["teams"][0]["players"], 0);
    let (s, e) = app
        .post(
            "/api/join",
            json!({"join_code": code, "team": "mars", "name": "x"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (400, Some("unknown_team"))
    );
    let (s, e) = app
        .post(
            "/api/join",
            json!({"join_code": code, "team": "nato", "name": "  "}),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("empty_text")));
    let (s, e) = app.get("/no/such/page").await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
}

#[actix_rt::test]
async fn join_codes_cannot_be_brute_forced() {
    let app = spawn_app().await;
    let (_, code, _) = app.create(1).await;
    let mut limited = false;
    for i in 0..15 {
        let (s, e) = app
            .post(
                "/api/join",
                json!({"join_code": format!("ZZZZ{i:02}"), "team": "nato", "name": "x"}),
            )
            .await;
        if s == 429 {
            assert_eq!(e["error"]["code"], "rate_limited");
            limited = true;
            break;
        }
        assert_eq!(s, 404);
    }
    assert!(limited, "wrong codes must be rate limited");
    // Even the right code is refused while the address is locked out.
    let (s, _) = app
        .post(
            "/api/join",
            json!({"join_code": code, "team": "nato", "name": "x"}),
        )
        .await;
    assert_eq!(s, 429);
}

#[actix_rt::test]
async fn a_full_two_turn_game_over_websockets() {
    let mut t = table(42).await;
    assert_eq!(t.fac.snapshot["role"], "facilitator");
    assert_eq!(t.teams[0].snapshot["role"], "team");
    assert_eq!(t.teams[0].snapshot["team"], "belarus");
    assert_eq!(t.observer.snapshot["role"], "observer");
    assert_eq!(t.fac.snapshot["phase"], "lobby");
    assert!(t.fac.snapshot["seed"].as_u64() == Some(42));
    assert!(t.teams[0].snapshot.get("seed").is_none());
    assert_eq!(t.teams[0].snapshot["indicators"]["escalation"], 2);

    for turn in 1..=2u64 {
        if turn == 1 {
            t.fac.ok(json!({"type": "start"})).await;
        } else {
            t.fac.ok(json!({"type": "advance"})).await;
        }
        let pc = t.teams[2]
            .until(|f| f["kind"] == "phase_changed" && f["phase"] == "briefing")
            .await;
        assert_eq!(pc["turn"].as_u64(), Some(turn));
        let seq = t.fac.ok(json!({"type": "inject", "event": if turn == 1 { "lower_house_passes_law" } else { "ua_deep_strike" }})).await;
        let inj = t
            .observer
            .until(|f| f["kind"] == "event_injected" && f["turn"] == turn)
            .await;
        assert_eq!(inj["seq"].as_u64(), Some(seq));
        t.fac.ok(json!({"type": "advance"})).await; // decision
        for c in t.teams.iter_mut() {
            let pc = c
                .until(|f| f["kind"] == "phase_changed" && f["phase"] == "decision")
                .await;
            assert_eq!(pc["turn"].as_u64(), Some(turn));
        }
        let picks: [&[(&str, &str)]; 4] = if turn == 1 {
            [
                &[
                    ("adopt_defence_law", "Legal cover first."),
                    ("establish_sof_brigade", "Build the southern unit."),
                ],
                &[("press_minsk", "Keep Minsk close.")],
                &[("fortify_north", "Hold the border.")],
                &[
                    ("share_intelligence", "Help Kyiv see."),
                    ("signal_consequences", "Warn Minsk."),
                ],
            ]
        } else {
            [
                &[("diversionary_posture", "Pin Ukrainian forces.")],
                &[("launches_from_belarus", "Use the northern axis.")],
                &[("deep_strike", "Hit the airbases.")],
                &[("targeted_sanctions", "Raise the cost.")],
            ]
        };
        for (i, c) in t.teams.iter_mut().enumerate() {
            c.ok(submit(turn, picks[i])).await;
        }
        // The facilitator sees every draft; the observer learns only that teams submitted.
        let sub = t
            .fac
            .until(|f| f["kind"] == "choices_submitted" && f["turn"] == turn)
            .await;
        assert!(!sub["choices"].as_array().expect("choices").is_empty());
        let sub = t
            .observer
            .until(|f| f["kind"] == "choices_submitted" && f["turn"] == turn)
            .await;
        assert_eq!(sub["redacted"], true);
        assert!(sub["choices"].as_array().expect("choices").is_empty());

        t.fac.ok(json!({"type": "advance"})).await; // adjudication: dice roll
        let rolled = t
            .fac
            .until(|f| f["kind"] == "dice_rolled" && f["turn"] == turn)
            .await;
        assert!(
            rolled["rolled"]["roll"]
                .as_u64()
                .is_some_and(|r| (1..=100).contains(&r))
        );
        t.fac
            .send(json!({"type": "preview", "runs": 2000, "ref": "pv"}))
            .await;
        let preview = t.fac.until(|f| f["ref"] == "pv").await;
        assert_eq!(preview["type"], "preview");
        assert_eq!(preview["preview"]["runs"], 2000);
        t.fac.ok(json!({"type": "advance"})).await; // review
        let resolved = t.teams[0]
            .until(|f| f["kind"] == "choice_resolved" && f["turn"] == turn)
            .await;
        for key in [
            "choice", "team", "option", "roll", "target", "result", "effects",
        ] {
            assert!(
                !resolved[key].is_null(),
                "choice_resolved lacks {key}: {resolved}"
            );
        }
        let review = t
            .observer
            .until(|f| f["kind"] == "phase_changed" && f["phase"] == "review" && f["turn"] == turn)
            .await;
        assert!(review["indicators"]["escalation"].is_i64());
    }
    t.fac
        .ok(json!({"type": "note", "text": "Hot wash at 15:00.", "public": true}))
        .await;
    t.fac
        .ok(json!({"type": "end", "reason": "Time is up."}))
        .await;
    let ended = t.teams[3].event("session_ended").await;
    assert_eq!(ended["phase"], "ended");
    // seq strictly increasing in what every seat received.
    for c in [&t.fac, &t.observer].into_iter().chain(t.teams.iter()) {
        let seqs: Vec<u64> = c
            .seen
            .iter()
            .filter(|f| f["type"] == "event")
            .filter_map(|f| f["seq"].as_u64())
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    }
    // After the game, the export route works for the facilitator only.
    let url = t
        .app
        .url(&format!("/api/sessions/{}/export?format=json", t.session));
    let mut r = awc::Client::new()
        .get(&url)
        .bearer_auth(&t.fac_token)
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 200);
    assert!(!r.body().limit(16 << 20).await.expect("body").is_empty());
    let r = awc::Client::new()
        .get(&url)
        .bearer_auth(&t.tokens[0])
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 403);
    let r = awc::Client::new().get(&url).send().await.expect("export");
    assert_eq!(r.status().as_u16(), 401);
    let bad = t
        .app
        .url(&format!("/api/sessions/{}/export?format=pdf", t.session));
    let r = awc::Client::new()
        .get(&bad)
        .bearer_auth(&t.fac_token)
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 400);
    let _ = (&t.code,);
}

#[actix_rt::test]
async fn rationales_never_reach_another_seat_before_review() {
    let mut t = table(7).await;
    t.fac.ok(json!({"type": "start"})).await;
    t.fac.ok(json!({"type": "inject", "custom": {"title": "Private word", "text": "SECRET-INJECT-FOR-UKRAINE", "effects": {}}, "to": ["ukraine"]})).await;
    t.fac
        .ok(json!({"type": "note", "text": "SECRET-WHITE-CELL-NOTE"}))
        .await;
    t.fac.ok(json!({"type": "advance"})).await;
    let picks = [
        ("belarus", "establish_sof_brigade"),
        ("russia", "press_minsk"),
        ("ukraine", "fortify_north"),
        ("nato", "share_intelligence"),
    ];
    for (i, (team, opt)) in picks.iter().enumerate() {
        let seq = t.teams[i]
            .ok(submit(1, &[(opt, &format!("MARKER-{team}-DRAFT"))]))
            .await;
        // revise, so a second rationale exists too
        let seq2 = t.teams[i]
            .ok(submit(1, &[(opt, &format!("MARKER-{team}-REVISED"))]))
            .await;
        assert!(seq2 > seq);
    }
    t.fac.ok(json!({"type": "advance"})).await;
    t.fac.ok(json!({"type": "override", "choice": "t1-russia-1", "result": "failure", "note": "SECRET-OVERRIDE-NOTE"})).await;
    for c in t.teams.iter_mut().chain(std::iter::once(&mut t.observer)) {
        c.drain().await;
    }
    for (i, (team, _)) in picks.iter().enumerate() {
        for (j, (other, _)) in picks.iter().enumerate() {
            let text = t.teams[j].all_text() + &t.teams[j].snapshot.to_string();
            let seen = text.contains(&format!("MARKER-{team}-"));
            assert_eq!(
                seen,
                i == j,
                "{other} {} {team}'s rationale before review",
                if seen { "saw" } else { "did not see" }
            );
        }
        assert!(!t.observer.all_text().contains(&format!("MARKER-{team}-")));
    }
    for c in t.teams.iter().chain(std::iter::once(&t.observer)) {
        let text = c.all_text();
        assert!(!text.contains("SECRET-WHITE-CELL-NOTE"));
        assert!(!text.contains("SECRET-OVERRIDE-NOTE"));
        assert!(!text.contains("dice_rolled"));
        assert!(!text.contains("\"seed\""));
    }
    assert!(t.teams[2].all_text().contains("SECRET-INJECT-FOR-UKRAINE"));
    for i in [0, 1, 3] {
        assert!(!t.teams[i].all_text().contains("SECRET-INJECT-FOR-UKRAINE"));
    }
    assert!(!t.observer.all_text().contains("SECRET-INJECT-FOR-UKRAINE"));
    // A reconnect must not leak either.
    let again = t.app.ws(&t.tokens[1]).await;
    assert!(!again.snapshot.to_string().contains("MARKER-belarus"));
    // After review, overt choices and their rationales are published to all.
    t.fac.ok(json!({"type": "advance"})).await;
    t.observer
        .until(|f| f["kind"] == "phase_changed" && f["phase"] == "review")
        .await;
    assert!(t.observer.all_text().contains("MARKER-nato-REVISED"));
    assert!(
        !t.observer.all_text().contains("MARKER-nato-DRAFT"),
        "the replaced draft stays private"
    );
}

#[actix_rt::test]
async fn every_rejection_reaches_the_client_as_an_error_frame() {
    let mut t = table(3).await;
    let (fac, teams, obs) = (&mut t.fac, &mut t.teams, &mut t.observer);
    teams[0]
        .refused(json!({"type": "start"}), "forbidden")
        .await;
    obs.refused(
        json!({"type": "submit", "turn": 1, "choices": []}),
        "forbidden",
    )
    .await;
    fac.refused(
        json!({"type": "submit", "turn": 1, "choices": []}),
        "forbidden",
    )
    .await;
    fac.refused(json!({"type": "advance"}), "wrong_phase").await;
    // Only the server issues joins: no client frame can express one.
    fac.refused(
        json!({"type": "join", "team": "nato", "name": "x"}),
        "unknown_type",
    )
    .await;
    fac.ok(json!({"type": "start"})).await;
    fac.refused(json!({"type": "start"}), "wrong_phase").await;
    teams[0]
        .refused(submit(1, &[("adopt_defence_law", "")]), "wrong_phase")
        .await;
    fac.refused(
        json!({"type": "override", "choice": "x", "result": "success", "note": "n"}),
        "wrong_phase",
    )
    .await;
    fac.refused(
        json!({"type": "inject", "event": "martians"}),
        "unknown_event",
    )
    .await;
    fac.refused(
        json!({"type": "inject", "script": "msel-99"}),
        "unknown_script",
    )
    .await;
    fac.refused(json!({"type": "inject"}), "invalid_inject")
        .await;
    fac.refused(
        json!({"type": "inject", "custom": {"title": "x", "effects": {"gdp": 3}}}),
        "unknown_indicator",
    )
    .await;
    fac.refused(
        json!({"type": "inject", "event": "nato_exercise", "to": ["mars"]}),
        "unknown_team",
    )
    .await;
    fac.ok(json!({"type": "inject", "script": "msel-1"})).await;
    fac.refused(
        json!({"type": "skip", "script": "msel-1"}),
        "script_already_used",
    )
    .await;
    fac.refused(json!({"type": "note", "text": "   "}), "empty_text")
        .await;
    fac.refused(
        json!({"type": "note", "text": "x".repeat(5000)}),
        "text_too_long",
    )
    .await;
    fac.refused(
        json!({"type": "timer", "seconds": 999_999}),
        "invalid_timer",
    )
    .await;
    fac.ok(json!({"type": "advance"})).await;
    teams[0]
        .refused(submit(2, &[("adopt_defence_law", "")]), "stale_turn")
        .await;
    teams[0]
        .refused(submit(1, &[("martian_option", "")]), "unknown_option")
        .await;
    teams[0]
        .refused(submit(1, &[("press_minsk", "")]), "not_your_option")
        .await;
    teams[0]
        .refused(
            submit(1, &[("adopt_defence_law", ""), ("adopt_defence_law", "")]),
            "duplicate_option",
        )
        .await;
    teams[0]
        .refused(
            submit(1, &[("declare_martial_law", "")]),
            "unmet_prerequisite",
        )
        .await;
    teams[0]
        .refused(
            submit(1, &[("establish_sof_brigade", ""), ("support_role", "")]),
            "over_budget",
        )
        .await;
    teams[0]
        .refused(
            submit(1, &[("adopt_defence_law", &"x".repeat(5000))]),
            "text_too_long",
        )
        .await;
    teams[0]
        .refused(json!({"type": "submit", "turn": "one"}), "bad_command")
        .await;
    teams[0]
        .refused(json!({"type": "fly"}), "unknown_type")
        .await;
    teams[0]
        .refused(json!({"type": "preview"}), "forbidden")
        .await;
    teams[0].ok(submit(1, &[("adopt_defence_law", "ok")])).await;
    fac.ok(json!({"type": "advance"})).await;
    fac.refused(
        json!({"type": "override", "choice": "t1-nato-1", "result": "success", "note": "n"}),
        "unknown_choice",
    )
    .await;
    fac.refused(
        json!({"type": "override", "choice": "t1-belarus-1", "result": "success", "note": ""}),
        "note_required",
    )
    .await;
    fac.refused(
        json!({"type": "inject", "event": "nato_exercise"}),
        "wrong_phase",
    )
    .await;
    fac.ok(json!({"type": "end"})).await;
    fac.refused(json!({"type": "advance"}), "session_ended")
        .await;
    teams[1].refused(submit(1, &[]), "session_ended").await;
    // Notes are still allowed after the end, for the hot wash.
    fac.ok(json!({"type": "note", "text": "After action: good game."}))
        .await;
}

#[actix_rt::test]
async fn reconnecting_mid_decision_restores_the_draft() {
    let mut t = table(5).await;
    t.fac.ok(json!({"type": "start"})).await;
    t.fac.ok(json!({"type": "advance"})).await;
    t.teams[3]
        .ok(submit(1, &[("share_intelligence", "We watch the border.")]))
        .await;
    drop(t.teams.remove(3));
    let again = t.app.ws(&t.tokens[3]).await;
    assert_eq!(again.snapshot["phase"], "decision");
    assert_eq!(
        again.snapshot["draft"]["choices"][0]["option"],
        "share_intelligence"
    );
    assert_eq!(
        again.snapshot["draft"]["choices"][0]["rationale"],
        "We watch the border."
    );
    // The facilitator's readiness board shows NATO submitted.
    let snap = t.fac.resnapshot(&t.fac_token).await;
    let nato = snap["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|x| x["team"] == "nato")
        .cloned()
        .expect("nato");
    assert_eq!(nato["submitted"], true);
}

#[actix_rt::test]
async fn presence_shows_who_is_connected() {
    let mut t = table(9).await;
    let snap = t.fac.resnapshot(&t.fac_token).await;
    t.fac.forget().await;
    let seats = snap["presence"]["seats"].as_array().expect("seats").clone();
    assert_eq!(seats.len(), 5);
    assert!(seats.iter().all(|s| s["connected"] == true), "{seats:?}");
    assert_eq!(snap["join_code"].as_str().map(str::len), Some(6));
    assert!(snap["now"].as_i64().is_some_and(|n| n > 1_700_000_000_000));
    // Re-authenticating for a fresh snapshot does not disturb anyone's presence.
    let presence_frames = |c: &Client| c.seen.iter().filter(|f| f["type"] == "presence").count();
    let before = presence_frames(&t.fac);
    let token = t.tokens[1].clone();
    t.teams[1].resnapshot(&token).await;
    t.fac.drain().await;
    assert_eq!(
        presence_frames(&t.fac),
        before,
        "a re-auth broadcast presence"
    );
    drop(t.teams.remove(0));
    let p = t.fac.presence("belarus", false).await;
    assert!(p["seats"][0]["last_seen"].is_i64());
}

#[actix_rt::test]
async fn bad_frames_leave_the_connection_and_others_healthy() {
    let mut t = table(11).await;
    let c = &mut t.teams[0];
    let is_error = |f: &Value| f["type"] == "error";
    c.send_text("{not json".into()).await;
    assert_eq!(c.until(is_error).await["code"], "bad_json");
    c.send_text("[1,2]".into()).await;
    assert_eq!(c.until(is_error).await["code"], "bad_frame");
    c.send_text(r#"{"no":"type"}"#.into()).await;
    assert_eq!(c.until(is_error).await["code"], "bad_frame");
    c.send_binary(vec![0, 159, 146, 150]).await;
    assert_eq!(c.until(is_error).await["code"], "bad_frame");
    let pong = {
        c.send(json!({"type": "ping", "ref": "p"})).await;
        c.until(|f| f["type"] == "pong").await
    };
    assert_eq!(pong["ref"], "p");

    // Flood: the rate limiter answers, the connection survives.
    for _ in 0..200 {
        t.teams[1].send(json!({"type": "ping"})).await;
    }
    // Every ping is answered, by a pong or by `rate_limited`.
    let (mut answered, mut limited) = (0, 0);
    while answered < 200 {
        let f = t.teams[1].next().await.expect("an answer to every ping");
        if f["type"] == "pong" {
            answered += 1;
        } else if f["code"] == "rate_limited" {
            assert_eq!(f["type"], "error");
            answered += 1;
            limited += 1;
        }
    }
    assert!(limited > 0, "a flood of 200 pings was not limited");
    // Once the bucket refills, the connection answers again.
    let mut healthy = false;
    for i in 0..50 {
        let r = format!("after-flood-{i}");
        t.teams[1].send(json!({"type": "ping", "ref": r})).await;
        let f = t.teams[1]
            .until(|f| f["ref"] == r.as_str() || f["code"] == "rate_limited")
            .await;
        if f["type"] == "pong" {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy, "the connection is healthy after a flood");

    // Oversize frame: that socket is closed, everyone else carries on.
    let mut big = Client::raw(t.app.port).await;
    big.send_text(format!(
        r#"{{"type":"auth","token":"{}"}}"#,
        "x".repeat(100 * 1024)
    ))
    .await;
    assert!(big.closed().await, "an oversize frame closes its socket");
    t.fac.ok(json!({"type": "start"})).await;
    let pc = t.teams[2].event("phase_changed").await;
    assert_eq!(pc["phase"], "briefing");
    let pc = t.teams[0].event("phase_changed").await;
    assert_eq!(pc["phase"], "briefing");
}

#[actix_rt::test]
async fn a_malformed_command_is_refused_naming_its_bad_field() {
    let mut t = table(12).await;
    let c = &mut t.teams[0];
    for (frame, field) in [
        (
            json!({"type": "submit", "turn": "one", "choices": []}),
            "`turn`",
        ),
        (json!({"type": "submit", "choices": []}), "`turn`"),
        (
            json!({"type": "submit", "turn": 1, "choices": [{"option": 7}]}),
            "`choices[0].option`",
        ),
        (
            json!({"type": "override", "choice": "c", "result": "maybe"}),
            "`result`",
        ),
    ] {
        let reply = c.cmd(frame.clone()).await;
        assert_eq!(reply["code"], "bad_command", "{frame}: {reply}");
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{frame}: {message}");
    }
    // The server's own commands cannot be sent by anyone, White Cell included.
    for frame in [
        json!({"type": "join", "team": "nato", "name": "Mallory"}),
        json!({"type": "timer_expired", "turn": 1, "phase": "decision"}),
    ] {
        t.fac.refused(frame, "unknown_type").await;
    }
    let lobby = t.app.get(&format!("/api/join/{}", t.code)).await.1;
    let nato = lobby["teams"].as_array().expect("teams")[3].clone();
    assert_eq!(nato["players"], 1, "a join frame added a player: {nato}");
}

/// The pong is queued behind the seat's events: once it arrives, every event
/// acknowledged before the ping was sent has arrived too.
#[actix_rt::test]
async fn a_pong_follows_every_event_committed_before_its_ping() {
    let mut t = table(13).await;
    for round in 0..3 {
        // Many writes in flight at once (within the rate limit), so events
        // queue up for the team.
        let refs: Vec<String> = (0..10).map(|i| format!("n{round}-{i}")).collect();
        for r in &refs {
            t.fac
                .send(json!({"type": "note", "text": r, "public": true, "ref": r}))
                .await;
        }
        let mut last = 0;
        for r in &refs {
            let ack = t
                .fac
                .until(|f| f["type"] == "ack" && f["ref"] == r.as_str())
                .await;
            last = last.max(ack["seq"].as_u64().expect("seq"));
        }
        let team = &mut t.teams[2];
        let before = team.seen.len();
        let ping = format!("sentinel-{round}");
        team.send(json!({"type": "ping", "ref": ping})).await;
        team.until(|f| f["type"] == "pong" && f["ref"] == ping.as_str())
            .await;
        let pong_at = team.seen.len() - 1;
        let last_event_at = team
            .seen
            .iter()
            .position(|f| f["type"] == "event" && f["seq"].as_u64() == Some(last));
        assert!(
            last_event_at.is_some_and(|i| i < pong_at),
            "round {round}: the pong overtook event {last} (read {} frames)",
            pong_at + 1 - before
        );
    }
}

#[actix_rt::test]
async fn ids_and_http_errors() {
    let app = spawn_app().await;
    // New sessions get UUID v7 ids, which sort by creation time.
    let (first, code, fac_token) = app.create(1).await;
    let (second, _, _) = app.create(2).await;
    for id in [&first, &second] {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID session id");
        assert_eq!(uuid.get_version_num(), 7, "{id}");
    }
    assert!(first < second, "{first} then {second}");
    // Player ids are random UUIDs, in the seat's snapshot and in its join event.
    let token = app.join(&code, "belarus", "Ana").await;
    let belarus = app.ws(&token).await;
    let players = belarus.snapshot["players"].as_array().expect("players");
    assert_eq!(players.len(), 1, "{players:?}");
    let player = players[0]["player"].as_str().expect("player id");
    let uuid = uuid::Uuid::parse_str(player).expect("a UUID player id");
    assert_eq!(uuid.get_version_num(), 4, "{player}");
    // Every error is JSON with its stable code and status.
    let export = |id: &str| format!("/api/sessions/{id}/export?format=json");
    let get = |path: String, auth: Option<String>| {
        let url = app.url(&path);
        async move {
            let mut req = awc::Client::new().get(url);
            if let Some(a) = auth {
                req = req.insert_header(("Authorization", a));
            }
            let mut r = req.send().await.expect("request");
            let body = r.body().limit(16 << 20).await.expect("body");
            let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            (
                r.status().as_u16(),
                json["error"]["code"].as_str().map(str::to_string),
            )
        }
    };
    let bearer = Some(format!("Bearer {fac_token}"));
    assert_eq!(get(export(&first), bearer.clone()).await, (200, None));
    // The scheme is case-insensitive.
    assert_eq!(
        get(export(&first), Some(format!("bearer {fac_token}")))
            .await
            .0,
        200
    );
    let cases = [
        (export(&first), None, 401, "unauthorized"),
        (
            export(&first),
            Some("Bearer nope".to_string()),
            403,
            "forbidden",
        ),
        (export(&second), bearer.clone(), 403, "forbidden"),
        (
            export("s468ec3865ed0f9dd"),
            bearer.clone(),
            404,
            "unknown_session",
        ),
        (export("not.an.id"), bearer.clone(), 404, "unknown_session"),
        (
            format!("/api/sessions/{first}/export?format=pdf"),
            bearer.clone(),
            400,
            "unknown_format",
        ),
        (
            "/api/join/ZZZZZZ".to_string(),
            None,
            404,
            "unknown_join_code",
        ),
        ("/ws".to_string(), None, 400, "bad_request"),
        ("/api/nothing".to_string(), None, 404, "not_found"),
    ];
    for (path, auth, status, code) in cases {
        assert_eq!(
            get(path.clone(), auth).await,
            (status, Some(code.to_string())),
            "{path}"
        );
    }
    let (s, e) = app
        .post(
            "/api/join",
            json!({"join_code": code, "team": "observer", "name": "Olga"}),
        )
        .await;
    assert_eq!((s, e["team"].as_str()), (200, Some("observer")), "{e}");
    assert!(e["player"].as_str().is_some_and(|p| !p.is_empty()), "{e}");
}

#[actix_rt::test]
async fn unauthenticated_sockets_are_refused() {
    let app = spawn_app().await;
    let mut c = Client::raw(app.port).await;
    c.send(json!({"type": "submit", "turn": 1, "choices": []}))
        .await;
    assert_eq!(c.next().await.expect("error")["code"], "unauthorized");
    c.send(json!({"type": "auth", "token": "not-a-token"}))
        .await;
    assert_eq!(c.next().await.expect("error")["code"], "unauthorized");
    // No valid auth within 10 seconds closes the socket.
    let started = std::time::Instant::now();
    assert!(c.closed().await || c.closed().await);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

#[actix_rt::test]
async fn the_timer_closes_the_decision_window_by_itself() {
    let mut t = table(13).await;
    t.fac.ok(json!({"type": "start"})).await;
    t.fac.ok(json!({"type": "advance"})).await;
    t.teams[0]
        .ok(submit(1, &[("adopt_defence_law", "Before the bell.")]))
        .await;
    t.fac.ok(json!({"type": "timer", "seconds": 1})).await;
    let set = t.teams[1].event("timer_set").await;
    assert!(set["deadline"].is_i64());
    let expired = t.observer.event("timer_expired").await;
    assert_eq!(expired["actor"]["role"], "system");
    let pc = t
        .observer
        .until(|f| f["kind"] == "phase_changed" && f["phase"] == "adjudication")
        .await;
    assert_eq!(pc["turn"], 1);
    t.fac.event("dice_rolled").await;
}

/// Each White Cell console that connects moves the session's task to its worker; a
/// pending timer, the seats and the commands in flight go with it.
#[actix_rt::test]
async fn the_timer_and_the_seats_survive_the_white_cell_opening_more_consoles() {
    let mut t = table(14).await;
    t.fac.ok(json!({"type": "start"})).await;
    t.fac.ok(json!({"type": "advance"})).await;
    t.fac.ok(json!({"type": "timer", "seconds": 2})).await;
    t.teams[2].event("timer_set").await;
    let mut consoles = Vec::new();
    for _ in 0..3 {
        let mut c = t.app.ws(&t.fac_token).await;
        c.ok(json!({"type": "note", "text": "Second console here.", "public": true}))
            .await;
        consoles.push(c);
    }
    t.teams[0]
        .ok(submit(
            1,
            &[("adopt_defence_law", "Sent while consoles open.")],
        ))
        .await;
    for _ in 0..3 {
        let note = t.teams[3].event("note_added").await;
        assert_eq!(note["text"], "Second console here.");
    }
    t.observer.event("timer_expired").await;
    let pc = t
        .observer
        .until(|f| f["kind"] == "phase_changed" && f["phase"] == "adjudication")
        .await;
    assert_eq!(pc["turn"], 1);
    // Every console and the original one still drive the same session.
    for c in &mut consoles {
        c.event("dice_rolled").await;
    }
    t.fac.event("dice_rolled").await;
}

#[actix_rt::test]
async fn sessions_survive_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().to_path_buf();
    let app = spawn_app_in(dir).await;
    let (_, code, fac_token) = app.create(21).await;
    let token = app.join(&code, "ukraine", "Olena").await;
    let mut fac = app.ws(&fac_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    let mut ua = app.ws(&token).await;
    ua.ok(submit(1, &[("fortify_north", "Before the restart.")]))
        .await;
    let before = fac.resnapshot(&fac_token).await;
    // A second server on the same database file restores everything.
    let dir2 = tempfile::TempDir::new_in(path.parent().expect("parent")).expect("dir");
    std::fs::copy(path.join("test.db"), dir2.path().join("test.db")).expect("copy db");
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::copy(
            path.join(format!("test.db{ext}")),
            dir2.path().join(format!("test.db{ext}")),
        );
    }
    let app2 = spawn_app_in(dir2).await;
    let mut fac2 = app2.ws(&fac_token).await;
    let ua2 = app2.ws(&token).await;
    assert_eq!(
        ua2.snapshot["draft"]["choices"][0]["rationale"],
        "Before the restart."
    );
    let mut a = before.clone();
    let mut b = fac2.snapshot.clone();
    for key in ["presence", "now"] {
        a[key] = Value::Null;
        b[key] = Value::Null;
    }
    assert_eq!(a, b);
    fac2.ok(json!({"type": "advance"})).await;
    drop(app);
}

/// A WebSocket client that authenticates and then never reads: the server's frames
/// pile up on its side.
async fn stalled_client(port: u16, token: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The kernel's default receive buffer: it only grows while the peer reads. (A
    // tiny fixed one makes the reads at the end of the test crawl.)
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let upgrade = format!(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(upgrade.as_bytes()).await.expect("upgrade");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream
            .read_exact(&mut byte)
            .await
            .expect("upgrade response");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // One masked text frame (a zero mask leaves the payload as it is).
    let auth = json!({"type": "auth", "token": token}).to_string();
    assert!(auth.len() < 126);
    let mut frame = vec![0x81, 0x80 | auth.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(auth.as_bytes());
    stream.write_all(&frame).await.expect("auth frame");
    stream
}

/// A seat that stops reading its socket is disconnected once its outbound queue is
/// full; the session and everyone else carry on, and the seat's fresh snapshot on
/// reconnecting holds everything it missed.
#[actix_rt::test]
async fn a_client_that_stops_reading_is_dropped_without_stalling_anyone() {
    use tokio::io::AsyncReadExt;

    let app = spawn_app().await;
    let (_, code, fac_token) = app.create(31).await;
    let slow_token = app.join(&code, "nato", "Never reads").await;
    let healthy_token = app.join(&code, "belarus", "Reads").await;
    let mut fac = app.ws(&fac_token).await;
    let mut healthy = app.ws(&healthy_token).await;
    let (mut slow, mut keepalive) = stalled_client(app.port, &slow_token).await.into_split();
    // It never reads, but says `ping` every second, so the server's silence timeout
    // (5 s) leaves it to the queue bound this test is about.
    actix_rt::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let ping = br#"{"type":"ping"}"#;
        let mut frame = vec![0x81, 0x80 | ping.len() as u8, 0, 0, 0, 0];
        frame.extend_from_slice(ping);
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if keepalive.write_all(&frame).await.is_err() {
                break;
            }
        }
    });
    fac.presence("nato", true).await;
    // Injects addressed to NATO alone, 16 KB a frame (4,000 four-byte characters):
    // 10 MB in all, more than the socket buffers (the kernel grows the server's to
    // 4 MB) and the server's queue of 256 frames hold. The rate limit is per
    // connection, so the White Cell sends from several sockets (each within its burst
    // of 40), each waiting for its ack before the next, so the sockets that do read
    // keep up.
    const SOCKETS: usize = 16;
    const EACH: usize = 39;
    const TOTAL: usize = SOCKETS * EACH;
    let text = "\u{1F6F0}".repeat(4000);
    let mut flooders = vec![fac];
    for _ in 1..SOCKETS {
        flooders.push(app.ws(&fac_token).await);
    }
    let floods = flooders.iter_mut().enumerate().map(|(i, f)| {
        let text = text.clone();
        async move {
            for k in 0..EACH {
                f.ok(json!({
                    "type": "inject",
                    "to": ["nato"],
                    "custom": {"title": format!("Flood {i}-{k}"), "text": text},
                }))
                .await;
            }
        }
    });
    futures_util::future::join_all(floods).await;
    let mut fac = flooders.swap_remove(0);

    // The White Cell is told NATO's only seat has gone (perhaps while it flooded:
    // every presence frame since NATO connected is still queued).
    fac.presence("nato", false).await;
    // Nobody else was held up: a command is acknowledged and broadcast at once.
    fac.ok(json!({"type": "start"})).await;
    assert_eq!(healthy.event("phase_changed").await["phase"], "briefing");
    assert!(
        !healthy.all_text().contains("Flood "),
        "an inject for NATO reached Belarus"
    );
    // Once it reads again, the slow socket gets what was already on its way, then a
    // close frame: 1013, try again later, or 1001 if the silence timeout came first
    // on a busy machine (its pings stuck behind the flood).
    let mut bytes = Vec::new();
    let closed = tokio::time::timeout(3 * WAIT, async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
            let close = bytes
                .windows(4)
                .find(|w| w[0] == 0x88 && (w[2..] == [0x03, 0xF5] || w[2..] == [0x03, 0xE9]));
            if let Some(w) = close {
                return Some(u16::from_be_bytes([w[2], w[3]]));
            }
        }
    })
    .await;
    assert!(
        matches!(closed, Ok(Some(1013 | 1001))),
        "no close frame ({closed:?}) after {} bytes ({} injects), ending {:?}",
        bytes.len(),
        String::from_utf8_lossy(&bytes)
            .matches("event_injected")
            .count(),
        String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(300)..])
    );
    // Fewer injects reached it than were sent: the rest were never queued.
    let seen = String::from_utf8_lossy(&bytes)
        .matches("event_injected")
        .count();
    assert!(
        seen < TOTAL,
        "all {seen} injects reached the stalled socket"
    );
    // Reconnecting gives a snapshot with every inject, the missed ones included.
    let again = app.ws(&slow_token).await;
    let injects = again.snapshot["injects"].as_array().expect("injects");
    assert_eq!(injects.len(), TOTAL);
    assert_eq!(again.snapshot["phase"], "briefing");
}

/// `private_rationales` on create: outcomes reach every seat, rationales only their team.
#[actix_rt::test]
async fn a_session_created_with_private_rationales_keeps_them_from_other_teams() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "belarus-2025", "title": "Closed", "seed": 5, "private_rationales": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let code = body["join_code"].as_str().expect("code");
    let mut fac = app
        .ws(body["facilitator_token"].as_str().expect("token"))
        .await;
    assert_eq!(fac.snapshot["private_rationales"], true);
    let by_token = app.join(code, "belarus", "Minsk").await;
    let ru_token = app.join(code, "russia", "Moscow").await;
    let mut by = app.ws(&by_token).await;
    let mut ru = app.ws(&ru_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    by.ok(submit(1, &[("adopt_defence_law", "MARK-minsk-reasons")]))
        .await;
    ru.ok(submit(1, &[("press_minsk", "MARK-moscow-reasons")]))
        .await;
    fac.ok(json!({"type": "advance"})).await;
    fac.ok(json!({"type": "advance"})).await;
    for c in [&mut by, &mut ru] {
        c.until(|f| f["kind"] == "phase_changed" && f["phase"] == "review")
            .await;
    }
    let by_snap = by.resnapshot(&by_token).await;
    assert_eq!(by_snap["choices"].as_array().map(Vec::len), Some(2));
    let by_text = by.all_text();
    let ru_text = ru.all_text();
    assert!(by_text.contains("MARK-minsk-reasons") && !by_text.contains("MARK-moscow-reasons"));
    assert!(ru_text.contains("MARK-moscow-reasons") && !ru_text.contains("MARK-minsk-reasons"));
}

/// Save, then broadcast: a command whose write fails is answered `unavailable`, no
/// seat sees its event, and the session goes on from what is stored.
#[actix_web::test]
async fn a_command_whose_write_fails_reaches_nobody_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("test.db");
    let app = spawn_app_in(dir).await;
    let (_, code, fac_token) = app.create(5).await;
    let token = app.join(&code, "belarus", "Alesia").await;
    let mut fac = app.ws(&fac_token).await;
    let mut by = app.ws(&token).await;
    let stored = fac
        .ok(json!({"type": "note", "text": "Stored.", "public": true}))
        .await;
    by.until(|f| f["type"] == "event" && f["seq"] == stored)
        .await;
    // The fault: the database refuses any event that carries the marker.
    let conn = rusqlite::Connection::open(&db).expect("open the database");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.body LIKE '%UNSAVABLE%'
         BEGIN SELECT RAISE(ABORT, 'the disk says no'); END",
    )
    .expect("trigger");
    let reply = fac
        .cmd(json!({"type": "note", "text": "UNSAVABLE", "public": true}))
        .await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], "unavailable", "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .is_some_and(|m| m.contains("nothing was changed")),
        "{reply}"
    );
    by.drain().await;
    fac.drain().await;
    for (who, c) in [("the team", &by), ("the White Cell", &fac)] {
        assert!(
            !c.all_text().contains("UNSAVABLE"),
            "{who} saw an event that was never stored"
        );
    }
    // Once the database takes writes again, the next command follows the last
    // stored one, and everyone sees it.
    conn.execute_batch("DROP TRIGGER refuse")
        .expect("drop trigger");
    let next = fac
        .ok(json!({"type": "note", "text": "Saved after all.", "public": true}))
        .await;
    assert_eq!(next, stored + 1);
    let seen = by.until(|f| f["type"] == "event" && f["seq"] == next).await;
    assert!(seen.to_string().contains("Saved after all."), "{seen}");
    assert_eq!(by.resnapshot(&token).await["seq"].as_u64(), Some(next));
}

/// A secret flag that also lapses (Russia's, in a copy of the default scenario): the
/// `phase_changed` that clears it names it to Russia and the White Cell, never to
/// another team or the projector.
#[actix_web::test]
async fn a_lapsing_secret_flag_is_named_only_to_its_owner_and_the_white_cell() {
    const SECRET: &str = "northern_axis_prepared";
    let app = spawn_app_with_fixture("lapsing-secret").await;
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "lapsing-secret", "title": "Lapse", "seed": 7}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let code = body["join_code"].as_str().expect("code");
    let mut fac = app
        .ws(body["facilitator_token"].as_str().expect("token"))
        .await;
    let by_token = app.join(code, "belarus", "Minsk").await;
    let ru_token = app.join(code, "russia", "Moscow").await;
    let obs_token = app.join(code, "observer", "Projector").await;
    let mut by = app.ws(&by_token).await;
    let mut ru = app.ws(&ru_token).await;
    let mut obs = app.ws(&obs_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    ru.ok(submit(1, &[("prepare_northern_strikes", "Quietly.")]))
        .await;
    fac.ok(json!({"type": "advance"})).await;
    fac.ok(json!({"type": "override", "choice": "t1-russia-1", "result": "success", "note": "The preparations succeed."}))
        .await;
    // Publish turn 1 (the flag is set), play turn 2 through its decision window, then
    // open turn 3: the flag lapses.
    for _ in 0..6 {
        fac.ok(json!({"type": "advance"})).await;
    }
    let lapse = |f: &Value| {
        f["type"] == "event"
            && f["kind"] == "phase_changed"
            && f["turn"] == 3
            && f["phase"] == "briefing"
    };
    for (who, c) in [("white cell", &mut fac), ("russia", &mut ru)] {
        let frame = c.until(lapse).await;
        assert_eq!(frame["lapsed_secret"], json!([SECRET]), "{who}: {frame}");
    }
    for (who, c) in [("belarus", &mut by), ("observer", &mut obs)] {
        let frame = c.until(lapse).await;
        assert!(frame.get("lapsed_secret").is_none(), "{who}: {frame}");
        for f in c.seen.iter().filter(|f| f["kind"] == "phase_changed") {
            assert!(!f.to_string().contains(SECRET), "{who} is told: {f}");
        }
        assert!(
            !c.all_text().contains(SECRET),
            "{who} learns of the secret flag"
        );
    }
}

/// Fog over real sockets: Red's undetected covert build-up moves tension to 71. Blue
/// and the projector never receive that value, in any frame, until the White Cell
/// reveals the choice; Red and the White Cell see it at once.
#[actix_web::test]
async fn a_hidden_covert_effect_reaches_no_other_socket_until_revealed() {
    const MARK: &str = "\"tension\":71";
    let app = spawn_app_with_fixture("fog").await;
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "fog-fixture", "title": "Fog", "seed": 7}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let code = body["join_code"].as_str().expect("code");
    let mut fac = app
        .ws(body["facilitator_token"].as_str().expect("token"))
        .await;
    let red_token = app.join(code, "red", "Red player").await;
    let blue_token = app.join(code, "blue", "Blue player").await;
    let obs_token = app.join(code, "observer", "Projector").await;
    let mut red = app.ws(&red_token).await;
    let mut blue = app.ws(&blue_token).await;
    let mut obs = app.ws(&obs_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    red.ok(submit(1, &[("red_secret", "Quietly.")])).await;
    fac.ok(json!({"type": "advance"})).await;
    fac.ok(json!({"type": "advance"})).await;
    fac.ok(json!({"type": "advance"})).await; // turn 2's briefing
    for c in [&mut red, &mut fac] {
        c.drain().await;
        assert!(
            c.all_text().contains(MARK),
            "the owner and the White Cell see it"
        );
    }
    for (who, c, token) in [
        ("blue", &mut blue, &blue_token),
        ("observer", &mut obs, &obs_token),
    ] {
        c.drain().await;
        let snap = c.resnapshot(token).await;
        assert_eq!(snap["indicators"]["tension"], 11, "{who}: {snap}");
        assert!(
            !c.all_text().contains(MARK),
            "{who} received the hidden value"
        );
    }
    fac.ok(json!({"type": "reveal", "choice": "t1-red-1"}))
        .await;
    for (who, c, token) in [
        ("blue", &mut blue, &blue_token),
        ("observer", &mut obs, &obs_token),
    ] {
        let frame = c.event("covert_revealed").await;
        assert_eq!(frame["effects"]["tension"], 60, "{who}: {frame}");
        let snap = c.resnapshot(token).await;
        assert_eq!(snap["indicators"]["tension"], 71, "{who} after the reveal");
    }
    blue.refused(json!({"type": "reveal", "choice": "t1-red-1"}), "forbidden")
        .await;
}
