//! Negotiation: messages on channels, and agreements proposed, answered and applied.
//!
//! - `say` posts on a channel its team belongs to while the channel is open; the
//!   White Cell posts anywhere, at any time, optionally in character (`as`).
//!   Teams' players are rate limited: a burst of [`MESSAGE_BURST`] messages, then one
//!   every [`MESSAGE_INTERVAL_MS`] (a token bucket kept as its theoretical arrival
//!   time, so replay reaches the same answer from the events' own times).
//! - `channel` (White Cell) opens or closes a channel until told otherwise, or hands
//!   it back to its scenario schedule.
//! - `propose` / `respond` / `withdraw` / `void`: an agreement is open until every
//!   team it was proposed to accepts (`accepted`), one rejects (`rejected`), the
//!   proposer withdraws it, the White Cell voids it, or the next turn begins
//!   (`expired`). An accepted scenario agreement applies its flags and effects at the
//!   next publication of outcomes (`agreement_applied`); a custom one only records.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::adjudicate::clamped;
use super::emit::{Emitter, check_text};
use super::state::State;
use super::types::*;
use crate::scenario::{Channel, Scenario};

/// Messages a player may post at once before the rate limit applies.
pub const MESSAGE_BURST: i64 = 8;
/// After a burst, one more message is allowed every this many milliseconds.
pub const MESSAGE_INTERVAL_MS: i64 = 3_000;

/// Who posted a message, as every reader sees it. The White Cell's posts carry no
/// player id; another team's player id is blanked for readers outside that team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speaker {
    /// `facilitator` or `team`.
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The character the White Cell speaks as.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub as_: Option<String>,
}

/// Longest negotiation message accepted, in characters.
pub const MAX_MESSAGE: usize = 2000;
/// Longest in-character name (`as`) the White Cell may post under, in characters.
pub const MAX_AS: usize = 80;

/// An agreement a team writes itself: recorded, but it changes nothing on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAgreement {
    pub title: String,
    #[serde(default)]
    pub text: String,
}

/// An `agreement_responded` event: one team's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub agreement: String,
    pub team: String,
    pub accept: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Repeated from the proposal, so the event alone says who may read it.
    pub parties: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub public: bool,
}

/// An `agreement_resolved` event: how the agreement ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub agreement: String,
    pub result: AgreementResult,
    /// The White Cell's reason, for `voided`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub parties: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub public: bool,
}

/// How an agreement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementResult {
    Accepted,
    Rejected,
    Withdrawn,
    Expired,
    Voided,
}

/// An `agreement_proposed` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The instance id, `ag1`, `ag2`, ... in the order proposed.
    pub agreement: String,
    /// The scenario template; none for a custom agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Arc<str>>,
    /// The proposing team.
    pub from: String,
    /// The teams whose acceptance it needs.
    pub to: Vec<String>,
    /// Every team it binds: the proposer and `to`.
    pub parties: Vec<String>,
    pub title: String,
    pub text: String,
    pub public: bool,
}

/// An `agreement_applied` event: what an accepted agreement did to the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedAgreement {
    pub agreement: String,
    pub template: Arc<str>,
    pub title: String,
    pub text: String,
    pub parties: Vec<String>,
    /// Indicator changes actually applied (after clamping to range).
    pub effects: BTreeMap<Arc<str>, i64>,
    pub set: Vec<Arc<str>>,
    pub clear: Vec<Arc<str>>,
}

/// A posted message, as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub seq: u64,
    pub at: i64,
    pub turn: u32,
    pub channel: Arc<str>,
    pub text: String,
    pub from: Speaker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Open,
    Accepted,
    Rejected,
    Withdrawn,
    Expired,
    Voided,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub team: String,
    pub accept: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An agreement instance with its answers so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agreement {
    #[serde(flatten)]
    pub proposal: Proposal,
    pub turn: u32,
    pub seq: u64,
    pub at: i64,
    pub responses: Vec<Response>,
    pub status: AgreementStatus,
    /// Whether its flags and effects have been applied (accepted templates only).
    pub applied: bool,
    /// The White Cell's note when it voided the agreement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub(super) fn reject(code: RejectionCode, message: impl Into<String>) -> Rejection {
    Rejection::new(code, message)
}

/// Whether the channel is open in the state's current phase.
pub fn channel_open(state: &State, c: &Channel) -> bool {
    state
        .channel_open
        .get(&*c.id)
        .copied()
        .unwrap_or_else(|| c.open_by_schedule(state.phase.as_str()))
}

pub(super) fn find_channel<'s>(s: &'s Scenario, id: &str) -> Result<&'s Channel, Rejection> {
    s.channel(id).ok_or_else(|| {
        reject(
            RejectionCode::UnknownChannel,
            format!("There is no channel `{id}`."),
        )
    })
}

pub(super) fn say(
    e: &mut Emitter,
    actor: &Actor,
    channel: &str,
    text: &str,
    as_: Option<&str>,
) -> Result<(), Rejection> {
    let c = find_channel(e.scenario(), channel)?;
    let as_ = as_.map(str::trim).filter(|a| !a.is_empty());
    let from = match actor {
        Actor::Facilitator | Actor::System => {
            if let Some(a) = as_ {
                check_text(a, MAX_AS, "character name (`as`)")?;
                if a.chars().any(char::is_control) {
                    return Err(reject(
                        RejectionCode::InvalidName,
                        "A character name cannot contain control characters.",
                    ));
                }
            }
            Speaker {
                role: "facilitator".to_string(),
                team: None,
                player: None,
                name: None,
                as_: as_.map(str::to_string),
            }
        }
        Actor::Observer { .. } => {
            return Err(reject(
                RejectionCode::Forbidden,
                "Observers read the public channels; they cannot post.",
            ));
        }
        Actor::Team { team, player } => {
            if !c.has_member(team) {
                return Err(reject(
                    RejectionCode::NotAMember,
                    format!("Your team is not a member of “{}”.", c.name),
                ));
            }
            if as_.is_some() {
                return Err(reject(
                    RejectionCode::Forbidden,
                    "Only the White Cell may post in character (`as`).",
                ));
            }
            if !channel_open(e.state, c) {
                return Err(reject(
                    RejectionCode::ChannelClosed,
                    format!("“{}” is closed just now.", c.name),
                ));
            }
            Speaker {
                role: "team".to_string(),
                team: Some(team.clone()),
                player: Some(player.clone()),
                name: e.state.player(player).map(|p| p.name.clone()),
                as_: None,
            }
        }
    };
    if text.trim().is_empty() {
        return Err(reject(
            RejectionCode::EmptyText,
            "A message needs some text.",
        ));
    }
    check_text(text, MAX_MESSAGE, "message")?;
    if let Actor::Team { player, .. } = actor {
        let tat = e.state.message_tat.get(player).copied().unwrap_or(e.at);
        let ahead = tat.max(e.at).saturating_sub(e.at);
        if ahead > (MESSAGE_BURST - 1) * MESSAGE_INTERVAL_MS {
            let wait = (ahead - (MESSAGE_BURST - 1) * MESSAGE_INTERVAL_MS + 999) / 1000;
            return Err(reject(
                RejectionCode::RateLimited,
                format!("You are posting faster than anyone can read; wait {wait} s."),
            ));
        }
    }
    e.push(EventBody::MessagePosted {
        channel: c.id.clone(),
        text: text.to_string(),
        from,
    });
    Ok(())
}

/// The rate limit's next theoretical arrival time after a message at `at`.
pub(super) fn next_tat(previous: Option<i64>, at: i64) -> i64 {
    previous
        .unwrap_or(at)
        .max(at)
        .saturating_add(MESSAGE_INTERVAL_MS)
}

pub(super) fn set_channel(
    e: &mut Emitter,
    channel: &str,
    open: Option<bool>,
) -> Result<(), Rejection> {
    let c = find_channel(e.scenario(), channel)?;
    let now = open.unwrap_or_else(|| c.open_by_schedule(e.phase.as_str()));
    e.push(EventBody::ChannelChanged {
        channel: c.id.clone(),
        open: now,
        scheduled: open.is_none(),
    });
    Ok(())
}

fn proposer(actor: &Actor, what: &str) -> Result<String, Rejection> {
    match actor {
        Actor::Team { team, .. } => Ok(team.clone()),
        _ => Err(reject(
            RejectionCode::Forbidden,
            format!("Only a team's players can {what} an agreement."),
        )),
    }
}

fn known_team(s: &Scenario, id: &str) -> Result<(), Rejection> {
    match s.team_index(id) {
        Some(_) => Ok(()),
        None => Err(reject(
            RejectionCode::UnknownTeam,
            format!("There is no team `{id}`."),
        )),
    }
}

pub(super) fn propose(
    e: &mut Emitter,
    actor: &Actor,
    template: Option<&str>,
    custom: Option<&CustomAgreement>,
    to: &[String],
) -> Result<(), Rejection> {
    let from = proposer(actor, "propose")?;
    let s = e.scenario();
    for t in to {
        known_team(s, t)?;
    }
    let proposal = match (template, custom) {
        (Some(id), None) => {
            let Some(def) = s.agreement(id) else {
                return Err(reject(
                    RejectionCode::UnknownAgreement,
                    format!("The scenario has no agreement `{id}`."),
                ));
            };
            if !def.has_party(&from) {
                return Err(reject(
                    RejectionCode::NotAParty,
                    format!("Your team is not a party to “{}”.", def.title),
                ));
            }
            let others: Vec<String> = def
                .parties
                .iter()
                .filter(|p| ***p != *from)
                .map(|p| p.to_string())
                .collect();
            let same =
                to.iter().all(|t| others.contains(t)) && others.iter().all(|o| to.contains(o));
            if !to.is_empty() && !same {
                return Err(reject(
                    RejectionCode::NotAParty,
                    format!(
                        "“{}” is proposed to exactly the other parties: {}.",
                        def.title,
                        others.join(", ")
                    ),
                ));
            }
            let open = e.state.agreements.iter().any(|a| {
                a.status == AgreementStatus::Open && a.proposal.template.as_deref() == Some(id)
            });
            if open {
                return Err(reject(
                    RejectionCode::AlreadyProposed,
                    format!(
                        "“{}” is already on the table; answer or withdraw that proposal first.",
                        def.title
                    ),
                ));
            }
            Proposal {
                agreement: String::new(),
                template: Some(def.id.clone()),
                from,
                to: others,
                parties: def.parties.iter().map(|p| p.to_string()).collect(),
                title: def.title.to_string(),
                text: def.text.to_string(),
                public: def.public,
            }
        }
        (None, Some(c)) => {
            let title = c.title.trim();
            if title.is_empty() {
                return Err(reject(
                    RejectionCode::EmptyText,
                    "An agreement needs a title.",
                ));
            }
            check_text(title, MAX_TITLE, "agreement title")?;
            check_text(&c.text, MAX_TEXT, "agreement text")?;
            if to.is_empty() || to.contains(&from) {
                return Err(reject(
                    RejectionCode::NotAParty,
                    "Propose an agreement to at least one other team (`to`), not to your own.",
                ));
            }
            // Scenario team order, each team once.
            let order = |ids: &dyn Fn(&str) -> bool| -> Vec<String> {
                s.teams
                    .iter()
                    .filter(|t| ids(&t.id))
                    .map(|t| t.id.to_string())
                    .collect()
            };
            Proposal {
                agreement: String::new(),
                template: None,
                to: order(&|t| to.iter().any(|x| x == t)),
                parties: order(&|t| t == from || to.iter().any(|x| x == t)),
                from,
                title: title.to_string(),
                text: c.text.trim().to_string(),
                public: false,
            }
        }
        _ => {
            return Err(reject(
                RejectionCode::UnknownAgreement,
                "Propose either a scenario agreement (`agreement`) or your own (`custom`), not both.",
            ));
        }
    };
    let agreement = format!("ag{}", e.state.agreements.len() + 1);
    e.push(EventBody::AgreementProposed(Box::new(Proposal {
        agreement,
        ..proposal
    })));
    Ok(())
}

fn find_agreement<'s>(state: &'s State, id: &str) -> Result<&'s Agreement, Rejection> {
    state
        .agreements
        .iter()
        .find(|a| a.proposal.agreement == id)
        .ok_or_else(|| {
            reject(
                RejectionCode::UnknownAgreement,
                format!("There is no agreement `{id}` in this session."),
            )
        })
}

fn still_open(a: &Agreement) -> Result<(), Rejection> {
    if a.status == AgreementStatus::Open {
        Ok(())
    } else {
        Err(reject(
            RejectionCode::AgreementClosed,
            format!("“{}” is no longer open.", a.proposal.title),
        ))
    }
}

fn resolved(a: &Agreement, result: AgreementResult, note: Option<String>) -> EventBody {
    EventBody::AgreementResolved(Settlement {
        agreement: a.proposal.agreement.clone(),
        result,
        note,
        parties: a.proposal.parties.clone(),
        public: a.proposal.public,
    })
}

pub(super) fn respond(
    e: &mut Emitter,
    actor: &Actor,
    id: &str,
    accept: bool,
    note: Option<&str>,
) -> Result<(), Rejection> {
    let team = proposer(actor, "answer")?;
    let a = find_agreement(e.state, id)?;
    if !a.proposal.to.contains(&team) {
        return Err(reject(
            RejectionCode::NotAParty,
            format!("“{}” was not proposed to your team.", a.proposal.title),
        ));
    }
    still_open(a)?;
    if a.responses.iter().any(|r| r.team == team) {
        return Err(reject(
            RejectionCode::AlreadyAnswered,
            format!("Your team has already answered “{}”.", a.proposal.title),
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        check_text(n, MAX_TEXT, "note")?;
    }
    e.push(EventBody::AgreementResponded(Answer {
        agreement: a.proposal.agreement.clone(),
        team: team.clone(),
        accept,
        note: note.map(str::to_string),
        parties: a.proposal.parties.clone(),
        public: a.proposal.public,
    }));
    let everyone = a
        .proposal
        .to
        .iter()
        .all(|t| *t == team || a.responses.iter().any(|r| r.team == *t && r.accept));
    if !accept {
        e.push(resolved(a, AgreementResult::Rejected, None));
    } else if everyone {
        e.push(resolved(a, AgreementResult::Accepted, None));
    }
    Ok(())
}

pub(super) fn withdraw(e: &mut Emitter, actor: &Actor, id: &str) -> Result<(), Rejection> {
    let team = proposer(actor, "withdraw")?;
    let a = find_agreement(e.state, id)?;
    if a.proposal.from != team {
        return Err(reject(
            RejectionCode::Forbidden,
            "Only the team that proposed an agreement can withdraw it.",
        ));
    }
    still_open(a)?;
    e.push(resolved(a, AgreementResult::Withdrawn, None));
    Ok(())
}

pub(super) fn void(e: &mut Emitter, id: &str, note: &str) -> Result<(), Rejection> {
    let a = find_agreement(e.state, id)?;
    let pending =
        a.status == AgreementStatus::Accepted && !a.applied && a.proposal.template.is_some();
    if !pending {
        still_open(a)?;
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(reject(
            RejectionCode::NoteRequired,
            "Voiding an agreement needs a note saying why, for the after-action report.",
        ));
    }
    check_text(note, MAX_TEXT, "note")?;
    e.push(resolved(a, AgreementResult::Voided, Some(note.to_string())));
    Ok(())
}

/// As a new turn begins: every proposal still open expires.
pub(super) fn expire(e: &mut Emitter) {
    let state = e.state;
    for a in state
        .agreements
        .iter()
        .filter(|a| a.status == AgreementStatus::Open)
    {
        e.push(resolved(a, AgreementResult::Expired, None));
    }
}

/// At publication: every accepted scenario agreement not yet applied changes the board.
pub(super) fn apply_accepted(e: &mut Emitter) {
    let state = e.state;
    let s = e.scenario();
    for a in &state.agreements {
        if a.status != AgreementStatus::Accepted || a.applied {
            continue;
        }
        let Some(def) = a.proposal.template.as_deref().and_then(|t| s.agreement(t)) else {
            continue;
        };
        let effects = clamped(s, &e.world, &def.effects);
        e.push(EventBody::AgreementApplied(Box::new(AppliedAgreement {
            agreement: a.proposal.agreement.clone(),
            template: def.id.clone(),
            title: a.proposal.title.clone(),
            text: a.proposal.text.clone(),
            parties: a.proposal.parties.clone(),
            effects,
            set: def.set.ids.clone(),
            clear: def.clear.ids.clone(),
        })));
    }
}

/// `evolve` for negotiation events.
pub(super) fn evolve(state: &mut State, event: &Event) {
    match &event.body {
        EventBody::MessagePosted {
            channel,
            text,
            from,
        } => {
            if let Actor::Team { player, .. } = &event.actor {
                let tat = next_tat(state.message_tat.get(player).copied(), event.at);
                state.message_tat.insert(player.clone(), tat);
            }
            state.messages.push(Message {
                seq: event.seq,
                at: event.at,
                turn: event.turn,
                channel: channel.clone(),
                text: text.clone(),
                from: from.clone(),
            });
        }
        EventBody::ChannelChanged {
            channel,
            open,
            scheduled,
        } => {
            if *scheduled {
                state.channel_open.remove(&**channel);
            } else {
                state.channel_open.insert(channel.to_string(), *open);
            }
        }
        EventBody::AgreementProposed(p) => state.agreements.push(Agreement {
            proposal: (**p).clone(),
            turn: event.turn,
            seq: event.seq,
            at: event.at,
            responses: Vec::new(),
            status: AgreementStatus::Open,
            applied: false,
            note: None,
        }),
        EventBody::AgreementResponded(r) => {
            if let Some(a) = find_mut(state, &r.agreement) {
                a.responses.push(Response {
                    team: r.team.clone(),
                    accept: r.accept,
                    note: r.note.clone(),
                });
            }
        }
        EventBody::AgreementResolved(r) => {
            if let Some(a) = find_mut(state, &r.agreement) {
                a.status = match r.result {
                    AgreementResult::Accepted => AgreementStatus::Accepted,
                    AgreementResult::Rejected => AgreementStatus::Rejected,
                    AgreementResult::Withdrawn => AgreementStatus::Withdrawn,
                    AgreementResult::Expired => AgreementStatus::Expired,
                    AgreementResult::Voided => AgreementStatus::Voided,
                };
                a.note.clone_from(&r.note);
            }
        }
        EventBody::AgreementApplied(applied) => {
            if let Some(a) = find_mut(state, &applied.agreement) {
                a.applied = true;
            }
        }
        _ => {}
    }
}

fn find_mut<'s>(state: &'s mut State, id: &str) -> Option<&'s mut Agreement> {
    state
        .agreements
        .iter_mut()
        .find(|a| a.proposal.agreement == id)
}
