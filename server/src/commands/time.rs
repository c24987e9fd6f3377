//! When a record says it was made, and whether the gateway can believe it: not in the future, not
//! before the device was bound or before its previous record (a chain's clock never runs
//! backwards), and not before the signed checkpoint it names (security.md: a record older than
//! its checkpoint is refused). A record that names no checkpoint must have been made before the
//! device's first one: inbox data and a checkpoint always travel in the same pull answer.

use super::chain::Chain;
use crate::args;
use crate::error::ApiError;
use crate::refusals::Reason;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_core::protocol::CommandRecord;

/// How far ahead of the gateway's clock a record's time may be (the phone corrects its clock by
/// the gateway's offset, so only a small tolerance is needed); also the slack of every other
/// comparison of a record's time.
pub(super) const TOLERANCE_SECS: i64 = 60;

/// Why the record's time cannot be believed, if it cannot.
pub(super) fn refusal(
    sql: &mut dyn Sql,
    device_id: &str,
    chain: &Chain,
    record: &CommandRecord,
    now: DateTime<Utc>,
) -> Result<Option<Reason>, ApiError> {
    let at = record.time.created_at;
    if (at - now).num_seconds() > TOLERANCE_SECS {
        return Ok(Some((
            "from_future",
            "审批时间晚于服务器时间",
            "the record claims a time in the future",
        )));
    }
    let tolerance = chrono::Duration::seconds(TOLERANCE_SECS);
    if at + tolerance < chain.bound_at || chain.last_at.is_some_and(|last| at + tolerance < last) {
        return Ok(Some((
            "back_dated",
            "审批时间早于设备绑定或上一条审批记录",
            "the record claims a time before the device was bound or before its previous record",
        )));
    }
    checkpoint_refusal(sql, device_id, record)
}

fn checkpoint_refusal(
    sql: &mut dyn Sql,
    device_id: &str,
    record: &CommandRecord,
) -> Result<Option<Reason>, ApiError> {
    let at = record.time.created_at.timestamp();
    let named = &record.time.checkpoint_hash;
    if named.is_empty() {
        let first = sql
            .query_one(
                "SELECT MIN(issued_unix) FROM checkpoints WHERE device_id = ?1",
                args![device_id],
            )?
            .opt_int(0)?;
        return Ok(first.filter(|first| at - TOLERANCE_SECS > *first).map(|_| {
            (
                "checkpoint_missing",
                "审批记录未引用设备已收到的检查点",
                "the record names no checkpoint although the device had received one",
            )
        }));
    }
    let issued = sql
        .query_opt(
            "SELECT issued_unix FROM checkpoints WHERE hash = ?1 AND device_id = ?2",
            args![named, device_id],
        )?
        .map(|row| row.int(0))
        .transpose()?;
    Ok(match issued {
        None => Some((
            "unknown_checkpoint",
            "审批记录引用的检查点不是本网关签发给本设备的",
            "the record names a checkpoint this gateway never issued to this device",
        )),
        Some(issued) if at + TOLERANCE_SECS < issued => Some((
            "before_checkpoint",
            "审批时间早于其引用的检查点",
            "the record claims a time before the checkpoint it names",
        )),
        Some(_) => None,
    })
}
