//! Device activation (`POST /v1/devices/activate`) and its attestation challenge
//! (`POST /v1/devices/challenge`): unsigned, since the device has no registered key yet; the
//! one-time code authenticates it, and the client address the lockouts and rate limits count
//! comes from the peer or, behind a trusted proxy, from `X-Forwarded-For` ([`crate::forwarded`]).

use super::body::RawBody;
use super::extract::parse_json;
use super::state::AppState;
use crate::devices;
use crate::error::ApiError;
use crate::openapi::refusals::Common;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use qianpi_protocol::{
    ActivateRequest, ActivateResponse, ActivationChallenge, ErrorBody, ACTIVATE_PATH,
    ACTIVATION_CHALLENGE_PATH,
};
use std::net::SocketAddr;

/// The activation routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(ACTIVATE_PATH, post(activate))
        .route(ACTIVATION_CHALLENGE_PATH, post(challenge))
}

/// A one-time challenge for the attestation of a phone's keys at activation (unsigned).
#[utoipa::path(
    post,
    path = "/v1/devices/challenge",
    operation_id = "activationChallenge",
    tag = "phone",
    summary = "A one-time challenge for the attestation of a phone's keys at activation \
        (unsigned).",
    description = "32 random bytes, good for ten minutes and for one activation. Android: the \
        raw bytes are the keys' attestation challenge. iOS: App Attest signs SHA-256 of the \
        client data `\"qianpi-activation-v1\\0\" ‖ challenge ‖ SHA-256(request key SPKI) ‖ \
        SHA-256(approval key SPKI)`. Each source address may ask as often a minute as it may try \
        activations.",
    responses(
        (status = 200, description = "A fresh challenge.", body = ActivationChallenge),
        (status = 429, description = "`too_many_attempts`: this source address asked too often \
            this minute.", body = ErrorBody),
        Common,
    )
)]
pub(crate) async fn challenge(
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

/// Bind a device to a user with a one-time code (unsigned).
#[utoipa::path(
    post,
    path = "/v1/devices/activate",
    operation_id = "activate",
    tag = "phone",
    summary = "Bind a device to a user with a one-time code (unsigned).",
    description = "With `attestation`, the phone first asks `POST /v1/devices/challenge` for a \
        one-time challenge and sends it in `challenge`; the gateway verifies the evidence against \
        the platform vendor's roots (Android Key Attestation to Google's hardware attestation \
        roots, App Attest to Apple's App Attestation Root CA) and records the device's assurance \
        level: `strongbox`, `tee`, `secure_enclave`, `software` (an Android software \
        attestation, or the terminal shell), or `unattested` (a phone that sent none).",
    request_body = ActivateRequest,
    responses(
        (status = 200, description = "The device is bound.", body = ActivateResponse),
        (status = 400, description = "`malformed_body`, `unreadable_body`, `bad_public_key`, \
            `same_keys`, `invalid_device_name` or `invalid_platform`; `bad_attestation` when the \
            attestation evidence does not verify (the message says why in English: a certificate \
            not signed by the next, expired or revoked, a foreign root, another challenge or key, \
            an imported key, an unlocked device, another app or environment), when evidence comes \
            without a challenge or a challenge without evidence, or when the challenge is \
            unknown, already used or expired; `invalid_text` when a field holds a NUL character. \
            Nothing is stored and the code stays good.",
         body = ErrorBody),
        (status = 401, description = "`activation_failed`: the login or code is wrong or has \
            expired, or this address sent too many wrong codes for the login and is locked out \
            for a while (one answer for all, so it reveals no login).", body = ErrorBody),
        (status = 403, description = "`hardware_keys_required`: the user's unit accepts only \
            phones whose keys attested as held by secure hardware (TEE, StrongBox, Secure \
            Enclave); this device is unattested or its keys are in software. Nothing is stored \
            and the code stays good.", body = ErrorBody),
        (status = 409, description = "`key_in_use` (or `already_exists`): these device keys are \
            already registered.", body = ErrorBody),
        (status = 413, description = "`body_too_large`: the body exceeds 256 KiB.",
         body = ErrorBody),
        (status = 429, description = "`too_many_attempts` from this source address this minute.",
         body = ErrorBody),
        Common,
    )
)]
pub(crate) async fn activate(
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
