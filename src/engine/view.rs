//! Per-viewer visibility, in one place. Snapshots ([`view`]), live events
//! ([`visible`]) and exports all go through these functions.
//!
//! Rules:
//! - Drafts and rationales: own team and facilitator only, until published.
//! - Dice during adjudication, overrides, skipped script entries: facilitator only.
//! - Published overt choices: everyone (with rationale and override note, unless the
//!   session keeps rationales private). Covert choices: owner and facilitator; other
//!   seats see them only if detected, and never their rationale or override note.
//! - Targeted injects: the teams they were sent to and the facilitator.
//! - Secret flags (scenario flags with an `owner`): their owner and the facilitator.
//!   Wherever an event names flags (a choice's or an inject's `set` and `clear`, a
//!   phase change's `lapsed` and `lapsed_secret`), other seats get the list without
//!   them; the snapshot's `flags` leaves them out.
//! - Other teams' player ids on an event's actor: blanked.
//! - Private notes: facilitator only. The seed and the dice stream position: facilitator only.
//! - The after-action record (report settings, strengths and areas for improvement,
//!   the conclusion, the improvement plan): facilitator only (`aar.rs`).
//! - Negotiation: messages and channel changes reach the channel's members (every
//!   seat for a public channel); agreement proposals, answers and results reach the
//!   parties (every seat for a public agreement); an applied agreement reaches
//!   everyone, its `set` and `clear` without others' secret flags. A message's
//!   author's player id is blanked for seats outside the author's team.
//! - Indicator values (fog, `fog.rs`): a team sees its own board and observers the public
//!   one, in the snapshot (`indicators`, `history`) and in `phase_changed.indicators`;
//!   the other boards (`public`, `beliefs`) are the facilitator's. After the end, the truth.
//! - A revealed covert choice (`covert_revealed`): everyone, as if detected.
//! - Objectives: the team's own, every team's for the facilitator, none for observers.
//! - Bots: every seat sees that a bot holds a seat and which submissions and published
//!   choices are a bot's; the doctrine only the team and the White Cell (and, in a
//!   published choice, whoever may read its rationale, which names it).
//!
//! [`visible`] names every event kind and [`redact_actor`] every actor: a new kind
//! does not compile until someone decides who may see it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::decide::describe_condition;
use super::negotiation::{Agreement, Message};
use super::negotiation_view::{
    ChannelView, agreements_view, channels_view, messages_view, reads_agreement, reads_channel,
    redact_speaker,
};
use super::state::*;
use super::types::*;
use crate::scenario::Scenario;

fn is_facilitator(v: &Viewer) -> bool {
    matches!(v, Viewer::Facilitator)
}

fn is_team(v: &Viewer, team: &str) -> bool {
    matches!(v, Viewer::Team(t) if t == team)
}

/// Whether this viewer may see flag `id`. An id the scenario does not know is
/// treated as secret.
fn sees_flag(s: &Scenario, id: &str, viewer: &Viewer) -> bool {
    is_facilitator(viewer)
        || s.flags
            .iter()
            .position(|f| &*f.id == id)
            .is_some_and(|ix| s.flag_visible_to(ix, viewer.team(), false))
}

/// The flag ids of `ids` this viewer may see.
fn seen_flags(s: &Scenario, ids: &[Arc<str>], viewer: &Viewer) -> Vec<Arc<str>> {
    ids.iter()
        .filter(|id| sees_flag(s, id, viewer))
        .cloned()
        .collect()
}

/// A published choice as this viewer may see it, or `None`.
pub fn redact_resolution(s: &Scenario, r: &Resolution, viewer: &Viewer) -> Option<Resolution> {
    if is_facilitator(viewer) {
        return Some(r.clone());
    }
    let mut r = if is_team(viewer, &r.team) {
        r.clone()
    } else if !r.covert {
        let mut r = r.clone();
        if r.rationale_private {
            // The White Cell's reason for an override often answers the rationale,
            // so it stays with the team too; the overridden result stays public.
            // A bot's doctrine is as private as the rationale that names it.
            r.rationale = None;
            r.note = None;
            r.doctrine = None;
        }
        r
    } else if r.detection.as_ref().is_some_and(|d| d.detected) || r.revealed {
        let mut r = r.clone();
        r.rationale = None;
        r.note = None;
        r.doctrine = None;
        r
    } else {
        return None;
    };
    r.set = seen_flags(s, &r.set, viewer);
    r.clear = seen_flags(s, &r.clear, viewer);
    Some(r)
}

pub fn can_see_inject(inject: &Inject, viewer: &Viewer) -> bool {
    inject.to.is_empty()
        || is_facilitator(viewer)
        || matches!(viewer, Viewer::Team(t) if inject.to.iter().any(|x| **x == **t))
}

/// An inject as this viewer may see it, or `None` when it was not sent to them.
pub fn redact_inject(s: &Scenario, inject: &Inject, viewer: &Viewer) -> Option<Inject> {
    if !can_see_inject(inject, viewer) {
        return None;
    }
    let mut inject = inject.clone();
    if !is_facilitator(viewer) {
        inject.set = seen_flags(s, &inject.set, viewer);
        inject.clear = seen_flags(s, &inject.clear, viewer);
    }
    Some(inject)
}

/// The event as this viewer may see it, or `None` when it must not reach them.
/// `s` is the session's scenario: it says which flags are whose secret.
pub fn visible(s: &Scenario, event: &Event, viewer: &Viewer) -> Option<Event> {
    // With `anonymous_debrief`, who answered is kept apart from the answers, even
    // from the White Cell, which counts the answers instead.
    if let EventBody::DebriefRespondent { .. } = event.body {
        return None;
    }
    if is_facilitator(viewer) {
        return Some(event.clone());
    }
    let body = match &event.body {
        EventBody::SessionCreated {
            scenario,
            scenario_digest,
            title,
            seed: _,
            max_turns,
            auto_advance,
            private_rationales,
            time_zone,
            team_leads,
            player_odds,
            anonymous_debrief,
            scope: _,
            sponsor: _,
            point_of_contact: _,
            forked_from,
        } => EventBody::SessionCreated {
            scenario: scenario.clone(),
            scenario_digest: scenario_digest.clone(),
            title: title.clone(),
            seed: None,
            max_turns: *max_turns,
            auto_advance: *auto_advance,
            private_rationales: *private_rationales,
            time_zone: time_zone.clone(),
            team_leads: *team_leads,
            player_odds: *player_odds,
            anonymous_debrief: *anonymous_debrief,
            // The report's settings are the White Cell's.
            scope: None,
            sponsor: None,
            point_of_contact: None,
            // Where the session came from is no secret: every seat is told.
            forked_from: forked_from.clone(),
        },
        // Names and seats are shown to every seat in the lobby.
        EventBody::PlayerJoined { .. } => event.body.clone(),
        // Fog: each seat gets its own board; only the White Cell sees the others'.
        EventBody::PhaseChanged {
            from,
            lapsed,
            lapsed_secret,
            indicators,
            public,
            beliefs,
        } => EventBody::PhaseChanged {
            from: *from,
            lapsed: seen_flags(s, lapsed, viewer),
            lapsed_secret: seen_flags(s, lapsed_secret, viewer),
            indicators: match viewer {
                Viewer::Team(t) => super::fog::overlaid(indicators, beliefs.get(t.as_str())),
                _ => super::fog::overlaid(indicators, Some(public)),
            },
            public: BTreeMap::new(),
            beliefs: BTreeMap::new(),
        },
        // A revealed covert choice is public from then on.
        EventBody::CovertRevealed { .. } => event.body.clone(),
        EventBody::ChoicesSubmitted { team, .. } if is_team(viewer, team) => event.body.clone(),
        // Other seats learn that the team submitted, and whether a bot did; never
        // what, nor the bot's doctrine.
        EventBody::ChoicesSubmitted { team, bot, .. } => EventBody::ChoicesSubmitted {
            team: team.clone(),
            choices: Vec::new(),
            cost: None,
            revision: None,
            redacted: true,
            bot: *bot,
            doctrine: None,
        },
        // Whether a bot holds a seat is public (the consoles mark it); which
        // doctrine it plays is the team's and the White Cell's.
        EventBody::BotSet { team, .. } if is_team(viewer, team) => event.body.clone(),
        EventBody::BotSet { team, bot, .. } => EventBody::BotSet {
            team: team.clone(),
            bot: *bot,
            doctrine: None,
        },
        EventBody::EventInjected { inject } => EventBody::EventInjected {
            inject: redact_inject(s, inject, viewer)?,
        },
        EventBody::ScriptSkipped { .. }
        | EventBody::DiceRolled { .. }
        | EventBody::OutcomeOverridden { .. } => return None,
        EventBody::ChoiceResolved(r) => EventBody::ChoiceResolved(redact_resolution(s, r, viewer)?),
        // A trigger names itself and its catalog event, never a flag; the inject it
        // fires is filtered on its own.
        EventBody::TriggerFired { .. } => event.body.clone(),
        EventBody::NoteAdded { public: true, .. } => event.body.clone(),
        EventBody::NoteAdded { public: false, .. } => return None,
        // The after-action record (report settings, conclusion, improvement plan)
        // is the White Cell's.
        EventBody::ReportInfoSet(_)
        | EventBody::ConclusionSet { .. }
        | EventBody::PlanItemSet(_)
        | EventBody::PlanItemRemoved { .. } => return None,
        EventBody::TimerSet { .. }
        | EventBody::TimerExpired {}
        | EventBody::SessionEnded { .. } => event.body.clone(),
        // Negotiation: a channel's members (everyone for a public channel); an
        // agreement's parties (everyone for a public one); what an accepted
        // agreement did to the board, everyone, without others' secret flags.
        EventBody::MessagePosted {
            channel,
            text,
            from,
        } => {
            if !s.channel(channel).is_some_and(|c| reads_channel(c, viewer)) {
                return None;
            }
            EventBody::MessagePosted {
                channel: channel.clone(),
                text: text.clone(),
                from: redact_speaker(from, viewer),
            }
        }
        EventBody::ChannelChanged { channel, .. } => {
            if !s.channel(channel).is_some_and(|c| reads_channel(c, viewer)) {
                return None;
            }
            event.body.clone()
        }
        EventBody::AgreementProposed(p) if reads_agreement(&p.parties, p.public, viewer) => {
            event.body.clone()
        }
        EventBody::AgreementResponded(r) if reads_agreement(&r.parties, r.public, viewer) => {
            event.body.clone()
        }
        EventBody::AgreementResolved(r) if reads_agreement(&r.parties, r.public, viewer) => {
            event.body.clone()
        }
        EventBody::AgreementProposed(_)
        | EventBody::AgreementResponded(_)
        | EventBody::AgreementResolved(_) => return None,
        // Teamwork: a team's live draft and lead are its own and the White Cell's;
        // undoing an override is the White Cell's, like the override.
        EventBody::DraftEdited { team, .. } | EventBody::LeadChanged { team, .. }
            if is_team(viewer, team) =>
        {
            event.body.clone()
        }
        EventBody::DraftEdited { .. }
        | EventBody::LeadChanged { .. }
        | EventBody::OverrideUndone { .. } => return None,
        // The debrief's answers, and who gave them, are the White Cell's; that it
        // closed is everyone's. (`debrief_respondent` never reaches even the White Cell.)
        EventBody::DebriefSubmitted(_) | EventBody::DebriefRespondent { .. } => return None,
        EventBody::DebriefClosed {} => event.body.clone(),
        EventBody::AgreementApplied(a) => {
            let mut a = a.clone();
            a.set = seen_flags(s, &a.set, viewer);
            a.clear = seen_flags(s, &a.clear, viewer);
            EventBody::AgreementApplied(a)
        }
    };
    Some(Event {
        seq: event.seq,
        at: event.at,
        turn: event.turn,
        phase: event.phase,
        actor: redact_actor(&event.actor, viewer),
        body,
    })
}

/// Who acted, as this viewer may know it: other seats' player ids are blanked.
fn redact_actor(actor: &Actor, viewer: &Viewer) -> Actor {
    match actor {
        Actor::Facilitator => Actor::Facilitator,
        Actor::System => Actor::System,
        Actor::Team { team, player } => Actor::Team {
            team: team.clone(),
            player: if is_team(viewer, team) || is_facilitator(viewer) {
                player.clone()
            } else {
                String::new()
            },
        },
        Actor::Observer { player } => Actor::Observer {
            player: if is_facilitator(viewer) {
                player.clone()
            } else {
                String::new()
            },
        },
    }
}

/// Whether an option can be chosen now, and if not, why (in words).
#[derive(Debug, Clone, Serialize)]
pub struct OptionStatus {
    pub option: Arc<str>,
    pub available: bool,
    pub unmet: Vec<String>,
    /// Success chance if rolled on the current board (facilitator view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<i64>,
    /// The odds as this team may see them, with the session option `player_odds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odds: Option<super::teamwork::PlayerOddsView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamStatus {
    pub team: Arc<str>,
    pub name: String,
    pub submitted: bool,
    pub players: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_submit: Option<i64>,
    /// A bot holds the team's seat.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    /// The bot's doctrine: for the team itself and the White Cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctrine: Option<Arc<str>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub turn: u32,
    pub indicators: BTreeMap<Arc<str>, i64>,
}

/// The whole session as one seat may see it (the body of a `snapshot` frame).
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub role: &'static str,
    pub team: Option<String>,
    pub scenario: String,
    pub title: String,
    pub turn: u32,
    pub max_turns: u32,
    pub phase: Phase,
    pub seq: u64,
    pub indicators: BTreeMap<Arc<str>, i64>,
    pub flags: BTreeMap<Arc<str>, bool>,
    pub history: Vec<HistoryRow>,
    pub teams: Vec<TeamStatus>,
    pub players: Vec<Player>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<u32>,
    /// This team's own draft for the current turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<Draft>,
    /// Every team's draft (facilitator only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drafts: Option<BTreeMap<String, Draft>>,
    /// Rolled choices awaiting publication (facilitator only, adjudication phase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Vec<Rolled>>,
    pub options: Vec<OptionStatus>,
    pub choices: Vec<TurnChoice>,
    pub injects: Vec<Inject>,
    pub notes: Vec<Note>,
    pub timer: Option<Timer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<Vec<ScriptView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub auto_advance: bool,
    /// Whether overt choices' rationales stay with their team after publication.
    pub private_rationales: bool,
    pub ended: Option<Ending>,
    /// The negotiation channels this seat may read.
    pub channels: Vec<ChannelView>,
    /// Their messages, oldest first (the last few hundred of each channel).
    pub messages: Vec<Message>,
    /// The agreements this seat may see, with their answers and status.
    pub agreements: Vec<Agreement>,
    /// Fog: what each team believes the board to be (White Cell only, while any
    /// seat's board differs from the truth and the session runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beliefs: Option<super::fog::Boards>,
    /// Team objectives: the team's own; the White Cell's, every team's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<super::objectives::ObjectiveView>,
    /// Weighted objective scores by team, once the session has ended.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<Arc<str>, super::objectives::Score>,
    /// Only each team's lead submits (absent when off).
    #[serde(skip_serializing_if = "super::is_false")]
    pub team_leads: bool,
    /// Team leads by team id: the team's own; the White Cell's, every team's.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub leads: BTreeMap<String, String>,
    /// What players see of their options' odds (absent when `none`).
    #[serde(skip_serializing_if = "PlayerOdds::is_none")]
    pub player_odds: PlayerOdds,
    /// This team's live draft for the current turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_draft: Option<LiveDraft>,
    /// Every team's live draft for the current turn (White Cell only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_drafts: Option<BTreeMap<String, LiveDraft>>,
    /// The hot-wash survey, once the session has ended (`debrief.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debrief: Option<super::DebriefView>,
    /// The after-action record: report settings, conclusion, improvement plan
    /// (White Cell only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_action: Option<super::aar::AfterAction>,
    /// The session this one was forked from, and the turn it restarted at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forked_from: Option<ForkedFrom>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScriptView {
    pub id: Arc<str>,
    pub turn: u32,
    pub title: Arc<str>,
    pub text: Arc<str>,
    pub from: Arc<str>,
    pub to: Vec<Arc<str>>,
    pub expected_action: String,
    pub status: Option<ScriptStatus>,
    /// Whether the entry's `when` holds on the board now (always, without one).
    pub applies: bool,
    /// The entry's `when`, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// Conditions in words, joined with "and".
pub fn describe_conditions(s: &Scenario, conds: &[crate::scenario::Condition]) -> String {
    conds
        .iter()
        .map(|c| describe_condition(s, c))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Availability of each option for one team on the current board.
pub fn option_status(
    s: &Scenario,
    state: &State,
    team: usize,
    with_odds: bool,
) -> Vec<OptionStatus> {
    let Some(t) = s.teams.get(team) else {
        return Vec::new();
    };
    t.options
        .iter()
        .map(|o| {
            let unmet: Vec<String> = o
                .requires
                .iter()
                .filter(|c| !c.holds(&state.world.indicators, &state.world.flags))
                .map(|c| format!("requires {}", describe_condition(s, c)))
                .collect();
            OptionStatus {
                option: o.id.clone(),
                available: unmet.is_empty(),
                unmet,
                target: with_odds
                    .then(|| super::repeat::odds_after(s, &state.world, &state.choices, o).2),
                odds: None,
            }
        })
        .collect()
}

/// The snapshot for one viewer.
pub fn view(state: &State, viewer: &Viewer) -> View {
    let s = state.scenario.as_ref();
    let fac = is_facilitator(viewer);
    let team_ix = viewer.team().and_then(|t| s.team_index(t));
    let teams = s
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let draft = state.drafts[i].as_ref().filter(|d| d.turn == state.turn);
            TeamStatus {
                team: t.id.clone(),
                name: t.name.clone(),
                submitted: draft.is_some(),
                players: state.players.iter().filter(|p| *p.team == *t.id).count(),
                last_submit: draft.map(|d| d.at),
                bot: state.bots.contains_key(&*t.id),
                doctrine: state
                    .bots
                    .get(&*t.id)
                    .filter(|_| fac || viewer.team() == Some(&*t.id))
                    .cloned(),
            }
        })
        .collect();
    // Fog lifts for everyone once the session has ended.
    let board = super::fog::Board::of(state);
    let seat = match viewer {
        _ if fac || state.phase == Phase::Ended || !board.active() => None,
        Viewer::Team(_) => team_ix.map(super::fog::Seat::Team),
        _ => Some(super::fog::Seat::Public),
    };
    let options = match (fac, team_ix) {
        (true, _) => (0..s.teams.len())
            .flat_map(|i| option_status(s, state, i, true))
            .collect(),
        (false, Some(i)) => {
            let mut list = option_status(s, state, i, false);
            if !state.player_odds.is_none() {
                // Odds on the board as this team sees it.
                let believed = match seat {
                    Some(seat) => board.believed(seat),
                    None => state.world.indicators.clone(),
                };
                for (o, def) in list.iter_mut().zip(&s.teams[i].options) {
                    o.odds = super::teamwork::team_odds(state, &s.teams[i].id, &believed, def);
                }
            }
            list
        }
        (false, None) => Vec::new(),
    };
    View {
        role: viewer.role(),
        team: viewer.team().map(str::to_string),
        scenario: state.scenario_id.clone(),
        title: state.title.clone(),
        turn: state.turn,
        max_turns: state.max_turns,
        phase: state.phase,
        seq: state.seq,
        indicators: match seat {
            Some(seat) => super::emit::indicator_map(s, &board.believed(seat)),
            None => state.indicator_map(),
        },
        flags: s
            .flags
            .iter()
            .enumerate()
            .filter(|(i, _)| s.flag_visible_to(*i, viewer.team(), fac))
            .map(|(i, f)| (f.id.clone(), state.world.flags[i]))
            .collect(),
        history: state
            .history
            .iter()
            .map(|h| HistoryRow {
                turn: h.turn,
                indicators: match seat {
                    Some(seat) => super::emit::indicator_map(s, &board.believed_row(seat, h)),
                    None => super::emit::indicator_map(s, &h.indicators),
                },
            })
            .collect(),
        teams,
        players: state.players.clone(),
        budget: team_ix.map(|i| s.teams[i].budget),
        draft: team_ix
            .and_then(|i| state.drafts[i].clone())
            .filter(|d| d.turn == state.turn),
        drafts: fac.then(|| {
            state
                .drafts
                .iter()
                .flatten()
                .filter(|d| d.turn == state.turn)
                .map(|d| (d.team.clone(), d.clone()))
                .collect()
        }),
        pending: fac.then(|| state.pending.clone()),
        options,
        choices: state
            .choices
            .iter()
            .filter_map(|c| {
                redact_resolution(s, &c.resolution, viewer).map(|resolution| TurnChoice {
                    turn: c.turn,
                    resolution,
                })
            })
            .collect(),
        injects: state
            .injects
            .iter()
            .filter_map(|i| redact_inject(s, i, viewer))
            .collect(),
        notes: state
            .notes
            .iter()
            .filter(|n| fac || n.public)
            .cloned()
            .collect(),
        timer: state.timer.clone(),
        script: fac.then(|| {
            s.script
                .iter()
                .map(|i| ScriptView {
                    id: i.id.clone(),
                    turn: i.turn,
                    title: i.title.clone(),
                    text: i.text.clone(),
                    from: i.from.clone(),
                    to: i.to.clone(),
                    expected_action: i.expected_action.clone(),
                    status: state.script.get(&*i.id).cloned(),
                    applies: crate::scenario::all_hold(
                        &i.when,
                        &state.world.indicators,
                        &state.world.flags,
                    ),
                    condition: (!i.when.is_empty()).then(|| describe_conditions(s, &i.when)),
                })
                .collect()
        }),
        seed: fac.then_some(state.seed),
        auto_advance: state.auto_advance,
        private_rationales: state.private_rationales,
        ended: state.ended.clone(),
        channels: channels_view(state, viewer),
        messages: messages_view(state, viewer),
        agreements: agreements_view(state, viewer),
        beliefs: (fac && state.phase != Phase::Ended && board.active()).then(|| board.beliefs()),
        objectives: super::objectives::view_objectives(state, viewer),
        scores: super::objectives::view_scores(state, viewer),
        team_leads: state.team_leads,
        leads: state
            .leads
            .iter()
            .filter(|(t, _)| fac || viewer.team() == Some(t.as_str()))
            .map(|(t, p)| (t.clone(), p.clone()))
            .collect(),
        player_odds: state.player_odds,
        live_draft: viewer
            .team()
            .and_then(|t| state.live_drafts.get(t))
            .filter(|d| d.turn == state.turn)
            .cloned(),
        live_drafts: fac.then(|| {
            state
                .live_drafts
                .iter()
                .filter(|(_, d)| d.turn == state.turn)
                .map(|(t, d)| (t.clone(), d.clone()))
                .collect()
        }),
        debrief: super::debrief_view(state, viewer, None),
        after_action: fac.then(|| state.after_action.clone()),
        forked_from: state.forked_from.clone(),
    }
}
