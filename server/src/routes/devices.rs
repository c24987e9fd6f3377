//! Device activation (`POST /v1/devices/activate`) and its attestation challenge
//! (`POST /v1/devices/challenge`): unsigned, since the device has no registered key yet; the
//! one-time code authenticates it, and the client address the lockouts and rate limits count
//! comes from the peer or, behind a trusted proxy, from `X-Forwarded-For` ([`crate::forwarded`]).

use super::body::RawBody;
use super::extract::parse_json;
use super::state::AppState;
use crate::devices;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use qianpi_protocol::{
    ActivateRequest, ActivateResponse, ActivationChallenge, ACTIVATE_PATH,
    ACTIVATION_CHALLENGE_PATH,
};
use std::net::SocketAddr;

/// The activation routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(ACTIVATE_PATH, post(activate))
        .route(ACTIVATION_CHALLENGE_PATH, post(challenge))
}

async fn challenge(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<ActivationChallenge>, ApiError> {
    let source = crate::forwarded::client_address(peer.ip(), &headers, &state.trusted_proxies);
    Ok(Json(
        devices::challenge::issue(
            &state.db,
            source.to_string(),
            state.activations_per_minute,
            chrono::Utc::now(),
        )
        .await?,
    ))
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
        devices::activate_with(
            &state.db,
            state.key.public().clone(),
            request,
            source.to_string(),
            state.activations_per_minute,
            state.attestation.clone(),
        )
        .await?,
    ))
}
