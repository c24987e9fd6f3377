//! 设备管理 — the administrator's device page: the unit's devices with their owner, state,
//! attestation assurance and when the gateway last saw them; a pending device's six fingerprint
//! words (the administrator compares them with the phone's screen before approving); approve,
//! suspend, resume, revoke and wipe, each a CSRF form audited under the administrator through
//! [`crate::admin::devices`]. Issuing an activation code is in [`super::activation`].

use super::super::prelude::*;
use super::admin_only;
use crate::admin::devices::{self, DeviceView, Transition};
use crate::error::ApiError;
use crate::sql::args;
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/devices", get(list))
        .route("/admin/devices/{device}/{action}", post(act))
}

/// What the device table shows beyond [`DeviceView`]: the owner's real name, when the gateway
/// last handed the device a checkpoint, and whether a wipe order has reached it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Seen {
    /// 姓名 of the identity the device is bound to.
    pub owner: String,
    /// The newest checkpoint's time: every pull gets one (reused for five minutes), so this is
    /// when the device last reached the gateway, give or take that.
    pub last_seen: Option<DateTime<Utc>>,
    /// When the phone first received its wipe order.
    pub wipe_sent: bool,
}

/// Reads [`Seen`] for every device of `unit_id` (the caller has checked the unit).
pub(super) async fn seen(
    state: &AppState,
    unit_id: &str,
) -> Result<HashMap<String, Seen>, ApiError> {
    let unit_id = unit_id.to_owned();
    state
        .db
        .tx(move |sql| {
            let rows = sql.query(
                "SELECT d.id, u.name, d.wipe_sent_at,
                        (SELECT MAX(c.issued_unix) FROM checkpoints c WHERE c.device_id = d.id)
                 FROM devices d JOIN users u ON u.id = d.user_id WHERE u.unit_id = ?1",
                args![&unit_id],
            )?;
            let mut out = HashMap::with_capacity(rows.len());
            for row in rows {
                out.insert(
                    row.text(0)?,
                    Seen {
                        owner: row.text(1)?,
                        wipe_sent: row.opt_text(2)?.is_some(),
                        last_seen: row
                            .opt_int(3)?
                            .and_then(|unix| DateTime::from_timestamp(unix, 0)),
                    },
                );
            }
            Ok(out)
        })
        .await
}

/// The text key of a device's state as the table shows it.
fn state_key(device: &DeviceView, seen: &Seen) -> &'static str {
    match device.state.as_str() {
        "pending" => "admin.devices.state.pending",
        "active" => "admin.devices.state.active",
        "suspended" => "admin.devices.state.suspended",
        "revoked" => "admin.devices.state.revoked",
        "wipe_requested" if seen.wipe_sent => "admin.devices.state.wiped",
        "wipe_requested" => "admin.devices.state.wipe_requested",
        _ => "admin.devices.state.unknown",
    }
}

/// The text key of an assurance level.
fn assurance_key(assurance: &str) -> &'static str {
    match assurance {
        "strongbox" => "admin.devices.assurance.strongbox",
        "tee" => "admin.devices.assurance.tee",
        "secure_enclave" => "admin.devices.assurance.secure_enclave",
        "software" => "admin.devices.assurance.software",
        "unattested" => "admin.devices.assurance.unattested",
        _ => "admin.devices.assurance.unknown",
    }
}

/// The actions a device in `state` offers, in the order the row shows them.
fn actions(state: &str) -> &'static [Transition] {
    match state {
        "pending" => &[Transition::Approve, Transition::Revoke, Transition::Wipe],
        "active" => &[Transition::Suspend, Transition::Revoke, Transition::Wipe],
        "suspended" => &[Transition::Resume, Transition::Revoke, Transition::Wipe],
        "wipe_requested" => &[Transition::Revoke],
        _ => &[],
    }
}

fn action_name(transition: Transition) -> &'static str {
    match transition {
        Transition::Approve => "approve",
        Transition::Suspend => "suspend",
        Transition::Resume => "resume",
        Transition::Revoke => "revoke",
        Transition::Wipe => "wipe",
    }
}

fn action_button(office: &Office, device_id: &str, transition: Transition) -> Markup {
    let name = action_name(transition);
    let label = office.t(match transition {
        Transition::Approve => "admin.devices.action.approve",
        Transition::Suspend => "admin.devices.action.suspend",
        Transition::Resume => "admin.devices.action.resume",
        Transition::Revoke => "admin.devices.action.revoke",
        Transition::Wipe => "admin.devices.action.wipe",
    });
    // Approving, revoking and wiping cannot be undone from here: the browser asks first.
    let confirm = match transition {
        Transition::Approve => Some(office.t("admin.devices.confirm.approve")),
        Transition::Revoke => Some(office.t("admin.devices.confirm.revoke")),
        Transition::Wipe => Some(office.t("admin.devices.confirm.wipe")),
        Transition::Suspend | Transition::Resume => None,
    };
    let danger = matches!(transition, Transition::Revoke | Transition::Wipe);
    html! {
        form method="post" action=(format!("/console/admin/devices/{device_id}/{name}")) {
            (office.csrf_field())
            button type="submit" id=(format!("{name}-{device_id}")) class=(format!("{name}{}", if danger { " danger" } else { "" }))
                data-confirm=[confirm] { (label) }
        }
    }
}

async fn list(State(state): State<AppState>, office: Office) -> Result<Html<String>, ConsoleError> {
    admin_only(&office)?;
    let actor = office.actor();
    let unit = office.unit().to_owned();
    let listed = devices::list_devices(&state.db, &actor, &unit).await?;
    let seen = seen(&state, &unit).await?;
    let people = crate::admin::people::list_users(&state.db, &actor, &unit).await?;
    let none = Seen::default();
    let body = html! {
        section.card #devices {
            h2 { (office.t("admin.devices.heading")) }
            p.muted { (office.t("admin.devices.intro")) }
            @if listed.is_empty() {
                p.muted #no-devices { (office.t("admin.devices.empty")) }
            } @else {
                table.list #device-list {
                    thead { tr {
                        th { (office.t("admin.devices.col.owner")) }
                        th { (office.t("admin.devices.col.device")) }
                        th { (office.t("admin.devices.col.state")) }
                        th { (office.t("admin.devices.col.fingerprint")) }
                        th { (office.t("admin.devices.col.assurance")) }
                        th { (office.t("admin.devices.col.last_seen")) }
                        th { (office.t("admin.devices.col.actions")) }
                    } }
                    tbody {
                        @for device in &listed {
                            @let seen = seen.get(&device.id).unwrap_or(&none);
                            tr id=(format!("device-{}", device.id)) class="device"
                                data-state=(device.state) data-device=(device.id) {
                                td.owner id=(format!("owner-{}", device.id)) { (seen.owner) br; span.muted { (device.post) " · " (device.login) } }
                                td { (device.name) br; span.muted { (device.platform) } }
                                td.state {
                                    span id=(format!("state-{}", device.id))
                                        class=(if device.state == "active" { "badge ok" } else { "badge" }) {
                                        (office.t(state_key(device, seen)))
                                    }
                                }
                                td {
                                    @if device.state == "pending" {
                                        span.fingerprint-words id=(format!("words-{}", device.id)) lang="zh" { (device.fingerprint_words.join(" ")) }
                                        br;
                                        span.muted.fingerprint-digits { (device.fingerprint_digits) }
                                    } @else {
                                        span.muted { (office.t("common.none")) }
                                    }
                                }
                                td.assurance data-assurance=(device.assurance) {
                                    (office.t(assurance_key(&device.assurance)))
                                }
                                td.last-seen {
                                    @match seen.last_seen {
                                        Some(at) => (office.when(at)),
                                        None => span.muted { (office.t("admin.devices.never_seen")) },
                                    }
                                }
                                td.actions {
                                    @for transition in actions(&device.state) {
                                        (action_button(&office, &device.id, *transition))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (super::activation::code_form(&office, &people))
    };
    Ok(page(&office, office.t("admin.devices.title"), body))
}

async fn act(
    State(state): State<AppState>,
    Path((device, action)): Path<(String, String)>,
    CsrfForm(office, _form): CsrfForm<super::NoFields>,
) -> Result<Response, ConsoleError> {
    admin_only(&office)?;
    let transition = Transition::parse(&action).ok_or(ConsoleError::NotFound)?;
    let actor = office.actor();
    let unit = office.unit().to_owned();
    match devices::transition(
        &state.db,
        &actor,
        Some(&unit),
        &device,
        transition,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/console/admin/devices?done=admin.devices.done.{}",
            action_name(transition)
        ))),
        Err(e) if e.code == "bad_transition" => Err(ConsoleError::BadInput(
            office.t("admin.devices.bad_transition").to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}
