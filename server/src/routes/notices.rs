//! The notice endpoints: an administrator publishes (`POST /v1/admin/units/{unit}/notices`), lists
//! (`GET` the same path) and reads a notice's roster (`GET …/notices/{notice}/receipts`); a phone
//! sends its user's 回执 (`POST /v1/receipts`, signed, at most [`MAX_BATCH`] per request, each
//! applied in its own transaction so a crash mid-batch keeps those already applied).

use super::body::RawBody;
use super::extract::{parse_json, parse_query, Admin, Signed};
use super::state::AppState;
use crate::error::ApiError;
use crate::notices::receipts::{self, MAX_BATCH};
use crate::notices::roster::{self, NoticeReceipts, NoticeSummary};
use crate::notices::{publish as publish_notice, PublishNotice, Published};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::{ReceiptBatch, ReceiptResponse, ReceiptResult, RECEIPTS_PATH};
use serde::Deserialize;

/// The notice routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/units/{unit}/notices", get(list).post(publish))
        .route(
            "/v1/admin/units/{unit}/notices/{notice}/receipts",
            get(roster),
        )
        .route(RECEIPTS_PATH, post(receive))
}

async fn publish(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let request: PublishNotice = parse_json(&body)?;
    let published =
        publish_notice(&state.db, &state.key, &actor, &unit, request, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<usize>,
    #[serde(default)]
    offset: usize,
}

async fn list(
    State(state): State<AppState>,
    Admin(actor): Admin,
    uri: Uri,
    Path(unit): Path<String>,
) -> Result<Json<Vec<NoticeSummary>>, ApiError> {
    let query: ListQuery = parse_query(uri.query())?;
    let limit = query.limit.unwrap_or(100);
    Ok(Json(
        roster::list(&state.db, &actor, &unit, limit, query.offset).await?,
    ))
}

async fn roster(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, notice)): Path<(String, String)>,
) -> Result<Json<NoticeReceipts>, ApiError> {
    Ok(Json(
        roster::receipts(&state.db, &actor, &unit, &notice).await?,
    ))
}

async fn receive(
    State(state): State<AppState>,
    Signed { device, body }: Signed,
) -> Result<Json<ReceiptResponse>, ApiError> {
    let batch: ReceiptBatch = parse_json(&body)?;
    if batch.receipts.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("at most {MAX_BATCH} receipts per request"),
        ));
    }
    let mut results = Vec::with_capacity(batch.receipts.len());
    for update in batch.receipts {
        let device = device.clone();
        let notice_id = update.notice_id.clone();
        let now = Utc::now();
        let outcome = state
            .db
            .tx(move |sql| receipts::apply(sql, &device, &update, now))
            .await?;
        results.push(ReceiptResult { notice_id, outcome });
    }
    Ok(Json(ReceiptResponse {
        results,
        server_time: Utc::now(),
    }))
}
