//! Binding a phone to a user: the activation request and answer, the one-time challenge its
//! platform attestation binds, the attestation evidence itself, and the client data an iOS
//! phone has App Attest sign. Re-exported at the crate root.

use crate::crypto;
use crate::model::Identity;
use crate::GatewayPublicKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The phone asks to bind itself to a user with a one-time activation code. Unknown fields are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivateRequest {
    /// The user's login name.
    pub login: String,
    /// The one-time activation code the administrator issued.
    pub code: String,
    /// Request-signing key (DSK), P-256 SPKI DER, standard base64.
    pub request_key_spki: String,
    /// Approval-signing key (ASK), P-256 SPKI DER, standard base64; must differ from the request
    /// key.
    pub approval_key_spki: String,
    /// A description of the phone, 1 to 100 characters without control characters, e.g.
    /// "华为 Mate 60 (Android 15)".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub device_name: String,
    /// `android`, `ios` or `terminal`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(android|ios|terminal)$"))]
    pub platform: String,
    /// The challenge from `POST /v1/devices/challenge` that `attestation` binds (base64url, no
    /// padding); only together with `attestation`. Any attempt uses it up, whatever its outcome:
    /// after a refusal (a wrong code, say) the phone asks for a new challenge and attests again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{43}$"))]
    pub challenge: Option<String>,
    /// The platform's attestation of the device's keys; absent for the terminal shell and for a
    /// phone that cannot attest (recorded as `unattested`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationEvidence>,
}

/// A one-time challenge for the attestation of a device's keys at activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivationChallenge {
    /// 32 random bytes, base64url without padding. Android: the raw bytes are the keys'
    /// attestation challenge (`setAttestationChallenge`). iOS: App Attest's client data is
    /// [`app_attest_client_data`] over them.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{43}$"))]
    pub challenge: String,
    /// After this the gateway no longer accepts it (ten minutes).
    pub expires_at: DateTime<Utc>,
}

/// What a phone's platform says about where its keys live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum AttestationEvidence {
    /// Android Key Attestation: the approval key's certificate chain, leaf first, each
    /// certificate DER in standard base64; the leaf's attestation challenge is the gateway's.
    #[cfg_attr(feature = "openapi", schema(title = "AndroidKeyAttestation"))]
    AndroidKey {
        /// Leaf (the approval key) first, the root last.
        #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10))]
        chain: Vec<String>,
    },
    /// Apple App Attest: the attestation object of an App Attest key (CBOR, standard base64)
    /// whose client data is [`app_attest_client_data`].
    #[cfg_attr(feature = "openapi", schema(title = "AppleAppAttestation"))]
    AppleAppAttest {
        /// The App Attest key id (SHA-256 of its public key), standard base64.
        key_id: String,
        /// The attestation object, standard base64.
        object: String,
    },
}

/// The client data an iOS phone has App Attest sign at activation: it binds the gateway's
/// challenge to both device keys, so the attestation cannot be moved to other keys. The
/// `clientDataHash` given to `attestKey` is SHA-256 of these bytes.
pub fn app_attest_client_data(
    challenge: &[u8],
    request_key_spki: &[u8],
    approval_key_spki: &[u8],
) -> Vec<u8> {
    let mut data = Vec::with_capacity(22 + challenge.len() + 2 * 32);
    data.extend_from_slice(b"qianpi-activation-v1\0");
    data.extend_from_slice(challenge);
    data.extend_from_slice(&crypto::sha256(request_key_spki));
    data.extend_from_slice(&crypto::sha256(approval_key_spki));
    data
}

/// The gateway bound the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivateResponse {
    /// The device id the gateway assigned.
    pub device_id: String,
    /// Who the device now belongs to.
    pub identity: Identity,
    /// 单位名称 — the unit's name.
    pub unit_name: String,
    /// The access token, bound to the request key id: useless with any other key.
    pub access_token: String,
    /// Key id of the request key as the gateway computed it.
    pub request_key_id: String,
    /// Key id of the approval key as the gateway computed it.
    pub approval_key_id: String,
    /// Whether the binding still waits for an administrator's approval: until then every
    /// signed request is refused with `device_pending`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub pending_approval: bool,
    /// The assurance level the gateway recorded for the device's keys after checking its
    /// attestation: `software`, `unattested`, `tee`, `strongbox` or `secure_enclave`. Absent from
    /// a gateway that does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^(software|unattested|tee|strongbox|secure_enclave)$"))]
    pub assurance: Option<String>,
    /// The gateway's statement key: receipts, checkpoints, notices and wipe commands verify
    /// under it.
    pub gateway_key: GatewayPublicKey,
    /// The gateway's clock, for the phone's offset.
    pub server_time: DateTime<Utc>,
}
