//! 激活码 — issuing a person's one-time activation code from the device page: the code, when it
//! expires, and the activation invite ([`crate::admin::invite`]) as a QR code drawn inline as
//! SVG (no image request, nothing the Content-Security-Policy has to allow) and as text. The
//! code is shown once, on the answer to the form; the database keeps only its hash.

use super::super::prelude::*;
use super::admin_only;
use crate::admin::people::UserView;
use crate::admin::{self, invite};
use axum::http::{header, HeaderMap};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/devices/code", post(issue))
}

/// The form under the device table: whom to issue a code for, and whether the device it binds
/// waits for approval (the default: the administrator then compares the fingerprint words).
pub(super) fn code_form(office: &Office, people: &[UserView]) -> Markup {
    html! {
        section.card #activation {
            h2 { (office.t("admin.activation.heading")) }
            p.muted { (office.t("admin.activation.intro")) }
            form.grid #activation-form method="post" action="/console/admin/devices/code" {
                (office.csrf_field())
                label for="activation-user" { (office.t("admin.activation.person")) }
                select #activation-user name="user_id" required {
                    @for person in people {
                        option value=(person.id) {
                            (person.name) " · " (person.post) " (" (person.login) ")"
                        }
                    }
                }
                label for="activation-approval" { (office.t("admin.activation.needs_approval")) }
                input #activation-approval type="checkbox" name="needs_approval" value="on" checked;
                div.actions {
                    button type="submit" #activation-issue { (office.t("admin.activation.issue")) }
                }
            }
        }
    }
}

/// Every field may be missing (the role is checked before the fields are).
#[derive(Deserialize, Default)]
#[serde(default)]
struct IssueForm {
    user_id: String,
    needs_approval: Option<String>,
}

async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(office, form): CsrfForm<IssueForm>,
) -> Result<Response, ConsoleError> {
    admin_only(&office)?;
    let actor = office.actor();
    let unit = office.unit().to_owned();
    let people = admin::people::list_users(&state.db, &actor, &unit).await?;
    // Another unit's person is not in this list: the same answer as for no one at all.
    let person = people
        .iter()
        .find(|p| p.id == form.user_id)
        .ok_or(ConsoleError::NotFound)?;
    let issued = admin::issue_code(
        &state.db,
        &actor,
        Some(&unit),
        &person.id,
        form.needs_approval.is_some(),
        Utc::now().timestamp(),
    )
    .await?;
    let invite = gateway_url(&state.scheme, &headers).and_then(|url| {
        invite::activation_invite(
            &url,
            Some(&person.login),
            &issued.code,
            state.tls_chain.as_deref(),
        )
        .ok()
    });
    let expires = DateTime::parse_from_rfc3339(&issued.expires_at)
        .map(|t| t.with_timezone(&Utc))
        .ok();
    let body = html! {
        section.card #activation-issued {
            h2 { (office.t("admin.activation.issued")) }
            dl.head {
                dt { (office.t("admin.activation.person")) }
                dd #activation-person { (person.name) " · " (person.post) }
                dt { (office.t("admin.activation.code")) }
                dd { code #activation-code { (issued.code) } }
                dt { (office.t("admin.activation.expires")) }
                dd #activation-expires {
                    @if let Some(at) = expires { (office.when(at)) }
                }
                dt { (office.t("admin.activation.approval")) }
                dd {
                    (office.t(if issued.needs_approval {
                        "admin.activation.approval.yes"
                    } else {
                        "admin.activation.approval.no"
                    }))
                }
            }
            @match &invite {
                Some(text) => {
                    p { (office.t("admin.activation.scan")) }
                    @if let Some(svg) = qr_svg(text) {
                        figure #activation-qr { (PreEscaped(svg)) }
                    }
                    p { (office.t("admin.activation.invite_text")) }
                    textarea #activation-invite readonly rows="4" cols="60" { (text) }
                },
                None => p.muted #activation-no-invite { (office.t("admin.activation.no_invite")) },
            }
            p.muted { (office.t("admin.activation.once")) }
            p { a href="/console/admin/devices" { (office.t("common.back")) } }
        }
    };
    // The code is shown once; the console's answers are never cached.
    Ok(page(&office, office.t("admin.activation.title"), body).into_response())
}

/// The address phones reach this gateway at, as the administrator's browser did: the scheme
/// the gateway serves and the `Host` the browser sent. `None` for a host no URL can carry.
fn gateway_url(scheme: &str, headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if host.is_empty() || !host.chars().all(plain) {
        return None;
    }
    Some(format!("{scheme}://{host}/"))
}

/// The invite drawn as an SVG QR code, without the XML declaration (it sits inside the page).
/// Medium error correction where the text fits, low where only that fits (an invite with two CA
/// certificates is long); `None` if it fits neither.
fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L))
        .ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_qr_code_is_an_inline_svg_element() {
        let svg =
            qr_svg("qianpi://activate?v=1&url=https%3A%2F%2F10.0.0.1%2F&code=ABCD2345").unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("style"));
    }

    #[test]
    fn a_host_that_no_url_can_carry_makes_no_invite_address() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "10.0.0.1:8443".parse().unwrap());
        assert_eq!(
            gateway_url("https", &headers).as_deref(),
            Some("https://10.0.0.1:8443/")
        );
        headers.insert(header::HOST, "evil/path?x".parse().unwrap());
        assert_eq!(gateway_url("https", &headers), None);
        assert_eq!(gateway_url("https", &HeaderMap::new()), None);
    }
}
