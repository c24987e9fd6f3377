//! The gateway's one error type: every failure becomes a JSON [`ErrorBody`] with a stable code, the
//! status that fits, and the server time. Internal details are logged, never sent.

use crate::sql::SqlError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use qianpi_protocol::{ErrorBody, Signed, WipeCommand};

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message for a person.
    pub message: String,
    /// The signed order to wipe, for a revoked device or one asked to wipe itself.
    pub wipe: Option<Signed<WipeCommand>>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            wipe: None,
        }
    }

    /// The same error carrying a signed wipe command.
    pub fn with_wipe(mut self, wipe: Signed<WipeCommand>) -> ApiError {
        self.wipe = Some(wipe);
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: the request is not authenticated.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 500: something broke on our side.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl ApiError {
    /// Whether the database refused the transaction for a concurrent one: running it again may
    /// succeed.
    pub fn is_conflict(&self) -> bool {
        self.code == BUSY
    }
}

/// The code of a transaction that lost a race; retried inside the gateway, 503 if it keeps losing.
const BUSY: &str = "database_busy";

impl From<SqlError> for ApiError {
    fn from(e: SqlError) -> ApiError {
        match e {
            SqlError::Conflict => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                BUSY,
                "the gateway is busy; try again shortly",
            ),
            SqlError::Unavailable(detail) => {
                tracing::error!(%detail, "the database is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the gateway cannot reach its database; try again later",
                )
            }
            SqlError::NulInText => {
                ApiError::bad_request("invalid_text", "text may not contain NUL characters")
            }
            SqlError::Duplicate => ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                "something with this name or id already exists",
            ),
            other => ApiError::internal(format!("database error: {other}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = self.code, detail = %self.message, "request failed");
            "the gateway failed to handle the request; try again later".to_owned()
        } else {
            self.message
        };
        let body = ErrorBody {
            code: self.code.to_owned(),
            message,
            wipe: self.wipe,
            server_time: Utc::now(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        response
    }
}
