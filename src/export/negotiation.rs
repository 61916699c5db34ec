//! Negotiation in every format: each channel's transcript and the agreements table
//! (Markdown, HTML), the `negotiation` section (JSON), the messages table (CSV's
//! `messages` table, the workbook's "Messages" sheet). The Markdown, HTML and JSON
//! add nothing when nobody negotiated, so those reports are unchanged.

use std::sync::Arc;

use serde::Serialize;

use super::csv::Table;
use super::json::{Ordered, effects_ordered};
use super::report::{AgreementRecord, ChannelLog, EntryKind, Report, result_word};
use super::text::{html, iso, md, md_cell};
use crate::engine::Phase;

/// Markdown: "## Negotiation": the agreements table with each agreement's terms,
/// then one transcript per channel.
pub fn markdown(r: &Report, o: &mut String, appendix: char) {
    let n = &r.negotiation;
    if n.is_empty() {
        return;
    }
    o.push_str(&format!("## Appendix {appendix}: Negotiation\n\n"));
    o.push_str("### Agreements\n\n");
    if n.agreements.is_empty() {
        o.push_str("No agreement was proposed.\n\n");
    } else {
        o.push_str("| Agreement | Proposed | Title | Proposer | Parties | Kind | Answers | Result | Applied | Effects and flags |\n");
        o.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        for a in &n.agreements {
            let p = &a.proposal;
            let cells = [
                p.agreement.clone(),
                r.when(a.turn, a.phase, a.at),
                p.title.clone(),
                r.team_name(&p.from).to_string(),
                r.team_names(&p.parties),
                r.agreement_kind(a),
                r.answers_text(a),
                r.agreement_result(a),
                r.agreement_applied(a),
                r.agreement_effects(a),
            ];
            o.push('|');
            for c in cells {
                o.push(' ');
                o.push_str(&md_cell(&c));
                o.push_str(" |");
            }
            o.push('\n');
        }
        o.push_str("\nTerms as proposed:\n\n");
        for a in &n.agreements {
            let p = &a.proposal;
            let mut line = format!("- **{} · {}**", md(&p.agreement), md(&p.title));
            if !p.text.trim().is_empty() {
                line.push_str(&format!(": {}", md(&p.text)));
            }
            o.push_str(&line);
            o.push('\n');
        }
        o.push('\n');
    }
    for c in &n.channels {
        o.push_str(&format!(
            "### Channel: {}\n\n",
            md_cell(&r.channel_heading(c))
        ));
        for e in &c.entries {
            let when = r.when(e.turn, e.phase, e.at);
            match &e.what {
                EntryKind::Message { text, from } => o.push_str(&format!(
                    "- {} · **{}**: {}\n",
                    md(&when),
                    md(&r.author(from)),
                    md(text)
                )),
                EntryKind::Changed { open, scheduled } => o.push_str(&format!(
                    "- {} · {}\n",
                    md(&when),
                    md(Report::channel_change(*open, *scheduled))
                )),
            }
        }
        o.push('\n');
    }
}

/// The agreements applied when a turn's outcomes were published, in the order applied.
fn applied_in<'r>(r: &'r Report, turn: u32) -> impl Iterator<Item = &'r AgreementRecord> {
    r.negotiation
        .agreements
        .iter()
        .filter(move |a| a.applied.as_ref().is_some_and(|x| x.turn == turn))
}

/// Markdown: under a turn's adjudication, each agreement its publication applied, so
/// the turn's indicator changes add up.
pub fn markdown_applied(r: &Report, turn: u32, o: &mut String) {
    for a in applied_in(r, turn) {
        let p = &a.proposal;
        o.push_str(&format!(
            "- **{} · Agreement: {}** ({}): applied\n  - Effects: {}\n",
            md(&p.agreement),
            md(&p.title),
            md(&r.team_names(&p.parties)),
            md(&r.agreement_effects(a))
        ));
    }
}

/// HTML: the same, as a card among the turn's adjudicated choices.
pub fn html_applied(r: &Report, turn: u32, o: &mut String) {
    for a in applied_in(r, turn) {
        let p = &a.proposal;
        o.push_str(&format!(
            "<div class=\"card\">\n<p><strong>{} · Agreement: {}</strong> <span class=\"sub\">({}): applied</span></p>\n<p><span class=\"label\">Effects:</span> {}</p>\n</div>\n",
            html(&p.agreement),
            html(&p.title),
            html(&r.team_names(&p.parties)),
            html(&r.agreement_effects(a))
        ));
    }
}

/// HTML: the same section, `id="negotiation"`.
pub fn html_section(r: &Report, o: &mut String, appendix: char) {
    let n = &r.negotiation;
    if n.is_empty() {
        return;
    }
    o.push_str(&format!("<section id=\"negotiation\">\n<h2>Appendix {appendix}: Negotiation</h2>\n<h3>Agreements</h3>\n"));
    if n.agreements.is_empty() {
        o.push_str("<p class=\"sub\">No agreement was proposed.</p>\n");
    } else {
        o.push_str("<div class=\"wide\"><table>\n<thead><tr><th>Agreement</th><th>Proposed</th><th>Title</th><th>Proposer</th><th>Parties</th><th>Kind</th><th>Answers</th><th>Result</th><th>Applied</th><th>Effects and flags</th></tr></thead>\n<tbody>\n");
        for a in &n.agreements {
            let p = &a.proposal;
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                html(&p.agreement),
                html(&r.when(a.turn, a.phase, a.at)),
                html(&p.title),
                html(r.team_name(&p.from)),
                html(&r.team_names(&p.parties)),
                html(&r.agreement_kind(a)),
                html(&r.answers_text(a)),
                html(&r.agreement_result(a)),
                html(&r.agreement_applied(a)),
                html(&r.agreement_effects(a)),
            ));
        }
        o.push_str("</tbody>\n</table></div>\n<p class=\"sub\">Terms as proposed:</p>\n<ul>\n");
        for a in &n.agreements {
            let p = &a.proposal;
            o.push_str(&format!(
                "<li><strong>{} · {}</strong>",
                html(&p.agreement),
                html(&p.title)
            ));
            if !p.text.trim().is_empty() {
                o.push_str(&format!(": <span class=\"text\">{}</span>", html(&p.text)));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n");
    }
    for c in &n.channels {
        o.push_str(&format!(
            "<h3>Channel: {}</h3>\n<ul>\n",
            html(&r.channel_heading(c))
        ));
        for e in &c.entries {
            let when = html(&r.when(e.turn, e.phase, e.at));
            match &e.what {
                EntryKind::Message { text, from } => o.push_str(&format!(
                    "<li><span class=\"sub\">{when}</span> <strong>{}</strong>: <span class=\"text\">{}</span></li>\n",
                    html(&r.author(from)),
                    html(text)
                )),
                EntryKind::Changed { open, scheduled } => o.push_str(&format!(
                    "<li class=\"sub\">{when} · {}</li>\n",
                    Report::channel_change(*open, *scheduled)
                )),
            }
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

/// The JSON's `negotiation`; none when nobody negotiated.
#[derive(Serialize)]
pub struct NegotiationJson<'a> {
    channels: Vec<ChannelJson<'a>>,
    agreements: Vec<AgreementJson<'a>>,
}

#[derive(Serialize)]
struct ChannelJson<'a> {
    id: &'a str,
    name: &'a str,
    members: &'a [Arc<str>],
    public: bool,
    messages: Vec<MessageJson<'a>>,
    /// The White Cell opening and closing it.
    changes: Vec<ChangeJson>,
}

#[derive(Serialize)]
struct MessageJson<'a> {
    seq: u64,
    time: String,
    turn: u32,
    phase: Phase,
    /// `team` or `facilitator`.
    role: &'a str,
    team: Option<&'a str>,
    player: Option<&'a str>,
    /// The player's name; "White Cell" for the White Cell.
    author: &'a str,
    /// The character the White Cell posted as.
    #[serde(rename = "as")]
    as_: Option<&'a str>,
    text: &'a str,
}

#[derive(Serialize)]
struct ChangeJson {
    seq: u64,
    time: String,
    turn: u32,
    phase: Phase,
    open: bool,
    scheduled: bool,
}

#[derive(Serialize)]
struct AgreementJson<'a> {
    agreement: &'a str,
    seq: u64,
    time: String,
    turn: u32,
    phase: Phase,
    template: Option<&'a str>,
    custom: bool,
    title: &'a str,
    text: &'a str,
    from: &'a str,
    to: &'a [String],
    parties: &'a [String],
    public: bool,
    answers: Vec<AnswerJson<'a>>,
    /// `open`, `accepted`, `rejected`, `withdrawn`, `expired` or `voided`.
    result: &'static str,
    resolved: Option<ResolvedJson<'a>>,
    applied: Option<AppliedJson<'a>>,
}

#[derive(Serialize)]
struct AnswerJson<'a> {
    seq: u64,
    time: String,
    team: &'a str,
    accept: bool,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct ResolvedJson<'a> {
    seq: u64,
    time: String,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct AppliedJson<'a> {
    seq: u64,
    time: String,
    turn: u32,
    effects: Ordered<'a>,
    set: &'a [Arc<str>],
    clear: &'a [Arc<str>],
}

/// The author column: the player's name, or "White Cell".
fn author_name(from: &crate::engine::Speaker) -> &str {
    match (&from.team, &from.name) {
        (Some(_), Some(name)) => name,
        (Some(_), None) => "",
        (None, _) => "White Cell",
    }
}

pub fn json<'a>(r: &'a Report) -> Option<NegotiationJson<'a>> {
    let n = &r.negotiation;
    if n.is_empty() {
        return None;
    }
    let channel = |c: &'a ChannelLog| ChannelJson {
        id: &c.id,
        name: &c.name,
        members: &c.members,
        public: c.public,
        messages: c
            .entries
            .iter()
            .filter_map(|e| match &e.what {
                EntryKind::Message { text, from } => Some(MessageJson {
                    seq: e.seq,
                    time: iso(e.at),
                    turn: e.turn,
                    phase: e.phase,
                    role: &from.role,
                    team: from.team.as_deref(),
                    player: from.player.as_deref(),
                    author: author_name(from),
                    as_: from.as_.as_deref(),
                    text,
                }),
                EntryKind::Changed { .. } => None,
            })
            .collect(),
        changes: c
            .entries
            .iter()
            .filter_map(|e| match &e.what {
                EntryKind::Changed { open, scheduled } => Some(ChangeJson {
                    seq: e.seq,
                    time: iso(e.at),
                    turn: e.turn,
                    phase: e.phase,
                    open: *open,
                    scheduled: *scheduled,
                }),
                EntryKind::Message { .. } => None,
            })
            .collect(),
    };
    let agreement = |a: &'a AgreementRecord| {
        let p = &a.proposal;
        AgreementJson {
            agreement: &p.agreement,
            seq: a.seq,
            time: iso(a.at),
            turn: a.turn,
            phase: a.phase,
            template: p.template.as_deref(),
            custom: p.template.is_none(),
            title: &p.title,
            text: &p.text,
            from: &p.from,
            to: &p.to,
            parties: &p.parties,
            public: p.public,
            answers: a
                .answers
                .iter()
                .map(|x| AnswerJson {
                    seq: x.seq,
                    time: iso(x.at),
                    team: &x.team,
                    accept: x.accept,
                    note: x.note.as_deref(),
                })
                .collect(),
            result: a
                .resolved
                .as_ref()
                .map_or("open", |x| result_word(x.result)),
            resolved: a.resolved.as_ref().map(|x| ResolvedJson {
                seq: x.seq,
                time: iso(x.at),
                note: x.note.as_deref(),
            }),
            applied: a.applied.as_ref().map(|x| AppliedJson {
                seq: x.seq,
                time: iso(x.at),
                turn: x.turn,
                effects: effects_ordered(r.scenario, &x.effects),
                set: &x.set,
                clear: &x.clear,
            }),
        }
    };
    Some(NegotiationJson {
        channels: n.channels.iter().map(channel).collect(),
        agreements: n.agreements.iter().map(agreement).collect(),
    })
}

pub const MESSAGES_HEADER: [&str; 9] = [
    "seq", "turn", "phase", "time", "channel", "team", "author", "as", "text",
];

const MESSAGES_NUMERIC: [bool; 9] = [true, true, false, false, false, false, false, false, false];

/// The messages table: every message on every channel, in the order posted.
pub fn messages_table(r: &Report) -> Table {
    let rows = r
        .negotiation
        .messages()
        .into_iter()
        .map(|(c, e, text, from)| {
            vec![
                e.seq.to_string(),
                e.turn.to_string(),
                e.phase.as_str().to_string(),
                iso(e.at),
                c.id.to_string(),
                from.team.clone().unwrap_or_default(),
                author_name(from).to_string(),
                from.as_.clone().unwrap_or_default(),
                text.to_string(),
            ]
        })
        .collect();
    Table {
        name: "Messages",
        header: &MESSAGES_HEADER,
        numeric: &MESSAGES_NUMERIC,
        rows,
    }
}
