//! The HTML export: one self-contained file shaped like an HSEEP after-action report.
//!
//! **Invariant:** inline CSS and inline SVG only: no script, no remote reference (the
//! Content-Security-Policy meta forbids both even if a bug let one in), a print
//! stylesheet for print-to-PDF. Every text goes through [`html`].

use super::report::{KeyKind, Report, TurnReport, one_line, turn_label};
use super::text::{html, iso, signed};
use crate::engine::Outcome;

const CSS: &str = r#"
:root{--ink:#1d232b;--muted:#5b6573;--line:#d6dbe1;--accent:#1f4e79;--ok:#1e7b34;--bad:#a4262c;--warn:#8a5a00;--soft:#f4f6f8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:62rem;margin:0 auto;padding:2rem 1.25rem 4rem}
h1{font-size:1.8rem;line-height:1.25;margin:0 0 .25rem}
h2{font-size:1.35rem;margin:2.5rem 0 .75rem;padding-bottom:.25rem;border-bottom:2px solid var(--accent);color:var(--accent)}
h3{font-size:1.08rem;margin:1.5rem 0 .5rem}
h4{font-size:1rem;margin:1rem 0 .25rem}
p{margin:.35rem 0}
.sub{color:var(--muted);font-size:.9rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.warn{background:#fff4e5;border:1px solid #f0b429;border-radius:4px;padding:.5rem .75rem}
nav.toc{background:var(--soft);border-radius:4px;padding:.5rem 1rem;margin:1rem 0;font-size:.92rem}
nav.toc a{display:inline-block;color:var(--accent);margin-right:.9rem;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--soft)}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.odds{width:auto;min-width:22rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.card{border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:4px;padding:.6rem .9rem;margin:.6rem 0;break-inside:avoid}
.card.success{border-left-color:var(--ok)}
.card.failure{border-left-color:var(--bad)}
.badge{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.78rem;font-weight:700;color:#fff;background:var(--muted);vertical-align:middle;letter-spacing:.02em}
.badge.success{background:var(--ok)}
.badge.failure{background:var(--bad)}
.badge.override{background:var(--warn)}
ul.choices{margin:.25rem 0 .75rem;padding-left:1.25rem}
ol.key li{margin:.5rem 0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:1rem;margin:1rem 0}
figure{margin:0;break-inside:avoid}
figure svg{display:block;width:100%;height:auto}
table.log{font-size:.8rem}
table.log td{padding:.15rem .4rem}
table.log td.t{white-space:nowrap}
@media print{
@page{margin:14mm}
body{font-size:10pt}
main{max-width:none;padding:0}
nav.toc{display:none}
h2{break-after:avoid}
h3,h4{break-after:avoid}
section.turn{break-before:page}
.card,figure,tr{break-inside:avoid}
.charts{grid-template-columns:repeat(2,1fr)}
.badge,.card,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}
}
"#;

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
    overview(r, &mut o);
    charts(r, &mut o);
    for t in r.report_turns() {
        turn(r, t, &mut o);
    }
    key_points(r, &mut o);
    notes(r, &mut o);
    ending(r, &mut o);
    appendix(r, &mut o);
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
    o.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n<a href=\"#overview\">Overview</a><a href=\"#indicators\">Indicators</a>");
    for t in r.report_turns() {
        let label = if t.turn == 0 {
            "Before turn 1".to_string()
        } else {
            format!("Turn {}", t.turn)
        };
        o.push_str(&format!("<a href=\"#{}\">{label}</a>", turn_anchor(t.turn)));
    }
    o.push_str("<a href=\"#key-decisions\">Key decisions</a><a href=\"#notes\">Notes</a><a href=\"#ending\">Ending</a><a href=\"#event-log\">Event log</a>\n</nav>\n");
}

fn row(o: &mut String, label: &str, value: &str) {
    o.push_str(&format!("<dt>{label}</dt><dd>{value}</dd>\n"));
}

fn overview(r: &Report, o: &mut String) {
    let s = r.scenario;
    let st = &r.state;
    o.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n");
    if !r.digest_matches() {
        o.push_str(&format!(
            "<p class=\"warn\">The session was created with scenario digest {}; this report replays it against a different version ({}).</p>\n",
            html(r.session_digest.as_deref().unwrap_or("")),
            html(&s.digest)
        ));
    }
    o.push_str("<dl class=\"meta\">\n");
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
    if let (Some(a), Some(b)) = (r.first_at(), r.last_at()) {
        row(o, "Dates", &format!("{} to {}", iso(a), iso(b)));
    }
    row(
        o,
        "Turns played",
        &format!("{} of {} (phase: {})", st.turn, st.max_turns, st.phase),
    );
    row(o, "Seed", &st.seed.to_string());
    match &r.ending {
        Some(e) => row(
            o,
            "Outcome",
            &format!("{} ({})", html(&e.title), html(&e.reason)),
        ),
        None => row(o, "Outcome", "the session has not ended"),
    }
    if let Some(at) = r.meta.exported_at {
        row(o, "Exported", &iso(at));
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
    if !s.summary.is_empty() {
        o.push_str(&format!("<p class=\"text\">{}</p>\n", html(&s.summary)));
    }

    o.push_str("<h3>Teams and participants</h3>\n<table>\n<thead><tr><th>Team</th><th>Participants</th></tr></thead>\n<tbody>\n");
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
    o.push_str("</tbody>\n</table>\n</section>\n");
}

fn charts(r: &Report, o: &mut String) {
    let s = r.scenario;
    let st = &r.state;
    o.push_str("<section id=\"indicators\">\n<h2>Indicators</h2>\n<table>\n<thead><tr><th>Indicator</th><th class=\"n\">Range</th><th class=\"n\">Start</th><th class=\"n\">End</th><th class=\"n\">Change</th></tr></thead>\n<tbody>\n");
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
    o.push_str("</tbody>\n</table>\n<p class=\"sub\">Charts: values at the end of each turn, as the engine recorded them (turn 0: the start).</p>\n<div class=\"charts\">\n");
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
    o.push_str("</div>\n</section>\n");
}

/// A tick step from 1, 2, 5 x 10^k giving at most `max_ticks` intervals over `span`.
fn nice_step(span: i64, max_ticks: i64) -> i64 {
    let span = span.max(1);
    let mut magnitude = 1i64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if span / step <= max_ticks {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// An inline SVG line chart of one indicator over turns.
pub fn chart(id: &str, name: &str, min: i64, max: i64, points: &[(u32, i64)]) -> String {
    const W: f64 = 360.0;
    const H: f64 = 210.0;
    const ML: f64 = 46.0;
    const MR: f64 = 14.0;
    const MT: f64 = 30.0;
    const MB: f64 = 44.0;
    let (pw, ph) = (W - ML - MR, H - MT - MB);
    let t0 = points.first().map_or(0, |p| p.0);
    let t1 = points.last().map_or(0, |p| p.0).max(t0);
    let x = |t: u32| -> f64 {
        if t1 == t0 {
            ML + pw / 2.0
        } else {
            ML + f64::from(t - t0) / f64::from(t1 - t0) * pw
        }
    };
    let y = |v: i64| -> f64 {
        if max <= min {
            MT + ph / 2.0
        } else {
            MT + ph - (v.clamp(min, max) - min) as f64 / (max - min) as f64 * ph
        }
    };
    let label = html(name);
    let mut o = String::with_capacity(2048 + points.len() * 120);
    o.push_str(&format!(
        "<svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-labelledby=\"chart-{id}\">\n<title id=\"chart-{id}\">{label}: value at the end of each turn</title>\n",
        id = html(id)
    ));
    o.push_str(&format!(
        "<text x=\"{ML}\" y=\"18\" font-size=\"13\" font-weight=\"600\" fill=\"#1d232b\">{label}</text>\n"
    ));
    // Horizontal grid and value ticks.
    let step = nice_step(max - min, 5);
    let mut v = min.div_euclid(step) * step;
    if v < min {
        v += step;
    }
    while v <= max {
        let yy = y(v);
        o.push_str(&format!(
            "<line x1=\"{ML}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#e3e7ec\" stroke-width=\"1\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"end\">{v}</text>\n",
            ML + pw,
            ML - 6.0,
            yy + 4.0
        ));
        if max <= min {
            break;
        }
        v += step;
    }
    // Axes.
    o.push_str(&format!(
        "<line x1=\"{ML}\" y1=\"{MT}\" x2=\"{ML}\" y2=\"{:.1}\" stroke=\"#5b6573\" stroke-width=\"1\"/>\n<line x1=\"{ML}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#5b6573\" stroke-width=\"1\"/>\n",
        MT + ph,
        MT + ph,
        ML + pw,
        MT + ph
    ));
    // Turn ticks.
    let tstep = nice_step(i64::from(t1 - t0), 10) as u32;
    let mut t = t0;
    while t <= t1 {
        let xx = x(t);
        o.push_str(&format!(
            "<line x1=\"{xx:.1}\" y1=\"{:.1}\" x2=\"{xx:.1}\" y2=\"{:.1}\" stroke=\"#5b6573\" stroke-width=\"1\"/>\n<text x=\"{xx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\">{t}</text>\n",
            MT + ph,
            MT + ph + 4.0,
            MT + ph + 16.0
        ));
        if t1 == t0 {
            break;
        }
        t += tstep.max(1);
    }
    // Axis titles.
    o.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\">Turn</text>\n<text x=\"12\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">Value ({min}-{max})</text>\n",
        ML + pw / 2.0,
        H - 8.0,
        MT + ph / 2.0,
        MT + ph / 2.0
    ));
    // The line and its points.
    if points.len() > 1 {
        let pts: Vec<String> = points
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
            .collect();
        o.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n",
            pts.join(" ")
        ));
    }
    let radius = if points.len() > 20 { 1.5 } else { 3.0 };
    for (t, v) in points {
        o.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\" fill=\"#1f4e79\"><title>Turn {t}: {v}</title></circle>\n",
            x(*t),
            y(*v)
        ));
    }
    o.push_str("</svg>\n");
    o
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
        "<section class=\"turn\" id=\"{}\">\n<h2>{heading}</h2>\n<p class=\"sub\">Played {} to {}.</p>\n",
        turn_anchor(t.turn),
        iso(t.first_at),
        iso(t.last_at)
    ));

    o.push_str("<h3>Injects</h3>\n");
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
            iso(x.at),
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
            iso(x.at)
        ));
    }

    if t.turn > 0 {
        o.push_str("<h3>Decisions</h3>\n");
        for (team, sub) in s.teams.iter().zip(&t.submissions) {
            o.push_str(&format!("<h4>{}</h4>\n", html(&team.name)));
            let Some(sub) = sub else {
                o.push_str("<p class=\"sub\">No submission.</p>\n");
                continue;
            };
            let by = if sub.by.is_empty() {
                String::new()
            } else {
                format!(" by {}", html(r.player_name(&sub.by)))
            };
            o.push_str(&format!(
                "<p class=\"sub\">Submitted{by} at {} (revision {}, cost {} of {}).</p>\n",
                iso(sub.at),
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

        o.push_str("<h3>Adjudication</h3>\n");
        if t.choices.is_empty() && t.unpublished.is_empty() {
            o.push_str("<p class=\"sub\">No choices were adjudicated.</p>\n");
        }
        for ix in &t.choices {
            choice(r, *ix, o);
        }
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
        o.push_str("<h3>Overrides</h3>\n<ul>\n");
        for ix in &t.overrides {
            let x = &r.overrides[*ix];
            o.push_str(&format!(
                "<li>{} ({}: {}): {} &rarr; {} at {}. Reason: <span class=\"text\">{}</span></li>\n",
                html(&x.choice),
                html(r.team_name(&x.team)),
                html(&x.option),
                x.previous.as_str(),
                x.result.as_str(),
                iso(x.at),
                html(&x.note)
            ));
        }
        o.push_str("</ul>\n");
    }

    if !t.triggers.is_empty() {
        o.push_str("<h3>Triggers</h3>\n<ul>\n");
        for x in &t.triggers {
            o.push_str(&format!(
                "<li>{} fired: {}</li>\n",
                html(&x.trigger),
                html(r.event_title(&x.event))
            ));
        }
        o.push_str("</ul>\n");
    }

    o.push_str("<h3>Indicator changes</h3>\n");
    let changed = r.changed(t);
    if changed.is_empty() {
        o.push_str("<p class=\"sub\">No indicator changed.</p>\n");
    } else {
        o.push_str("<table>\n<thead><tr><th>Indicator</th><th class=\"n\">Start</th><th class=\"n\">End</th><th class=\"n\">Change</th></tr></thead>\n<tbody>\n");
        for (i, a, b) in changed {
            o.push_str(&format!(
                "<tr><td>{}</td><td class=\"n\">{a}</td><td class=\"n\">{b}</td><td class=\"n\">{}</td></tr>\n",
                html(&i.name),
                signed(b - a)
            ));
        }
        o.push_str("</tbody>\n</table>\n");
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
        "<div class=\"card {}\">\n<p><strong>{} · {}: {}</strong> {}{}{}</p>\n",
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
        }
    ));
    o.push_str(&format!(
        "<table class=\"odds\">\n<tbody>\n<tr><td>Base chance</td><td class=\"n\">{}%</td></tr>\n",
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
        "<tr><th>Target</th><th class=\"n\">{}%</th></tr>\n<tr><td>Roll (d100)</td><td class=\"n\">{} &rarr; {}</td></tr>\n</tbody>\n</table>\n",
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
    o.push_str("<section id=\"key-decisions\">\n<h2>Key decision points</h2>\n<p class=\"sub\">The choices and injects that moved the board most: the sum over indicators of |change| / (max - min).</p>\n");
    if r.key_points.is_empty() {
        o.push_str("<p class=\"sub\">No choice or inject changed an indicator.</p>\n</section>\n");
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
    o.push_str("</ol>\n</section>\n");
}

fn notes(r: &Report, o: &mut String) {
    o.push_str("<section id=\"notes\">\n<h2>Facilitator notes</h2>\n");
    if r.state.notes.is_empty() {
        o.push_str("<p class=\"sub\">No notes.</p>\n");
    } else {
        o.push_str("<ul>\n");
        for n in &r.state.notes {
            o.push_str(&format!(
                "<li><span class=\"sub\">{}, {}, {}</span><p class=\"text\">{}</p></li>\n",
                turn_label(n.turn),
                iso(n.at),
                if n.public { "public" } else { "private" },
                html(&n.text)
            ));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn ending(r: &Report, o: &mut String) {
    o.push_str("<section id=\"ending\">\n<h2>Ending</h2>\n");
    match &r.ending {
        Some(e) => o.push_str(&format!(
            "<p><strong>{}</strong> <span class=\"sub\">({}), turn {}, {}</span></p>\n<p class=\"text\">{}</p>\n",
            html(&e.title),
            html(&e.reason),
            e.turn,
            iso(e.at),
            html(&e.text)
        )),
        None => o.push_str(&format!(
            "<p>The session has not ended; it is in turn {}, phase {}.</p>\n",
            r.state.turn, r.state.phase
        )),
    }
    o.push_str("</section>\n");
}

fn appendix(r: &Report, o: &mut String) {
    o.push_str("<section id=\"event-log\">\n<h2>Appendix: event log</h2>\n<table class=\"log\">\n<thead><tr><th class=\"n\">Seq</th><th>Time</th><th class=\"n\">Turn</th><th>Phase</th><th>Actor</th><th>Kind</th><th>What happened</th></tr></thead>\n<tbody>\n");
    for e in r.events.iter() {
        o.push_str(&format!(
            "<tr><td class=\"n\">{}</td><td class=\"t\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            e.seq,
            iso(e.at),
            e.turn,
            e.phase,
            html(&one_line(&r.actor_label(&e.actor))),
            e.body.kind(),
            html(&r.summary(e))
        ));
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}
