//! Embedded web assets (placeholder until the consoles land).

pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
