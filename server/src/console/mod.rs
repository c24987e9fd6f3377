//! The office web console at `/console/`: server-rendered pages (maud, every value escaped) for
//! registrars, drafters, secretaries, administrators and auditors, served by the gateway itself
//! with every asset compiled in, so it works air-gapped and needs no front-end build.
//!
//! The foundation lives here: [`session`] (who is logged in, as the `Office` extractor, and the
//! CSRF-checked form extractor), [`page`] (the layout), [`text`] (the string tables, Chinese and
//! English), [`time`] (times in the deployment's zone), [`nav`] (the menu by role), [`error`]
//! (error pages), [`login`] (password, TOTP, logout, language). Each area of work is a module
//! with its own router merged in [`routes`]. Every answer carries a strict Content-Security-
//! Policy (no inline script or style), `nosniff`, no framing and no caching.

mod account;
mod addressbook;
mod admin;
mod apikeys;
mod audit;
mod definitions;
mod drafts;
pub mod error;
mod exchange;
mod flows;
mod home;
mod incoming;
mod login;
pub mod nav;
mod notices;
pub mod page;
mod secretary;
pub mod session;
pub mod text;
pub mod time;

use crate::routes::AppState;
use axum::extract::{DefaultBodyLimit, Path, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// What a page module needs, in one import.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use super::error::ConsoleError;
    pub use super::page::{page, redirect};
    pub use super::session::{CsrfForm, Lang, Office};
    pub use crate::actor::AdminActor;
    pub use crate::office::{Account, Role};
    pub use crate::routes::AppState;
    pub use axum::extract::{Multipart, Path, Query, State};
    pub use axum::response::{Html, IntoResponse, Response};
    pub use axum::routing::{get, post};
    pub use axum::Router;
    pub use chrono::{DateTime, NaiveDate, Utc};
    pub use maud::{html, Markup, PreEscaped};
    pub use serde::Deserialize;
}

pub use session::SESSION_COOKIE;
pub use text::tables_are_whole;

/// Largest request body a console form may send (a document's body and attachments).
pub const MAX_FORM_BYTES: usize = 120 * 1024 * 1024;

/// The policy every answer carries: our own scripts, styles, images and media only; forms post
/// only to us; no framing, no `<base>`, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The console's routes, to nest under `/console`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/{file}", get(asset))
        .merge(login::routes())
        .merge(account::routes())
        .merge(addressbook::routes())
        .merge(notices::routes())
        .merge(admin::routes())
        .merge(incoming::routes())
        .merge(flows::routes())
        .merge(audit::routes())
        .merge(definitions::routes())
        .merge(exchange::routes())
        .merge(drafts::routes())
        .merge(secretary::routes())
        .merge(apikeys::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn(headers))
}

/// Security headers on every answer; a page's own stricter choice (a body served inline) stays.
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// The stylesheet and the script, compiled in.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, media_type) = match file.as_str() {
        "console.css" => (
            include_str!("assets/console.css"),
            "text/css; charset=utf-8",
        ),
        "console.js" => (
            include_str!("assets/console.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return not_found().await,
    };
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn not_found() -> Response {
    error::ConsoleError::NotFound.into_response()
}

/// The home page at `/console/` (a nested router cannot name its own trailing slash), and
/// `/console` without it sending the browser there; to merge beside [`routes`].
pub(crate) fn home_routes() -> Router<AppState> {
    Router::new()
        .route("/console/", get(home::show))
        .route("/console", get(to_home))
        .layer(axum::middleware::from_fn(headers))
}

async fn to_home() -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/console/")]).into_response()
}
