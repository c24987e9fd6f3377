//! 通讯录 endpoints: a phone fetches its unit's address book (`GET /v1/people`, signed, answered
//! with a strong `ETag` and a bodiless 304 when the phone's `If-None-Match` still matches); an
//! administrator sets one identity's entry (`PUT /v1/admin/units/{unit}/people/{user}`) and the
//! unit's policy on office phones (`PUT /v1/admin/units/{unit}/people-policy`).

use super::body::RawBody;
use super::extract::{parse_json, Admin, Signed};
use super::state::AppState;
use crate::directory::{self, DirectoryEntry, DirectoryPolicy};
use crate::error::ApiError;
use crate::openapi::refusals::{AdminRefusals, SignedRefusals};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::people::{PeopleDirectory, PEOPLE_PATH};
use qianpi_protocol::ErrorBody;

/// The address book routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PEOPLE_PATH, get(people))
        .route("/v1/admin/units/{unit}/people/{user}", put(set_entry))
        .route("/v1/admin/units/{unit}/people-policy", put(set_policy))
}

#[utoipa::path(
    get,
    path = "/v1/people",
    operation_id = "getPeople",
    tag = "phone",
    summary = "The unit's address book (通讯录) for the signer's phone (signed).",
    description = "Everyone listed in the signer's unit, one entry per identity, with post and \
        department; office phone numbers only when the unit's policy shows them. The answer \
        carries a strong `ETag` (the directory's `version`, quoted); a phone sends the version it \
        holds as `If-None-Match` and gets a bodiless 304 while nothing changed. A snapshot rather \
        than feed changes: the directory is the unit's, small, and a whole snapshot drops whoever \
        left.",
    params(
        ("If-None-Match" = Option<String>, Header, nullable = false,
         description = "The quoted version the phone holds.")
    ),
    responses(
        (status = 200, description = "The directory.", body = PeopleDirectory,
         headers(("ETag" = String, description = "The directory's version, quoted."))),
        (status = 304, description = "The phone's `If-None-Match` names the current version: \
            nothing changed, no body.",
         headers(("ETag" = String, description = "The directory's version, quoted."))),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn people(
    State(state): State<AppState>,
    headers: HeaderMap,
    Signed { device, .. }: Signed,
) -> Result<Response, ApiError> {
    let directory = directory::for_unit(&state.db, &device.unit_id).await?;
    let etag = format!("\"{}\"", directory.version);
    let etag_value = HeaderValue::from_str(&etag)
        .map_err(|e| ApiError::internal(format!("cannot send the directory's tag: {e}")))?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    Ok(([(header::ETAG, etag_value)], Json(directory)).into_response())
}

#[utoipa::path(
    put,
    path = "/v1/admin/units/{unit}/people/{user}",
    operation_id = "adminSetDirectoryEntry",
    tag = "admin",
    summary = "Set one identity's address book entry: department, office phone, listed (operator \
        or that unit's admin)",
    description = "Absent fields take their defaults (empty department and phone, listed). \
        `listed: false` takes the identity off every phone's address book at its next fetch \
        (someone who left); the identity itself is kept, as its flows and audit name it. Audited \
        as `directory.entry_set` without the number itself.",
    params(
        ("unit" = String, Path, description = "The unit's id."),
        ("user" = String, Path, description = "The identity's user id, of that unit.")
    ),
    request_body = DirectoryEntry,
    responses(
        (status = 200, description = "The entry as stored", body = DirectoryEntry),
        (status = 400, description = "`malformed_body` (not JSON, an unknown field), \
            `invalid_entry` (a field longer than 64 characters or holding control characters)",
         body = ErrorBody),
        (status = 404, description = "`no_such_unit` (also for another unit's data) or \
            `no_such_user`", body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn set_entry(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, user)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let entry: DirectoryEntry = parse_json(&body)?;
    Ok(Json(
        directory::set_entry(&state.db, &actor, &unit, &user, entry, Utc::now()).await?,
    ))
}

#[utoipa::path(
    put,
    path = "/v1/admin/units/{unit}/people-policy",
    operation_id = "adminSetDirectoryPolicy",
    tag = "admin",
    summary = "Whether phones show office phone numbers (operator or that unit's admin)",
    description = "Hidden until a unit allows them. Phones get the change with their next address \
        book fetch. Audited as `directory.policy_set`.",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body = DirectoryPolicy,
    responses(
        (status = 200, description = "The policy as stored", body = DirectoryPolicy),
        (status = 400, description = "`malformed_body` (not JSON, an unknown field, \
            `show_office_phones` missing or not a boolean)", body = ErrorBody),
        (status = 404, description = "`no_such_unit` (also for another unit's data)",
         body = ErrorBody),
        (status = 413, description = "`body_too_large`", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn set_policy(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<DirectoryPolicy>, ApiError> {
    let policy: DirectoryPolicy = parse_json(&body)?;
    Ok(Json(
        directory::set_policy(&state.db, &actor, &unit, policy, Utc::now()).await?,
    ))
}
