//! `GET /api/series`: the start page's list of scenarios with stored sessions, and
//! the series report over HTTP, with the API's JSON errors.

use super::*;

async fn get_text(app: &TestApp, path: &str) -> (u16, String, awc::http::header::HeaderMap) {
    // Replaying and simulating in a debug build on a busy machine: more than the
    // client's default 5 s may pass.
    let mut resp = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish()
        .get(app.url(path))
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.body().limit(16 << 20).await.expect("body");
    (status, String::from_utf8_lossy(&body).into_owned(), headers)
}

#[actix_rt::test]
async fn the_start_page_lists_scenarios_and_opens_their_series() {
    let app = spawn_app().await;
    let (status, list) = app.get("/api/series").await;
    assert_eq!(
        (status, list.clone()),
        (200, json!([])),
        "nothing stored yet"
    );

    // Two sessions: one played into turn 1 by a named player, one left in its lobby.
    let (played, code, fac_token) = app.create(5).await;
    let _ = app.join(&code, "belarus", "Zq7 Http Marker").await;
    let mut fac = app.ws(&fac_token).await;
    fac.ok(json!({"type": "start"})).await;
    let (idle, _, _) = app.create(6).await;

    let (status, list) = app.get("/api/series").await;
    assert_eq!(status, 200);
    assert_eq!(
        list,
        json!([{"id": "belarus-2025", "title": list[0]["title"], "sessions": 2, "older": 0}])
    );

    let (status, html, headers) = get_text(&app, "/api/series?scenario=belarus-2025&runs=4").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"))
    );
    // Opened in a tab: its own inline styles allowed, never a script.
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        csp.starts_with("default-src 'none'; style-src 'unsafe-inline'"),
        "{csp}"
    );
    assert!(html.contains("<svg") && html.contains(&played));
    assert!(
        !html.contains(&idle),
        "a session still in its lobby is left out"
    );
    assert!(html.contains("1 session that never started"));
    assert!(!html.contains("Zq7 Http Marker"), "anonymous by default");

    let (status, json_text, headers) = get_text(
        &app,
        &format!("/api/series?sessions={played}&format=json&runs=0&names=true"),
    )
    .await;
    assert_eq!(status, 200, "{json_text}");
    assert!(headers.get("content-disposition").is_some_and(|v| {
        v.to_str()
            .unwrap_or("")
            .contains("wargame-series-sessions.json")
    }));
    let v: Value = serde_json::from_str(&json_text).expect("JSON");
    assert_eq!(
        v["sessions"][0]["player_names"]["belarus"][0],
        "Zq7 Http Marker"
    );

    for (path, status_want, code) in [
        ("/api/series?scenario=nope", 404, "unknown_scenario"),
        ("/api/series?sessions=nope", 404, "unknown_session"),
        (
            "/api/series?scenario=belarus-2025&format=pdf",
            400,
            "bad_request",
        ),
        (
            "/api/series?scenario=belarus-2025&sessions=x",
            400,
            "bad_request",
        ),
        (
            "/api/series?scenario=belarus-2025&runs=999999",
            400,
            "bad_request",
        ),
        (
            "/api/series?scenario=belarus-2025&colour=red",
            400,
            "bad_request",
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, status_want, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.ends_with('.')),
            "{path}: {body}"
        );
    }
}
