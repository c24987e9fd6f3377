//! A document's files for the office of its own unit: the body as a browser shows it
//! (`/console/documents/{id}/body`: the PDF, or the PDF made of an OFD), the body's original
//! file (`…/body/original`) and each attachment (`…/attachments/{attachment id}`). Another
//! unit's document answers exactly as a missing one. PDFs and pictures open in the browser
//! (`inline`); anything else is offered as a download in a sandbox, never rendered as a page of
//! the console. Streamed chunk by chunk from the database.

use super::super::prelude::*;
use super::READERS;
use crate::blobs;
use crate::db::Db;
use crate::error::ApiError;
use crate::office::incoming::{self, shown_inline, DocumentFile, Which};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents/{id}/body", get(body))
        .route("/documents/{id}/body/original", get(original))
        .route("/documents/{id}/attachments/{attachment}", get(attachment))
}

async fn body(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    serve(&state, &office, &id, Which::Body).await
}

async fn original(
    State(state): State<AppState>,
    office: Office,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    serve(&state, &office, &id, Which::Original).await
}

async fn attachment(
    State(state): State<AppState>,
    office: Office,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    serve(&state, &office, &id, Which::Attachment(attachment)).await
}

async fn serve(
    state: &AppState,
    office: &Office,
    id: &str,
    which: Which,
) -> Result<Response, ConsoleError> {
    office.require_any(READERS)?;
    let file = incoming::document_file(&state.db, office.unit(), id, which)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    let inline = shown_inline(&file.media_type);
    let media_type = if inline {
        file.media_type.as_str()
    } else {
        "application/octet-stream"
    };
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encode(&file.file_name)
    );
    let mut response = Response::new(stream(state.db.clone(), &file));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, value(media_type)?);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    headers.insert(header::CONTENT_DISPOSITION, value(&disposition)?);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if !inline {
        // A download opened anyway runs nothing with the console's origin.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        );
    }
    Ok(response)
}

fn value(text: &str) -> Result<HeaderValue, ConsoleError> {
    HeaderValue::try_from(text)
        .map_err(|_| ConsoleError::Api(ApiError::internal("a file's header value is invalid")))
}

/// RFC 8187 `value-chars`: letters, digits and a few marks as they are, every other byte of the
/// UTF-8 name `%XX`.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The file as a body read one stored chunk per poll, each in a short transaction of its own.
fn stream(db: Db, file: &DocumentFile) -> Body {
    let state = (db, file.sha256.clone(), 0u64, file.size, file.chunk_size);
    Body::from_stream(futures_util::stream::try_unfold(
        state,
        |(db, sha256, next, size, chunk_size)| async move {
            if next >= size {
                return Ok::<_, ApiError>(None);
            }
            let idx = next / chunk_size;
            let key = sha256.clone();
            let data = db.once(move |sql| blobs::chunk(sql, &key, idx)).await?;
            let wanted = usize::try_from(size - next).unwrap_or(usize::MAX);
            let take = data.len().min(wanted);
            if take == 0 {
                return Err(ApiError::internal("a stored file is shorter than its size"));
            }
            let advanced = next
                .checked_add(take as u64)
                .ok_or_else(|| ApiError::internal("file offset overflow"))?;
            let bytes = Bytes::from(data).slice(..take);
            Ok(Some((bytes, (db, sha256, advanced, size, chunk_size))))
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_percent_encoded_whole() {
        assert_eq!(super::percent_encode("通知.pdf"), "%E9%80%9A%E7%9F%A5.pdf");
        assert_eq!(super::percent_encode("a b\";.pdf"), "a%20b%22%3B.pdf");
    }
}
