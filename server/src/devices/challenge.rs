//! One-time attestation challenges (`POST /v1/devices/challenge`): 32 random bytes a phone's
//! platform binds into the attestation of its new keys, so evidence recorded from another
//! activation cannot be replayed. Only a hash is stored, with an expiry; activation consumes it,
//! and the housekeeping forgets the ones that ran out. Each source address may ask for a few a
//! minute, as many as it may try activations.

use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use qianpi_protocol::crypto;
use qianpi_protocol::ActivationChallenge;

/// How long a challenge stays good.
pub const CHALLENGE_SECS: i64 = 10 * 60;
/// The rate-limit window for asking.
const WINDOW_SECS: i64 = 60;

/// Issues a challenge to `source`, refused once it asked `per_minute` times in the last minute.
pub async fn issue(
    db: &Db,
    source: String,
    per_minute: i64,
    now: DateTime<Utc>,
) -> Result<ActivationChallenge, ApiError> {
    let bytes = crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?;
    let hash = crypto::sha256(&bytes).to_vec();
    let expires_at = now + Duration::seconds(CHALLENGE_SECS);
    let now_unix = now.timestamp();
    db.tx(move |sql| {
        let recent = sql
            .query_one(
                "SELECT count(*) FROM activation_challenges WHERE source = ?1 AND created_at > ?2",
                args![&source, now_unix - WINDOW_SECS],
            )?
            .int(0)?;
        if recent >= per_minute {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many activation challenges from this network; wait a minute",
            ));
        }
        sql.execute(
            "INSERT INTO activation_challenges (challenge_hash, source, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            args![hash.clone(), &source, now_unix, expires_at.timestamp()],
        )?;
        Ok(())
    })
    .await?;
    Ok(ActivationChallenge {
        challenge: URL_SAFE_NO_PAD.encode(bytes),
        expires_at,
    })
}

/// Uses up `challenge` (raw bytes); whether it was issued, unused and unexpired at `now_unix`.
pub async fn consume(db: &Db, challenge: &[u8], now_unix: i64) -> Result<bool, ApiError> {
    let hash = crypto::sha256(challenge).to_vec();
    db.tx(move |sql| {
        let deleted = sql.execute(
            "DELETE FROM activation_challenges WHERE challenge_hash = ?1 AND expires_at >= ?2",
            args![hash.clone(), now_unix],
        )?;
        Ok(deleted == 1)
    })
    .await
}

/// Forgets the challenges that ran out; returns how many. The housekeeping runs it.
pub fn forget_expired(sql: &mut dyn Sql, now_unix: i64) -> Result<u64, ApiError> {
    Ok(sql.execute(
        "DELETE FROM activation_challenges WHERE expires_at < ?1",
        args![now_unix],
    )?)
}
