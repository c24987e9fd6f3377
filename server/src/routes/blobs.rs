//! The blob endpoints: an administrator's upload (`PUT /v1/admin/units/{unit}/blobs/{sha256}`,
//! the raw file as the body, up to [`MAX_BLOB_BYTES`]) and a phone's signed download
//! (`GET /v1/blobs/{sha256}`) with a strong `ETag`, `If-None-Match`, `If-Range` and one byte
//! `Range`, streamed chunk by chunk from the database (each chunk read in a short transaction of
//! its own), so a 64 MiB file never sits in memory and a long download holds no transaction open.
//!
//! Every download answer carries `Accept-Ranges: bytes`; the router's gzip layer leaves such
//! answers alone (a range counts bytes of the stored file, not of a compressed stream).

use super::body::read_body;
use super::extract::{Admin, Signed};
use super::state::AppState;
use crate::blobs::range::{self, Plan};
use crate::blobs::{self as store, BlobMeta, BlobView, MAX_BLOB_BYTES};
use crate::db::Db;
use crate::error::ApiError;
use crate::openapi::notices::{Binary, DownloadAnswers};
use crate::openapi::refusals::{AdminRefusals, SignedRefusals};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::{ErrorBody, BLOBS_PATH};

/// The blob routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/units/{unit}/blobs/{sha256}",
            // The router's body limit fits JSON; a file gets its own.
            put(upload).layer(DefaultBodyLimit::max(MAX_BLOB_BYTES)),
        )
        .route(&format!("{BLOBS_PATH}/{{sha256}}"), get(download))
}

/// Upload a file (body version or attachment) as a blob of the unit.
#[utoipa::path(
    put,
    path = "/v1/admin/units/{unit}/blobs/{sha256}",
    operation_id = "adminUploadBlob",
    tags = ["admin", "blobs"],
    description = "The raw file is the body (at most 64 MiB), its media type the Content-Type \
        (application/octet-stream when absent). The path names the SHA-256 the body must have; \
        the file is stored in 256 KiB chunks in one transaction and the unit becomes an owner. \
        Uploading a file the unit already owns changes nothing (200); the first upload is \
        audited `blob.uploaded` (201). A file uploaded by several units is stored once; each \
        unit keeps the media type of its own first upload, and its readers are served that \
        type.",
    params(
        ("unit" = String, Path, description = "The unit id."),
        ("sha256" = String, Path, description = SHA256, pattern = "^[0-9a-f]{64}$"),
    ),
    request_body(content = inline(Binary), content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The unit already owned this file; nothing changed.",
         body = BlobView),
        (status = 201, description = "Stored (new to the unit).", body = BlobView),
        (status = 400, description = "`bad_hash` (the path is not 64 lowercase hex digits), \
            `hash_mismatch` (the body's SHA-256 differs; nothing stored), `bad_media_type`, \
            `unreadable_body`.", body = ErrorBody),
        (status = 404, description = "`no_such_unit`: no such unit, or not one this \
            administrator administers.", body = ErrorBody),
        (status = 413, description = "`body_too_large`: over 64 MiB.", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    // Who asks is checked before the body is read (the extractor reads the head only): nobody
    // unauthenticated makes the gateway take in 64 MiB.
    Admin(actor): Admin,
    headers: HeaderMap,
    Path((unit, sha256)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    store::check_hash(&sha256)?;
    let body = read_body(request, &state, MAX_BLOB_BYTES).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str())
        .transpose()
        .map_err(|_| ApiError::bad_request("bad_media_type", "the Content-Type is not text"))?;
    let media_type = store::media_type(content_type)?;
    let uploaded = store::upload(
        &state.db,
        &actor,
        &unit,
        &sha256,
        media_type,
        body,
        Utc::now(),
    )
    .await?;
    let status = if uploaded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(uploaded.blob)).into_response())
}

/// The path parameter naming a file.
const SHA256: &str = "The file's SHA-256, 64 lowercase hex digits.";

/// Download a body version or attachment file (signed).
#[utoipa::path(
    get,
    path = "/v1/blobs/{sha256}",
    operation_id = "downloadBlob",
    tags = ["phone", "blobs"],
    description = "Only a file shared with the device's user (a document whose task reached \
        them, a notice addressed to them) can be fetched; any other answers 404 \
        `no_such_blob`, whether it exists or not. Conditional and ranged: `If-None-Match` \
        (weak comparison, `*`) answers 304; one `Range: bytes=a-b | a- | -n` answers 206 with \
        Content-Range; a malformed or multiple range is ignored (the whole file, 200); \
        `If-Range` with the ETag honours the Range, anything else (another tag, a date) sends \
        the whole file. The answer is streamed from the database and never compressed, \
        whatever Accept-Encoding says.",
    params(
        ("sha256" = String, Path, description = SHA256, pattern = "^[0-9a-f]{64}$"),
        ("Range" = Option<String>, Header, nullable = false,
         description = "One byte range, e.g. `bytes=0-262143`, `bytes=524288-`, `bytes=-1024`."),
        ("If-Range" = Option<String>, Header, nullable = false,
         description = "The ETag of the copy being resumed."),
        ("If-None-Match" = Option<String>, Header, nullable = false,
         description = "ETags of copies the phone has, or `*`."),
    ),
    responses(
        DownloadAnswers,
        (status = 400, description = "`bad_hash`: the path is not 64 lowercase hex digits.",
         body = ErrorBody),
        (status = 404, description = "`no_such_blob`: no such file, or not shared with this \
            user.", body = ErrorBody),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha256): Path<String>,
    Signed { device, .. }: Signed,
) -> Result<Response, ApiError> {
    store::check_hash(&sha256)?;
    let user = device.user_id;
    let meta = state
        .db
        .once(move |sql| store::readable(sql, &user, &sha256))
        .await?
        .ok_or_else(store::no_such_blob)?;
    let etag = format!("\"{}\"", meta.sha256);
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if text(header::IF_NONE_MATCH).is_some_and(|h| range::none_match(h, &etag)) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        common_headers(response.headers_mut(), &etag)?;
        return Ok(response);
    }
    let plan = range::plan(
        text(header::RANGE),
        text(header::IF_RANGE),
        &etag,
        meta.size,
    );
    let (status, start, end) = match plan {
        Plan::Full => (StatusCode::OK, 0, meta.size),
        Plan::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end + 1),
        Plan::Unsatisfiable => {
            let mut response = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!(
                    "the file has {} bytes; the range lies outside it",
                    meta.size
                ),
            )
            .into_response();
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                value(format!("bytes */{}", meta.size))?,
            );
            return Ok(response);
        }
    };
    let mut response = Response::new(stream(state.db.clone(), &meta, start, end));
    *response.status_mut() = status;
    let out = response.headers_mut();
    common_headers(out, &etag)?;
    out.insert(header::CONTENT_TYPE, value(meta.media_type.clone())?);
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {start}-{}/{}", end - 1, meta.size);
        out.insert(header::CONTENT_RANGE, value(range)?);
    }
    Ok(response)
}

/// The headers of every successful download answer, 304 included.
fn common_headers(out: &mut HeaderMap, etag: &str) -> Result<(), ApiError> {
    out.insert(header::ETAG, value(etag.to_owned())?);
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Documents of a government office: never kept by a shared cache.
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    Ok(())
}

fn value(text: String) -> Result<HeaderValue, ApiError> {
    HeaderValue::try_from(text).map_err(|_| ApiError::internal("a stored header value is invalid"))
}

/// Where a download stands: the next byte to send and the end (exclusive).
struct Cursor {
    db: Db,
    sha256: String,
    chunk_size: u64,
    next: u64,
    end: u64,
}

/// Bytes `start..end` of the blob as a body that reads one chunk per poll, each in its own
/// transaction. A failure mid-way cuts the answer short (its Content-Length says so), and the
/// phone resumes with a Range.
fn stream(db: Db, meta: &BlobMeta, start: u64, end: u64) -> Body {
    let cursor = Cursor {
        db,
        sha256: meta.sha256.clone(),
        chunk_size: meta.chunk_size,
        next: start,
        end,
    };
    Body::from_stream(futures_util::stream::try_unfold(
        cursor,
        |mut cursor| async move {
            if cursor.next >= cursor.end {
                return Ok(None);
            }
            let idx = cursor.next / cursor.chunk_size;
            let offset = usize::try_from(cursor.next % cursor.chunk_size)
                .map_err(|_| ApiError::internal("chunk offset overflow"))?;
            let sha256 = cursor.sha256.clone();
            let data = cursor
                .db
                .once(move |sql| store::chunk(sql, &sha256, idx))
                .await
                .inspect_err(|e| tracing::error!(code = e.code, detail = %e.message, "a blob download broke off"))?;
            let wanted = usize::try_from(cursor.end - cursor.next).unwrap_or(usize::MAX);
            let take = data.len().saturating_sub(offset).min(wanted);
            if take == 0 {
                let e = ApiError::internal("a stored blob is shorter than its size");
                tracing::error!(detail = %e.message, "a blob download broke off");
                return Err(e);
            }
            cursor.next += take as u64;
            let bytes = Bytes::from(data).slice(offset..offset + take);
            Ok(Some((bytes, cursor)))
        },
    ))
}
