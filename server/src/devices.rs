//! Device activation: a phone presents a user's one-time code and the public halves of its request
//! key (DSK) and approval key (ASK); the gateway registers them and returns an access token bound to
//! the request key id, useless with any other key.

use crate::admin::CODE_MAX_ATTEMPTS;
use crate::db::Db;
use crate::error::ApiError;
use axum::http::StatusCode;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::Utc;
use qianpi_core::crypto;
use qianpi_core::model::Identity;
use qianpi_core::protocol::{ActivateRequest, ActivateResponse};
use rusqlite::{params, OptionalExtension};

const ACTIVATION_FAILED: &str =
    "the login or activation code is wrong or has expired; ask your administrator for a new code";

/// Binds a device. Wrong codes count against the user's code; after too many it is dead.
pub async fn activate(db: &Db, request: ActivateRequest) -> Result<ActivateResponse, ApiError> {
    let request_spki = decode_key(&request.request_key_spki, "request_key_spki")?;
    let approval_spki = decode_key(&request.approval_key_spki, "approval_key_spki")?;
    if request_spki == approval_spki {
        return Err(ApiError::bad_request(
            "same_keys",
            "the request key and the approval key must differ",
        ));
    }
    let token = URL_SAFE_NO_PAD
        .encode(crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?);
    let token_hash = crypto::sha256(token.as_bytes()).to_vec();
    let device_id = format!("dev-{}", uuid::Uuid::now_v7());
    let request_key_id = crypto::key_id("dk", &request_spki);
    let approval_key_id = crypto::key_id("ak", &approval_spki);
    let now = Utc::now();
    let (identity, unit_name) = {
        let (device_id, request_key_id, approval_key_id) = (
            device_id.clone(),
            request_key_id.clone(),
            approval_key_id.clone(),
        );
        db.call(move |conn| {
            let tx = conn.transaction()?;
            let user: Option<(Identity, String)> = tx
                .query_row(
                    "SELECT u.id, u.name, u.post, u.unit_id, n.name FROM users u JOIN units n ON n.id = u.unit_id WHERE u.login = ?1",
                    [&request.login],
                    |r| Ok((Identity { user_id: r.get(0)?, name: r.get(1)?, post: r.get(2)?, unit_id: r.get(3)? }, r.get(4)?)),
                )
                .optional()?;
            let (identity, unit_name) = user.ok_or_else(|| ApiError::unauthorized("activation_failed", ACTIVATION_FAILED))?;
            let code: Option<(Vec<u8>, i64, i64)> = tx
                .query_row(
                    "SELECT code_hash, expires_at, attempts FROM activation_codes WHERE user_id = ?1",
                    [&identity.user_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (stored_hash, expires_at, attempts) = code.ok_or_else(|| ApiError::unauthorized("activation_failed", ACTIVATION_FAILED))?;
            if attempts >= CODE_MAX_ATTEMPTS {
                return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "code_locked", "too many wrong attempts; ask your administrator for a new code"));
            }
            let presented = crypto::sha256(request.code.trim().to_ascii_uppercase().as_bytes());
            if expires_at < now.timestamp() || !crypto::constant_time_eq(&presented, &stored_hash) {
                tx.execute("UPDATE activation_codes SET attempts = attempts + 1 WHERE user_id = ?1", [&identity.user_id])?;
                tx.commit()?;
                return Err(ApiError::unauthorized("activation_failed", ACTIVATION_FAILED));
            }
            tx.execute("DELETE FROM activation_codes WHERE user_id = ?1", [&identity.user_id])?;
            let inserted = tx.execute(
                "INSERT INTO devices (id, user_id, request_key_id, request_key_spki, approval_key_id, approval_key_spki, token_hash,
                                      state, name, platform, assurance, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9, ?10, ?11)
                 ON CONFLICT DO NOTHING",
                params![
                    device_id, identity.user_id, request_key_id, request_spki, approval_key_id, approval_spki, token_hash,
                    request.device_name, request.platform, assurance(&request.platform), now.to_rfc3339()
                ],
            )?;
            if inserted != 1 {
                return Err(ApiError::new(StatusCode::CONFLICT, "key_in_use", "these device keys are already registered"));
            }
            tx.commit()?;
            Ok((identity, unit_name))
        })
        .await?
    };
    tracing::info!(device = %device_id, user = %identity.user_id, "device activated");
    Ok(ActivateResponse {
        device_id,
        identity,
        unit_name,
        access_token: token,
        request_key_id,
        approval_key_id,
        server_time: Utc::now(),
    })
}

/// Without platform attestation (not checked yet), every device is recorded at the lowest level.
fn assurance(platform: &str) -> &'static str {
    match platform {
        "android" | "ios" => "unattested",
        _ => qianpi_core::software::SOFTWARE_ASSURANCE,
    }
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
