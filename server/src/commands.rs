//! The authority: each pushed command is verified (COSE signature under the approval key, signer,
//! approval key id, task and summary fields, device chain, time) and decided by core's workflow on
//! the authoritative instance. Instance, trace record, verdict, device chain, audit entry and
//! change-feed rows are written in one transaction; the verdict is stored under the command id so a
//! resent command gets the same answer and changes nothing.
//!
//! A device's records form a chain (counter and previous hash). A record whose predecessor has not
//! arrived is held, not applied out of order; when the predecessor is decided, the held records
//! that now follow it are decided in turn, in the same transaction.

use crate::args;
use crate::audit::{self, Event};
use crate::auth::AuthedDevice;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::feed::{append_change, load_instance, save_instance, standing_delegations};
use crate::refusals::{misattributed, refused, unverified_reason, Reason};
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_core::protocol::record::{attachments_hash, document_hash};
use qianpi_core::protocol::{Change, CommandRecord, CommandVerdict, SignedCommand, VerdictOutcome};
use qianpi_core::workflow::{
    self, Actor, Env, Instance, Outcome, ProcessDefinition, Roles, StandingDelegation, Submission,
};

/// How far ahead of the gateway's clock a record's time may be (the phone corrects its clock by
/// the gateway's offset, so only a small tolerance is needed).
const FUTURE_TOLERANCE_SECS: i64 = 60;
/// Records a device may have held at once waiting for a missing predecessor.
const MAX_HELD: i64 = 256;

/// What became of a pushed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Decided (now, or earlier and stored).
    Verdict(CommandVerdict),
    /// Held until the device's earlier record arrives; no verdict yet.
    Held,
}

/// The device's chain as the gateway knows it, read with the device row locked, so one device's
/// commands are decided one at a time even across replicas.
struct Chain {
    approval_spki: Vec<u8>,
    approval_key_id: String,
    last_counter: i64,
    last_hash: String,
    last_at: Option<DateTime<Utc>>,
    bound_at: DateTime<Utc>,
}

fn load_chain(sql: &mut dyn Sql, device_id: &str) -> Result<Chain, ApiError> {
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

/// Decides one command for `device` inside the caller's transaction.
pub fn decide_command(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    signed: &SignedCommand,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let chain = load_chain(sql, &device.device_id)?;
    if let Some(previous) = stored_verdict(sql, device, &signed.command_id)? {
        // Idempotent: the same verdict again, nothing changed.
        return Ok(Decision::Verdict(previous));
    }
    let record = match signed.verify(&chain.approval_spki) {
        Ok(record) => record,
        Err(error) => {
            let reason = unverified_reason(&error);
            return Ok(Decision::Verdict(refused(signed, "", reason, now)));
        }
    };
    let task_id = record.command.task_id().unwrap_or_default().to_owned();
    if let Some(reason) = misattributed(&record, device, &chain.approval_key_id) {
        return Ok(Decision::Verdict(refused(signed, &task_id, reason, now)));
    }
    let counter = i64::try_from(record.device.counter).unwrap_or(i64::MAX);
    if counter <= chain.last_counter {
        let reason = (
            "counter_reused",
            "审批记录序号重复",
            "this device already used that record counter",
        );
        return Ok(Decision::Verdict(refused(signed, &task_id, reason, now)));
    }
    if counter > chain.last_counter + 1 {
        hold(sql, device, counter, signed, now)?;
        return Ok(Decision::Held);
    }
    if record.prev_record_hash != chain.last_hash {
        let reason = (
            "chain_broken",
            "审批记录链断裂",
            "the record does not follow the device's previous record",
        );
        return Ok(Decision::Verdict(refused(signed, &task_id, reason, now)));
    }
    let verdict = decide_link(sql, device, &chain, signed, &record, now)?;
    // Records held behind this one may follow now.
    release_held(sql, device, counter + 1, now)?;
    Ok(Decision::Verdict(verdict))
}

/// The verdict stored for a command id, if any (a command id is this device's or nobody's).
fn stored_verdict(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    command_id: &str,
) -> Result<Option<CommandVerdict>, ApiError> {
    let Some(row) = sql.query_opt(
        "SELECT device_id, body FROM verdicts WHERE command_id = ?1",
        args![command_id],
    )?
    else {
        return Ok(None);
    };
    if row.text(0)? != device.device_id {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "command_id_taken",
            "this command id belongs to another device",
        ));
    }
    Ok(Some(decode(&row.text(1)?)?))
}

fn hold(
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
fn release_held(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    mut next: i64,
    now: DateTime<Utc>,
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
        if chain.last_counter + 1 != next || record.prev_record_hash != chain.last_hash {
            break;
        }
        decide_link(sql, device, &chain, &signed, &record, now)?;
        next += 1;
    }
    Ok(())
}

/// Decides the device's next chain link: advances the chain whatever the verdict, then stores it.
fn decide_link(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    chain: &Chain,
    signed: &SignedCommand,
    record: &CommandRecord,
    now: DateTime<Utc>,
) -> Result<CommandVerdict, ApiError> {
    sql.execute(
        "UPDATE devices SET last_counter = ?1, last_record_hash = ?2, last_record_at = ?3
         WHERE id = ?4",
        args![
            i64::try_from(record.device.counter).unwrap_or(i64::MAX),
            signed
                .record_hash()
                .map_err(|e| ApiError::internal(e.to_string()))?,
            record.time.created_at.to_rfc3339(),
            &device.device_id
        ],
    )?;
    let task_id = record.command.task_id().unwrap_or_default().to_owned();
    let verdict = match time_refusal(chain, record, now) {
        Some(reason) => refused(signed, &task_id, reason, now),
        None => apply(sql, device, signed, record, &task_id, now)?,
    };
    store_verdict(sql, device, &verdict, now)?;
    Ok(verdict)
}

/// Records claiming a time the gateway cannot believe: in the future, before the device was
/// bound, or before the device's previous record (a chain's clock never runs backwards).
fn time_refusal(chain: &Chain, record: &CommandRecord, now: DateTime<Utc>) -> Option<Reason> {
    let at = record.time.created_at;
    if (at - now).num_seconds() > FUTURE_TOLERANCE_SECS {
        return Some((
            "from_future",
            "审批时间晚于服务器时间",
            "the record claims a time in the future",
        ));
    }
    let tolerance = chrono::Duration::seconds(FUTURE_TOLERANCE_SECS);
    if at + tolerance < chain.bound_at || chain.last_at.is_some_and(|last| at + tolerance < last) {
        return Some((
            "back_dated",
            "审批时间早于设备绑定或上一条审批记录",
            "the record claims a time before the device was bound or before its previous record",
        ));
    }
    None
}

fn apply(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    signed: &SignedCommand,
    record: &CommandRecord,
    task_id: &str,
    now: DateTime<Utc>,
) -> Result<CommandVerdict, ApiError> {
    let flow = load_instance(sql, &record.instance_id, true)?
        .filter(|flow| flow.unit_id == device.unit_id);
    let Some(flow) = flow else {
        let reason = (
            "no_such_instance",
            "流程不存在",
            "no such flow in your unit",
        );
        return Ok(refused(signed, task_id, reason, now));
    };
    let saw_other_version = record.document_hash != document_hash(&flow.document)
        || attachments_hash(&flow.document).ok().as_deref() != Some(&record.attachments_hash);
    if saw_other_version {
        let reason = (
            "document_changed",
            "公文正文或附件已更新，请查看新版本后再办理",
            "the document or its attachments changed since the person saw them",
        );
        return Ok(refused(signed, task_id, reason, now));
    }
    let (actor, delegations) = load_actor(sql, &device.user_id, &device.unit_id)?;
    let submission = Submission {
        command_id: record.command_id.clone(),
        actor,
        acting_for: record.acting_for.clone(),
        base_version: record.instance_version,
        command: record.command.clone(),
        at: record.time.created_at,
    };
    let env = Env {
        definition: &flow.definition,
        delegations: &delegations,
    };
    let outcome = match workflow::execute(env, &flow.instance, &submission) {
        Ok(Outcome::Applied {
            instance: next,
            record: trace,
        }) => {
            save_instance(sql, &next, &flow.definition, &flow.document)?;
            sql.execute(
                "INSERT INTO trace (instance_id, command_id, actor, device_id, body, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![
                    &next.id,
                    &record.command_id,
                    &device.user_id,
                    &device.device_id,
                    encode(&trace)?,
                    now.to_rfc3339()
                ],
            )?;
            accepted(&next, &flow.definition)
        }
        // The workflow saw this command id before (another path delivered it): same answer.
        Ok(Outcome::Duplicate { .. }) => accepted(&flow.instance, &flow.definition),
        Err(rejection) => {
            VerdictOutcome::refused_by_rule(rejection.code, rejection.current_version)
        }
    };
    Ok(CommandVerdict {
        command_id: signed.command_id.clone(),
        task_id: task_id.to_owned(),
        outcome,
        decided_at: now,
    })
}

/// Stores a verdict under its command id, tells the device's user through the feed, and audits it.
fn store_verdict(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    verdict: &CommandVerdict,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sql.execute(
        "INSERT INTO verdicts (command_id, device_id, body) VALUES (?1, ?2, ?3)",
        args![&verdict.command_id, &device.device_id, encode(verdict)?],
    )?;
    append_change(
        sql,
        &device.user_id,
        &Change::Verdict {
            verdict: verdict.clone(),
        },
    )?;
    let (kind, detail) = match &verdict.outcome {
        VerdictOutcome::Accepted {
            instance_version, ..
        } => (
            "command.accepted",
            serde_json::json!({ "command_id": verdict.command_id, "task_id": verdict.task_id,
                                "instance_version": instance_version }),
        ),
        VerdictOutcome::Refused { code, .. } => (
            "command.refused",
            serde_json::json!({ "command_id": verdict.command_id, "task_id": verdict.task_id,
                                "code": code }),
        ),
    };
    audit::append(
        sql,
        &Event {
            unit_id: Some(&device.unit_id),
            actor: &device.user_id,
            kind,
            subject: &device.device_id,
            detail,
        },
        now,
    )?;
    Ok(())
}

/// The verdict for an accepted command: where the instance stands now.
fn accepted(instance: &Instance, definition: &ProcessDefinition) -> VerdictOutcome {
    let current_node_name = instance
        .current_node()
        .and_then(|id| definition.node(id))
        .map(|n| n.name.clone());
    VerdictOutcome::Accepted {
        instance_version: instance.version,
        instance_state: instance.state,
        current_node_name,
    }
}

/// The signer with their roles, and the unit's standing delegations, as the workflow needs them.
fn load_actor(
    sql: &mut dyn Sql,
    user_id: &str,
    unit_id: &str,
) -> Result<(Actor, Vec<StandingDelegation>), ApiError> {
    let roles: Roles = decode(
        &sql.query_one("SELECT roles FROM users WHERE id = ?1", args![user_id])?
            .text(0)?,
    )?;
    let delegations = standing_delegations(sql, unit_id)?;
    Ok((
        Actor {
            user: user_id.to_owned(),
            roles,
        },
        delegations,
    ))
}
