//! `decide`: a command and the state it meets become events, or a rejection.
//!
//! `decide` never mutates the state. Where a command produces several events that
//! build on each other (adjudication, triggers), it plays them onto a scratch copy
//! of the [`World`] (the [`Emitter`]) with the same `apply_world` that `evolve` uses.
//! Dice and odds live in `adjudicate`, injects, triggers and the script in `inject`.

use std::sync::Arc;

use super::adjudicate::{close_decision, publish};
use super::emit::{Emitter, check_text, wrong_phase};
use super::evolve::evolve;
use super::inject::{inject, skip};
use super::negotiation;
use super::state::*;
use super::types::*;
use crate::scenario::Scenario;

/// Longest phase timer, in seconds (a day).
pub const MAX_TIMER_SECONDS: u32 = 86_400;

/// Creates a session: the first event of its log, and the state after it.
pub fn create(
    scenario: std::sync::Arc<Scenario>,
    title: &str,
    seed: u64,
    max_turns: Option<u32>,
    auto_advance: bool,
    at: i64,
) -> (State, Event) {
    create_with(
        scenario,
        &Settings {
            title,
            seed,
            max_turns,
            auto_advance,
            private_rationales: false,
            time_zone: None,
            team_leads: false,
            player_odds: PlayerOdds::None,
            anonymous_debrief: false,
            report: ReportInfo::default(),
        },
        at,
    )
}

/// What a facilitator chooses when creating a session.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub title: &'a str,
    pub seed: u64,
    pub max_turns: Option<u32>,
    pub auto_advance: bool,
    /// Keep overt choices' rationales from other teams even after publication.
    pub private_rationales: bool,
    /// The reports' time zone, as given (checked by the caller); None is UTC.
    pub time_zone: Option<&'a str>,
    /// Only each team's lead submits (the first to join; the White Cell may change it).
    pub team_leads: bool,
    /// What players see of their options' odds.
    pub player_odds: PlayerOdds,
    /// Debrief answers are stored without names.
    pub anonymous_debrief: bool,
    /// The after-action report's scope, sponsor and point of contact (checked by
    /// the caller with `ReportInfo::check`); empty fields are not recorded.
    pub report: ReportInfo,
}

/// `create` with every setting.
pub fn create_with(
    scenario: std::sync::Arc<Scenario>,
    settings: &Settings,
    at: i64,
) -> (State, Event) {
    let Settings {
        title,
        seed,
        max_turns,
        auto_advance,
        private_rationales,
        time_zone,
        team_leads,
        player_odds,
        anonymous_debrief,
        ref report,
    } = *settings;
    let report = report.given();
    let mut state = State::blank(scenario);
    let event = Event {
        seq: 1,
        at,
        turn: 0,
        phase: Phase::Lobby,
        actor: Actor::Facilitator,
        body: EventBody::SessionCreated {
            scenario: state.scenario.id.clone(),
            scenario_digest: state.scenario.digest.clone(),
            title: title.to_string(),
            seed: Some(seed),
            max_turns: max_turns.unwrap_or(state.scenario.max_turns).clamp(1, 50),
            auto_advance,
            private_rationales,
            time_zone: time_zone.map(str::to_string),
            team_leads,
            player_odds,
            anonymous_debrief,
            scope: report.scope,
            sponsor: report.sponsor,
            point_of_contact: report.point_of_contact,
            forked_from: None,
        },
    };
    evolve(&mut state, &event);
    (state, event)
}

/// Decides what a command does to a session: the events it produces, or why not.
pub fn decide(
    state: &State,
    actor: &Actor,
    command: &Command,
    at: i64,
) -> Result<Vec<Event>, Rejection> {
    let mut e = Emitter::new(state, actor, at);
    if state.phase == Phase::Ended && !super::aar::works_after_end(command) {
        return Err(Rejection::new(
            RejectionCode::SessionEnded,
            "The session has ended; nothing more can be played.",
        ));
    }
    match command {
        Command::Join { team, name, player } => {
            system_only(actor, "join")?;
            join(&mut e, team, name, player)?;
        }
        Command::TimerExpired { turn, phase } => {
            system_only(actor, "timer_expired")?;
            timer_expired(&mut e, *turn, *phase)?;
        }
        Command::Submit { turn, choices } => {
            let Actor::Team { team, player } = actor else {
                return Err(Rejection::new(
                    RejectionCode::Forbidden,
                    "Only a team's players can submit that team's choices.",
                ));
            };
            if state.bots.contains_key(team) {
                return Err(Rejection::new(
                    RejectionCode::BotSeat,
                    "A bot holds your team's seat; ask the White Cell to hand it to you.",
                ));
            }
            submit(&mut e, team, player, *turn, choices)?;
        }
        Command::Draft { turn, choices } => {
            let Actor::Team { team, player } = actor else {
                return Err(Rejection::new(
                    RejectionCode::Forbidden,
                    "Only a team's players edit that team's draft.",
                ));
            };
            super::teamwork::draft(&mut e, team, player, *turn, choices)?;
        }
        Command::Say { channel, text, as_ } => {
            negotiation::say(&mut e, actor, channel, text, as_.as_deref())?
        }
        Command::Propose {
            agreement,
            custom,
            to,
        } => negotiation::propose(&mut e, actor, agreement.as_deref(), custom.as_ref(), to)?,
        Command::Respond {
            agreement,
            accept,
            note,
        } => negotiation::respond(&mut e, actor, agreement, *accept, note.as_deref())?,
        Command::Withdraw { agreement } => negotiation::withdraw(&mut e, actor, agreement)?,
        Command::Debrief { answers } => super::debrief::submit(&mut e, actor, answers)?,
        other => {
            facilitator_only(actor, other.name())?;
            match other {
                Command::Start => start(&mut e)?,
                Command::Advance => advance(&mut e)?,
                Command::Inject {
                    event,
                    custom,
                    script,
                    to,
                } => inject(
                    &mut e,
                    event.as_deref(),
                    custom.as_ref(),
                    script.as_deref(),
                    to,
                )?,
                Command::Skip { script } => skip(&mut e, script)?,
                Command::Override {
                    choice,
                    result,
                    note,
                } => override_outcome(&mut e, choice, *result, note)?,
                Command::Note {
                    text,
                    public,
                    category,
                    about,
                } => super::aar::note(&mut e, text, *public, *category, about.as_deref())?,
                Command::ReportInfo(info) => super::aar::report_info(&mut e, info)?,
                Command::Conclude { text } => super::aar::conclude(&mut e, text)?,
                Command::Plan(p) => super::aar::plan(&mut e, p)?,
                Command::Timer {
                    seconds,
                    auto_advance,
                } => timer(&mut e, *seconds, *auto_advance)?,
                Command::End { reason } => end(&mut e, reason.as_deref()),
                Command::Channel { channel, open } => {
                    negotiation::set_channel(&mut e, channel, *open)?
                }
                Command::Void { agreement, note } => negotiation::void(&mut e, agreement, note)?,
                Command::Reveal { choice } => super::fog::reveal(&mut e, choice)?,
                Command::Bot { team, doctrine } => {
                    super::bots::set_bot(&mut e, team, doctrine.as_deref())?
                }
                Command::Lead { team, player } => super::teamwork::lead(&mut e, team, player)?,
                Command::UndoOverride { choice } => super::teamwork::undo_override(&mut e, choice)?,
                Command::CloseDebrief => super::debrief::close(&mut e)?,
                Command::Join { .. }
                | Command::Draft { .. }
                | Command::TimerExpired { .. }
                | Command::Submit { .. }
                | Command::Say { .. }
                | Command::Propose { .. }
                | Command::Respond { .. }
                | Command::Withdraw { .. }
                | Command::Debrief { .. } => {}
            }
        }
    }
    Ok(e.events)
}

fn facilitator_only(actor: &Actor, what: &str) -> Result<(), Rejection> {
    match actor {
        Actor::Facilitator | Actor::System => Ok(()),
        _ => Err(Rejection::new(
            RejectionCode::Forbidden,
            format!(
                "Only the facilitator (White Cell) can {}.",
                what.replace('_', " ")
            ),
        )),
    }
}

fn system_only(actor: &Actor, what: &str) -> Result<(), Rejection> {
    match actor {
        Actor::System => Ok(()),
        _ => Err(Rejection::new(
            RejectionCode::Forbidden,
            format!("`{what}` is issued by the server itself."),
        )),
    }
}

fn join(e: &mut Emitter, team: &str, name: &str, player: &str) -> Result<(), Rejection> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Rejection::new(
            RejectionCode::EmptyText,
            "Please give a name so the White Cell knows who is playing.",
        ));
    }
    check_text(name, MAX_NAME, "name")?;
    if name.chars().any(char::is_control) {
        return Err(Rejection::new(
            RejectionCode::InvalidName,
            "A name cannot contain control characters.",
        ));
    }
    if team != "observer" && e.scenario().team_index(team).is_none() {
        let ids: Vec<&str> = e.scenario().teams.iter().map(|t| &*t.id).collect();
        return Err(Rejection::new(
            RejectionCode::UnknownTeam,
            format!(
                "There is no team `{team}`; choose one of {} or observer.",
                ids.join(", ")
            ),
        ));
    }
    // The id is the server's; a blank or reused one would make two seats one player.
    if player.trim().is_empty() || e.state.player(player).is_some() {
        return Err(Rejection::new(
            RejectionCode::InvalidPlayer,
            "This join carries no player id, or one already in use; join again.",
        ));
    }
    let seat = e.state.players.iter().filter(|p| p.team == team).count() as u32 + 1;
    e.push(EventBody::PlayerJoined {
        player: player.to_string(),
        team: team.to_string(),
        name: name.to_string(),
        seat,
    });
    Ok(())
}

fn start(e: &mut Emitter) -> Result<(), Rejection> {
    if e.phase != Phase::Lobby {
        return Err(wrong_phase(e, "start the game", "the lobby"));
    }
    e.change_phase(Phase::Briefing, 1, Vec::new());
    Ok(())
}

fn advance(e: &mut Emitter) -> Result<(), Rejection> {
    match e.phase {
        Phase::Lobby => return Err(wrong_phase(e, "advance", "a turn (start the game first)")),
        Phase::Briefing => {
            e.change_phase(Phase::Decision, e.turn, Vec::new());
            super::bots::submit_all(e);
        }
        Phase::Decision => close_decision(e),
        Phase::Adjudication => publish(e),
        Phase::Review => next_turn(e),
        Phase::Ended => {}
    }
    Ok(())
}

fn next_turn(e: &mut Emitter) {
    if e.turn >= e.state.max_turns {
        e.phase = Phase::Ended;
        e.push(EventBody::SessionEnded {
            reason: "turn_limit".to_string(),
            title: "Turn limit reached".to_string(),
            text: format!(
                "The game ends after turn {} of {}.",
                e.turn, e.state.max_turns
            ),
        });
        return;
    }
    let s = e.scenario();
    let lapsed: Vec<Arc<str>> = s
        .flags
        .iter()
        .enumerate()
        .filter(|(i, _)| e.world.flags[*i] && e.world.flag_expiry[*i].is_some_and(|t| t <= e.turn))
        .map(|(_, f)| f.id.clone())
        .collect();
    e.change_phase(Phase::Briefing, e.turn + 1, lapsed);
    negotiation::expire(e);
}

fn submit(
    e: &mut Emitter,
    team: &str,
    player: &str,
    turn: u32,
    choices: &[ChoiceInput],
) -> Result<(), Rejection> {
    if e.phase != Phase::Decision {
        return Err(wrong_phase(e, "submit choices", "the decision phase"));
    }
    if turn != e.turn {
        return Err(Rejection::new(
            RejectionCode::StaleTurn,
            format!(
                "That submission is for turn {turn}, but the session is on turn {}.",
                e.turn
            ),
        ));
    }
    super::teamwork::check_lead(e.state, team, player)?;
    let s = e.scenario();
    let (ti, options) = super::teamwork::check_choices(s, team, choices, "chosen")?;
    let budget = s.teams[ti].budget;
    let mut cost = 0u32;
    for opt in options {
        if let Some(unmet) = opt
            .requires
            .iter()
            .find(|c| !c.holds(&e.world.indicators, &e.world.flags))
        {
            return Err(Rejection::new(
                RejectionCode::UnmetPrerequisite,
                format!(
                    "“{}” is not available yet: it requires {}.",
                    opt.title,
                    describe_condition(s, unmet)
                ),
            ));
        }
        cost += opt.cost;
    }
    if cost > budget {
        return Err(Rejection::new(
            RejectionCode::OverBudget,
            format!("These choices cost {cost} points; your budget is {budget} a turn."),
        ));
    }
    let revision = e.state.drafts[ti]
        .as_ref()
        .filter(|d| d.turn == turn)
        .map_or(1, |d| d.revision + 1);
    e.push(EventBody::ChoicesSubmitted {
        team: team.to_string(),
        choices: choices
            .iter()
            .map(|c| DraftChoice {
                option: c.option.clone(),
                rationale: Arc::from(c.rationale.as_str()),
            })
            .collect(),
        cost: Some(cost),
        revision: Some(revision),
        redacted: false,
        bot: false,
        doctrine: None,
    });
    Ok(())
}

/// A prerequisite in words, for a player reading why an option is unavailable.
pub fn describe_condition(s: &Scenario, c: &crate::scenario::Condition) -> String {
    use crate::scenario::Condition;
    match c {
        Condition::Flag { flag, set, .. } => {
            let name = s.flags.get(*flag).map_or("?", |f| f.name.as_str());
            if *set {
                format!("“{name}”")
            } else {
                format!("that “{name}” is not in force")
            }
        }
        Condition::Compare {
            indicator,
            op,
            value,
            ..
        } => {
            let name = s
                .indicators
                .get(*indicator)
                .map_or("?", |i| i.name.as_str());
            format!("{name} {} {value}", op.symbol())
        }
    }
}

fn override_outcome(
    e: &mut Emitter,
    choice: &str,
    result: Outcome,
    note: &str,
) -> Result<(), Rejection> {
    if e.phase != Phase::Adjudication {
        return Err(wrong_phase(e, "override an outcome", "adjudication"));
    }
    let Some(r) = e.state.pending.iter().find(|r| &*r.choice == choice) else {
        return Err(Rejection::new(
            RejectionCode::UnknownChoice,
            format!("There is no choice `{choice}` awaiting adjudication this turn."),
        ));
    };
    let note = note.trim();
    if note.is_empty() {
        return Err(Rejection::new(
            RejectionCode::NoteRequired,
            "An override needs a note saying why, for the after-action report.",
        ));
    }
    check_text(note, MAX_TEXT, "override note")?;
    let previous = r.overridden.as_ref().map(|o| o.result).unwrap_or(r.result);
    e.push(EventBody::OutcomeOverridden {
        choice: r.choice.clone(),
        team: r.team.clone(),
        option: r.option.clone(),
        result,
        previous,
        note: note.to_string(),
    });
    Ok(())
}

fn timer(e: &mut Emitter, seconds: u32, auto_advance: Option<bool>) -> Result<(), Rejection> {
    if e.phase == Phase::Lobby {
        return Err(wrong_phase(e, "set a phase timer", "a turn"));
    }
    if seconds > MAX_TIMER_SECONDS {
        return Err(Rejection::new(
            RejectionCode::InvalidTimer,
            format!(
                "A timer of {seconds} s is too long; the limit is {MAX_TIMER_SECONDS} s (a day)."
            ),
        ));
    }
    let deadline = (seconds > 0).then(|| e.at + i64::from(seconds) * 1000);
    e.push(EventBody::TimerSet {
        seconds,
        deadline,
        auto_advance: auto_advance.unwrap_or(e.state.auto_advance),
    });
    Ok(())
}

fn timer_expired(e: &mut Emitter, turn: u32, phase: Phase) -> Result<(), Rejection> {
    let Some(t) = &e.state.timer else {
        return Err(Rejection::new(
            RejectionCode::StaleTimer,
            "No timer is running.",
        ));
    };
    if t.turn != turn || t.phase != phase || t.turn != e.turn || t.phase != e.phase {
        return Err(Rejection::new(
            RejectionCode::StaleTimer,
            "That timer belongs to an earlier phase.",
        ));
    }
    if e.at < t.deadline {
        return Err(Rejection::new(
            RejectionCode::StaleTimer,
            "The timer has not run out yet.",
        ));
    }
    let auto = t.auto_advance;
    e.push(EventBody::TimerExpired {});
    if auto && e.phase == Phase::Decision {
        close_decision(e);
    }
    Ok(())
}

fn end(e: &mut Emitter, reason: Option<&str>) {
    e.phase = Phase::Ended;
    e.push(EventBody::SessionEnded {
        reason: "facilitator".to_string(),
        title: "Ended by the White Cell".to_string(),
        text: reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("The facilitator ended the session.")
            .to_string(),
    });
}
