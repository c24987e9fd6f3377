//! Who is asking: the [`Office`] extractor reads the session cookie, finds the full session in
//! the database and carries the account, the session's CSRF token, the reader's language and the
//! deployment's time zone into the handler; without a live session the browser is sent to the
//! login page. [`CsrfForm`] reads a form posted by such a person and refuses it unless its
//! `_csrf` field is the session's token (compared in constant time) and the browser says it came
//! from this origin.

use super::error::ConsoleError;
use super::text;
use crate::office::sessions;
use crate::office::{Account, Role};
use crate::routes::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup};
use serde::de::DeserializeOwned;

pub use super::text::Lang;

/// The session cookie: `__Host-` so it is only ever set by us, over HTTPS (or on loopback), for
/// the whole site, and never by a sibling domain.
pub const SESSION_COOKIE: &str = "__Host-qianpi";
/// The reader's language (`zh` or `en`), not a secret.
pub const LANG_COOKIE: &str = "qianpi_lang";

/// A logged-in office person, their session's CSRF token and how to show them text and times.
#[derive(Debug, Clone)]
pub struct Office {
    /// Who is logged in.
    pub account: Account,
    /// This session's form token.
    pub csrf: String,
    /// The reader's language.
    pub lang: Lang,
    /// The deployment's time zone.
    pub zone: chrono_tz::Tz,
    /// The path asked for (the language switch returns there).
    pub path: String,
    /// A notice to show once: the text key a redirect named in `?done=`.
    pub notice: Option<&'static str>,
}

impl Office {
    /// The unit the person works in.
    pub fn unit(&self) -> &str {
        &self.account.unit_id
    }

    /// A text in the reader's language (a key no table has shows as itself).
    pub fn t<'k>(&self, key: &'k str) -> &'k str {
        text::t(self.lang, key)
    }

    /// A time in the deployment's zone, `2026-12-07 09:30`.
    pub fn when(&self, at: DateTime<Utc>) -> String {
        super::time::when(self.zone, at)
    }

    /// A date as the office writes it, `2026-12-07`.
    pub fn date(&self, day: NaiveDate) -> String {
        day.format("%Y-%m-%d").to_string()
    }

    /// 403 unless the person holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ConsoleError> {
        self.require_any(&[role])
    }

    /// 403 unless the person holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ConsoleError> {
        if roles.iter().any(|r| self.account.has(*r)) {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden)
        }
    }

    /// The person as the data layer and the audit log name them: their identity, in their unit.
    pub fn actor(&self) -> crate::actor::AdminActor {
        crate::actor::AdminActor::unit_admin(&self.account.user_id, &self.account.unit_id)
    }

    /// The hidden field every form of this session carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="_csrf" value=(self.csrf); }
    }

    /// Checks a form's `_csrf` value (multipart forms read it themselves).
    pub fn check_csrf(&self, given: &str) -> Result<(), ConsoleError> {
        if qianpi_protocol::crypto::constant_time_eq(given.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The reader's language: their choice, else Chinese.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    match cookie(headers, LANG_COOKIE).as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// Refuses a state-changing request a browser says came from another site. Browsers send
/// `Sec-Fetch-Site` on such posts (ours say `same-origin`) and `Origin`, which is `null` when
/// the page's referrer policy hides it: then `Sec-Fetch-Site` must vouch for it.
pub fn same_origin(headers: &HeaderMap) -> Result<(), ConsoleError> {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site {
        if site != "same-origin" && site != "none" {
            return Err(ConsoleError::Csrf);
        }
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some("null"), _) if site != Some("same-origin") => Err(ConsoleError::Csrf),
        (Some("null"), _) | (None, _) => Ok(()),
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
            if origin_host == host {
                Ok(())
            } else {
                Err(ConsoleError::Csrf)
            }
        }
        (Some(_), None) => Err(ConsoleError::Csrf),
    }
}

/// Opens a multipart form posted by `office`: refused unless the browser says it came from this
/// console and its first field is the session's CSRF token, so nothing else is read before.
pub async fn checked_multipart(
    office: &Office,
    headers: &HeaderMap,
    multipart: &mut axum::extract::Multipart,
) -> Result<(), ConsoleError> {
    same_origin(headers)?;
    let first = multipart
        .next_field()
        .await
        .map_err(|_| ConsoleError::Malformed)?;
    let Some(first) = first.filter(|f| f.name() == Some("_csrf")) else {
        return Err(ConsoleError::Csrf);
    };
    let token = first.text().await.map_err(|_| ConsoleError::Malformed)?;
    office.check_csrf(&token)
}

impl FromRequestParts<AppState> for Office {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Office, ConsoleError> {
        // Inside the nested console router the URI has lost its `/console` prefix; the
        // original one is what the browser asked for (the login returns there).
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_owned(), |o| o.path().to_owned());
        let login = || ConsoleError::Login(path.clone());
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(login)?;
        let current = sessions::current(&state.db, &token, Utc::now())
            .await?
            .ok_or_else(login)?;
        let notice = parts
            .uri
            .query()
            .and_then(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .ok()?
                    .into_iter()
                    .find(|(k, _)| k == "done")
            })
            .and_then(|(_, key)| text::known(&key));
        Ok(Office {
            account: current.account,
            csrf: current.csrf,
            lang: lang_of(&parts.headers),
            zone: state.time_zone,
            path,
            notice,
        })
    }
}

/// A urlencoded form posted by a logged-in person, its CSRF token checked. `T` sees every field
/// but `_csrf` is ours: `T` must not deny unknown fields.
pub struct CsrfForm<T>(pub Office, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ConsoleError> {
        if request.method() != Method::POST {
            return Err(ConsoleError::NotFound);
        }
        let (mut parts, body) = request.into_parts();
        let office = Office::from_request_parts(&mut parts, state).await?;
        same_origin(&parts.headers)?;
        let bytes = axum::body::to_bytes(body, super::MAX_FORM_BYTES)
            .await
            .map_err(|_| ConsoleError::BadInput(office.t("error.too_large").to_owned()))?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| ConsoleError::Malformed)?;
        let given = fields
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        office.check_csrf(given)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| ConsoleError::Malformed)?;
        Ok(CsrfForm(office, form))
    }
}
