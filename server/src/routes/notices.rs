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
use crate::openapi::refusals::{AdminRefusals, SignedRefusals};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::{ErrorBody, ReceiptBatch, ReceiptResponse, ReceiptResult, RECEIPTS_PATH};
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

/// Publish a notice (通知公告) to the unit or named people of it.
#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/notices",
    operation_id = "adminPublishNotice",
    tags = ["admin", "notices"],
    description = "The gateway sets the publish time and the publisher's identity, checks the \
        notice, expands the scope into recipients (the unit itself means everyone in it; people \
        must be of the unit; departments are not kept by the gateway), signs the notice with \
        its statement key and, in one transaction, stores it with one roster row per \
        recipient, puts it with its signed copy into each recipient's feed, shares its \
        attachments with them and audits `notice.published`.",
    params(("unit" = String, Path, description = "The unit id.")),
    request_body = PublishNotice,
    responses(
        (status = 201, description = "Published.", body = Published),
        (status = 400, description = "`malformed_body`, `unreadable_body`, `invalid_notice` (the \
            message says why: an empty title, no scope, a form or deadline without a receipt, a \
            deadline not after now, a bad attachment or id), `unknown_publisher`, \
            `unknown_recipient` (another unit, or a person not of this unit), \
            `unsupported_scope` (departments), `missing_blob` (an attachment not uploaded to \
            this unit), `blob_size_mismatch`.", body = ErrorBody),
        (status = 404, description = NO_SUCH_UNIT, body = ErrorBody),
        (status = 409, description = "`notice_exists`: a notice with this id exists already.",
         body = ErrorBody),
        (status = 413, description = "`body_too_large`: over 256 KiB.", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn publish(
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

/// Which page of a unit's notices.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// At most this many, clamped to 1..500 (default 100).
    limit: Option<usize>,
    /// Skip this many of the newest (default 0).
    #[serde(default)]
    offset: usize,
}

/// The 404 of an administrator's call naming a unit.
const NO_SUCH_UNIT: &str =
    "`no_such_unit`: no such unit, or not one this administrator administers.";

/// The unit's notices, newest first, with how many recipients have read and replied.
#[utoipa::path(
    get,
    path = "/v1/admin/units/{unit}/notices",
    operation_id = "adminListNotices",
    tags = ["admin", "notices"],
    params(("unit" = String, Path, description = "The unit id."), ListQuery),
    responses(
        (status = 200, description = "The summaries.", body = Vec<NoticeSummary>),
        (status = 400, description = "`malformed_query`.", body = ErrorBody),
        (status = 404, description = NO_SUCH_UNIT, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn list(
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

/// A notice's roster.
#[utoipa::path(
    get,
    path = "/v1/admin/units/{unit}/notices/{notice}/receipts",
    operation_id = "adminNoticeReceipts",
    summary = "A notice's roster (回执汇总): every recipient's state and reply, who has not \
        read, who has not replied.",
    tags = ["admin", "notices"],
    params(
        ("unit" = String, Path, description = "The unit id."),
        ("notice" = String, Path, description = "The notice id."),
    ),
    responses(
        (status = 200, description = "The roster.", body = NoticeReceipts),
        (status = 404, description = "`no_such_unit`, or `no_such_notice` (absent, or another \
            unit's).", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn roster(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, notice)): Path<(String, String)>,
) -> Result<Json<NoticeReceipts>, ApiError> {
    Ok(Json(
        roster::receipts(&state.db, &actor, &unit, &notice).await?,
    ))
}

/// Send the user's 回执 of notices (signed); one result per receipt.
#[utoipa::path(
    post,
    path = "/v1/receipts",
    operation_id = "sendReceipts",
    tags = ["phone", "notices"],
    description = "Each receipt is the user's state for one notice as changed on the phone \
        (times are the phone's clock corrected by the gateway's offset), applied in its own \
        transaction with the core's rules: a read or delivery keeps its first time; a reply is \
        checked against the notice's form and deadline at the time it was made, so a reply \
        made offline before the deadline counts. A reply older than the one held changes \
        nothing, and sending a state again changes nothing (no audit entry, no feed change); \
        the answer is then the state held. A change is audited (`notice.read`, \
        `notice.replied`, `notice.delivered`) and sent to the user's feed as a receipt change. \
        Refusal codes: `no_such_notice` (absent, another unit's, or the user is not a \
        recipient), `from_future` (more than 60 s ahead of the gateway), `before_published`, \
        `malformed_receipt` (a reply without its time or a time without its reply), \
        `receipt_not_required`, `after_deadline`, `choice_required`, `unknown_choice`, \
        `note_required`, `note_not_allowed`.",
    request_body = ReceiptBatch,
    responses(
        (status = 200, description = "The results, in the order sent.", body = ReceiptResponse),
        (status = 400, description = "`malformed_body` or `unreadable_body`.", body = ErrorBody),
        (status = 413, description = "`body_too_large` (over 256 KiB) or `batch_too_large` (over \
            64 receipts).", body = ErrorBody),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn receive(
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
