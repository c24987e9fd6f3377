//! The HTTP surface, one module per feature, each with its own router, merged in [`router`]:
//! [`devices`] (activation), [`sync`] (pull and ping), [`commands`] (push), [`blobs`] (upload
//! and download), [`notices`] (publishing, rosters, 回执), [`delegations`] (委托代理 from the
//! phone), [`people`] (通讯录 for phones and its settings), [`phrases`] (常用意见 and opinion
//! files), [`admin`] (the administrators' API)
//! and the health and OpenAPI documents here. Who asks is an extractor ([`extract::Signed`], a
//! device whose signature verified; [`extract::Admin`], an administrator); bodies go through
//! [`body::RawBody`] (which also decodes a gzip body) and queries through
//! [`extract::parse_query`], so a malformed, mistyped, oversized or unknown-coded request gets
//! our JSON error with a stable code. The data layer below never imports this module.

pub(crate) mod admin;
pub(crate) mod blobs;
mod body;
pub(crate) mod commands;
pub(crate) mod delegations;
pub(crate) mod devices;
pub mod extract;
pub(crate) mod integration;
pub(crate) mod notices;
pub(crate) mod people;
pub(crate) mod phrases;
mod state;
pub(crate) mod sync;

// The body decoder is public for its fuzz target; the rest stays inside the HTTP layer.
pub use body::gunzip;
use body::MAX_BODY_BYTES;
pub use state::AppState;

use crate::error::ApiError;
use crate::openapi::refusals::Common;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol as protocol;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _, SizeAbove};

/// Answers smaller than this go uncompressed: gzip would save a few hundred bytes of a delta
/// sync (well inside P-5's 2 KB) at the cost of CPU on every one of them.
const MIN_COMPRESSED_BYTES: u16 = 1024;

/// The gateway's routes: every feature's router, merged here and nowhere else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(protocol::HEALTH_PATH, get(health))
        .route(crate::openapi::OPENAPI_PATH, get(crate::openapi::serve))
        .merge(devices::routes())
        .merge(sync::routes())
        .merge(commands::routes())
        .merge(blobs::routes())
        .merge(notices::routes())
        .merge(delegations::routes())
        .merge(people::routes())
        .merge(phrases::routes())
        .nest("/v1/admin", admin::routes())
        .merge(integration::routes())
        .merge(crate::console::home_routes())
        .nest("/console", crate::console::routes())
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

/// The liveness answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    #[schema(inline)]
    status: HealthStatus,
    /// The gateway's clock.
    server_time: chrono::DateTime<Utc>,
}

// What a live gateway says of itself (undocumented: its schema is inlined into `Health`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum HealthStatus {
    Ok,
}

/// Liveness probe (unauthenticated).
#[utoipa::path(
    get,
    path = "/v1/health",
    operation_id = "health",
    tag = "phone",
    summary = "Liveness probe (unauthenticated).",
    responses(
        (status = 200, description = "The gateway is up.", body = Health),
        Common
    )
)]
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: HealthStatus::Ok,
        server_time: Utc::now(),
    })
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
