//! Words and numbers as the Markdown and HTML series print them.

use super::{Count, Series};

/// A share as a whole percentage: `0.667` -> `67%`.
pub fn pct(share: f64) -> String {
    format!("{}%", (share * 100.0).round() as i64)
}

/// An optional rate as a percentage, or a dash.
pub fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "\u{2013}".to_string(), pct)
}

/// A session's cell for an option: `succeeded/chosen`, empty when never chosen.
pub fn count(c: &Count) -> String {
    if c.chosen == 0 {
        String::new()
    } else {
        format!("{}/{}", c.succeeded, c.chosen)
    }
}

pub fn tick(b: bool) -> &'static str {
    if b { "\u{2713}" } else { "" }
}

/// The baselines' policies in the report's order, with their column headings.
pub fn policies(s: &Series) -> Vec<(&str, String)> {
    s.baselines
        .iter()
        .map(|b| (b.policy.as_str(), format!("Simulated {}", b.policy)))
        .collect()
}

/// A plain number without trailing zeros: `3`, `2.5`, `0.333`.
pub fn num(x: f64) -> String {
    format!("{x}")
}

/// One sentence on what the series compares.
pub fn scope(s: &Series) -> String {
    let n = s.sessions.len();
    let what = match &s.selection {
        super::Selection::Scenario(_) => "every started session of the scenario",
        super::Selection::Sessions(_) => "the sessions listed",
    };
    format!(
        "{n} {} ({what}), scenario `{}` version {}.",
        if n == 1 { "session" } else { "sessions" },
        s.scenario.id,
        &s.scenario.digest[..s.scenario.digest.len().min(12)]
    )
}

/// What the simulated baselines are, in one sentence.
pub fn baselines_sentence(s: &Series) -> String {
    match s.baselines.first() {
        None => "No simulated baselines (--runs 0).".to_string(),
        Some(b) => format!(
            "Simulated baselines: {} games per policy ({}), {} turns, seed {}; every run goes through the engine's rules like a live session.",
            b.runs,
            s.baselines
                .iter()
                .map(|b| b.policy.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
            b.turns,
            b.seed
        ),
    }
}
