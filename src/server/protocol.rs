//! The WebSocket protocol of docs/PROTOCOL.md as types: what a client may send
//! ([`ClientFrame`], read by serde) and every frame the server sends
//! ([`ServerFrame`]).
//!
//! **Invariant:** `join` and `timer_expired` are commands only the server issues;
//! no client frame can express them ([`ClientCommand`] has no such variant), so a
//! client that sends one gets `unknown_type`.

use std::sync::Arc;

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ids::Token;
use crate::engine::{
    self, ChoiceInput, Command, CustomAgreement, CustomInject, Event, Outcome, Rejection,
};

/// A client frame's `ref`: any JSON value, echoed in the answer to it.
pub type Ref = Value;

/// Odds previews: runs when the frame names none, and the most it may ask for.
const PREVIEW_RUNS: u64 = 10_000;
const MAX_PREVIEW_RUNS: u64 = 100_000;

/// Every `type` a client may send. [`ClientFrame::parse`] reads the type first, so
/// an unknown one is told apart from a known one with bad fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FrameType {
    Auth,
    Ping,
    Preview,
    Start,
    Advance,
    Submit,
    Inject,
    Skip,
    Override,
    Note,
    Timer,
    End,
    Say,
    Channel,
    Propose,
    Respond,
    Withdraw,
    Void,
    Messages,
    Reveal,
    Bot,
    Draft,
    Lead,
    UndoOverride,
    Debrief,
    CloseDebrief,
    ReportInfo,
    Conclude,
    Plan,
}

/// One frame from a client.
#[derive(Debug)]
pub enum ClientFrame {
    /// Authenticate (again); answered by a snapshot.
    Auth {
        token: Option<Token>,
    },
    /// Answered by `pong`, after every event committed before it (see PROTOCOL.md).
    Ping,
    /// The facilitator's Monte Carlo odds for the current turn; `runs` is clamped.
    Preview {
        runs: u32,
    },
    /// Older messages of one channel, before event `before` (read-only).
    Messages {
        channel: String,
        before: u64,
        limit: usize,
    },
    Command(ClientCommand),
}

/// The engine commands a client may send, with the fields PROTOCOL.md lists.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientCommand {
    Start {},
    Advance {},
    Submit {
        turn: u32,
        choices: Vec<ChoiceInput>,
    },
    Inject {
        #[serde(default)]
        event: Option<String>,
        #[serde(default)]
        custom: Option<CustomInject>,
        #[serde(default)]
        script: Option<String>,
        #[serde(default)]
        to: Vec<String>,
    },
    Skip {
        script: String,
    },
    Override {
        choice: String,
        result: Outcome,
        #[serde(default)]
        note: String,
    },
    Note {
        text: String,
        #[serde(default)]
        public: bool,
        #[serde(default)]
        category: engine::NoteCategory,
        #[serde(default)]
        about: Option<String>,
    },
    Timer {
        seconds: u32,
        #[serde(default)]
        auto_advance: Option<bool>,
    },
    End {
        #[serde(default)]
        reason: Option<String>,
    },
    Say {
        channel: String,
        text: String,
        #[serde(default, rename = "as")]
        as_: Option<String>,
    },
    Channel {
        channel: String,
        /// `null` (or absent) hands the channel back to its schedule.
        #[serde(default)]
        open: Option<bool>,
    },
    Propose {
        #[serde(default)]
        agreement: Option<String>,
        #[serde(default)]
        custom: Option<CustomAgreement>,
        #[serde(default)]
        to: Vec<String>,
    },
    Respond {
        agreement: String,
        accept: bool,
        #[serde(default)]
        note: Option<String>,
    },
    Withdraw {
        agreement: String,
    },
    Void {
        agreement: String,
        #[serde(default)]
        note: String,
    },
    Reveal {
        choice: String,
    },
    /// `doctrine: null` (or absent) hands the seat back to the team's players.
    Bot {
        team: String,
        #[serde(default)]
        doctrine: Option<String>,
    },
    Draft {
        turn: u32,
        choices: Vec<ChoiceInput>,
    },
    Lead {
        team: String,
        player: String,
    },
    UndoOverride {
        choice: String,
    },
    Debrief {
        answers: Vec<engine::DebriefAnswer>,
    },
    CloseDebrief {},
    ReportInfo(engine::ReportInfo),
    Conclude {
        text: String,
    },
    Plan(engine::PlanInput),
}

impl From<ClientCommand> for Command {
    fn from(c: ClientCommand) -> Command {
        match c {
            ClientCommand::Start {} => Command::Start,
            ClientCommand::Advance {} => Command::Advance,
            ClientCommand::Submit { turn, choices } => Command::Submit { turn, choices },
            ClientCommand::Inject {
                event,
                custom,
                script,
                to,
            } => Command::Inject {
                event,
                custom,
                script,
                to,
            },
            ClientCommand::Skip { script } => Command::Skip { script },
            ClientCommand::Override {
                choice,
                result,
                note,
            } => Command::Override {
                choice,
                result,
                note,
            },
            ClientCommand::Note {
                text,
                public,
                category,
                about,
            } => Command::Note {
                text,
                public,
                category,
                about,
            },
            ClientCommand::Timer {
                seconds,
                auto_advance,
            } => Command::Timer {
                seconds,
                auto_advance,
            },
            ClientCommand::End { reason } => Command::End { reason },
            ClientCommand::Say { channel, text, as_ } => Command::Say { channel, text, as_ },
            ClientCommand::Channel { channel, open } => Command::Channel { channel, open },
            ClientCommand::Propose {
                agreement,
                custom,
                to,
            } => Command::Propose {
                agreement,
                custom,
                to,
            },
            ClientCommand::Respond {
                agreement,
                accept,
                note,
            } => Command::Respond {
                agreement,
                accept,
                note,
            },
            ClientCommand::Withdraw { agreement } => Command::Withdraw { agreement },
            ClientCommand::Void { agreement, note } => Command::Void { agreement, note },
            ClientCommand::Reveal { choice } => Command::Reveal { choice },
            ClientCommand::Bot { team, doctrine } => Command::Bot { team, doctrine },
            ClientCommand::Draft { turn, choices } => Command::Draft { turn, choices },
            ClientCommand::Lead { team, player } => Command::Lead { team, player },
            ClientCommand::UndoOverride { choice } => Command::UndoOverride { choice },
            ClientCommand::Debrief { answers } => Command::Debrief { answers },
            ClientCommand::CloseDebrief {} => Command::CloseDebrief,
            ClientCommand::ReportInfo(info) => Command::ReportInfo(info),
            ClientCommand::Conclude { text } => Command::Conclude { text },
            ClientCommand::Plan(p) => Command::Plan(p),
        }
    }
}

#[derive(Deserialize)]
struct AuthFields {
    #[serde(default)]
    token: Option<Token>,
}

#[derive(Deserialize)]
struct MessagesFields {
    channel: String,
    before: u64,
    #[serde(default)]
    limit: Option<u64>,
}

/// Messages a `messages` query returns when it names no `limit`.
const MESSAGES_LIMIT: u64 = 100;

#[derive(Deserialize)]
struct PreviewFields {
    #[serde(default)]
    runs: Option<u64>,
}

/// Why a frame was not taken: the error frame's code and sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: WsCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code: ErrorCode::Connection(code),
            message: message.into(),
        }
    }
}

impl From<&Rejection> for Refusal {
    fn from(r: &Rejection) -> Refusal {
        Refusal {
            code: ErrorCode::Rejected(r.code),
            message: r.message.clone(),
        }
    }
}

impl ClientFrame {
    /// Reads one text frame: its `ref` (`null` when it has none or is not an
    /// object), and the frame or why it cannot be taken.
    pub fn parse(text: &str) -> (Ref, Result<ClientFrame, Refusal>) {
        let mut fields = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => {
                return (
                    Value::Null,
                    Err(Refusal::new(
                        WsCode::BadFrame,
                        "Each frame must be one JSON object with a \"type\".",
                    )),
                );
            }
            Err(e) => {
                return (
                    Value::Null,
                    Err(Refusal::new(
                        WsCode::BadJson,
                        format!("That frame is not valid JSON: {e}."),
                    )),
                );
            }
        };
        let r#ref = fields.remove("ref").unwrap_or(Value::Null);
        let frame = Self::from_fields(fields);
        (r#ref, frame)
    }

    fn from_fields(mut fields: Map<String, Value>) -> Result<ClientFrame, Refusal> {
        let Some(Value::String(kind)) = fields.remove("type") else {
            return Err(Refusal::new(
                WsCode::BadFrame,
                "The frame has no \"type\" (a string).",
            ));
        };
        let ty = FrameType::deserialize(kind.as_str().into_deserializer()).map_err(
            |_: serde::de::value::Error| {
                Refusal::new(
                    WsCode::UnknownType,
                    format!("Unknown command type `{kind}`."),
                )
            },
        )?;
        tracing::debug!(frame = %kind, "frame");
        let fields = Value::Object(fields);
        Ok(match ty {
            FrameType::Auth => ClientFrame::Auth {
                token: read::<AuthFields>(&kind, fields)?.token,
            },
            FrameType::Ping => ClientFrame::Ping,
            FrameType::Preview => {
                let runs = read::<PreviewFields>(&kind, fields)?
                    .runs
                    .unwrap_or(PREVIEW_RUNS)
                    .clamp(1, MAX_PREVIEW_RUNS);
                ClientFrame::Preview {
                    runs: u32::try_from(runs).unwrap_or(u32::MAX),
                }
            }
            FrameType::Messages => {
                let f = read::<MessagesFields>(&kind, fields)?;
                let limit = f
                    .limit
                    .unwrap_or(MESSAGES_LIMIT)
                    .clamp(1, engine::MAX_QUERY_MESSAGES as u64);
                ClientFrame::Messages {
                    channel: f.channel,
                    before: f.before,
                    limit: usize::try_from(limit).unwrap_or(1),
                }
            }
            FrameType::Start
            | FrameType::Advance
            | FrameType::Submit
            | FrameType::Inject
            | FrameType::Skip
            | FrameType::Override
            | FrameType::Note
            | FrameType::Timer
            | FrameType::End
            | FrameType::Say
            | FrameType::Channel
            | FrameType::Propose
            | FrameType::Respond
            | FrameType::Withdraw
            | FrameType::Void
            | FrameType::Reveal
            | FrameType::Bot
            | FrameType::Draft
            | FrameType::Lead
            | FrameType::UndoOverride
            | FrameType::Debrief
            | FrameType::CloseDebrief
            | FrameType::ReportInfo
            | FrameType::Conclude
            | FrameType::Plan => {
                // Externally tagged, so serde keeps the path to a bad field.
                let tagged = Value::Object(Map::from_iter([(kind.clone(), fields)]));
                ClientFrame::Command(read::<ClientCommand>(&kind, tagged)?)
            }
        })
    }
}

/// Reads a frame's fields; a bad one is named in the `bad_command` message.
fn read<T: serde::de::DeserializeOwned>(kind: &str, fields: Value) -> Result<T, Refusal> {
    serde_path_to_error::deserialize::<_, T>(fields).map_err(|e| {
        let path = e.path().to_string();
        // A command's path starts at its tag; the client wrote no such level.
        let path = path
            .strip_prefix(kind)
            .map_or(path.as_str(), |p| p.trim_start_matches('.'));
        let at = if path.is_empty() || path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        Refusal::new(
            WsCode::BadCommand,
            format!("The `{kind}` frame is malformed{at}: {}.", e.inner()),
        )
    })
}

/// Error codes of the connection itself (the engine's rejections carry theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WsCode {
    /// Not JSON.
    BadJson,
    /// JSON, but not an object with a string `type`; or a binary frame.
    BadFrame,
    /// A known type with missing or ill-typed fields.
    BadCommand,
    /// A type no client may send.
    UnknownType,
    Unauthorized,
    Forbidden,
    /// The session is not running, or could not save (nothing changed).
    Unavailable,
    RateLimited,
}

/// An `error` frame's code: the connection's own, or an engine rejection's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Connection(WsCode),
    Rejected(engine::RejectionCode),
}

/// The session as one seat may see it, with what only the server knows.
#[derive(Serialize)]
pub struct Snapshot<'a> {
    pub session_id: &'a str,
    pub join_code: &'a str,
    /// The server's clock, so countdowns can correct for a skewed device clock.
    pub now: i64,
    pub presence: &'a Presence,
    #[serde(flatten)]
    pub view: &'a engine::View,
}

/// Who is connected: sent to the facilitator and the teams.
#[derive(Debug, Clone, Serialize)]
pub struct Presence {
    pub seats: Vec<PresenceSeat>,
    pub facilitator_connected: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PresenceSeat {
    pub player: String,
    pub team: String,
    pub name: String,
    pub connected: bool,
    pub connections: usize,
    pub last_seen: Option<i64>,
}

/// Every frame the server sends, tagged with its `type`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Snapshot(Snapshot<'a>),
    /// One event as this seat may see it (`engine::visible` decided that).
    Event(&'a Event),
    Ack {
        #[serde(rename = "ref")]
        r#ref: &'a Ref,
        seq: u64,
    },
    Error {
        #[serde(rename = "ref")]
        r#ref: &'a Ref,
        code: ErrorCode,
        message: &'a str,
    },
    Presence(&'a Presence),
    Pong {
        #[serde(rename = "ref")]
        r#ref: &'a Ref,
    },
    Preview {
        #[serde(rename = "ref")]
        r#ref: &'a Ref,
        preview: &'a engine::Preview,
    },
    /// The answer to a `messages` query.
    Messages {
        #[serde(rename = "ref")]
        r#ref: &'a Ref,
        channel: &'a str,
        messages: &'a [engine::Message],
        /// Whether the channel has messages older than these.
        more: bool,
    },
}

/// Sent instead of a frame that could not be encoded (never silently nothing);
/// its code, `internal`, is the only one not in [`WsCode`].
const UNENCODABLE: &str = r#"{"type":"error","ref":null,"code":"internal","message":"The server could not encode its answer; reconnect for a fresh snapshot."}"#;

impl ServerFrame<'_> {
    pub fn error<'a>(r#ref: &'a Ref, refusal: &'a Refusal) -> ServerFrame<'a> {
        ServerFrame::Error {
            r#ref,
            code: refusal.code,
            message: &refusal.message,
        }
    }

    /// The frame's JSON text. A frame that cannot be encoded is logged and
    /// replaced by an `internal` error frame.
    pub fn encode(&self) -> Arc<str> {
        match serde_json::to_string(self) {
            Ok(s) => Arc::from(s),
            Err(e) => {
                tracing::error!("cannot encode a server frame: {e}");
                Arc::from(UNENCODABLE)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(text: &str) -> Refusal {
        match ClientFrame::parse(text).1 {
            Ok(f) => panic!("{text} was taken: {f:?}"),
            Err(r) => r,
        }
    }

    /// Every frame type reads into its own kind of frame: the list of types and
    /// the frames serde reads agree.
    #[test]
    fn every_type_parses() {
        let frames = [
            json!({"type": "auth", "token": "t"}),
            json!({"type": "ping"}),
            json!({"type": "preview"}),
            json!({"type": "start"}),
            json!({"type": "advance"}),
            json!({"type": "submit", "turn": 1, "choices": []}),
            json!({"type": "inject", "event": "e"}),
            json!({"type": "skip", "script": "s"}),
            json!({"type": "override", "choice": "c", "result": "success"}),
            json!({"type": "note", "text": "n"}),
            json!({"type": "timer", "seconds": 0}),
            json!({"type": "end"}),
            json!({"type": "say", "channel": "all", "text": "hello", "as": "The Kremlin"}),
            json!({"type": "channel", "channel": "all", "open": null}),
            json!({"type": "propose", "custom": {"title": "t"}, "to": ["nato"]}),
            json!({"type": "respond", "agreement": "ag1", "accept": true}),
            json!({"type": "withdraw", "agreement": "ag1"}),
            json!({"type": "void", "agreement": "ag1", "note": "n"}),
            json!({"type": "messages", "channel": "all", "before": 10}),
            json!({"type": "reveal", "choice": "c"}),
            json!({"type": "debrief", "answers": [{"question": "q", "value": 3}, {"question": "t", "value": "x"}]}),
            json!({"type": "close_debrief"}),
        ];
        for f in frames {
            let kind = f["type"].as_str().expect("type").to_string();
            let (_, parsed) = ClientFrame::parse(&f.to_string());
            let parsed = parsed.unwrap_or_else(|r| panic!("{f}: {r:?}"));
            if let ClientFrame::Command(c) = parsed {
                assert_eq!(Command::from(c).name(), kind);
            }
        }
    }

    #[test]
    fn server_only_commands_are_unknown_types() {
        for f in [
            r#"{"type":"join","team":"nato","name":"x"}"#,
            r#"{"type":"timer_expired","turn":1,"phase":"decision"}"#,
        ] {
            assert_eq!(refusal(f).code, ErrorCode::Connection(WsCode::UnknownType));
        }
    }

    #[test]
    fn a_bad_field_is_named() {
        let r = refusal(r#"{"type":"submit","choices":[]}"#);
        assert_eq!(r.code, ErrorCode::Connection(WsCode::BadCommand));
        assert!(r.message.contains("missing field `turn`"), "{}", r.message);
        let r = refusal(r#"{"type":"submit","turn":1,"choices":[{"option":5}]}"#);
        assert!(r.message.contains("`choices[0].option`"), "{}", r.message);
        let r = refusal(r#"{"type":"preview","runs":"many"}"#);
        assert!(r.message.contains("`runs`"), "{}", r.message);
    }

    #[test]
    fn the_ref_travels_beside_the_frame() {
        let (r, f) = ClientFrame::parse(r#"{"type":"ping","ref":{"any":[1]}}"#);
        assert_eq!(r, json!({"any": [1]}));
        assert!(matches!(f, Ok(ClientFrame::Ping)));
        let (r, f) = ClientFrame::parse(r#"{"ref":"x"}"#);
        assert_eq!(r, "x");
        assert_eq!(
            f.err().map(|r| r.code),
            Some(ErrorCode::Connection(WsCode::BadFrame))
        );
    }

    #[test]
    fn frames_keep_their_wire_shape() {
        let r = json!("a1");
        let text = ServerFrame::Ack { r#ref: &r, seq: 4 }.encode();
        assert_eq!(&*text, r#"{"type":"ack","ref":"a1","seq":4}"#);
        let refusal = Refusal::new(WsCode::RateLimited, "Slow down.");
        let text = ServerFrame::error(&Value::Null, &refusal).encode();
        assert_eq!(
            &*text,
            r#"{"type":"error","ref":null,"code":"rate_limited","message":"Slow down."}"#
        );
        let rejection = Rejection::new(engine::RejectionCode::WrongPhase, "Not now.");
        let text = ServerFrame::error(&r, &Refusal::from(&rejection)).encode();
        assert!(text.contains(r#""code":"wrong_phase""#), "{text}");
    }
}
