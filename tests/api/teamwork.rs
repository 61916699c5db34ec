//! Over the wire: presence that is true within 5 s, the live team draft, team leads
//! and undoing an override.

use std::time::{Duration, Instant};

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

async fn create(app: &TestApp, options: Value) -> (String, String) {
    let mut body = json!({"scenario": "belarus-2025", "seed": 5});
    for (k, v) in options.as_object().expect("object") {
        body[k] = v.clone();
    }
    let (status, body) = app.post("/api/sessions", body).await;
    assert_eq!(status, 201, "{body}");
    (
        body["join_code"].as_str().expect("code").to_string(),
        body["facilitator_token"]
            .as_str()
            .expect("token")
            .to_string(),
    )
}

/// A phone whose tab froze answers nothing; the White Cell sees its seat go within
/// 5 s, while a quiet client that answers the server's pings stays.
#[actix_rt::test]
async fn a_client_that_stops_answering_is_shown_disconnected_within_five_seconds() {
    let app = spawn_app().await;
    let (code, fac_token) = create(&app, json!({})).await;
    let (token, _) = join(&app, &code, "belarus", "Frozen phone").await;
    let mut fac = app.ws(&fac_token).await;
    let mut phone = app.ws(&token).await;
    fac.presence("belarus", true).await;
    fac.pending_clear();
    phone.stop_answering_pings();
    let stopped = Instant::now();
    let gone = fac.presence("belarus", false).await;
    let took = stopped.elapsed();
    assert!(
        took <= Duration::from_millis(5_500),
        "the silent seat was shown disconnected only after {took:?}: {gone}"
    );
    assert!(phone.closed().await, "the silent socket is closed");
    // The White Cell sent nothing all this while but answered pings: still here.
    fac.ok(json!({"type": "note", "text": "still here"})).await;
}

/// Team leads: the first to join leads; a teammate's submit is refused with
/// `not_lead` but the teammate's draft reaches the lead (and only the team and the
/// White Cell); the White Cell hands the lead over.
#[actix_rt::test]
async fn with_team_leads_only_the_lead_submits_and_teammates_propose() {
    let app = spawn_app().await;
    let (code, fac_token) = create(&app, json!({"team_leads": true})).await;
    let (lead_token, lead_id) = join(&app, &code, "belarus", "Lead").await;
    let (mate_token, mate_id) = join(&app, &code, "belarus", "Mate").await;
    let (rus_token, _) = join(&app, &code, "russia", "Other").await;
    let mut fac = app.ws(&fac_token).await;
    let mut lead = app.ws(&lead_token).await;
    let mut mate = app.ws(&mate_token).await;
    let mut rus = app.ws(&rus_token).await;
    assert_eq!(lead.snapshot["team_leads"], true);
    assert_eq!(lead.snapshot["leads"]["belarus"], lead_id.as_str());
    assert!(
        rus.snapshot["leads"].get("belarus").is_none(),
        "another team's lead is the team's business"
    );
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    let choices = json!([{"option": "adopt_defence_law", "rationale": "MARK-live-draft"}]);
    let refused = mate
        .cmd(json!({"type": "submit", "turn": 1, "choices": choices}))
        .await;
    assert_eq!(refused["code"], "not_lead", "{refused}");
    assert!(
        refused["message"].as_str().unwrap_or("").contains("Lead"),
        "the refusal names the lead: {refused}"
    );
    mate.ok(json!({"type": "draft", "turn": 1, "choices": choices}))
        .await;
    let seen = lead.event("draft_edited").await;
    assert_eq!(seen["by"], mate_id.as_str());
    assert_eq!(seen["choices"][0]["rationale"], "MARK-live-draft");
    let wc = fac.event("draft_edited").await;
    assert_eq!(wc["team"], "belarus");
    lead.ok(json!({"type": "submit", "turn": 1, "choices": choices}))
        .await;
    // A fresh snapshot holds the live draft for the team and the White Cell.
    let snap = mate.resnapshot(&mate_token).await;
    assert_eq!(snap["live_draft"]["by"], mate_id.as_str());
    let fsnap = fac.resnapshot(&fac_token).await;
    assert_eq!(fsnap["live_drafts"]["belarus"]["by"], mate_id.as_str());
    // The White Cell hands the lead to the teammate.
    fac.ok(json!({"type": "lead", "team": "belarus", "player": mate_id}))
        .await;
    assert_eq!(mate.event("lead_changed").await["player"], mate_id.as_str());
    mate.ok(json!({"type": "submit", "turn": 1, "choices": []}))
        .await;
    let refused = lead
        .cmd(json!({"type": "submit", "turn": 1, "choices": []}))
        .await;
    assert_eq!(refused["code"], "not_lead");
    rus.drain().await;
    let rus_seen = rus.all_text() + &rus.resnapshot(&rus_token).await.to_string();
    assert!(!rus_seen.contains("MARK-live-draft"), "{rus_seen}");
    assert!(!rus_seen.contains("draft_edited"), "{rus_seen}");
    assert!(!rus_seen.contains("lead_changed"), "{rus_seen}");
}

/// The White Cell overrides a roll, then takes it back before publishing: the
/// dice's result is published.
#[actix_rt::test]
async fn an_override_undone_before_publication_leaves_the_dice_result() {
    let app = spawn_app().await;
    let (code, fac_token) = create(&app, json!({})).await;
    let (token, _) = join(&app, &code, "belarus", "Ana").await;
    let mut fac = app.ws(&fac_token).await;
    let mut bel = app.ws(&token).await;
    fac.ok(json!({"type": "start"})).await;
    fac.ok(json!({"type": "advance"})).await;
    bel.ok(json!({"type": "submit", "turn": 1, "choices": [{"option": "adopt_defence_law", "rationale": "r"}]}))
        .await;
    fac.ok(json!({"type": "advance"})).await;
    let rolled = fac.event("dice_rolled").await;
    let choice = rolled["rolled"]["choice"]
        .as_str()
        .expect("choice")
        .to_string();
    let dice = rolled["rolled"]["result"]
        .as_str()
        .expect("result")
        .to_string();
    let other = if dice == "success" {
        "failure"
    } else {
        "success"
    };
    fac.ok(json!({"type": "override", "choice": choice, "result": other, "note": "why"}))
        .await;
    fac.ok(json!({"type": "undo_override", "choice": choice}))
        .await;
    let undone = fac.event("override_undone").await;
    assert_eq!(undone["result"], dice.as_str());
    assert_eq!(undone["previous"], other);
    let refused = fac
        .cmd(json!({"type": "undo_override", "choice": choice}))
        .await;
    assert_eq!(refused["code"], "unknown_choice", "nothing left to undo");
    fac.ok(json!({"type": "advance"})).await;
    let published = bel.event("choice_resolved").await;
    assert_eq!(published["result"], dice.as_str());
    assert_eq!(published["overridden"], false);
    assert!(!bel.all_text().contains("override_undone"));
}
