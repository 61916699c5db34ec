//! The series as JSON (`wargame.series/1`, docs/EXPORT.md): the model as it is.

use super::Series;

pub fn render(s: &Series) -> Vec<u8> {
    // The model is plain data (strings, numbers, ordered maps): it always serialises.
    let mut out = serde_json::to_vec_pretty(s).unwrap_or_else(|e| {
        format!("{{\"error\":\"the series could not be written: {e}\"}}").into_bytes()
    });
    out.push(b'\n');
    out
}
