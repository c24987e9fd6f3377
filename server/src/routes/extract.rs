//! What handlers take from a request, as extractors: who is asking — a device whose signature
//! verified ([`Signed`], with the body it signed) or an administrator named by a bearer token
//! ([`Admin`]) — and JSON bodies and queries that answer our JSON error with a stable code when
//! they are malformed, rather than the framework's plain-text one. A handler names what it needs
//! in its arguments; no handler authenticates by hand.

use super::body::{AsSent, Body, RawBody};
use super::state::AppState;
use crate::actor::AdminActor;
use crate::admin::tokens;
use crate::auth::{self, AuthedDevice, SignedRequest};
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, Uri};
use chrono::Utc;

/// A request signed by an active device (security.md's RFC 9421 profile), and its body, decoded.
/// The signed `Content-Digest` is checked against the body as sent (compressed, if it came so).
/// Reads the body, so it is a handler's last argument.
pub struct Signed {
    /// The device that signed.
    pub device: AuthedDevice,
    /// The body it signed.
    pub body: Body,
}

impl FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Signed, ApiError> {
        let (parts, body) = request.into_parts();
        let (method, uri, headers) = (
            parts.method.clone(),
            parts.uri.clone(),
            parts.headers.clone(),
        );
        let RawBody(body) = RawBody::from_request(Request::from_parts(parts, body), state).await?;
        let device = signed_by(state, &method, &uri, &headers, &body).await?;
        Ok(Signed { device, body })
    }
}

/// The device that signed a request, checked against the gateway's clock.
pub(super) async fn signed_by(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &(impl AsSent + ?Sized),
) -> Result<AuthedDevice, ApiError> {
    let request = SignedRequest {
        method,
        uri,
        headers,
        body: body.as_sent(),
    };
    auth::verify(
        &state.db,
        &state.key,
        request,
        &state.scheme,
        Utc::now().timestamp(),
    )
    .await
}

/// The administrator an `Authorization: Bearer` header names (401 without a valid token). Reads
/// only the head, so it is checked before any body is read.
pub struct Admin(pub AdminActor);

/// The `Authorization` header's text, if any; one that is not text is a 401 with `code`.
pub fn authorization<'a>(
    parts: &'a Parts,
    code: &'static str,
) -> Result<Option<&'a str>, ApiError> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str())
        .transpose()
        .map_err(|_| ApiError::unauthorized(code, "the Authorization header is not text"))
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        let authorization = authorization(parts, "bad_token")?;
        tokens::authenticate(&state.db, authorization)
            .await
            .map(Admin)
    }
}

/// Parses a JSON body; a malformed or mistyped one is a JSON 400 `malformed_body`.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "malformed_body",
            format!("the request body is not valid: {e}"),
        )
    })
}

/// Parses a query string; a malformed or mistyped one is a JSON 400 `malformed_query`.
pub(crate) fn parse_query<T: serde::de::DeserializeOwned>(
    query: Option<&str>,
) -> Result<T, ApiError> {
    serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| {
        ApiError::bad_request("malformed_query", format!("the query is not valid: {e}"))
    })
}
