//! Negotiation over real WebSockets: channels, the White Cell in character,
//! agreements applied at publication, history on reconnect and the `messages` query.

use serde_json::json;

use super::helpers::*;
use super::table;

/// Whether any frame this seat received mentions `marker`.
fn saw(c: &Client, marker: &str) -> bool {
    c.seen.iter().any(|f| f.to_string().contains(marker))
}

#[actix_rt::test]
async fn two_teams_talk_and_nobody_else_hears_it() {
    let mut t = table(7).await;
    let br = &t.fac.snapshot["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["id"] == "belarus-russia")
        .cloned()
        .expect("the Belarus-Russia channel");
    assert_eq!(br["members"], json!(["belarus", "russia"]));
    assert_eq!(br["open"], true);
    let observer_channels: Vec<&str> = t.observer.snapshot["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(observer_channels, ["all"]);

    let say = |text: &str| json!({"type": "say", "channel": "belarus-russia", "text": text});
    t.teams[0].ok(say("MARK-minsk-asks")).await;
    let heard = t.teams[1]
        .until(|f| f["kind"] == "message_posted" && f["text"] == "MARK-minsk-asks")
        .await;
    assert_eq!(heard["from"]["team"], "belarus");
    assert_eq!(heard["from"]["role"], "team");
    assert!(heard["from"].get("player").is_none(), "{heard}");
    t.teams[1].ok(say("MARK-moscow-answers")).await;
    t.teams[0]
        .until(|f| f["kind"] == "message_posted" && f["text"] == "MARK-moscow-answers")
        .await;
    // The White Cell speaks in character: its role and the character, no player or token.
    t.fac
        .ok(json!({"type": "say", "channel": "belarus-russia", "text": "MARK-kremlin-line", "as": "Kremlin chief of staff"}))
        .await;
    let post = t.teams[0]
        .until(|f| f["kind"] == "message_posted" && f["text"] == "MARK-kremlin-line")
        .await;
    assert_eq!(
        post["from"],
        json!({"role": "facilitator", "as": "Kremlin chief of staff"})
    );
    assert!(!post.to_string().contains(&t.fac_token));
    t.teams[2]
        .refused(say("MARK-ukraine-intrudes"), "not_a_member")
        .await;
    t.observer
        .refused(
            json!({"type": "say", "channel": "all", "text": "x"}),
            "forbidden",
        )
        .await;

    for c in t.teams[2..].iter_mut().chain([&mut t.observer]) {
        c.drain().await;
    }
    for c in [&t.teams[2], &t.teams[3], &t.observer] {
        for marker in [
            "MARK-minsk-asks",
            "MARK-moscow-answers",
            "MARK-kremlin-line",
        ] {
            assert!(!saw(c, marker), "{marker} reached {}", c.snapshot["team"]);
        }
    }

    // A reconnecting seat gets the history it may read, and only that.
    let mut again = t.app.ws(&t.tokens[1]).await;
    let texts: Vec<&str> = again.snapshot["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "MARK-minsk-asks",
            "MARK-moscow-answers",
            "MARK-kremlin-line"
        ]
    );
    let nato = t.app.ws(&t.tokens[3]).await;
    assert!(
        !nato.snapshot.to_string().contains("MARK-"),
        "{}",
        nato.snapshot
    );

    // Older messages, page by page, through the session.
    let last = again.snapshot["messages"][2]["seq"].as_u64().expect("seq");
    again
        .send(json!({"type": "messages", "ref": "page", "channel": "belarus-russia", "before": last, "limit": 1}))
        .await;
    let page = again.until(|f| f["type"] == "messages").await;
    assert_eq!(page["ref"], "page");
    assert_eq!(page["channel"], "belarus-russia");
    let texts: Vec<&str> = page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["MARK-moscow-answers"]);
    t.teams[2]
        .refused(
            json!({"type": "messages", "channel": "belarus-russia", "before": last}),
            "not_a_member",
        )
        .await;
}

#[actix_rt::test]
async fn an_accepted_accord_sets_its_flag_at_publication() {
    let mut t = table(11).await;
    t.fac.ok(json!({"type": "start"})).await;
    t.teams[1]
        .ok(json!({"type": "propose", "agreement": "minsk_moscow_basing"}))
        .await;
    let proposed = t.teams[0].event("agreement_proposed").await;
    assert_eq!(proposed["agreement"], "ag1");
    assert_eq!(proposed["from"], "russia");
    assert_eq!(proposed["to"], json!(["belarus"]));
    t.teams[0]
        .ok(json!({"type": "respond", "agreement": "ag1", "accept": true, "note": "MARK-deal"}))
        .await;
    let resolved = t.teams[1].event("agreement_resolved").await;
    assert_eq!(resolved["result"], "accepted");
    for c in t.teams[2..].iter_mut().chain([&mut t.observer]) {
        c.drain().await;
        assert!(!saw(c, "MARK-deal") && !saw(c, "agreement_proposed"));
    }
    for _ in 0..3 {
        t.fac.ok(json!({"type": "advance"})).await; // decision, adjudication, review
    }
    for c in t.teams.iter_mut().chain([&mut t.observer]) {
        let applied = c.event("agreement_applied").await;
        assert_eq!(applied["set"], json!(["belarus_support_role"]));
    }
    for (i, token) in t.tokens.clone().iter().enumerate() {
        let snap = t.teams[i].resnapshot(token).await;
        assert_eq!(snap["phase"], "review");
        assert_eq!(snap["flags"]["belarus_support_role"], true);
    }
    let snap = t.fac.resnapshot(&t.fac_token.clone()).await;
    assert_eq!(snap["agreements"][0]["status"], "accepted");
    assert_eq!(snap["agreements"][0]["applied"], true);
}
