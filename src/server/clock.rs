//! The wall clock, read only here: the engine gets time with each command.

/// Milliseconds since the Unix epoch, the only clock the game sees.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
