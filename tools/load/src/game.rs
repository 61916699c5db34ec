//! The scripted game, shared by the WebSocket drivers and the restart fill.

use wargame::engine::{ChoiceInput, Command as Cmd, Phase};

use crate::{MAX_TURNS, TEAMS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Facilitator runs turns; every team submits twice (a draft and a revision).
    Play,
    /// Facilitator only: public notes and phase changes, all visible to every seat.
    Broadcast,
}

/// Who sends a command: 0 the facilitator, 1..=4 the teams in `TEAMS` order.
pub type Seat = usize;

/// Where one session's script stands, as far as its acks tell.
pub struct Game {
    script: Script,
    phase: Phase,
    turn: u32,
    step: usize,
    /// Last stored seq this driver knows of (from the snapshot, then the acks).
    pub seq: u64,
    pub ended: bool,
    notes: u64,
}

const SUBMITS_PER_TURN: usize = 8;

/// Options without prerequisites, within budget: (draft, revision) per team.
const PICKS: [[&[&str]; 2]; 4] = [
    [
        &["diversionary_posture", "preemptive_repression"],
        &["information_blackout", "hedge_commitments"],
    ],
    [
        &["press_minsk", "ru_deterrence_messaging"],
        &["condition_aid"],
    ],
    [
        &["fortify_north", "messaging_to_belarus"],
        &["redeploy_north"],
    ],
    [
        &["targeted_sanctions", "support_civil_society"],
        &["flank_exercises"],
    ],
];

impl Game {
    pub fn new(script: Script, seq: u64) -> Game {
        Game {
            script,
            phase: Phase::Lobby,
            turn: 0,
            step: 0,
            seq,
            ended: false,
            notes: 0,
        }
    }

    /// The next command and who sends it.
    pub fn next(&mut self) -> (Seat, Cmd) {
        if self.ended {
            return (0, self.note());
        }
        match (self.script, self.phase) {
            (_, Phase::Lobby) => (0, Cmd::Start),
            (Script::Broadcast, _) => {
                if self.step % 2 == 0 {
                    (0, self.note())
                } else {
                    (0, Cmd::Advance)
                }
            }
            (Script::Play, Phase::Decision) if self.step < SUBMITS_PER_TURN => {
                let team = self.step % TEAMS.len();
                let revision = self.step / TEAMS.len();
                let choices = PICKS[team][revision]
                    .iter()
                    .map(|o| ChoiceInput {
                        option: (*o).to_string(),
                        rationale: format!(
                            "Turn {}, revision {}: we choose {o} because the board says so; \
                             the load tool writes a rationale of ordinary length so that \
                             drafts, events and snapshots carry realistic text.",
                            self.turn,
                            revision + 1
                        ),
                    })
                    .collect();
                (
                    team + 1,
                    Cmd::Submit {
                        turn: self.turn,
                        choices,
                    },
                )
            }
            (Script::Play, _) => (0, Cmd::Advance),
        }
    }

    fn note(&mut self) -> Cmd {
        self.notes += 1;
        Cmd::Note {
            text: format!(
                "White Cell update {}: all teams, the situation develops as briefed.",
                self.notes
            ),
            public: true,
            category: Default::default(),
            about: None,
        }
    }

    /// The command from `next` was acknowledged with `seq`.
    pub fn acked(&mut self, command: &Cmd, seq: u64) {
        self.seq = seq;
        match command {
            Cmd::Start => {
                self.phase = Phase::Briefing;
                self.turn = 1;
                self.step = 0;
            }
            Cmd::Advance => {
                self.step = if self.script == Script::Broadcast {
                    self.step + 1
                } else {
                    0
                };
                self.phase = match self.phase {
                    Phase::Briefing => Phase::Decision,
                    Phase::Decision => Phase::Adjudication,
                    Phase::Adjudication => Phase::Review,
                    Phase::Review => {
                        self.turn += 1;
                        if self.turn > MAX_TURNS {
                            self.ended = true;
                        }
                        Phase::Briefing
                    }
                    other => other,
                };
            }
            _ => self.step += 1,
        }
    }

    /// The command from `next` was refused.
    pub fn refused(&mut self, code: &str) {
        match code {
            "session_ended" => self.ended = true,
            // Not a refusal of this command: try it again next time.
            "rate_limited" => {}
            // Keep the script moving rather than repeat a refused command forever.
            _ => self.step += 1,
        }
    }
}

/// A command as the client sends it, with its `ref`.
pub fn command_json(command: &Cmd, r: &str) -> String {
    let body = serde_json::to_string(command).unwrap_or_else(|_| "{}".into());
    format!(r#"{{"ref":"{r}",{}"#, body.strip_prefix('{').unwrap_or("}"))
}
