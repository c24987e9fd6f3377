//! The layout every console page shares: the header with the person, their unit and post, the
//! menu their roles allow, the language switch and logout; a notice a redirect asked for; the
//! page's own content. One stylesheet and one script, both ours.

use super::nav;
use super::session::Office;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// A whole page for `office` titled `title` around `content`.
pub fn page(office: &Office, title: &str, content: Markup) -> Html<String> {
    let other = match office.lang {
        super::text::Lang::Zh => ("en", "English"),
        super::text::Lang::En => ("zh", "中文"),
    };
    let switch = format!(
        "/console/lang?{}",
        serde_urlencoded::to_string([("to", other.0), ("back", office.path.as_str())])
            .unwrap_or_default()
    );
    let body = html! {
        (DOCTYPE)
        html lang=(office.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (office.t("app.name")) }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/console/" { (office.t("app.name")) }
                    nav.menu {
                        @for (path, key) in nav::entries(&office.account) {
                            a href=(path) class=[office.path.starts_with(path).then_some("current")] {
                                (office.t(key))
                            }
                        }
                    }
                    div.who {
                        a id="who-name" href="/console/account" title=(office.t("nav.account")) { (office.account.name) }
                        span.muted { (office.account.post) }
                        a id="lang-switch" href=(switch) { (other.1) }
                        form.inline method="post" action="/console/logout" {
                            (office.csrf_field())
                            button id="logout" type="submit" { (office.t("login.logout")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    @if let Some(key) = office.notice {
                        p.notice role="status" { (office.t(key)) }
                    }
                    (content)
                }
            }
        }
    };
    Html(body.into_string())
}

/// 303 See Other to `path`: after a form, the browser fetches the result with a GET, so a reload
/// never sends the form twice.
pub fn redirect(path: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, path.to_owned())]).into_response()
}

/// A page for someone not logged in (login, TOTP): no menu, the language switch only.
pub fn bare(lang: super::text::Lang, path: &str, title: &str, content: Markup) -> Html<String> {
    let t = |key| super::text::t(lang, key);
    let other = match lang {
        super::text::Lang::Zh => ("en", "English"),
        super::text::Lang::En => ("zh", "中文"),
    };
    let switch = format!(
        "/console/lang?{}",
        serde_urlencoded::to_string([("to", other.0), ("back", path)]).unwrap_or_default()
    );
    let body = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t("app.name")) }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body.bare {
                header.top {
                    span.brand { (t("app.name")) }
                    div.who { a id="lang-switch" href=(switch) { (other.1) } }
                }
                main.narrow {
                    h1 { (title) }
                    (content)
                }
            }
        }
    };
    Html(body.into_string())
}

/// A `Set-Cookie` value for the session cookie family: whole site, HTTPS only (browsers treat
/// loopback as secure), out of scripts' reach, never sent by another site's request. `None`
/// for `max_age` lasts the browser session; `Some(0)` deletes it.
pub fn cookie(name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut cookie = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    cookie
}

/// A local console path to return to, or the home page: never another site (`//host`, `http:`).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with("/console/") && !p.contains("//") && !p.contains('\\') => {
            p.to_owned()
        }
        _ => "/console/".to_owned(),
    }
}
