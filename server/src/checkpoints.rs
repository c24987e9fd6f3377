//! Signed checkpoints (security.md, device binding 4): every pull answer carries one, saying when
//! the gateway last saw the device and which offline limits hold for it (its unit's policy). The
//! phone stops creating approvals after `max_offline_block_secs` without a newer one and erases
//! itself after `max_offline_wipe_secs`; its records name the checkpoint they were made under, so
//! the gateway can refuse a record that claims a time before it ([`crate::commands`]).
//!
//! Checkpoints are stored (the gateway must recognise the hash a record names), but a device that
//! syncs every minute does not need a new one each time: one younger than [`REUSE_SECS`] under
//! the same policy is handed out again. The offline limits count in days, so five minutes of
//! staleness costs nothing, and the delta sync stays one read instead of a write.

use crate::actor::AdminActor;
use crate::auth::AuthedDevice;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::{Checkpoint, OfflinePolicy, Signed, UnopenedBodyRule};
use serde::{Deserialize, Serialize};

/// A checkpoint younger than this (under an unchanged policy) is handed out again.
pub const REUSE_SECS: i64 = 300;

/// What a pull needs to know before it touches the feed, read in one statement: the user's feed
/// head, the unit's policy, the device's newest checkpoint, and the version of the user's
/// 常用意见 book.
pub struct Glance {
    /// The newest sequence of the user's feed.
    pub head: i64,
    /// The unit's offline policy.
    pub policy: OfflinePolicy,
    /// The device's newest checkpoint, if it may be handed out again at `now`.
    pub reusable: Option<Signed<Checkpoint>>,
    /// The version of the user's 常用意见 book ([`crate::phrases::from_rows`]).
    pub phrases: String,
}

/// Reads the [`Glance`] for `device` in one statement (a delta sync with nothing new needs
/// nothing else).
pub fn glance(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    now: DateTime<Utc>,
) -> Result<Glance, ApiError> {
    let row = sql.query_one(
        "SELECT (SELECT last_seq FROM feed_heads WHERE user_id = ?1),
                (SELECT body FROM unit_policies WHERE unit_id = ?2),
                (SELECT signed FROM checkpoints WHERE device_id = ?3
                   ORDER BY issued_unix DESC LIMIT 1),
                (SELECT issued_unix FROM checkpoints WHERE device_id = ?3
                   ORDER BY issued_unix DESC LIMIT 1),
                (SELECT policy_version FROM checkpoints WHERE device_id = ?3
                   ORDER BY issued_unix DESC LIMIT 1),
                (SELECT body FROM phrases WHERE user_id = ?1),
                (SELECT version FROM phrases WHERE user_id = ?1),
                (SELECT body FROM unit_phrases WHERE unit_id = ?2)",
        args![&device.user_id, &device.unit_id, &device.device_id],
    )?;
    let policy: OfflinePolicy = row
        .opt_text(1)?
        .map(|body| decode(&body))
        .transpose()?
        .unwrap_or_default();
    let version = i64::try_from(policy.version).unwrap_or(i64::MAX);
    let reusable = match (row.opt_text(2)?, row.opt_int(3)?, row.opt_int(4)?) {
        (Some(signed), Some(issued), Some(issued_under))
            if now.timestamp() - issued < REUSE_SECS && issued_under == version =>
        {
            Some(Signed::from_base64(signed))
        }
        _ => None,
    };
    let phrases = crate::phrases::from_rows(row.opt_text(5)?, row.opt_int(6)?, row.opt_text(7)?)?;
    Ok(Glance {
        head: row.opt_int(0)?.unwrap_or(0),
        policy,
        reusable,
        phrases: phrases.version,
    })
}

/// Signs and stores a new checkpoint for `device` under `policy`.
pub fn issue(
    sql: &mut dyn Sql,
    key: &GatewayKey,
    device: &AuthedDevice,
    policy: OfflinePolicy,
    now: DateTime<Utc>,
) -> Result<Signed<Checkpoint>, ApiError> {
    let version = i64::try_from(policy.version).unwrap_or(i64::MAX);
    let checkpoint = Checkpoint {
        device_id: device.device_id.clone(),
        user_id: device.user_id.clone(),
        issued_at: now,
        policy,
    };
    let signed = key
        .sign(&checkpoint)
        .map_err(|e| ApiError::internal(format!("signing a checkpoint failed: {e}")))?;
    let hash = signed
        .hash()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    sql.execute(
        "INSERT INTO checkpoints (hash, device_id, issued_at, issued_unix, policy_version, signed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            &hash,
            &device.device_id,
            now.to_rfc3339(),
            now.timestamp(),
            version,
            signed.as_base64()
        ],
    )?;
    Ok(signed)
}

/// The offline policy of `unit_id`: its own, or the defaults.
pub fn unit_policy(sql: &mut dyn Sql, unit_id: &str) -> Result<OfflinePolicy, ApiError> {
    sql.query_opt(
        "SELECT body FROM unit_policies WHERE unit_id = ?1",
        args![unit_id],
    )?
    .map(|row| decode(&row.text(0)?))
    .transpose()
    .map(Option::unwrap_or_default)
}

/// A unit's policy as stored and as administrators see it: the offline policy its phones get
/// with each checkpoint, and the gateway's own rule for which phones may activate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPolicy {
    /// What phones get.
    #[serde(flatten)]
    pub offline: OfflinePolicy,
    /// Only phones whose keys attested as held by secure hardware (TEE, StrongBox, Secure
    /// Enclave) may activate; unattested and software-keyed devices are refused.
    #[serde(default)]
    pub require_hardware_keys: bool,
}

/// The whole policy of `unit_id` (the offline part and the activation rule).
pub fn whole_unit_policy(sql: &mut dyn Sql, unit_id: &str) -> Result<UnitPolicy, ApiError> {
    sql.query_opt(
        "SELECT body FROM unit_policies WHERE unit_id = ?1",
        args![unit_id],
    )?
    .map(|row| decode(&row.text(0)?))
    .transpose()
    .map(Option::unwrap_or_default)
}

/// A change of a unit's offline policy; absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    /// Days without a checkpoint after which phones become read-only.
    #[schema(minimum = 1, maximum = 4294967295_u64)]
    pub max_offline_block_days: Option<u32>,
    /// Days without a checkpoint after which phones erase themselves; not fewer than the block
    /// limit.
    #[schema(minimum = 1, maximum = 4294967295_u64)]
    pub max_offline_wipe_days: Option<u32>,
    /// Days finished items stay on phones.
    #[schema(minimum = 1, maximum = 4294967295_u64)]
    pub retention_days: Option<u32>,
    /// Minutes without use after which the app locks.
    #[schema(minimum = 1, maximum = 4294967295_u64)]
    pub inactivity_lock_minutes: Option<u32>,
    /// Approving a document whose body was never opened on the phone: allowed, warned (the shell
    /// asks for a confirmation) or refused on the phone.
    #[schema(inline)]
    pub unopened_body: Option<UnopenedBodyRule>,
    /// Only phones whose keys attested as held by secure hardware (TEE, StrongBox, Secure
    /// Enclave) may activate; unattested phones and software keys (the terminal shell included)
    /// are refused with 403 `hardware_keys_required`. Devices already bound stay.
    pub require_hardware_keys: Option<bool>,
}

const DAY_SECS: u64 = 24 * 3600;

/// Applies `change` to `unit_id`'s policy and gives it the next version; phones get it with
/// their next checkpoint. Refused when the limits make no sense (a wipe before the block, zeros).
pub async fn set_policy(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    change: PolicyChange,
    now: DateTime<Utc>,
) -> Result<UnitPolicy, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let mut whole = whole_unit_policy(sql, &unit_id)?;
        if let Some(required) = change.require_hardware_keys {
            whole.require_hardware_keys = required;
        }
        let policy = &mut whole.offline;
        if let Some(days) = change.max_offline_block_days {
            policy.max_offline_block_secs = u64::from(days) * DAY_SECS;
        }
        if let Some(days) = change.max_offline_wipe_days {
            policy.max_offline_wipe_secs = u64::from(days) * DAY_SECS;
        }
        if let Some(days) = change.retention_days {
            policy.retention_days = days;
        }
        if let Some(minutes) = change.inactivity_lock_minutes {
            policy.inactivity_lock_minutes = minutes;
        }
        if let Some(rule) = change.unopened_body {
            policy.unopened_body = rule;
        }
        check(policy)?;
        policy.version += 1;
        sql.execute(
            "INSERT INTO unit_policies (unit_id, body) VALUES (?1, ?2)
             ON CONFLICT (unit_id) DO UPDATE SET body = excluded.body",
            args![&unit_id, encode(&whole)?],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "policy.changed",
            &unit_id,
            serde_json::to_value(&whole).map_err(|e| ApiError::internal(e.to_string()))?,
            now,
        )?;
        Ok(whole)
    })
    .await
}

fn check(policy: &OfflinePolicy) -> Result<(), ApiError> {
    let invalid = |message: &str| ApiError::bad_request("invalid_policy", message.to_owned());
    if policy.max_offline_block_secs == 0 || policy.max_offline_wipe_secs == 0 {
        return Err(invalid("the offline limits must be at least one day"));
    }
    if policy.max_offline_wipe_secs < policy.max_offline_block_secs {
        return Err(invalid(
            "phones must become read-only before they erase themselves: the wipe limit must not be shorter than the block limit",
        ));
    }
    if policy.retention_days == 0 || policy.inactivity_lock_minutes == 0 {
        return Err(invalid(
            "retention and the inactivity lock must be at least one day and one minute",
        ));
    }
    Ok(())
}
