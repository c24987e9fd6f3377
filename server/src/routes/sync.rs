//! The pull of sync.md (`GET /v1/sync`): a page of the signed device's feed, lane by lane, with
//! its checksum and a signed checkpoint, long-polling while nothing is new, after marking
//! delivered the notices the phone says it stored (`notices::deliveries`); and `GET /v1/ping`,
//! a signed request that only proves the signature.

use super::extract::{parse_query, Signed};
use super::state::AppState;
use crate::error::ApiError;
use crate::openapi::refusals::SignedRefusals;
use crate::{checkpoints, feed, notices};
use axum::extract::State;
use axum::http::Uri;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::{page_checksum, ErrorBody, SyncPage, PING_PATH, SYNC_PATH};
use serde::Deserialize;

/// The 401 of the phone's own signed operations, which besides the scheme's checks may carry a
/// wipe order.
pub(super) const REVOKED: &str = "The signed request failed a check; the code names it (see the \
    signedRequest scheme). To a revoked device, or one an administrator asked to wipe, \
    `device_revoked` or `wipe_requested` with the signed `wipe` order.";

/// Largest page a client may ask for.
const MAX_PAGE: usize = 500;

/// The pull and ping routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(SYNC_PATH, get(pull))
        .route(PING_PATH, get(ping))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: String,
    limit: Option<usize>,
    /// Seconds to wait for a change when there is none (long-poll), at most [`MAX_WAIT_SECS`].
    wait: Option<u64>,
    /// The range of cursors whose pages' notices the phone has stored since it last said so
    /// (`notices::deliveries`).
    delivered_from: Option<String>,
    delivered_to: Option<String>,
}

/// Longest long-poll: proxies cut idle requests at 60–100 s (sync.md).
const MAX_WAIT_SECS: u64 = 25;
/// How often a waiting pull looks at the feed head. The feed lives in the database, so a change
/// committed by any replica wakes the poll.
const WAIT_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// A page of the user's change feed, with a signed checkpoint and the page checksum (signed).
#[utoipa::path(
    get,
    path = "/v1/sync",
    operation_id = "pull",
    tag = "phone",
    summary = "A page of the user's change feed, with a signed checkpoint and the page checksum \
        (signed).",
    params(
        ("cursor" = Option<String>, Query,
         description = "The `next_cursor` of the previous page; empty or absent for the start."),
        ("limit" = Option<u64>, Query,
         description = "Page size, clamped to 1..500 (default 200)."),
        ("wait" = Option<u64>, Query,
         description = "Seconds to wait for a change after the cursor when there is none yet \
            (long-poll); at most 25 are honoured. Absent or 0: answer at once."),
        ("delivered_from" = Option<String>, Query,
         description = "With `delivered_to`: the range of cursors whose pages' notices the phone \
            has stored since it last reported (送达). The gateway marks those notices delivered \
            to the user before answering; reporting a range again changes nothing."),
        ("delivered_to" = Option<String>, Query,
         description = "The end of the range `delivered_from` starts."),
    ),
    responses(
        (status = 200, description = "A page of changes.", body = SyncPage),
        (status = 400, description = "`malformed_query` or `bad_cursor`.", body = ErrorBody),
        SignedRefusals,
        (status = 401, description = REVOKED, body = ErrorBody),
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn pull(
    State(state): State<AppState>,
    uri: Uri,
    Signed { device, .. }: Signed,
) -> Result<Json<SyncPage>, ApiError> {
    let query: PullQuery = parse_query(uri.query())?;
    let cursor = feed::Cursor::parse(&query.cursor)?;
    let limit = query.limit.unwrap_or(200).clamp(1, MAX_PAGE);
    let wait = std::time::Duration::from_secs(query.wait.unwrap_or(0).min(MAX_WAIT_SECS));
    let deadline = tokio::time::Instant::now() + wait;
    let user = device.user_id.clone();
    if let (Some(from), Some(to)) = (&query.delivered_from, &query.delivered_to) {
        let (from, to) = (feed::Cursor::parse(from)?, feed::Cursor::parse(to)?);
        let user = user.clone();
        state
            .db
            .tx(move |sql| notices::deliveries::acknowledge(sql, &user, &from, &to, Utc::now()))
            .await?;
    }
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
    let phrases = glance.phrases;
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
        phrases: Some(phrases),
    }))
}

/// The gateway's clock and nothing else.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ServerTime {
    /// The gateway's clock.
    server_time: chrono::DateTime<Utc>,
}

/// A signed request that does nothing but pass the signature checks: the cost floor of every
/// signed request, and a way for a phone to test its credentials and clock.
#[utoipa::path(
    get,
    path = "/v1/ping",
    operation_id = "ping",
    tag = "phone",
    summary = "A signed request that only passes the signature checks: tests credentials and \
        clock.",
    responses(
        (status = 200, description = "The server time.", body = ServerTime),
        SignedRefusals,
        (status = 401, description = REVOKED, body = ErrorBody),
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn ping(_: Signed) -> Result<Json<ServerTime>, ApiError> {
    Ok(Json(ServerTime {
        server_time: Utc::now(),
    }))
}
