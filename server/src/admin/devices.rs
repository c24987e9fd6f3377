//! The device lifecycle as administrators drive it (security.md, device binding): list a unit's
//! devices, and approve, suspend, resume, revoke or ask to wipe one. Impossible transitions are a
//! 409 `bad_transition`; every change is audited with the state before and after. Listings show
//! key ids only, never keys or tokens, and the fingerprint words the phone shows, so an
//! administrator approving a pending device can check it is the one in the person's hand.

use super::{not_found, AdminActor};
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::{Row, Sql};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use qianpi_protocol::fingerprint::Fingerprint;
use serde::{Deserialize, Serialize};

/// A device as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = Device)]
pub struct DeviceView {
    /// Device id.
    pub id: String,
    /// The identity it is bound to.
    pub user_id: String,
    /// That identity's login.
    pub login: String,
    /// Their post.
    pub post: String,
    /// The device's name as the phone gave it.
    pub name: String,
    /// `android`, `ios`, `terminal`.
    pub platform: String,
    /// Assurance level.
    pub assurance: String,
    /// `pending`, `active`, `suspended`, `revoked` or `wipe_requested`.
    #[schema(schema_with = state_schema)]
    pub state: String,
    /// Request key id (`dk_…`).
    pub request_key_id: String,
    /// Approval key id (`ak_…`).
    pub approval_key_id: String,
    /// When it was bound.
    pub created_at: String,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// 设备指纹词 — the words the phone shows after activation, from both device keys
    /// ([`qianpi_protocol::fingerprint`]): compare them with the person before approving.
    #[serde(default)]
    #[schema(required = true)]
    pub fingerprint_words: Vec<String>,
    /// The same fingerprint as six three-digit numbers (`042 218 …`).
    #[serde(default)]
    #[schema(required = true)]
    pub fingerprint_digits: String,
}

/// The states a device may be in, as [`DeviceView::state`] names them.
const STATES: [&str; 5] = [
    "pending",
    "active",
    "suspended",
    "revoked",
    "wipe_requested",
];

/// [`DeviceView::state`]'s schema: one of [`STATES`].
fn state_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some("The device's state."))
        .enum_values(Some(STATES))
        .build()
}

/// What an administrator does to a device (named in lower case in paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Transition {
    /// pending → active.
    Approve,
    /// active → suspended.
    Suspend,
    /// suspended → active.
    Resume,
    /// any state but revoked → revoked.
    Revoke,
    /// pending, active or suspended → wipe_requested.
    Wipe,
}

impl Transition {
    /// Parses the action's name as paths and the command line spell it.
    pub fn parse(name: &str) -> Option<Transition> {
        match name {
            "approve" => Some(Transition::Approve),
            "suspend" => Some(Transition::Suspend),
            "resume" => Some(Transition::Resume),
            "revoke" => Some(Transition::Revoke),
            "wipe" => Some(Transition::Wipe),
            _ => None,
        }
    }

    /// The states it may start from.
    fn sources(self) -> &'static [&'static str] {
        match self {
            Transition::Approve => &["pending"],
            Transition::Suspend => &["active"],
            Transition::Resume => &["suspended"],
            Transition::Revoke => &["pending", "active", "suspended", "wipe_requested"],
            Transition::Wipe => &["pending", "active", "suspended"],
        }
    }

    /// The state it leads to.
    fn to_state(self) -> &'static str {
        match self {
            Transition::Approve | Transition::Resume => "active",
            Transition::Suspend => "suspended",
            Transition::Revoke => "revoked",
            Transition::Wipe => "wipe_requested",
        }
    }

    /// The audit kind.
    fn kind(self) -> &'static str {
        match self {
            Transition::Approve => "device.approved",
            Transition::Suspend => "device.suspended",
            Transition::Resume => "device.resumed",
            Transition::Revoke => "device.revoked",
            Transition::Wipe => "device.wipe_requested",
        }
    }
}

const COLUMNS: &str = "d.id, d.user_id, u.login, u.post, d.name, d.platform, d.assurance, d.state,
     d.request_key_id, d.approval_key_id, d.created_at, d.revoked_at, u.unit_id";

fn view(r: &Row) -> Result<DeviceView, ApiError> {
    let (request_key_id, approval_key_id) = (r.text(8)?, r.text(9)?);
    let print = Fingerprint::from_key_ids(&request_key_id, &approval_key_id);
    Ok(DeviceView {
        fingerprint_words: print.map(|f| f.words()).unwrap_or_default(),
        fingerprint_digits: print.map(|f| f.digits()).unwrap_or_default(),
        id: r.text(0)?,
        user_id: r.text(1)?,
        login: r.text(2)?,
        post: r.text(3)?,
        name: r.text(4)?,
        platform: r.text(5)?,
        assurance: r.text(6)?,
        state: r.text(7)?,
        request_key_id,
        approval_key_id,
        created_at: r.text(10)?,
        revoked_at: r.opt_text(11)?,
    })
}

/// The devices of `unit_id`'s people.
pub async fn list_devices(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
) -> Result<Vec<DeviceView>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        sql.query(
            &format!(
                "SELECT {COLUMNS} FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE u.unit_id = ?1 ORDER BY d.created_at, d.id"
            ),
            args![&unit_id],
        )?
        .iter()
        .map(view)
        .collect()
    })
    .await
}

/// Applies `transition` to device `device_id` (of `unit_id` when given).
pub async fn transition(
    db: &Db,
    actor: &AdminActor,
    unit_id: Option<&str>,
    device_id: &str,
    transition: Transition,
    now: DateTime<Utc>,
) -> Result<DeviceView, ApiError> {
    let (actor, unit_id, device_id) = (
        actor.clone(),
        unit_id.map(str::to_owned),
        device_id.to_owned(),
    );
    db.tx(move |sql| apply(sql, &actor, unit_id.as_deref(), &device_id, transition, now))
        .await
}

fn apply(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: Option<&str>,
    device_id: &str,
    transition: Transition,
    now: DateTime<Utc>,
) -> Result<DeviceView, ApiError> {
    if let Some(unit) = unit_id {
        actor.check_unit(sql, unit)?;
    }
    let lock = sql.dialect().for_update();
    let row = sql
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE d.id = ?1{}",
                // PostgreSQL locks the rows of both tables; only the device row matters.
                if lock.is_empty() {
                    ""
                } else {
                    " FOR UPDATE OF d"
                }
            ),
            args![device_id],
        )?
        .filter(|r| {
            r.text(12).is_ok_and(|device_unit| {
                actor.may_administer(&device_unit) && unit_id.is_none_or(|u| u == device_unit)
            })
        })
        .ok_or_else(|| not_found("no_such_device", format!("no device {device_id}")))?;
    let device_unit = row.text(12)?;
    let mut device = view(&row)?;
    let from = device.state.clone();
    if !transition.sources().contains(&from.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "bad_transition",
            format!("a {from} device cannot become {}", transition.to_state()),
        ));
    }
    let to = transition.to_state();
    if transition == Transition::Revoke {
        let at = now.to_rfc3339();
        sql.execute(
            "UPDATE devices SET state = ?1, revoked_at = ?2 WHERE id = ?3",
            args![to, &at, device_id],
        )?;
        device.revoked_at = Some(at);
    } else {
        sql.execute(
            "UPDATE devices SET state = ?1 WHERE id = ?2",
            args![to, device_id],
        )?;
    }
    device.state = to.to_owned();
    actor.audit(
        sql,
        Some(&device_unit),
        transition.kind(),
        device_id,
        serde_json::json!({ "from": from, "to": to, "user_id": device.user_id }),
        now,
    )?;
    Ok(device)
}
