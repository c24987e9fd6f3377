//! The HTTP surface: the router and what every handler shares. Bodies and queries go through
//! [`RawBody`] (which also decodes a gzip body, [`body`]), [`parse_json`] and [`parse_query`], so
//! a malformed, mistyped, oversized or unknown-coded request gets our JSON error with a stable
//! code rather than the framework's plain-text one.
//!
//! Handlers live by audience: [`phone`] (activation, pull, push), [`admin`] (administrators);
//! blobs and notices bring their own ([`crate::blobs::http`], [`crate::notices::http`]).

mod admin;
mod body;
mod phone;

pub(crate) use admin::who as admin_actor;
pub(crate) use body::read_body;
pub use body::{gunzip, AsSent, Body, RawBody, MAX_BODY_BYTES};
pub(crate) use phone::signed_by;

use crate::db::Db;
use crate::error::ApiError;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol as protocol;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _, SizeAbove};

/// Answers smaller than this go uncompressed: gzip would save a few hundred bytes of a delta
/// sync (well inside P-5's 2 KB) at the cost of CPU on every one of them.
const MIN_COMPRESSED_BYTES: u16 = 1024;

/// Parses a query string; a malformed or mistyped one is a JSON 400 `malformed_query`.
pub(crate) fn parse_query<T: serde::de::DeserializeOwned>(
    query: Option<&str>,
) -> Result<T, ApiError> {
    serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| {
        ApiError::bad_request("malformed_query", format!("the query is not valid: {e}"))
    })
}

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The statement key: receipts, checkpoints, notices, wipe commands.
    pub key: std::sync::Arc<qianpi_protocol::statement::GatewayKey>,
    /// The scheme clients use to reach this gateway, for the signed `@target-uri`.
    pub scheme: String,
    /// Activation attempts one source address may make per minute.
    pub activations_per_minute: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: std::sync::Arc<crate::forwarded::TrustedProxies>,
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(protocol::HEALTH_PATH, get(health))
        .route(protocol::ACTIVATE_PATH, post(phone::activate))
        .route(protocol::SYNC_PATH, get(phone::pull))
        .route(protocol::COMMANDS_PATH, post(phone::push))
        .route(protocol::PING_PATH, get(phone::ping))
        .nest("/v1/admin", admin::routes())
        .route(crate::openapi::OPENAPI_PATH, get(crate::openapi::serve))
        .merge(crate::blobs::http::routes())
        .merge(crate::notices::http::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // gzip whenever the client accepts it (sync.md): pages of JSON shrink several times. An
        // answer offering byte ranges (a blob) stays as stored: its ranges count stored bytes.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(SizeAbove::new(MIN_COMPRESSED_BYTES))
                    .and(offers_no_ranges),
            ),
        )
        .with_state(state)
}

/// Whether a response does not offer byte ranges (so it may be compressed).
fn offers_no_ranges(
    _: StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    !headers.contains_key(axum::http::header::ACCEPT_RANGES)
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

/// A known path asked with a method it does not serve: our JSON error rather than axum's empty 405.
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept this method",
    )
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "malformed_body",
            format!("the request body is not valid: {e}"),
        )
    })
}
