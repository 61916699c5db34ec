//! The after-action record the White Cell writes, shaped after HSEEP's after-action
//! report and improvement plan (AAR/IP):
//!
//! - report settings: `scope`, `sponsor`, `point_of_contact` (in `session_created`,
//!   changed later with `report_info` -> `report_info_set`);
//! - strengths and areas for improvement: a `note` with a `category` (`strength`,
//!   `improvement`) and what it is `about` (an objective, an inject or a choice);
//! - the conclusion: `conclude` -> `conclusion_set` (the latest wins);
//! - the improvement plan: `plan` -> `plan_item_set` (new, or an edit of `item`) or,
//!   with `remove`, `plan_item_removed`.
//!
//! Every phase takes them, after the end included. All of it is White Cell only:
//! the commands are the facilitator's, the events reach no other seat, and a note
//! with a category or an `about` cannot be public.

use serde::{Deserialize, Serialize};

use super::emit::{Emitter, check_text};
use super::state::State;
use super::types::*;

/// Longest scope, in characters.
pub const MAX_SCOPE: usize = 2000;
/// Longest conclusion, in characters.
pub const MAX_CONCLUSION: usize = 16_000;
/// Most improvement-plan items a session keeps.
pub const MAX_PLAN_ITEMS: usize = 100;

/// What a White Cell note records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteCategory {
    /// A plain note (the default).
    #[default]
    Note,
    /// A strength observed.
    Strength,
    /// An area for improvement.
    Improvement,
}

impl NoteCategory {
    pub fn is_note(&self) -> bool {
        *self == NoteCategory::Note
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NoteCategory::Note => "note",
            NoteCategory::Strength => "strength",
            NoteCategory::Improvement => "improvement",
        }
    }
}

/// The report's settings: each absent field is left as it is; an empty one clears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_of_contact: Option<String>,
}

impl ReportInfo {
    pub fn is_empty(&self) -> bool {
        self.scope.is_none() && self.sponsor.is_none() && self.point_of_contact.is_none()
    }

    /// Trimmed, with empty fields dropped: what `session_created` records.
    pub fn given(&self) -> ReportInfo {
        let keep = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        ReportInfo {
            scope: keep(&self.scope),
            sponsor: keep(&self.sponsor),
            point_of_contact: keep(&self.point_of_contact),
        }
    }

    /// Refuses a field over its limit (scope 2000 characters, the others 200).
    pub fn check(&self) -> Result<(), Rejection> {
        if let Some(v) = &self.scope {
            check_text(v, MAX_SCOPE, "scope")?;
        }
        if let Some(v) = &self.sponsor {
            check_text(v, MAX_TITLE, "sponsor")?;
        }
        if let Some(v) = &self.point_of_contact {
            check_text(v, MAX_TITLE, "point of contact")?;
        }
        Ok(())
    }
}

/// The `plan` command: a new item (no `item`), an edit of `item`, or its removal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default)]
    pub issue: String,
    #[serde(default)]
    pub recommendation: String,
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`, or empty while not yet set.
    #[serde(default)]
    pub due: String,
    /// An objective, written `team:objective`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub remove: bool,
}

/// One row of the improvement plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// Assigned by the engine: `ip1`, `ip2`, ...
    pub item: String,
    pub issue: String,
    pub recommendation: String,
    pub owner: String,
    pub due: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
}

/// The White Cell's after-action record in the state (and its snapshot).
/// Not serialised while empty, so sessions without it keep their state hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AfterAction {
    #[serde(flatten)]
    pub info: ReportInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<PlanItem>,
    /// Plan items ever created: the next is `ip{plan_created + 1}`.
    #[serde(skip_serializing_if = "is_zero")]
    pub plan_created: u32,
}

impl AfterAction {
    pub fn is_empty(&self) -> bool {
        *self == AfterAction::default()
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The commands a session still takes after it has ended.
pub(super) fn works_after_end(c: &Command) -> bool {
    matches!(
        c,
        Command::Note { .. }
            | Command::ReportInfo(_)
            | Command::Conclude { .. }
            | Command::Plan(_)
            | Command::Debrief { .. }
            | Command::CloseDebrief
    )
}

/// What an `about` (or a plan item's `objective`) names, once resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// Team index and objective index.
    Objective(usize, usize),
    Inject(&'a Inject),
    Choice(&'a Resolution),
}

/// Finds what `about` names in this session: an objective (`team:objective`, or a
/// bare objective id only one team has), an inject delivered, or a published choice.
pub fn subject<'a>(state: &'a State, about: &str) -> Option<Subject<'a>> {
    let s = state.scenario.as_ref();
    let objective = match about.split_once(':') {
        Some((team, id)) => s.team_index(team).and_then(|t| {
            let k = s.teams[t].objectives.iter().position(|o| &*o.id == id)?;
            Some((t, k))
        }),
        None => {
            let mut found = s.teams.iter().enumerate().filter_map(|(t, team)| {
                let k = team.objectives.iter().position(|o| &*o.id == about)?;
                Some((t, k))
            });
            match (found.next(), found.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        }
    };
    if let Some((t, k)) = objective {
        return Some(Subject::Objective(t, k));
    }
    if let Some(i) = state.injects.iter().find(|i| i.id == about) {
        return Some(Subject::Inject(i));
    }
    state
        .choices
        .iter()
        .find(|c| &*c.resolution.choice == about)
        .map(|c| Subject::Choice(&c.resolution))
}

/// The canonical id of a subject: `team:objective`, an inject or a choice id.
pub fn subject_id(state: &State, subject: Subject) -> String {
    let s = state.scenario.as_ref();
    match subject {
        Subject::Objective(t, k) => format!("{}:{}", s.teams[t].id, s.teams[t].objectives[k].id),
        Subject::Inject(i) => i.id.clone(),
        Subject::Choice(r) => r.choice.to_string(),
    }
}

fn unknown_subject(about: &str, what: &str) -> Rejection {
    Rejection::new(
        RejectionCode::UnknownSubject,
        format!(
            "`{about}` is not {what} of this session; name an objective as `team:objective`{}.",
            if what == "an objective" {
                ""
            } else {
                ", an inject delivered (e.g. `i12`) or a published choice (e.g. `t1-belarus-1`)"
            }
        ),
    )
}

/// A note: plain, a strength or an area for improvement, about something or not.
pub(super) fn note(
    e: &mut Emitter,
    text: &str,
    public: bool,
    category: NoteCategory,
    about: Option<&str>,
) -> Result<(), Rejection> {
    if text.trim().is_empty() {
        return Err(Rejection::new(
            RejectionCode::EmptyText,
            "A note needs some text.",
        ));
    }
    check_text(text, MAX_TEXT, "note")?;
    let about = about.map(str::trim).filter(|a| !a.is_empty());
    if public && (!category.is_note() || about.is_some()) {
        return Err(Rejection::new(
            RejectionCode::Forbidden,
            "Strengths, areas for improvement and notes about an objective, inject or \
             choice are the White Cell's own record; send them without `public`.",
        ));
    }
    let about = match about {
        Some(a) => Some(
            subject(e.state, a)
                .map(|s| subject_id(e.state, s))
                .ok_or_else(|| unknown_subject(a, "an objective, inject or choice"))?,
        ),
        None => None,
    };
    e.push(EventBody::NoteAdded {
        text: text.to_string(),
        public,
        category,
        about,
    });
    Ok(())
}

/// `report_info`: scope, sponsor and point of contact, at any time.
pub(super) fn report_info(e: &mut Emitter, info: &ReportInfo) -> Result<(), Rejection> {
    if info.is_empty() {
        return Err(Rejection::new(
            RejectionCode::EmptyText,
            "Give at least one of `scope`, `sponsor` and `point_of_contact` (an empty one clears it).",
        ));
    }
    info.check()?;
    let trim = |v: &Option<String>| v.as_deref().map(|v| v.trim().to_string());
    e.push(EventBody::ReportInfoSet(ReportInfo {
        scope: trim(&info.scope),
        sponsor: trim(&info.sponsor),
        point_of_contact: trim(&info.point_of_contact),
    }));
    Ok(())
}

/// `conclude`: the report's conclusion; the latest wins.
pub(super) fn conclude(e: &mut Emitter, text: &str) -> Result<(), Rejection> {
    if text.trim().is_empty() {
        return Err(Rejection::new(
            RejectionCode::EmptyText,
            "A conclusion needs some text.",
        ));
    }
    check_text(text, MAX_CONCLUSION, "conclusion")?;
    e.push(EventBody::ConclusionSet {
        text: text.trim().to_string(),
    });
    Ok(())
}

/// `plan`: adds, edits or removes an improvement-plan item.
pub(super) fn plan(e: &mut Emitter, p: &PlanInput) -> Result<(), Rejection> {
    let aar = &e.state.after_action;
    let existing = match p.item.as_deref().map(str::trim) {
        Some(id) => match aar.plan.iter().find(|i| i.item == id) {
            Some(i) => Some(i.item.clone()),
            None => {
                return Err(Rejection::new(
                    RejectionCode::UnknownItem,
                    format!("There is no improvement-plan item `{id}`."),
                ));
            }
        },
        None => None,
    };
    if p.remove {
        let Some(item) = existing else {
            return Err(Rejection::new(
                RejectionCode::UnknownItem,
                "Name the improvement-plan `item` to remove.",
            ));
        };
        e.push(EventBody::PlanItemRemoved { item });
        return Ok(());
    }
    let issue = p.issue.trim();
    let recommendation = p.recommendation.trim();
    if issue.is_empty() || recommendation.is_empty() {
        return Err(Rejection::new(
            RejectionCode::EmptyText,
            "An improvement-plan item needs an issue and a recommendation.",
        ));
    }
    check_text(issue, MAX_TEXT, "issue")?;
    check_text(recommendation, MAX_TEXT, "recommendation")?;
    let owner = p.owner.trim();
    check_text(owner, MAX_TITLE, "owner")?;
    let due = p.due.trim();
    if !due.is_empty() && !is_date(due) {
        return Err(Rejection::new(
            RejectionCode::InvalidDate,
            format!("The due date `{due}` is not a calendar date written YYYY-MM-DD."),
        ));
    }
    let objective = match p.objective.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(o) => match subject(e.state, o) {
            Some(s @ Subject::Objective(..)) => Some(subject_id(e.state, s)),
            _ => return Err(unknown_subject(o, "an objective")),
        },
    };
    let item = match existing {
        Some(item) => item,
        None if aar.plan.len() >= MAX_PLAN_ITEMS => {
            return Err(Rejection::new(
                RejectionCode::TextTooLong,
                format!("The improvement plan holds at most {MAX_PLAN_ITEMS} items."),
            ));
        }
        None => format!("ip{}", aar.plan_created + 1),
    };
    e.push(EventBody::PlanItemSet(PlanItem {
        item,
        issue: issue.to_string(),
        recommendation: recommendation.to_string(),
        owner: owner.to_string(),
        due: due.to_string(),
        objective,
    }));
    Ok(())
}

/// Whether `s` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Applies the record's events to the state.
pub(super) fn evolve(state: &mut State, body: &EventBody) {
    let aar = &mut state.after_action;
    match body {
        EventBody::ReportInfoSet(info) => {
            let set = |field: &mut Option<String>, v: &Option<String>| {
                if let Some(v) = v {
                    *field = (!v.is_empty()).then(|| v.clone());
                }
            };
            set(&mut aar.info.scope, &info.scope);
            set(&mut aar.info.sponsor, &info.sponsor);
            set(&mut aar.info.point_of_contact, &info.point_of_contact);
        }
        EventBody::ConclusionSet { text } => aar.conclusion = Some(text.clone()),
        EventBody::PlanItemSet(item) => match aar.plan.iter_mut().find(|i| i.item == item.item) {
            Some(old) => *old = item.clone(),
            None => {
                aar.plan.push(item.clone());
                aar.plan_created += 1;
            }
        },
        EventBody::PlanItemRemoved { item } => aar.plan.retain(|i| i.item != *item),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates() {
        for ok in ["2026-01-31", "2024-02-29", "2000-02-29", "2026-12-01"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2026-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "26-01-01",
            "2026/01/01",
            "2026-1-01",
            "２０２６-01-01",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
