//! 通讯录 endpoints: a phone fetches its unit's address book (`GET /v1/people`, signed, answered
//! with a strong `ETag` and a bodiless 304 when the phone's `If-None-Match` still matches); an
//! administrator sets one identity's entry (`PUT /v1/admin/units/{unit}/people/{user}`) and the
//! unit's policy on office phones (`PUT /v1/admin/units/{unit}/people-policy`).

use super::body::RawBody;
use super::extract::{parse_json, Admin, Signed};
use super::state::AppState;
use crate::directory::{self, DirectoryEntry, DirectoryPolicy};
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::people::PEOPLE_PATH;

/// The address book routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PEOPLE_PATH, get(people))
        .route("/v1/admin/units/{unit}/people/{user}", put(set_entry))
        .route("/v1/admin/units/{unit}/people-policy", put(set_policy))
}

async fn people(
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

async fn set_entry(
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

async fn set_policy(
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
