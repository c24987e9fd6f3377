//! The push of sync.md (`POST /v1/commands`): the signed device's batch of approval records,
//! decided by [`crate::commands::decide_batch`] in one transaction (group commit).

use super::extract::{parse_json, Signed};
use super::state::AppState;
use crate::commands::{decide_batch, BatchOutcome, Decision};
use crate::error::ApiError;
use crate::openapi::refusals::SignedRefusals;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::{CommandBatch, ErrorBody, PushResponse, COMMANDS_PATH};

/// Most commands in one push.
const MAX_BATCH: usize = 64;

/// The push route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route(COMMANDS_PATH, post(push))
}

/// Push signed approval records; one verdict per decided command (signed).
#[utoipa::path(
    post,
    path = "/v1/commands",
    operation_id = "push",
    tag = "phone",
    summary = "Push signed approval records; one verdict per decided command (signed).",
    request_body = CommandBatch,
    responses(
        (status = 200, description = "The verdicts and the held commands.", body = PushResponse),
        (status = 400, description = "`malformed_body`, `unreadable_body`, or `invalid_text` (a \
            NUL character in a command id).", body = ErrorBody),
        (status = 413, description = "`body_too_large` (over 256 KiB) or `batch_too_large` (over \
            64 commands).", body = ErrorBody),
        SignedRefusals,
        (status = 401, description = super::sync::REVOKED, body = ErrorBody),
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn push(
    State(state): State<AppState>,
    Signed { device, body }: Signed,
) -> Result<Json<PushResponse>, ApiError> {
    let batch: CommandBatch = parse_json(&body)?;
    if batch.commands.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("at most {MAX_BATCH} commands per push"),
        ));
    }
    // One transaction for the batch ([`crate::commands::batch`]): all of it is decided, or none
    // of it, and a resend gets the stored verdicts. Decided one transaction per command instead
    // when the deployment says so, for the push benchmark's reference.
    let parts = if state.group_commit {
        vec![batch.commands]
    } else {
        batch.commands.into_iter().map(|c| vec![c]).collect()
    };
    let mut verdicts = Vec::new();
    let mut held = Vec::new();
    for part in parts {
        let device = device.clone();
        let key = state.key.clone();
        let BatchOutcome { decisions, stopped } = state
            .db
            .tx(move |sql| decide_batch(sql, &key, &device, &part, &mut Utc::now))
            .await?;
        for decision in decisions {
            match decision {
                Decision::Verdict(verdict) => verdicts.push(verdict),
                Decision::Held(command_id) => held.push(command_id),
            }
        }
        if let Some(error) = stopped {
            return Err(error);
        }
    }
    Ok(Json(PushResponse {
        verdicts,
        held,
        server_time: Utc::now(),
    }))
}
