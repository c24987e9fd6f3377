//! The last signed checkpoint this phone received from the gateway: its hash (which every record
//! names), when the gateway issued it, and the policy it carried (offline limits, retention,
//! inactivity lock). Kept with the page it came in, in the same transaction, so the phone never
//! holds data newer than the checkpoint it believes in.

use super::{decode, encode, Policy, Store, StoreError};
use crate::protocol::{Checkpoint, OfflinePolicy};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

/// A checkpoint as the phone keeps it, after the client verified its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The signed form, base64, as received.
    pub signed: String,
    /// Its hash ([`crate::protocol::Signed::hash`]).
    pub hash: String,
    /// What it says.
    pub checkpoint: Checkpoint,
}

impl StoredCheckpoint {
    /// When the gateway issued it.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.checkpoint.issued_at
    }

    /// Its offline limits and housekeeping settings.
    pub fn policy(&self) -> &OfflinePolicy {
        &self.checkpoint.policy
    }
}

impl Store {
    /// The last checkpoint received, if any.
    pub fn last_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let row: Option<(String, String, String)> = self
            .conn
            .prepare_cached("SELECT signed, hash, body FROM checkpoint WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(signed, hash, body)| {
            Ok(StoredCheckpoint {
                signed,
                hash,
                checkpoint: decode(&body)?,
            })
        })
        .transpose()
    }
}

/// Keeps `checkpoint` inside the caller's transaction unless a newer one is stored (pages of one
/// sync may repeat a checkpoint; an older one never replaces a newer), and takes its policy.
pub(super) fn keep(
    tx: &Transaction<'_>,
    checkpoint: &StoredCheckpoint,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO checkpoint (id, signed, hash, issued_at, received_at, body)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET signed = excluded.signed, hash = excluded.hash,
           issued_at = excluded.issued_at, received_at = excluded.received_at, body = excluded.body
         WHERE excluded.issued_at >= checkpoint.issued_at",
    )?
    .execute(params![
        checkpoint.signed,
        checkpoint.hash,
        checkpoint.issued_at(),
        now,
        encode(&checkpoint.checkpoint)?
    ])?;
    let offline = checkpoint.policy();
    let policy = Policy {
        version: offline.version,
        retention_days: offline.retention_days,
        inactivity_lock_minutes: offline.inactivity_lock_minutes,
    };
    tx.prepare_cached(
        "INSERT INTO policy (id, version, body) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body
         WHERE excluded.version >= policy.version",
    )?
    .execute(params![
        i64::try_from(policy.version).unwrap_or(i64::MAX),
        encode(&policy)?
    ])?;
    Ok(())
}
