//! The last signed checkpoint this phone received from the gateway: its hash (which every record
//! names), when the gateway issued it, and the policy it carried (offline limits, retention,
//! inactivity lock). Kept with the page it came in, in the same transaction, so the phone never
//! holds data newer than the checkpoint it believes in. Beside it, the latest time the phone has
//! seen since: the offline limits count from that, so setting the clock back does not make the
//! phone younger than it was.

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

    /// The latest of `now` and every time passed here since the last checkpoint came (none
    /// stored: `now`, and nothing is kept). A clock set back leaves the latest in place.
    pub fn latest_seen(&mut self, now: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
        let latest: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE checkpoint SET latest_seen_ms = MAX(COALESCE(latest_seen_ms, ?1), ?1)
                 WHERE id = 1 RETURNING latest_seen_ms",
            )?
            .query_row(params![now.timestamp_millis()], |r| r.get(0))
            .optional()?;
        Ok(latest
            .and_then(DateTime::from_timestamp_millis)
            .map_or(now, |latest| latest.max(now)))
    }
}

/// Keeps `checkpoint` inside the caller's transaction unless a newer one is stored (pages of one
/// sync may repeat a checkpoint; an older one never replaces a newer), and takes its policy. The
/// latest time seen starts again: the gateway's time (and the offset learned with it) is the
/// truth now, so a clock that once ran ahead does not keep the phone blocked.
pub(super) fn keep(
    tx: &Transaction<'_>,
    checkpoint: &StoredCheckpoint,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO checkpoint (id, signed, hash, issued_at, received_at, body, latest_seen_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (id) DO UPDATE SET signed = excluded.signed, hash = excluded.hash,
           issued_at = excluded.issued_at, received_at = excluded.received_at, body = excluded.body,
           latest_seen_ms = NULL
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
        unopened_body: offline.unopened_body,
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{days, store_in};
    use super::*;
    use crate::keys::DataKey;

    fn checkpoint(issued_at: DateTime<Utc>) -> StoredCheckpoint {
        StoredCheckpoint {
            signed: "signed".into(),
            hash: format!("hash-{}", issued_at.timestamp()),
            checkpoint: Checkpoint {
                device_id: "dev-1".into(),
                user_id: "wang".into(),
                issued_at,
                policy: OfflinePolicy::default(),
            },
        }
    }

    fn kept(store: &mut Store, checkpoint: &StoredCheckpoint) {
        let tx = store.conn.transaction().unwrap();
        keep(&tx, checkpoint, checkpoint.issued_at()).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn the_latest_time_seen_survives_a_clock_set_back_until_a_new_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::generate().unwrap();
        let mut store = store_in(dir.path(), &key);
        // Before any checkpoint nothing is counted, so nothing is kept.
        assert_eq!(store.latest_seen(days(5)).unwrap(), days(5));
        assert_eq!(store.latest_seen(days(1)).unwrap(), days(1));

        kept(&mut store, &checkpoint(days(0)));
        assert_eq!(store.latest_seen(days(8)).unwrap(), days(8));
        assert_eq!(store.latest_seen(days(1)).unwrap(), days(8), "set back");
        assert_eq!(store.latest_seen(days(9)).unwrap(), days(9));
        drop(store);
        // Kept across a restart.
        let mut store = Store::open(&dir.path().join("t.db"), &key).unwrap();
        assert_eq!(store.latest_seen(days(2)).unwrap(), days(9));

        // A newer checkpoint is the truth again: a clock that ran ahead blocks no longer.
        kept(&mut store, &checkpoint(days(3)));
        assert_eq!(store.latest_seen(days(3)).unwrap(), days(3));
        // An older checkpoint arriving late changes nothing.
        kept(&mut store, &checkpoint(days(1)));
        assert_eq!(store.latest_seen(days(2)).unwrap(), days(3));
    }
}
