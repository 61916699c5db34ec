//! Negotiation: channels, messages and agreements, through `decide` + `evolve`, and
//! who sees what, with marker strings searched in every seat's snapshot and events.

use crate::common;

use std::sync::Arc;

use wargame::engine::{
    self, Actor, Command, CustomAgreement, EventBody, Phase, RejectionCode, Viewer,
};
use wargame::scenario::{Scenario, compile};

use common::*;

const SEED: u64 = 0x0B0E_C0DE;
const SEATS: [&str; 6] = [
    "belarus",
    "russia",
    "ukraine",
    "nato",
    "observer",
    "facilitator",
];

fn viewer(seat: &str) -> Viewer {
    match seat {
        "facilitator" => Viewer::Facilitator,
        "observer" => Viewer::Observer,
        t => Viewer::Team(t.to_string()),
    }
}

/// The default scenario with extra TOML appended (channels, agreements).
fn belarus_with(extra: &str) -> Arc<Scenario> {
    let text = std::fs::read_to_string(manifest_path("scenarios/belarus-2025.toml"))
        .expect("the default scenario is readable");
    match compile("belarus-2025.toml", &format!("{text}\n{extra}")) {
        Ok(s) => Arc::new(s),
        Err(p) => panic!("does not validate: {p:?}"),
    }
}

/// A session with one player per team and an observer, started (turn 1 briefing).
fn game_of(scenario: Arc<Scenario>) -> Game {
    let mut g = Game::new(scenario, SEED);
    for t in ["belarus", "russia", "ukraine", "nato", "observer"] {
        g.cmd(
            &Actor::System,
            Command::Join {
                team: t.to_string(),
                name: format!("Name of {t}"),
                player: format!("p-{t}"),
            },
        );
    }
    g.fac(Command::Start);
    g
}

fn game() -> Game {
    game_of(belarus())
}

/// Everything a seat would have received: its snapshot, and every event as delivered.
fn seen_by(g: &Game, seat: &str) -> String {
    let v = viewer(seat);
    let mut out = serde_json::to_string(&engine::view(&g.state, &v)).expect("view json");
    for e in &g.events {
        if let Some(e) = engine::visible(&g.scenario, e, &v) {
            out.push('\n');
            out.push_str(&serde_json::to_string(&e).expect("event json"));
        }
    }
    out
}

/// Each seat's snapshot and events contain `marker` exactly when it is a reader.
#[track_caller]
fn readers(g: &Game, marker: &str, readers: &[&str]) {
    for seat in SEATS {
        let seen = seen_by(g, seat);
        let v = viewer(seat);
        let snapshot = serde_json::to_string(&engine::view(&g.state, &v)).expect("view json");
        let should = readers.contains(&seat);
        assert_eq!(
            seen.contains(marker),
            should,
            "{seat} {} see {marker}",
            if should { "should" } else { "must not" }
        );
        // Event kinds and results are in events only; texts are in snapshots too.
        if !marker.starts_with('"') {
            assert_eq!(
                snapshot.contains(marker),
                should,
                "{seat}'s snapshot {} hold {marker}",
                if should { "should" } else { "must not" }
            );
        }
    }
}

fn say(channel: &str, text: &str) -> Command {
    Command::Say {
        channel: channel.to_string(),
        text: text.to_string(),
        as_: None,
    }
}

fn say_as(channel: &str, text: &str, who: &str) -> Command {
    Command::Say {
        channel: channel.to_string(),
        text: text.to_string(),
        as_: Some(who.to_string()),
    }
}

fn propose(template: &str) -> Command {
    Command::Propose {
        agreement: Some(template.to_string()),
        custom: None,
        to: Vec::new(),
    }
}

fn propose_custom(title: &str, text: &str, to: &[&str]) -> Command {
    Command::Propose {
        agreement: None,
        custom: Some(CustomAgreement {
            title: title.to_string(),
            text: text.to_string(),
        }),
        to: to.iter().map(|t| t.to_string()).collect(),
    }
}

fn respond(id: &str, accept: bool, note: &str) -> Command {
    Command::Respond {
        agreement: id.to_string(),
        accept,
        note: Some(note.to_string()),
    }
}

#[track_caller]
fn refused(g: &mut Game, actor: &Actor, cmd: Command, code: RejectionCode) {
    match g.try_cmd(actor, cmd.clone()) {
        Ok(events) => panic!("{cmd:?} was accepted: {events:?}"),
        Err(r) => assert_eq!(r.code, code, "{cmd:?}: {r}"),
    }
}

#[test]
fn the_default_scenario_has_a_channel_per_pair_of_teams_and_a_public_one() {
    let s = belarus();
    let ids: Vec<&str> = s.channels.iter().map(|c| &*c.id).collect();
    assert_eq!(
        ids,
        [
            "belarus-russia",
            "belarus-ukraine",
            "belarus-nato",
            "russia-ukraine",
            "russia-nato",
            "ukraine-nato",
            "all"
        ]
    );
    let br = s.channel("belarus-russia").expect("belarus-russia");
    let members: Vec<&str> = br.members.iter().map(|m| &**m).collect();
    assert_eq!(members, ["belarus", "russia"]);
    assert_eq!(br.name, "Belarus – Russia");
    assert!(!br.public);
    let all = s.channel("all").expect("all");
    assert!(all.public);
    assert_eq!(all.members.len(), 4);
    let json = serde_json::to_value(s.as_ref()).expect("scenario json");
    assert_eq!(
        json["channels"][0]["members"],
        serde_json::json!(["belarus", "russia"])
    );
    assert_eq!(
        json["agreements"][0]["parties"],
        serde_json::json!(["belarus", "russia"])
    );
    assert_eq!(
        json["agreements"][0]["set"],
        serde_json::json!(["belarus_support_role"])
    );
}

#[test]
fn messages_reach_only_the_channels_readers() {
    let mut g = game();
    g.cmd(&team("belarus"), say("belarus-russia", "MARK-bilateral"));
    g.cmd(&team("ukraine"), say("all", "MARK-public"));
    g.fac(say_as(
        "belarus-russia",
        "MARK-in-character",
        "MARK-Kremlin duty officer",
    ));
    g.fac(say("ukraine-nato", "MARK-white-cell-plain"));
    readers(&g, "MARK-bilateral", &["belarus", "russia", "facilitator"]);
    readers(&g, "MARK-public", &SEATS);
    readers(
        &g,
        "MARK-in-character",
        &["belarus", "russia", "facilitator"],
    );
    readers(
        &g,
        "MARK-Kremlin duty officer",
        &["belarus", "russia", "facilitator"],
    );
    readers(
        &g,
        "MARK-white-cell-plain",
        &["ukraine", "nato", "facilitator"],
    );

    // The in-character post: the White Cell's role and the character, no player.
    let post = g
        .events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::MessagePosted { text, from, .. } if text == "MARK-in-character" => {
                Some(from.clone())
            }
            _ => None,
        })
        .expect("the in-character post");
    assert_eq!(post.role, "facilitator");
    assert_eq!(post.as_.as_deref(), Some("MARK-Kremlin duty officer"));
    assert_eq!(post.player, None);
    assert_eq!(post.team, None);

    // The author's player id reaches the author's team and the White Cell only.
    let bilateral = g
        .events
        .iter()
        .find(|e| matches!(&e.body, EventBody::MessagePosted { text, .. } if text == "MARK-bilateral"))
        .expect("the bilateral post")
        .clone();
    for (seat, player) in [
        ("belarus", Some("p-belarus")),
        ("russia", None),
        ("facilitator", Some("p-belarus")),
    ] {
        let seen = engine::visible(&g.scenario, &bilateral, &viewer(seat)).expect("a reader");
        let EventBody::MessagePosted { from, .. } = &seen.body else {
            panic!("not a message: {seen:?}")
        };
        assert_eq!(from.player.as_deref(), player, "{seat}");
        assert_eq!(from.name.as_deref(), Some("Name of belarus"), "{seat}");
        assert_eq!(from.team.as_deref(), Some("belarus"));
    }

    // The snapshot lists the channels each seat reads, and only those.
    let channels = |seat: &str| -> Vec<String> {
        engine::view(&g.state, &viewer(seat))
            .channels
            .iter()
            .map(|c| c.id.to_string())
            .collect()
    };
    assert_eq!(channels("observer"), ["all"]);
    assert_eq!(
        channels("nato"),
        ["belarus-nato", "russia-nato", "ukraine-nato", "all"]
    );
    assert_eq!(channels("facilitator").len(), 7);
}

#[test]
fn the_white_cell_opens_and_closes_channels() {
    let mut g = game();
    g.fac(Command::Channel {
        channel: "belarus-russia".to_string(),
        open: Some(false),
    });
    readers(
        &g,
        "\"channel_changed\"",
        &["belarus", "russia", "facilitator"],
    );
    let open = |g: &Game, seat: &str| {
        engine::view(&g.state, &viewer(seat))
            .channels
            .iter()
            .find(|c| &*c.id == "belarus-russia")
            .map(|c| c.open)
    };
    assert_eq!(open(&g, "russia"), Some(false));
    refused(
        &mut g,
        &team("russia"),
        say("belarus-russia", "hello"),
        RejectionCode::ChannelClosed,
    );
    // The White Cell still posts in a closed channel, and the closure outlasts phases.
    g.fac(say("belarus-russia", "The line is down."));
    g.advance();
    assert_eq!(open(&g, "belarus"), Some(false));
    // Back to the schedule: open in every phase.
    g.fac(Command::Channel {
        channel: "belarus-russia".to_string(),
        open: None,
    });
    assert_eq!(open(&g, "belarus"), Some(true));
    g.cmd(
        &team("russia"),
        say("belarus-russia", "Can you hear me now?"),
    );
}

#[test]
fn a_channel_opens_by_its_schedule() {
    let s = belarus_with(
        r#"
[[channels]]
id = "summit"
name = "Minsk summit"
members = ["belarus", "nato"]
open_in = ["decision"]

[[channels]]
id = "press"
name = "Press room"
members = ["ukraine", "nato"]
public = true
"#,
    );
    // Declared channels replace the defaults.
    assert_eq!(s.channels.len(), 2);
    let mut g = game_of(s);
    refused(
        &mut g,
        &team("belarus"),
        say("summit", "MARK-too-early"),
        RejectionCode::ChannelClosed,
    );
    refused(
        &mut g,
        &team("belarus"),
        say("belarus-russia", "hello"),
        RejectionCode::UnknownChannel,
    );
    g.advance_to(Phase::Decision);
    g.cmd(&team("belarus"), say("summit", "MARK-summit"));
    g.cmd(&team("nato"), say("press", "MARK-press"));
    refused(
        &mut g,
        &team("belarus"),
        say("press", "hello"),
        RejectionCode::NotAMember,
    );
    readers(&g, "MARK-summit", &["belarus", "nato", "facilitator"]);
    readers(&g, "MARK-press", &SEATS);
    g.advance();
    refused(
        &mut g,
        &team("nato"),
        say("summit", "hello"),
        RejectionCode::ChannelClosed,
    );
}

#[test]
fn an_accepted_template_applies_at_publication() {
    let mut g = game();
    let indicators = |g: &Game| (g.indicator("by_sovereignty"), g.indicator("ru_leverage"));
    let (sov, lev) = indicators(&g);
    g.cmd(&team("russia"), propose("minsk_moscow_basing"));
    readers(
        &g,
        "Minsk-Moscow basing and support accord",
        &["belarus", "russia", "facilitator"],
    );
    let ag = g.state.agreements[0].proposal.clone();
    assert_eq!(ag.agreement, "ag1");
    assert_eq!(ag.from, "russia");
    assert_eq!(ag.to, ["belarus"]);
    assert_eq!(ag.parties, ["belarus", "russia"]);

    let events = g.cmd(&team("belarus"), respond("ag1", true, "MARK-accept-note"));
    let kinds: Vec<&str> = events.iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["agreement_responded", "agreement_resolved"]);
    readers(
        &g,
        "MARK-accept-note",
        &["belarus", "russia", "facilitator"],
    );
    readers(
        &g,
        "\"result\":\"accepted\"",
        &["belarus", "russia", "facilitator"],
    );
    // Nothing changes on the board until the White Cell publishes.
    assert!(!g.flag("belarus_support_role"));
    g.advance_to(Phase::Adjudication);
    assert!(!g.flag("belarus_support_role"));
    let seq = g.state.seq;
    g.advance();
    let applied: Vec<_> = g
        .since(seq)
        .into_iter()
        .filter(|e| e.body.kind() == "agreement_applied")
        .cloned()
        .collect();
    assert_eq!(applied.len(), 1, "applied once");
    assert!(g.flag("belarus_support_role"));
    assert_eq!(indicators(&g), (sov - 2, lev + 2));
    // Everyone sees what the accord did, with the flag in their snapshot.
    readers(&g, "\"agreement_applied\"", &SEATS);
    for seat in SEATS {
        let v = engine::view(&g.state, &viewer(seat));
        assert_eq!(v.flags.get("belarus_support_role"), Some(&true), "{seat}");
    }
    // The response note stays with the parties even after publication.
    readers(
        &g,
        "MARK-accept-note",
        &["belarus", "russia", "facilitator"],
    );
    // Applied once: the next publication does not apply it again.
    g.advance();
    g.advance_to(Phase::Review);
    let again = g
        .events
        .iter()
        .filter(|e| e.body.kind() == "agreement_applied")
        .count();
    assert_eq!(again, 1);
}

#[test]
fn a_custom_agreement_is_recorded_and_changes_nothing() {
    let mut g = game();
    g.cmd(
        &team("ukraine"),
        propose_custom("MARK-custom-title", "MARK-custom-text", &["nato"]),
    );
    readers(&g, "MARK-custom-title", &["ukraine", "nato", "facilitator"]);
    readers(&g, "MARK-custom-text", &["ukraine", "nato", "facilitator"]);
    g.cmd(&team("nato"), respond("ag1", true, "MARK-custom-yes"));
    readers(&g, "MARK-custom-yes", &["ukraine", "nato", "facilitator"]);
    assert_eq!(
        g.state.agreements[0].status,
        engine::AgreementStatus::Accepted
    );
    let board = g.state.world.clone();
    g.advance_to(Phase::Adjudication);
    g.advance();
    assert!(
        !g.events
            .iter()
            .any(|e| e.body.kind() == "agreement_applied")
    );
    assert_eq!(g.state.world.flags, board.flags);
}

#[test]
fn a_public_template_is_seen_by_every_seat() {
    let s = belarus_with(
        r#"
[[agreements]]
id = "open_summit"
title = "MARK-public-accord"
text = "A declaration read out to the press."
parties = ["belarus", "nato"]
public = true
source = "designer addition: a public test accord"
"#,
    );
    let mut g = game_of(s);
    g.cmd(&team("nato"), propose("open_summit"));
    g.cmd(&team("belarus"), respond("ag1", false, "MARK-public-no"));
    readers(&g, "MARK-public-accord", &SEATS);
    readers(&g, "MARK-public-no", &SEATS);
    readers(&g, "\"result\":\"rejected\"", &SEATS);
}

#[test]
fn proposals_expire_with_the_turn_and_can_be_withdrawn_or_voided() {
    let mut g = game();
    g.cmd(&team("ukraine"), propose("kyiv_west_intelligence"));
    g.cmd(&team("belarus"), propose("minsk_moscow_basing"));
    g.cmd(
        &team("belarus"),
        Command::Withdraw {
            agreement: "ag2".to_string(),
        },
    );
    g.cmd(&team("russia"), propose("aid_for_integration"));
    refused(
        &mut g,
        &FAC,
        Command::Void {
            agreement: "ag3".to_string(),
            note: " ".to_string(),
        },
        RejectionCode::NoteRequired,
    );
    g.fac(Command::Void {
        agreement: "ag3".to_string(),
        note: "MARK-void-note".to_string(),
    });
    readers(&g, "MARK-void-note", &["belarus", "russia", "facilitator"]);
    g.advance_to(Phase::Review);
    assert_eq!(g.state.agreements[0].status, engine::AgreementStatus::Open);
    let seq = g.state.seq;
    g.advance();
    let kinds: Vec<&str> = g.since(seq).iter().map(|e| e.body.kind()).collect();
    assert_eq!(kinds, ["phase_changed", "agreement_resolved"]);
    let status: Vec<_> = g.state.agreements.iter().map(|a| a.status).collect();
    use engine::AgreementStatus::*;
    assert_eq!(status, [Expired, Withdrawn, Voided]);
    // The same template may be proposed again once the old one is closed.
    g.cmd(&team("nato"), propose("kyiv_west_intelligence"));
}

#[test]
fn every_negotiation_error_has_its_code() {
    use RejectionCode as R;
    let mut g = game();
    let b = team("belarus");
    refused(&mut g, &b, say("nowhere", "x"), R::UnknownChannel);
    refused(&mut g, &b, say("ukraine-nato", "x"), R::NotAMember);
    refused(&mut g, &b, say("all", "  "), R::EmptyText);
    refused(&mut g, &b, say("all", &"x".repeat(2001)), R::TextTooLong);
    g.cmd(&b, say("all", &"x".repeat(2000)));
    refused(&mut g, &b, say_as("all", "x", "Lukashenko"), R::Forbidden);
    refused(&mut g, &observer(), say("all", "x"), R::Forbidden);
    refused(
        &mut g,
        &FAC,
        say_as("all", "x", &"y".repeat(81)),
        R::TextTooLong,
    );
    g.fac(Command::Channel {
        channel: "all".to_string(),
        open: Some(false),
    });
    refused(&mut g, &b, say("all", "x"), R::ChannelClosed);
    refused(
        &mut g,
        &b,
        Command::Channel {
            channel: "all".to_string(),
            open: Some(true),
        },
        R::Forbidden,
    );
    refused(
        &mut g,
        &FAC,
        Command::Channel {
            channel: "nowhere".to_string(),
            open: Some(true),
        },
        R::UnknownChannel,
    );

    refused(&mut g, &b, propose("no_such_deal"), R::UnknownAgreement);
    refused(&mut g, &b, propose("kyiv_west_intelligence"), R::NotAParty);
    refused(
        &mut g,
        &b,
        Command::Propose {
            agreement: Some("minsk_moscow_basing".to_string()),
            custom: None,
            to: vec!["nato".to_string()],
        },
        R::NotAParty,
    );
    refused(&mut g, &FAC, propose("minsk_moscow_basing"), R::Forbidden);
    refused(&mut g, &b, propose_custom("t", "", &[]), R::NotAParty);
    refused(
        &mut g,
        &b,
        propose_custom("t", "", &["belarus"]),
        R::NotAParty,
    );
    refused(
        &mut g,
        &b,
        propose_custom("t", "", &["mars"]),
        R::UnknownTeam,
    );
    refused(&mut g, &b, propose_custom(" ", "", &["nato"]), R::EmptyText);
    g.cmd(&b, propose("minsk_moscow_basing"));
    refused(
        &mut g,
        &team("russia"),
        propose("minsk_moscow_basing"),
        R::AlreadyProposed,
    );
    refused(&mut g, &b, respond("ag1", true, ""), R::NotAParty);
    refused(
        &mut g,
        &team("nato"),
        respond("ag1", true, ""),
        R::NotAParty,
    );
    refused(
        &mut g,
        &team("russia"),
        respond("ag9", true, ""),
        R::UnknownAgreement,
    );
    refused(
        &mut g,
        &team("russia"),
        Command::Withdraw {
            agreement: "ag1".to_string(),
        },
        R::Forbidden,
    );

    // A three-party custom agreement: one answer, then a second from the same team.
    g.cmd(
        &b,
        propose_custom("Grain corridor", "", &["ukraine", "nato"]),
    );
    g.cmd(&team("ukraine"), respond("ag2", true, ""));
    refused(
        &mut g,
        &team("ukraine"),
        respond("ag2", false, ""),
        R::AlreadyAnswered,
    );
    g.cmd(&team("nato"), respond("ag2", false, "no"));
    refused(
        &mut g,
        &team("ukraine"),
        respond("ag2", true, ""),
        R::AgreementClosed,
    );
    refused(
        &mut g,
        &b,
        Command::Withdraw {
            agreement: "ag2".to_string(),
        },
        R::AgreementClosed,
    );
    refused(
        &mut g,
        &FAC,
        Command::Void {
            agreement: "ag2".to_string(),
            note: "late".to_string(),
        },
        R::AgreementClosed,
    );
}

#[test]
fn a_script_hits_the_rate_limit_and_a_person_does_not() {
    let mut g = game();
    let b = team("belarus");
    let at = g.at + 10_000;
    // A burst of eight at the same instant, then the ninth is refused.
    for i in 0..engine::MESSAGE_BURST {
        g.try_cmd_at(&b, say("belarus-russia", &format!("burst {i}")), at)
            .expect("within the burst");
    }
    match g.try_cmd_at(&b, say("belarus-russia", "one more"), at + 1) {
        Err(r) => assert_eq!(r.code, RejectionCode::RateLimited, "{r}"),
        Ok(_) => panic!("a ninth message at once was taken"),
    }
    // Another player of the same team, and the White Cell, are not held back.
    let b2 = Actor::Team {
        team: "belarus".to_string(),
        player: "p-belarus-2".to_string(),
    };
    g.try_cmd_at(&b2, say("belarus-russia", "me too"), at + 2)
        .expect("a different player");
    g.try_cmd_at(&FAC, say("belarus-russia", "White Cell"), at + 3)
        .expect("the White Cell");
    // One message every three seconds after that.
    let later = at + engine::MESSAGE_INTERVAL_MS;
    g.try_cmd_at(&b, say("belarus-russia", "after 3 s"), later)
        .expect("refilled");
    assert!(
        g.try_cmd_at(&b, say("belarus-russia", "too soon"), later + 1)
            .is_err()
    );
    // A heated exchange at one message every four seconds never hits it.
    let mut t = later + 10 * engine::MESSAGE_INTERVAL_MS;
    for i in 0..50 {
        g.try_cmd_at(&b, say("belarus-russia", &format!("reply {i}")), t)
            .expect("a person typing");
        t += 4_000;
    }
}

#[test]
fn a_session_that_never_negotiated_hashes_as_before() {
    let mut g = game();
    g.advance_to(Phase::Decision);
    submit_full_turn(&mut g);
    g.advance_to(Phase::Review);
    let json = serde_json::to_string(&g.state).expect("state json");
    for key in [
        "\"messages\"",
        "\"agreements\"",
        "\"channel_open\"",
        "\"message_tat\"",
    ] {
        assert!(!json.contains(key), "{key} is serialised while empty");
    }
    // Replaying a negotiating session reaches the live state.
    let mut g = game();
    g.cmd(&team("belarus"), say("belarus-russia", "hello"));
    g.cmd(&team("belarus"), propose("minsk_moscow_basing"));
    g.cmd(&team("russia"), respond("ag1", true, ""));
    g.advance_to(Phase::Review);
    let replayed = engine::replay(g.scenario.clone(), &g.events);
    assert_eq!(
        replayed.hash().expect("hash"),
        g.state.hash().expect("hash")
    );
}

#[test]
fn older_messages_come_page_by_page_to_readers_only() {
    let mut g = game();
    for i in 0..5 {
        g.cmd(&team("ukraine"), say("ukraine-nato", &format!("m{i}")));
    }
    let seqs: Vec<u64> = g.state.messages.iter().map(|m| m.seq).collect();
    let page = engine::messages_before(&g.state, &viewer("nato"), "ukraine-nato", seqs[4], 2)
        .expect("nato reads it");
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["m2", "m3"]);
    assert!(page.more, "m0 and m1 are older still");
    assert_eq!(
        page.messages[0].from.player, None,
        "another team's player id is blanked"
    );
    let last = engine::messages_before(&g.state, &viewer("nato"), "ukraine-nato", seqs[2], 2)
        .expect("nato reads it");
    let texts: Vec<&str> = last.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["m0", "m1"]);
    assert!(!last.more, "nothing is older than m0");
    let err = engine::messages_before(&g.state, &viewer("russia"), "ukraine-nato", u64::MAX, 10)
        .expect_err("russia does not read it");
    assert_eq!(err.code, RejectionCode::NotAMember);
    let err = engine::messages_before(&g.state, &viewer("observer"), "nowhere", 1, 10)
        .expect_err("no such channel");
    assert_eq!(err.code, RejectionCode::UnknownChannel);
}

#[test]
fn bad_channels_and_agreements_are_located_problems() {
    let text =
        std::fs::read_to_string(manifest_path("scenarios/belarus-2025.toml")).expect("readable");
    let lines = text.lines().count();
    let extra = r#"
[[channels]]
id = "lonely"
name = ""
members = ["belarus"]
open_in = ["recess"]

[[channels]]
id = "lonely"
name = "Twice"
members = ["belarus", "atlantis"]

[[agreements]]
id = "bad_deal"
title = "A bad deal"
parties = ["russia"]
set = ["no_such_flag"]
effects = { no_such_indicator = 1 }
source = "§5"
"#;
    let problems = compile("x.toml", &format!("{text}\n{extra}")).expect_err("problems");
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let expect = [
        ("channels[lonely].name", "needs a name"),
        ("channels[lonely].members", "at least two teams"),
        ("channels[lonely].open_in[0]", "unknown phase `recess`"),
        ("channels[lonely].id", "duplicate id `lonely`"),
        ("channels[lonely].members[1]", "unknown team `atlantis`"),
        ("agreements[bad_deal].parties", "at least two teams"),
        ("agreements[bad_deal].set[0]", "unknown flag `no_such_flag`"),
        (
            "agreements[bad_deal].effects.no_such_indicator",
            "unknown indicator `no_such_indicator`",
        ),
    ];
    for (path, message) in expect {
        let p = problems
            .iter()
            .find(|p| p.path == path && p.message.contains(message))
            .unwrap_or_else(|| panic!("no problem at {path} ({message}): {shown:#?}"));
        let line = p.line.unwrap_or_else(|| panic!("{p} has no line"));
        assert!(line > lines, "{p} points before the appended tables");
        assert_eq!(p.file, "x.toml");
    }
}

#[test]
fn an_applied_agreement_reaches_every_snapshot_without_the_parties_notes() {
    let mut g = game();
    g.cmd(&team("belarus"), propose("minsk_moscow_basing"));
    g.cmd(&team("russia"), respond("ag1", true, "NOTE-FOR-MINSK-ONLY"));
    let before = serde_json::to_string(&engine::view(&g.state, &viewer("ukraine"))).expect("json");
    assert!(
        !before.contains("minsk_moscow_basing"),
        "private until applied: {before}"
    );
    g.advance_to(Phase::Review);
    for seat in ["ukraine", "nato", "observer"] {
        let view = engine::view(&g.state, &viewer(seat));
        let json = serde_json::to_string(&view).expect("json");
        assert!(
            view.agreements
                .iter()
                .any(|a| a.applied && a.proposal.template.as_deref() == Some("minsk_moscow_basing")),
            "{seat} sees the applied accord: {json}"
        );
        assert!(!json.contains("NOTE-FOR-MINSK-ONLY"), "{seat}: {json}");
    }
    let belarus = serde_json::to_string(&engine::view(&g.state, &viewer("belarus"))).expect("json");
    assert!(
        belarus.contains("NOTE-FOR-MINSK-ONLY"),
        "a party keeps the note"
    );
}

#[test]
fn a_channel_the_white_cell_holds_says_so_in_the_snapshot() {
    let mut g = game();
    let held = |g: &Game| {
        engine::view(&g.state, &viewer("belarus"))
            .channels
            .iter()
            .find(|c| &*c.id == "belarus-russia")
            .map(|c| (c.open, c.held))
    };
    assert_eq!(held(&g), Some((true, false)));
    g.fac(Command::Channel {
        channel: "belarus-russia".to_string(),
        open: Some(false),
    });
    assert_eq!(held(&g), Some((false, true)));
    g.fac(Command::Channel {
        channel: "belarus-russia".to_string(),
        open: None,
    });
    assert_eq!(held(&g), Some((true, false)));
}
