//! The HTTP API of docs/PROTOCOL.md, with JSON errors that carry a stable code.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::ids::{JoinCode, PlayerId, Role, SessionId, Token};
use super::session::{CommandError, Seat};
use super::{AppState, now_ms};
use crate::engine::{self, Actor, Rejection, RejectionCode};
use crate::export;
use crate::store::{LoadError, NewSession, StoreError, StoredSession};

/// An API error. Each maps itself to its HTTP status and stable snake_case code;
/// its `Display` is a sentence a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed JSON, an unknown field, a bad query or path, a value out of range.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnknownScenario(String),
    #[error("No session has that join code; check it with the facilitator.")]
    UnknownJoinCode,
    #[error("Too many wrong join codes from this device; wait a minute and try again.")]
    RateLimited,
    /// Too many of something from one address: answered with `Retry-After`.
    #[error("{message}")]
    TooMany {
        message: &'static str,
        retry_after: std::time::Duration,
    },
    #[error("This server asks for the host password: send it in the `X-Host-Password` header.")]
    HostPasswordRequired,
    #[error("That is not the host password.")]
    HostPasswordWrong,
    /// A join to a session with every seat the server allows taken.
    #[error("{0}")]
    SessionFull(String),
    /// A fork at a turn the source has not reached (or a source still in the lobby).
    #[error("{0}")]
    TurnNotReached(String),
    #[error("Send the facilitator token as `Authorization: Bearer <token>`.")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("There is no session `{0}`.")]
    UnknownSession(String),
    #[error("Unknown export format `{0}`; use json, markdown, html, csv or xlsx.")]
    UnknownFormat(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("Nothing here: {0}.")]
    NotFound(String),
    /// A known path asked with a method it does not take; `allow` lists those it does.
    #[error("`{path}` does not take {method}; use {allow}.")]
    MethodNotAllowed {
        method: String,
        path: String,
        allow: &'static str,
    },
    /// A fault of the server's own (already logged where it happened).
    #[error("{0}")]
    Internal(&'static str),
    /// The engine refused (a join, or a title it would not take).
    #[error("{}", .0.message)]
    Refused(Rejection),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    code: &'a str,
    message: String,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::UnknownScenario(_) => "unknown_scenario",
            ApiError::UnknownJoinCode => "unknown_join_code",
            ApiError::RateLimited | ApiError::TooMany { .. } => "rate_limited",
            ApiError::HostPasswordRequired => "host_password_required",
            ApiError::HostPasswordWrong => "host_password_wrong",
            ApiError::SessionFull(_) => "session_full",
            ApiError::TurnNotReached(_) => "turn_not_reached",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::UnknownSession(_) => "unknown_session",
            ApiError::UnknownFormat(_) => "unknown_format",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Internal(_) => "internal",
            ApiError::Refused(r) => r.code.as_str(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::UnknownFormat(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized
            | ApiError::HostPasswordRequired
            | ApiError::HostPasswordWrong => StatusCode::UNAUTHORIZED,
            ApiError::SessionFull(_) | ApiError::TurnNotReached(_) => StatusCode::CONFLICT,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::UnknownScenario(_)
            | ApiError::UnknownJoinCode
            | ApiError::UnknownSession(_)
            | ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RateLimited | ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            // What a person can fix in the form is a bad request; a session that
            // has ended is a conflict; anything else the engine refuses cannot be
            // processed as asked.
            ApiError::Refused(r) => match r.code {
                RejectionCode::UnknownTeam
                | RejectionCode::UnknownDoctrine
                | RejectionCode::EmptyText
                | RejectionCode::TextTooLong
                | RejectionCode::InvalidName => StatusCode::BAD_REQUEST,
                RejectionCode::SessionEnded => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut answer = HttpResponse::build(self.status_code());
        if let ApiError::MethodNotAllowed { allow, .. } = self {
            answer.insert_header((header::ALLOW, *allow));
        }
        if let ApiError::TooMany { retry_after, .. } = self {
            // Whole seconds, rounded up: never "retry now" while still locked out.
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            answer.insert_header((header::RETRY_AFTER, secs.max(1).to_string()));
        }
        answer.json(ErrorBody {
            error: ErrorFields {
                code: self.code(),
                message: self.to_string(),
            },
        })
    }
}

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Rejected(r) => ApiError::Refused(r),
            CommandError::Unavailable(m) => ApiError::Unavailable(m),
            CommandError::Full(m) => ApiError::SessionFull(m),
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
            ApiError::BadRequest(message).into()
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("Bad query string: {err}.")).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("Bad path: {err}.")).into())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(only(
        "/healthz",
        "GET",
        web::get().to(super::health::healthz),
    ))
    .service(only("/api/scenarios", "GET", web::get().to(scenarios)))
    .service(only("/api/scenarios/{id}", "GET", web::get().to(scenario)))
    .service(only(
        "/api/sessions",
        "POST",
        web::post().to(create_session),
    ))
    .service(only("/api/host", "GET", web::get().to(host)))
    .service(only("/api/join", "POST", web::post().to(join)))
    .service(only("/api/join/{code}", "GET", web::get().to(lobby)))
    .service(only(
        "/api/sessions/{id}/export",
        "GET",
        web::get().to(export_session),
    ))
    .service(only("/api/series", "GET", web::get().to(series)));
}

/// A path that takes one method (`allow`, as the `Allow` header spells it): any
/// other is answered 405 with `Allow` and a JSON error.
pub fn only(path: &str, allow: &'static str, route: actix_web::Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(not_allowed(allow))
}

/// The answer to a method a known path does not take.
pub fn not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move |req: HttpRequest| async move {
        ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path: req.path().to_string(),
            allow,
        }
        .error_response()
    })
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!("{} {}", req.method(), req.path())).error_response()
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
    let loaded = app
        .scenarios
        .get(id.as_str())
        .ok_or_else(|| ApiError::UnknownScenario(format!("There is no scenario `{id}`.")))?;
    Ok(HttpResponse::Ok().json(loaded.scenario.as_ref()))
}

/// What the start page needs to know of the server before creating a session.
async fn host(app: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "password_required": app.host_password.is_some() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSession {
    /// Required (a fork is a `ForkSession`).
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    title: String,
    seed: Option<u64>,
    max_turns: Option<u32>,
    auto_advance: Option<bool>,
    #[serde(default)]
    private_rationales: bool,
    /// The reports' time zone: an IANA name or an offset such as `+03:00`.
    time_zone: Option<String>,
    /// Bots seated from the start: team id -> doctrine id.
    #[serde(default)]
    bots: std::collections::BTreeMap<String, String>,
    /// Only each team's lead submits.
    #[serde(default)]
    team_leads: bool,
    /// `none` (default), `band` or `exact`.
    #[serde(default)]
    player_odds: engine::PlayerOdds,
    /// Debrief answers are stored without names.
    #[serde(default)]
    anonymous_debrief: bool,
    /// The after-action report's scope, sponsor and point of contact.
    scope: Option<String>,
    sponsor: Option<String>,
    point_of_contact: Option<String>,
}

/// `POST /api/sessions` with `fork`: only the source and, if given, a title; every
/// other setting comes from the source, so any other field is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForkSession {
    fork: ForkFrom,
    #[serde(default)]
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForkFrom {
    session: String,
    turn: u32,
}

async fn create_session(
    app: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    super::auth::require_host(&req, &app).await?;
    let ip = client_ip(&req);
    if let Some(limiter) = &app.creation_limiter {
        limiter.check(ip).map_err(|wait| ApiError::TooMany {
            message: "This address has created as many sessions as the server allows for now; wait and try again.",
            retry_after: wait,
        })?;
    }
    let body = body.into_inner();
    let created = if body.get("fork").is_some() {
        let fork: ForkSession = serde_json::from_value(body).map_err(|e| {
            ApiError::BadRequest(format!(
                "A fork keeps its source's scenario and settings; give only `fork` and, if you like, `title` ({e})."
            ))
        })?;
        fork_session(&app, &req, fork).await?
    } else {
        let body: CreateSession = serde_json::from_value(body).map_err(|e| {
            ApiError::BadRequest(format!("The request body is not the JSON expected: {e}."))
        })?;
        new_session(&app, body).await?
    };
    if let Some(limiter) = &app.creation_limiter {
        limiter.failed(ip);
    }
    Ok(created)
}

/// The title as given (trimmed), or `default`; refused when too long.
fn title_or<'a>(given: &'a str, default: &'a str) -> Result<&'a str, ApiError> {
    let title = given.trim();
    let title = if title.is_empty() { default } else { title };
    if title.chars().count() > engine::MAX_TITLE {
        return Err(ApiError::Refused(Rejection::new(
            RejectionCode::TextTooLong,
            format!("The title is longer than {} characters.", engine::MAX_TITLE),
        )));
    }
    Ok(title)
}

async fn new_session(
    app: &web::Data<AppState>,
    body: CreateSession,
) -> Result<HttpResponse, ApiError> {
    let Some(scenario_id) = body.scenario.as_deref() else {
        return Err(ApiError::BadRequest(
            "Name the `scenario` to play (or `fork` a session).".into(),
        ));
    };
    let loaded = app.scenarios.get(scenario_id).ok_or_else(|| {
        ApiError::UnknownScenario(format!(
            "There is no scenario `{}`; available: {}.",
            scenario_id,
            app.scenarios.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let title = title_or(&body.title, loaded.scenario.title.as_str())?;
    if let Some(t) = body.max_turns
        && !(1..=50).contains(&t)
    {
        return Err(ApiError::BadRequest(
            "max_turns must be between 1 and 50.".into(),
        ));
    }
    let time_zone = match body.time_zone.as_deref().map(str::trim) {
        // Stored as given, once it is known to be one.
        Some(z) => Some(
            export::Zone::parse(z)
                .map(|_| z)
                .map_err(ApiError::BadRequest)?,
        ),
        None => None,
    };
    let report = engine::ReportInfo {
        scope: body.scope.clone(),
        sponsor: body.sponsor.clone(),
        point_of_contact: body.point_of_contact.clone(),
    };
    report.check().map_err(ApiError::Refused)?;
    let seed = match body.seed {
        Some(s) => s,
        None => {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).map_err(|e| {
                tracing::error!("no randomness for a seed: {e}");
                ApiError::Internal(NO_RANDOMNESS)
            })?;
            u64::from_le_bytes(b) >> 11 // fits a JavaScript number exactly
        }
    };
    let now = now_ms();
    let (mut state, first) = engine::create_with(
        loaded.scenario.clone(),
        &engine::Settings {
            title,
            seed,
            max_turns: body.max_turns,
            auto_advance: body.auto_advance.unwrap_or(true),
            private_rationales: body.private_rationales,
            time_zone,
            team_leads: body.team_leads,
            player_odds: body.player_odds,
            anonymous_debrief: body.anonymous_debrief,
            report,
        },
        now,
    );
    // Bots seated from the start: the same `bot` command the White Cell gives in
    // play, stored with the session's first event.
    let mut events = vec![first];
    for (team, doctrine) in &body.bots {
        let cmd = engine::Command::Bot {
            team: team.clone(),
            doctrine: Some(doctrine.clone()),
        };
        let more =
            engine::decide(&state, &Actor::Facilitator, &cmd, now).map_err(ApiError::Refused)?;
        for e in &more {
            engine::evolve(&mut state, e);
        }
        events.extend(more);
    }
    let scenario_id = loaded.scenario.id.clone();
    let created = store_new(
        app,
        NewRow {
            scenario_id: scenario_id.clone(),
            scenario_source: loaded.source.clone(),
            title: title.to_string(),
        },
        events,
        state,
    )
    .await?;
    tracing::info!(session = %created["session_id"], scenario = %scenario_id, "session created");
    Ok(HttpResponse::Created().json(created))
}

/// A new session's row, before it has an id, a code and a token.
struct NewRow {
    scenario_id: String,
    scenario_source: String,
    title: String,
}

/// Stores a new session (its first events and the state they reach), registers its
/// facilitator token and starts its task: the answer's `session_id`, `join_code`
/// and `facilitator_token`.
async fn store_new(
    app: &web::Data<AppState>,
    row: NewRow,
    events: Vec<engine::Event>,
    state: engine::State,
) -> Result<serde_json::Value, ApiError> {
    let state_hash = state.hash().map_err(|e| {
        tracing::error!("cannot hash a new session: {e}");
        ApiError::Internal("The session could not be created; please report this.")
    })?;
    let token = new_token()?;
    let code = app.fresh_join_code().ok_or_else(|| {
        ApiError::Unavailable("No free join code could be drawn; please try again.".into())
    })?;
    let id = SessionId::new();
    let hash = token.hash();
    app.store
        .create_session(
            NewSession {
                id: id.to_string(),
                join_code: code.to_string(),
                scenario_id: row.scenario_id,
                scenario_source: row.scenario_source,
                title: row.title,
                created_at: now_ms(),
                facilitator_token_hash: hash.as_str().to_string(),
            },
            &events,
            state_hash,
        )
        .await
        .map_err(|e| {
            tracing::error!("cannot create session: {e}");
            ApiError::Unavailable("The session could not be saved; please try again.".into())
        })?;
    app.register_token(
        hash.into_string(),
        Seat {
            session_id: id.to_string(),
            actor: Actor::Facilitator,
        },
    );
    let app: Arc<AppState> = app.clone().into_inner();
    app.register_session(id.to_string(), code.to_string(), state);
    Ok(json!({
        "session_id": id,
        "join_code": code,
        "facilitator_token": token.reveal(),
    }))
}

/// `fork`: a new session from another's log up to the briefing of `from.turn`.
/// Only the source's facilitator may; the source's settings come along.
async fn fork_session(
    app: &web::Data<AppState>,
    req: &HttpRequest,
    body: ForkSession,
) -> Result<HttpResponse, ApiError> {
    let from = body.fork;
    let Some(token) = bearer(req) else {
        return Err(ApiError::Unauthorized);
    };
    let source = SessionId::parse(&from.session)
        .map_err(|_| ApiError::UnknownSession(from.session.clone()))?;
    let stored = {
        let id = source.to_string();
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
        Ok(Err(LoadError::NotFound | LoadError::Store(StoreError::NotFound))) => {
            return Err(ApiError::UnknownSession(source.to_string()));
        }
        Ok(Err(LoadError::Scenario(e))) => {
            tracing::error!(session = %source, "fork: {e}");
            return Err(ApiError::Internal("The stored scenario cannot be read."));
        }
        Ok(Err(e)) => return Err(unreadable(source.as_str(), &e)),
        Err(e) => return Err(unreadable(source.as_str(), &e)),
    };
    if !token.hash().matches(&row.facilitator_token_hash) {
        return Err(ApiError::Forbidden(
            "Only this session's facilitator can restart it from a turn.",
        ));
    }
    let title = (!body.title.trim().is_empty())
        .then(|| title_or(&body.title, &row.title))
        .transpose()?;
    let forked_from = engine::ForkedFrom {
        session: row.id.clone(),
        turn: from.turn,
    };
    let (state, events) =
        engine::fork(scenario, &events, forked_from, title).map_err(|e| match e {
            engine::ForkError::TurnZero => ApiError::BadRequest(e.to_string()),
            engine::ForkError::Lobby | engine::ForkError::NotReached { .. } => {
                ApiError::TurnNotReached(e.to_string())
            }
            engine::ForkError::NoCreation => {
                tracing::error!(session = %row.id, "fork: {e}");
                ApiError::Internal("The session's log cannot be forked.")
            }
        })?;
    let created = store_new(
        app,
        NewRow {
            scenario_id: row.scenario_id.clone(),
            scenario_source: row.scenario_source.clone(),
            title: state.title.clone(),
        },
        events,
        state,
    )
    .await?;
    tracing::info!(session = %created["session_id"], source = %row.id, turn = from.turn, "session forked");
    Ok(HttpResponse::Created().json(created))
}

pub(super) fn client_ip(req: &HttpRequest) -> std::net::IpAddr {
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
        return Err(ApiError::RateLimited);
    }
    match app.session_by_code(JoinCode::typed(code).as_str()) {
        Some(found) => Ok(found),
        None => {
            app.join_limiter.failed(ip);
            Err(ApiError::UnknownJoinCode)
        }
    }
}

const NO_RANDOMNESS: &str = "The server has no randomness to make a secret with; try again.";

fn new_token() -> Result<Token, ApiError> {
    Token::generate().ok_or_else(|| {
        tracing::error!("the OS random number generator failed");
        ApiError::Internal(NO_RANDOMNESS)
    })
}

async fn lobby(
    app: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, handle) = find_code(&app, &req, &code)?;
    let info = handle
        .lobby()
        .await
        .ok_or_else(|| ApiError::Unavailable("The session is not running.".into()))?;
    Ok(HttpResponse::Ok().json(info))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Join {
    join_code: String,
    team: Role,
    name: String,
}

async fn join(
    app: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Join>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (session_id, handle) = find_code(&app, &req, &body.join_code)?;
    let token = new_token()?;
    let (player, _) = handle
        .join(
            body.team.as_str().to_string(),
            body.name,
            token.hash().into_string(),
            PlayerId::new(),
        )
        .await?;
    tracing::info!(session = %session_id, team = %body.team.as_str(), %player, "player joined");
    Ok(HttpResponse::Ok().json(json!({
        "session_id": session_id,
        "team": body.team,
        "token": token.reveal(),
        "player": player,
    })))
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
    #[serde(default)]
    anonymize: Option<String>,
    /// `choices` (the default), `messages` or `debrief`: the CSV's table.
    #[serde(default)]
    table: Option<String>,
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer(req: &HttpRequest) -> Option<Token> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| Token::presented(token))
}

async fn export_session(
    app: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = bearer(&req) else {
        return Err(ApiError::Unauthorized);
    };
    let id = id.into_inner();
    // Not an id at all is as good as an id of no session.
    let id = SessionId::parse(&id).map_err(|_| ApiError::UnknownSession(id))?;
    let row = {
        let id = id.to_string();
        app.store.run_blocking(move |s| s.session(&id)).await
    };
    let row = match row {
        Ok(Ok(row)) => row,
        Ok(Err(StoreError::NotFound)) => return Err(ApiError::UnknownSession(id.to_string())),
        Ok(Err(e)) | Err(e) => return Err(unreadable(id.as_str(), &e)),
    };
    if !token.hash().matches(&row.facilitator_token_hash) {
        return Err(ApiError::Forbidden(
            "Only this session's facilitator can export it.",
        ));
    }
    let format_name = query.format.as_deref().unwrap_or("json");
    let format = export::Format::parse(format_name)
        .ok_or_else(|| ApiError::UnknownFormat(format_name.to_string()))?;
    let anonymize = matches!(query.anonymize.as_deref(), Some("true" | "1" | "yes"));
    let table = match query.table.as_deref() {
        None => export::CsvTable::default(),
        Some(t) => match export::CsvTable::parse(t) {
            Some(t) if format == export::Format::Csv => t,
            Some(_) => {
                return Err(ApiError::BadRequest(
                    "`table` chooses the CSV's table; use it with format=csv.".to_string(),
                ));
            }
            None => {
                return Err(ApiError::BadRequest(format!(
                    "There is no table `{t}`; use table=choices, table=messages, table=plan or table=debrief."
                )));
            }
        },
    };
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
            return Err(ApiError::Internal("The stored scenario cannot be read."));
        }
        Ok(Err(e)) => return Err(unreadable(&row.id, &e)),
        Err(e) => return Err(unreadable(&row.id, &e)),
    };
    let (body, filename) = export::export_file(
        format,
        &export::SessionMeta {
            session_id: row.id.clone(),
            join_code: Some(row.join_code.clone()),
            exported_at: Some(now_ms()),
        },
        &scenario,
        &row.scenario_source,
        &events,
        &export::ExportOptions { anonymize, table },
    );
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, filename.content_disposition()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// The store could not be read (or not in time).
fn unreadable(id: &str, e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(session = %id, "export cannot read the session: {e}");
    ApiError::Unavailable("The session cannot be read right now; please try again.".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesQuery {
    /// Every started session of this scenario id.
    scenario: Option<String>,
    /// Exactly these sessions, comma-separated.
    sessions: Option<String>,
    format: Option<String>,
    names: Option<String>,
    runs: Option<u32>,
    seed: Option<u64>,
}

/// `GET /api/series`: without `scenario` or `sessions`, the scenarios with stored
/// sessions (for the start page); with one of them, the series report.
async fn series(
    app: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SeriesQuery>,
) -> Result<HttpResponse, ApiError> {
    // The series (and the list of stored scenarios) is the host's.
    super::auth::require_host(&req, &app).await?;
    let q = query.into_inner();
    let selection = match (q.scenario, q.sessions) {
        (None, None) => {
            let list = app
                .store
                .run_blocking(crate::series::stored_scenarios)
                .await;
            return match list {
                Ok(Ok(list)) => Ok(HttpResponse::Ok()
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .json(list)),
                Ok(Err(e)) | Err(e) => Err(unreadable("series", &e)),
            };
        }
        (Some(s), None) => crate::series::Selection::Scenario(s.trim().to_string()),
        (None, Some(list)) => {
            crate::series::Selection::Sessions(list.split(',').map(str::to_string).collect())
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "Give either `scenario` or `sessions`, not both.".into(),
            ));
        }
    };
    let format_name = q.format.as_deref().unwrap_or("html");
    let format = crate::series::Format::parse(format_name).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "Unknown series format `{format_name}`; use html, json, csv or markdown."
        ))
    })?;
    let options = crate::series::Options {
        names: matches!(q.names.as_deref(), Some("true" | "1" | "yes")),
        runs: q.runs.unwrap_or(crate::series::DEFAULT_RUNS),
        seed: q.seed.unwrap_or(crate::series::DEFAULT_SEED),
    };
    if options.runs > crate::series::MAX_RUNS {
        return Err(series_error(crate::series::SeriesError::TooManyRuns(
            options.runs,
        )));
    }
    let gathered = {
        let selection = selection.clone();
        app.store
            .run_blocking(move |s| crate::series::gather(s, &selection))
            .await
            .map_err(|e| unreadable("series", &e))?
            .map_err(series_error)?
    };
    // Replaying the sessions and simulating the baselines is CPU work: off the
    // async workers.
    let body = web::block(move || {
        crate::series::Series::build(&gathered, &options).map(|s| crate::series::render(format, &s))
    })
    .await
    .map_err(|_| ApiError::Internal("The series could not be made; please report this."))?
    .map_err(series_error)?;
    let mut answer = HttpResponse::Ok();
    answer
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if format == crate::series::Format::Html {
        // Opened in a tab: the report's own inline styles, and nothing else.
        answer.insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ));
    } else {
        let name = match &selection {
            crate::series::Selection::Scenario(id) => id.as_str(),
            crate::series::Selection::Sessions(_) => "sessions",
        };
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(64)
            .collect();
        answer.insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"wargame-series-{name}.{}\"",
                format.file_extension()
            ),
        ));
    }
    Ok(answer.body(body))
}

fn series_error(e: crate::series::SeriesError) -> ApiError {
    use crate::series::SeriesError as E;
    match e {
        E::UnknownSession(id) => ApiError::UnknownSession(id),
        E::NoSessions { .. } | E::NoneStarted(_) => ApiError::UnknownScenario(sentence(&e)),
        E::NothingListed => ApiError::BadRequest(
            "List the sessions to compare (sessions=ID,ID,...) or give scenario=ID.".into(),
        ),
        E::TooManyRuns(n) => ApiError::BadRequest(format!(
            "runs={n} is more than {}.",
            crate::series::MAX_RUNS
        )),
        E::Duplicate(_) | E::MixedScenarios(_) => ApiError::BadRequest(sentence(&e)),
        E::Scenario { .. } | E::Baseline(_) => {
            tracing::error!("series: {e}");
            ApiError::Internal("The series could not be made from the stored sessions.")
        }
        E::Store(e) => unreadable("series", &e),
    }
}

/// An error's text as a sentence: capital first letter, full stop.
fn sentence(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
