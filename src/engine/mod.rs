//! The pure game core: state, commands, events, rules, dice.
//!
//! **Invariant:** no I/O, no clock, no global RNG. Time and identity arrive with the
//! command; dice come from the session's seeded ChaCha stream, whose position is part
//! of the state. `engine` knows nothing of tokio, actix or SQL (a test enforces it).
//!
//! - [`decide`]`(state, actor, command, at) -> Result<Vec<Event>, Rejection>`
//!   (`decide.rs`, with `adjudicate.rs` for odds and dice, `inject.rs` for injects,
//!   triggers and the script, and `emit.rs`, the scratch board they write on).
//! - [`evolve`]`(state, event)`: live play and replay share it (`evolve.rs`).
//! - [`view`] / [`visible`]: what one seat may see, in one place.
//! - [`preview`]: Monte Carlo odds for the current turn on a separate stream.

mod aar;
mod adjudicate;
mod bots;
mod command;
mod debrief;
mod decide;
mod doctrine;
mod emit;
mod evolve;
mod fog;
mod fork;
mod inject;
mod negotiation;
mod negotiation_view;
mod objectives;
mod preview;
mod rejection;
mod repeat;
mod simulate;
mod state;
mod teamwork;
mod types;
mod view;

pub use aar::{
    AfterAction, MAX_CONCLUSION, MAX_PLAN_ITEMS, MAX_SCOPE, Subject, is_date, subject, subject_id,
};
pub use adjudicate::{detection_odds, odds};
pub use debrief::{Debrief, DebriefView, MAX_ANSWER, debrief_view, view_of};
pub use decide::{MAX_TIMER_SECONDS, Settings, create, create_with, decide, describe_condition};
pub use doctrine::{bot_stream, doctrine_choices};
pub use evolve::evolve;
pub use fog::{Boards, is_hidden, noise as fog_noise, team_beliefs};
pub use fork::{ForkError, fork, reached_turn};
pub use negotiation::{
    Agreement, AgreementStatus, MESSAGE_BURST, MESSAGE_INTERVAL_MS, Message, Response, channel_open,
};
pub use negotiation_view::{
    ChannelView, MAX_QUERY_MESSAGES, MessagePage, SNAPSHOT_MESSAGES, messages_before,
};
pub use objectives::{ObjectiveView, Score, objectives_met, score_of};
pub use preview::{ChoicePreview, Distribution, Preview, preview};
pub use rejection::*;
pub use repeat::{odds_after, repeat_modifier};
pub use simulate::{
    InjectAt, Policy, SimOptions, Summary, parse_injects, play, play_random, random_choices,
    run_seed, simulate, simulate_with,
};
pub use state::*;
pub use teamwork::{LIKELY_FROM, PlayerOddsView, RISKY_UPTO, band as odds_band, team_odds};
pub use types::*;
pub use view::{
    OptionStatus, TeamStatus, View, can_see_inject, option_status, redact_inject,
    redact_resolution, view, visible,
};

/// Re-derives a session from its events: the state `evolve` reaches.
pub fn replay<'a>(
    scenario: std::sync::Arc<crate::scenario::Scenario>,
    events: impl IntoIterator<Item = &'a Event>,
) -> State {
    let mut state = State::blank(scenario);
    for e in events {
        evolve(&mut state, e);
    }
    state
}

/// `replay`, also giving the state hash after event `hash_seq` (`Ok(None)` when the
/// events never reach it): how a stored session's checkpointed hash is checked.
/// Replay itself cannot fail; only hashing can.
pub fn replay_checked<'a>(
    scenario: std::sync::Arc<crate::scenario::Scenario>,
    events: impl IntoIterator<Item = &'a Event>,
    hash_seq: u64,
) -> (State, Result<Option<String>, HashError>) {
    let mut state = State::blank(scenario);
    let mut hash = Ok(None);
    for e in events {
        evolve(&mut state, e);
        if state.seq == hash_seq {
            hash = state.hash().map(Some);
        }
    }
    (state, hash)
}
