//! `decide` (command -> events or a rejection) and `evolve` (event -> state).
//!
//! Live play and replay share `evolve`; `decide` never mutates the state. Where a
//! command produces several events that build on each other (adjudication, triggers),
//! `decide` plays them onto a scratch copy of the [`World`] with the same
//! [`apply_world`] that `evolve` uses.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::state::*;
use super::types::*;
use crate::scenario::{Effects, OptionDef, Scenario, all_hold};

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
    } = *settings;
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
    if state.phase == Phase::Ended && !matches!(command, Command::Note { .. }) {
        return Err(Rejection::new(
            "session_ended",
            "The session has ended; nothing more can be played.",
        ));
    }
    match command {
        Command::Join { team, name } => {
            system_only(actor, "join")?;
            join(&mut e, team, name)?;
        }
        Command::TimerExpired { turn, phase } => {
            system_only(actor, "timer_expired")?;
            timer_expired(&mut e, *turn, *phase)?;
        }
        Command::Submit { turn, choices } => {
            let Actor::Team { team, player } = actor else {
                return Err(Rejection::new(
                    "forbidden",
                    "Only a team's players can submit that team's choices.",
                ));
            };
            submit(&mut e, team, player, *turn, choices)?;
        }
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
                Command::Note { text, public } => note(&mut e, text, *public)?,
                Command::Timer {
                    seconds,
                    auto_advance,
                } => timer(&mut e, *seconds, *auto_advance)?,
                Command::End { reason } => end(&mut e, reason.as_deref()),
                Command::Join { .. } | Command::TimerExpired { .. } | Command::Submit { .. } => {}
            }
        }
    }
    Ok(e.events)
}

fn facilitator_only(actor: &Actor, what: &str) -> Result<(), Rejection> {
    match actor {
        Actor::Facilitator | Actor::System => Ok(()),
        _ => Err(Rejection::new(
            "forbidden",
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
            "forbidden",
            format!("`{what}` is issued by the server itself."),
        )),
    }
}

fn check_text(text: &str, max: usize, what: &str) -> Result<(), Rejection> {
    let n = text.chars().count();
    if n > max {
        return Err(Rejection::new(
            "text_too_long",
            format!("The {what} is {n} characters long; the limit is {max}."),
        ));
    }
    Ok(())
}

/// Builds events for one command on a scratch copy of the world.
struct Emitter<'a> {
    state: &'a State,
    actor: Actor,
    at: i64,
    seq: u64,
    turn: u32,
    phase: Phase,
    world: World,
    rng: u64,
    events: Vec<Event>,
}

impl<'a> Emitter<'a> {
    fn new(state: &'a State, actor: &Actor, at: i64) -> Self {
        Emitter {
            state,
            actor: actor.clone(),
            at,
            seq: state.seq,
            turn: state.turn,
            phase: state.phase,
            world: state.world.clone(),
            rng: state.rng,
            events: Vec::new(),
        }
    }

    fn scenario(&self) -> &'a Scenario {
        &self.state.scenario
    }

    fn push(&mut self, body: EventBody) {
        self.seq += 1;
        if let EventBody::PhaseChanged { .. } = body {
            // turn/phase already updated by the caller
        }
        apply_world(
            &mut self.world,
            self.state.scenario.as_ref(),
            self.turn,
            self.phase,
            &body,
        );
        self.events.push(Event {
            seq: self.seq,
            at: self.at,
            turn: self.turn,
            phase: self.phase,
            actor: self.actor.clone(),
            body,
        });
    }

    fn change_phase(&mut self, to: Phase, turn: u32, lapsed: Vec<Arc<str>>) {
        let from = self.phase;
        self.phase = to;
        self.turn = turn;
        // A phase change only clears lapsed flags; the indicators it reports are the
        // board as it stands.
        let indicators = indicator_map(self.scenario(), &self.world.indicators);
        let s = self.scenario();
        let (lapsed_secret, lapsed): (Vec<Arc<str>>, Vec<Arc<str>>) = lapsed
            .into_iter()
            .partition(|id| s.flags.iter().any(|f| f.id == *id && f.owner.is_some()));
        self.push(EventBody::PhaseChanged {
            from,
            lapsed,
            lapsed_secret,
            indicators,
        });
    }

    fn dice(&self) -> ChaCha20Rng {
        let mut rng = ChaCha20Rng::seed_from_u64(self.state.seed);
        rng.set_word_pos(u128::from(self.rng));
        rng
    }
}

pub(crate) fn indicator_map(s: &Scenario, values: &[i64]) -> BTreeMap<Arc<str>, i64> {
    // Inserting directly avoids the sort buffer `collect` would allocate.
    let mut map = BTreeMap::new();
    for (i, v) in s.indicators.iter().zip(values) {
        map.insert(i.id.clone(), *v);
    }
    map
}

/// A choice's id, `t{turn}-{team}-{n}`, built without the formatting machinery
/// (it is made for every locked choice, every turn).
fn choice_id(turn: u32, team: &str, n: usize) -> String {
    fn digits(out: &mut String, mut v: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.extend(buf[i..].iter().map(|b| char::from(*b)));
    }
    let mut id = String::with_capacity(team.len() + 16);
    id.push('t');
    digits(&mut id, u64::from(turn));
    id.push('-');
    id.push_str(team);
    id.push('-');
    digits(&mut id, n as u64);
    id
}

fn join(e: &mut Emitter, team: &str, name: &str) -> Result<(), Rejection> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Rejection::new(
            "empty_text",
            "Please give a name so the White Cell knows who is playing.",
        ));
    }
    check_text(name, MAX_NAME, "name")?;
    if name.chars().any(char::is_control) {
        return Err(Rejection::new(
            "invalid_name",
            "A name cannot contain control characters.",
        ));
    }
    if team != "observer" && e.scenario().team_index(team).is_none() {
        let ids: Vec<&str> = e.scenario().teams.iter().map(|t| &*t.id).collect();
        return Err(Rejection::new(
            "unknown_team",
            format!(
                "There is no team `{team}`; choose one of {} or observer.",
                ids.join(", ")
            ),
        ));
    }
    let seat = e.state.players.iter().filter(|p| p.team == team).count() as u32 + 1;
    let player = format!("p{}", e.state.players.len() + 1);
    e.push(EventBody::PlayerJoined {
        player,
        team: team.to_string(),
        name: name.to_string(),
        seat,
    });
    Ok(())
}

fn wrong_phase(e: &Emitter, what: &str, allowed: &str) -> Rejection {
    Rejection::new(
        "wrong_phase",
        format!(
            "You can {what} only during {allowed}; the session is in {}.",
            e.phase
        ),
    )
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
        Phase::Briefing => e.change_phase(Phase::Decision, e.turn, Vec::new()),
        Phase::Decision => close_decision(e),
        Phase::Adjudication => publish(e),
        Phase::Review => next_turn(e),
        Phase::Ended => {}
    }
    Ok(())
}

/// The decision window closes: every locked choice is rolled, in stage order then
/// team order, from the session's own dice stream.
fn close_decision(e: &mut Emitter) {
    // One phase change and one roll per locked choice: size the log once, since
    // events are large and regrowing it dominated the cost of a turn.
    e.events.reserve(1 + locked_choices(e.state));
    e.change_phase(Phase::Adjudication, e.turn, Vec::new());
    let s = e.scenario();
    let mut planned: Vec<(usize, usize, usize, &OptionDef, &DraftChoice)> = Vec::new();
    for (ti, draft) in e.state.drafts.iter().enumerate() {
        let Some(draft) = draft else { continue };
        if draft.turn != e.turn {
            continue;
        }
        for (k, c) in draft.choices.iter().enumerate() {
            if let Some((_, _, opt)) = s.option(&c.option) {
                planned.push((opt.stage_index, ti, k, opt, c));
            }
        }
    }
    planned.sort_by_key(|(stage, ti, k, _, _)| (*stage, *ti, *k));
    let mut rng = e.dice();
    for (_, ti, k, opt, c) in planned {
        let team = &s.teams[ti];
        let (base, modifiers, target) = odds(s, &e.world, opt);
        let roll: u32 = rng.random_range(1..=100);
        let result = if i64::from(roll) <= target {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let detection = detection_odds(s, &e.world, ti, opt).map(|(base, modifiers, target)| {
            let roll: u32 = rng.random_range(1..=100);
            Detection {
                base,
                modifiers,
                target,
                roll,
                detected: i64::from(roll) <= target,
            }
        });
        let rolled = Rolled {
            choice: Arc::from(choice_id(e.turn, &team.id, k + 1)),
            team: team.id.clone(),
            option: opt.id.clone(),
            title: opt.title.clone(),
            cost: opt.cost,
            stage: opt.stage.clone(),
            covert: opt.covert,
            rationale: c.rationale.clone(),
            base,
            modifiers,
            target,
            roll,
            result,
            detection,
            overridden: None,
        };
        let pos = u64::try_from(rng.get_word_pos()).unwrap_or(u64::MAX);
        e.rng = pos;
        e.push(EventBody::DiceRolled { rolled, rng: pos });
    }
}

/// How many choices the teams have locked for the current turn.
fn locked_choices(state: &State) -> usize {
    state
        .drafts
        .iter()
        .flatten()
        .filter(|d| d.turn == state.turn)
        .map(|d| d.choices.len())
        .sum()
}

/// Base odds plus every modifier whose condition holds, clamped to 0-100.
pub fn odds(s: &Scenario, world: &World, opt: &OptionDef) -> (i64, Vec<AppliedModifier>, i64) {
    let _ = s;
    let modifiers: Vec<AppliedModifier> = opt
        .modifiers
        .iter()
        .filter(|m| all_hold(&m.when, &world.indicators, &world.flags))
        .map(|m| AppliedModifier {
            delta: m.delta,
            reason: m.reason.clone(),
        })
        .collect();
    let target = (opt.odds + modifiers.iter().map(|m| m.delta).sum::<i64>()).clamp(0, 100);
    (opt.odds, modifiers, target)
}

/// For a covert option: the chance that other teams learn of it.
pub fn detection_odds(
    s: &Scenario,
    world: &World,
    team: usize,
    opt: &OptionDef,
) -> Option<(i64, Vec<AppliedModifier>, i64)> {
    if !opt.covert {
        return None;
    }
    let base = opt.detection.unwrap_or(s.detection_base);
    let modifiers: Vec<AppliedModifier> = s
        .detection_modifiers
        .iter()
        .filter(|m| m.teams.is_empty() || m.teams.contains(&team))
        .filter(|m| all_hold(&m.when, &world.indicators, &world.flags))
        .map(|m| AppliedModifier {
            delta: m.delta,
            reason: m.reason.clone(),
        })
        .collect();
    let target = (base + modifiers.iter().map(|m| m.delta).sum::<i64>()).clamp(0, 100);
    Some((base, modifiers, target))
}

/// Indicator deltas as they would actually apply now, after clamping to range.
fn clamped(s: &Scenario, world: &World, effects: &Effects) -> BTreeMap<Arc<str>, i64> {
    let mut out = BTreeMap::new();
    for (k, (ix, d)) in effects.deltas.iter().enumerate() {
        let Some(ind) = s.indicators.get(*ix) else {
            continue;
        };
        // Earlier deltas to the same indicator in this list have already moved it.
        let before = effects.deltas[..k]
            .iter()
            .filter(|(j, _)| j == ix)
            .fold(world.indicators[*ix], |v, (_, d)| {
                (v + d).clamp(ind.min, ind.max)
            });
        let after = (before + d).clamp(ind.min, ind.max);
        *out.entry(ind.id.clone()).or_insert(0) += after - before;
    }
    out
}

/// The facilitator publishes the turn: outcomes apply in resolution order, follow-on
/// events fire, then triggers and end conditions are checked.
fn publish(e: &mut Emitter) {
    let s = e.scenario();
    let state = e.state;
    e.events.reserve(state.pending.len() + 2);
    for r in &state.pending {
        let Some((_, _, opt)) = s.option(&r.option) else {
            continue;
        };
        let result = r.overridden.as_ref().map(|o| o.result).unwrap_or(r.result);
        let outcome = match result {
            Outcome::Success => &opt.success,
            Outcome::Failure => &opt.failure,
        };
        let effects = clamped(s, &e.world, &outcome.effects);
        e.push(EventBody::ChoiceResolved(Resolution {
            choice: r.choice.clone(),
            team: r.team.clone(),
            option: r.option.clone(),
            title: r.title.clone(),
            cost: r.cost,
            stage: r.stage.clone(),
            covert: r.covert,
            rationale: Some(r.rationale.clone()),
            rationale_private: state.private_rationales && !r.covert,
            base: r.base,
            modifiers: r.modifiers.clone(),
            target: r.target,
            roll: r.roll,
            rolled: r.result,
            result,
            overridden: r.overridden.as_ref().is_some_and(|o| o.result != r.result),
            note: r.overridden.as_ref().map(|o| o.note.clone()),
            detection: r.detection.clone(),
            text: outcome.text.clone(),
            effects,
            set: outcome.set.ids.clone(),
            clear: outcome.clear.ids.clone(),
        }));
        // Follow-on events are part of the outcome: for an undetected covert choice
        // they reach only its owner (and the White Cell), like the outcome itself.
        let hidden = r.covert && !r.detection.as_ref().is_some_and(|d| d.detected);
        let to = if hidden {
            vec![r.team.clone()]
        } else {
            Vec::new()
        };
        for ev in &outcome.events.index {
            catalog_inject(e, *ev, InjectOrigin::Cause(r.choice.clone()), to.clone());
        }
    }
    check_triggers(e);
    if check_end(e) {
        return;
    }
    e.change_phase(Phase::Review, e.turn, Vec::new());
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
}

fn check_triggers(e: &mut Emitter) {
    let s = e.scenario();
    for (ix, t) in s.triggers.iter().enumerate() {
        if (t.repeat || !e.world.fired_triggers[ix])
            && all_hold(&t.when, &e.world.indicators, &e.world.flags)
        {
            e.push(EventBody::TriggerFired {
                trigger: t.id.clone(),
                event: t.event_id.clone(),
            });
            catalog_inject(e, t.event, InjectOrigin::Trigger(t.id.clone()), Vec::new());
        }
    }
}

enum InjectOrigin {
    Cause(Arc<str>),
    Trigger(Arc<str>),
}

fn catalog_inject(e: &mut Emitter, ev: usize, origin: InjectOrigin, to: Vec<Arc<str>>) {
    let s = e.scenario();
    let Some(def) = s.events.get(ev) else { return };
    let (cause, trigger) = match origin {
        InjectOrigin::Cause(c) => (Some(c), None),
        InjectOrigin::Trigger(t) => (None, Some(t)),
    };
    let inject = Inject {
        id: format!("i{}", e.seq + 1),
        turn: e.turn,
        event: Some(def.id.clone()),
        script: None,
        trigger,
        cause,
        custom: false,
        title: def.title.clone(),
        text: def.text.clone(),
        source: def.source.clone(),
        from: Arc::from("White Cell"),
        to,
        effects: clamped(s, &e.world, &def.effects),
        set: def.set.ids.clone(),
        clear: def.clear.ids.clone(),
    };
    e.push(EventBody::EventInjected { inject });
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
            "stale_turn",
            format!(
                "That submission is for turn {turn}, but the session is on turn {}.",
                e.turn
            ),
        ));
    }
    let s = e.scenario();
    let Some(ti) = s.team_index(team) else {
        return Err(Rejection::new(
            "unknown_team",
            format!("There is no team `{team}`."),
        ));
    };
    let budget = s.teams[ti].budget;
    let mut cost = 0u32;
    let mut seen: Vec<&str> = Vec::new();
    for c in choices {
        let Some((owner, _, opt)) = s.option(&c.option) else {
            return Err(Rejection::new(
                "unknown_option",
                format!("There is no option `{}`.", c.option),
            ));
        };
        if owner != ti {
            return Err(Rejection::new(
                "not_your_option",
                format!(
                    "“{}” belongs to {}, not to your team.",
                    opt.title, s.teams[owner].name
                ),
            ));
        }
        if seen.contains(&&*opt.id) {
            return Err(Rejection::new(
                "duplicate_option",
                format!(
                    "“{}” is chosen twice; choose each option at most once a turn.",
                    opt.title
                ),
            ));
        }
        seen.push(&opt.id);
        if let Some(unmet) = opt
            .requires
            .iter()
            .find(|c| !c.holds(&e.world.indicators, &e.world.flags))
        {
            return Err(Rejection::new(
                "unmet_prerequisite",
                format!(
                    "“{}” is not available yet: it requires {}.",
                    opt.title,
                    describe_condition(s, unmet)
                ),
            ));
        }
        check_text(&c.rationale, MAX_TEXT, "rationale")?;
        cost += opt.cost;
    }
    if cost > budget {
        return Err(Rejection::new(
            "over_budget",
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
    });
    let _ = player;
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

fn inject(
    e: &mut Emitter,
    event: Option<&str>,
    custom: Option<&CustomInject>,
    script: Option<&str>,
    to: &[String],
) -> Result<(), Rejection> {
    if matches!(e.phase, Phase::Adjudication) {
        return Err(wrong_phase(
            e,
            "inject events",
            "the lobby, briefing, decision or review",
        ));
    }
    let s = e.scenario();
    for t in to {
        if s.team_index(t).is_none() {
            return Err(Rejection::new(
                "unknown_team",
                format!("There is no team `{t}` to send the inject to."),
            ));
        }
    }
    let mut inject = Inject {
        id: format!("i{}", e.seq + 1),
        turn: e.turn,
        event: None,
        script: None,
        trigger: None,
        cause: None,
        custom: false,
        title: Arc::from(""),
        text: Arc::from(""),
        source: Arc::from(""),
        from: Arc::from("White Cell"),
        to: to.iter().map(|t| Arc::from(t.as_str())).collect(),
        effects: BTreeMap::new(),
        set: Vec::new(),
        clear: Vec::new(),
    };
    let mut effects = Effects::default();
    let mut set = Vec::new();
    let mut clear = Vec::new();
    let mut event_ix = None;
    if let Some(sid) = script {
        let Some(item) = s.script.iter().find(|i| &*i.id == sid) else {
            return Err(Rejection::new(
                "unknown_script",
                format!("There is no scripted inject `{sid}`."),
            ));
        };
        if e.state.script.contains_key(sid) {
            return Err(Rejection::new(
                "script_already_used",
                format!(
                    "Scripted inject “{}” was already fired or skipped.",
                    item.title
                ),
            ));
        }
        inject.script = Some(item.id.clone());
        inject.title = item.title.clone();
        inject.text = item.text.clone();
        inject.from = if item.from.is_empty() {
            inject.from
        } else {
            item.from.clone()
        };
        if to.is_empty() {
            inject.to = item.to.clone();
        }
        event_ix = item.event;
    } else if let Some(eid) = event {
        let Some(ix) = s.event_index(eid) else {
            return Err(Rejection::new(
                "unknown_event",
                format!("There is no catalog event `{eid}`."),
            ));
        };
        event_ix = Some(ix);
    } else if custom.is_none() {
        return Err(Rejection::new(
            "invalid_inject",
            "An inject needs a catalog `event`, a scripted `script` entry, or a `custom` inject.",
        ));
    }
    if let Some(ix) = event_ix {
        let def = &s.events[ix];
        inject.event = Some(def.id.clone());
        if inject.title.is_empty() {
            inject.title = def.title.clone();
            inject.text = def.text.clone();
        }
        inject.source = def.source.clone();
        effects = def.effects.clone();
        set = def.set.ids.clone();
        clear = def.clear.ids.clone();
    }
    if let Some(c) = custom {
        let title = c.title.trim();
        if title.is_empty() && event_ix.is_none() {
            return Err(Rejection::new(
                "empty_text",
                "A custom inject needs a title.",
            ));
        }
        check_text(title, MAX_TITLE, "inject title")?;
        check_text(&c.text, MAX_TEXT, "inject text")?;
        if !title.is_empty() {
            inject.title = Arc::from(title);
        }
        if !c.text.trim().is_empty() {
            inject.text = Arc::from(c.text.as_str());
        }
        inject.custom = event_ix.is_none();
        if event_ix.is_none() {
            inject.source = Arc::from("White Cell");
        }
        for (id, d) in &c.effects {
            let Some(ix) = s.indicator_index(id) else {
                return Err(Rejection::new(
                    "unknown_indicator",
                    format!("There is no indicator `{id}`."),
                ));
            };
            if !(-100..=100).contains(d) {
                return Err(Rejection::new(
                    "invalid_inject",
                    format!("A change of {d} to `{id}` is outside -100..100."),
                ));
            }
            if let Some(slot) = effects.deltas.iter_mut().find(|(i, _)| *i == ix) {
                slot.1 = *d;
            } else {
                effects.deltas.push((ix, *d));
                effects.names.push(id.clone());
            }
        }
    }
    inject.effects = clamped(s, &e.world, &effects);
    inject.set = set;
    inject.clear = clear;
    e.push(EventBody::EventInjected { inject });
    if e.phase != Phase::Lobby {
        check_triggers(e);
        // An inject can carry the board to an end condition (say, regional war).
        check_end(e);
    }
    Ok(())
}

/// Ends the session if an end condition of the scenario holds on the board now.
fn check_end(e: &mut Emitter) -> bool {
    let s = e.scenario();
    let Some(end) = s
        .end_conditions
        .iter()
        .find(|c| all_hold(&c.when, &e.world.indicators, &e.world.flags))
    else {
        return false;
    };
    e.phase = Phase::Ended;
    e.push(EventBody::SessionEnded {
        reason: end.id.clone(),
        title: end.title.clone(),
        text: end.text.clone(),
    });
    true
}

fn skip(e: &mut Emitter, script: &str) -> Result<(), Rejection> {
    let Some(item) = e.scenario().script.iter().find(|i| &*i.id == script) else {
        return Err(Rejection::new(
            "unknown_script",
            format!("There is no scripted inject `{script}`."),
        ));
    };
    if e.state.script.contains_key(script) {
        return Err(Rejection::new(
            "script_already_used",
            format!(
                "Scripted inject “{}” was already fired or skipped.",
                item.title
            ),
        ));
    }
    e.push(EventBody::ScriptSkipped {
        script: script.to_string(),
    });
    Ok(())
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
            "unknown_choice",
            format!("There is no choice `{choice}` awaiting adjudication this turn."),
        ));
    };
    let note = note.trim();
    if note.is_empty() {
        return Err(Rejection::new(
            "note_required",
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

fn note(e: &mut Emitter, text: &str, public: bool) -> Result<(), Rejection> {
    if text.trim().is_empty() {
        return Err(Rejection::new("empty_text", "A note needs some text."));
    }
    check_text(text, MAX_TEXT, "note")?;
    e.push(EventBody::NoteAdded {
        text: text.to_string(),
        public,
    });
    Ok(())
}

fn timer(e: &mut Emitter, seconds: u32, auto_advance: Option<bool>) -> Result<(), Rejection> {
    if e.phase == Phase::Lobby {
        return Err(wrong_phase(e, "set a phase timer", "a turn"));
    }
    if seconds > MAX_TIMER_SECONDS {
        return Err(Rejection::new(
            "invalid_timer",
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
        return Err(Rejection::new("stale_timer", "No timer is running."));
    };
    if t.turn != turn || t.phase != phase || t.turn != e.turn || t.phase != e.phase {
        return Err(Rejection::new(
            "stale_timer",
            "That timer belongs to an earlier phase.",
        ));
    }
    if e.at < t.deadline {
        return Err(Rejection::new(
            "stale_timer",
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

/// Applies an event's effect on the shared board. Used by `evolve` and by `decide`'s
/// scratch world, so both always agree.
pub fn apply_world(world: &mut World, s: &Scenario, turn: u32, phase: Phase, body: &EventBody) {
    let mut change = |effects: &BTreeMap<Arc<str>, i64>, set: &[Arc<str>], clear: &[Arc<str>]| {
        for (id, d) in effects {
            // Ids in events are usually the scenario's own (shared) strings, which
            // `Arc`'s equality recognises by pointer before comparing text.
            if let Some(ix) = s.indicators.iter().position(|i| i.id == *id) {
                let ind = &s.indicators[ix];
                world.indicators[ix] = (world.indicators[ix] + d).clamp(ind.min, ind.max);
            }
        }
        for id in set {
            if let Some(ix) = s.flags.iter().position(|f| f.id == *id) {
                world.flags[ix] = true;
                if s.flags[ix].lapses {
                    let live_until = if phase <= Phase::Decision {
                        turn
                    } else {
                        turn + 1
                    };
                    world.flag_expiry[ix] = Some(live_until);
                }
            }
        }
        for id in clear {
            if let Some(ix) = s.flags.iter().position(|f| f.id == *id) {
                world.flags[ix] = false;
                world.flag_expiry[ix] = None;
            }
        }
    };
    match body {
        EventBody::EventInjected { inject } => change(&inject.effects, &inject.set, &inject.clear),
        EventBody::ChoiceResolved(r) => change(&r.effects, &r.set, &r.clear),
        EventBody::PhaseChanged {
            lapsed,
            lapsed_secret,
            ..
        } => {
            change(&BTreeMap::new(), &[], lapsed);
            change(&BTreeMap::new(), &[], lapsed_secret);
        }
        EventBody::TriggerFired { trigger, .. } => {
            if let Some(ix) = s.triggers.iter().position(|t| t.id == *trigger) {
                world.fired_triggers[ix] = true;
            }
        }
        _ => {}
    }
}

/// Applies one stored event to the state. Never fails: events are facts.
pub fn evolve(state: &mut State, event: &Event) {
    apply_world(
        &mut state.world,
        &state.scenario,
        event.turn,
        event.phase,
        &event.body,
    );
    state.seq = event.seq;
    state.turn = event.turn;
    state.phase = event.phase;
    match &event.body {
        EventBody::SessionCreated {
            title,
            seed,
            max_turns,
            auto_advance,
            private_rationales,
            ..
        } => {
            state.title = title.clone();
            state.seed = seed.unwrap_or(0);
            state.max_turns = *max_turns;
            state.auto_advance = *auto_advance;
            state.private_rationales = *private_rationales;
            state.created_at = event.at;
        }
        EventBody::PlayerJoined {
            player,
            team,
            name,
            seat,
        } => state.players.push(Player {
            player: player.clone(),
            team: team.clone(),
            name: name.clone(),
            seat: *seat,
            joined_at: event.at,
        }),
        EventBody::PhaseChanged { .. } => {
            state.timer = None;
            match event.phase {
                Phase::Briefing => {
                    state.drafts.iter_mut().for_each(|d| *d = None);
                    state.pending.clear();
                    // The previous turn is over: its final values (after any injects
                    // during review) replace the ones recorded when review opened.
                    if event.turn > 1 {
                        record_history(state, event.turn - 1);
                    }
                }
                Phase::Adjudication => {
                    // Room for this turn's rolls and results (capacity only).
                    let n = locked_choices(state);
                    state.pending.reserve(n);
                    state.choices.reserve(n);
                }
                Phase::Review => record_history(state, event.turn),
                _ => {}
            }
        }
        EventBody::ChoicesSubmitted {
            team,
            choices,
            cost,
            revision,
            ..
        } => {
            if let Some(ix) = state.scenario.team_index(team) {
                let by = match &event.actor {
                    Actor::Team { player, .. } => player.clone(),
                    _ => String::new(),
                };
                state.drafts[ix] = Some(Draft {
                    team: team.clone(),
                    turn: event.turn,
                    choices: choices.clone(),
                    cost: cost.unwrap_or(0),
                    revision: revision.unwrap_or(1),
                    by,
                    at: event.at,
                });
            }
        }
        EventBody::EventInjected { inject } => {
            if let Some(sid) = &inject.script {
                state
                    .script
                    .insert(sid.to_string(), ScriptStatus::Fired { seq: event.seq });
            }
            state.injects.push(inject.clone());
        }
        EventBody::ScriptSkipped { script } => {
            state
                .script
                .insert(script.clone(), ScriptStatus::Skipped { seq: event.seq });
        }
        EventBody::DiceRolled { rolled, rng } => {
            state.pending.push(rolled.clone());
            state.rng = *rng;
        }
        EventBody::OutcomeOverridden {
            choice,
            result,
            note,
            ..
        } => {
            if let Some(r) = state.pending.iter_mut().find(|r| &r.choice == choice) {
                r.overridden = Some(OverrideNote {
                    result: *result,
                    note: note.clone(),
                });
            }
        }
        EventBody::ChoiceResolved(r) => state.choices.push(TurnChoice {
            turn: event.turn,
            resolution: r.clone(),
        }),
        EventBody::TriggerFired { .. } => {}
        EventBody::NoteAdded { text, public } => state.notes.push(Note {
            seq: event.seq,
            at: event.at,
            turn: event.turn,
            text: text.clone(),
            public: *public,
        }),
        EventBody::TimerSet {
            seconds,
            deadline,
            auto_advance,
        } => {
            state.timer = deadline.map(|deadline| Timer {
                seconds: *seconds,
                deadline,
                auto_advance: *auto_advance,
                turn: event.turn,
                phase: event.phase,
            });
        }
        EventBody::TimerExpired {} => state.timer = None,
        EventBody::SessionEnded {
            reason,
            title,
            text,
        } => {
            state.timer = None;
            state.pending.clear();
            if state.turn > 0 {
                record_history(state, state.turn);
            }
            state.ended = Some(Ending {
                reason: reason.clone(),
                title: title.clone(),
                text: text.clone(),
            });
        }
    }
}

/// Records (or replaces) the indicator values at the end of `turn`.
fn record_history(state: &mut State, turn: u32) {
    let record = TurnRecord {
        turn,
        indicators: state.world.indicators.clone(),
    };
    match state.history.last_mut() {
        Some(last) if last.turn == turn => *last = record,
        _ => state.history.push(record),
    }
}
