//! The authority: each pushed command is verified (COSE signature under the approval key, signer,
//! approval key id, task and summary fields, device chain, time) and decided by core's workflow on
//! the authoritative instance. Instance, trace record, verdict, device chain, audit entry and
//! change-feed rows are written in one transaction; the verdict is stored under the command id so a
//! resent command gets the same answer and changes nothing. Every verdict carries the gateway's
//! signed receipt.
//!
//! A device's records form a chain (counter and previous hash, [`chain`]). A record whose
//! predecessor has not arrived is held, not applied out of order; when the predecessor is decided,
//! the held records that now follow it are decided in turn, in the same transaction. What a
//! record's time must satisfy is in [`time`]. A pushed batch is decided in one transaction,
//! each command in a savepoint ([`batch`]).

mod batch;
mod chain;
mod time;

pub use batch::{decide_batch, BatchOutcome};

use crate::audit::Event;
use crate::auth::AuthedDevice;
use crate::blobs::opinion_files;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::feed::append_change;
use crate::instances::{load_instance, publish_departures, save_instance, standing_delegations};
use crate::refusals::{misattributed, refused, unverified_reason, with_receipt};
use crate::sql::args;
use crate::sql::Sql;
use batch::Audits;
use chain::{hold, load_chain, release_held, Chain};
use chrono::{DateTime, Utc};
use qianpi_domain::model::SecrecyLevel;
use qianpi_domain::workflow::{
    self, Actor, Env, Instance, Outcome, ProcessDefinition, Roles, StandingDelegation, Submission,
};
use qianpi_protocol::record::{attachments_hash, document_hash};
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::{Change, CommandRecord, CommandVerdict, SignedCommand, VerdictOutcome};

/// What became of a pushed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Decided (now, or earlier and stored), with the gateway's signed receipt.
    Verdict(CommandVerdict),
    /// Held until the device's earlier record arrives; no verdict yet. The command id.
    Held(String),
}

/// Decides one command for `device` inside the caller's transaction; `key` signs the receipt.
/// The audit entries of what it decided go to `audits`, for the caller to write.
fn decide_command(
    sql: &mut dyn Sql,
    key: &GatewayKey,
    device: &AuthedDevice,
    signed: &SignedCommand,
    now: DateTime<Utc>,
    audits: &mut Audits,
) -> Result<Decision, ApiError> {
    let chain = load_chain(sql, &device.device_id)?;
    // Refusals that never reach the chain are not stored: signed here, on their way out.
    let answer = |instance_id: &str, verdict| {
        with_receipt(key, &device.device_id, signed, instance_id, verdict).map(Decision::Verdict)
    };
    if let Some(previous) = stored_verdict(sql, device, &signed.command_id)? {
        // Idempotent: the same verdict again, nothing changed.
        return answer("", previous);
    }
    let record = match signed.verify(&chain.approval_spki) {
        Ok(record) => record,
        Err(error) => {
            let reason = unverified_reason(&error);
            return answer("", refused(signed, "", reason, now));
        }
    };
    let task_id = record.command.task_id().unwrap_or_default().to_owned();
    let instance_id = record.instance_id.as_str();
    if let Some(reason) = misattributed(&record, device, &chain.approval_key_id) {
        return answer(instance_id, refused(signed, &task_id, reason, now));
    }
    // The opinion's handwriting or voice must be here, from its signer, before the record is
    // decided. Not stored and the chain not spent: the phone uploads the file and sends the
    // same record again.
    if let Some(reason) = opinion_files::missing(sql, &device.user_id, &record.command)? {
        return answer(instance_id, refused(signed, &task_id, reason, now));
    }
    // The counter comes from the network: one the chain's column cannot hold, or one that would
    // leave no next counter, can never be a real device's next link.
    let counter = i64::try_from(record.device.counter)
        .ok()
        .filter(|c| *c < i64::MAX);
    let Some(counter) = counter else {
        let reason = (
            "bad_counter",
            "审批记录序号超出范围",
            "the record counter is out of range",
        );
        return answer(instance_id, refused(signed, &task_id, reason, now));
    };
    let next_counter = chain
        .last_counter
        .checked_add(1)
        .ok_or_else(|| ApiError::internal("the device's record counter is exhausted"))?;
    if counter <= chain.last_counter {
        let reason = (
            "counter_reused",
            "审批记录序号重复",
            "this device already used that record counter",
        );
        return answer(instance_id, refused(signed, &task_id, reason, now));
    }
    if counter > next_counter {
        hold(sql, device, counter, signed, now)?;
        return Ok(Decision::Held(signed.command_id.clone()));
    }
    if record.prev_record_hash != chain.last_hash {
        let reason = (
            "chain_broken",
            "审批记录链断裂",
            "the record does not follow the device's previous record",
        );
        return answer(instance_id, refused(signed, &task_id, reason, now));
    }
    let verdict = decide_link(sql, key, device, &chain, signed, &record, now, audits)?;
    // Records held behind this one may follow now.
    release_held(
        sql,
        key,
        device,
        next_counter.saturating_add(1),
        now,
        audits,
    )?;
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

/// Decides the device's next chain link, then stores its verdict. The counter and the previous
/// hash advance whatever the verdict (the link is spent), but only an accepted record moves the
/// chain's clock ([`time::advanced`]): a refused record's claimed time is exactly what the
/// gateway did not believe, and letting it move the clock would let one future-dated record lock
/// out every honest one after it, or one back-dated record open the door to another.
#[allow(clippy::too_many_arguments)]
fn decide_link(
    sql: &mut dyn Sql,
    key: &GatewayKey,
    device: &AuthedDevice,
    chain: &Chain,
    signed: &SignedCommand,
    record: &CommandRecord,
    now: DateTime<Utc>,
    audits: &mut Audits,
) -> Result<CommandVerdict, ApiError> {
    let task_id = record.command.task_id().unwrap_or_default().to_owned();
    let verdict = match time::refusal(sql, &device.device_id, chain, record, now)? {
        Some(reason) => refused(signed, &task_id, reason, now),
        None => apply(sql, device, signed, record, &task_id, now)?,
    };
    let accepted = matches!(verdict.outcome, VerdictOutcome::Accepted { .. });
    let last_at = time::advanced(chain.last_at, record.time.created_at, accepted);
    let counter = i64::try_from(record.device.counter)
        .map_err(|_| ApiError::internal("a decided record's counter exceeds the chain's range"))?;
    sql.execute(
        "UPDATE devices SET last_counter = ?1, last_record_hash = ?2, last_record_at = ?3
         WHERE id = ?4",
        args![
            counter,
            signed
                .record_hash()
                .map_err(|e| ApiError::internal(e.to_string()))?,
            last_at.map(|at| at.to_rfc3339()),
            &device.device_id
        ],
    )?;
    let verdict = with_receipt(key, &device.device_id, signed, &record.instance_id, verdict)?;
    store_verdict(sql, device, &verdict, now, audits)?;
    Ok(verdict)
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
    // The secrecy gate (domain.md): a flow whose document is classified never reaches a phone,
    // so no phone may act on it either, whatever task id it guessed.
    if flow.document.secrecy != SecrecyLevel::None {
        let reason = (
            "above_secrecy_gate",
            "涉密公文不能在移动端办理",
            "a classified document cannot be handled on a phone",
        );
        return Ok(refused(signed, task_id, reason, now));
    }
    if let Some(reason) = opinion_files::misdescribed(sql, &record.command)? {
        return Ok(refused(signed, task_id, reason, now));
    }
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
    if !people_of_unit(sql, &record.command, &device.unit_id)? {
        let reason = (
            "no_such_person",
            "指定的人员不在本单位",
            "the command names someone who is not a person of your unit",
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
            publish_departures(sql, &flow.instance, &next, &flow.definition, &flow.document)?;
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
        receipt: None,
    })
}

/// Stores a verdict under its command id, tells the device's user through the feed, and keeps its
/// audit entry for the end of the batch.
fn store_verdict(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    verdict: &CommandVerdict,
    now: DateTime<Utc>,
    audits: &mut Audits,
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
    audits.push(
        &Event {
            unit_id: Some(&device.unit_id),
            actor: &device.user_id,
            kind,
            subject: &device.device_id,
            detail,
        },
        now,
    );
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

/// Whether everyone the command hands work to (转交, 委派, 加签, 传阅) is a person of the unit: the
/// workflow knows ids only, and a task or read item for nobody would reach no feed.
fn people_of_unit(
    sql: &mut dyn Sql,
    command: &workflow::Command,
    unit_id: &str,
) -> Result<bool, ApiError> {
    use workflow::Command;
    let named: Vec<&String> = match command {
        Command::Transfer { to, .. } | Command::Delegate { to, .. } => vec![to],
        Command::AddSigner { signers, .. } => signers.iter().collect(),
        Command::Circulate { recipients, .. } => recipients.iter().collect(),
        _ => Vec::new(),
    };
    for person in named {
        let known = sql
            .query_opt(
                "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
                args![person, unit_id],
            )?
            .is_some();
        if !known {
            return Ok(false);
        }
    }
    Ok(true)
}
