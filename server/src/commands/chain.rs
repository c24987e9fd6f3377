//! A device's chain of records as the gateway keeps it: read with the device row locked (so one
//! device's commands are decided one at a time, even across replicas), records held while their
//! predecessor is missing, and their release, in counter order, once the gap closes.

use super::batch::Audits;
use super::decide_link;
use crate::auth::AuthedDevice;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::SignedCommand;

/// Records a device may have held at once waiting for a missing predecessor.
const MAX_HELD: i64 = 256;

/// The device's chain as the gateway knows it.
pub(super) struct Chain {
    pub(super) approval_spki: Vec<u8>,
    pub(super) approval_key_id: String,
    pub(super) last_counter: i64,
    pub(super) last_hash: String,
    pub(super) last_at: Option<DateTime<Utc>>,
    pub(super) bound_at: DateTime<Utc>,
}

/// Reads the chain with the device row locked for the rest of the transaction.
pub(super) fn load_chain(sql: &mut dyn Sql, device_id: &str) -> Result<Chain, ApiError> {
    let lock = sql.dialect().for_update();
    let row = sql.query_one(
        &format!(
            "SELECT approval_key_spki, approval_key_id, last_counter, last_record_hash,
                    last_record_at, created_at FROM devices WHERE id = ?1{lock}"
        ),
        args![device_id],
    )?;
    let time = |text: String| {
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::internal("a stored time is damaged"))
    };
    Ok(Chain {
        approval_spki: row.blob(0)?,
        approval_key_id: row.text(1)?,
        last_counter: row.int(2)?,
        last_hash: row.text(3)?,
        last_at: row.opt_text(4)?.map(time).transpose()?,
        bound_at: time(row.text(5)?)?,
    })
}

/// Keeps a record whose predecessor has not arrived.
pub(super) fn hold(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    counter: i64,
    signed: &SignedCommand,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let held = sql
        .query_one(
            "SELECT count(*) FROM held_commands WHERE device_id = ?1",
            args![&device.device_id],
        )?
        .int(0)?;
    if held >= MAX_HELD {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "too_many_held",
            "too many records wait for an earlier one; send the device's records in order",
        ));
    }
    sql.execute(
        "INSERT INTO held_commands (device_id, counter, command_id, body, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        args![
            &device.device_id,
            counter,
            &signed.command_id,
            encode(signed)?,
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}

/// Decides the held records that now continue the chain, in counter order.
pub(super) fn release_held(
    sql: &mut dyn Sql,
    key: &GatewayKey,
    device: &AuthedDevice,
    mut next: i64,
    now: DateTime<Utc>,
    audits: &mut Audits,
) -> Result<(), ApiError> {
    while let Some(row) = sql.query_opt(
        "SELECT body FROM held_commands WHERE device_id = ?1 AND counter = ?2",
        args![&device.device_id, next],
    )? {
        sql.execute(
            "DELETE FROM held_commands WHERE device_id = ?1 AND counter = ?2",
            args![&device.device_id, next],
        )?;
        let signed: SignedCommand = decode(&row.text(0)?)?;
        let chain = load_chain(sql, &device.device_id)?;
        let Ok(record) = signed.verify(&chain.approval_spki) else {
            break;
        };
        // A held record that does not link is dropped: resent, it gets its refusal directly.
        if chain.last_counter.checked_add(1) != Some(next)
            || record.prev_record_hash != chain.last_hash
        {
            break;
        }
        decide_link(sql, key, device, &chain, &signed, &record, now, audits)?;
        let Some(following) = next.checked_add(1) else {
            break;
        };
        next = following;
    }
    Ok(())
}
