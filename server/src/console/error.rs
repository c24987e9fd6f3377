//! What goes wrong in the console, as pages: not found (also another unit's ids, so one unit never
//! learns of another's), forbidden (a role the person lacks), a refused form (a wrong CSRF token,
//! a malformed body), bad input explained in the reader's language, or a fault. An error page
//! knows nothing of the reader, so it speaks both languages, Chinese first.

use crate::error::ApiError;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, DOCTYPE};

/// A console request that cannot be answered with its page.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No such page or thing here (or it belongs to another unit).
    #[error("not found")]
    NotFound,
    /// The person's roles do not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The form's CSRF token is missing or wrong, or another site sent it.
    #[error("the form was refused")]
    Csrf,
    /// The form's body cannot be read.
    #[error("the form cannot be read")]
    Malformed,
    /// The input is refused; the text is already in the reader's language.
    #[error("{0}")]
    BadInput(String),
    /// No live session: log in, then come back to this path.
    #[error("login needed")]
    Login(String),
    /// The data layer refused or failed.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<crate::sql::SqlError> for ConsoleError {
    fn from(e: crate::sql::SqlError) -> ConsoleError {
        ConsoleError::Api(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, zh, en, detail) = match &self {
            ConsoleError::NotFound => (StatusCode::NOT_FOUND, "未找到", "Not found", None),
            ConsoleError::Forbidden => (
                StatusCode::FORBIDDEN,
                "无权进行此操作",
                "You may not do this",
                None,
            ),
            ConsoleError::Csrf => (
                StatusCode::FORBIDDEN,
                "表单已失效，请返回重新提交",
                "The form has expired or did not come from this console; go back and send it again",
                None,
            ),
            ConsoleError::Malformed => (
                StatusCode::BAD_REQUEST,
                "表单无法读取",
                "The form cannot be read",
                None,
            ),
            ConsoleError::BadInput(text) => (
                StatusCode::BAD_REQUEST,
                "输入有误",
                "The input was refused",
                Some(text.clone()),
            ),
            ConsoleError::Login(path) => {
                let next = if path.starts_with("/console/") && !path.starts_with("/console/login") {
                    format!(
                        "/console/login?{}",
                        serde_urlencoded::to_string([("next", path)]).unwrap_or_default()
                    )
                } else {
                    "/console/login".to_owned()
                };
                return (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
            }
            ConsoleError::Api(e) => match e.status {
                StatusCode::NOT_FOUND => (StatusCode::NOT_FOUND, "未找到", "Not found", None),
                StatusCode::FORBIDDEN => (
                    StatusCode::FORBIDDEN,
                    "无权进行此操作",
                    "You may not do this",
                    None,
                ),
                status if status.is_client_error() => (
                    status,
                    "请求被拒绝",
                    "The request was refused",
                    Some(e.message.clone()),
                ),
                _ => {
                    tracing::error!(code = e.code, "console request failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "服务出错，请稍后再试",
                        "Something went wrong; try again later",
                        None,
                    )
                }
            },
        };
        let body = html! {
            (DOCTYPE)
            html lang="zh-CN" {
                head {
                    meta charset="utf-8";
                    title { (zh) " · 签批" }
                    link rel="stylesheet" href="/console/assets/console.css";
                }
                body.error-page {
                    main {
                        h1 { (zh) }
                        p.muted lang="en" { (en) }
                        @if let Some(detail) = detail { p.error { (detail) } }
                        p { a href="/console/" { "返回首页 · Home" } }
                    }
                }
            }
        };
        (status, Html(body.into_string())).into_response()
    }
}
