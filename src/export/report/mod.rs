//! The after-action report every format renders: its types (`model.rs`), built from
//! the events in one pass through `engine::evolve` (`build.rs`), anonymised first when
//! asked (`anonymize.rs`), with negotiation's transcripts and agreements
//! (`negotiation.rs`), with the words formats print (`words.rs`).

mod aar;
mod anonymize;
mod build;
mod debrief;
mod model;
mod negotiation;
mod words;

pub use aar::ObjectiveAnalysis;
pub use anonymize::{MIN_SCRUB_NAME, anonymize};
pub use build::{KEY_POINTS, swing};
pub use debrief::{DebriefReport, QuestionReport};
pub use model::*;
pub use negotiation::{AgreementRecord, ChannelLog, EntryKind, Negotiation, result_word};
pub use words::{bot_mark, one_line, turn_label};
