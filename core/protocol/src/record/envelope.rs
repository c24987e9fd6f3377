//! The COSE_Sign1 envelope of a record, in the profile of [`crate::cose`], where `kid`
//! is the UTF-8 of the approval key id.
//!
//! Signing is two steps because the approval key sits behind a platform trait that may wait for a
//! fingerprint: [`CommandRecord::to_be_signed`] gives the bytes to sign, the caller has them
//! signed with no lock held, and [`SignedCommand::assemble`] attaches the signature.
//!
//! Verification reads untrusted bytes: every failure is a typed [`RecordError`], and only one byte
//! form of a record is accepted (the chain hash is over those bytes).

use super::{CommandRecord, RecordError, RECORD_VERSION, SUITE_P256};
use crate::cbor::{self, CborError};
use crate::cose::{self, ProfileError, EXTERNAL_AAD};
use crate::crypto::{self, RAW_SIGNATURE_LEN};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ciborium::value::Value;
use coset::CoseSign1;
use serde::{Deserialize, Serialize};

/// A record encoded and ready to be signed.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsignedRecord {
    command_id: String,
    sign1: CoseSign1,
    to_be_signed: Vec<u8>,
}

impl UnsignedRecord {
    /// The bytes the approval key must sign (the COSE `Sig_structure`; ECDSA hashes them with
    /// SHA-256 itself).
    pub fn to_be_signed(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// The record's command id.
    pub fn command_id(&self) -> &str {
        &self.command_id
    }

    /// The deterministic-CBOR payload.
    pub fn payload(&self) -> &[u8] {
        self.sign1.payload.as_deref().unwrap_or_default()
    }
}

impl CommandRecord {
    /// Encodes the record and its envelope; the result says what to sign.
    pub fn to_be_signed(&self) -> Result<UnsignedRecord, RecordError> {
        let sign1 = cose::unsigned(self.device.key_id.as_bytes(), cbor::to_vec(self)?)
            .map_err(profile_error)?;
        Ok(UnsignedRecord {
            command_id: self.command_id.clone(),
            to_be_signed: sign1.tbs_data(EXTERNAL_AAD),
            sign1,
        })
    }

    /// Decodes a verified payload: deterministic CBOR, a known version and suite, and exactly the
    /// fields of a record (serde alone would skip unknown keys and read `null` for an absent
    /// option, giving one record several signed forms).
    fn from_payload(payload: &[u8]) -> Result<CommandRecord, RecordError> {
        let value = cbor::decode_deterministic(payload).map_err(|e| match e {
            CborError::NotDeterministic | CborError::DuplicateKey | CborError::Float => {
                RecordError::NotDeterministic
            }
            other => RecordError::Malformed(other.to_string()),
        })?;
        check_version_and_suite(&value)?;
        let record: CommandRecord =
            cbor::from_value(&value).map_err(|e| RecordError::Malformed(e.to_string()))?;
        if cbor::to_vec(&record)? != payload {
            return Err(RecordError::Malformed(
                "the payload holds fields outside the record format".into(),
            ));
        }
        Ok(record)
    }
}

/// A record as it travels in a JSON batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedCommand {
    /// The command id (a copy of the signed one, for routing and idempotency before decoding).
    pub command_id: String,
    /// Base64 (standard alphabet) of the tagged COSE_Sign1 bytes.
    pub cose: String,
}

impl SignedCommand {
    /// Attaches the approval key's raw `r||s` signature (convert a platform's DER signature with
    /// [`crypto::der_to_raw_signature`]) and encodes the envelope.
    pub fn assemble(
        unsigned: UnsignedRecord,
        raw_signature: &[u8; RAW_SIGNATURE_LEN],
    ) -> Result<SignedCommand, RecordError> {
        let mut sign1 = unsigned.sign1;
        sign1.signature = raw_signature.to_vec();
        let bytes = cose::to_bytes(sign1).map_err(profile_error)?;
        Ok(SignedCommand {
            command_id: unsigned.command_id,
            cose: STANDARD.encode(bytes),
        })
    }

    /// The COSE_Sign1 bytes.
    pub fn cose_bytes(&self) -> Result<Vec<u8>, RecordError> {
        STANDARD
            .decode(&self.cose)
            .map_err(|e| RecordError::Malformed(e.to_string()))
    }

    /// The chain link: base64 SHA-256 of what the signature covers (the COSE `Sig_structure`:
    /// headers and payload). The next record of the device names it as `prev_record_hash`.
    ///
    /// The signature itself stays out: an ECDSA signature can be re-written as another valid one
    /// (`s` → `n − s`), and a link that changed with it would let whoever relays a record break
    /// the device's chain without touching what was signed.
    pub fn record_hash(&self) -> Result<String, RecordError> {
        let sign1 = cose::parse_any(&self.cose_bytes()?).map_err(profile_error)?;
        Ok(STANDARD.encode(crypto::sha256(&sign1.tbs_data(EXTERNAL_AAD))))
    }

    /// Decodes the record without checking its signature: only for showing this phone's own
    /// queued commands, which it signed itself and keeps in its encrypted store. Anything
    /// received goes through [`SignedCommand::verify`].
    pub fn record_unverified(&self) -> Result<CommandRecord, RecordError> {
        let sign1 = cose::parse(&self.cose_bytes()?).map_err(profile_error)?;
        CommandRecord::from_payload(sign1.payload.as_deref().unwrap_or_default())
    }

    /// Checks the envelope, verifies the signature under `approval_key_spki`, and decodes the
    /// record.
    pub fn verify(&self, approval_key_spki: &[u8]) -> Result<CommandRecord, RecordError> {
        // One byte form per record: the chain hash is taken over these bytes.
        let sign1 = cose::parse(&self.cose_bytes()?).map_err(profile_error)?;
        let header = &sign1.protected.header;
        let payload = sign1.payload.as_deref().unwrap_or_default();
        sign1.verify_signature(EXTERNAL_AAD, |signature, to_be_signed| {
            crypto::verify_p256(approval_key_spki, to_be_signed, signature)
        })?;
        let record = CommandRecord::from_payload(payload)?;
        if record.device.key_id.as_bytes() != header.key_id.as_slice() {
            return Err(RecordError::KeyIdMismatch);
        }
        if record.command_id != self.command_id {
            return Err(RecordError::CommandIdMismatch);
        }
        Ok(record)
    }
}

/// A profile violation as a record error.
fn profile_error(error: ProfileError) -> RecordError {
    match error {
        ProfileError::NotDeterministic => RecordError::NotDeterministic,
        ProfileError::Algorithm => RecordError::UnsupportedAlgorithm,
        ProfileError::Headers => {
            RecordError::Malformed("the COSE headers are not the record profile's".into())
        }
        ProfileError::Detached => RecordError::Malformed("the payload is detached".into()),
        ProfileError::Malformed(reason) => RecordError::Malformed(reason),
    }
}

/// Refuses a payload of a version or suite this build does not know before reading its fields,
/// whose meaning the version defines.
fn check_version_and_suite(value: &Value) -> Result<(), RecordError> {
    let field = |name: &str| match value {
        Value::Map(entries) => entries
            .iter()
            .find(|(key, _)| key.as_text() == Some(name))
            .map(|(_, v)| v),
        _ => None,
    };
    match field("v") {
        Some(Value::Integer(v)) if i128::from(*v) == i128::from(RECORD_VERSION) => {}
        Some(Value::Integer(v)) => {
            return Err(RecordError::UnsupportedVersion(i128::from(*v).to_string()))
        }
        _ => return Err(RecordError::Malformed("the record has no version".into())),
    }
    match field("suite") {
        Some(Value::Text(suite)) if suite == SUITE_P256 => Ok(()),
        Some(Value::Text(suite)) => Err(RecordError::UnsupportedSuite(suite.clone())),
        _ => Err(RecordError::Malformed("the record names no suite".into())),
    }
}
