//! The outbox of signed command records (each with its device counter and chain hash), the
//! verdicts the gateway returned for them, and drafts (暂存 opinions that stay on the phone).
//!
//! Queuing a command is one transaction: the outbox entry, the advanced device chain and the
//! optimistic state. A crash, even a killed process, leaves either all of it or none.

use super::feed::Writer;
use super::{decode, encode, Store, StoreError};
use crate::model::Opinion;
use crate::protocol::{CommandVerdict, SignedCommand};
use crate::workflow::Instance;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// One command waiting to be pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The signed command.
    pub command: SignedCommand,
    /// The task it acts on.
    pub task_id: String,
    /// Its place in the device's chain of records.
    pub counter: u64,
    /// Base64 hash of the record: the next record names it as its predecessor.
    pub record_hash: String,
    /// When the person decided.
    pub created_at: DateTime<Utc>,
    /// Whether the gateway was unreachable when the person decided.
    pub decided_offline: bool,
}

/// A verdict this phone received for one of its commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictRow {
    /// The verdict.
    pub verdict: CommandVerdict,
    /// Whether the command had been decided while the gateway was unreachable.
    pub decided_offline: bool,
    /// When the person decided.
    pub decided_locally_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Queues a signed command in one transaction: the outbox entry, the optimistic instance, and
    /// the device chain advanced past `row.counter` to `row.record_hash`. Fails with
    /// [`StoreError::Contended`] if another command took that counter meanwhile.
    pub fn enqueue(
        &mut self,
        row: &OutboxRow,
        local_instance: &Instance,
    ) -> Result<(), StoreError> {
        let counter = i64::try_from(row.counter).map_err(|_| StoreError::Contended)?;
        let tx = self.conn.transaction()?;
        let moved = tx.execute(
            "UPDATE account SET next_counter = next_counter + 1, last_record_hash = ?1
             WHERE id = 1 AND next_counter = ?2",
            params![row.record_hash, counter],
        )?;
        if moved != 1 {
            return Err(StoreError::Contended);
        }
        tx.execute(
            "INSERT INTO outbox (command_id, task_id, signed, created_at, decided_offline, counter, record_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                row.command.command_id,
                row.task_id,
                encode(&row.command)?,
                row.created_at,
                row.decided_offline,
                counter,
                row.record_hash
            ],
        )?;
        // The decision supersedes whatever was drafted for the task.
        tx.execute("DELETE FROM drafts WHERE task_id = ?1", [&row.task_id])?;
        let mut writer = Writer::settling(&tx);
        writer.mark_queued(&row.task_id, &local_instance.id, Some(local_instance))?;
        drop(writer);
        tx.commit()?;
        Ok(())
    }

    /// Commands waiting to be pushed, in device counter order.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT signed, task_id, counter, record_hash, created_at, decided_offline
             FROM outbox ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.map(|row| {
            let (signed, task_id, counter, record_hash, created_at, decided_offline) = row?;
            Ok(OutboxRow {
                command: decode(&signed)?,
                task_id,
                counter: counter.and_then(|c| u64::try_from(c).ok()).unwrap_or(0),
                record_hash: record_hash.unwrap_or_default(),
                created_at,
                decided_offline,
            })
        })
        .collect()
    }

    /// How many commands wait for the gateway.
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Stores verdicts from a push in one transaction; each command leaves the outbox only now.
    pub fn record_verdicts(&mut self, verdicts: &[CommandVerdict]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let mut writer = Writer::settling(&tx);
        for verdict in verdicts {
            writer.verdict(verdict)?;
        }
        drop(writer);
        tx.commit()?;
        Ok(())
    }

    /// Every verdict received, newest first.
    pub fn verdicts(&self) -> Result<Vec<VerdictRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT verdict, decided_offline, decided_locally_at FROM verdicts ORDER BY rowid DESC",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
        rows.map(|row| {
            let (verdict, decided_offline, decided_locally_at) = row?;
            Ok(VerdictRow {
                verdict: decode(&verdict)?,
                decided_offline,
                decided_locally_at,
            })
        })
        .collect()
    }

    /// 暂存 — keeps an opinion being written for a task, on this phone only, until the person
    /// decides or discards it.
    pub fn save_draft(
        &mut self,
        task_id: &str,
        opinion: &Opinion,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO drafts (task_id, opinion, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (task_id) DO UPDATE SET opinion = excluded.opinion, updated_at = excluded.updated_at",
            params![task_id, encode(opinion)?, at],
        )?;
        Ok(())
    }

    /// The draft kept for a task, if any.
    pub fn draft(&self, task_id: &str) -> Result<Option<Opinion>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT opinion FROM drafts WHERE task_id = ?1",
                [task_id],
                |r| r.get(0),
            )
            .optional()?;
        text.as_deref().map(decode).transpose()
    }

    /// Throws a draft away.
    pub fn discard_draft(&mut self, task_id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM drafts WHERE task_id = ?1", [task_id])?;
        Ok(())
    }
}
