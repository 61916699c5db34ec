//! The SQLite event log.
