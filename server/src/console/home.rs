//! The console's home page: who the person is, their roles, what waits for them on the first
//! morning (running flows and those past their deadline; for a registrar, documents other units
//! sent that nobody has signed for; for an administrator, phones waiting for approval), and where
//! their roles take them.

use super::nav;
use super::prelude::*;
use crate::office::exchange::{self, State as ItemState};
use crate::office::flows::{self, Tab};

/// What waits, for the roles the person holds.
struct Waiting {
    running: u64,
    overdue: u64,
    unsigned: Option<usize>,
    pending_devices: Option<usize>,
}

async fn waiting(state: &AppState, office: &Office) -> Result<Waiting, ConsoleError> {
    let running = flows::list(&state.db, office.unit(), Tab::Running, 1, Utc::now())
        .await
        .map_err(|_| ConsoleError::Api(crate::error::ApiError::internal("flow list failed")))?;
    let actor = office.actor();
    let unsigned = if office
        .require_any(&[Role::Registrar, Role::Administrator])
        .is_ok()
    {
        let items = exchange::list(&state.db, &actor, office.unit(), true).await?;
        Some(items.iter().filter(|i| i.state == ItemState::Sent).count())
    } else {
        None
    };
    let pending_devices = if office.account.has(Role::Administrator) {
        let devices = crate::admin::devices::list_devices(&state.db, &actor, office.unit()).await?;
        Some(devices.iter().filter(|d| d.state == "pending").count())
    } else {
        None
    };
    Ok(Waiting {
        running: running.total,
        overdue: running.overdue,
        unsigned,
        pending_devices,
    })
}

/// `GET /console/`.
pub(super) async fn show(
    State(state): State<AppState>,
    office: Office,
) -> Result<Html<String>, ConsoleError> {
    let entries = nav::entries(&office.account);
    let waiting = waiting(&state, &office).await?;
    Ok(page(
        &office,
        office.t("home.title"),
        html! {
            p { (office.t("home.welcome")) }
            section.card id="waiting" {
                h2 { (office.t("home.waiting")) }
                ul.links {
                    li { a href="/console/flows" {
                        (office.t("home.running")) " " strong id="count-running" { (waiting.running) }
                    } }
                    li { a href="/console/flows" {
                        (office.t("home.overdue")) " "
                        strong id="count-overdue" class=[(waiting.overdue > 0).then_some("badge overdue")] {
                            (waiting.overdue)
                        }
                    } }
                    @if let Some(n) = waiting.unsigned {
                        li { a href="/console/exchange" {
                            (office.t("home.unsigned")) " " strong id="count-unsigned" { (n) }
                        } }
                    }
                    @if let Some(n) = waiting.pending_devices {
                        li { a href="/console/admin/devices" {
                            (office.t("home.pending_devices")) " " strong id="count-pending-devices" { (n) }
                        } }
                    }
                }
            }
            section.card {
                h2 { (office.t("home.your_roles")) }
                ul id="roles" {
                    @for role in &office.account.roles {
                        li data-role=(role.as_str()) { (office.t(&format!("role.{}", role.as_str()))) }
                    }
                }
            }
            section.card {
                h2 { (office.t("home.where")) }
                ul.links {
                    @for (path, key) in entries.iter().skip(1) {
                        li { a href=(path) { (office.t(key)) } }
                    }
                }
            }
        },
    ))
}
