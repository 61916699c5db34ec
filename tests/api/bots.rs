//! Bots over the real server: seated by `POST /api/sessions` (`bots`) and by the
//! White Cell's `bot` command; a session of bots alone played by White Cell
//! commands only, and its exports.

use super::helpers::*;
use serde_json::{Value, json};

const BOTS: [(&str, &str); 4] = [
    ("belarus", "hedging"),
    ("russia", "keep_minsk_compliant"),
    ("ukraine", "cautious"),
    ("nato", "diplomacy_first"),
];

/// A server whose scenarios folder holds the doctrines fixture only.
async fn doctrine_app() -> TestApp {
    spawn_app_with_fixture("doctrines").await
}

async fn export(app: &TestApp, session: &str, token: &str, format: &str) -> String {
    let mut r = awc::Client::new()
        .get(app.url(&format!("/api/sessions/{session}/export?format={format}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 200, "{format}");
    let body = r.body().limit(16 << 20).await.expect("body");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

#[actix_web::test]
async fn bots_from_post_sessions_are_validated() {
    let app = doctrine_app().await;
    for (bots, code) in [
        (json!({"mordor": "hedging"}), "unknown_team"),
        (json!({"belarus": "appeasement"}), "unknown_doctrine"),
        (json!({"belarus": "cautious"}), "unknown_doctrine"),
    ] {
        let (status, body) = app
            .post(
                "/api/sessions",
                json!({"scenario": "doctrines-fixture", "bots": bots}),
            )
            .await;
        assert_eq!(status, 400, "{bots}: {body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 10)
        );
    }
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "doctrines-fixture", "bots": {"belarus": 3}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    // The scenario JSON lists each team's doctrines.
    let (_, scen) = app.get("/api/scenarios/doctrines-fixture").await;
    assert_eq!(scen["teams"][0]["doctrines"][1]["id"], "hedging");
    assert_eq!(scen["teams"][0]["doctrines"][1]["name"], "Hedging");
}

/// Four bots and a White Cell that only advances: two turns are played, every
/// team's choices are published, and every export marks them as bot choices.
#[actix_web::test]
async fn a_session_of_bots_is_played_by_white_cell_commands_alone() {
    let app = doctrine_app().await;
    let bots: serde_json::Map<String, Value> = BOTS
        .iter()
        .map(|(t, d)| (t.to_string(), json!(d)))
        .collect();
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "doctrines-fixture", "title": "Bots", "seed": 21, "max_turns": 2, "bots": bots}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let session = body["session_id"].as_str().expect("id").to_string();
    let code = body["join_code"].as_str().expect("code").to_string();
    let token = body["facilitator_token"]
        .as_str()
        .expect("token")
        .to_string();
    let mut fac = app.ws(&token).await;
    for (t, d) in BOTS {
        let status = fac.snapshot["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|x| x["team"] == t)
            .cloned()
            .expect("team");
        assert_eq!(
            (status["bot"].clone(), status["doctrine"].clone()),
            (json!(true), json!(d))
        );
    }
    let obs_token = app.join(&code, "observer", "Projector").await;
    let mut obs = app.ws(&obs_token).await;
    assert!(obs.snapshot["teams"][0].get("doctrine").is_none());
    assert_eq!(obs.snapshot["teams"][0]["bot"], true);

    fac.ok(json!({"type": "start"})).await;
    for turn in 1..=2u64 {
        fac.ok(json!({"type": "advance"})).await; // decision: the bots submit
        for (t, d) in BOTS {
            let sub = fac
                .until(|f| f["kind"] == "choices_submitted" && f["team"] == t && f["turn"] == turn)
                .await;
            assert_eq!(sub["bot"], true, "{sub}");
            assert_eq!(sub["doctrine"], d, "{sub}");
            assert!(
                !sub["choices"].as_array().expect("choices").is_empty(),
                "{sub}"
            );
            let seen = obs
                .until(|f| f["kind"] == "choices_submitted" && f["team"] == t && f["turn"] == turn)
                .await;
            assert_eq!(
                (seen["bot"].clone(), seen["redacted"].clone()),
                (json!(true), json!(true))
            );
            assert!(seen.get("doctrine").is_none(), "{seen}");
        }
        fac.ok(json!({"type": "advance"})).await; // adjudication
        fac.ok(json!({"type": "advance"})).await; // review: published
        for (t, _) in BOTS {
            let out = obs
                .until(|f| f["kind"] == "choice_resolved" && f["team"] == t && f["turn"] == turn)
                .await;
            assert_eq!(out["bot"], true, "{out}");
        }
        fac.ok(json!({"type": "advance"})).await; // next turn, or the end
    }
    fac.until(|f| f["kind"] == "session_ended").await;

    let json_export: Value =
        serde_json::from_str(&export(&app, &session, &token, "json").await).expect("json");
    let choices = json_export["choices"].as_array().expect("choices");
    for (t, d) in BOTS {
        for turn in 1..=2 {
            let mine: Vec<&Value> = choices
                .iter()
                .filter(|c| c["team"] == t && c["turn"] == turn)
                .collect();
            assert!(!mine.is_empty(), "{t} turn {turn}: no published choice");
            for c in mine {
                assert_eq!(
                    (c["bot"].clone(), c["doctrine"].clone()),
                    (json!(true), json!(d))
                );
            }
        }
    }
    // Markdown escapes some punctuation; read it without the escapes.
    let md = export(&app, &session, &token, "markdown")
        .await
        .replace('\\', "");
    for (_, d) in BOTS {
        assert!(md.contains(&format!("(bot choice, doctrine {d})")), "{d}");
        assert!(md.contains(&format!("by a bot (doctrine {d})")), "{d}");
    }
    let csv = export(&app, &session, &token, "csv").await;
    let mut lines = csv.lines();
    assert!(lines.next().expect("header").ends_with(",bot,forked_from"));
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), choices.len());
    for row in rows {
        assert!(
            // The bot's doctrine, then `forked_from`, empty for a session not forked.
            BOTS.iter().any(|(_, d)| row.ends_with(&format!(",{d},"))),
            "{row}"
        );
    }
    let html = export(&app, &session, &token, "html").await;
    assert!(html.contains("BOT · hedging"));
}

/// The White Cell seats and unseats a bot during play; a person joins the team
/// and plays once the seat is handed over.
#[actix_web::test]
async fn the_white_cell_hands_a_bots_seat_to_a_person_mid_game() {
    let app = doctrine_app().await;
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "doctrines-fixture", "seed": 4}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let code = body["join_code"].as_str().expect("code").to_string();
    let mut fac = app
        .ws(body["facilitator_token"].as_str().expect("token"))
        .await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    fac.ok(json!({"type": "bot", "team": "ukraine", "doctrine": "preemptive"}))
        .await;
    let sub = fac.until(|f| f["kind"] == "choices_submitted").await;
    assert_eq!(sub["doctrine"], "preemptive");
    fac.refused(
        json!({"type": "bot", "team": "ukraine", "doctrine": "appeasement"}),
        "unknown_doctrine",
    )
    .await;
    let ua_token = app.join(&code, "ukraine", "Oksana").await;
    let mut ua = app.ws(&ua_token).await;
    assert_eq!(ua.snapshot["teams"][2]["doctrine"], "preemptive");
    let submit = json!({"type": "submit", "turn": 1, "choices": [{"option": "fortify_border", "rationale": "Mine now."}]});
    ua.refused(submit.clone(), "bot_seat").await;
    fac.ok(json!({"type": "bot", "team": "ukraine", "doctrine": null}))
        .await;
    let handed = ua.until(|f| f["kind"] == "bot_set").await;
    assert_eq!(handed["bot"], false);
    ua.ok(submit).await;
    // A player cannot seat a bot.
    ua.refused(
        json!({"type": "bot", "team": "ukraine", "doctrine": "cautious"}),
        "forbidden",
    )
    .await;
}
