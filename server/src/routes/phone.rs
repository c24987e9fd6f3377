//! The phone's endpoints: activation (unsigned: the device has no registered key yet), and the
//! signed pull and push of sync.md.

use super::{parse_json, parse_query, AppState, AsSent, RawBody};
use crate::auth::{self, AuthedDevice, SignedRequest};
use crate::commands::{decide_command, Decision};
use crate::error::ApiError;
use crate::{checkpoints, devices, feed};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Json;
use chrono::Utc;
use qianpi_protocol::{
    page_checksum, ActivateRequest, ActivateResponse, CommandBatch, PushResponse, SyncPage,
};
use serde::Deserialize;
use std::net::SocketAddr;

/// Largest page a client may ask for.
const MAX_PAGE: usize = 500;
/// Most commands in one push.
const MAX_BATCH: usize = 64;

pub(super) async fn activate(
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

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: String,
    limit: Option<usize>,
    /// Seconds to wait for a change when there is none (long-poll), at most [`MAX_WAIT_SECS`].
    wait: Option<u64>,
}

/// Longest long-poll: proxies cut idle requests at 60–100 s (sync.md).
pub const MAX_WAIT_SECS: u64 = 25;
/// How often a waiting pull looks at the feed head. The feed lives in the database, so a change
/// committed by any replica wakes the poll.
const WAIT_POLL: std::time::Duration = std::time::Duration::from_millis(250);

pub(super) async fn pull(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<SyncPage>, ApiError> {
    let device = signed_by(&state, &method, &uri, &headers, &[]).await?;
    let query: PullQuery = parse_query(uri.query())?;
    let cursor = feed::Cursor::parse(&query.cursor)?;
    let limit = query.limit.unwrap_or(200).clamp(1, MAX_PAGE);
    let wait = std::time::Duration::from_secs(query.wait.unwrap_or(0).min(MAX_WAIT_SECS));
    let deadline = tokio::time::Instant::now() + wait;
    let user = device.user_id.clone();
    while tokio::time::Instant::now() < deadline {
        let user = user.clone();
        if !cursor.has_seen(state.db.once(move |sql| feed::head(sql, &user)).await?) {
            break;
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
    let key = state.key.clone();
    // The usual delta sync, nothing new and a fresh checkpoint: one statement, no transaction.
    let glance = {
        let device = device.clone();
        state
            .db
            .once(move |sql| checkpoints::glance(sql, &device, Utc::now()))
            .await?
    };
    // Otherwise the page, and a new checkpoint unless the last one may be handed out again.
    let (page, checkpoint) = match glance.reusable {
        Some(checkpoint) if cursor.has_seen(glance.head) => (
            feed::Page {
                changes: Vec::new(),
                next: cursor,
                has_more: false,
            },
            checkpoint,
        ),
        reusable => {
            let policy = glance.policy;
            state
                .db
                .tx(move |sql| {
                    let page = feed::page(sql, &user, cursor, limit)?;
                    let checkpoint = match &reusable {
                        Some(checkpoint) => checkpoint.clone(),
                        None => checkpoints::issue(sql, &key, &device, policy.clone(), Utc::now())?,
                    };
                    Ok((page, checkpoint))
                })
                .await?
        }
    };
    let feed::Page {
        changes,
        next,
        has_more,
    } = page;
    let checksum = page_checksum(&changes)
        .map_err(|e| ApiError::internal(format!("cannot checksum a page: {e}")))?;
    Ok(Json(SyncPage {
        changes,
        next_cursor: next.to_string(),
        has_more,
        checksum,
        checkpoint: Some(checkpoint),
        server_time: Utc::now(),
    }))
}

pub(super) async fn push(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<PushResponse>, ApiError> {
    let device = signed_by(&state, &method, &uri, &headers, &body).await?;
    let batch: CommandBatch = parse_json(&body)?;
    if batch.commands.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
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
        let key = state.key.clone();
        let command_id = command.command_id.clone();
        let decision = state
            .db
            .tx(move |sql| decide_command(sql, &key, &device, &command, Utc::now()))
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

/// A signed request that does nothing but pass the signature checks: the cost floor of every
/// signed request, and a way for a phone to test its credentials and clock.
pub(super) async fn ping(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    signed_by(&state, &method, &uri, &headers, &[]).await?;
    Ok(Json(serde_json::json!({ "server_time": Utc::now() })))
}

/// The device that signed this request, checked against the gateway's clock. The signed
/// `Content-Digest` is checked against the body as sent (compressed, if it came so).
pub(crate) async fn signed_by(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &(impl AsSent + ?Sized),
) -> Result<AuthedDevice, ApiError> {
    let request = SignedRequest {
        method,
        uri,
        headers,
        body: body.as_sent(),
    };
    auth::verify(
        &state.db,
        &state.key,
        request,
        &state.scheme,
        Utc::now().timestamp(),
    )
    .await
}
