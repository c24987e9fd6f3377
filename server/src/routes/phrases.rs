//! Opinion endpoints: a phone reads its person's 常用意见 (`GET /v1/phrases`, signed, answered
//! with a strong `ETag` and a bodiless 304 while the phone's `If-None-Match` still matches) and
//! replaces their own list (`PUT /v1/phrases`, refused as `409 stale_phrases` when made on an
//! older version); it uploads an opinion's handwriting or voice (`PUT /v1/blobs/{sha256}`,
//! signed, at most 2 MiB); an administrator reads and sets the unit's default phrases
//! (`GET`/`PUT /v1/admin/units/{unit}/phrases`).

use super::body::read_encoded;
use super::extract::{parse_json, parse_query, signed_by, Admin, Signed};
use super::state::AppState;
use crate::blobs::{self, opinion_files};
use crate::error::ApiError;
use crate::phrases;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::phrases::{PhraseBook, PhraseEdit, UnitPhrases, PHRASES_PATH};
use qianpi_protocol::BLOBS_PATH;
use serde::Deserialize;

/// The opinion routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PHRASES_PATH, get(book).put(replace_own))
        .route(
            &format!("{BLOBS_PATH}/{{sha256}}"),
            // The router's body limit fits JSON; an opinion file gets its own.
            put(upload).layer(DefaultBodyLimit::max(opinion_files::MAX_BYTES)),
        )
        .route(
            "/v1/admin/units/{unit}/phrases",
            get(unit_phrases).put(set_unit_phrases),
        )
}

/// The book with its version as a strong `ETag`.
fn tagged(book: PhraseBook, status: StatusCode) -> Result<Response, ApiError> {
    let etag = etag_of(&book)?;
    Ok((status, [(header::ETAG, etag)], Json(book)).into_response())
}

fn etag_of(book: &PhraseBook) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("\"{}\"", book.version))
        .map_err(|e| ApiError::internal(format!("cannot send the phrases' tag: {e}")))
}

async fn book(
    State(state): State<AppState>,
    headers: HeaderMap,
    Signed { device, .. }: Signed,
) -> Result<Response, ApiError> {
    let book = phrases::book(&state.db, &device.unit_id, &device.user_id).await?;
    let etag = format!("\"{}\"", book.version);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    if unchanged {
        let etag = etag_of(&book)?;
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    tagged(book, StatusCode::OK)
}

async fn replace_own(
    State(state): State<AppState>,
    Signed { device, body }: Signed,
) -> Result<Response, ApiError> {
    let edit: PhraseEdit = parse_json(&body)?;
    let book = phrases::replace_own(
        &state.db,
        &device.unit_id,
        &device.user_id,
        edit,
        Utc::now(),
    )
    .await?;
    tagged(book, StatusCode::OK)
}

/// The upload's query: the file's media type (the signed request's own `Content-Type` is the
/// signing profile's, so the file's type travels in the signed target URI).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    media_type: Option<String>,
}

async fn upload(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    blobs::check_hash(&sha256)?;
    let (method, uri, headers) = (
        request.method().clone(),
        request.uri().clone(),
        request.headers().clone(),
    );
    let query: UploadQuery = parse_query(uri.query())?;
    let body = read_encoded(request, &state, opinion_files::MAX_BYTES)
        .await
        .map_err(|e| {
            if e.status == StatusCode::PAYLOAD_TOO_LARGE {
                opinion_files::too_large()
            } else {
                e
            }
        })?;
    let device = signed_by(&state, &method, &uri, &headers, &body).await?;
    let media_type = blobs::media_type(query.media_type.as_deref())?;
    let uploaded = opinion_files::upload(
        &state.db,
        &device.unit_id,
        &device.user_id,
        &sha256,
        media_type,
        body.content().clone(),
        Utc::now(),
    )
    .await?;
    let status = if uploaded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(uploaded)).into_response())
}

async fn unit_phrases(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<UnitPhrases>, ApiError> {
    Ok(Json(phrases::unit(&state.db, &actor, &unit).await?))
}

async fn set_unit_phrases(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    super::body::RawBody(body): super::body::RawBody,
) -> Result<Json<UnitPhrases>, ApiError> {
    let phrases: UnitPhrases = parse_json(&body)?;
    Ok(Json(
        phrases::set_unit(&state.db, &actor, &unit, phrases, Utc::now()).await?,
    ))
}
