//! The HTTP API of docs/PROTOCOL.md, with JSON errors that carry a stable code.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde_json::json;

use super::auth;
use super::session::{CommandError, Seat};
use super::{AppState, now_ms};
use crate::engine::{self, Actor};
use crate::export;
use crate::store::{LoadError, NewSession, StoreError, StoredSession};

/// An API error: status, stable snake_case code, and a sentence a person can act on.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .json(json!({"error": {"code": self.code, "message": self.message}}))
    }
}

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Rejected(r) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.code, r.message)
            }
            CommandError::Unavailable(m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
        }
    }
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _| {
            let message = match &err {
                actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
                | actix_web::error::JsonPayloadError::Overflow { .. } => {
                    "The request body is larger than 64 KiB.".to_string()
                }
                actix_web::error::JsonPayloadError::ContentType => {
                    "Send the body as JSON (Content-Type: application/json).".to_string()
                }
                other => format!("The request body is not the JSON expected: {other}."),
            };
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message).into()
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Bad query string: {err}."),
        )
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Bad path: {err}."),
        )
        .into()
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(super::health::healthz))
        .route("/api/scenarios", web::get().to(scenarios))
        .route("/api/scenarios/{id}", web::get().to(scenario))
        .route("/api/sessions", web::post().to(create_session))
        .route("/api/join", web::post().to(join))
        .route("/api/join/{code}", web::get().to(lobby))
        .route("/api/sessions/{id}/export", web::get().to(export_session));
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("Nothing here: {} {}.", req.method(), req.path()),
    )
    .error_response()
}

async fn scenarios(app: web::Data<AppState>) -> HttpResponse {
    let list: Vec<serde_json::Value> = app
        .scenarios
        .values()
        .map(|l| l.scenario.summary_json())
        .collect();
    HttpResponse::Ok().json(list)
}

async fn scenario(
    app: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let loaded = app.scenarios.get(id.as_str()).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_scenario",
            format!("There is no scenario `{id}`."),
        )
    })?;
    Ok(HttpResponse::Ok().json(loaded.scenario.as_ref()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSession {
    scenario: String,
    #[serde(default)]
    title: String,
    seed: Option<u64>,
    max_turns: Option<u32>,
    auto_advance: Option<bool>,
    #[serde(default)]
    private_rationales: bool,
}

async fn create_session(
    app: web::Data<AppState>,
    body: web::Json<CreateSession>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let loaded = app.scenarios.get(&body.scenario).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_scenario",
            format!(
                "There is no scenario `{}`; available: {}.",
                body.scenario,
                app.scenarios.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let title = body.title.trim();
    let title = if title.is_empty() {
        loaded.scenario.title.as_str()
    } else {
        title
    };
    if title.chars().count() > engine::MAX_TITLE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "text_too_long",
            format!("The title is longer than {} characters.", engine::MAX_TITLE),
        ));
    }
    if let Some(t) = body.max_turns
        && !(1..=50).contains(&t)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "max_turns must be between 1 and 50.",
        ));
    }
    let seed = match body.seed {
        Some(s) => s,
        None => {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "No randomness available.",
                )
            })?;
            u64::from_le_bytes(b) >> 11 // fits a JavaScript number exactly
        }
    };
    let token = auth::new_token().ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "No randomness available.",
        )
    })?;
    let code = app.fresh_join_code().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "No free join code could be drawn; please try again.",
        )
    })?;
    let id = auth::new_session_id();
    let now = now_ms();
    let (state, first) = engine::create_with(
        loaded.scenario.clone(),
        &engine::Settings {
            title,
            seed,
            max_turns: body.max_turns,
            auto_advance: body.auto_advance.unwrap_or(true),
            private_rationales: body.private_rationales,
        },
        now,
    );
    let hash = auth::hash_token(&token);
    app.store
        .create_session(
            NewSession {
                id: id.clone(),
                join_code: code.clone(),
                scenario_id: loaded.scenario.id.clone(),
                scenario_source: loaded.source.clone(),
                title: title.to_string(),
                created_at: now,
                facilitator_token_hash: hash.clone(),
            },
            &[first],
            state.hash(),
        )
        .await
        .map_err(|e| {
            tracing::error!("cannot create session: {e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The session could not be saved; please try again.",
            )
        })?;
    app.register_token(
        hash,
        Seat {
            session_id: id.clone(),
            actor: Actor::Facilitator,
        },
    );
    let app: Arc<AppState> = app.into_inner();
    app.register_session(id.clone(), code.clone(), state);
    tracing::info!(session = %id, scenario = %body.scenario, "session created");
    Ok(HttpResponse::Created().json(json!({
        "session_id": id,
        "join_code": code,
        "facilitator_token": token,
    })))
}

fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
}

fn find_code(
    app: &AppState,
    req: &HttpRequest,
    code: &str,
) -> Result<(String, super::SessionHandle), ApiError> {
    let ip = client_ip(req);
    if !app.join_limiter.allowed(ip) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many wrong join codes from this device; wait a minute and try again.",
        ));
    }
    let code = auth::normalize_code(code);
    match app.session_by_code(&code) {
        Some(found) => Ok(found),
        None => {
            app.join_limiter.failed(ip);
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_join_code",
                "No session has that join code; check it with the facilitator.",
            ))
        }
    }
}

async fn lobby(
    app: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, handle) = find_code(&app, &req, &code)?;
    let info = handle.lobby().await.ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The session is not running.",
        )
    })?;
    Ok(HttpResponse::Ok().json(info))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Join {
    join_code: String,
    team: String,
    name: String,
}

async fn join(
    app: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Join>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (session_id, handle) = find_code(&app, &req, &body.join_code)?;
    let token = auth::new_token().ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "No randomness available.",
        )
    })?;
    let (player, _) = handle
        .join(body.team.clone(), body.name, auth::hash_token(&token))
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError {
                code: "unknown_team",
                message,
                ..
            } => ApiError::new(StatusCode::BAD_REQUEST, "unknown_team", message),
            ApiError {
                code: "session_ended",
                message,
                ..
            } => ApiError::new(StatusCode::CONFLICT, "session_ended", message),
            ApiError {
                code: c @ ("empty_text" | "text_too_long" | "invalid_name"),
                message,
                ..
            } => ApiError::new(StatusCode::BAD_REQUEST, c, message),
            other => other,
        })?;
    tracing::info!(session = %session_id, team = %body.team, %player, "player joined");
    Ok(HttpResponse::Ok().json(json!({
        "session_id": session_id,
        "team": body.team,
        "token": token,
        "player": player,
    })))
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
    #[serde(default)]
    anonymize: Option<String>,
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn export_session(
    app: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = bearer(&req) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send the facilitator token as `Authorization: Bearer <token>`.",
        ));
    };
    let row = {
        let id = id.to_string();
        app.store.run_blocking(move |s| s.session(&id)).await
    };
    let row = match row {
        Ok(Ok(row)) => row,
        Ok(Err(StoreError::NotFound)) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_session",
                format!("There is no session `{id}`."),
            ));
        }
        Ok(Err(e)) | Err(e) => return Err(unreadable(&id, &e)),
    };
    if !auth::hashes_equal(&row.facilitator_token_hash, &auth::hash_token(token)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only this session's facilitator can export it.",
        ));
    }
    let format_name = query.format.as_deref().unwrap_or("json");
    let format = export::Format::parse(format_name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_format",
            format!("Unknown export format `{format_name}`; use json, markdown, html or csv."),
        )
    })?;
    let anonymize = matches!(query.anonymize.as_deref(), Some("true" | "1" | "yes"));
    let stored = {
        let id = row.id.clone();
        app.store
            .run_blocking(move |s| StoredSession::load(s, &id))
            .await
    };
    let StoredSession {
        row,
        scenario,
        events,
    } = match stored {
        Ok(Ok(stored)) => stored,
        Ok(Err(LoadError::Scenario(e))) => {
            tracing::error!(session = %row.id, "export: {e}");
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The stored scenario cannot be read.",
            ));
        }
        Ok(Err(e)) => return Err(unreadable(&row.id, &e)),
        Err(e) => return Err(unreadable(&row.id, &e)),
    };
    let body = export::export(
        format,
        &export::SessionMeta {
            session_id: row.id.clone(),
            join_code: Some(row.join_code.clone()),
            exported_at: Some(now_ms()),
        },
        &scenario,
        &row.scenario_source,
        &events,
        &export::ExportOptions { anonymize },
    );
    let filename = format!(
        "{}-aar{}.{}",
        row.id,
        if anonymize { "-anon" } else { "" },
        format.file_extension()
    );
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// The store could not be read (or not in time).
fn unreadable(id: &str, e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(session = %id, "export cannot read the session: {e}");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "The session cannot be read right now; please try again.",
    )
}
