//! The HTTP surface: the router, and the handlers for activation, pull and push. Bodies are read as
//! bytes and parsed here, so a malformed body gets our JSON error with a stable code rather than
//! the framework's plain-text one.

use crate::auth::{self, SignedRequest};
use crate::commands::{decide_command, Decision};
use crate::db::Db;
use crate::error::ApiError;
use crate::{devices, feed};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_core::protocol::{
    self, ActivateRequest, ActivateResponse, CommandBatch, PushResponse, SyncPage,
};
use serde::Deserialize;
use std::net::SocketAddr;

/// Largest request body accepted (a push batch is ≤ 64 KB by protocol; leave room for framing).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest page a client may ask for.
const MAX_PAGE: usize = 500;
/// Most commands in one push.
const MAX_BATCH: usize = 64;

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The scheme clients use to reach this gateway, for the signed `@target-uri`.
    pub scheme: String,
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(protocol::HEALTH_PATH, get(health))
        .route(protocol::ACTIVATE_PATH, post(activate))
        .route(protocol::SYNC_PATH, get(pull))
        .route(protocol::COMMANDS_PATH, post(push))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "server_time": Utc::now() }))
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint",
    )
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "malformed_body",
            format!("the request body is not valid: {e}"),
        )
    })
}

async fn activate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Result<Json<ActivateResponse>, ApiError> {
    let request: ActivateRequest = parse_json(&body)?;
    Ok(Json(
        devices::activate(&state.db, request, peer.ip().to_string()).await?,
    ))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: String,
    limit: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Query<PullQuery>,
) -> Result<Json<SyncPage>, ApiError> {
    let device = auth::verify(
        &state.db,
        SignedRequest {
            method: &method,
            uri: &uri,
            headers: &headers,
            body: &[],
        },
        &state.scheme,
        Utc::now().timestamp(),
    )
    .await?;
    let after: i64 = if query.cursor.is_empty() {
        0
    } else {
        query.cursor.parse().map_err(|_| {
            ApiError::bad_request("bad_cursor", "the cursor is not one this gateway issued")
        })?
    };
    let limit = query.limit.unwrap_or(200).clamp(1, MAX_PAGE);
    let (changes, last_seq, has_more) = state
        .db
        .tx(move |sql| feed::page(sql, &device.user_id, after, limit))
        .await?;
    Ok(Json(SyncPage {
        changes,
        next_cursor: last_seq.to_string(),
        has_more,
        server_time: Utc::now(),
    }))
}

async fn push(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushResponse>, ApiError> {
    let device = auth::verify(
        &state.db,
        SignedRequest {
            method: &method,
            uri: &uri,
            headers: &headers,
            body: &body,
        },
        &state.scheme,
        Utc::now().timestamp(),
    )
    .await?;
    let batch: CommandBatch = parse_json(&body)?;
    if batch.commands.len() > MAX_BATCH {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("at most {MAX_BATCH} commands per push"),
        ));
    }
    // One transaction per command: a crash mid-batch keeps every decided command and loses none
    // (the phone resends the rest, and resent ones get their stored verdicts).
    let mut verdicts = Vec::with_capacity(batch.commands.len());
    let mut held = Vec::new();
    for command in batch.commands {
        let device = device.clone();
        let command_id = command.command_id.clone();
        let decision = state
            .db
            .tx(move |sql| decide_command(sql, &device, &command, Utc::now()))
            .await?;
        match decision {
            Decision::Verdict(verdict) => verdicts.push(verdict),
            Decision::Held => held.push(command_id),
        }
    }
    Ok(Json(PushResponse {
        verdicts,
        held,
        server_time: Utc::now(),
    }))
}
