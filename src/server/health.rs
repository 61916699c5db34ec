//! `GET /healthz`: 200 `{"status":"ok"}`, or 503 with what is wrong.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;

/// Degraded while database writes have waited longer than the write bound: the
/// disk is stalled, and commands are being answered `unavailable`.
pub async fn healthz(app: web::Data<AppState>) -> HttpResponse {
    match app.store.stalled_for() {
        None => HttpResponse::Ok().json(json!({"status": "ok"})),
        Some(waited) => HttpResponse::ServiceUnavailable().json(json!({
            "status": "degraded",
            "disk": "stalled",
            "pending_ms": waited.as_millis() as u64,
        })),
    }
}
