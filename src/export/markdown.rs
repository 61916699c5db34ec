//! The Markdown export, shaped like an HSEEP after-action report.
//!
//! Every piece of text, user-supplied or from the scenario, goes through [`md`]; free
//! text is only ever rendered inline (after a label), never in a table.

use super::report::{KeyKind, Report, TurnReport, one_line, turn_label};
use super::text::{md, md_cell};

pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(16 * 1024 + r.events.len() * 200);
    // HSEEP's order: overview, summary, analysis, conclusion, the improvement plan
    // (Appendix A) and participant feedback (Appendix B); then the record.
    overview(r, &mut o);
    summary(r, &mut o);
    super::hseep::markdown_analysis(r, &mut o);
    super::hseep::markdown_conclusion(r, &mut o);
    super::hseep::markdown_plan(r, &mut o);
    let mut appendix = 'C';
    push(
        &mut o,
        &format!("## Appendix {appendix}: Turn-by-turn narrative\n"),
    );
    for t in r.report_turns() {
        turn(r, t, &mut o);
    }
    if !r.negotiation.is_empty() {
        appendix = next(appendix);
        super::negotiation::markdown(r, &mut o, appendix);
    }
    appendix = next(appendix);
    notes(r, &mut o, appendix);
    appendix = next(appendix);
    event_log(r, &mut o, appendix);
    o
}

/// The next appendix letter.
pub(super) fn next(c: char) -> char {
    char::from_u32(c as u32 + 1).unwrap_or(c)
}

fn push(o: &mut String, line: &str) {
    o.push_str(line);
    o.push('\n');
}

fn overview(r: &Report, o: &mut String) {
    let s = r.scenario;
    let st = &r.state;
    push(
        o,
        &format!("# After-action report: {}\n", md_cell(r.session_title())),
    );
    push(o, "## Exercise overview\n");
    push(
        o,
        &format!("- **Exercise name:** {}", md(r.session_title())),
    );
    if let (Some(a), Some(b)) = (r.first_at(), r.last_at()) {
        push(o, &format!("- **Dates:** {}", r.zone.span(a, b)));
        push(o, &format!("- **Times in:** {}", md(&r.zone.describe(a))));
    }
    let info = &st.after_action.info;
    for (label, value) in [
        ("Scope", &info.scope),
        ("Sponsor", &info.sponsor),
        ("Point of contact", &info.point_of_contact),
    ] {
        push(
            o,
            &format!(
                "- **{label}:** {}",
                value.as_deref().map_or("not given".to_string(), md)
            ),
        );
    }
    let mut session = format!("- **Session:** {}", md(&r.meta.session_id));
    if let Some(code) = &r.meta.join_code {
        session.push_str(&format!(" (join code {})", md(code)));
    }
    push(o, &session);
    push(o, &format!("- **Title:** {}", md(&st.title)));
    push(
        o,
        &format!(
            "- **Scenario:** {} ({}), digest {}",
            md(&s.title),
            md(&s.id),
            md(&s.digest)
        ),
    );
    if !r.digest_matches() {
        push(
            o,
            &format!(
                "- **Warning:** the session was created with scenario digest {}; this report replays it against a different version.",
                md(r.session_digest.as_deref().unwrap_or(""))
            ),
        );
    }
    push(o, &format!("- **Seed:** {}", st.seed));
    if let Some(f) = &st.forked_from {
        push(
            o,
            &format!(
                "- **Forked from:** session {} at the briefing of turn {}",
                md(&f.session),
                f.turn
            ),
        );
    }
    if let Some(at) = r.meta.exported_at {
        push(o, &format!("- **Exported:** {}", r.zone.datetime(at)));
    }
    if r.anonymized {
        push(
            o,
            "- **Names:** anonymised (players appear as team and seat)",
        );
    }
    if let Some(hash) = r.state_hash() {
        push(o, &format!("- **Final state hash:** {hash}"));
    }
    push(o, "");

    push(o, "### Scenario summary\n");
    if s.summary.is_empty() {
        push(o, &format!("{}\n", md(&s.title)));
    } else {
        push(o, &format!("{}\n", md(&s.summary)));
    }

    push(o, "### Objectives\n");
    let mut any = false;
    for t in &s.teams {
        for obj in &t.objectives {
            any = true;
            push(
                o,
                &format!(
                    "- **{}** ({}, weight {}): {}",
                    md(&t.name),
                    md(&obj.id),
                    obj.weight,
                    md(&obj.text)
                ),
            );
        }
    }
    push(
        o,
        if any {
            ""
        } else {
            "The scenario sets no team objectives.\n"
        },
    );

    push(o, "### Participating organisations\n");
    for t in &s.teams {
        let players: Vec<String> = r.players_of(&t.id).map(|p| participant(r, p)).collect();
        let who = if players.is_empty() {
            "no players joined".to_string()
        } else {
            players.join(", ")
        };
        push(
            o,
            &format!("- **{}** ({}): {}", md(&t.name), md(&t.id), who),
        );
    }
    let observers: Vec<String> = r
        .players_of("observer")
        .map(|p| participant(r, p))
        .collect();
    if !observers.is_empty() {
        push(o, &format!("- **Observers:** {}", observers.join(", ")));
    }
    push(o, "");
}

fn summary(r: &Report, o: &mut String) {
    let s = r.scenario;
    let st = &r.state;
    push(o, "## Exercise summary\n");
    push(
        o,
        &format!(
            "- **Turns played:** {} of {} (phase: {})",
            st.turn, st.max_turns, st.phase
        ),
    );
    match &r.ending {
        Some(e) => push(
            o,
            &format!("- **Outcome:** {} ({})", md(&e.title), md(&e.reason)),
        ),
        None => push(o, "- **Outcome:** the session has not ended"),
    }
    push(o, "");

    push(o, "### Indicators\n");
    push(o, "| Indicator | Range | Start | End | Lowest | Highest |");
    push(o, "|---|---:|---:|---:|---:|---:|");
    for (ix, i) in s.indicators.iter().enumerate() {
        let seen = st
            .history
            .iter()
            .filter_map(|h| h.indicators.get(ix).copied());
        let low = seen
            .clone()
            .chain([st.world.indicators[ix]])
            .min()
            .unwrap_or(i.start);
        let high = seen
            .chain([st.world.indicators[ix]])
            .max()
            .unwrap_or(i.start);
        push(
            o,
            &format!(
                "| {} | {}-{} | {} | {} | {} | {} |",
                md_cell(&i.name),
                i.min,
                i.max,
                i.start,
                st.world.indicators[ix],
                low,
                high
            ),
        );
    }
    push(o, "");

    push(o, "### Indicators by turn\n");
    push(
        o,
        "Values at the end of each turn, as the engine recorded them (turn 0: the start).\n",
    );
    // One row per indicator, one column per turn: as many columns as turns,
    // which stays readable where a column per indicator would not.
    let mut head = String::from("| Indicator |");
    let mut rule = String::from("|---|");
    for h in &st.history {
        head.push_str(&format!(" T{} |", h.turn));
        rule.push_str("---:|");
    }
    push(o, &head);
    push(o, &rule);
    for (ix, i) in s.indicators.iter().enumerate() {
        let mut row = format!("| {} |", md_cell(&i.name));
        for h in &st.history {
            match h.indicators.get(ix) {
                Some(v) => row.push_str(&format!(" {v} |")),
                None => row.push_str(" |"),
            }
        }
        push(o, &row);
    }
    push(o, "");
    key_points(r, o);
    super::v2::markdown_beliefs(r, o);
}

/// "Name (seat 2)"; just the label when anonymised (it already names the seat).
fn participant(r: &Report, p: &crate::engine::Player) -> String {
    if r.anonymized {
        md(&p.name)
    } else {
        format!("{} (seat {})", md(&p.name), p.seat)
    }
}

fn turn(r: &Report, t: &TurnReport, o: &mut String) {
    let s = r.scenario;
    // Sub-headings carry the turn, so every heading (and its anchor) is unique.
    let label = if t.turn == 0 {
        "Before the first turn".to_string()
    } else {
        format!("Turn {}", t.turn)
    };
    push(o, &format!("### {label}\n"));
    push(
        o,
        &format!(
            "Played {} to {}.\n",
            r.zone.short(t.first_at),
            r.zone.short(t.last_at)
        ),
    );

    push(o, &format!("#### {label}: Injects\n"));
    if t.injects.is_empty() && t.skipped.is_empty() {
        push(o, "No injects.");
    }
    for ix in &t.injects {
        let x = &r.injects[*ix];
        let i = &x.inject;
        let mut line = format!(
            "- **{}**: {}; from {} to {}; {}",
            md(&i.title),
            md(&r.inject_origin(i)),
            md(&i.from),
            md(&r.recipients(&i.to)),
            r.zone.short(x.at)
        );
        if !i.source.is_empty() {
            line.push_str(&format!("; source: {}", md(&i.source)));
        }
        push(o, &line);
        if !i.text.trim().is_empty() {
            push(o, &format!("  - Text: {}", md(&i.text)));
        }
        let fx = r.effects_text(&i.effects);
        if !fx.is_empty() {
            push(o, &format!("  - Effects: {}", md(&fx)));
        }
        let flags = r.flags_text(&i.set, &i.clear);
        if !flags.is_empty() {
            push(o, &format!("  - Flags: {}", md(&flags)));
        }
    }
    for x in &t.skipped {
        let title = r.script_title(&x.script);
        push(
            o,
            &format!(
                "- Skipped scripted inject {} ({}), {}",
                md(&x.script),
                md(title),
                r.zone.short(x.at)
            ),
        );
    }
    push(o, "");

    if t.turn > 0 {
        push(o, &format!("#### {label}: Decisions\n"));
        for (team, sub) in s.teams.iter().zip(&t.submissions) {
            let Some(sub) = sub else {
                push(o, &format!("- **{}**: no submission.", md(&team.name)));
                continue;
            };
            let mut head = format!("- **{}**: submitted", md(&team.name));
            if let Some(d) = &sub.doctrine {
                head.push_str(&format!(" by a bot (doctrine {})", md(d)));
            }
            if !sub.by.is_empty() {
                head.push_str(&format!(" by {}", md(r.player_name(&sub.by))));
            }
            head.push_str(&format!(
                " at {} (revision {}, cost {} of {})",
                r.zone.short(sub.at),
                sub.revision.unwrap_or(1),
                sub.cost.unwrap_or(0),
                team.budget
            ));
            if sub.choices.is_empty() {
                head.push_str(": no choices.");
            }
            push(o, &head);
            for c in &sub.choices {
                let (title, cost) = r.option_label(&c.option);
                push(
                    o,
                    &format!(
                        "  - **{}** ({}, cost {}). Rationale: {}",
                        md(title),
                        md(&c.option),
                        cost,
                        rationale(&c.rationale)
                    ),
                );
            }
        }
        push(o, "");

        push(o, &format!("#### {label}: Adjudication\n"));
        if t.choices.is_empty() && t.unpublished.is_empty() {
            push(o, "No choices were adjudicated.");
        }
        for ix in &t.choices {
            choice(r, *ix, o);
        }
        super::negotiation::markdown_applied(r, t.turn, o);
        for u in &t.unpublished {
            push(
                o,
                &format!(
                    "- **{} · {}: {}**: rolled {} against {} ({}), {}.",
                    md(&u.choice),
                    md(r.team_name(&u.team)),
                    md(&u.title),
                    u.roll,
                    u.target,
                    u.result.as_str(),
                    r.unpublished_status()
                ),
            );
        }
        push(o, "");
    }

    if !t.overrides.is_empty() {
        push(o, &format!("#### {label}: Overrides\n"));
        for ix in &t.overrides {
            let x = &r.overrides[*ix];
            push(
                o,
                &format!(
                    "- {} ({}: {}): {} \u{2192} {} at {}. Reason: {}",
                    md(&x.choice),
                    md(r.team_name(&x.team)),
                    md(&x.option),
                    x.previous.as_str(),
                    x.result.as_str(),
                    r.zone.short(x.at),
                    md(&x.note)
                ),
            );
        }
        push(o, "");
    }

    if !t.triggers.is_empty() {
        push(o, &format!("#### {label}: Triggers\n"));
        for x in &t.triggers {
            push(
                o,
                &format!(
                    "- {} fired: {}",
                    md(&x.trigger),
                    md(r.event_title(&x.event))
                ),
            );
        }
        push(o, "");
    }

    push(o, &format!("#### {label}: Indicator changes\n"));
    let changed = r.changed(t);
    if changed.is_empty() {
        push(o, "No indicator changed.");
    } else {
        push(o, "| Indicator | Start | End | Change |");
        push(o, "|---|---:|---:|---:|");
        for (i, a, b) in changed {
            push(
                o,
                &format!(
                    "| {} | {a} | {b} | {} |",
                    md_cell(&i.name),
                    super::text::signed(b - a)
                ),
            );
        }
    }
    push(o, "");
}

fn rationale(text: &str) -> String {
    if text.trim().is_empty() {
        "(none given)".to_string()
    } else {
        md(text)
    }
}

fn choice(r: &Report, ix: usize, o: &mut String) {
    let c = &r.choices[ix];
    let x = &c.r;
    let mut head = format!(
        "- **{} · {}: {}**: {}",
        md(&x.choice),
        md(r.team_name(&x.team)),
        md(&x.title),
        x.result.as_str().to_uppercase()
    );
    if x.overridden {
        head.push_str(" (overridden)");
    }
    if x.covert {
        head.push_str(" (covert)");
    }
    let mark = super::report::bot_mark(x.bot, x.doctrine.as_deref());
    if !mark.is_empty() {
        head.push(' ');
        head.push_str(&md(mark.trim_start()));
    }
    push(o, &head);
    push(
        o,
        &format!(
            "  - Odds: {}",
            md(&r.odds_parts(x.base, &x.modifiers, x.target).join("; "))
        ),
    );
    push(
        o,
        &format!(
            "  - Roll: {} against {} \u{2192} {}",
            x.roll,
            x.target,
            x.rolled.as_str()
        ),
    );
    if let Some(note) = &x.note {
        push(
            o,
            &format!(
                "  - Override: {} \u{2192} {}. Reason: {}",
                x.rolled.as_str(),
                x.result.as_str(),
                md(note)
            ),
        );
    }
    if let Some(d) = &x.detection {
        let parts = r.odds_parts(d.base, &d.modifiers, d.target);
        push(
            o,
            &format!(
                "  - Detection: {}; roll {} \u{2192} {}",
                md(&parts.join("; ")),
                d.roll,
                if d.detected {
                    "detected"
                } else {
                    "not detected"
                }
            ),
        );
    }
    push(
        o,
        &format!(
            "  - Rationale: {}",
            rationale(x.rationale.as_deref().unwrap_or(""))
        ),
    );
    if !x.text.is_empty() {
        push(o, &format!("  - Outcome: {}", md(&x.text)));
    }
    let fx = r.effects_text(&x.effects);
    if !fx.is_empty() {
        push(o, &format!("  - Effects: {}", md(&fx)));
    }
    let flags = r.flags_text(&x.set, &x.clear);
    if !flags.is_empty() {
        push(o, &format!("  - Flags: {}", md(&flags)));
    }
}

fn key_points(r: &Report, o: &mut String) {
    push(o, "### Key decision points\n");
    push(
        o,
        "The choices and injects that moved the board most: the sum over indicators of |change| / (max - min).\n",
    );
    if r.key_points.is_empty() {
        push(o, "No choice or inject changed an indicator.\n");
        return;
    }
    for (k, p) in r.key_points.iter().enumerate() {
        match p.kind {
            KeyKind::Choice(i) => {
                let c = &r.choices[i];
                let x = &c.r;
                push(
                    o,
                    &format!(
                        "{}. **Turn {} · {}: {}** (decision {}, {}, roll {} against {}), swing {:.2}",
                        k + 1,
                        c.turn,
                        md(r.team_name(&x.team)),
                        md(&x.title),
                        md(&x.choice),
                        x.result.as_str(),
                        x.roll,
                        x.target,
                        p.swing
                    ),
                );
                push(
                    o,
                    &format!("   - Effects: {}", md(&r.effects_text(&x.effects))),
                );
                push(
                    o,
                    &format!(
                        "   - Rationale: {}",
                        rationale(x.rationale.as_deref().unwrap_or(""))
                    ),
                );
            }
            KeyKind::Inject(i) => {
                let x = &r.injects[i];
                push(
                    o,
                    &format!(
                        "{}. **Turn {} · Inject: {}** ({}), swing {:.2}",
                        k + 1,
                        x.inject.turn,
                        md(&x.inject.title),
                        md(&r.inject_origin(&x.inject)),
                        p.swing
                    ),
                );
                push(
                    o,
                    &format!("   - Effects: {}", md(&r.effects_text(&x.inject.effects))),
                );
            }
        }
    }
    push(o, "");
}

fn notes(r: &Report, o: &mut String, appendix: char) {
    push(o, &format!("## Appendix {appendix}: Facilitator notes\n"));
    if r.state.notes.is_empty() {
        push(o, "No notes.\n");
        return;
    }
    for n in &r.state.notes {
        push(
            o,
            &format!(
                "- {}, {}, {}{}: {}",
                turn_label(n.turn),
                r.zone.short(n.at),
                match (n.category.is_note(), n.public) {
                    (false, _) => Report::category_word(n.category),
                    (true, true) => "public",
                    (true, false) => "private",
                },
                n.about
                    .as_deref()
                    .map(|a| format!(", on {}", md(&r.subject_label(a))))
                    .unwrap_or_default(),
                md(&n.text)
            ),
        );
    }
    push(o, "");
}

fn event_log(r: &Report, o: &mut String, appendix: char) {
    push(o, &format!("## Appendix {appendix}: Event log\n"));
    push(
        o,
        "One line per stored event: seq, time, turn and phase after it, actor, kind, what happened.\n",
    );
    for e in r.events.iter() {
        push(
            o,
            &format!(
                "- {} · {} · turn {} {} · {} · {}: {}",
                e.seq,
                r.zone.seconds(e.at),
                e.turn,
                e.phase,
                md(&one_line(&r.actor_label(&e.actor))),
                md(e.body.kind()),
                md(&r.summary(e))
            ),
        );
    }
}
