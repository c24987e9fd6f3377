//! Housekeeping every replica does on a timer:
//!
//! - Expired nonces leave the table. A nonce only has to outlive the ±60 s window of its
//!   signature (an older request fails the time check before its nonce is looked at), so
//!   deleting them a little late changes nothing, and taking the delete off the request path
//!   spares every signed request a write.
//! - Activation lockouts that ran out, and wrong codes too old to count, leave the table, so
//!   a scan of many logins leaves no lasting rows (`devices::lockout`); so do attestation
//!   challenges that expired unused (`devices::challenge`).
//! - Checkpoints older than the longest wipe limit of any unit (plus a day) leave the table: a
//!   phone that has not synced since then has erased itself, so no record can still name them.
//! - Feed objects (a document, instance version or definition) that replaced feed rows named and
//!   no row names any more leave the table (`feed::collect`), so the feed's size follows the
//!   data and not its history.

use crate::db::{decode, Db};
use crate::sql::args;
use qianpi_protocol::signature::MAX_VALIDITY_SECS;
use qianpi_protocol::OfflinePolicy;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often expired nonces are deleted.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// Runs the housekeeping until the returned task is aborted.
pub fn spawn(db: Db) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&db).await {
                tracing::warn!(error = %e, "deleting expired nonces failed; trying again later");
            }
            if let Err(e) = forget_stale_guessers(&db).await {
                tracing::warn!(error = %e, "forgetting stale lockouts failed; trying again later");
            }
            if let Err(e) = prune_checkpoints(&db).await {
                tracing::warn!(error = %e, "pruning old checkpoints failed; trying again later");
            }
            if let Err(e) = collect_feed_objects(&db).await {
                tracing::warn!(error = %e, "collecting feed objects failed; trying again later");
            }
        }
    })
}

/// Deletes the nonces whose window has passed; returns how many.
pub async fn sweep(db: &Db) -> Result<u64, crate::ApiError> {
    let now = chrono::Utc::now().timestamp();
    db.tx(move |sql| {
        Ok(sql.execute(
            "DELETE FROM nonces WHERE expires_at < ?1",
            args![now - MAX_VALIDITY_SECS],
        )?)
    })
    .await
}

/// Deletes activation lockouts that ran out, wrong codes too old to count and expired
/// attestation challenges; returns how many.
pub async fn forget_stale_guessers(db: &Db) -> Result<u64, crate::ApiError> {
    let now = chrono::Utc::now().timestamp();
    db.tx(move |sql| {
        Ok(crate::devices::lockout::forget_stale(sql, now)?
            + crate::devices::challenge::forget_expired(sql, now)?
            + crate::office::sessions::forget_expired(sql, now)?)
    })
    .await
}

/// Deletes checkpoints no record can still name; returns how many.
pub async fn prune_checkpoints(db: &Db) -> Result<u64, crate::ApiError> {
    let now = chrono::Utc::now().timestamp();
    db.tx(move |sql| {
        let mut longest = OfflinePolicy::default().max_offline_wipe_secs;
        for row in sql.query("SELECT body FROM unit_policies", &[])? {
            let policy: OfflinePolicy = decode(&row.text(0)?)?;
            longest = longest.max(policy.max_offline_wipe_secs);
        }
        let keep = i64::try_from(longest).unwrap_or(i64::MAX / 2) + 24 * 3600;
        Ok(sql.execute(
            "DELETE FROM checkpoints WHERE issued_unix < ?1",
            args![now.saturating_sub(keep)],
        )?)
    })
    .await
}

/// Deletes the feed objects no feed row names any more; returns how many.
pub async fn collect_feed_objects(db: &Db) -> Result<u64, crate::ApiError> {
    db.tx(crate::feed::collect).await
}
