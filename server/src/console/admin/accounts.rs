//! 账号管理 — the administrator's office accounts page: the unit's accounts with their roles and
//! whether each is locked, disabled or not yet enrolled in TOTP; creating one for a person of the
//! address book with roles and a first password (typed, or drawn here and shown once); changing
//! roles, lifting a lockout, resetting the TOTP enrolment, disabling and enabling. Everything goes
//! through [`crate::office::accounts`], audited under the administrator. An administrator cannot
//! disable their own account or take their own administrator role away: the unit would lose
//! its way back in.

use super::super::prelude::*;
use super::admin_only;
use crate::error::ApiError;
use crate::office::accounts::{self, Change, NewAccount};
use crate::office::password;
use qianpi_protocol::crypto;
use zeroize::Zeroizing;

/// The characters of a drawn first password: no look-alikes (0/O, 1/I/l).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
/// Characters in a drawn password (54^16 ≈ 5·10^27).
const DRAWN_LEN: usize = 16;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(list).post(create))
        .route("/admin/accounts/{user}/{action}", post(act))
}

/// The role checkboxes, one field each (a urlencoded form cannot carry a list in one field).
#[derive(Deserialize, Default)]
struct RoleFields {
    #[serde(default)]
    role_administrator: Option<String>,
    #[serde(default)]
    role_registrar: Option<String>,
    #[serde(default)]
    role_drafter: Option<String>,
    #[serde(default)]
    role_secretary: Option<String>,
    #[serde(default)]
    role_auditor: Option<String>,
}

impl RoleFields {
    fn roles(&self) -> Vec<Role> {
        [
            (Role::Administrator, &self.role_administrator),
            (Role::Registrar, &self.role_registrar),
            (Role::Drafter, &self.role_drafter),
            (Role::Secretary, &self.role_secretary),
            (Role::Auditor, &self.role_auditor),
        ]
        .into_iter()
        .filter(|(_, field)| field.is_some())
        .map(|(role, _)| role)
        .collect()
    }
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Administrator => "admin.accounts.role.administrator",
        Role::Registrar => "admin.accounts.role.registrar",
        Role::Drafter => "admin.accounts.role.drafter",
        Role::Secretary => "admin.accounts.role.secretary",
        Role::Auditor => "admin.accounts.role.auditor",
    }
}

fn role_boxes(office: &Office, prefix: &str, held: &[Role]) -> Markup {
    html! {
        @for role in Role::ALL {
            @let id = format!("{prefix}-{}", role.as_str());
            label.role for=(id) {
                input id=(id) type="checkbox" name=(format!("role_{}", role.as_str())) value="on"
                    checked[held.contains(&role)];
                " " (office.t(role_key(role)))
            }
        }
    }
}

fn action_form(
    office: &Office,
    user_id: &str,
    action: &str,
    key: &'static str,
    confirm: Option<&'static str>,
) -> Markup {
    html! {
        form method="post" action=(format!("/console/admin/accounts/{user_id}/{action}")) {
            (office.csrf_field())
            button type="submit" id=(format!("{action}-{user_id}"))
                class=(if confirm.is_some() { format!("{action} danger") } else { action.to_owned() })
                data-confirm=[confirm.map(|k| office.t(k))] { (office.t(key)) }
        }
    }
}

async fn list(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    admin_only(&office)?;
    let (actor, unit) = (office.actor(), office.unit().to_owned());
    let listed = accounts::list(&state.db, &actor, &unit).await?;
    let people = crate::admin::people::list_users(&state.db, &actor, &unit).await?;
    let now = Utc::now().timestamp();
    let body = html! {
        section.card #accounts {
            h2 { (office.t("admin.accounts.heading")) }
            table.list #account-list {
                thead { tr {
                    th { (office.t("admin.accounts.col.login")) }
                    th { (office.t("admin.accounts.col.person")) }
                    th { (office.t("admin.accounts.col.state")) }
                    th { (office.t("admin.accounts.col.roles")) }
                    th { (office.t("admin.accounts.col.actions")) }
                } }
                tbody {
                    @for account in &listed {
                        @let id = &account.user_id;
                        @let locked = account.locked_until > now;
                        tr.account id=(format!("account-{id}")) data-login=(account.login) {
                            td.login { (account.login) }
                            td { (account.name) br; span.muted { (account.post) } }
                            td.state {
                                @if account.disabled { span.badge.disabled { (office.t("admin.accounts.state.disabled")) } " " }
                                @if locked {
                                    span.badge.locked { (office.t("admin.accounts.state.locked")) }
                                    @if let Some(until) = DateTime::from_timestamp(account.locked_until, 0) {
                                        " " span.muted { (office.when(until)) }
                                    }
                                    " "
                                }
                                @if !account.enrolled { span.badge.not-enrolled { (office.t("admin.accounts.state.not_enrolled")) } }
                                @if !account.disabled && !locked && account.enrolled {
                                    span.badge.ok { (office.t("admin.accounts.state.active")) }
                                }
                            }
                            td {
                                form.roles method="post" action=(format!("/console/admin/accounts/{id}/roles")) {
                                    (office.csrf_field())
                                    (role_boxes(&office, &format!("roles-{id}"), &account.roles))
                                    button type="submit" id=(format!("roles-save-{id}")) { (office.t("common.save")) }
                                }
                            }
                            td.actions {
                                @if locked { (action_form(&office, id, "unlock", "admin.accounts.action.unlock", None)) }
                                @if account.enrolled {
                                    (action_form(&office, id, "reset-totp", "admin.accounts.action.reset_totp", Some("admin.accounts.confirm.reset_totp")))
                                }
                                (action_form(&office, id, "reset-password", "admin.accounts.action.reset_password", Some("admin.accounts.confirm.reset_password")))
                                @if account.disabled {
                                    (action_form(&office, id, "enable", "admin.accounts.action.enable", None))
                                } @else {
                                    (action_form(&office, id, "disable", "admin.accounts.action.disable", Some("admin.accounts.confirm.disable")))
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card #account-new {
            h2 { (office.t("admin.accounts.new")) }
            form.grid #account-form method="post" action="/console/admin/accounts" {
                (office.csrf_field())
                label for="account-user" { (office.t("admin.accounts.person")) }
                select #account-user name="user_id" required {
                    @for person in people.iter().filter(|p| !listed.iter().any(|a| a.user_id == p.id)) {
                        option value=(person.id) { (person.name) " · " (person.post) " (" (person.login) ")" }
                    }
                }
                span { (office.t("admin.accounts.col.roles")) }
                div { (role_boxes(&office, "new-role", &[])) }
                label for="account-password" { (office.t("admin.accounts.password")) }
                input #account-password type="password" name="password" autocomplete="new-password"
                    minlength=(password::MIN_LENGTH) maxlength=(password::MAX_LENGTH);
                p.muted { (office.t("admin.accounts.password_hint")) }
                div.actions { button type="submit" #account-create { (office.t("admin.accounts.create")) } }
            }
        }
    };
    Ok(page(&office, office.t("admin.accounts.title"), body))
}

/// Every field may be missing (the role is checked before the fields are).
#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateForm {
    user_id: String,
    password: String,
    #[serde(flatten)]
    roles: RoleFields,
}

/// A first password drawn uniformly from [`ALPHABET`] (rejection sampling).
fn drawn_password() -> Result<Zeroizing<String>, ApiError> {
    let mut out = Zeroizing::new(String::with_capacity(DRAWN_LEN));
    let limit = 256 - (256 % ALPHABET.len());
    while out.len() < DRAWN_LEN {
        let bytes = crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?;
        for byte in bytes.iter().map(|b| usize::from(*b)).filter(|b| *b < limit) {
            if out.len() < DRAWN_LEN {
                out.push(char::from(ALPHABET[byte % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// The page that shows a drawn password once.
fn password_page(office: &Office, login: &str, drawn: &str) -> Response {
    let body = html! {
        section.card #account-password-shown {
            h2 { (office.t("admin.accounts.password_drawn")) }
            dl.head {
                dt { (office.t("admin.accounts.col.login")) }
                dd #account-login { (login) }
                dt { (office.t("admin.accounts.password")) }
                dd { code #account-first-password { (drawn) } }
            }
            p.muted { (office.t("admin.accounts.password_once")) }
            p { a href="/console/admin/accounts" { (office.t("common.back")) } }
        }
    };
    // Shown once: the console's answers are never cached.
    page(office, office.t("admin.accounts.title"), body).into_response()
}

async fn create(
    State(state): State<AppState>,
    CsrfForm(office, form): CsrfForm<CreateForm>,
) -> Result<Response, ConsoleError> {
    admin_only(&office)?;
    let roles = form.roles.roles();
    if roles.is_empty() {
        return Err(ConsoleError::BadInput(
            office.t("admin.accounts.error.no_role").to_owned(),
        ));
    }
    let typed = Zeroizing::new(form.password);
    let drawn = typed.is_empty();
    let first = if drawn { drawn_password()? } else { typed };
    if password::check_policy(&first).is_err() {
        return Err(ConsoleError::BadInput(
            office.t("admin.accounts.error.password").to_owned(),
        ));
    }
    let new = NewAccount {
        user_id: form.user_id,
        roles,
        password: first.clone(),
    };
    let created =
        match accounts::create(&state.db, &office.actor(), office.unit(), new, Utc::now()).await {
            Ok(account) => account,
            Err(e) if e.code == "account_exists" => {
                return Err(ConsoleError::BadInput(
                    office.t("admin.accounts.error.exists").to_owned(),
                ))
            }
            Err(e) => return Err(e.into()),
        };
    if drawn {
        Ok(password_page(&office, &created.login, &first))
    } else {
        Ok(redirect(
            "/console/admin/accounts?done=admin.accounts.done.created",
        ))
    }
}

async fn act(
    State(state): State<AppState>,
    Path((user, action)): Path<(String, String)>,
    CsrfForm(office, form): CsrfForm<RoleFields>,
) -> Result<Response, ConsoleError> {
    admin_only(&office)?;
    let own = user == office.account.user_id;
    let refuse_own = || ConsoleError::BadInput(office.t("admin.accounts.error.own").to_owned());
    let mut drawn = None;
    let change = match action.as_str() {
        "roles" => {
            let roles = form.roles();
            if roles.is_empty() {
                return Err(ConsoleError::BadInput(
                    office.t("admin.accounts.error.no_role").to_owned(),
                ));
            }
            if own && !roles.contains(&Role::Administrator) {
                return Err(refuse_own());
            }
            Change::Roles(roles)
        }
        "unlock" => Change::Unlock,
        "reset-totp" => Change::ResetTotp,
        "disable" if own => return Err(refuse_own()),
        "disable" => Change::Disabled(true),
        "enable" => Change::Disabled(false),
        "reset-password" => {
            let password = drawn_password()?;
            drawn = Some(password.clone());
            Change::Password(password)
        }
        _ => return Err(ConsoleError::NotFound),
    };
    let account = accounts::change(
        &state.db,
        &office.actor(),
        office.unit(),
        &user,
        change,
        Utc::now(),
    )
    .await?;
    match drawn {
        Some(password) => Ok(password_page(&office, &account.login, &password)),
        None => Ok(redirect(&format!(
            "/console/admin/accounts?done=admin.accounts.done.{}",
            action.replace('-', "_")
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_drawn_password_passes_the_policy_and_differs_each_time() {
        let (a, b) = (drawn_password().unwrap(), drawn_password().unwrap());
        assert_eq!(a.chars().count(), DRAWN_LEN);
        assert!(password::check_policy(&a).is_ok());
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(*a, *b);
    }

    #[test]
    fn the_role_boxes_name_the_roles_ticked() {
        let fields = RoleFields {
            role_registrar: Some("on".into()),
            role_auditor: Some("on".into()),
            ..RoleFields::default()
        };
        assert_eq!(fields.roles(), vec![Role::Registrar, Role::Auditor]);
        assert!(RoleFields::default().roles().is_empty());
    }
}
