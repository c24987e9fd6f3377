//! The administrators' API keys of a unit under `/v1/admin/units/{unit}/api-keys` (the
//! [`Admin`] extractor): list, issue (the `qpk_…` key shown once) and revoke. The logic lives in
//! [`crate::integration::keys`].

use crate::error::ApiError;
use crate::integration::keys::{self, IssuedKey, KeyView, NewKey};
use crate::openapi::refusals::AdminRefusals;
use crate::routes::body::RawBody;
use crate::routes::extract::{parse_json, Admin};
use crate::routes::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use qianpi_protocol::ErrorBody;

#[utoipa::path(
    get,
    path = "/v1/admin/units/{unit}/api-keys",
    operation_id = "adminListApiKeys",
    tags = ["admin", "integration"],
    summary = "The API keys scoped to the unit, newest first (never the keys themselves).",
    description = "Each lists the units of its scope the caller administers.",
    params(("unit" = String, Path, description = "The unit id.")),
    responses(
        (status = 200, description = "The keys.", body = [KeyView]),
        (status = 404, description = "`no_such_unit`: no such unit, or not one this \
         administrator administers.", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    Ok(Json(keys::list(&state.db, &actor, &unit).await?))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/api-keys",
    operation_id = "adminIssueApiKey",
    tags = ["admin", "integration"],
    summary = "Issue an API key for an external system, scoped to this unit and any others \
        listed.",
    description = "The key (`qpk_…`) is in this answer only; the gateway keeps its SHA-256. \
        Every unit must be one the caller administers. Audited `api_key.issued` in each unit.",
    params(("unit" = String, Path, description = "The unit id.")),
    request_body(content = NewKey, content_type = "application/json"),
    responses(
        (status = 201, description = "Issued.", body = IssuedKey),
        (status = 400, description = "`malformed_body`, `invalid_label`, `too_many_units`, \
         `invalid_text`.", body = ErrorBody),
        (status = 404, description = "`no_such_unit`: a unit that does not exist or that this \
         administrator does not administer.", body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn issue_key(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    let new: NewKey = if body.is_empty() {
        NewKey::default()
    } else {
        parse_json(&body)?
    };
    let issued = keys::issue(&state.db, &actor, &unit, new, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/api-keys/{key}/revoke",
    operation_id = "adminRevokeApiKey",
    tags = ["admin", "integration"],
    summary = "Revoke an API key: it authenticates nothing from now on.",
    description = "Revoking twice keeps the first time. Its subscriptions receive nothing more. \
        Audited `api_key.revoked`.",
    params(("unit" = String, Path, description = "The unit id."), ("key" = String, Path, description = "The key's id (`key-…`).")),
    responses(
        (status = 200, description = "The key with its revocation time.", body = KeyView),
        (status = 404, description = "`no_such_unit` or `no_such_key`.", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, key)): Path<(String, String)>,
) -> Result<Json<KeyView>, ApiError> {
    Ok(Json(
        keys::revoke(&state.db, &actor, &unit, &key, Utc::now()).await?,
    ))
}
