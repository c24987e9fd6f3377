//! Files what the gateway sends into the repositories: a document with its body versions and
//! attachments, its process definition, the instance (newer versions only), every task of it with
//! the phone list it belongs to for this user, opinions, the trace and read items. Settling this
//! phone's own actions is in `settle`, applying a whole page in `pages`.
//!
//! A [`Writer`] works inside the caller's transaction (a pulled page is one transaction), with
//! cached prepared statements: applying a page is the phone's heaviest write (performance.md P-1).

use super::{encode, label, StoreError};
use crate::model::{Document, SecrecyLevel, Urgency};
use crate::protocol::InboxEntry;
use crate::workflow::{Instance, Task, TaskState};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::HashSet;

mod statements;
use statements::*;

/// Writes feed content for one user inside a transaction.
pub(super) struct Writer<'a, 't> {
    pub(super) tx: &'a Transaction<'t>,
    user_id: String,
    /// Definitions already written by this writer: a page often carries the same one many times.
    definitions: HashSet<String>,
    /// Opinions of fresh tasks not written yet ([`Writer::finish`] writes them).
    opinions: Vec<OpinionRow>,
}

/// One opinion row, as bound.
struct OpinionRow {
    task_id: String,
    instance_id: String,
    author: String,
    on_behalf_of: Option<String>,
    attitude: String,
    column: Option<String>,
    text: String,
    written_at: Option<DateTime<Utc>>,
}

impl Drop for Writer<'_, '_> {
    fn drop(&mut self) {
        // Only an error path gets here with opinions left: its transaction is rolled back.
        if !self.opinions.is_empty() && !std::thread::panicking() {
            tracing::debug!(
                left = self.opinions.len(),
                "a feed writer was dropped before it finished"
            );
        }
    }
}

impl<'a, 't> Writer<'a, 't> {
    /// A writer for `user_id`'s lists.
    pub(super) fn new(tx: &'a Transaction<'t>, user_id: &str) -> Result<Self, StoreError> {
        Ok(Writer {
            tx,
            user_id: user_id.to_owned(),
            definitions: HashSet::new(),
            opinions: Vec::new(),
        })
    }

    /// A writer that only settles actions (queued marks, verdicts): those need no user.
    pub(super) fn settling(tx: &'a Transaction<'t>) -> Self {
        Writer {
            tx,
            user_id: String::new(),
            definitions: HashSet::new(),
            opinions: Vec::new(),
        }
    }

    /// Files one inbox entry; returns false when it was refused or older than what is stored.
    pub(super) fn entry(
        &mut self,
        entry: &InboxEntry,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // The secrecy gate: a document above 无 never lands on a phone, even if a misconfigured
        // gateway sends one.
        if entry.document.secrecy != SecrecyLevel::None {
            tracing::warn!(task = %entry.task_id, "refused to store a classified document");
            return Ok(false);
        }
        let instance = &entry.instance;
        let stored: Option<u64> = self
            .tx
            .prepare_cached("SELECT version FROM instances WHERE id = ?1")?
            .query_row([&instance.id], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|v| u64::try_from(v).unwrap_or(0));
        if stored.is_some_and(|v| v >= instance.version) {
            return Ok(false);
        }
        if stored.is_some() {
            // An update may replace opinions still waiting to be written: they go first.
            self.write_opinions()?;
        }
        let document_stored = self
            .tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?1)")?
            .query_row([&entry.document.id], |r| r.get::<_, bool>(0))?;
        self.document(&entry.document, !document_stored, now)?;
        if self.definitions.insert(entry.definition.id.clone()) {
            self.tx
                .prepare_cached(
                    "INSERT INTO definitions (id, body) VALUES (?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                )?
                .execute(params![entry.definition.id, encode(&entry.definition)?])?;
        }
        self.instance(instance, stored, urgency_rank(entry.document.urgency), now)?;
        Ok(true)
    }

    /// Writes what is still held back (new opinions). Call it before the transaction commits:
    /// a writer dropped without it leaves them out.
    pub(super) fn finish(mut self) -> Result<(), StoreError> {
        self.write_opinions()
    }

    /// The new opinions held back, [`OPINION_BATCH`] rows a statement.
    fn write_opinions(&mut self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.opinions);
        for chunk in rows.chunks(OPINION_BATCH) {
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 8);
            for row in chunk {
                values.extend([
                    &row.task_id as &dyn rusqlite::ToSql,
                    &row.instance_id,
                    &row.author,
                    &row.on_behalf_of,
                    &row.attitude,
                    &row.column,
                    &row.text,
                    &row.written_at,
                ]);
            }
            let sql = opinion_batch_sql(chunk.len());
            let values = rusqlite::params_from_iter(values);
            // The full batch is the usual statement and stays prepared; a page's remainder (of
            // any size) is prepared for once.
            if chunk.len() == OPINION_BATCH {
                self.tx.prepare_cached(&sql)?.execute(values)?;
            } else {
                self.tx.prepare(&sql)?.execute(values)?;
            }
        }
        Ok(())
    }

    /// The document and its body versions and attachments (replaced as a whole).
    fn document(
        &mut self,
        document: &Document,
        fresh: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(pick(fresh, DOCUMENT_INSERT, DOCUMENT_UPSERT))?
            .execute(params![
                document.id,
                document.title,
                document.number.to_string(),
                label(&document.kind)?,
                urgency_rank(document.urgency),
                document.received_at,
                encode(document)?,
                now,
            ])?;
        if !fresh {
            for table in ["body_versions", "attachments"] {
                self.tx
                    .prepare_cached(&format!("DELETE FROM {table} WHERE document_id = ?1"))?
                    .execute([&document.id])?;
            }
        }
        for (seq, version) in (0i64..).zip(&document.body.versions) {
            self.tx
                .prepare_cached(
                    "INSERT INTO body_versions (document_id, version_id, seq, stage, format, sha256, size)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    document.id,
                    version.id,
                    seq,
                    label(&version.stage)?,
                    label(&version.format)?,
                    version.sha256,
                    i64::try_from(version.size).unwrap_or(i64::MAX),
                ])?;
            // Apart, so that re-filing data from before version 7 (no renditions, no column yet)
            // keeps working.
            if let Some(rendition) = &version.rendition {
                self.tx
                    .prepare_cached(
                        "UPDATE body_versions SET rendition_sha256 = ?3
                         WHERE document_id = ?1 AND version_id = ?2",
                    )?
                    .execute(params![document.id, version.id, rendition.sha256])?;
            }
        }
        for attachment in &document.body.attachments {
            self.tx
                .prepare_cached(
                    "INSERT INTO attachments (document_id, attachment_id, name, media_type, size, sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    document.id,
                    attachment.id,
                    attachment.name,
                    attachment.media_type,
                    i64::try_from(attachment.size).unwrap_or(i64::MAX),
                    attachment.sha256,
                ])?;
        }
        Ok(())
    }

    /// The instance (without its trace, which has its own table), its tasks, opinions, trace
    /// records newer than `stored_version`, and read items.
    fn instance(
        &mut self,
        instance: &Instance,
        stored_version: Option<u64>,
        urgency: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let started_at = instance.trace.first().map(|r| r.at).unwrap_or(now);
        let changed_at = instance.trace.last().map(|r| r.at).unwrap_or(now);
        let fresh = stored_version.is_none();
        let body = Instance {
            trace: Vec::new(),
            ..instance.clone()
        };
        self.tx
            .prepare_cached(pick(fresh, INSTANCE_INSERT, INSTANCE_UPSERT))?
            .execute(params![
                instance.id,
                instance.document_id,
                instance.definition_id,
                instance.initiator,
                label(&instance.state)?,
                i64::try_from(instance.version).unwrap_or(i64::MAX),
                started_at,
                encode(&body)?,
                now,
            ])?;
        for task in &instance.tasks {
            self.task(&instance.id, task, fresh, urgency, changed_at)?;
        }
        let newer = instance
            .trace
            .iter()
            .filter(|r| stored_version.is_none_or(|v| r.version > v));
        for record in newer {
            // Only versions newer than the stored instance: none of them can be stored yet.
            self.tx
                .prepare_cached(
                    "INSERT INTO trace (instance_id, version, record) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![
                    instance.id,
                    i64::try_from(record.version).unwrap_or(i64::MAX),
                    encode(record)?
                ])?;
        }
        for item in &instance.read_items {
            self.tx
                .prepare_cached(pick(fresh, READ_ITEM_INSERT, READ_ITEM_UPSERT))?
                .execute(params![
                    item.id,
                    instance.id,
                    item.recipient,
                    item.delivered_at,
                    item.read_at
                ])?;
        }
        if fresh {
            return Ok(());
        }
        // The optimistic copy goes once none of this user's actions on it waits for a verdict.
        self.tx
            .prepare_cached(
                "UPDATE instances SET local_body = NULL WHERE id = ?1 AND local_body IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM tasks WHERE instance_id = ?1 AND list = 'queued')",
            )?
            .execute([&instance.id])?;
        Ok(())
    }

    /// One task row and its opinion.
    fn task(
        &mut self,
        instance_id: &str,
        task: &Task,
        fresh: bool,
        urgency: i64,
        opened_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(pick(fresh, TASK_INSERT, TASK_UPSERT))?
            .execute(params![
                task.id,
                instance_id,
                task.node_id,
                task.assignee,
                task_state_label(&task.state),
                list_of(task, &self.user_id),
                urgency,
                opened_at,
                task.deadline,
                task.finished_at,
            ])?;
        if let Some(opinion) = &task.opinion {
            if fresh {
                self.opinions.push(OpinionRow {
                    task_id: task.id.clone(),
                    instance_id: instance_id.to_owned(),
                    author: task.assignee.clone(),
                    on_behalf_of: opinion.on_behalf_of.clone(),
                    attitude: label(&opinion.attitude)?,
                    column: opinion.column.clone(),
                    text: opinion.text.clone(),
                    written_at: task.finished_at,
                });
                if self.opinions.len() >= OPINION_BATCH {
                    self.write_opinions()?;
                }
                return Ok(());
            }
            self.tx.prepare_cached(OPINION_REPLACE)?.execute(params![
                task.id,
                instance_id,
                task.assignee,
                opinion.on_behalf_of,
                label(&opinion.attitude)?,
                opinion.column,
                opinion.text,
                task.finished_at,
            ])?;
        }
        Ok(())
    }
}

/// The phone list a task belongs to for `user`: 待办 while pending for them (held, or unclaimed in
/// a pool they are a candidate of), 已办 once they finished it, waiting while their added signers
/// or delegatee work; none for other people's tasks.
pub(super) fn list_of(task: &Task, user: &str) -> Option<&'static str> {
    let pool_candidate = task.assignee.is_empty() && task.candidates.iter().any(|c| c == user);
    if task.state.is_pending() && (task.is_held_by(user) || pool_candidate) {
        return Some("todo");
    }
    if !task.is_held_by(user) {
        return None;
    }
    match task.state {
        TaskState::Waiting | TaskState::Approving => Some("waiting"),
        TaskState::Done { .. } | TaskState::Returned | TaskState::Transferred => Some("done"),
        TaskState::Pending { .. } | TaskState::Cancelled { .. } => None,
    }
}

fn task_state_label(state: &TaskState) -> &'static str {
    match state {
        TaskState::Pending { .. } => "pending",
        TaskState::Waiting => "waiting",
        TaskState::Approving => "approving",
        TaskState::Done { .. } => "done",
        TaskState::Returned => "returned",
        TaskState::Transferred => "transferred",
        TaskState::Cancelled { .. } => "cancelled",
    }
}

/// Sort key: 特急 first.
pub(super) fn urgency_rank(urgency: Urgency) -> i64 {
    match urgency {
        Urgency::ExtraUrgent => 2,
        Urgency::Urgent => 1,
        Urgency::Normal => 0,
    }
}
