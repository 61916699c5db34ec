//! The series as sections of plain-text tables, which the Markdown and HTML
//! render alike (each escaping for itself); the HTML adds the charts.

use super::words::{baselines_sentence, count, num, pct, policies, rate, tick};
use super::{IndicatorRow, Series};

pub struct Table {
    pub head: Vec<String>,
    /// By column: right-aligned numbers.
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

pub enum Part {
    Heading(String),
    Text(String),
    Table(Table),
    /// One indicator's trajectories: a chart in HTML, a table by turn in Markdown.
    Trajectories(usize),
}

pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub parts: Vec<Part>,
}

impl Table {
    /// Text columns first (`text` of them), the rest numbers.
    fn new(head: Vec<String>, text: usize) -> Table {
        let numeric = (0..head.len()).map(|i| i >= text).collect();
        Table {
            head,
            numeric,
            rows: Vec::new(),
        }
    }
}

fn labels(s: &Series) -> Vec<String> {
    s.sessions.iter().map(|x| x.label.clone()).collect()
}

pub fn sections(s: &Series) -> Vec<Section> {
    let mut out = vec![sessions(s), endings(s), options(s), flags(s), indicators(s)];
    if !s.objectives.is_empty() {
        out.push(objectives(s));
    }
    if !s.debrief.is_empty() {
        out.push(debrief(s));
    }
    out.push(baselines(s));
    out
}

fn sessions(s: &Series) -> Section {
    let mut head: Vec<String> = ["Session", "Title", "Created (UTC)", "Ending"]
        .map(String::from)
        .to_vec();
    head.extend(["Turns", "Seats"].map(String::from));
    let mut t = Table::new(head, 4);
    if s.names {
        t.head.push("Players".into());
        t.numeric.push(false);
    }
    for x in &s.sessions {
        let mut row = vec![
            format!("{} ({})", x.label, x.id),
            x.title.clone(),
            x.created.clone(),
            x.ending.as_ref().map_or_else(
                || format!("not finished ({})", x.phase),
                |e| e.title.clone(),
            ),
            format!("{} of {}", x.turns, x.max_turns),
            x.players.to_string(),
        ];
        if let Some(names) = &x.player_names {
            row.push(
                names
                    .iter()
                    .map(|(team, list)| format!("{team}: {}", list.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        t.rows.push(row);
    }
    let mut parts: Vec<Part> = s.notes.iter().cloned().map(Part::Text).collect();
    parts.push(Part::Table(t));
    Section {
        id: "sessions",
        title: "Sessions",
        parts,
    }
}

fn endings(s: &Series) -> Section {
    let mut head = vec!["Ending".to_string(), "Sessions".into(), "Share".into()];
    let pol = policies(s);
    head.extend(pol.iter().map(|(_, h)| h.clone()));
    let mut t = Table::new(head, 1);
    for e in &s.endings {
        let mut row = vec![e.title.clone(), e.sessions.to_string(), pct(e.share)];
        row.extend(
            pol.iter()
                .map(|(p, _)| e.baseline.get(*p).map_or_else(|| pct(0.0), |v| pct(*v))),
        );
        t.rows.push(row);
    }
    let turns: Vec<String> = s
        .baselines
        .iter()
        .map(|b| format!("{} {}", b.policy, num(b.turns_mean)))
        .collect();
    let mut parts = vec![Part::Table(t)];
    if !turns.is_empty() {
        parts.push(Part::Text(format!(
            "Mean turns played: sessions {}; simulated {}.",
            num(super::model::round3(
                s.sessions.iter().map(|x| f64::from(x.turns)).sum::<f64>()
                    / s.sessions.len().max(1) as f64
            )),
            turns.join(", ")
        )));
    }
    Section {
        id: "endings",
        title: "Endings",
        parts,
    }
}

fn options(s: &Series) -> Section {
    let pol = policies(s);
    let mut parts = vec![Part::Text(
        "Each session's cell: succeeded/chosen (the result that counts, overrides included). Per game: mean times chosen; games: share of games that chose it at least once.".to_string(),
    )];
    for team in &s.teams {
        let mut head = vec!["Option".to_string()];
        head.extend(labels(s));
        head.extend(["Chosen", "Success", "Per game", "Games"].map(String::from));
        for (_, h) in &pol {
            head.push(format!("{h}: per game"));
            head.push(format!("{h}: games"));
            head.push(format!("{h}: success"));
        }
        let mut t = Table::new(head, 1);
        for o in &team.options {
            let mut row = vec![o.title.clone()];
            row.extend(o.by_session.iter().map(count));
            row.extend([
                o.chosen.to_string(),
                rate(o.success_rate),
                num(o.per_game),
                pct(o.share),
            ]);
            for (p, _) in &pol {
                match o.baseline.get(*p) {
                    Some(b) => row.extend([num(b.per_game), pct(b.share), rate(b.success_rate)]),
                    None => row.extend([String::new(), String::new(), String::new()]),
                }
            }
            t.rows.push(row);
        }
        parts.push(Part::Heading(team.name.clone()));
        parts.push(Part::Table(t));
    }
    Section {
        id: "options",
        title: "Options by team",
        parts,
    }
}

fn flags(s: &Series) -> Section {
    let pol = policies(s);
    let mut head = vec!["Flag".to_string()];
    head.extend(labels(s));
    head.push("Games".into());
    head.extend(pol.iter().map(|(_, h)| h.clone()));
    let mut t = Table::new(head, 1);
    for f in &s.flags {
        let name = match &f.owner {
            Some(team) => format!("{} (secret: {team})", f.name),
            None => f.name.clone(),
        };
        let mut row = vec![name];
        row.extend(f.by_session.iter().map(|b| tick(*b).to_string()));
        row.push(pct(f.share));
        row.extend(
            pol.iter()
                .map(|(p, _)| f.baseline.get(*p).map_or_else(String::new, |v| pct(*v))),
        );
        t.rows.push(row);
    }
    Section {
        id: "flags",
        title: "Flags reached",
        parts: vec![
            Part::Text(
                "A flag counts once it was set at any time in a game (set at the start included)."
                    .into(),
            ),
            Part::Table(t),
        ],
    }
}

fn indicators(s: &Series) -> Section {
    let pol = policies(s);
    let mut parts = Vec::new();
    let mut head = vec!["Indicator".to_string(), "Start".into()];
    head.extend(labels(s));
    head.push("Mean".into());
    head.extend(pol.iter().map(|(_, h)| h.clone()));
    let mut t = Table::new(head, 1);
    for ind in &s.indicators {
        let mut row = vec![ind.name.clone(), ind.start.to_string()];
        row.extend(
            ind.by_session
                .iter()
                .map(|l| l.last().copied().unwrap_or(ind.start).to_string()),
        );
        row.push(num(ind.final_mean));
        row.extend(pol.iter().map(|(p, _)| {
            ind.baseline
                .get(*p)
                .and_then(|l| l.last())
                .map_or_else(String::new, |v| num(*v))
        }));
        t.rows.push(row);
    }
    parts.push(Part::Text(
        "Values at the end of the last turn each game played; simulated: the mean at the end of the simulated turns.".into(),
    ));
    parts.push(Part::Table(t));
    for (i, ind) in s.indicators.iter().enumerate() {
        parts.push(Part::Heading(format!(
            "{} ({} to {})",
            ind.name, ind.min, ind.max
        )));
        parts.push(Part::Trajectories(i));
    }
    Section {
        id: "indicators",
        title: "Indicators",
        parts,
    }
}

/// One indicator by turn, as a table: the sessions' values and the simulated means.
pub fn by_turn(s: &Series, ind: &IndicatorRow) -> Table {
    let pol = policies(s);
    let mut head = vec!["Turn".to_string()];
    head.extend(labels(s));
    head.extend(pol.iter().map(|(_, h)| format!("{h}: mean")));
    let mut t = Table::new(head, 0);
    let turns = ind
        .by_session
        .iter()
        .map(Vec::len)
        .chain(ind.baseline.values().map(Vec::len))
        .max()
        .unwrap_or(0);
    for turn in 0..turns {
        let mut row = vec![turn.to_string()];
        row.extend(
            ind.by_session
                .iter()
                .map(|l| l.get(turn).map_or_else(String::new, i64::to_string)),
        );
        row.extend(pol.iter().map(|(p, _)| {
            ind.baseline
                .get(*p)
                .and_then(|l| l.get(turn))
                .map_or_else(String::new, |v| num(*v))
        }));
        t.rows.push(row);
    }
    t
}

fn objectives(s: &Series) -> Section {
    let pol = policies(s);
    let mut head = vec!["Team".to_string(), "Objective".into()];
    head.extend(labels(s));
    head.push("Games".into());
    head.extend(pol.iter().map(|(_, h)| h.clone()));
    let mut t = Table::new(head, 2);
    for o in &s.objectives {
        let team = s
            .teams
            .iter()
            .find(|t| t.team == o.team)
            .map_or(o.team.as_str(), |t| t.name.as_str());
        let text = if o.text.is_empty() { &o.id } else { &o.text };
        let mut row = vec![team.to_string(), text.clone()];
        row.extend(o.by_session.iter().map(|b| tick(*b).to_string()));
        row.push(pct(o.share));
        row.extend(
            pol.iter()
                .map(|(p, _)| o.baseline.get(*p).map_or_else(String::new, |v| pct(*v))),
        );
        t.rows.push(row);
    }
    Section {
        id: "objectives",
        title: "Objectives met",
        parts: vec![
            Part::Text("Whether each objective held on the game's final board.".into()),
            Part::Table(t),
        ],
    }
}

fn debrief(s: &Series) -> Section {
    let mut head = vec!["Question".to_string()];
    head.extend(labels(s));
    head.extend(["All", "1", "2", "3", "4", "5"].map(String::from));
    let mut t = Table::new(head, 1);
    let cell = |st: &Option<super::ScaleStats>| {
        st.as_ref().map_or_else(String::new, |st| {
            format!("{} (n={})", num(st.mean), st.answers)
        })
    };
    for q in &s.debrief {
        let mut row = vec![q.text.clone()];
        row.extend(q.by_session.iter().map(cell));
        row.push(cell(&q.all));
        let counts = q.all.as_ref().map_or([0; 5], |a| a.counts);
        row.extend(counts.iter().map(u32::to_string));
        t.rows.push(row);
    }
    Section {
        id: "debrief",
        title: "Debrief scales",
        parts: vec![
            Part::Text("Mean answer (1-5) and how many answered, per session; then all sessions' answers by value.".into()),
            Part::Table(t),
        ],
    }
}

fn baselines(s: &Series) -> Section {
    let mut parts = vec![Part::Text(baselines_sentence(s))];
    if !s.baselines.is_empty() {
        let mut t = Table::new(
            [
                "Policy",
                "Teams",
                "Runs",
                "Seed",
                "Turns",
                "Mean turns",
                "State hashes",
            ]
            .map(String::from)
            .to_vec(),
            2,
        );
        t.numeric[6] = false;
        for b in &s.baselines {
            let teams = b.doctrines.as_ref().map_or_else(
                || "random legal choices".to_string(),
                |d| {
                    d.iter()
                        .map(|(t, d)| format!("{t}: {d}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            );
            t.rows.push(vec![
                b.policy.clone(),
                teams,
                b.runs.to_string(),
                b.seed.to_string(),
                b.turns.to_string(),
                num(b.turns_mean),
                b.state_hashes_digest[..b.state_hashes_digest.len().min(16)].to_string(),
            ]);
        }
        parts.push(Part::Table(t));
    }
    Section {
        id: "baselines",
        title: "Simulated baselines",
        parts,
    }
}
