//! The simulated baselines: `engine::simulate_with` for the series' scenario and
//! turns, by policy `random` and, when some team has doctrines, `doctrine`. A
//! fixed seed and run count make them reproducible; the report shows both.

use std::sync::Arc;

use super::{Baseline, Options, SeriesError};
use crate::engine::{Policy, SimOptions, Summary, simulate_with};
use crate::scenario::Scenario;

/// One baseline: what the report says of it, and the runs' summary.
pub(super) struct Run {
    pub policy: String,
    pub info: Baseline,
    pub summary: Summary,
}

/// The baselines for `turns` turns (none with `runs` 0).
pub(super) fn run(
    scenario: &Arc<Scenario>,
    turns: u32,
    opts: &Options,
) -> Result<Vec<Run>, SeriesError> {
    if opts.runs == 0 {
        return Ok(Vec::new());
    }
    if opts.runs > super::MAX_RUNS {
        return Err(SeriesError::TooManyRuns(opts.runs));
    }
    let mut policies = vec!["random"];
    if scenario.teams.iter().any(|t| !t.doctrines.is_empty()) {
        policies.push("doctrine");
    }
    policies
        .into_iter()
        .map(|spec| {
            let policy = Policy::parse(scenario, spec).map_err(SeriesError::Baseline)?;
            let sim = SimOptions {
                policy,
                policy_spec: Some(spec.to_string()),
                inject: Vec::new(),
            };
            let summary = simulate_with(scenario.clone(), opts.seed, turns, opts.runs, &sim)
                .map_err(|e| SeriesError::Baseline(e.to_string()))?;
            Ok(Run {
                policy: spec.to_string(),
                info: Baseline {
                    policy: spec.to_string(),
                    doctrines: summary.doctrines.clone(),
                    seed: summary.seed,
                    runs: summary.runs,
                    turns: summary.turns,
                    turns_mean: summary.turns_played_mean,
                    state_hashes_digest: summary.state_hashes_digest.clone(),
                },
                summary,
            })
        })
        .collect()
}
