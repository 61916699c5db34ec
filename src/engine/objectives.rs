//! Team objectives: a team's private aims, shown in its briefing and scored on the
//! true board once the session has ended (weighted: `score` of `max`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::state::{State, World};
use super::types::{Phase, Viewer};
use crate::scenario::{Scenario, all_hold};

/// One objective as a seat sees it in its snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveView {
    pub team: Arc<str>,
    pub id: Arc<str>,
    pub text: String,
    pub weight: u32,
    /// Whether it was met: only once the session has ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
}

/// A team's weighted score: the weights of its met objectives, of `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    pub score: u32,
    pub max: u32,
}

/// For each of team `t`'s objectives, whether it holds on `world`.
pub fn objectives_met(s: &Scenario, world: &World, t: usize) -> Vec<bool> {
    s.teams.get(t).map_or_else(Vec::new, |team| {
        team.objectives
            .iter()
            .map(|o| all_hold(&o.when, &world.indicators, &world.flags))
            .collect()
    })
}

/// Team `t`'s weighted score on `world`.
pub fn score_of(s: &Scenario, world: &World, t: usize) -> Score {
    let Some(team) = s.teams.get(t) else {
        return Score { score: 0, max: 0 };
    };
    let met = objectives_met(s, world, t);
    Score {
        score: team
            .objectives
            .iter()
            .zip(met)
            .filter(|(_, m)| *m)
            .map(|(o, _)| o.weight)
            .sum(),
        max: team.objectives.iter().map(|o| o.weight).sum(),
    }
}

/// The teams whose objectives this viewer may read: its own, or (White Cell) all.
fn teams_for(s: &Scenario, viewer: &Viewer) -> Vec<usize> {
    match viewer {
        Viewer::Facilitator => (0..s.teams.len()).collect(),
        Viewer::Team(t) => s.team_index(t).into_iter().collect(),
        Viewer::Observer => Vec::new(),
    }
}

/// The snapshot's `objectives`: texts and weights, and `met` once the game is over.
pub(crate) fn view_objectives(state: &State, viewer: &Viewer) -> Vec<ObjectiveView> {
    let s = state.scenario.as_ref();
    let ended = state.phase == Phase::Ended;
    let mut out = Vec::new();
    for t in teams_for(s, viewer) {
        let team = &s.teams[t];
        let met = ended.then(|| objectives_met(s, &state.world, t));
        for (k, o) in team.objectives.iter().enumerate() {
            out.push(ObjectiveView {
                team: team.id.clone(),
                id: o.id.clone(),
                text: o.text.clone(),
                weight: o.weight,
                met: met.as_ref().and_then(|m| m.get(k).copied()),
            });
        }
    }
    out
}

/// The snapshot's `scores`, by team id: only once the session has ended.
pub(crate) fn view_scores(state: &State, viewer: &Viewer) -> BTreeMap<Arc<str>, Score> {
    let s = state.scenario.as_ref();
    if state.phase != Phase::Ended {
        return BTreeMap::new();
    }
    teams_for(s, viewer)
        .into_iter()
        .filter(|t| !s.teams[*t].objectives.is_empty())
        .map(|t| (s.teams[t].id.clone(), score_of(s, &state.world, t)))
        .collect()
}
