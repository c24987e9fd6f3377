//! Refusals of pushed commands that the workflow never sees: records that do not verify, or that
//! cannot be this device's next link. Each has a stable code and a message in Chinese and English.

use crate::auth::AuthedDevice;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use qianpi_protocol::record::RecordError;
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::{
    CommandReceipt, CommandRecord, CommandVerdict, SignedCommand, VerdictOutcome,
};

/// A refusal's stable code, Chinese message and English message.
pub type Reason = (&'static str, &'static str, &'static str);

/// A refused verdict for `signed`.
pub fn refused(
    signed: &SignedCommand,
    task_id: &str,
    (code, zh, en): Reason,
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
        receipt: None,
    }
}

/// `verdict` with the gateway's signed receipt of it, for the device that pushed `signed`
/// (a verdict that already carries one keeps it: a resent command gets the same answer).
pub fn with_receipt(
    key: &GatewayKey,
    device_id: &str,
    signed: &SignedCommand,
    instance_id: &str,
    mut verdict: CommandVerdict,
) -> Result<CommandVerdict, ApiError> {
    if verdict.receipt.is_some() {
        return Ok(verdict);
    }
    let (accepted, code, instance_version) = verdict.outcome.receipt_terms();
    let receipt = CommandReceipt {
        command_id: verdict.command_id.clone(),
        device_id: device_id.to_owned(),
        // A record too damaged to decode has no link to name.
        record_hash: signed.record_hash().unwrap_or_default(),
        accepted,
        code: code.map(str::to_owned),
        instance_id: instance_id.to_owned(),
        instance_version,
        decided_at: verdict.decided_at,
    };
    verdict.receipt = Some(
        key.sign(&receipt)
            .map_err(|e| ApiError::internal(format!("signing a receipt failed: {e}")))?,
    );
    Ok(verdict)
}

/// The refusal for a record that does not verify: a bad signature, a format or suite this gateway
/// does not know, or anything else malformed.
pub fn unverified_reason(error: &RecordError) -> Reason {
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
pub fn misattributed(
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
