//! The HTML export: one self-contained file shaped like an HSEEP after-action report.
//!
//! **Invariant:** inline CSS and inline SVG only: no script, no remote reference (the
//! Content-Security-Policy meta forbids both even if a bug let one in), a print
//! stylesheet for print-to-PDF. Every text goes through [`html`].

use super::report::{KeyKind, Report, TurnReport, one_line, turn_label};
use super::svg::chart;
use super::text::{html, signed};
use crate::engine::Outcome;

/// The report's stylesheet, inlined into every file.
const CSS: &str = include_str!("report.css");

pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(32 * 1024 + r.events.len() * 400);
    let title = r.session_title();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str(&format!(
        "<title>After-action report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        html(title)
    ));
    o.push_str(&format!(
        "<header>\n<h1>After-action report: {}</h1>\n<p class=\"sub\">{}</p>\n</header>\n",
        html(title),
        html(&r.scenario.title)
    ));
    toc(r, &mut o);
    // HSEEP's order: overview, summary, analysis, conclusion, the improvement plan
    // (Appendix A) and participant feedback (Appendix B); then the record.
    overview(r, &mut o);
    charts(r, &mut o);
    super::hseep::html_analysis(r, &mut o);
    super::hseep::html_conclusion(r, &mut o);
    super::hseep::html_plan(r, &mut o);
    let mut appendix = 'C';
    o.push_str(&format!(
        "<section id=\"narrative\">\n<h2>Appendix {appendix}: Turn-by-turn narrative</h2>\n</section>\n"
    ));
    for t in r.report_turns() {
        turn(r, t, &mut o);
    }
    if !r.negotiation.is_empty() {
        appendix = super::markdown::next(appendix);
        super::negotiation::html_section(r, &mut o, appendix);
    }
    appendix = super::markdown::next(appendix);
    notes(r, &mut o, appendix);
    appendix = super::markdown::next(appendix);
    event_log(r, &mut o, appendix);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn turn_anchor(t: u32) -> String {
    if t == 0 {
        "pre-game".to_string()
    } else {
        format!("turn-{t}")
    }
}

fn toc(r: &Report, o: &mut String) {
    o.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n<a href=\"#overview\">Overview</a><a href=\"#indicators\">Summary</a><a href=\"#analysis\">Analysis</a><a href=\"#conclusion\">Conclusion</a><a href=\"#improvement-plan\">Improvement plan</a><a href=\"#debrief\">Participant feedback</a><a href=\"#narrative\">Narrative</a>");
    for t in r.report_turns() {
        let label = if t.turn == 0 {
            "Before turn 1".to_string()
        } else {
            format!("Turn {}", t.turn)
        };
        o.push_str(&format!("<a href=\"#{}\">{label}</a>", turn_anchor(t.turn)));
    }
    if !r.negotiation.is_empty() {
        o.push_str("<a href=\"#negotiation\">Negotiation</a>");
    }
    o.push_str("<a href=\"#notes\">Notes</a><a href=\"#event-log\">Event log</a>\n</nav>\n");
}

fn row(o: &mut String, label: &str, value: &str) {
    o.push_str(&format!("<dt>{label}</dt><dd>{value}</dd>\n"));
}

fn overview(r: &Report, o: &mut String) {
    let s = r.scenario;
    let st = &r.state;
    o.push_str("<section id=\"overview\">\n<h2>Exercise overview</h2>\n");
    if !r.digest_matches() {
        o.push_str(&format!(
            "<p class=\"warn\">The session was created with scenario digest {}; this report replays it against a different version ({}).</p>\n",
            html(r.session_digest.as_deref().unwrap_or("")),
            html(&s.digest)
        ));
    }
    o.push_str("<dl class=\"meta\">\n");
    row(o, "Exercise name", &html(r.session_title()));
    if let (Some(a), Some(b)) = (r.first_at(), r.last_at()) {
        row(o, "Dates", &r.zone.span(a, b));
        row(o, "Times in", &html(&r.zone.describe(a)));
    }
    let info = &st.after_action.info;
    for (label, value) in [
        ("Scope", &info.scope),
        ("Sponsor", &info.sponsor),
        ("Point of contact", &info.point_of_contact),
    ] {
        row(
            o,
            label,
            &value
                .as_deref()
                .map_or("<span class=\"sub\">not given</span>".to_string(), |v| {
                    format!("<span class=\"text\">{}</span>", html(v))
                }),
        );
    }
    let mut session = html(&r.meta.session_id);
    if let Some(code) = &r.meta.join_code {
        session.push_str(&format!(" (join code {})", html(code)));
    }
    row(o, "Session", &session);
    row(o, "Title", &html(&st.title));
    row(
        o,
        "Scenario",
        &format!(
            "{} ({})<br><span class=\"sub\">digest {}</span>",
            html(&s.title),
            html(&s.id),
            html(&s.digest)
        ),
    );
    row(o, "Seed", &st.seed.to_string());
    if let Some(f) = &st.forked_from {
        row(
            o,
            "Forked from",
            &format!(
                "session {} at the briefing of turn {}",
                html(&f.session),
                f.turn
            ),
        );
    }
    if let Some(at) = r.meta.exported_at {
        row(o, "Exported", &r.zone.datetime(at));
    }
    if r.anonymized {
        row(o, "Names", "anonymised (players appear as team and seat)");
    }
    if let Some(hash) = r.state_hash() {
        row(
            o,
            "Final state hash",
            &format!("<span class=\"sub\">{hash}</span>"),
        );
    }
    o.push_str("</dl>\n");
    o.push_str(&format!(
        "<h3>Scenario summary</h3>\n<p class=\"text\">{}</p>\n",
        html(if s.summary.is_empty() {
            &s.title
        } else {
            &s.summary
        })
    ));
    o.push_str("<h3>Objectives</h3>\n");
    let objectives: Vec<String> = s
        .teams
        .iter()
        .flat_map(|t| {
            t.objectives.iter().map(move |obj| {
                format!(
                    "<li><strong>{}</strong> <span class=\"sub\">({}, weight {})</span>: {}</li>\n",
                    html(&t.name),
                    html(&obj.id),
                    obj.weight,
                    html(&obj.text)
                )
            })
        })
        .collect();
    if objectives.is_empty() {
        o.push_str("<p class=\"sub\">The scenario sets no team objectives.</p>\n");
    } else {
        o.push_str(&format!("<ul>\n{}</ul>\n", objectives.concat()));
    }

    o.push_str("<h3>Participating organisations</h3>\n<div class=\"wide\"><table>\n<thead><tr><th>Team</th><th>Participants</th></tr></thead>\n<tbody>\n");
    let people = |team: &str| -> String {
        let v: Vec<String> = r
            .players_of(team)
            .map(|p| {
                if r.anonymized {
                    html(&p.name)
                } else {
                    format!(
                        "{} <span class=\"sub\">(seat {})</span>",
                        html(&p.name),
                        p.seat
                    )
                }
            })
            .collect();
        if v.is_empty() {
            "<span class=\"sub\">no players joined</span>".to_string()
        } else {
            v.join(", ")
        }
    };
    for t in &s.teams {
        o.push_str(&format!(
            "<tr><td>{} <span class=\"sub\">({})</span></td><td>{}</td></tr>\n",
            html(&t.name),
            html(&t.id),
            people(&t.id)
        ));
    }
    if r.players_of("observer").next().is_some() {
        o.push_str(&format!(
            "<tr><td>Observers</td><td>{}</td></tr>\n",
            people("observer")
        ));
    }
    o.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn charts(r: &Report, o: &mut String) {
    let s = r.scenario;
    let st = &r.state;
    o.push_str("<section id=\"indicators\">\n<h2>Exercise summary</h2>\n<dl class=\"meta\">\n");
    row(
        o,
        "Turns played",
        &format!("{} of {} (phase: {})", st.turn, st.max_turns, st.phase),
    );
    match &r.ending {
        Some(e) => row(
            o,
            "Outcome",
            &format!("{} ({})", html(&e.title), html(&e.reason)),
        ),
        None => row(o, "Outcome", "the session has not ended"),
    }
    o.push_str("</dl>\n<h3>Indicators</h3>\n<div class=\"wide\"><table>\n<thead><tr><th>Indicator</th><th class=\"n\">Range</th><th class=\"n\">Start</th><th class=\"n\">End</th><th class=\"n\">Change</th></tr></thead>\n<tbody>\n");
    for (ix, i) in s.indicators.iter().enumerate() {
        let end = st.world.indicators[ix];
        o.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}-{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            html(&i.name),
            i.min,
            i.max,
            i.start,
            end,
            signed(end - i.start)
        ));
    }
    o.push_str("</tbody>\n</table></div>\n<p class=\"sub\">Charts: values at the end of each turn, as the engine recorded them (turn 0: the start).</p>\n<div class=\"charts\">\n");
    for (ix, i) in s.indicators.iter().enumerate() {
        let points: Vec<(u32, i64)> = st
            .history
            .iter()
            .filter_map(|h| h.indicators.get(ix).map(|v| (h.turn, *v)))
            .collect();
        o.push_str("<figure>\n");
        o.push_str(&chart(&i.id, &i.name, i.min, i.max, &points));
        o.push_str("</figure>\n");
    }
    o.push_str("</div>\n");
    key_points(r, o);
    super::v2::html_beliefs(r, o);
    o.push_str("</section>\n");
}

fn badge(result: Outcome) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        result.as_str(),
        result.as_str().to_uppercase()
    )
}

fn text_block(o: &mut String, label: &str, text: &str) {
    if text.trim().is_empty() {
        o.push_str(&format!(
            "<p><span class=\"label\">{label}:</span> <span class=\"sub\">(none given)</span></p>\n"
        ));
    } else {
        o.push_str(&format!(
            "<p><span class=\"label\">{label}:</span> <span class=\"text\">{}</span></p>\n",
            html(text)
        ));
    }
}

fn turn(r: &Report, t: &TurnReport, o: &mut String) {
    let s = r.scenario;
    let heading = if t.turn == 0 {
        "Before the first turn".to_string()
    } else {
        format!("Turn {}", t.turn)
    };
    o.push_str(&format!(
        "<section class=\"turn\" id=\"{}\">\n<h3>{heading}</h3>\n<p class=\"sub\">Played {} to {}.</p>\n",
        turn_anchor(t.turn),
        r.zone.short(t.first_at),
        r.zone.short(t.last_at)
    ));

    o.push_str("<h4>Injects</h4>\n");
    if t.injects.is_empty() && t.skipped.is_empty() {
        o.push_str("<p class=\"sub\">No injects.</p>\n");
    }
    for ix in &t.injects {
        let x = &r.injects[*ix];
        let i = &x.inject;
        o.push_str(&format!(
            "<div class=\"card inject\">\n<p><strong>{}</strong></p>\n<p class=\"sub\">{}; from {} to {}; {}{}</p>\n",
            html(&i.title),
            html(&r.inject_origin(i)),
            html(&i.from),
            html(&r.recipients(&i.to)),
            r.zone.short(x.at),
            if i.source.is_empty() {
                String::new()
            } else {
                format!("; source: {}", html(&i.source))
            }
        ));
        if !i.text.trim().is_empty() {
            o.push_str(&format!("<p class=\"text\">{}</p>\n", html(&i.text)));
        }
        effects(r, o, &i.effects, &i.set, &i.clear);
        o.push_str("</div>\n");
    }
    for x in &t.skipped {
        let title = r.script_title(&x.script);
        o.push_str(&format!(
            "<p class=\"sub\">Skipped scripted inject {} ({}), {}.</p>\n",
            html(&x.script),
            html(title),
            r.zone.short(x.at)
        ));
    }

    if t.turn > 0 {
        o.push_str("<h4>Decisions</h4>\n");
        for (team, sub) in s.teams.iter().zip(&t.submissions) {
            o.push_str(&format!("<h5>{}</h5>\n", html(&team.name)));
            let Some(sub) = sub else {
                o.push_str("<p class=\"sub\">No submission.</p>\n");
                continue;
            };
            let by = match (&sub.doctrine, sub.by.is_empty()) {
                (Some(d), _) => format!(" by a bot (doctrine {})", html(d)),
                (None, true) => String::new(),
                (None, false) => format!(" by {}", html(r.player_name(&sub.by))),
            };
            o.push_str(&format!(
                "<p class=\"sub\">Submitted{by} at {} (revision {}, cost {} of {}).</p>\n",
                r.zone.short(sub.at),
                sub.revision.unwrap_or(1),
                sub.cost.unwrap_or(0),
                team.budget
            ));
            if sub.choices.is_empty() {
                o.push_str("<p class=\"sub\">No choices.</p>\n");
                continue;
            }
            o.push_str("<ul class=\"choices\">\n");
            for c in &sub.choices {
                let (title, cost) = r.option_label(&c.option);
                o.push_str(&format!(
                    "<li><strong>{}</strong> <span class=\"sub\">({}, cost {})</span>\n",
                    html(title),
                    html(&c.option),
                    cost
                ));
                text_block(o, "Rationale", &c.rationale);
                o.push_str("</li>\n");
            }
            o.push_str("</ul>\n");
        }

        o.push_str("<h4>Adjudication</h4>\n");
        if t.choices.is_empty() && t.unpublished.is_empty() {
            o.push_str("<p class=\"sub\">No choices were adjudicated.</p>\n");
        }
        for ix in &t.choices {
            choice(r, *ix, o);
        }
        super::negotiation::html_applied(r, t.turn, o);
        for u in &t.unpublished {
            o.push_str(&format!(
                "<div class=\"card\"><p><strong>{} · {}: {}</strong></p><p class=\"sub\">Rolled {} against {} ({}), {}.</p></div>\n",
                html(&u.choice),
                html(r.team_name(&u.team)),
                html(&u.title),
                u.roll,
                u.target,
                u.result.as_str(),
                r.unpublished_status()
            ));
        }
    }

    if !t.overrides.is_empty() {
        o.push_str("<h4>Overrides</h4>\n<ul>\n");
        for ix in &t.overrides {
            let x = &r.overrides[*ix];
            o.push_str(&format!(
                "<li>{} ({}: {}): {} &rarr; {} at {}. Reason: <span class=\"text\">{}</span></li>\n",
                html(&x.choice),
                html(r.team_name(&x.team)),
                html(&x.option),
                x.previous.as_str(),
                x.result.as_str(),
                r.zone.short(x.at),
                html(&x.note)
            ));
        }
        o.push_str("</ul>\n");
    }

    if !t.triggers.is_empty() {
        o.push_str("<h4>Triggers</h4>\n<ul>\n");
        for x in &t.triggers {
            o.push_str(&format!(
                "<li>{} fired: {}</li>\n",
                html(&x.trigger),
                html(r.event_title(&x.event))
            ));
        }
        o.push_str("</ul>\n");
    }

    o.push_str("<h4>Indicator changes</h4>\n");
    let changed = r.changed(t);
    if changed.is_empty() {
        o.push_str("<p class=\"sub\">No indicator changed.</p>\n");
    } else {
        o.push_str("<div class=\"wide\"><table>\n<thead><tr><th>Indicator</th><th class=\"n\">Start</th><th class=\"n\">End</th><th class=\"n\">Change</th></tr></thead>\n<tbody>\n");
        for (i, a, b) in changed {
            o.push_str(&format!(
                "<tr><td>{}</td><td class=\"n\">{a}</td><td class=\"n\">{b}</td><td class=\"n\">{}</td></tr>\n",
                html(&i.name),
                signed(b - a)
            ));
        }
        o.push_str("</tbody>\n</table></div>\n");
    }
    o.push_str("</section>\n");
}

fn effects(
    r: &Report,
    o: &mut String,
    fx: &std::collections::BTreeMap<std::sync::Arc<str>, i64>,
    set: &[std::sync::Arc<str>],
    clear: &[std::sync::Arc<str>],
) {
    let text = r.effects_text(fx);
    if !text.is_empty() {
        o.push_str(&format!(
            "<p><span class=\"label\">Effects:</span> {}</p>\n",
            html(&text)
        ));
    }
    let flags = r.flags_text(set, clear);
    if !flags.is_empty() {
        o.push_str(&format!(
            "<p><span class=\"label\">Flags:</span> {}</p>\n",
            html(&flags)
        ));
    }
}

fn choice(r: &Report, ix: usize, o: &mut String) {
    let c = &r.choices[ix];
    let x = &c.r;
    o.push_str(&format!(
        "<div class=\"card {}\">\n<p><strong>{} · {}: {}</strong> {}{}{}{}</p>\n",
        x.result.as_str(),
        html(&x.choice),
        html(r.team_name(&x.team)),
        html(&x.title),
        badge(x.result),
        if x.overridden {
            " <span class=\"badge override\">OVERRIDDEN</span>"
        } else {
            ""
        },
        if x.covert {
            " <span class=\"badge\">COVERT</span>"
        } else {
            ""
        },
        match (x.bot, x.doctrine.as_deref()) {
            (false, _) => String::new(),
            (true, Some(d)) => format!(" <span class=\"badge\">BOT · {}</span>", html(d)),
            (true, None) => " <span class=\"badge\">BOT</span>".to_string(),
        }
    ));
    o.push_str(&format!(
        "<div class=\"wide\"><table class=\"odds\">\n<tbody>\n<tr><td>Base chance</td><td class=\"n\">{}%</td></tr>\n",
        x.base
    ));
    for m in &x.modifiers {
        o.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>\n",
            html(&m.reason),
            signed(m.delta)
        ));
    }
    o.push_str(&format!(
        "<tr><th>Target</th><th class=\"n\">{}%</th></tr>\n<tr><td>Roll (d100)</td><td class=\"n\">{} &rarr; {}</td></tr>\n</tbody>\n</table></div>\n",
        x.target,
        x.roll,
        x.rolled.as_str()
    ));
    if let Some(note) = &x.note {
        o.push_str(&format!(
            "<p><span class=\"label\">Override:</span> {} &rarr; {}. Reason: <span class=\"text\">{}</span></p>\n",
            x.rolled.as_str(),
            x.result.as_str(),
            html(note)
        ));
    }
    if let Some(d) = &x.detection {
        o.push_str(&format!(
            "<p><span class=\"label\">Detection:</span> {}; roll {} &rarr; {}</p>\n",
            html(&r.odds_parts(d.base, &d.modifiers, d.target).join("; ")),
            d.roll,
            if d.detected {
                "detected"
            } else {
                "not detected"
            }
        ));
    }
    text_block(o, "Rationale", x.rationale.as_deref().unwrap_or(""));
    if !x.text.is_empty() {
        o.push_str(&format!(
            "<p><span class=\"label\">Outcome:</span> {}</p>\n",
            html(&x.text)
        ));
    }
    effects(r, o, &x.effects, &x.set, &x.clear);
    o.push_str("</div>\n");
}

fn key_points(r: &Report, o: &mut String) {
    o.push_str("<div id=\"key-decisions\">\n<h3>Key decision points</h3>\n<p class=\"sub\">The choices and injects that moved the board most: the sum over indicators of |change| / (max - min).</p>\n");
    if r.key_points.is_empty() {
        o.push_str("<p class=\"sub\">No choice or inject changed an indicator.</p>\n</div>\n");
        return;
    }
    o.push_str("<ol class=\"key\">\n");
    for p in &r.key_points {
        match p.kind {
            KeyKind::Choice(i) => {
                let c = &r.choices[i];
                let x = &c.r;
                o.push_str(&format!(
                    "<li><strong>Turn {} · {}: {}</strong> {} <span class=\"sub\">decision {}, roll {} against {}, swing {:.2}</span>\n<p>Effects: {}</p>\n",
                    c.turn,
                    html(r.team_name(&x.team)),
                    html(&x.title),
                    badge(x.result),
                    html(&x.choice),
                    x.roll,
                    x.target,
                    p.swing,
                    html(&r.effects_text(&x.effects))
                ));
                text_block(o, "Rationale", x.rationale.as_deref().unwrap_or(""));
                o.push_str("</li>\n");
            }
            KeyKind::Inject(i) => {
                let x = &r.injects[i];
                o.push_str(&format!(
                    "<li><strong>Turn {} · Inject: {}</strong> <span class=\"sub\">{}, swing {:.2}</span>\n<p>Effects: {}</p>\n</li>\n",
                    x.inject.turn,
                    html(&x.inject.title),
                    html(&r.inject_origin(&x.inject)),
                    p.swing,
                    html(&r.effects_text(&x.inject.effects))
                ));
            }
        }
    }
    o.push_str("</ol>\n</div>\n");
}

fn notes(r: &Report, o: &mut String, appendix: char) {
    o.push_str(&format!(
        "<section id=\"notes\">\n<h2>Appendix {appendix}: Facilitator notes</h2>\n"
    ));
    if r.state.notes.is_empty() {
        o.push_str("<p class=\"sub\">No notes.</p>\n");
    } else {
        o.push_str("<ul>\n");
        for n in &r.state.notes {
            o.push_str(&format!(
                "<li><span class=\"sub\">{}, {}, {}{}</span><p class=\"text\">{}</p></li>\n",
                turn_label(n.turn),
                r.zone.short(n.at),
                match (n.category.is_note(), n.public) {
                    (false, _) => Report::category_word(n.category),
                    (true, true) => "public",
                    (true, false) => "private",
                },
                n.about
                    .as_deref()
                    .map(|a| format!(", on {}", html(&r.subject_label(a))))
                    .unwrap_or_default(),
                html(&n.text)
            ));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn event_log(r: &Report, o: &mut String, appendix: char) {
    o.push_str(&format!("<section id=\"event-log\">\n<h2>Appendix {appendix}: Event log</h2>\n<div class=\"wide\"><table class=\"log\">\n<colgroup><col class=\"c-seq\"><col class=\"c-time\"><col class=\"c-turn\"><col class=\"c-phase\"><col class=\"c-actor\"><col class=\"c-kind\"><col></colgroup>\n<thead><tr><th class=\"n\">Seq</th><th>Time</th><th class=\"n\">Turn</th><th>Phase</th><th>Actor</th><th>Kind</th><th>What happened</th></tr></thead>\n<tbody>\n"));
    for e in r.events.iter() {
        o.push_str(&format!(
            "<tr><td class=\"n\">{}</td><td class=\"t\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            e.seq,
            r.zone.seconds(e.at),
            e.turn,
            e.phase,
            html(&one_line(&r.actor_label(&e.actor))),
            e.body.kind(),
            html(&r.summary(e))
        ));
    }
    o.push_str("</tbody>\n</table></div>\n</section>\n");
}
