//! Scenario files: TOML in, a validated [`Scenario`] out.
//!
//! Problems name the file, the place (line and key path) and what is wrong.

mod compile;
mod format;
mod model;
mod negotiation;

pub use compile::{Problem, compile};
pub use model::*;
pub use negotiation::{AgreementDef, CHANNEL_PHASES, Channel};

use std::path::Path;

/// Reads and compiles one scenario file.
pub fn load_file(path: &Path) -> Result<(Scenario, String), Vec<Problem>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Problem {
            file: name.clone(),
            line: None,
            path: String::new(),
            message: format!("cannot read the file: {e}"),
        }]
    })?;
    let scenario = compile(&name, &text)?;
    Ok((scenario, text))
}

/// Loads every `*.toml` in a directory, sorted by file name.
pub fn load_dir(dir: &Path) -> Result<Vec<(Scenario, String)>, Vec<Problem>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![Problem {
            file: dir.display().to_string(),
            line: None,
            path: String::new(),
            message: format!("cannot read the scenarios folder: {e}"),
        }]
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        match load_file(&p) {
            Ok(s) => out.push(s),
            Err(mut e) => problems.append(&mut e),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
