//! Chat mode's team seats: each posts one `say` every `--say-every` seconds, from a
//! start phase of its own, on its bilateral channels and the public one in turn.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use wargame::engine::Command as Cmd;

use crate::client::{Out, REPLY_TIMEOUT, Reply, Said};
use crate::driver::{Stats, Table, Window};
use crate::game::command_json;
use crate::{TEAMS, micros};

/// Most messages one seat posts, whatever the interval and duration.
const MAX_SAYS_PER_SEAT: u32 = 1_000_000;

/// The channels a team seat (1..=4) posts in: the default scenario's channel with
/// each other team (`{a}-{b}` in team order), then the public `all`.
pub fn channels_of(seat: usize) -> Vec<String> {
    let me = seat - 1;
    let mut out: Vec<String> = (0..TEAMS.len())
        .filter(|&other| other != me)
        .map(|other| {
            let (a, b) = (me.min(other), me.max(other));
            format!("{}-{}", TEAMS[a], TEAMS[b])
        })
        .collect();
    out.push("all".into());
    out
}

/// Seats other than the sender's that receive a message on `channel`: the other
/// member and the facilitator for a bilateral channel; every other seat for `all`.
fn recipients(channel: &str) -> u8 {
    if channel == "all" {
        TEAMS.len() as u8
    } else {
        2
    }
}

/// A number in [0, 1) that depends only on `n`, well spread (SplitMix64).
fn spread(n: u64) -> f64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// One team seat's chat: one `say` in flight at a time, one every `every`.
pub async fn chat(
    table: Rc<Table>,
    seat: usize,
    every: Duration,
    window: Window,
    stats: Rc<RefCell<Stats>>,
) {
    let channels = channels_of(seat);
    let who = (table.index * 8 + seat) as u64;
    // Each seat starts at its own point of the interval and channel rotation, so the
    // posts of all seats are spread over time and channels.
    let mut next = window.start + every.mul_f64(spread(who));
    let first_channel = (spread(who ^ 0x5eed) * channels.len() as f64) as usize;
    for n in 0..MAX_SAYS_PER_SEAT {
        let now = Instant::now();
        if next > now {
            tokio::time::sleep_until(next.into()).await;
        } else if now - next > every {
            stats.borrow_mut().say_behind += 1;
        }
        // At most one interval of catch-up, as for the facilitator's commands.
        next = next.max(now.checked_sub(every).unwrap_or(now)) + every;
        if Instant::now() >= window.end || table.track.borrow().ended {
            return;
        }
        let channel = &channels[(first_channel + n as usize) % channels.len()];
        let key = (seat as u8, n);
        let text = format!(
            "#{seat}.{n} {} on {channel}: before the next turn we should agree what our \
             ministers say in public about the exercises near the border.",
            TEAMS[seat - 1]
        );
        let command = Cmd::Say {
            channel: channel.clone(),
            text,
            as_: None,
        };
        let r = format!("s{n}");
        let text = command_json(&command, &r);
        let sent = Instant::now();
        table.track.borrow_mut().said.insert(
            key,
            Said {
                at: sent,
                measure: sent >= window.measure_from,
                left: recipients(channel),
            },
        );
        let (reply, rx) = oneshot::channel();
        if table.seats[seat]
            .send(Out { text, r, reply })
            .await
            .is_err()
        {
            table.track.borrow_mut().said.remove(&key);
            stats.borrow_mut().drivers_stopped_early += 1;
            return;
        }
        let answer = tokio::time::timeout(REPLY_TIMEOUT, rx).await;
        let done = Instant::now();
        let mut s = stats.borrow_mut();
        s.says_total += 1;
        match answer {
            Ok(Ok(Reply::Ack(_))) => {
                s.say_acks_total += 1;
                if sent >= window.measure_from && done <= window.end {
                    s.say_acks += 1;
                    s.say_ack_us.push(micros(done - sent));
                }
            }
            Ok(Ok(Reply::Refused(code))) => {
                // Nothing was posted, so nothing is on its way.
                table.track.borrow_mut().said.remove(&key);
                *s.say_refused.entry(code).or_default() += 1;
            }
            Ok(Err(_)) => {
                if done < window.end {
                    s.drivers_stopped_early += 1;
                }
                return;
            }
            Err(_) => {
                s.say_timeouts += 1;
                s.drivers_stopped_early += 1;
                return;
            }
        }
    }
}
