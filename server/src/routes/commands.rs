//! The push of sync.md (`POST /v1/commands`): the signed device's batch of approval records,
//! each decided in its own transaction by [`crate::commands`].

use super::extract::{parse_json, Signed};
use super::state::AppState;
use crate::commands::{decide_command, Decision};
use crate::error::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::{CommandBatch, PushResponse, COMMANDS_PATH};

/// Most commands in one push.
const MAX_BATCH: usize = 64;

/// The push route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route(COMMANDS_PATH, post(push))
}

async fn push(
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
