//! The hot-wash over the real server: players and observers answer the debrief over
//! WebSockets after the end, the White Cell watches the count and closes it, answers
//! reach the White Cell alone, and the debrief CSV holds them. With
//! `anonymous_debrief`, no frame or export pairs an answer with its author.

use serde_json::{Value, json};

use super::helpers::*;

/// Joins a seat; gives (token, player id).
async fn join(app: &TestApp, code: &str, team: &str, name: &str) -> (String, String) {
    let (status, body) = app
        .post(
            "/api/join",
            json!({"join_code": code, "team": team, "name": name}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (
        body["token"].as_str().expect("token").to_string(),
        body["player"].as_str().expect("player").to_string(),
    )
}

/// Creates a session; gives (session id, join code, facilitator token).
async fn create(app: &TestApp, anonymous: bool) -> (String, String, String) {
    let (status, body) = app
        .post(
            "/api/sessions",
            json!({"scenario": "belarus-2025", "seed": 3, "anonymous_debrief": anonymous}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let s = |k: &str| body[k].as_str().expect(k).to_string();
    (s("session_id"), s("join_code"), s("facilitator_token"))
}

async fn export(app: &TestApp, session: &str, token: &str, query: &str) -> String {
    let mut r = awc::Client::new()
        .get(app.url(&format!("/api/sessions/{session}/export?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 200, "{query}");
    let body = r.body().limit(16 << 20).await.expect("body");
    String::from_utf8_lossy(&body).into_owned()
}

fn answers(marker: &str) -> Value {
    json!([
        {"question": "realism", "value": 4},
        {"question": "went_well", "value": marker},
    ])
}

#[actix_rt::test]
async fn players_answer_after_the_end_and_the_white_cell_closes_it() {
    let app = spawn_app().await;
    let (session, code, fac_token) = create(&app, false).await;
    let (by_token, by_id) = join(&app, &code, "belarus", "Alena MARK-NAME").await;
    let (mate_token, _) = join(&app, &code, "belarus", "Mate").await;
    let (obs_token, _) = join(&app, &code, "observer", "Watcher").await;
    let mut fac = app.ws(&fac_token).await;
    let mut by = app.ws(&by_token).await;
    let mut mate = app.ws(&mate_token).await;
    let mut obs = app.ws(&obs_token).await;
    assert!(
        by.snapshot.get("debrief").is_none(),
        "no survey before the end"
    );
    by.refused(
        json!({"type": "debrief", "answers": answers("early")}),
        "wrong_phase",
    )
    .await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "end"})).await;
    // A fresh snapshot after the end carries the default survey.
    let snap = by.resnapshot(&by_token).await;
    let d = &snap["debrief"];
    assert_eq!(d["questions"].as_array().map(Vec::len), Some(5), "{d}");
    assert_eq!(
        (d["open"].clone(), d["answered"].clone()),
        (json!(true), json!(false))
    );
    // Bad frames and bad answers, each with its code.
    by.refused(
        json!({"type": "debrief", "answers": [{"question": "realism", "value": 9}]}),
        "invalid_answer",
    )
    .await;
    by.refused(
        json!({"type": "debrief", "answers": [{"question": "realism", "value": true}]}),
        "bad_command",
    )
    .await;
    by.refused(json!({"type": "debrief", "answers": []}), "invalid_answer")
        .await;
    fac.refused(
        json!({"type": "debrief", "answers": answers("white cell")}),
        "forbidden",
    )
    .await;
    // The answer: acknowledged to the sender, sent to the White Cell alone.
    by.ok(json!({"type": "debrief", "answers": answers("MARK-ANSWER-by")}))
        .await;
    let got = fac.event("debrief_submitted").await;
    assert_eq!(got["player"], by_id.as_str());
    assert_eq!(got["name"], "Alena MARK-NAME");
    assert_eq!(got["answers"][1]["value"], "MARK-ANSWER-by");
    by.refused(
        json!({"type": "debrief", "answers": answers("again")}),
        "already_answered",
    )
    .await;
    obs.ok(json!({"type": "debrief", "answers": [{"question": "useful", "value": 2}]}))
        .await;
    // The White Cell's snapshot counts them out of the seated.
    let wc = fac.resnapshot(&fac_token).await;
    assert_eq!(wc["debrief"]["seated"], 3);
    assert_eq!(wc["debrief"]["count"], 2);
    assert!(
        wc["debrief"]["respondents"]
            .as_array()
            .is_some_and(|r| r.iter().any(|p| p == by_id.as_str()))
    );
    fac.ok(json!({"type": "close_debrief"})).await;
    mate.event("debrief_closed").await;
    mate.refused(
        json!({"type": "debrief", "answers": answers("late")}),
        "debrief_closed",
    )
    .await;
    // Nobody but the White Cell read an answer.
    for c in [&mut by, &mut mate, &mut obs] {
        c.drain().await;
        assert!(!c.all_text().contains("MARK-ANSWER"), "{}", c.all_text());
        assert!(!c.all_text().contains("debrief_submitted"));
    }
    let snap = by.resnapshot(&by_token).await;
    assert_eq!(snap["debrief"]["answered"], true);
    assert_eq!(snap["debrief"]["open"], false);
    // The debrief CSV holds the answers with who gave them.
    let csv = export(&app, &session, &fac_token, "format=csv&table=debrief").await;
    assert!(
        csv.contains(",Alena MARK-NAME,belarus,went_well,text,"),
        "{csv}"
    );
    assert!(csv.contains("MARK-ANSWER-by"), "{csv}");
}

#[actix_rt::test]
async fn an_anonymous_debrief_pairs_no_answer_with_a_person() {
    let app = spawn_app().await;
    let (session, code, fac_token) = create(&app, true).await;
    let (by_token, by_id) = join(&app, &code, "belarus", "Alena MARK-NAME").await;
    let (ru_token, ru_id) = join(&app, &code, "russia", "Dmitri MARK-NAME").await;
    let mut fac = app.ws(&fac_token).await;
    let mut by = app.ws(&by_token).await;
    let mut ru = app.ws(&ru_token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "end"})).await;
    by.ok(json!({"type": "debrief", "answers": answers("MARK-ANSWER-by")}))
        .await;
    ru.ok(json!({"type": "debrief", "answers": answers("MARK-ANSWER-ru")}))
        .await;
    ru.refused(
        json!({"type": "debrief", "answers": answers("again")}),
        "already_answered",
    )
    .await;
    fac.drain().await;
    // The White Cell's frames: the answers, without a name, id or team by them.
    let debrief_frames: Vec<&Value> = fac
        .seen
        .iter()
        .filter(|f| f["kind"].as_str().is_some_and(|k| k.starts_with("debrief")))
        .collect();
    assert_eq!(debrief_frames.len(), 2, "{debrief_frames:?}");
    let text = serde_json::to_string(&debrief_frames).expect("json");
    assert!(text.contains("MARK-ANSWER-by") && text.contains("MARK-ANSWER-ru"));
    for secret in [
        "MARK-NAME",
        by_id.as_str(),
        ru_id.as_str(),
        "belarus",
        "russia",
    ] {
        assert!(!text.contains(secret), "{secret} by the answers: {text}");
    }
    let wc = fac.resnapshot(&fac_token).await;
    let d = wc["debrief"].to_string();
    assert_eq!(wc["debrief"]["count"], 2);
    assert!(wc["debrief"].get("respondents").is_none(), "{d}");
    for secret in ["MARK-NAME", by_id.as_str(), ru_id.as_str()] {
        assert!(
            !d.contains(secret),
            "{secret} in the White Cell's debrief: {d}"
        );
    }
    // Each player still knows it has answered.
    assert_eq!(by.resnapshot(&by_token).await["debrief"]["answered"], true);
    // No export pairs an answer with a person.
    let csv = export(&app, &session, &fac_token, "format=csv&table=debrief").await;
    assert!(
        csv.contains("MARK-ANSWER-ru") && !csv.contains("MARK-NAME"),
        "{csv}"
    );
    let json: Value =
        serde_json::from_str(&export(&app, &session, &fac_token, "format=json").await)
            .expect("json");
    let events = json["events"].as_array().expect("events");
    assert!(events.iter().all(|e| e["kind"] != "debrief_respondent"));
    let part = format!(
        "{}{:?}",
        json["debrief"],
        events
            .iter()
            .filter(|e| e["kind"] == "debrief_submitted")
            .collect::<Vec<_>>()
    );
    for secret in ["MARK-NAME", by_id.as_str(), ru_id.as_str()] {
        assert!(
            !part.contains(secret),
            "{secret} by the exported answers: {part}"
        );
    }
}
