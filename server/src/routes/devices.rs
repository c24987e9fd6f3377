//! Device activation (`POST /v1/devices/activate`): unsigned, since the device has no registered
//! key yet; the one-time code authenticates it, and the client address the lockouts count comes
//! from the peer or, behind a trusted proxy, from `X-Forwarded-For` ([`crate::forwarded`]).

use super::body::RawBody;
use super::extract::parse_json;
use super::state::AppState;
use crate::devices;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use qianpi_protocol::{ActivateRequest, ActivateResponse, ACTIVATE_PATH};
use std::net::SocketAddr;

/// The activation route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route(ACTIVATE_PATH, post(activate))
}

async fn activate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<ActivateResponse>, ApiError> {
    let request: ActivateRequest = parse_json(&body)?;
    // Behind a trusted reverse proxy the client is named in X-Forwarded-For, not by the peer.
    let source = crate::forwarded::client_address(peer.ip(), &headers, &state.trusted_proxies);
    Ok(Json(
        devices::activate(
            &state.db,
            state.key.public().clone(),
            request,
            source.to_string(),
            state.activations_per_minute,
        )
        .await?,
    ))
}
