//! Verification of signed requests (the RFC 9421 profile of security.md) on every phone request:
//! digest, time window, known and active key, token bound to that key, signature, and a nonce used
//! once per key (stored in the database so every replica sees it). Any failure is a 401 with a
//! code that says which check failed.
//!
//! The device's state is checked after its signature: a revoked device, or one an administrator
//! asked to wipe, that proves it holds its key gets a signed wipe command with its 401
//! (security.md, device binding 3).

use crate::audit::{self, Event};
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use axum::http::{HeaderMap, Method, Uri};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use qianpi_protocol::crypto;
use qianpi_protocol::signature::{self, CoveredValues, SignatureParams, MAX_VALIDITY_SECS};
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::WipeCommand;

/// The device a verified request came from.
#[derive(Debug, Clone)]
pub struct AuthedDevice {
    /// Device id.
    pub device_id: String,
    /// The user the device belongs to.
    pub user_id: String,
    /// The user's unit.
    pub unit_id: String,
}

/// Everything of a request that the signature covers.
pub struct SignedRequest<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request URI (path and query as received).
    pub uri: &'a Uri,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body bytes.
    pub body: &'a [u8],
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "missing_component",
                format!("the signed request has no {name} header"),
            )
        })?
        .to_str()
        .map_err(|_| {
            ApiError::unauthorized(
                "malformed_signature",
                format!("the {name} header is not text"),
            )
        })
}

/// Verifies `request` at `now_unix`; `scheme` is how clients reach this gateway (`http`/`https`).
/// `key` signs the wipe command a revoked device gets.
pub async fn verify(
    db: &Db,
    key: &GatewayKey,
    request: SignedRequest<'_>,
    scheme: &str,
    now_unix: i64,
) -> Result<AuthedDevice, ApiError> {
    let params = SignatureParams::parse_header(header(request.headers, "signature-input")?)
        .map_err(|e| ApiError::unauthorized("malformed_signature", e.to_string()))?;
    let raw_signature = signature::parse_signature_header(header(request.headers, "signature")?)
        .map_err(|e| ApiError::unauthorized("malformed_signature", e.to_string()))?;
    let digest = header(request.headers, "content-digest")?;
    let content_type = header(request.headers, "content-type")?;
    let authorization = header(request.headers, "authorization")?;
    let host = header(request.headers, "host")?;

    if digest != signature::content_digest(request.body) {
        return Err(ApiError::unauthorized(
            "bad_digest",
            "the body does not match its Content-Digest",
        ));
    }
    check_window(&params, now_unix)?;
    check_nonce(&params.nonce)?;
    let token = authorization.strip_prefix("Bearer ").ok_or_else(|| {
        ApiError::unauthorized(
            "bad_token",
            "the Authorization header must be a Bearer token",
        )
    })?;

    let key_id = params.key_id.clone();
    // Single statements: no transaction around them, so PostgreSQL is spared BEGIN and COMMIT.
    let device = db
        .once(move |sql| {
            sql.query_opt(
                "SELECT d.id, d.user_id, u.unit_id, d.request_key_spki, d.token_hash, d.state
                 FROM devices d JOIN users u ON u.id = d.user_id WHERE d.request_key_id = ?1",
                args![&key_id],
            )?
            .map(|r| -> Result<_, ApiError> {
                Ok((
                    r.text(0)?,
                    r.text(1)?,
                    r.text(2)?,
                    r.blob(3)?,
                    r.blob(4)?,
                    r.text(5)?,
                ))
            })
            .transpose()
        })
        .await?;
    let (device_id, user_id, unit_id, spki, token_hash, state) = device.ok_or_else(|| {
        ApiError::unauthorized("unknown_key", "no device is registered with this key")
    })?;
    // The token is bound to the key: presented with another device's key it is worthless.
    if !crypto::constant_time_eq(&crypto::sha256(token.as_bytes()), &token_hash) {
        return Err(ApiError::unauthorized(
            "token_not_bound",
            "the access token does not belong to this device key",
        ));
    }
    let target_uri = format!(
        "{scheme}://{host}{}",
        request
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let covered = CoveredValues {
        method: request.method.as_str(),
        target_uri: &target_uri,
        content_digest: digest,
        content_type,
        authorization,
    };
    let base = signature::signature_base(&covered, &params);
    crypto::verify_p256(&spki, base.as_bytes(), &raw_signature).map_err(|_| {
        ApiError::unauthorized("bad_signature", "the request signature does not verify")
    })?;
    if state != "active" {
        let refusal = not_active(&state);
        return Err(if state == "revoked" || state == "wipe_requested" {
            let wipe = key
                .sign(&WipeCommand {
                    device_id: device_id.clone(),
                    issued_at: Utc::now(),
                    reason: state.clone(),
                })
                .map_err(|e| ApiError::internal(e.to_string()))?;
            note_wipe_sent(db, &device_id, &user_id, &unit_id, &state).await?;
            refusal.with_wipe(wipe)
        } else {
            refusal
        });
    }

    // Only a verified request may spend a nonce, so nobody can burn another device's nonces.
    let (key_id, nonce) = (params.key_id.clone(), params.nonce.clone());
    // Kept until the signature can no longer be inside the window; `check_window` bounded
    // `expires` near the gateway's clock, so this cannot overflow, but it is checked all the same.
    let keep_until = params
        .expires
        .checked_add(MAX_VALIDITY_SECS)
        .ok_or_else(outside_window)?;
    let fresh = db
        .once(move |sql| {
            let inserted = sql.execute(
                "INSERT INTO nonces (key_id, nonce, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                args![&key_id, &nonce, keep_until],
            )?;
            Ok(inserted == 1)
        })
        .await?;
    if !fresh {
        return Err(ApiError::unauthorized(
            "replayed_nonce",
            "this request was already received",
        ));
    }
    Ok(AuthedDevice {
        device_id,
        user_id,
        unit_id,
    })
}

/// The signature's validity (at most 60 s) and its place around the gateway's clock `now_unix`.
/// Both numbers come from the request: every difference is checked, so extreme values are a 401
/// and never an overflow.
pub fn check_window(params: &SignatureParams, now_unix: i64) -> Result<(), ApiError> {
    let validity = params.expires.checked_sub(params.created);
    if !validity.is_some_and(|v| v > 0 && v <= MAX_VALIDITY_SECS) {
        return Err(ApiError::unauthorized(
            "bad_validity",
            "a signature may be valid for at most 60 seconds",
        ));
    }
    let skew = now_unix
        .checked_sub(params.created)
        .and_then(i64::checked_abs);
    if skew.is_none_or(|s| s > MAX_VALIDITY_SECS) || now_unix > params.expires {
        return Err(outside_window());
    }
    Ok(())
}

fn outside_window() -> ApiError {
    ApiError::unauthorized(
        "outside_window",
        "the signature was not made within 60 seconds of the gateway's clock",
    )
}

/// Bytes of randomness in a nonce (security.md: 16 random bytes, base64url).
pub const NONCE_BYTES: usize = 16;

/// The nonce must be exactly the profile's 16 bytes in unpadded base64url: an empty or a short
/// nonce is guessable and a long one fills the nonce table, so anything else is refused before
/// the database is asked.
pub fn check_nonce(nonce: &str) -> Result<(), ApiError> {
    let decoded = URL_SAFE_NO_PAD.decode(nonce).ok();
    if decoded.is_some_and(|bytes| bytes.len() == NONCE_BYTES) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "bad_nonce",
            "the nonce must be 16 random bytes in unpadded base64url",
        ))
    }
}

/// Records, once, that a wipe command reached the device's hands (audited: the administrator who
/// asked for the wipe can see that the phone heard it).
async fn note_wipe_sent(
    db: &Db,
    device_id: &str,
    user_id: &str,
    unit_id: &str,
    state: &str,
) -> Result<(), ApiError> {
    let (device_id, user_id, unit_id, state) = (
        device_id.to_owned(),
        user_id.to_owned(),
        unit_id.to_owned(),
        state.to_owned(),
    );
    db.tx(move |sql| {
        let now = Utc::now();
        let first = sql.execute(
            "UPDATE devices SET wipe_sent_at = ?1 WHERE id = ?2 AND wipe_sent_at IS NULL",
            args![now.to_rfc3339(), &device_id],
        )?;
        if first == 1 {
            audit::append(
                sql,
                &Event {
                    unit_id: Some(&unit_id),
                    actor: &user_id,
                    kind: "device.wipe_sent",
                    subject: &device_id,
                    detail: serde_json::json!({ "state": state }),
                },
                now,
            )?;
        }
        Ok(())
    })
    .await
}

/// The refusal for a device that may not sync, by its state (security.md, device binding).
fn not_active(state: &str) -> ApiError {
    let (code, message) = match state {
        "pending" => (
            "device_pending",
            "this device waits for an administrator's approval",
        ),
        "suspended" => (
            "device_suspended",
            "this device is suspended; ask your administrator",
        ),
        "wipe_requested" => (
            "wipe_requested",
            "an administrator asked this device to erase its data",
        ),
        _ => ("device_revoked", "this device's access was revoked"),
    };
    ApiError::unauthorized(code, message)
}

#[cfg(test)]
mod tests {
    use super::{check_nonce, check_window, NONCE_BYTES};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use proptest::prelude::*;
    use qianpi_protocol::signature::{SignatureParams, MAX_VALIDITY_SECS};

    fn header(created: i64, expires: i64, nonce: &str) -> String {
        format!(
            "req=(\"@method\" \"@target-uri\" \"content-digest\" \"content-type\" \"authorization\");\
             created={created};expires={expires};nonce=\"{nonce}\";keyid=\"dk_x\";\
             alg=\"ecdsa-p256-sha256\";tag=\"qianpi-req-v1\""
        )
    }

    proptest! {
        /// Any two numbers in `Signature-Input`, against any gateway clock: parsed and checked
        /// without a panic, and accepted exactly when the profile's window holds.
        #[test]
        fn extreme_signature_times_are_checked_not_overflowed(
            created in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), -100..100_i64],
            expires in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), -100..100_i64],
            now in prop_oneof![any::<i64>(), -100..100_i64],
        ) {
            let Ok(params) = SignatureParams::parse_header(&header(created, expires, "n")) else {
                return Ok(());
            };
            let expected = i128::from(expires) - i128::from(created) > 0
                && i128::from(expires) - i128::from(created) <= i128::from(MAX_VALIDITY_SECS)
                && (i128::from(now) - i128::from(created)).abs() <= i128::from(MAX_VALIDITY_SECS)
                && now <= expires;
            prop_assert_eq!(check_window(&params, now).is_ok(), expected);
        }

        /// Only 16 bytes in unpadded base64url pass as a nonce.
        #[test]
        fn only_sixteen_byte_nonces_pass(bytes in proptest::collection::vec(any::<u8>(), 0..40), text in ".{0,64}") {
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(check_nonce(&encoded).is_ok(), bytes.len() == NONCE_BYTES);
            let decoded = URL_SAFE_NO_PAD.decode(&text).ok();
            prop_assert_eq!(check_nonce(&text).is_ok(), decoded.is_some_and(|d| d.len() == NONCE_BYTES));
        }
    }
}
