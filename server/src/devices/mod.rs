//! Device activation: a phone presents a person's login, a one-time code and the public halves of
//! its request key (DSK) and approval key (ASK); the gateway registers them and returns an access
//! token bound to the request key id, useless with any other key.
//!
//! Codes are one-time and expire; every source address is limited to a few attempts a minute,
//! and an address that sent too many wrong codes for one login is locked out for that login
//! ([`lockout`]; counted in the database, so replicas share the counts). Every failure, whatever
//! its cause, gets the same answer. A code issued "with approval" binds the device as `pending`
//! until an administrator approves it.
//!
//! A phone may send its platform's attestation of its keys with a one-time [`challenge`]; the
//! evidence is verified against the vendors' roots ([`crate::attestation`]) and sets the device's
//! assurance level, and evidence that does not verify refuses the activation (400
//! `bad_attestation`, nothing stored). A unit whose policy requires hardware-backed keys refuses
//! any other device (403 `hardware_keys_required`).

pub mod challenge;
pub mod lockout;

use crate::attestation::{self, Assurance, Trust};
use crate::audit::{self, Event};
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use axum::http::StatusCode;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::Utc;
use lockout::CODE_MAX_ATTEMPTS;
use qianpi_domain::model::Identity;
use qianpi_protocol::crypto;
use qianpi_protocol::{ActivateRequest, ActivateResponse, GatewayPublicKey};

const ACTIVATION_FAILED: &str = "the login or activation code is wrong or has expired, or this \
     network made too many wrong attempts; check them, or ask your administrator for a new code";
/// Activation attempts one source address may make per window, by default.
pub const ATTEMPTS_PER_WINDOW: i64 = 10;
/// The rate-limit window.
const WINDOW_SECS: i64 = 60;
/// Longest device name, in characters ("华为 Mate 60 Pro (Android 15)" is 28).
pub const MAX_DEVICE_NAME_CHARS: usize = 100;
/// The platforms a device may name.
const PLATFORMS: [&str; 3] = ["android", "ios", "terminal"];
/// Largest attestation evidence kept (an Android certificate chain is a few KB).
const MAX_ATTESTATION: usize = 32 * 1024;

enum Checked {
    Bound(Identity, String, bool),
    Refused,
}

/// Binds a device for a request that came from `source` (the peer address), with attestation
/// evidence checked against the vendors' roots alone; see [`activate_with`].
pub async fn activate(
    db: &Db,
    gateway_key: GatewayPublicKey,
    request: ActivateRequest,
    source: String,
    attempts_per_window: i64,
) -> Result<ActivateResponse, ApiError> {
    let trust = Trust::load(&attestation::TrustConfig::default())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    activate_with(
        db,
        gateway_key,
        request,
        source,
        attempts_per_window,
        std::sync::Arc::new(trust),
    )
    .await
}

/// Binds a device for a request that came from `source` (the peer address); the answer hands the
/// phone `gateway_key`, under which everything the gateway signs verifies. Attestation evidence
/// is verified against `trust`.
pub async fn activate_with(
    db: &Db,
    gateway_key: GatewayPublicKey,
    request: ActivateRequest,
    source: String,
    attempts_per_window: i64,
    trust: std::sync::Arc<Trust>,
) -> Result<ActivateResponse, ApiError> {
    check_description(&request)?;
    let request_spki = decode_key(&request.request_key_spki, "request_key_spki")?;
    let approval_spki = decode_key(&request.approval_key_spki, "approval_key_spki")?;
    if request_spki == approval_spki {
        return Err(ApiError::bad_request(
            "same_keys",
            "the request key and the approval key must differ",
        ));
    }
    // Kept as the JSON the phone sent, for the administrator, once it verified.
    let attestation = request
        .attestation
        .as_ref()
        .map(serde_json::to_vec)
        .transpose()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if attestation
        .as_ref()
        .is_some_and(|a| a.len() > MAX_ATTESTATION)
    {
        return Err(ApiError::bad_request(
            "bad_attestation",
            "the attestation evidence is too large",
        ));
    }
    let level = attest(db, &request, &request_spki, &approval_spki, trust).await?;
    let assurance = level.as_str();
    let token = URL_SAFE_NO_PAD
        .encode(crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?);
    let token_hash = crypto::sha256(token.as_bytes()).to_vec();
    let device_id = format!("dev-{}", uuid::Uuid::now_v7());
    let request_key_id = crypto::key_id("dk", &request_spki);
    let approval_key_id = crypto::key_id("ak", &approval_spki);
    let now = Utc::now();
    let presented = crypto::sha256(request.code.trim().to_ascii_uppercase().as_bytes());

    let checked = {
        let (device_id, request_key_id, approval_key_id) = (
            device_id.clone(),
            request_key_id.clone(),
            approval_key_id.clone(),
        );
        db.tx(move |sql| {
            let now_unix = now.timestamp();
            sql.execute(
                "DELETE FROM activation_attempts WHERE at < ?1",
                args![now_unix - WINDOW_SECS],
            )?;
            let recent = sql
                .query_one(
                    "SELECT count(*) FROM activation_attempts WHERE source = ?1",
                    args![&source],
                )?
                .int(0)?;
            if recent >= attempts_per_window {
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    "too many activation attempts from this network; wait a minute",
                ));
            }
            sql.execute(
                "INSERT INTO activation_attempts (source, at) VALUES (?1, ?2)",
                args![&source, now_unix],
            )?;
            // A locked-out guesser is not even told whether this code was right.
            if lockout::is_locked(sql, &request.login, &source, now_unix)? {
                return Ok(Checked::Refused);
            }
            // One person may hold several identities (posts); the code says which one binds.
            let candidates = sql.query(
                "SELECT u.id, u.name, u.post, u.unit_id, n.name, c.code_hash, c.expires_at,
                        c.attempts, c.needs_approval
                 FROM users u JOIN units n ON n.id = u.unit_id
                 JOIN activation_codes c ON c.user_id = u.id WHERE u.login = ?1",
                args![&request.login],
            )?;
            let mut matched = None;
            for row in &candidates {
                // `attempts` counted wrong codes against the code itself before lockouts moved to
                // the guesser; a code a gateway of that time had locked stays dead.
                let live = row.int(6)? >= now_unix && row.int(7)? < CODE_MAX_ATTEMPTS;
                if crypto::constant_time_eq(&presented, &row.blob(5)?) && live {
                    matched = Some(row.clone());
                }
            }
            let Some(row) = matched else {
                let unit = sql
                    .query_opt(
                        "SELECT unit_id FROM users WHERE login = ?1 ORDER BY unit_id LIMIT 1",
                        args![&request.login],
                    )?
                    .map(|row| row.text(0))
                    .transpose()?;
                lockout::note_failure(sql, &request.login, &source, unit.as_deref(), now)?;
                return Ok(Checked::Refused);
            };
            lockout::clear(sql, &request.login, &source)?;
            let identity = Identity {
                user_id: row.text(0)?,
                name: row.text(1)?,
                post: row.text(2)?,
                unit_id: row.text(3)?,
            };
            // Refused before anything is stored: the code stays good for a phone that qualifies.
            if !level.hardware_backed()
                && crate::checkpoints::whole_unit_policy(sql, &identity.unit_id)?
                    .require_hardware_keys
            {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "hardware_keys_required",
                    format!(
                        "this unit accepts only phones whose keys are held by secure hardware \
                         (attested TEE, StrongBox or Secure Enclave); this device's keys are {assurance}"
                    ),
                ));
            }
            let pending = row.int(8)? != 0;
            sql.execute(
                "DELETE FROM activation_codes WHERE user_id = ?1",
                args![&identity.user_id],
            )?;
            let inserted = sql.execute(
                "INSERT INTO devices (id, user_id, request_key_id, request_key_spki, approval_key_id,
                                      approval_key_spki, token_hash, state, name, platform, assurance,
                                      attestation, last_counter, last_record_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, '', ?13)
                 ON CONFLICT DO NOTHING",
                args![
                    &device_id,
                    &identity.user_id,
                    &request_key_id,
                    request_spki.clone(),
                    &approval_key_id,
                    approval_spki.clone(),
                    token_hash.clone(),
                    if pending { "pending" } else { "active" },
                    &request.device_name,
                    &request.platform,
                    assurance,
                    attestation.clone(),
                    now.to_rfc3339()
                ],
            )?;
            if inserted != 1 {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "key_in_use",
                    "these device keys are already registered",
                ));
            }
            audit::append(
                sql,
                &Event {
                    unit_id: Some(&identity.unit_id),
                    actor: &identity.user_id,
                    kind: "device.activated",
                    subject: &device_id,
                    detail: serde_json::json!({
                        "platform": request.platform, "assurance": assurance,
                        "state": if pending { "pending" } else { "active" },
                        "request_key_id": request_key_id,
                    }),
                },
                now,
            )?;
            Ok(Checked::Bound(identity, row.text(4)?, pending))
        })
        .await?
    };
    let (identity, unit_name, pending_approval) = match checked {
        Checked::Bound(identity, unit, pending) => (identity, unit, pending),
        Checked::Refused => {
            return Err(ApiError::unauthorized(
                "activation_failed",
                ACTIVATION_FAILED,
            ))
        }
    };
    tracing::info!(device = %device_id, user = %identity.user_id, "device activated");
    Ok(ActivateResponse {
        device_id,
        identity,
        unit_name,
        access_token: token,
        request_key_id,
        approval_key_id,
        pending_approval,
        assurance: Some(assurance.to_owned()),
        gateway_key,
        server_time: Utc::now(),
    })
}

/// The assurance level of the device `request` binds: from its verified attestation evidence,
/// "unattested" for a phone that sent none, "software" for the terminal shell. The challenge is
/// used up first, so evidence is verified at most once per challenge issued.
async fn attest(
    db: &Db,
    request: &ActivateRequest,
    request_spki: &[u8],
    approval_spki: &[u8],
    trust: std::sync::Arc<Trust>,
) -> Result<Assurance, ApiError> {
    let refuse = |reason: String| ApiError::bad_request("bad_attestation", reason);
    let (evidence, challenge) = match (&request.attestation, &request.challenge) {
        (None, None) if request.platform == "terminal" => return Ok(Assurance::Software),
        (None, None) => return Ok(Assurance::Unattested),
        (None, Some(_)) => {
            return Err(refuse(
                "a challenge was sent without attestation evidence".into(),
            ))
        }
        (Some(_), None) => {
            return Err(refuse(format!(
                "attestation evidence needs a challenge from POST {}",
                qianpi_protocol::ACTIVATION_CHALLENGE_PATH
            )))
        }
        (Some(evidence), Some(challenge)) => (evidence.clone(), challenge),
    };
    let challenge = URL_SAFE_NO_PAD
        .decode(challenge)
        .map_err(|_| refuse("the challenge is not base64url".into()))?;
    let now = Utc::now().timestamp();
    if !challenge::consume(db, &challenge, now).await? {
        return Err(refuse(
            "the challenge is unknown, already used or expired; ask for a new one".into(),
        ));
    }
    let (platform, request_spki, approval_spki) = (
        request.platform.clone(),
        request_spki.to_vec(),
        approval_spki.to_vec(),
    );
    let verified = tokio::task::spawn_blocking(move || {
        let binding = attestation::Binding {
            platform: &platform,
            challenge: &challenge,
            request_spki: &request_spki,
            approval_spki: &approval_spki,
        };
        attestation::verify(&evidence, &binding, &trust, now)
    })
    .await
    .map_err(|e| ApiError::internal(format!("verifying an attestation failed: {e}")))?;
    verified.map_err(|e| refuse(format!("the attestation was refused: {e}")))
}

/// The device's description is shown to administrators and stored with it: bounded, printable,
/// and the platform one the gateway knows.
fn check_description(request: &ActivateRequest) -> Result<(), ApiError> {
    let name = &request.device_name;
    if name.trim().is_empty()
        || name.chars().count() > MAX_DEVICE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(
            "invalid_device_name",
            format!(
                "the device name must be 1 to {MAX_DEVICE_NAME_CHARS} characters without control characters"
            ),
        ));
    }
    if !PLATFORMS.contains(&request.platform.as_str()) {
        return Err(ApiError::bad_request(
            "invalid_platform",
            "the platform must be android, ios or terminal",
        ));
    }
    Ok(())
}

fn decode_key(encoded: &str, field: &'static str) -> Result<Vec<u8>, ApiError> {
    let spki = STANDARD
        .decode(encoded)
        .map_err(|_| ApiError::bad_request("bad_public_key", format!("{field} is not base64")))?;
    crypto::p256_point_from_spki(&spki).map_err(|_| {
        ApiError::bad_request(
            "bad_public_key",
            format!("{field} is not a P-256 public key"),
        )
    })?;
    Ok(spki)
}
