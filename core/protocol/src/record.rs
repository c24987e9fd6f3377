//! Signed approval records (security.md, "Signed approval records"): what a person decided on the
//! phone, as a COSE_Sign1 (RFC 9052, ES256) over a deterministic-CBOR payload, signed by the
//! device's approval key (ASK) and chained per device by a counter and the hash of the previous
//! record.
//!
//! The payload is the fields of the security design plus the full workflow [`Command`] (the
//! gateway executes it) and `acting_for` (代签). Derived fields (`task_id`, `action`, `route`,
//! `opinion_hash`) repeat what the command says so that an auditor reading only the record's top
//! level sees what was decided; the gateway checks they agree ([`CommandRecord::inconsistency`]).
//!
//! The envelope (building, signing in two steps, verifying) is in `record/envelope.rs`:
//! [`CommandRecord::to_be_signed`], [`SignedCommand::assemble`], [`SignedCommand::verify`].

mod envelope;

pub use envelope::{SignedCommand, UnsignedRecord};

use super::cbor::{self, CborError};
use crate::crypto::{self, CryptoError};
use crate::model::{Document, Identity};
use crate::workflow::{Command, Instance};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Version of the record format (the first COSE / CBOR one).
pub const RECORD_VERSION: u8 = 1;
/// The crypto suite of records signed with P-256 ECDSA over SHA-256 (COSE ES256). The national
/// suite (SM2/SM3) will get its own id behind the same field.
pub const SUITE_P256: &str = "p256-sha256";
/// Version of the app that builds records, as records carry it.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Version of the policy a phone follows before its first checkpoint (the built-in defaults).
pub const POLICY_VERSION: u64 = 0;

/// Errors building, decoding or verifying a signed command.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    /// The record could not be encoded (building side).
    #[error("the command record could not be encoded: {0}")]
    Encoding(#[from] CborError),
    /// The envelope is not base64, not a COSE_Sign1 of our profile, or the payload is not a
    /// record.
    #[error("the command record is malformed: {0}")]
    Malformed(String),
    /// The signature does not verify under the device's approval key.
    #[error("the command record's signature is invalid: {0}")]
    Signature(#[from] CryptoError),
    /// The envelope or the payload is well-formed CBOR but not its one deterministic encoding.
    #[error("the command record is not in its deterministic encoding")]
    NotDeterministic,
    /// The COSE algorithm is not ES256.
    #[error("the command record is signed with an unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The record format version is not one this build knows.
    #[error("the command record has an unsupported format version {0}")]
    UnsupportedVersion(String),
    /// The crypto suite is not one this build knows.
    #[error("the command record uses an unsupported crypto suite {0:?}")]
    UnsupportedSuite(String),
    /// The envelope's command id differs from the signed one.
    #[error("the command id outside the record differs from the signed one")]
    CommandIdMismatch,
    /// The COSE key id differs from the signed `device.key_id`.
    #[error("the record's COSE key id differs from its signed device key id")]
    KeyIdMismatch,
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The signer's user id.
    pub user_id: String,
    /// The identity (person, post, unit) the signer acted in, as the gateway named it at
    /// activation.
    pub identity: Identity,
}

/// The signing device's place in its chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDevice {
    /// Key id of the approval key that signed (`ak_…`); also the COSE `kid`.
    pub key_id: String,
    /// Per-device counter, starting at 1, one per record.
    pub counter: u64,
}

/// When the person decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTime {
    /// The device's clock corrected by the offset last learned from the gateway.
    pub created_at: DateTime<Utc>,
    /// Milliseconds since the checkpoint named below was issued, by the device's corrected clock.
    pub since_checkpoint_ms: u64,
    /// [`super::Signed::hash`] of the last signed checkpoint the device received; empty before
    /// its first.
    pub checkpoint_hash: String,
}

/// The signed content of one command (the COSE payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// Record format version ([`RECORD_VERSION`]).
    pub v: u8,
    /// Crypto suite id ([`SUITE_P256`]).
    pub suite: String,
    /// UUIDv7 command id; the idempotency key.
    pub command_id: String,
    /// The unit (tenant).
    pub tenant: String,
    /// The instance acted on.
    pub instance_id: String,
    /// The instance version the person saw when deciding.
    pub instance_version: u64,
    /// The task (or read item) acted on; empty for a command on the whole instance.
    pub task_id: String,
    /// [`document_hash`] of the document as the person saw it.
    pub document_hash: String,
    /// [`attachments_hash`] of the document as the person saw it.
    pub attachments_hash: String,
    /// The command's stable name ([`Command::name`]).
    pub action: String,
    /// The route chosen ([`Command::route`]), if the command chooses one.
    pub route: Option<String>,
    /// [`opinion_hash`] of the command.
    pub opinion_hash: String,
    /// 委托 — the principal whose standing delegation sent the task to the signer, as the phone's
    /// copy of the instance says; none when the signer holds the task in their own right.
    pub on_behalf_of: Option<String>,
    /// Who signed.
    pub signer: Signer,
    /// The device and its counter.
    pub device: RecordDevice,
    /// When.
    pub time: RecordTime,
    /// [`SignedCommand::record_hash`] of the device's previous record; empty for the first.
    pub prev_record_hash: String,
    /// Version of the app that built the record ([`APP_VERSION`]).
    pub app_version: String,
    /// Version of the policy in force: the last checkpoint's ([`POLICY_VERSION`] before any).
    pub policy_version: u64,
    /// The workflow command itself, with its opinion: what the gateway executes.
    pub command: Command,
    /// 代签 — the leader the signer (a secretary) entered this command for.
    pub acting_for: Option<String>,
}

/// What the phone knows when a person acts, besides the command.
#[derive(Debug, Clone, Copy)]
pub struct RecordContext<'a> {
    /// The signer's identity (their user id and unit come from it).
    pub identity: &'a Identity,
    /// Key id of the device's approval key.
    pub approval_key_id: &'a str,
    /// The device counter this record takes.
    pub counter: u64,
    /// The hash of the device's previous record (empty for the first).
    pub prev_record_hash: &'a str,
    /// The device's corrected clock.
    pub created_at: DateTime<Utc>,
    /// The instance as the person saw it.
    pub instance: &'a Instance,
    /// The document as the person saw it.
    pub document: &'a Document,
    /// The last checkpoint the device received, if any.
    pub checkpoint: Option<CheckpointRef<'a>>,
}

/// The checkpoint a record is made under.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointRef<'a> {
    /// Its hash ([`super::Signed::hash`]).
    pub hash: &'a str,
    /// When the gateway issued it.
    pub issued_at: DateTime<Utc>,
    /// The version of the policy it carried.
    pub policy_version: u64,
}

impl CommandRecord {
    /// Builds the record of `command`, filling every derived field from `context`.
    pub fn new(
        command_id: String,
        command: Command,
        acting_for: Option<String>,
        context: RecordContext<'_>,
    ) -> Result<CommandRecord, RecordError> {
        let task_id = command.task_id().unwrap_or_default().to_owned();
        let user_id = &context.identity.user_id;
        let on_behalf_of = context
            .instance
            .task(&task_id)
            .and_then(|task| task.on_behalf_of.clone())
            .filter(|principal| principal != user_id);
        Ok(CommandRecord {
            v: RECORD_VERSION,
            suite: SUITE_P256.to_owned(),
            command_id,
            tenant: context.identity.unit_id.clone(),
            instance_id: context.instance.id.clone(),
            instance_version: context.instance.version,
            task_id,
            document_hash: document_hash(context.document),
            attachments_hash: attachments_hash(context.document)?,
            action: command.name().to_owned(),
            route: command.route().map(str::to_owned),
            opinion_hash: opinion_hash(&command)?,
            on_behalf_of,
            signer: Signer {
                user_id: user_id.clone(),
                identity: context.identity.clone(),
            },
            device: RecordDevice {
                key_id: context.approval_key_id.to_owned(),
                counter: context.counter,
            },
            time: RecordTime {
                created_at: context.created_at,
                since_checkpoint_ms: context.checkpoint.map_or(0, |c| {
                    u64::try_from((context.created_at - c.issued_at).num_milliseconds())
                        .unwrap_or(0)
                }),
                checkpoint_hash: context
                    .checkpoint
                    .map(|c| c.hash.to_owned())
                    .unwrap_or_default(),
            },
            prev_record_hash: context.prev_record_hash.to_owned(),
            app_version: APP_VERSION.to_owned(),
            policy_version: context
                .checkpoint
                .map_or(POLICY_VERSION, |c| c.policy_version),
            command,
            acting_for,
        })
    }

    /// The first derived field that disagrees with the command (`task_id`, `action`, `route`,
    /// `opinion_hash`), if any. A signer could sign such a record; the gateway refuses it rather
    /// than let the top level say something the command does not.
    pub fn inconsistency(&self) -> Option<&'static str> {
        if self.task_id != self.command.task_id().unwrap_or_default() {
            Some("task_id")
        } else if self.action != self.command.name() {
            Some("action")
        } else if self.route.as_deref() != self.command.route() {
            Some("route")
        } else if opinion_hash(&self.command).ok().as_deref() != Some(self.opinion_hash.as_str()) {
            Some("opinion_hash")
        } else {
            None
        }
    }
}

/// The hash of the current body version: the `sha256` the feed lists for the newest body version
/// of `document.body.versions` (the original's, never its PDF rendition's); empty if the document
/// has no body file yet. [`CommandRecord::new`] fills `document_hash` with it; a phone that holds
/// an older version than the newest then names the one it holds (the person read that one), and
/// the gateway, comparing with this, refuses the record as `document_changed`.
pub fn document_hash(document: &Document) -> String {
    document
        .current_body()
        .map(|body| body.sha256.clone())
        .unwrap_or_default()
}

/// The hash of the attachments the person saw: SHA-256 (lowercase hex) of the deterministic CBOR
/// array of the attachments' `sha256` strings, in the order the document lists them (the order of
/// 附件说明, so reordering counts as a change); empty if there are none. Length-prefixed CBOR
/// strings keep the concatenation unambiguous even for a malformed hash.
pub fn attachments_hash(document: &Document) -> Result<String, CborError> {
    if document.body.attachments.is_empty() {
        return Ok(String::new());
    }
    let hashes: Vec<&str> = document
        .body
        .attachments
        .iter()
        .map(|attachment| attachment.sha256.as_str())
        .collect();
    Ok(crypto::sha256_hex(&cbor::to_vec(&hashes)?))
}

/// SHA-256 (lowercase hex) of the deterministic CBOR of the command's opinion
/// ([`Command::opinion`]); empty when the command carries none.
pub fn opinion_hash(command: &Command) -> Result<String, CborError> {
    match command.opinion() {
        Some(opinion) => Ok(crypto::sha256_hex(&cbor::to_vec(opinion)?)),
        None => Ok(String::new()),
    }
}

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
