//! The store's forward-only schema: one migration per version, each run in its own transaction so
//! a crash or a failure leaves the file at the previous version, never half-way.
//!
//! A migration is SQL, optionally followed by a Rust step that moves data the SQL cannot (version
//! 2 re-files the old inbox blobs into the document, instance and task repositories). Every
//! migration is tested by opening a database created at each earlier version with data in it
//! (`migration_tests.rs`).

use super::{feed, search, StoreError};
use crate::crypto;
use crate::protocol::InboxEntry;
use crate::workflow::Instance;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::Utc;
use rusqlite::{params, Connection, Transaction};

mod sql;

use sql::{V1, V10, V11, V12, V13, V14, V2, V3, V4, V5, V6, V7, V8, V9};

/// A data step of a migration, run inside its transaction.
pub(super) type DataStep = fn(&Transaction<'_>) -> Result<(), StoreError>;

/// One schema version: its SQL and an optional data step run after it in the same transaction.
pub(super) struct Migration {
    /// What the version adds.
    pub(super) sql: &'static str,
    /// Moves data that SQL alone cannot.
    pub(super) data: Option<DataStep>,
}

/// Version 8's data step: what the store already holds goes into the new index.
fn v8_data(tx: &Transaction<'_>) -> Result<(), StoreError> {
    search::index_existing(tx)
}

/// Every version, oldest first: entry `i` upgrades version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: V1,
        data: None,
    },
    Migration {
        sql: V2,
        data: Some(v2_data),
    },
    Migration {
        sql: V3,
        data: None,
    },
    Migration {
        sql: V4,
        data: None,
    },
    Migration {
        sql: V5,
        data: None,
    },
    Migration {
        sql: V6,
        data: None,
    },
    Migration {
        sql: V7,
        data: None,
    },
    Migration {
        sql: V8,
        data: Some(v8_data),
    },
    Migration {
        sql: V9,
        data: None,
    },
    Migration {
        sql: V10,
        data: None,
    },
    Migration {
        sql: V11,
        data: None,
    },
    Migration {
        sql: V12,
        data: None,
    },
    Migration {
        sql: V13,
        data: None,
    },
    Migration {
        sql: V14,
        data: None,
    },
];

/// The newest schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 2's data step: the cursor moves to its table, outbox entries get their counter and
/// chain hash, and every inbox blob is re-filed into the repositories, keeping its local state.
fn v2_data(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "INSERT INTO sync_cursors (feed, cursor) SELECT 'changes', cursor FROM account WHERE cursor <> '';
         ALTER TABLE account DROP COLUMN cursor;",
    )?;
    // Counters were handed out consecutively and the outbox keeps them in order, ending just
    // before the account's next counter.
    let mut entries = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT seq, signed FROM outbox ORDER BY seq DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            entries.push(row?);
        }
    }
    let next: Option<i64> = tx
        .query_row("SELECT next_counter FROM account WHERE id = 1", [], |r| {
            r.get(0)
        })
        .ok();
    for (back, (seq, signed)) in (1i64..).zip(&entries) {
        let payload: serde_json::Value = serde_json::from_str(signed)
            .map_err(|e| StoreError::Corrupted(format!("outbox entry {seq}: {e}")))?;
        let bytes = payload
            .get("payload")
            .and_then(|p| p.as_str())
            .and_then(|p| STANDARD.decode(p).ok())
            .ok_or_else(|| StoreError::Corrupted(format!("outbox entry {seq} has no payload")))?;
        let counter = next.map(|n| n - back);
        tx.execute(
            "UPDATE outbox SET counter = ?1, record_hash = ?2 WHERE seq = ?3",
            params![counter, STANDARD.encode(crypto::sha256(&bytes)), seq],
        )?;
    }
    let user_id = super::account::signed_in_user(tx).ok().flatten();
    let mut rows = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT entry, local_instance, state FROM inbox")?;
        let mapped = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in mapped {
            rows.push(row?);
        }
    }
    let now = Utc::now();
    let mut writer = feed::Writer::new(tx, user_id.as_deref().unwrap_or_default())?;
    for (entry, local, state) in rows {
        let entry: InboxEntry = super::decode(&entry)?;
        writer.entry(&entry, now)?;
        if state == "queued" {
            let local: Option<Instance> = local.as_deref().map(super::decode).transpose()?;
            writer.mark_queued(&entry.task_id, &entry.instance.id, local.as_ref())?;
        }
    }
    writer.finish()?;
    tx.execute_batch("DROP TABLE inbox;")?;
    Ok(())
}

/// Brings the store's schema to [`SCHEMA_VERSION`]; refuses a file from a newer build.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        run_one(conn, index, migration).map_err(|e| StoreError::Migration {
            to: index as i64 + 1,
            reason: e.to_string(),
        })?;
    }
    Ok(())
}

/// Runs migration `index` (to version `index + 1`) in one transaction.
pub(super) fn run_one(
    conn: &mut Connection,
    index: usize,
    migration: &Migration,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute_batch(migration.sql)?;
    if let Some(data) = migration.data {
        data(&tx)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
    tx.commit()?;
    Ok(())
}

fn user_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}
