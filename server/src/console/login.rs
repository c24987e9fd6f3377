//! Logging in and out, and the language switch. The password form carries a token that must
//! match a cookie set with the form (a login form posted from another site is refused); the
//! second step's form carries the pending session's own token. After each step the browser
//! holds a new session id (see `office::sessions`); logout deletes the session in the database.

use super::error::ConsoleError;
use super::page::{bare, cookie, local_path, redirect};
use super::session::{self, lang_of, same_origin, LANG_COOKIE, SESSION_COOKIE};
use super::text::{t, Lang};
use crate::office::sessions::{self as office_sessions, LoginError, Stage};
use crate::office::totp;
use crate::routes::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Utc;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

/// The cookie the login form's token is checked against.
const LOGIN_COOKIE: &str = "__Host-qianpi-login";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/login/code", get(code_form).post(code))
        .route("/logout", axum::routing::post(logout))
        .route("/lang", get(switch_lang))
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
    bye: Option<String>,
}

fn random() -> Result<String, ConsoleError> {
    use base64::Engine as _;
    let bytes = qianpi_protocol::crypto::random_bytes::<24>()
        .map_err(|e| crate::error::ApiError::internal(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The login page, with `error` above the form when a try was refused.
fn login_page(
    lang: Lang,
    next: &str,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, ConsoleError> {
    let token = random()?;
    let content = html! {
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        @if let Some(error) = &error { p.error id="login-error" role="alert" { (error) } }
        form.grid id="login-form" method="post" action="/console/login" {
            input type="hidden" name="_login" value=(token);
            input type="hidden" name="next" value=(next);
            label for="login" { (t(lang, "login.login")) }
            input id="login" name="login" autocomplete="username" required autofocus;
            label for="password" { (t(lang, "login.password")) }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            div.actions { button id="login-submit" type="submit" { (t(lang, "login.submit")) } }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::SET_COOKIE, cookie(LOGIN_COOKIE, &token, Some(900)))],
        bare(lang, "/console/login", t(lang, "login.title"), content),
    )
        .into_response())
}

async fn login_form(headers: HeaderMap, Query(q): Query<Next>) -> Result<Response, ConsoleError> {
    let lang = lang_of(&headers);
    let notice = q.bye.is_some().then(|| t(lang, "login.logged_out"));
    login_page(lang, &local_path(q.next.as_deref()), None, notice)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(rename = "_login", default)]
    token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// The text of a refused login step, with the lockout's end in the deployment's zone.
fn refusal(lang: Lang, error: &LoginError, state: &AppState) -> String {
    match error {
        LoginError::Locked(until) => {
            let until = chrono::DateTime::from_timestamp(*until, 0).unwrap_or_else(Utc::now);
            format!(
                "{} {}",
                t(lang, error.key()),
                super::time::when(state.time_zone, until)
            )
        }
        _ => t(lang, error.key()).to_owned(),
    }
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    let lang = lang_of(&headers);
    let next = local_path(form.next.as_deref());
    same_origin(&headers)?;
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty()
        || !qianpi_protocol::crypto::constant_time_eq(expected.as_bytes(), form.token.as_bytes())
    {
        return login_page(
            lang,
            &next,
            Some(t(lang, "login.error.form").to_owned()),
            None,
        );
    }
    match office_sessions::password_step(&state.db, &form.login, &form.password, Utc::now()).await {
        Ok(opened) => {
            let to = format!(
                "/console/login/code?{}",
                serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
            );
            let mut response = redirect(&to);
            set(&mut response, &cookie(SESSION_COOKIE, &opened.token, None));
            set(&mut response, &cookie(LOGIN_COOKIE, "", Some(0)));
            Ok(response)
        }
        Err(LoginError::Api(e)) => Err(e.into()),
        Err(error) => login_page(lang, &next, Some(refusal(lang, &error, &state)), None),
    }
}

fn set(response: &mut Response, cookie: &str) {
    if let Ok(value) = header::HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The second step's page: the code, or on a first login the secret to enrol and the code.
async fn code_page(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    error: Option<String>,
) -> Result<Response, ConsoleError> {
    let lang = lang_of(headers);
    let token = session::cookie(headers, SESSION_COOKIE).unwrap_or_default();
    let pending = match office_sessions::pending(&state.db, &token, Utc::now()).await {
        Ok(p) => p,
        Err(LoginError::Api(e)) => return Err(e.into()),
        Err(e) => return login_page(lang, next, Some(t(lang, e.key()).to_owned()), None),
    };
    let enrolling = pending.stage == Stage::Enrol;
    let enrol: Markup = match &pending.secret {
        Some(secret) if enrolling => {
            let uri = totp::otpauth_uri(secret, &pending.login);
            html! {
                p { (t(lang, "login.enrol.intro")) }
                div.qr { (qr_svg(&uri)) }
                p { (t(lang, "login.enrol.secret")) ": " code id="totp-secret" { (totp::base32(secret)) } }
                p.muted { code id="totp-uri" { (uri) } }
            }
        }
        _ => html! {},
    };
    let title = if enrolling {
        t(lang, "login.enrol.title")
    } else {
        t(lang, "login.code.title")
    };
    let content = html! {
        (enrol)
        @if let Some(error) = &error { p.error id="login-error" role="alert" { (error) } }
        form.grid id="code-form" method="post" action="/console/login/code" {
            input type="hidden" name="_csrf" value=(pending.csrf);
            input type="hidden" name="next" value=(next);
            label for="code" { (t(lang, "login.code.label")) }
            input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9]{6}" maxlength="6" required autofocus;
            div.actions { button id="code-submit" type="submit" { (t(lang, "login.code.submit")) } }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok((status, bare(lang, "/console/login/code", title, content)).into_response())
}

/// The otpauth URI as an inline SVG QR code (no image request, nothing inline the CSP forbids).
fn qr_svg(uri: &str) -> Markup {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build();
            // The renderer writes only its own rectangles and paths; drop the XML prolog.
            let svg = svg.find("<svg").map_or("", |at| &svg[at..]).to_owned();
            PreEscaped(svg)
        }
        Err(_) => html! {},
    }
}

async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Result<Response, ConsoleError> {
    code_page(&state, &headers, &local_path(q.next.as_deref()), None).await
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
    next: Option<String>,
}

async fn code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, ConsoleError> {
    let lang = lang_of(&headers);
    let next = local_path(form.next.as_deref());
    same_origin(&headers)?;
    let token = session::cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let pending = match office_sessions::pending(&state.db, &token, Utc::now()).await {
        Ok(p) => p,
        Err(LoginError::Api(e)) => return Err(e.into()),
        Err(e) => return login_page(lang, &next, Some(t(lang, e.key()).to_owned()), None),
    };
    if !qianpi_protocol::crypto::constant_time_eq(pending.csrf.as_bytes(), form.csrf.as_bytes()) {
        return Err(ConsoleError::Csrf);
    }
    match office_sessions::code_step(&state.db, &token, &form.code, Utc::now()).await {
        Ok(opened) => {
            let mut response = redirect(&next);
            set(&mut response, &cookie(SESSION_COOKIE, &opened.token, None));
            Ok(response)
        }
        Err(LoginError::Api(e)) => Err(e.into()),
        Err(e @ (LoginError::Expired | LoginError::Locked(_))) => {
            login_page(lang, &next, Some(refusal(lang, &e, &state)), None)
        }
        Err(e) => code_page(&state, &headers, &next, Some(refusal(lang, &e, &state))).await,
    }
}

#[derive(Deserialize)]
struct Nothing {}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::session::CsrfForm(_office, Nothing {}): super::session::CsrfForm<Nothing>,
) -> Result<Response, ConsoleError> {
    let token = session::cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    office_sessions::end(&state.db, &token, Utc::now()).await?;
    let mut response = redirect("/console/login?bye=1");
    set(&mut response, &cookie(SESSION_COOKIE, "", Some(0)));
    Ok(response)
}

#[derive(Deserialize)]
struct Switch {
    to: String,
    back: Option<String>,
}

/// Remembers the reader's language for a year and returns to the page they were on.
async fn switch_lang(Query(q): Query<Switch>) -> Response {
    let lang = if q.to == "en" { "en" } else { "zh" };
    let back = match q.back.as_deref() {
        Some(p) if p == "/console/login" || p == "/console/login/code" => p.to_owned(),
        other => local_path(other),
    };
    let mut response = redirect(&back);
    set(
        &mut response,
        &format!("{LANG_COOKIE}={lang}; Path=/console; Max-Age=31536000; SameSite=Lax"),
    );
    response
}
