//! Negotiation as each seat may see it: which channels, messages and agreements reach
//! whom. `view.rs` calls these for snapshots and `visible`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::negotiation::{Agreement, Message, Speaker, channel_open, find_channel, reject};
use super::state::State;
use super::types::*;
use crate::scenario::{Channel, Scenario};

/// Messages per channel in a snapshot; older ones come with the `messages` query.
pub const SNAPSHOT_MESSAGES: usize = 300;
/// The most messages one `messages` query returns.
pub const MAX_QUERY_MESSAGES: usize = 300;

/// A channel as a seat sees it in the snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelView {
    pub id: Arc<str>,
    pub name: String,
    pub members: Vec<Arc<str>>,
    /// Open now (the White Cell's setting, or else the schedule).
    pub open: bool,
    /// The White Cell holds it open or closed, whatever the schedule says.
    pub held: bool,
    pub public: bool,
}

/// Whether this viewer may read the channel.
pub fn reads_channel(c: &Channel, viewer: &Viewer) -> bool {
    match viewer {
        Viewer::Facilitator => true,
        Viewer::Team(t) => c.public || c.has_member(t),
        Viewer::Observer => c.public,
    }
}

/// Whether this viewer may read an agreement between `parties`.
pub fn reads_agreement(parties: &[String], public: bool, viewer: &Viewer) -> bool {
    match viewer {
        Viewer::Facilitator => true,
        Viewer::Team(t) => public || parties.iter().any(|p| p == t),
        Viewer::Observer => public,
    }
}

/// The speaker as this viewer may see it: other teams' player ids are blanked.
pub fn redact_speaker(from: &Speaker, viewer: &Viewer) -> Speaker {
    let mut from = from.clone();
    let own = match viewer {
        Viewer::Facilitator => true,
        Viewer::Team(t) => from.team.as_deref() == Some(t),
        Viewer::Observer => false,
    };
    if !own {
        from.player = None;
    }
    from
}

/// The channels this viewer may read, with whether each is open now.
pub fn channels_view(state: &State, viewer: &Viewer) -> Vec<ChannelView> {
    state
        .scenario
        .channels
        .iter()
        .filter(|c| reads_channel(c, viewer))
        .map(|c| ChannelView {
            id: c.id.clone(),
            name: c.name.clone(),
            members: c.members.clone(),
            open: channel_open(state, c),
            held: state.channel_open.contains_key(&*c.id),
            public: c.public,
        })
        .collect()
}

/// A message as this viewer may see it, or `None`.
fn seen_message(s: &Scenario, m: &Message, viewer: &Viewer) -> Option<Message> {
    let c = s.channel(&m.channel)?;
    reads_channel(c, viewer).then(|| Message {
        from: redact_speaker(&m.from, viewer),
        ..m.clone()
    })
}

/// The messages this viewer may see, oldest first: the last [`SNAPSHOT_MESSAGES`]
/// of each channel.
pub fn messages_view(state: &State, viewer: &Viewer) -> Vec<Message> {
    let s = state.scenario.as_ref();
    let mut per_channel: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out: Vec<Message> = state
        .messages
        .iter()
        .rev()
        .filter(|m| {
            let n = per_channel.entry(&m.channel).or_default();
            *n += 1;
            *n <= SNAPSHOT_MESSAGES
        })
        .filter_map(|m| seen_message(s, m, viewer))
        .collect();
    out.reverse();
    out
}

/// The agreements this viewer may see, with their answers and status. An applied
/// agreement is public (its `agreement_applied` reached every seat), but what the
/// parties wrote to each other while negotiating it stays with them.
pub fn agreements_view(state: &State, viewer: &Viewer) -> Vec<Agreement> {
    state
        .agreements
        .iter()
        .filter_map(|a| {
            if reads_agreement(&a.proposal.parties, a.proposal.public, viewer) {
                return Some(a.clone());
            }
            a.applied.then(|| {
                let mut a = a.clone();
                a.responses.iter_mut().for_each(|r| r.note = None);
                a.note = None;
                a
            })
        })
        .collect()
}

/// One page of a channel's older messages, and whether there are older still.
#[derive(Debug, Clone, Serialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub more: bool,
}

/// Older messages of one channel: up to `limit` (at most [`MAX_QUERY_MESSAGES`])
/// posted before event `before`, oldest first.
pub fn messages_before(
    state: &State,
    viewer: &Viewer,
    channel: &str,
    before: u64,
    limit: usize,
) -> Result<MessagePage, Rejection> {
    let s = state.scenario.as_ref();
    let c = find_channel(s, channel)?;
    if !reads_channel(c, viewer) {
        return Err(reject(
            RejectionCode::NotAMember,
            format!("Your seat cannot read “{}”.", c.name),
        ));
    }
    let limit = limit.clamp(1, MAX_QUERY_MESSAGES);
    let mut older = state
        .messages
        .iter()
        .rev()
        .filter(|m| m.seq < before && m.channel == c.id);
    let mut messages: Vec<Message> = older
        .by_ref()
        .take(limit)
        .filter_map(|m| seen_message(s, m, viewer))
        .collect();
    messages.reverse();
    let more = older.next().is_some();
    Ok(MessagePage { messages, more })
}
