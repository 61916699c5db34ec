//! The series as one long CSV table: one value per row, every row the same
//! columns (docs/EXPORT.md): `section,games,session,team,id,turn,metric,value`.
//! `games` is `sessions` for the human games (a session's id in `session`, or
//! empty for all of them together) or a baseline's policy (`random`, `doctrine`).

use std::fmt::Write;

use super::Series;
use crate::export::text::csv_cell;

pub const HEADER: &str = "section,games,session,team,id,turn,metric,value";

struct Rows(String);

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        section: &str,
        games: &str,
        session: &str,
        team: &str,
        id: &str,
        turn: Option<usize>,
        metric: &str,
        value: &str,
    ) {
        let _ = writeln!(
            self.0,
            "{section},{},{},{},{},{},{metric},{}",
            csv_cell(games),
            csv_cell(session),
            csv_cell(team),
            csv_cell(id),
            turn.map(|t| t.to_string()).unwrap_or_default(),
            number_or_text(value)
        );
    }
}

/// A value cell: a number as it is (`-3` is no formula, and a spreadsheet must
/// read it as a number), anything else escaped.
fn number_or_text(v: &str) -> String {
    if v.parse::<f64>().is_ok_and(f64::is_finite) {
        v.to_string()
    } else {
        csv_cell(v)
    }
}

fn n(x: impl std::fmt::Display) -> String {
    x.to_string()
}

pub fn render(s: &Series) -> String {
    let mut r = Rows(String::with_capacity(64 * 1024));
    r.0.push_str(HEADER);
    r.0.push('\n');
    let all = "sessions";
    for x in &s.sessions {
        let id = x.id.as_str();
        for (metric, value) in [
            ("label", x.label.clone()),
            ("title", x.title.clone()),
            ("created", x.created.clone()),
            ("turns", n(x.turns)),
            ("max_turns", n(x.max_turns)),
            ("phase", x.phase.clone()),
            (
                "ending",
                x.ending
                    .as_ref()
                    .map_or("unfinished".to_string(), |e| e.reason.clone()),
            ),
            ("players", n(x.players)),
        ] {
            r.row("session", all, id, "", "", None, metric, &value);
        }
        for (team, names) in x.player_names.iter().flatten() {
            for name in names {
                r.row("session", all, id, team, "", None, "player", name);
            }
        }
    }
    for e in &s.endings {
        r.row(
            "ending",
            all,
            "",
            "",
            &e.reason,
            None,
            "sessions",
            &n(e.sessions),
        );
        r.row("ending", all, "", "", &e.reason, None, "share", &n(e.share));
        for (p, share) in &e.baseline {
            r.row("ending", p, "", "", &e.reason, None, "share", &n(share));
        }
    }
    for t in &s.teams {
        for o in &t.options {
            for (x, c) in s.sessions.iter().zip(&o.by_session) {
                if c.chosen > 0 {
                    r.row(
                        "option",
                        all,
                        &x.id,
                        &t.team,
                        &o.id,
                        None,
                        "chosen",
                        &n(c.chosen),
                    );
                    r.row(
                        "option",
                        all,
                        &x.id,
                        &t.team,
                        &o.id,
                        None,
                        "succeeded",
                        &n(c.succeeded),
                    );
                }
            }
            r.row(
                "option",
                all,
                "",
                &t.team,
                &o.id,
                None,
                "chosen",
                &n(o.chosen),
            );
            r.row(
                "option",
                all,
                "",
                &t.team,
                &o.id,
                None,
                "succeeded",
                &n(o.succeeded),
            );
            if let Some(rate) = o.success_rate {
                r.row(
                    "option",
                    all,
                    "",
                    &t.team,
                    &o.id,
                    None,
                    "success_rate",
                    &n(rate),
                );
            }
            r.row(
                "option",
                all,
                "",
                &t.team,
                &o.id,
                None,
                "per_game",
                &n(o.per_game),
            );
            r.row(
                "option",
                all,
                "",
                &t.team,
                &o.id,
                None,
                "share",
                &n(o.share),
            );
            for (p, b) in &o.baseline {
                r.row(
                    "option",
                    p,
                    "",
                    &t.team,
                    &o.id,
                    None,
                    "per_game",
                    &n(b.per_game),
                );
                r.row("option", p, "", &t.team, &o.id, None, "share", &n(b.share));
                if let Some(rate) = b.success_rate {
                    r.row(
                        "option",
                        p,
                        "",
                        &t.team,
                        &o.id,
                        None,
                        "success_rate",
                        &n(rate),
                    );
                }
            }
        }
    }
    for f in &s.flags {
        let team = f.owner.as_deref().unwrap_or("");
        for (x, reached) in s.sessions.iter().zip(&f.by_session) {
            r.row(
                "flag",
                all,
                &x.id,
                team,
                &f.id,
                None,
                "reached",
                &n(u8::from(*reached)),
            );
        }
        r.row("flag", all, "", team, &f.id, None, "share", &n(f.share));
        for (p, share) in &f.baseline {
            r.row("flag", p, "", team, &f.id, None, "share", &n(share));
        }
    }
    for i in &s.indicators {
        for (x, line) in s.sessions.iter().zip(&i.by_session) {
            for (turn, v) in line.iter().enumerate() {
                r.row(
                    "indicator",
                    all,
                    &x.id,
                    "",
                    &i.id,
                    Some(turn),
                    "value",
                    &n(v),
                );
            }
        }
        for (p, line) in &i.baseline {
            for (turn, v) in line.iter().enumerate() {
                r.row("indicator", p, "", "", &i.id, Some(turn), "mean", &n(v));
            }
        }
    }
    for o in &s.objectives {
        for (x, met) in s.sessions.iter().zip(&o.by_session) {
            r.row(
                "objective",
                all,
                &x.id,
                &o.team,
                &o.id,
                None,
                "met",
                &n(u8::from(*met)),
            );
        }
        r.row(
            "objective",
            all,
            "",
            &o.team,
            &o.id,
            None,
            "share",
            &n(o.share),
        );
        for (p, share) in &o.baseline {
            r.row("objective", p, "", &o.team, &o.id, None, "share", &n(share));
        }
    }
    for q in &s.debrief {
        let sessions = s.sessions.iter().map(|x| x.id.as_str());
        for (session, st) in sessions
            .zip(&q.by_session)
            .chain(std::iter::once(("", &q.all)))
        {
            let Some(st) = st else { continue };
            r.row(
                "debrief",
                all,
                session,
                "",
                &q.question,
                None,
                "answers",
                &n(st.answers),
            );
            r.row(
                "debrief",
                all,
                session,
                "",
                &q.question,
                None,
                "mean",
                &n(st.mean),
            );
            for (v, c) in st.counts.iter().enumerate() {
                let metric = format!("count_{}", v + 1);
                r.row(
                    "debrief",
                    all,
                    session,
                    "",
                    &q.question,
                    None,
                    &metric,
                    &n(c),
                );
            }
        }
    }
    for b in &s.baselines {
        let p = b.policy.as_str();
        for (metric, value) in [
            ("seed", n(b.seed)),
            ("runs", n(b.runs)),
            ("turns", n(b.turns)),
            ("turns_mean", n(b.turns_mean)),
            ("state_hashes_digest", b.state_hashes_digest.clone()),
        ] {
            r.row("baseline", p, "", "", "", None, metric, &value);
        }
        for (team, doctrine) in b.doctrines.iter().flatten() {
            r.row("baseline", p, "", team, "", None, "doctrine", doctrine);
        }
    }
    r.0
}
