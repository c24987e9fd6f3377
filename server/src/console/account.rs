//! The person's own account: who they are, their roles, and changing their password (the first
//! one an administrator handed out should not stay). Their other sessions end with the change.

use super::prelude::*;
use super::session::{cookie, SESSION_COOKIE};
use crate::office::{accounts, sessions};
use axum::http::HeaderMap;
use zeroize::Zeroizing;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/account", get(show).post(change))
}

fn account_page(office: &Office, error: Option<&str>) -> Html<String> {
    let roles: Vec<&str> = office
        .account
        .roles
        .iter()
        .map(|r| {
            office.t(match r {
                Role::Administrator => "role.administrator",
                Role::Registrar => "role.registrar",
                Role::Drafter => "role.drafter",
                Role::Secretary => "role.secretary",
                Role::Auditor => "role.auditor",
            })
        })
        .collect();
    page(
        office,
        office.t("account.title"),
        html! {
            section.card {
                dl.head {
                    dt { (office.t("common.login")) } dd { (office.account.login) }
                    dt { (office.t("common.name")) } dd { (office.account.name) }
                    dt { (office.t("common.post")) } dd { (office.account.post) }
                    dt { (office.t("common.roles")) } dd id="account-roles" { (roles.join("、")) }
                }
            }
            section.card {
                h2 { (office.t("account.password.title")) }
                @if let Some(error) = error { p.error id="account-error" role="alert" { (error) } }
                form.grid id="password-form" method="post" action="/console/account" {
                    (office.csrf_field())
                    label for="current" { (office.t("account.password.current")) }
                    input id="current" name="current" type="password" autocomplete="current-password" required;
                    label for="new" { (office.t("account.password.new")) }
                    input id="new" name="new" type="password" autocomplete="new-password" minlength="10" maxlength="128" required;
                    label for="repeat" { (office.t("account.password.repeat")) }
                    input id="repeat" name="repeat" type="password" autocomplete="new-password" required;
                    div.actions { button type="submit" { (office.t("account.password.submit")) } }
                }
            }
        },
    )
}

async fn show(office: Office) -> Result<Html<String>, ConsoleError> {
    Ok(account_page(&office, None))
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(office, form): CsrfForm<Change>,
) -> Result<Response, ConsoleError> {
    let refuse = |key: &str| {
        let mut response = account_page(&office, Some(office.t(key))).into_response();
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok(response)
    };
    if form.new != form.repeat {
        return refuse("account.error.repeat");
    }
    if crate::office::password::check_policy(&form.new).is_err() {
        return refuse("account.error.policy");
    }
    let session = sessions::id_hash(&cookie(&headers, SESSION_COOKIE).unwrap_or_default());
    match accounts::change_own_password(
        &state.db,
        &office.account,
        Zeroizing::new(form.current),
        Zeroizing::new(form.new),
        session,
        Utc::now(),
    )
    .await
    {
        Ok(()) => Ok(redirect("/console/account?done=account.done.password")),
        Err(e) if e.code == "wrong_password" => refuse("account.error.current"),
        Err(e) => Err(e.into()),
    }
}
