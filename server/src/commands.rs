//! The authority: each pushed command is verified (COSE signature under the approval key, signer,
//! approval key id, task and summary fields, device chain) and decided by core's workflow on the
//! authoritative instance. Instance, trace record, verdict, device chain and change-feed rows are
//! written in one transaction, and the verdict is stored under the command id so a resent command
//! gets the same answer and changes nothing.

use crate::auth::AuthedDevice;
use crate::db::{append_change, decode, encode, load_instance, save_instance};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use qianpi_core::protocol::record::RecordError;
use qianpi_core::protocol::{Change, CommandRecord, CommandVerdict, SignedCommand, VerdictOutcome};
use qianpi_core::workflow::{
    self, Actor, Env, Instance, Outcome, ProcessDefinition, Roles, StandingDelegation, Submission,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// How far ahead of the gateway's clock a record's time may be (the phone corrects its clock by
/// the gateway's offset, so only a small tolerance is needed).
const FUTURE_TOLERANCE_SECS: i64 = 60;

/// Decides one command for `device`, returning its verdict (stored, or the one stored before).
pub fn decide_command(
    conn: &mut Connection,
    device: &AuthedDevice,
    signed: &SignedCommand,
    now: DateTime<Utc>,
) -> Result<CommandVerdict, ApiError> {
    let tx = conn.transaction()?;
    let previous: Option<(String, String)> = tx
        .query_row(
            "SELECT device_id, body FROM verdicts WHERE command_id = ?1",
            [&signed.command_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((owner, body)) = previous {
        if owner != device.device_id {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "command_id_taken",
                "this command id belongs to another device",
            ));
        }
        // Idempotent: the same verdict again, nothing changed.
        return decode(&body);
    }
    let verdict = match verify_and_decide(&tx, device, signed, now)? {
        Decided::Verdict(verdict) => verdict,
        // Not even attributable to this device's chain: answer, but store nothing.
        Decided::Unverified(verdict) => return Ok(verdict),
    };
    tx.execute(
        "INSERT INTO verdicts (command_id, device_id, body) VALUES (?1, ?2, ?3)",
        params![verdict.command_id, device.device_id, encode(&verdict)?],
    )?;
    append_change(
        &tx,
        &device.user_id,
        &Change::Verdict {
            verdict: verdict.clone(),
        },
    )?;
    tx.commit()?;
    Ok(verdict)
}

enum Decided {
    Verdict(CommandVerdict),
    Unverified(CommandVerdict),
}

fn refused(
    signed: &SignedCommand,
    task_id: &str,
    code: &str,
    zh: &str,
    en: &str,
    now: DateTime<Utc>,
) -> CommandVerdict {
    CommandVerdict {
        command_id: signed.command_id.clone(),
        task_id: task_id.to_owned(),
        outcome: VerdictOutcome::Refused {
            code: code.to_owned(),
            message_zh: zh.to_owned(),
            message_en: en.to_owned(),
            current_version: None,
        },
        decided_at: now,
    }
}

fn verify_and_decide(
    tx: &Transaction<'_>,
    device: &AuthedDevice,
    signed: &SignedCommand,
    now: DateTime<Utc>,
) -> Result<Decided, ApiError> {
    let (approval_spki, approval_key_id, last_counter, last_hash): (Vec<u8>, String, i64, String) =
        tx.query_row(
            "SELECT approval_key_spki, approval_key_id, last_counter, last_record_hash FROM devices WHERE id = ?1",
            [&device.device_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    let record = match signed.verify(&approval_spki) {
        Ok(record) => record,
        Err(error) => {
            let (code, zh, en) = unverified_reason(&error);
            return Ok(Decided::Unverified(refused(signed, "", code, zh, en, now)));
        }
    };
    let task_id = &record.command.task_id().unwrap_or_default().to_owned();
    if let Some((code, zh, en)) = misattributed(&record, device, &approval_key_id) {
        return Ok(Decided::Unverified(refused(
            signed, task_id, code, zh, en, now,
        )));
    }
    let counter = i64::try_from(record.device.counter).unwrap_or(i64::MAX);
    if counter <= last_counter {
        let v = refused(
            signed,
            task_id,
            "counter_reused",
            "审批记录序号重复",
            "this device already used that record counter",
            now,
        );
        return Ok(Decided::Unverified(v));
    }
    if counter == last_counter + 1 && record.prev_record_hash != last_hash {
        let v = refused(
            signed,
            task_id,
            "chain_broken",
            "审批记录链断裂",
            "the record does not follow the device's previous record",
            now,
        );
        return Ok(Decided::Unverified(v));
    }
    // From here on the record is this device's next link: the chain advances whatever the verdict.
    tx.execute(
        "UPDATE devices SET last_counter = ?1, last_record_hash = ?2 WHERE id = ?3",
        params![
            counter,
            signed
                .record_hash()
                .map_err(|e| ApiError::internal(e.to_string()))?,
            device.device_id
        ],
    )?;
    if (record.time.created_at - now).num_seconds() > FUTURE_TOLERANCE_SECS {
        let v = refused(
            signed,
            task_id,
            "from_future",
            "审批时间晚于服务器时间",
            "the record claims a time in the future",
            now,
        );
        return Ok(Decided::Verdict(v));
    }
    let loaded =
        load_instance(tx, &record.instance_id)?.filter(|(unit, ..)| unit == &device.unit_id);
    let Some((_, instance, definition, document)) = loaded else {
        let v = refused(
            signed,
            task_id,
            "no_such_instance",
            "流程不存在",
            "no such flow in your unit",
            now,
        );
        return Ok(Decided::Verdict(v));
    };
    let (actor, delegations) = load_actor(tx, &device.user_id, &device.unit_id)?;
    let submission = Submission {
        command_id: record.command_id.clone(),
        actor,
        acting_for: record.acting_for.clone(),
        base_version: record.instance_version,
        command: record.command.clone(),
        at: record.time.created_at,
    };
    let env = Env {
        definition: &definition,
        delegations: &delegations,
    };
    let outcome = match workflow::execute(env, &instance, &submission) {
        Ok(Outcome::Applied {
            instance: next,
            record: trace,
        }) => {
            save_instance(tx, &next, &definition, &document)?;
            tx.execute(
                "INSERT INTO trace (instance_id, command_id, actor, device_id, body, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![next.id, record.command_id, device.user_id, device.device_id, encode(&trace)?, now.to_rfc3339()],
            )?;
            accepted(&next, &definition)
        }
        // The workflow saw this command id before (another path delivered it): same answer.
        Ok(Outcome::Duplicate { .. }) => accepted(&instance, &definition),
        Err(rejection) => {
            VerdictOutcome::refused_by_rule(rejection.code, rejection.current_version)
        }
    };
    Ok(Decided::Verdict(CommandVerdict {
        command_id: signed.command_id.clone(),
        task_id: task_id.clone(),
        outcome,
        decided_at: now,
    }))
}

/// A refusal's stable code, Chinese message and English message.
type Reason = (&'static str, &'static str, &'static str);

/// The refusal for a record that does not verify: a bad signature, a format or suite this gateway
/// does not know, or anything else malformed.
fn unverified_reason(error: &RecordError) -> Reason {
    match error {
        RecordError::Signature(_) => (
            "bad_record_signature",
            "审批记录签名无效",
            "the approval record's signature does not verify",
        ),
        RecordError::UnsupportedAlgorithm
        | RecordError::UnsupportedVersion(_)
        | RecordError::UnsupportedSuite(_) => (
            "unsupported_record",
            "审批记录的格式或密码套件不受支持",
            "the approval record's format or crypto suite is not supported",
        ),
        _ => (
            "malformed_record",
            "审批记录格式错误",
            "the approval record is malformed",
        ),
    }
}

/// Why a verified record cannot be this device's next link, if it cannot: another signer or unit,
/// another approval key, or top-level fields that say something other than the command.
fn misattributed(
    record: &CommandRecord,
    device: &AuthedDevice,
    approval_key_id: &str,
) -> Option<Reason> {
    if record.signer.user_id != device.user_id
        || record.signer.identity.user_id != device.user_id
        || record.tenant != device.unit_id
        || record.signer.identity.unit_id != device.unit_id
    {
        return Some((
            "signer_mismatch",
            "审批人与设备绑定用户不符",
            "the record was signed for another user",
        ));
    }
    if record.device.key_id != approval_key_id {
        return Some((
            "approval_key_mismatch",
            "审批记录所列签名密钥不是本设备的审批密钥",
            "the record names another approval key than this device's",
        ));
    }
    match record.inconsistency() {
        None => None,
        Some("task_id") => Some((
            "task_mismatch",
            "审批记录的待办与其指令不符",
            "the record's task differs from its command's task",
        )),
        Some(_) => Some((
            "record_inconsistent",
            "审批记录的摘要字段与其指令不符",
            "the record's summary fields disagree with its command",
        )),
    }
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
    tx: &Connection,
    user_id: &str,
    unit_id: &str,
) -> Result<(Actor, Vec<StandingDelegation>), ApiError> {
    let roles: String = tx.query_row("SELECT roles FROM users WHERE id = ?1", [user_id], |r| {
        r.get(0)
    })?;
    let roles: Roles = decode(&roles)?;
    let mut statement = tx.prepare(
        "SELECT body FROM standing_delegations WHERE unit_id = ?1 AND revoked_at IS NULL",
    )?;
    let delegations = statement
        .query_map([unit_id], |r| r.get::<_, String>(0))?
        .map(|body| decode::<StandingDelegation>(&body?))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        Actor {
            user: user_id.to_owned(),
            roles,
        },
        delegations,
    ))
}
