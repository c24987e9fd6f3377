//! 离线策略 — the administrator's page for the unit's offline policy: after how many days
//! without reaching the gateway phones become read-only and erase themselves, how long finished
//! items stay on them, after how many minutes unused the app locks, whether approving a body
//! never opened is allowed, warned about or refused, and whether only phones with
//! hardware-backed keys may activate. Saved through [`crate::checkpoints::set_policy`] (a new
//! version, audited under the administrator); phones get it with their next checkpoint.

use super::super::prelude::*;
use super::admin_only;
use crate::checkpoints::{self, PolicyChange, UnitPolicy};
use crate::error::ApiError;
use qianpi_protocol::UnopenedBodyRule;

/// The longest limit the form accepts, in days or minutes (ten years): anything longer is a
/// typing mistake, and it keeps the seconds far from overflowing.
const MAX_FIELD: u32 = 3650;
const DAY_SECS: u64 = 24 * 3600;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/policy", get(show).post(save))
}

async fn current(state: &AppState, office: &Office) -> Result<UnitPolicy, ApiError> {
    let (actor, unit) = (office.actor(), office.unit().to_owned());
    state
        .db
        .tx(move |sql| {
            actor.check_unit(sql, &unit)?;
            checkpoints::whole_unit_policy(sql, &unit)
        })
        .await
}

fn rule_key(rule: UnopenedBodyRule) -> &'static str {
    match rule {
        UnopenedBodyRule::Allow => "admin.policy.unopened.allow",
        UnopenedBodyRule::Warn => "admin.policy.unopened.warn",
        UnopenedBodyRule::Refuse => "admin.policy.unopened.refuse",
    }
}

fn number_field(office: &Office, id: &str, key: &'static str, value: u64) -> Markup {
    html! {
        label for=(id) { (office.t(key)) }
        input id=(id) type="number" min="1" max=(MAX_FIELD) required name=(id) value=(value);
    }
}

fn form(office: &Office, policy: &UnitPolicy) -> Markup {
    let offline = &policy.offline;
    html! {
        section.card #policy {
            h2 { (office.t("admin.policy.heading")) }
            p.muted { (office.t("admin.policy.intro")) }
            p #policy-version { (office.t("admin.policy.version")) " " (offline.version) }
            form.grid #policy-form method="post" action="/console/admin/policy" {
                (office.csrf_field())
                (number_field(office, "max_offline_block_days", "admin.policy.block_days",
                    offline.max_offline_block_secs / DAY_SECS))
                (number_field(office, "max_offline_wipe_days", "admin.policy.wipe_days",
                    offline.max_offline_wipe_secs / DAY_SECS))
                (number_field(office, "retention_days", "admin.policy.retention_days",
                    u64::from(offline.retention_days)))
                (number_field(office, "inactivity_lock_minutes", "admin.policy.lock_minutes",
                    u64::from(offline.inactivity_lock_minutes)))
                label for="unopened_body" { (office.t("admin.policy.unopened")) }
                select #unopened_body name="unopened_body" {
                    @for rule in [UnopenedBodyRule::Allow, UnopenedBodyRule::Warn, UnopenedBodyRule::Refuse] {
                        option value=(rule.as_str()) selected[rule == offline.unopened_body] {
                            (office.t(rule_key(rule)))
                        }
                    }
                }
                label for="require_hardware_keys" { (office.t("admin.policy.hardware_keys")) }
                input #require_hardware_keys type="checkbox" name="require_hardware_keys"
                    value="on" checked[policy.require_hardware_keys];
                div.actions {
                    button type="submit" #policy-save { (office.t("common.save")) }
                }
            }
        }
    }
}

async fn show(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    admin_only(&office)?;
    let policy = current(&state, &office).await?;
    Ok(page(
        &office,
        office.t("admin.policy.title"),
        form(&office, &policy),
    ))
}

/// Every field may be missing (the role is checked before the fields are).
#[derive(Deserialize, Default)]
#[serde(default)]
struct SaveForm {
    max_offline_block_days: String,
    max_offline_wipe_days: String,
    retention_days: String,
    inactivity_lock_minutes: String,
    unopened_body: String,
    require_hardware_keys: Option<String>,
}

/// Why the form cannot be saved, as the text key the page shows.
fn change_of(form: &SaveForm) -> Result<PolicyChange, &'static str> {
    let number = |text: &str| -> Result<u32, &'static str> {
        match text.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_FIELD).contains(&n) => Ok(n),
            _ => Err("admin.policy.error.number"),
        }
    };
    let block = number(&form.max_offline_block_days)?;
    let wipe = number(&form.max_offline_wipe_days)?;
    if wipe < block {
        return Err("admin.policy.error.wipe_before_block");
    }
    let rule = match form.unopened_body.as_str() {
        "allow" => UnopenedBodyRule::Allow,
        "warn" => UnopenedBodyRule::Warn,
        "refuse" => UnopenedBodyRule::Refuse,
        _ => return Err("admin.policy.error.rule"),
    };
    Ok(PolicyChange {
        max_offline_block_days: Some(block),
        max_offline_wipe_days: Some(wipe),
        retention_days: Some(number(&form.retention_days)?),
        inactivity_lock_minutes: Some(number(&form.inactivity_lock_minutes)?),
        unopened_body: Some(rule),
        require_hardware_keys: Some(form.require_hardware_keys.is_some()),
    })
}

async fn save(
    State(state): State<AppState>,
    CsrfForm(office, form): CsrfForm<SaveForm>,
) -> Result<Response, ConsoleError> {
    admin_only(&office)?;
    let change =
        change_of(&form).map_err(|key| ConsoleError::BadInput(office.t(key).to_owned()))?;
    let actor = office.actor();
    checkpoints::set_policy(&state.db, &actor, office.unit(), change, Utc::now()).await?;
    Ok(redirect(
        "/console/admin/policy?done=admin.policy.done.saved",
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn form(block: &str, wipe: &str, rule: &str) -> SaveForm {
        SaveForm {
            max_offline_block_days: block.into(),
            max_offline_wipe_days: wipe.into(),
            retention_days: "30".into(),
            inactivity_lock_minutes: "5".into(),
            unopened_body: rule.into(),
            require_hardware_keys: Some("on".into()),
        }
    }

    #[test]
    fn the_form_refuses_what_makes_no_policy() {
        let change = change_of(&form("3", "14", "refuse")).unwrap();
        assert_eq!(change.max_offline_block_days, Some(3));
        assert_eq!(change.unopened_body, Some(UnopenedBodyRule::Refuse));
        assert_eq!(change.require_hardware_keys, Some(true));
        assert_eq!(
            change_of(&form("14", "3", "allow")).unwrap_err(),
            "admin.policy.error.wipe_before_block"
        );
        for bad in ["0", "-1", "abc", "99999999999", ""] {
            assert_eq!(
                change_of(&form(bad, "14", "allow")).unwrap_err(),
                "admin.policy.error.number"
            );
        }
        assert_eq!(
            change_of(&form("3", "14", "maybe")).unwrap_err(),
            "admin.policy.error.rule"
        );
    }
}
