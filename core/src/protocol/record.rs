//! Signed command records: what a person decided on the phone, signed by the device's approval key
//! (ASK), chained per device by a counter and the hash of the previous record.
//!
//! The signature covers the exact payload bytes that travel, so neither side ever re-serialises
//! before verifying. (The COSE_Sign1 / deterministic-CBOR envelope of security.md replaces the JSON
//! payload without changing this shape.)

use crate::crypto::{self, CryptoError};
use crate::workflow::Command;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Version of the record format.
pub const RECORD_VERSION: u8 = 1;
/// The crypto suite of records signed with P-256 ECDSA over SHA-256.
pub const SUITE_P256: &str = "p256-sha256";

/// Errors decoding or verifying a signed command.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    /// The payload or signature is not valid base64, or the payload is not a record.
    #[error("the command record is malformed: {0}")]
    Malformed(String),
    /// The signature does not verify under the device's approval key.
    #[error("the command record's signature is invalid: {0}")]
    Signature(#[from] CryptoError),
    /// The envelope's command id differs from the signed one.
    #[error("the command id outside the record differs from the signed one")]
    CommandIdMismatch,
}

/// The signed content of one command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// Record format version.
    pub v: u8,
    /// Crypto suite id.
    pub suite: String,
    /// UUIDv7 command id; the idempotency key.
    pub command_id: String,
    /// The unit (tenant).
    pub tenant: String,
    /// The instance acted on.
    pub instance_id: String,
    /// The instance version the person saw when deciding.
    pub instance_version: u64,
    /// The workflow command, with its opinion.
    pub command: Command,
    /// Who decided.
    pub signer_user_id: String,
    /// 代签 — the leader the signer (a secretary) entered this command for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_for: Option<String>,
    /// Key id of the approval key that signed.
    pub approval_key_id: String,
    /// Per-device counter, starting at 1, one per record.
    pub counter: u64,
    /// The device's (server-adjusted) clock when the person decided.
    pub created_at: DateTime<Utc>,
    /// Base64 SHA-256 of the previous record's payload; empty for the first.
    pub prev_record_hash: String,
}

impl CommandRecord {
    /// The bytes that get signed and sent.
    pub fn to_payload(&self) -> Result<Vec<u8>, RecordError> {
        serde_json::to_vec(self).map_err(|e| RecordError::Malformed(e.to_string()))
    }
}

/// A record as it travels: the payload bytes and their raw `r||s` signature, both base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCommand {
    /// The command id (a copy of the signed one, for routing and idempotency before decoding).
    pub command_id: String,
    /// Base64 of the record payload.
    pub payload: String,
    /// Base64 of the raw P-256 signature over the payload bytes.
    pub signature: String,
}

impl SignedCommand {
    /// Builds the envelope from payload bytes and a raw signature.
    pub fn new(command_id: &str, payload: &[u8], raw_signature: &[u8]) -> SignedCommand {
        SignedCommand {
            command_id: command_id.to_owned(),
            payload: STANDARD.encode(payload),
            signature: STANDARD.encode(raw_signature),
        }
    }

    /// The payload bytes.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, RecordError> {
        STANDARD
            .decode(&self.payload)
            .map_err(|e| RecordError::Malformed(e.to_string()))
    }

    /// Base64 SHA-256 of the payload: what the next record names as `prev_record_hash`.
    pub fn record_hash(&self) -> Result<String, RecordError> {
        Ok(STANDARD.encode(crypto::sha256(&self.payload_bytes()?)))
    }

    /// Verifies the signature under `approval_key_spki` and decodes the record.
    pub fn verify(&self, approval_key_spki: &[u8]) -> Result<CommandRecord, RecordError> {
        let payload = self.payload_bytes()?;
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|e| RecordError::Malformed(e.to_string()))?;
        crypto::verify_p256(approval_key_spki, &payload, &signature)?;
        let record: CommandRecord =
            serde_json::from_slice(&payload).map_err(|e| RecordError::Malformed(e.to_string()))?;
        if record.command_id != self.command_id {
            return Err(RecordError::CommandIdMismatch);
        }
        Ok(record)
    }
}
