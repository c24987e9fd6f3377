//! What the document detail screen reads: one document with its flow, found from any id a list
//! shows (a task, a read item, an 已发 instance, or the document itself). Every step is a primary
//! key or an indexed lookup, so opening a document costs the same in a store of 100k documents as
//! in an empty one (the detail benchmark checks this); only the one instance is decoded.

use super::lists::LocalTaskState;
use super::{decode, InboxRow, Store, StoreError};
use crate::model::Document;
use crate::protocol::InboxEntry;
use crate::workflow::{Instance, ProcessDefinition};
use rusqlite::OptionalExtension;
use std::collections::HashSet;

/// A document with everything its detail screen shows, as stored on this phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailRows {
    /// The document.
    pub document: Document,
    /// Its flow, when one reached the phone.
    pub flow: Option<FlowRows>,
    /// The content hashes of its body versions, their renditions and its attachments whose files
    /// the vault holds.
    pub held_files: HashSet<String>,
    /// The content hashes of its body files (versions and renditions) opened on this phone.
    pub opened_files: HashSet<String>,
    /// The unit's rule for approving a body never opened here.
    pub unopened_body: crate::protocol::UnopenedBodyRule,
}

/// A flow as stored on this phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRows {
    /// The instance as the gateway last sent it, with its trace.
    pub instance: Instance,
    /// The instance as this phone's queued actions left it (with their trace records), until the
    /// gateway's verdicts arrive.
    pub local: Option<Instance>,
    /// The definition it follows.
    pub definition: ProcessDefinition,
    /// The viewer's own tasks acted on here and still waiting for the gateway.
    pub queued_tasks: HashSet<String>,
    /// The viewer's own task in it (the one opened, or the most pressing one), with its detail.
    pub viewer_task: Option<InboxRow>,
}

/// What an id names, once resolved.
enum Found {
    /// A flow instance (from a task, read item or instance id), and the viewer's task when the id
    /// named one of theirs.
    Instance { id: String, task: Option<String> },
    /// A document, by its id.
    Document(String),
}

impl Store {
    /// The document a task, read item, instance or document `id` names, with its flow; `None` when
    /// no such thing is on this phone.
    pub fn detail_rows(&self, id: &str) -> Result<Option<DetailRows>, StoreError> {
        let Some(found) = self.resolve(id)? else {
            return Ok(None);
        };
        let (instance_id, viewer_task) = match found {
            Found::Instance { id, task } => (Some(id), task),
            Found::Document(document_id) => {
                // A document carried by several flows (sent again after a rejection) shows the
                // newest one.
                let newest: Option<String> = self
                    .conn
                    .prepare_cached(
                        "SELECT id FROM instances WHERE document_id = ?1
                         ORDER BY started_at DESC, id DESC LIMIT 1",
                    )?
                    .query_row([&document_id], |r| r.get(0))
                    .optional()?;
                match newest {
                    Some(instance_id) => (Some(instance_id), None),
                    None => return self.document_only(&document_id),
                }
            }
        };
        let Some(instance_id) = instance_id else {
            return Ok(None);
        };
        let Some(flow) = self.flow_parts(&instance_id)? else {
            return Ok(None);
        };
        let (mut instance, mut local, definition, document) =
            (flow.instance, flow.local, flow.definition, flow.document);
        let (queued_tasks, own_tasks) = self.own_tasks(&instance_id)?;
        // The task opened if it is the viewer's; otherwise their most pressing one here. Its row
        // is for the control flags, which never read the trace (each probe has an id of its
        // own) but clone the instance for every action they try: the copies leave it out.
        let viewer_task = viewer_task
            .and_then(|id| own_tasks.iter().find(|(t, _)| *t == id).cloned())
            .or_else(|| own_tasks.first().cloned())
            .map(|(task_id, list)| InboxRow {
                entry: InboxEntry {
                    task_id,
                    document: document.clone(),
                    instance: clone_without_trace(&mut instance),
                    definition: definition.clone(),
                },
                local_instance: local.as_mut().map(clone_without_trace),
                state: LocalTaskState::from_list(Some(&list)),
            });
        let held_files = self.held_files(&document)?;
        let opened_files = self.opened_bodies(&document)?;
        let unopened_body = self.policy()?.unopened_body;
        Ok(Some(DetailRows {
            document,
            opened_files,
            unopened_body,
            flow: Some(FlowRows {
                instance,
                local,
                definition,
                queued_tasks,
                viewer_task,
            }),
            held_files,
        }))
    }

    /// Which kind of thing `id` names: each table is probed by its primary key.
    fn resolve(&self, id: &str) -> Result<Option<Found>, StoreError> {
        let row: Option<(String, Option<String>, bool)> = self
            .conn
            .prepare_cached(
                "SELECT instance_id, id, list IS NOT NULL FROM tasks WHERE id = ?1
                 UNION ALL SELECT instance_id, NULL, 0 FROM read_items WHERE id = ?1
                 UNION ALL SELECT id, NULL, 0 FROM instances WHERE id = ?1
                 LIMIT 1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((instance, task, own)) = row {
            return Ok(Some(Found::Instance {
                id: instance,
                // Someone else's task opens the flow, seen as the viewer sees it.
                task: task.filter(|_| own),
            }));
        }
        let document: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM documents WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(document.map(Found::Document))
    }

    /// A document no flow of which reached the phone.
    fn document_only(&self, document_id: &str) -> Result<Option<DetailRows>, StoreError> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM documents WHERE id = ?1")?
            .query_row([document_id], |r| r.get(0))
            .optional()?;
        let Some(body) = body else {
            return Ok(None);
        };
        let document: Document = decode(&body)?;
        let held_files = self.held_files(&document)?;
        Ok(Some(DetailRows {
            opened_files: self.opened_bodies(&document)?,
            unopened_body: self.policy()?.unopened_body,
            document,
            flow: None,
            held_files,
        }))
    }

    /// The viewer's tasks of an instance with the list each is in, the most pressing first
    /// (待办, then queued here, waiting, done), and the ids of the queued ones.
    #[allow(clippy::type_complexity)]
    fn own_tasks(
        &self,
        instance_id: &str,
    ) -> Result<(HashSet<String>, Vec<(String, String)>), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, list FROM tasks WHERE instance_id = ?1 AND list IS NOT NULL
             ORDER BY CASE list WHEN 'todo' THEN 0 WHEN 'queued' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END,
               received_at DESC, id",
        )?;
        let rows = stmt.query_map([instance_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let own: Vec<(String, String)> = rows.collect::<Result<_, _>>()?;
        let queued = own
            .iter()
            .filter(|(_, list)| list == "queued")
            .map(|(id, _)| id.clone())
            .collect();
        Ok((queued, own))
    }

    /// The files of a document the vault holds, by content hash.
    fn held_files(&self, document: &Document) -> Result<HashSet<String>, StoreError> {
        let mut held = self.held_bodies(document)?;
        for sha256 in document.body.attachments.iter().map(|a| &a.sha256) {
            if self.stored_file_size(sha256)?.is_some() {
                held.insert(sha256.clone());
            }
        }
        Ok(held)
    }
}

/// A copy of `instance` without its trace, which is set aside while cloning rather than cloned
/// and dropped (40 records with their opinions on a long flow).
fn clone_without_trace(instance: &mut Instance) -> Instance {
    let trace = std::mem::take(&mut instance.trace);
    let copy = instance.clone();
    instance.trace = trace;
    copy
}
