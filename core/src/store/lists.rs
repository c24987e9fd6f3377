//! The phone's lists and the detail of one task. Each list is one indexed query that reads only
//! summary columns, from indexes that hold them (no table page for 待办's rows, only the
//! instances' and documents' summary indexes for the others), so the first page comes back in
//! milliseconds from a store of 100k documents, also right after an unlock when every page is
//! read and decrypted (performance.md P-2); the full instance is decoded only for the task the
//! person opens.
//!
//! | list | rows | order | index |
//! | --- | --- | --- | --- |
//! | 待办 | tasks pending for this user | 特急 first, newest first | `tasks_todo` |
//! | 已办 | tasks this user finished, and those acted on here and still queued | queued first, newest first | `tasks_done` |
//! | 待阅 / 已阅 | circulated read items for this user | newest delivery first | `read_items_list` |
//! | 已发 | instances this user started | newest first | `instances_sent` |
//! | 草稿 | opinions kept with 暂存 | last saved first | `drafts_list` |

use super::{decode, Store, StoreError};
use crate::model::{DocumentKind, SecrecyLevel, Urgency};
use crate::protocol::InboxEntry;
use crate::workflow::{Instance, TraceRecord};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

/// Where a task stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTaskState {
    /// 待办 — waiting for the user.
    Pending,
    /// Decided here, waiting in the outbox for the gateway.
    Queued,
    /// The user's part waits for others (added signers, a delegatee).
    Waiting,
    /// 已办 — finished according to the gateway.
    Done,
}

impl LocalTaskState {
    pub(super) fn from_list(list: Option<&str>) -> LocalTaskState {
        match list {
            Some("todo") => LocalTaskState::Pending,
            Some("queued") => LocalTaskState::Queued,
            Some("waiting") => LocalTaskState::Waiting,
            _ => LocalTaskState::Done,
        }
    }
}

/// One of the phone's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// 待办
    Todo,
    /// 已办
    Done,
    /// 待阅
    ToRead,
    /// 已阅
    Read,
    /// 已发
    Sent,
    /// 草稿
    Drafts,
}

/// One row of a list: what the list screen shows, nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// The task id (待办, 已办, 草稿), read item id (待阅, 已阅) or instance id (已发).
    pub id: String,
    /// The document.
    pub document_id: String,
    /// 标题
    pub title: String,
    /// 发文字号
    pub number: String,
    /// 紧急程度
    pub urgency: Urgency,
    /// 公文类型 (收文, 发文 …)
    pub kind: DocumentKind,
    /// 密级
    pub secrecy: SecrecyLevel,
    /// The list's time: received, finished, delivered, started or saved.
    pub at: Option<DateTime<Utc>>,
    /// 办理时限 of the task, if any.
    pub deadline: Option<DateTime<Utc>>,
    /// Acted on here; waiting for the gateway.
    pub queued: bool,
}

/// One task with everything needed to show it and to preview an action offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    /// What the gateway last said.
    pub entry: InboxEntry,
    /// The instance as this phone's queued action left it (shown until the verdict arrives).
    pub local_instance: Option<Instance>,
    /// Where the task stands here.
    pub state: LocalTaskState,
}

/// One flow's parts as stored (see [`Store::flow_parts`]).
pub(super) struct FlowParts {
    /// The instance as the gateway last said, with its trace.
    pub(super) instance: Instance,
    /// The instance as this phone's queued action left it.
    pub(super) local: Option<Instance>,
    /// The definition it follows.
    pub(super) definition: crate::workflow::ProcessDefinition,
    /// The document it carries.
    pub(super) document: crate::model::Document,
}

const SUMMARY: &str =
    "d.id, d.title, d.number, d.urgency, d.kind, json_extract(d.body, '$.secrecy')";
/// A row's document, from its instance.
const DOCUMENT: &str = "JOIN documents d INDEXED BY documents_summary ON d.id = i.document_id";
/// A task's instance and document.
const JOINS: &str = "JOIN instances i INDEXED BY instances_summary ON i.id = t.instance_id
             JOIN documents d INDEXED BY documents_summary ON d.id = i.document_id";

impl Store {
    /// A page of one list.
    pub fn list(
        &self,
        kind: ListKind,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ListItem>, StoreError> {
        let user = self.user_id()?;
        let sql = list_sql(kind);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params![
                user,
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ],
            |r| {
                Ok(ListItem {
                    id: r.get(0)?,
                    document_id: r.get(1)?,
                    title: r.get(2)?,
                    number: r.get(3)?,
                    urgency: urgency_from_rank(r.get(4)?),
                    kind: from_label(5, &r.get::<_, String>(5)?)?,
                    secrecy: from_label(6, &r.get::<_, String>(6)?)?,
                    at: r.get(7)?,
                    deadline: r.get(8)?,
                    queued: r.get(9)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The user's tasks with their detail, pending first (most urgent first), then queued,
    /// waiting and done; at most `limit`.
    pub fn inbox(&self, limit: usize) -> Result<Vec<InboxRow>, StoreError> {
        let ids: Vec<String> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id FROM tasks WHERE list IS NOT NULL
                 ORDER BY CASE list WHEN 'todo' THEN 0 WHEN 'queued' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END,
                   urgency DESC, received_at DESC, id LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.inbox_row(&id)? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// One task with its document, instance and definition.
    pub fn inbox_row(&self, task_id: &str) -> Result<Option<InboxRow>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT t.list, i.body, i.local_body, f.body, d.body FROM tasks t
                 JOIN instances i ON i.id = t.instance_id
                 JOIN definitions f ON f.id = i.definition_id
                 JOIN documents d ON d.id = i.document_id
                 WHERE t.id = ?1",
            )?
            .query_row([task_id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        let Some((list, instance, local, definition, document)) = row else {
            return Ok(None);
        };
        let mut instance: Instance = decode(&instance)?;
        instance.trace = self.trace(&instance.id)?;
        Ok(Some(InboxRow {
            entry: InboxEntry {
                task_id: task_id.to_owned(),
                document: decode(&document)?,
                instance,
                definition: decode(&definition)?,
            },
            local_instance: local.as_deref().map(decode).transpose()?,
            state: LocalTaskState::from_list(list.as_deref()),
        }))
    }

    /// The flow an action names, found by a task id, a circulated read item id (待阅) or the
    /// instance id (已发); the row's `task_id` is the id asked for, and its state is the task's
    /// for a task, `Done` otherwise (nothing of the person's is pending there).
    pub fn flow_row(&self, id: &str) -> Result<Option<InboxRow>, StoreError> {
        if let Some(row) = self.inbox_row(id)? {
            return Ok(Some(row));
        }
        // A read item names its flow's instance; anything else is taken as the instance id.
        let instance_id: String = self
            .conn
            .prepare_cached("SELECT instance_id FROM read_items WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| id.to_owned());
        let Some(flow) = self.flow_parts(&instance_id)? else {
            return Ok(None);
        };
        Ok(Some(InboxRow {
            entry: InboxEntry {
                task_id: id.to_owned(),
                document: flow.document,
                instance: flow.instance,
                definition: flow.definition,
            },
            local_instance: flow.local,
            state: LocalTaskState::Done,
        }))
    }

    /// The flow of instance `instance_id` as this phone holds it: the instance with its trace,
    /// this phone's optimistic copy, the definition and the document.
    pub(super) fn flow_parts(&self, instance_id: &str) -> Result<Option<FlowParts>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT i.body, i.local_body, f.body, d.body FROM instances i
                 JOIN definitions f ON f.id = i.definition_id
                 JOIN documents d ON d.id = i.document_id
                 WHERE i.id = ?1",
            )?
            .query_row([instance_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        let Some((instance, local, definition, document)) = row else {
            return Ok(None);
        };
        let mut instance: Instance = decode(&instance)?;
        instance.trace = self.trace(instance_id)?;
        Ok(Some(FlowParts {
            instance,
            local: local.as_deref().map(decode).transpose()?,
            definition: decode(&definition)?,
            document: decode(&document)?,
        }))
    }

    /// Pending tasks this phone holds for `holder` (a leader whose secretary uses this phone,
    /// 代签), most urgent first.
    pub fn pending_held_by(&self, holder: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM tasks WHERE assignee = ?1 AND state = 'pending'
             ORDER BY urgency DESC, received_at DESC, id",
        )?;
        let rows = stmt.query_map([holder], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// 流转记录 — the trace of an instance, oldest first.
    pub fn trace(&self, instance_id: &str) -> Result<Vec<TraceRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT record FROM trace WHERE instance_id = ?1 ORDER BY version")?;
        let rows = stmt.query_map([instance_id], |r| r.get::<_, String>(0))?;
        rows.map(|row| decode(&row?)).collect()
    }
}

/// The select of one list's page. Every list binds the same three parameters (user, limit,
/// offset); lists that do not filter by user say `?1 = ?1`, which the planner folds away, so one
/// call serves all. Instances and documents are joined through their summary indexes (schema
/// version 11), which hold every column a row needs: without statistics the planner would take
/// the primary key and read each row's table page as well.
pub(super) fn list_sql(kind: ListKind) -> String {
    match kind {
        ListKind::Todo => format!(
            "SELECT t.id, {SUMMARY}, t.received_at, t.deadline, 0 FROM tasks t {JOINS}
             WHERE t.list = 'todo' AND ?1 = ?1
             ORDER BY t.urgency DESC, t.received_at DESC, t.id LIMIT ?2 OFFSET ?3"
        ),
        ListKind::Done => format!(
            "SELECT t.id, {SUMMARY}, t.finished_at, t.deadline, t.list = 'queued' FROM tasks t {JOINS}
             WHERE t.list IN ('queued', 'done') AND ?1 = ?1
             ORDER BY t.list = 'queued' DESC, t.finished_at DESC, t.id LIMIT ?2 OFFSET ?3"
        ),
        ListKind::ToRead | ListKind::Read => format!(
            "SELECT r.id, {SUMMARY}, r.delivered_at, NULL, 0 FROM read_items r
             JOIN instances i INDEXED BY instances_summary ON i.id = r.instance_id {DOCUMENT}
             WHERE r.recipient = ?1 AND (r.read_at IS NOT NULL) = {}
             ORDER BY r.delivered_at DESC, r.id LIMIT ?2 OFFSET ?3",
            i32::from(kind == ListKind::Read)
        ),
        ListKind::Sent => format!(
            "SELECT i.id, {SUMMARY}, i.started_at, NULL, 0 FROM instances i {DOCUMENT}
             WHERE i.initiator = ?1
             ORDER BY i.started_at DESC, i.id LIMIT ?2 OFFSET ?3"
        ),
        ListKind::Drafts => format!(
            "SELECT k.task_id, {SUMMARY}, k.updated_at, t.deadline, 0 FROM drafts k
             JOIN tasks t ON t.id = k.task_id {JOINS}
             WHERE ?1 = ?1
             ORDER BY k.updated_at DESC, k.task_id LIMIT ?2 OFFSET ?3"
        ),
    }
}

/// The value of a unit-like enum column written by [`super::label`] (column `index`).
fn from_label<T: serde::de::DeserializeOwned>(index: usize, label: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(label.to_owned())).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn urgency_from_rank(rank: i64) -> Urgency {
    match rank {
        2 => Urgency::ExtraUrgent,
        1 => Urgency::Urgent,
        _ => Urgency::Normal,
    }
}
