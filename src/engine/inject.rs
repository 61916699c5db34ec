//! Injects: from the catalog, the script (MSEL), a trigger, a choice's outcome, or
//! written by the White Cell; triggers and end conditions checked after them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::adjudicate::clamped;
use super::emit::{Emitter, check_text, wrong_phase};
use super::types::*;
use crate::scenario::{Effects, all_hold};

pub(super) fn inject(
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
                RejectionCode::UnknownTeam,
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
                RejectionCode::UnknownScript,
                format!("There is no scripted inject `{sid}`."),
            ));
        };
        if e.state.script.contains_key(sid) {
            return Err(Rejection::new(
                RejectionCode::ScriptAlreadyUsed,
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
                RejectionCode::UnknownEvent,
                format!("There is no catalog event `{eid}`."),
            ));
        };
        event_ix = Some(ix);
    } else if custom.is_none() {
        return Err(Rejection::new(
            RejectionCode::InvalidInject,
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
                RejectionCode::EmptyText,
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
                    RejectionCode::UnknownIndicator,
                    format!("There is no indicator `{id}`."),
                ));
            };
            if !(-100..=100).contains(d) {
                return Err(Rejection::new(
                    RejectionCode::InvalidInject,
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
pub(super) fn check_end(e: &mut Emitter) -> bool {
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

pub(super) fn skip(e: &mut Emitter, script: &str) -> Result<(), Rejection> {
    let Some(item) = e.scenario().script.iter().find(|i| &*i.id == script) else {
        return Err(Rejection::new(
            RejectionCode::UnknownScript,
            format!("There is no scripted inject `{script}`."),
        ));
    };
    if e.state.script.contains_key(script) {
        return Err(Rejection::new(
            RejectionCode::ScriptAlreadyUsed,
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

pub(super) fn check_triggers(e: &mut Emitter) {
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

pub(super) enum InjectOrigin {
    Cause(Arc<str>),
    Trigger(Arc<str>),
}

pub(super) fn catalog_inject(e: &mut Emitter, ev: usize, origin: InjectOrigin, to: Vec<Arc<str>>) {
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

/// An inject as delivered: from the catalog, the script, a trigger, a choice, or
/// written by the facilitator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inject {
    pub id: String,
    pub turn: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Arc<str>>,
    /// The choice whose outcome caused this follow-on event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Arc<str>>,
    pub custom: bool,
    pub title: Arc<str>,
    pub text: Arc<str>,
    #[serde(default)]
    pub source: Arc<str>,
    #[serde(default)]
    pub from: Arc<str>,
    /// Team ids that receive it; empty means everyone.
    #[serde(default)]
    pub to: Vec<Arc<str>>,
    /// Indicator changes actually applied (after clamping to range).
    pub effects: BTreeMap<Arc<str>, i64>,
    pub set: Vec<Arc<str>>,
    pub clear: Vec<Arc<str>>,
}
