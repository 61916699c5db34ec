//! The series as one long CSV table: one value per row, every row the same
//! columns (docs/EXPORT.md): `section,games,session,team,id,turn,metric,value`.
//! `games` is `sessions` for the human games (a session's id in `session`, or
//! empty for all of them together) or a baseline's policy (`random`, `doctrine`).

use std::fmt::Write;

use super::Series;
use crate::export::text::csv_cell;

pub const HEADER: &str = "section,games,session,team,id,turn,metric,value";

/// Where a value belongs: every column but `metric` and `value`.
#[derive(Clone, Copy)]
struct At<'a> {
    section: &'a str,
    games: &'a str,
    session: &'a str,
    team: &'a str,
    id: &'a str,
    turn: Option<usize>,
}

impl<'a> At<'a> {
    fn new(section: &'a str, games: &'a str) -> At<'a> {
        At {
            section,
            games,
            session: "",
            team: "",
            id: "",
            turn: None,
        }
    }
    fn session(self, session: &'a str) -> At<'a> {
        At { session, ..self }
    }
    fn team(self, team: &'a str) -> At<'a> {
        At { team, ..self }
    }
    fn id(self, id: &'a str) -> At<'a> {
        At { id, ..self }
    }
    fn turn(self, turn: usize) -> At<'a> {
        At {
            turn: Some(turn),
            ..self
        }
    }
}

struct Rows(String);

impl Rows {
    fn put(&mut self, at: At, metric: &str, value: &str) {
        let _ = writeln!(
            self.0,
            "{},{},{},{},{},{},{metric},{}",
            at.section,
            csv_cell(at.games),
            csv_cell(at.session),
            csv_cell(at.team),
            csv_cell(at.id),
            at.turn.map(|t| t.to_string()).unwrap_or_default(),
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
        let at = At::new("session", all).session(&x.id);
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
            r.put(at, metric, &value);
        }
        for (team, names) in x.player_names.iter().flatten() {
            for name in names {
                r.put(at.team(team), "player", name);
            }
        }
    }
    for e in &s.endings {
        let at = At::new("ending", all).id(&e.reason);
        r.put(at, "sessions", &n(e.sessions));
        r.put(at, "share", &n(e.share));
        for (p, share) in &e.baseline {
            r.put(At { games: p, ..at }, "share", &n(share));
        }
    }
    for t in &s.teams {
        for o in &t.options {
            let at = At::new("option", all).team(&t.team).id(&o.id);
            for (x, c) in s.sessions.iter().zip(&o.by_session) {
                if c.chosen > 0 {
                    r.put(at.session(&x.id), "chosen", &n(c.chosen));
                    r.put(at.session(&x.id), "succeeded", &n(c.succeeded));
                }
            }
            r.put(at, "chosen", &n(o.chosen));
            r.put(at, "succeeded", &n(o.succeeded));
            if let Some(rate) = o.success_rate {
                r.put(at, "success_rate", &n(rate));
            }
            r.put(at, "per_game", &n(o.per_game));
            r.put(at, "share", &n(o.share));
            for (p, b) in &o.baseline {
                let base = At { games: p, ..at };
                r.put(base, "per_game", &n(b.per_game));
                r.put(base, "share", &n(b.share));
                if let Some(rate) = b.success_rate {
                    r.put(base, "success_rate", &n(rate));
                }
            }
        }
    }
    for f in &s.flags {
        let at = At::new("flag", all)
            .team(f.owner.as_deref().unwrap_or(""))
            .id(&f.id);
        for (x, reached) in s.sessions.iter().zip(&f.by_session) {
            r.put(at.session(&x.id), "reached", &n(u8::from(*reached)));
        }
        r.put(at, "share", &n(f.share));
        for (p, share) in &f.baseline {
            r.put(At { games: p, ..at }, "share", &n(share));
        }
    }
    for i in &s.indicators {
        let at = At::new("indicator", all).id(&i.id);
        for (x, line) in s.sessions.iter().zip(&i.by_session) {
            for (turn, v) in line.iter().enumerate() {
                r.put(at.session(&x.id).turn(turn), "value", &n(v));
            }
        }
        for (p, line) in &i.baseline {
            for (turn, v) in line.iter().enumerate() {
                r.put(At { games: p, ..at }.turn(turn), "mean", &n(v));
            }
        }
    }
    for o in &s.objectives {
        let at = At::new("objective", all).team(&o.team).id(&o.id);
        for (x, met) in s.sessions.iter().zip(&o.by_session) {
            r.put(at.session(&x.id), "met", &n(u8::from(*met)));
        }
        r.put(at, "share", &n(o.share));
        for (p, share) in &o.baseline {
            r.put(At { games: p, ..at }, "share", &n(share));
        }
    }
    for q in &s.debrief {
        let sessions = s.sessions.iter().map(|x| x.id.as_str());
        for (session, st) in sessions
            .zip(&q.by_session)
            .chain(std::iter::once(("", &q.all)))
        {
            let Some(st) = st else { continue };
            let at = At::new("debrief", all).session(session).id(&q.question);
            r.put(at, "answers", &n(st.answers));
            r.put(at, "mean", &n(st.mean));
            for (v, c) in st.counts.iter().enumerate() {
                r.put(at, &format!("count_{}", v + 1), &n(c));
            }
        }
    }
    for b in &s.baselines {
        let at = At::new("baseline", &b.policy);
        for (metric, value) in [
            ("seed", n(b.seed)),
            ("runs", n(b.runs)),
            ("turns", n(b.turns)),
            ("turns_mean", n(b.turns_mean)),
            ("state_hashes_digest", b.state_hashes_digest.clone()),
        ] {
            r.put(at, metric, &value);
        }
        for (team, doctrine) in b.doctrines.iter().flatten() {
            r.put(at.team(team), "doctrine", doctrine);
        }
    }
    r.0
}
