//! Opinion endpoints: a phone reads its person's 常用意见 (`GET /v1/phrases`, signed, answered
//! with a strong `ETag` and a bodiless 304 while the phone's `If-None-Match` still matches) and
//! replaces their own list (`PUT /v1/phrases`, refused as `409 stale_phrases` when made on an
//! older version); it uploads an opinion's handwriting or voice (`PUT /v1/blobs/{sha256}`,
//! signed, at most 2 MiB); an administrator reads and sets the unit's default phrases
//! (`GET`/`PUT /v1/admin/units/{unit}/phrases`).

use super::body::read_encoded;
use super::extract::{parse_json, parse_query, signed_by, Admin, Signed};
use super::state::AppState;
use crate::blobs;
use crate::blobs::opinion_files::{self, UploadedFile};
use crate::error::ApiError;
use crate::openapi::opinions::OpinionFileBytes;
use crate::openapi::refusals::{AdminRefusals, SignedRefusals};
use crate::phrases;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::phrases::{PhraseBook, PhraseEdit, UnitPhrases, PHRASES_PATH};
use qianpi_protocol::{ErrorBody, BLOBS_PATH};
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

/// The signer's 常用意见: their own phrases and the unit's defaults (signed).
#[utoipa::path(
    get,
    path = "/v1/phrases",
    operation_id = "getPhrases",
    tag = "phone",
    description = "The person's own list (the same on every device of theirs) with the version \
        an edit must name, and the unit's default phrases an administrator set. The answer \
        carries a strong `ETag` (the book's `version`, quoted); a phone sends the version it \
        holds as `If-None-Match` and gets a bodiless 304 while neither list changed.",
    params(("If-None-Match" = Option<String>, Header, nullable = false,
        description = "The quoted version the phone holds.")),
    responses(
        (status = 200, description = "The phrase book.", body = PhraseBook,
         headers(("ETag" = String, description = "The phrase book's version, quoted."))),
        (status = 304, description = "The phone's `If-None-Match` names the current version: \
            nothing changed, no body.",
         headers(("ETag" = String, description = "The phrase book's version, quoted."))),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn book(
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

/// What makes a list of phrases unacceptable.
const INVALID_PHRASES: &str = "`malformed_body` (not JSON, an unknown or missing field), \
    `invalid_phrases` (too many, an empty or blank one, one too long, control characters, a \
    repeated one).";

/// Replace the signer's own phrases, made on a given version (signed).
#[utoipa::path(
    put,
    path = "/v1/phrases",
    operation_id = "replacePhrases",
    tag = "phone",
    description = "The whole list as it should be, with the `own_version` it was made on. \
        Phrases are trimmed; at most 50, each 1 to 200 characters, no control characters, none \
        twice. An edit made on an older version (another device of the person saved first) is \
        refused with 409 `stale_phrases` and changes nothing: the device fetches the list that \
        won and edits again.",
    request_body = PhraseEdit,
    responses(
        (status = 200, description = "The phrase book after the edit.", body = PhraseBook,
         headers(("ETag" = String, description = "The phrase book's version, quoted."))),
        (status = 400, description = INVALID_PHRASES, body = ErrorBody),
        (status = 409, description = "`stale_phrases`: the list changed since the version the \
            edit names.", body = ErrorBody),
        (status = 413, description = "`body_too_large`: the request body is over 256 KiB.",
         body = ErrorBody),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn replace_own(
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
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadQuery {
    /// The file's media type, e.g. `image/png` or `audio/aac` (`application/octet-stream` when
    /// absent).
    media_type: Option<String>,
}

/// Upload an opinion's handwriting image or voice clip (signed).
#[utoipa::path(
    put,
    path = "/v1/blobs/{sha256}",
    operation_id = "uploadOpinionFile",
    tags = ["phone", "blobs"],
    description = "The raw bytes of the file (at most 2 MiB), named by their SHA-256; its media \
        type is the `media_type` query parameter, inside the signed target URI (the request's \
        own `Content-Type` is the signing profile's). The gateway stores the file if the bytes \
        hash to the path's SHA-256, owned by the signer's unit and recorded as uploaded by the \
        signer, who may download it back. A pushed command whose opinion names a file its \
        signer has not uploaded is refused with `opinion_file_missing` (not kept: upload, then \
        push it again). Once the command is accepted, everyone the flow is published to may \
        download the file. Uploading a file again answers 200 and changes nothing.",
    params(
        ("sha256" = String, Path, description = "The file's SHA-256, 64 lowercase hex digits.",
         pattern = "^[0-9a-f]{64}$"),
        UploadQuery,
    ),
    request_body(content = inline(OpinionFileBytes), content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The signer had uploaded this file before; nothing \
            changed.", body = UploadedFile),
        (status = 201, description = "Stored as uploaded by the signer.", body = UploadedFile),
        (status = 400, description = "`bad_hash` (the path is not 64 lowercase hex digits), \
            `malformed_query` (an unknown query parameter), `hash_mismatch` (the bytes hash to \
            another SHA-256; nothing is stored), `bad_media_type` (not a plain \
            `type/subtype`).", body = ErrorBody),
        (status = 413, description = "`body_too_large`: the file is over 2 MiB.",
         body = ErrorBody),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn upload(
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

/// The 404 of an administrator's call naming a unit.
const NO_SUCH_UNIT: &str = "`no_such_unit` (also for another unit's data).";

/// The unit's default phrases (operator or that unit's admin).
#[utoipa::path(
    get,
    path = "/v1/admin/units/{unit}/phrases",
    operation_id = "adminGetUnitPhrases",
    tag = "admin",
    params(("unit" = String, Path, description = "The unit id.")),
    responses(
        (status = 200, description = "The unit's defaults, in order (empty when none were set).",
         body = UnitPhrases),
        (status = 404, description = NO_SUCH_UNIT, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn unit_phrases(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<UnitPhrases>, ApiError> {
    Ok(Json(phrases::unit(&state.db, &actor, &unit).await?))
}

/// Set the unit's default phrases (operator or that unit's admin).
#[utoipa::path(
    put,
    path = "/v1/admin/units/{unit}/phrases",
    operation_id = "adminSetUnitPhrases",
    tag = "admin",
    description = "Replaces the defaults every phone of the unit lists after its person's own \
        phrases, e.g. 同意。/ 已阅。/ 拟同意，请领导审定。 Phrases are trimmed; at most 50, each 1 \
        to 200 characters, no control characters, none twice. Phones get them at their next \
        fetch. Audited as `phrases.unit_set`.",
    params(("unit" = String, Path, description = "The unit id.")),
    request_body = UnitPhrases,
    responses(
        (status = 200, description = "The defaults as stored.", body = UnitPhrases),
        (status = 400, description = INVALID_PHRASES, body = ErrorBody),
        (status = 404, description = NO_SUCH_UNIT, body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn set_unit_phrases(
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
