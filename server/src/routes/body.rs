//! Request bodies as every route reads them: bounded on the wire by the route's body limit, and
//! decoded when sent with `Content-Encoding: gzip` (phones compress their pushes so a batch
//! passes links that cut long transfers), the decoded size bounded as hard as the wire size, so
//! a small compressed body cannot make the gateway inflate megabytes.
//!
//! A signed request's `Content-Digest` covers the content as sent, that is the compressed bytes
//! when the body is encoded (RFC 9530 §2: the digest is over the message content, after content
//! coding). The gateway checks it against [`Body::as_sent`] before it trusts the decoded bytes.
//! `Content-Encoding` itself is not a covered component: changing it only turns the bytes the
//! signature fixes into a body that does not decode or parse.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use std::io::Read;

/// Largest request body accepted, on the wire and decoded (a push batch is ≤ 64 KB by protocol;
/// leave room for framing).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A request body: its bytes as sent and, when it came compressed, decoded.
#[derive(Debug, Clone, Default)]
pub struct Body {
    content: Bytes,
    /// The bytes as sent, when they differ from the content (a compressed body).
    sent: Option<Bytes>,
}

impl Body {
    /// The bytes on the wire, which the signed `Content-Digest` covers.
    pub fn as_sent(&self) -> &[u8] {
        self.sent.as_deref().unwrap_or(&self.content)
    }

    /// The decoded content.
    pub fn content(&self) -> &Bytes {
        &self.content
    }
}

impl std::ops::Deref for Body {
    type Target = [u8];

    /// The decoded content: what handlers parse.
    fn deref(&self) -> &[u8] {
        &self.content
    }
}

/// The bytes a request's `Content-Digest` must match: the body as sent.
pub trait AsSent {
    /// The bytes on the wire.
    fn as_sent(&self) -> &[u8];
}

impl AsSent for Body {
    fn as_sent(&self) -> &[u8] {
        Body::as_sent(self)
    }
}

impl AsSent for [u8] {
    fn as_sent(&self) -> &[u8] {
        self
    }
}

impl<const N: usize> AsSent for [u8; N] {
    fn as_sent(&self) -> &[u8] {
        self
    }
}

/// The request body, decoded, within [`MAX_BODY_BYTES`] sent and decoded: a larger one is a
/// JSON 413 `body_too_large`, an unknown content coding a 415 `unsupported_encoding`, a body
/// that does not decode or cannot be read a 400.
pub struct RawBody(pub Body);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<RawBody, ApiError> {
        read_encoded(request, state, MAX_BODY_BYTES)
            .await
            .map(RawBody)
    }
}

/// The body of `request`, decoded, at most `limit` bytes on the wire (the route's body limit
/// decides that) and decoded.
pub(crate) async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
    limit: usize,
) -> Result<Bytes, ApiError> {
    read_encoded(request, state, limit)
        .await
        .map(|body| body.content)
}

/// [`read_body`], keeping the bytes as sent beside the decoded content.
pub(super) async fn read_encoded<S: Send + Sync>(
    request: Request,
    state: &S,
    limit: usize,
) -> Result<Body, ApiError> {
    // The coding is checked before anything is read: an unknown one is refused unread.
    let coding = coding(request.headers())?;
    let sent = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(limit)
            } else {
                ApiError::bad_request("unreadable_body", "the request body could not be read")
            }
        })?;
    match coding {
        Coding::Identity => Ok(Body {
            content: sent,
            sent: None,
        }),
        Coding::Gzip => Ok(Body {
            content: gunzip(&sent, limit)?,
            sent: Some(sent),
        }),
    }
}

/// The content codings a request body may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Identity,
    Gzip,
}

/// The coding named by `Content-Encoding`: none, `identity` or `gzip` (one coding, any case);
/// anything else, a list of codings included, is a 415 `unsupported_encoding`.
fn coding(headers: &HeaderMap) -> Result<Coding, ApiError> {
    let mut values = headers.get_all(header::CONTENT_ENCODING).iter();
    let Some(value) = values.next() else {
        return Ok(Coding::Identity);
    };
    let unsupported = || {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            "a request body may be sent as is or with Content-Encoding: gzip, nothing else",
        )
    };
    if values.next().is_some() {
        return Err(unsupported());
    }
    let value = value.to_str().map_err(|_| unsupported())?.trim();
    if value.eq_ignore_ascii_case("gzip") {
        Ok(Coding::Gzip)
    } else if value.eq_ignore_ascii_case("identity") {
        Ok(Coding::Identity)
    } else {
        Err(unsupported())
    }
}

/// Inflates a gzip body (one member, nothing after it), stopping as soon as it would exceed
/// `limit` bytes: a body that inflates further is a 413 without ever being held whole. Public for
/// the fuzz target of this decoder.
pub fn gunzip(sent: &[u8], limit: usize) -> Result<Bytes, ApiError> {
    let malformed = || {
        ApiError::bad_request(
            "malformed_encoding",
            "the request body is not one gzip stream as its Content-Encoding says",
        )
    };
    let mut content = Vec::new();
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut decoder = flate2::bufread::GzDecoder::new(sent);
    (&mut decoder)
        .take(bound)
        .read_to_end(&mut content)
        .map_err(|_| malformed())?;
    if content.len() > limit {
        return Err(too_large(limit));
    }
    // Bytes after the stream would be covered by the digest yet never read: refused.
    if !decoder.into_inner().is_empty() {
        return Err(malformed());
    }
    Ok(Bytes::from(content))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("a request body may have at most {limit} bytes, sent or decoded"),
    )
}

#[cfg(test)]
mod tests;
