//! Housekeeping every replica does on a timer: expired nonces leave the table. A nonce only has
//! to outlive the ±60 s window of its signature (an older request fails the time check before its
//! nonce is looked at), so deleting them a little late changes nothing, and taking the delete off
//! the request path spares every signed request a write.

use crate::args;
use crate::db::Db;
use qianpi_core::protocol::signature::MAX_VALIDITY_SECS;
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
