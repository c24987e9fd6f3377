//! The HTTP surface: the router and what every handler shares. Bodies and queries go through
//! [`RawBody`], [`parse_json`] and [`parse_query`], so a malformed, mistyped or oversized request
//! gets our JSON error with a stable code rather than the framework's plain-text one.
//!
//! Handlers live by audience: [`phone`] (activation, pull, push), [`admin`] (administrators);
//! blobs and notices bring their own ([`crate::blobs::http`], [`crate::notices::http`]).

mod admin;
mod phone;

pub(crate) use admin::who as admin_actor;
pub(crate) use phone::signed_by;

use crate::db::Db;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol as protocol;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _, SizeAbove};

/// Answers smaller than this go uncompressed: gzip would save a few hundred bytes of a delta
/// sync (well inside P-5's 2 KB) at the cost of CPU on every one of them.
const MIN_COMPRESSED_BYTES: u16 = 1024;

/// Largest request body accepted (a push batch is ≤ 64 KB by protocol; leave room for framing).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The request body as bytes; a body over [`MAX_BODY_BYTES`] is a JSON 413 `body_too_large`.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<RawBody, ApiError> {
        read_body(request, state, MAX_BODY_BYTES).await.map(RawBody)
    }
}

/// The body of `request`, limited to `limit` bytes by the route's body limit: a larger one is a
/// JSON 413 `body_too_large`, an unreadable one a 400 `unreadable_body`.
pub(crate) async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
    limit: usize,
) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("a request body may have at most {limit} bytes"),
                )
            } else {
                ApiError::bad_request("unreadable_body", "the request body could not be read")
            }
        })
}

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
