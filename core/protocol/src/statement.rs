//! Statements the gateway signs for the phones (security.md): receipts for decided commands,
//! checkpoints carrying the offline limits, notices, and wipe commands. Each is a COSE_Sign1 in
//! the profile of [`super::cose`] over the deterministic CBOR of `{v, kind, body}`, signed by the gateway's statement key,
//! whose public half the phone learns at activation.
//!
//! The `kind` inside the signed payload separates the statement types: a checkpoint can never be
//! passed off as a receipt, even though one key signs both. Verification reads untrusted bytes,
//! so every failure is a typed [`StatementError`] and only one byte form of a statement verifies.
//!
//! On the wire a statement is one base64 string ([`Signed`]); the JSON beside it (a verdict, a
//! notice) is a convenience copy that the phone checks against the signed one.

use super::cbor::{self, CborError};
use super::cose::{self, ProfileError, EXTERNAL_AAD};
use crate::crypto::{self, CryptoError};
use crate::model::{Notice, RecipientStatus};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;
use zeroize::Zeroizing;

/// Version of the statement format.
pub const STATEMENT_VERSION: u8 = 1;
/// Prefix of the gateway statement key's id (`gk_<base64url sha256(SPKI)>`).
pub const GATEWAY_KEY_PREFIX: &str = "gk";

/// Errors signing or verifying a statement.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StatementError {
    /// The private key could not be read or generated.
    #[error("the gateway statement key is not a usable P-256 PKCS#8 key: {0}")]
    BadKey(String),
    /// Encoding failed (signing side).
    #[error("the statement could not be encoded: {0}")]
    Encoding(#[from] CborError),
    /// Not base64, not a COSE_Sign1 of our profile, or not a statement.
    #[error("the signed statement is malformed: {0}")]
    Malformed(String),
    /// Well-formed, but not its one deterministic encoding.
    #[error("the signed statement is not in its deterministic encoding")]
    NotDeterministic,
    /// Signed by another key than the one the phone knows.
    #[error("the statement was signed by key {found}, not the gateway's key {expected}")]
    UnknownKey {
        /// The key id the phone knows.
        expected: String,
        /// The key id the statement names.
        found: String,
    },
    /// The signature does not verify.
    #[error("the statement's signature is invalid: {0}")]
    Signature(#[from] CryptoError),
    /// A statement of another kind (a checkpoint where a receipt was expected, say).
    #[error("expected a {expected} statement, got {found:?}")]
    WrongKind {
        /// The kind asked for.
        expected: &'static str,
        /// The kind signed.
        found: String,
    },
    /// A format version this build does not know.
    #[error("the statement has an unsupported format version {0}")]
    UnsupportedVersion(String),
}

/// A type the gateway signs, with the name that goes into the signed payload.
pub trait Statement: Serialize + DeserializeOwned {
    /// The `kind` of the payload: stable, never reused for another type.
    const KIND: &'static str;
}

/// The gateway's public statement key as a phone keeps it: command receipts, checkpoints,
/// notices and wipe orders verify under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatewayPublicKey {
    /// `gk_<base64url sha256(SPKI)>`: the COSE `kid` of every statement.
    #[cfg_attr(feature = "openapi", schema(pattern = "^gk_[A-Za-z0-9_-]+$"))]
    pub key_id: String,
    /// P-256 SubjectPublicKeyInfo DER, standard base64.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]+={0,2}$"))]
    pub spki: String,
}

impl GatewayPublicKey {
    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Result<Vec<u8>, StatementError> {
        STANDARD
            .decode(&self.spki)
            .map_err(|_| StatementError::Malformed("the gateway key is not base64".into()))
    }
}

/// The gateway's private statement key (P-256), held by the gateway only.
pub struct GatewayKey {
    pair: EcdsaKeyPair,
    public: GatewayPublicKey,
}

impl fmt::Debug for GatewayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the private half.
        f.debug_struct("GatewayKey")
            .field("key_id", &self.public.key_id)
            .finish_non_exhaustive()
    }
}

impl GatewayKey {
    /// A new key as PKCS#8 DER, to be stored by the gateway (zeroized when dropped).
    pub fn generate_pkcs8() -> Result<Zeroizing<Vec<u8>>, StatementError> {
        let document =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| StatementError::BadKey("the system random generator failed".into()))?;
        Ok(Zeroizing::new(document.as_ref().to_vec()))
    }

    /// The key in `pkcs8` DER.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<GatewayKey, StatementError> {
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|e| StatementError::BadKey(e.to_string()))?;
        let spki = crypto::p256_spki_from_point(pair.public_key().as_ref())?;
        let public = GatewayPublicKey {
            key_id: crypto::key_id(GATEWAY_KEY_PREFIX, &spki),
            spki: STANDARD.encode(&spki),
        };
        Ok(GatewayKey { pair, public })
    }

    /// The public half, as activation hands it to phones.
    pub fn public(&self) -> &GatewayPublicKey {
        &self.public
    }

    /// Signs `body`.
    pub fn sign<T: Statement>(&self, body: &T) -> Result<Signed<T>, StatementError> {
        let payload = cbor::to_vec(&Envelope {
            v: STATEMENT_VERSION,
            kind: T::KIND.to_owned(),
            body,
        })?;
        let mut sign1 =
            cose::unsigned(self.public.key_id.as_bytes(), payload).map_err(profile_error)?;
        let signature = self
            .pair
            .sign(&SystemRandom::new(), &sign1.tbs_data(EXTERNAL_AAD))
            .map_err(|_| StatementError::BadKey("signing failed".into()))?;
        sign1.signature = signature.as_ref().to_vec();
        let bytes = cose::to_bytes(sign1).map_err(profile_error)?;
        Ok(Signed::from_base64(STANDARD.encode(bytes)))
    }
}

/// The signed payload.
#[derive(Serialize, Deserialize)]
struct Envelope<B> {
    v: u8,
    kind: String,
    body: B,
}

/// A signed statement of type `T` as it travels: base64 of the tagged COSE_Sign1 bytes.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Signed<T> {
    cose: String,
    #[serde(skip)]
    kind: PhantomData<fn() -> T>,
}

// Derives would demand `T: Clone` and so on; the statement is only a string.
impl<T> Clone for Signed<T> {
    fn clone(&self) -> Self {
        Signed::from_base64(self.cose.clone())
    }
}

impl<T> PartialEq for Signed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cose == other.cose
    }
}

impl<T> Eq for Signed<T> {}

impl<T> fmt::Debug for Signed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Signed").field(&self.cose).finish()
    }
}

impl<T> Signed<T> {
    /// A statement as received (not yet verified).
    pub fn from_base64(cose: String) -> Signed<T> {
        Signed {
            cose,
            kind: PhantomData,
        }
    }

    /// The base64 form.
    pub fn as_base64(&self) -> &str {
        &self.cose
    }

    fn bytes(&self) -> Result<Vec<u8>, StatementError> {
        STANDARD
            .decode(&self.cose)
            .map_err(|_| StatementError::Malformed("the statement is not base64".into()))
    }

    /// Base64 SHA-256 of what the signature covers (headers and payload), the name a record
    /// gives the checkpoint it was made under. The signature stays out, so a re-written (but
    /// still valid) ECDSA signature does not change the name.
    pub fn hash(&self) -> Result<String, StatementError> {
        let sign1 = cose::parse_any(&self.bytes()?).map_err(profile_error)?;
        Ok(STANDARD.encode(crypto::sha256(&sign1.tbs_data(EXTERNAL_AAD))))
    }
}

impl<T: Statement> Signed<T> {
    /// Checks the envelope, verifies the signature under `key`, and decodes the statement.
    pub fn verify(&self, key: &GatewayPublicKey) -> Result<T, StatementError> {
        let sign1 = cose::parse(&self.bytes()?).map_err(profile_error)?;
        let header = &sign1.protected.header;
        if header.key_id != key.key_id.as_bytes() {
            return Err(StatementError::UnknownKey {
                expected: key.key_id.clone(),
                found: String::from_utf8_lossy(&header.key_id).into_owned(),
            });
        }
        let payload = sign1.payload.as_deref().unwrap_or_default();
        let spki = key.spki_der()?;
        sign1.verify_signature(EXTERNAL_AAD, |signature, to_be_signed| {
            crypto::verify_p256(&spki, to_be_signed, signature)
        })?;
        decode_payload::<T>(payload)
    }
}

/// Decodes a verified payload: deterministic CBOR, the known version, the expected kind, and
/// exactly the fields of `T` (nothing serde would silently skip).
fn decode_payload<T: Statement>(payload: &[u8]) -> Result<T, StatementError> {
    let value = cbor::decode_deterministic(payload).map_err(|e| match e {
        CborError::NotDeterministic | CborError::DuplicateKey | CborError::Float => {
            StatementError::NotDeterministic
        }
        other => StatementError::Malformed(other.to_string()),
    })?;
    let envelope: Envelope<ciborium::value::Value> =
        cbor::from_value(&value).map_err(|e| StatementError::Malformed(e.to_string()))?;
    if envelope.v != STATEMENT_VERSION {
        return Err(StatementError::UnsupportedVersion(envelope.v.to_string()));
    }
    if envelope.kind != T::KIND {
        return Err(StatementError::WrongKind {
            expected: T::KIND,
            found: envelope.kind,
        });
    }
    let body: T =
        cbor::from_value(&envelope.body).map_err(|e| StatementError::Malformed(e.to_string()))?;
    let canonical = cbor::to_vec(&Envelope {
        v: STATEMENT_VERSION,
        kind: T::KIND.to_owned(),
        body: &body,
    })?;
    if canonical != payload {
        return Err(StatementError::Malformed(
            "the payload holds fields outside the statement format".into(),
        ));
    }
    Ok(body)
}

/// A profile violation as a statement error.
fn profile_error(error: ProfileError) -> StatementError {
    match error {
        ProfileError::NotDeterministic => StatementError::NotDeterministic,
        ProfileError::Algorithm => StatementError::Malformed("not signed with ES256".into()),
        ProfileError::Headers => {
            StatementError::Malformed("the COSE headers are not the statement profile's".into())
        }
        ProfileError::Detached => StatementError::Malformed("the payload is detached".into()),
        ProfileError::Malformed(reason) => StatementError::Malformed(reason),
    }
}

/// 回执 of the gateway for one decided command: proof, signed by the gateway, that it decided the
/// command this way. The phone verifies it before the command leaves its outbox and keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandReceipt {
    /// The command decided.
    pub command_id: String,
    /// The device that pushed it.
    pub device_id: String,
    /// The record's chain link ([`super::SignedCommand::record_hash`]); empty when the record
    /// could not even be decoded.
    pub record_hash: String,
    /// Whether it was applied.
    pub accepted: bool,
    /// The refusal's stable code; none when accepted.
    pub code: Option<String>,
    /// The instance the command acted on (empty when unknown).
    pub instance_id: String,
    /// The instance version after the command (accepted) or at the gateway (refused), if known.
    pub instance_version: Option<u64>,
    /// When the gateway decided.
    pub decided_at: DateTime<Utc>,
}

impl Statement for CommandReceipt {
    const KIND: &'static str = "command_receipt";
}

/// What the gateway asks of a phone while it cannot reach the gateway (security.md, device
/// binding 4), and its housekeeping settings; signed checkpoints carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflinePolicy {
    /// The policy's version (1 for the defaults, one more on every change); records name it.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u64,
    /// After this many seconds without a newer checkpoint the phone stops creating approvals
    /// (read-only) until it reaches the gateway again.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_offline_block_secs: u64,
    /// After this many seconds without a newer checkpoint the phone crypto-shreds its data.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_offline_wipe_secs: u64,
    /// Finished items are kept this many days; pending ones always.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub retention_days: u32,
    /// The app locks after this many minutes without use.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub inactivity_lock_minutes: u32,
    /// Whether approving a document whose body was never opened on the phone is allowed, warned
    /// or refused (absent in checkpoints issued before the rule existed: allowed).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub unopened_body: crate::UnopenedBodyRule,
}

impl Default for OfflinePolicy {
    /// A week read-write, a month before the phone erases itself.
    fn default() -> OfflinePolicy {
        OfflinePolicy {
            version: 1,
            max_offline_block_secs: 7 * 24 * 3600,
            max_offline_wipe_secs: 30 * 24 * 3600,
            retention_days: 30,
            inactivity_lock_minutes: 5,
            unopened_body: crate::UnopenedBodyRule::Allow,
        }
    }
}

/// A checkpoint: the gateway saw this device at `issued_at` and these are its offline limits.
/// Records name the last checkpoint they were made under (`time.checkpoint_hash`), and the
/// gateway refuses one that claims a time before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The device it was issued to.
    pub device_id: String,
    /// The device's user.
    pub user_id: String,
    /// The gateway's clock when it was issued.
    pub issued_at: DateTime<Utc>,
    /// The limits in force.
    pub policy: OfflinePolicy,
}

impl Statement for Checkpoint {
    const KIND: &'static str = "checkpoint";
}

impl Statement for Notice {
    const KIND: &'static str = "notice";
}

/// The gateway's copy of one recipient's state for a notice (read on another of the user's
/// phones, say), signed like everything else the gateway states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeStatus {
    /// The notice.
    pub notice_id: String,
    /// The recipient.
    pub user_id: String,
    /// Their state as the gateway holds it.
    pub status: RecipientStatus,
}

impl Statement for NoticeStatus {
    const KIND: &'static str = "notice_status";
}

/// An order to a device to crypto-shred its data: sent to a revoked device, or to one an
/// administrator asked to wipe, whenever it next makes a signed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WipeCommand {
    /// The device that must wipe itself; a phone obeys only its own.
    pub device_id: String,
    /// When the gateway issued it.
    pub issued_at: DateTime<Utc>,
    /// `revoked` or `wipe_requested`.
    pub reason: String,
}

impl Statement for WipeCommand {
    const KIND: &'static str = "wipe";
}

#[cfg(test)]
mod tests;
