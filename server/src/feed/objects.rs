//! The feed's shared objects: each document, instance version and definition an inbox change
//! carries is stored once, deflated, in `feed_objects` under the SHA-256 of its JSON, and the
//! change's row names the three by hash, with the task id as its body. Every reader of a task,
//! and every change of it, shares one copy, so the gateway's size grows with the data, not with
//! readers × history. Other changes (verdicts, notices, 回执) keep their JSON in the row.
//!
//! - **Rows.** `size` is the JSON length of the change as a page sends it (a page is cut on it
//!   without reading a body). A row with no `document_ref` holds the whole change in `body`;
//!   rows written before this form have no `size` either and are converted at start
//!   ([`super::convert`]), but are served as they are meanwhile.
//! - **Collection.** A row replaced by a newer change of its item (a task's instance moved on)
//!   may leave an object no row names. The replaced row's hashes wait in `feed_orphans`, and
//!   housekeeping deletes those that no row names ([`collect`]). On PostgreSQL a writer touches
//!   `changes` before it stores an object (every statement here keeps that order), and the
//!   collection first takes `changes` in SHARE mode: it waits for the writers under way and holds
//!   new ones back, so no object can be deleted between a writer finding it and committing a row
//!   that names it.

use crate::db::{decode, deflate, encode, inflate};
use crate::error::ApiError;
use crate::sql::{args, Dialect, Sql, Value};
use qianpi_domain::model::Document;
use qianpi_domain::workflow::{Instance, ProcessDefinition};
use qianpi_protocol::{Change, InboxEntry};
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet};

/// One object: its JSON and the SHA-256 of it.
#[derive(Debug, Clone)]
pub(super) struct Object {
    pub(super) hash: Vec<u8>,
    pub(super) json: String,
}

impl Object {
    fn of<T: serde::Serialize>(value: &T) -> Result<Object, ApiError> {
        let json = encode(value)?;
        Ok(Object {
            hash: qianpi_protocol::crypto::sha256(json.as_bytes()).to_vec(),
            json,
        })
    }
}

/// A change as its row stores it.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    /// The change's JSON, or for an inbox change its task id.
    pub(super) body: String,
    /// The JSON length of the change as sent.
    pub(super) size: usize,
    /// An inbox change's document, instance and definition, in that order.
    pub(super) objects: Option<[Object; 3]>,
}

/// The JSON of an inbox change around its parts, as serde writes `Change::Inbox`: the pieces
/// before the task id, between the parts, and after the last.
const INBOX_PIECES: [&str; 5] = [
    r#"{"kind":"inbox","entry":{"task_id":"#,
    r#","document":"#,
    r#","instance":"#,
    r#","definition":"#,
    "}}",
];

impl Stored {
    /// How `change` is stored.
    pub(super) fn of(change: &Change) -> Result<Stored, ApiError> {
        match change {
            Change::Inbox { entry } => {
                let objects = [
                    Object::of(&entry.document)?,
                    Object::of(&entry.instance)?,
                    Object::of(&entry.definition)?,
                ];
                let size = INBOX_PIECES.iter().map(|p| p.len()).sum::<usize>()
                    + encode(&entry.task_id)?.len()
                    + objects.iter().map(|o| o.json.len()).sum::<usize>();
                Ok(Stored {
                    body: entry.task_id.clone(),
                    size,
                    objects: Some(objects),
                })
            }
            other => {
                let body = encode(other)?;
                Ok(Stored {
                    size: body.len(),
                    body,
                    objects: None,
                })
            }
        }
    }

    /// The hashes this row names (none for a change kept whole).
    pub(super) fn refs(&self) -> [Option<Vec<u8>>; 3] {
        match &self.objects {
            Some([d, i, f]) => [
                Some(d.hash.clone()),
                Some(i.hash.clone()),
                Some(f.hash.clone()),
            ],
            None => [None, None, None],
        }
    }
}

/// Stores the objects that are not stored yet, deflated. The caller has already written the row
/// that names them (see the module's note on collection). Most calls find all three stored
/// (every other reader of a task, every change that leaves the document as it was), so the look
/// comes first and only a new object is compressed and sent.
pub(super) fn put(sql: &mut dyn Sql, objects: &[Object; 3]) -> Result<(), ApiError> {
    put_known(sql, objects, &mut HashSet::new())
}

/// [`put`], skipping the objects in `known` (stored earlier in this transaction) and adding the
/// others to it.
pub(super) fn put_known(
    sql: &mut dyn Sql,
    objects: &[Object; 3],
    known: &mut HashSet<Vec<u8>>,
) -> Result<(), ApiError> {
    for object in objects {
        if !known.insert(object.hash.clone()) {
            continue;
        }
        let stored = sql
            .query_opt(
                "SELECT 1 FROM feed_objects WHERE hash = ?1",
                args![object.hash.as_slice()],
            )?
            .is_some();
        if !stored {
            sql.execute(
                "INSERT INTO feed_objects (hash, body) VALUES (?1, ?2)
                 ON CONFLICT (hash) DO NOTHING",
                args![object.hash.as_slice(), deflate(&object.json)?],
            )?;
        }
    }
    Ok(())
}

/// Notes the hashes a replaced row named that its replacement does not, for [`collect`].
pub(super) fn note_replaced(
    sql: &mut dyn Sql,
    old: [Option<Vec<u8>>; 3],
    new: &[Option<Vec<u8>>; 3],
) -> Result<(), ApiError> {
    for hash in old.into_iter().flatten() {
        if new.iter().any(|n| n.as_ref() == Some(&hash)) {
            continue;
        }
        sql.execute(
            "INSERT INTO feed_orphans (hash) VALUES (?1) ON CONFLICT (hash) DO NOTHING",
            args![hash],
        )?;
    }
    Ok(())
}

/// A bytes column, or NULL.
pub(super) fn opt_blob(value: Option<&Value>) -> Result<Option<Vec<u8>>, ApiError> {
    match value {
        Some(Value::Blob(bytes)) => Ok(Some(bytes.clone())),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(ApiError::internal("a feed row's object hash is not bytes")),
    }
}

/// Deletes the objects that replaced rows named and no row names any more; returns how many.
pub fn collect(sql: &mut dyn Sql) -> Result<u64, ApiError> {
    // Nothing was replaced since the last round: no lock, so no writer waits for nothing.
    if sql
        .query_opt("SELECT 1 FROM feed_orphans LIMIT 1", args![])?
        .is_none()
    {
        return Ok(0);
    }
    if sql.dialect() == Dialect::Postgres {
        sql.batch("LOCK TABLE changes IN SHARE MODE")?;
    }
    let deleted = sql.execute(
        "DELETE FROM feed_objects WHERE hash IN (SELECT hash FROM feed_orphans)
            AND NOT EXISTS (SELECT 1 FROM changes WHERE document_ref = feed_objects.hash)
            AND NOT EXISTS (SELECT 1 FROM changes WHERE instance_ref = feed_objects.hash)
            AND NOT EXISTS (SELECT 1 FROM changes WHERE definition_ref = feed_objects.hash)",
        args![],
    )?;
    sql.execute("DELETE FROM feed_orphans", args![])?;
    Ok(deleted)
}

/// Decoded objects of one page, by hash: a definition shared by a page's tasks is decoded once.
#[derive(Default)]
pub(super) struct Decoded {
    documents: HashMap<Vec<u8>, Document>,
    instances: HashMap<Vec<u8>, Instance>,
    definitions: HashMap<Vec<u8>, ProcessDefinition>,
}

fn cached<T: DeserializeOwned + Clone>(
    cache: &mut HashMap<Vec<u8>, T>,
    hash: Vec<u8>,
    json: Option<&Value>,
) -> Result<T, ApiError> {
    if let Some(value) = cache.get(&hash) {
        return Ok(value.clone());
    }
    let Some(Value::Blob(stored)) = json else {
        return Err(ApiError::internal(
            "a feed row names an object the feed lacks",
        ));
    };
    let value: T = decode(&inflate(stored)?)?;
    cache.insert(hash, value.clone());
    Ok(value)
}

impl Decoded {
    /// The change of a row whose columns from `at` on are `size`, `body`, the three hashes and
    /// the three objects' JSON (as a page reads them), and its size as sent.
    pub(super) fn change(&mut self, row: &[Value], at: usize) -> Result<(Change, usize), ApiError> {
        let column = |i: usize| row.get(at + i);
        let body = match column(1) {
            Some(Value::Text(body)) => body,
            _ => return Err(ApiError::internal("a feed row has no body")),
        };
        let Some(document) = opt_blob(column(2))? else {
            return Ok((decode(body)?, body.len()));
        };
        let (Some(instance), Some(definition)) = (opt_blob(column(3))?, opt_blob(column(4))?)
        else {
            return Err(ApiError::internal(
                "a feed row names only some of its objects",
            ));
        };
        let size = match column(0) {
            Some(Value::Int(size)) => usize::try_from(*size).unwrap_or(usize::MAX),
            _ => return Err(ApiError::internal("a feed row with objects has no size")),
        };
        let entry = InboxEntry {
            task_id: body.clone(),
            document: cached(&mut self.documents, document, column(5))?,
            instance: cached(&mut self.instances, instance, column(6))?,
            definition: cached(&mut self.definitions, definition, column(7))?,
        };
        Ok((
            Change::Inbox {
                entry: Box::new(entry),
            },
            size,
        ))
    }
}
