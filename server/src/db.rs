//! The gateway's embedded SQLite database: opening, forward-only migrations, and the small access
//! helpers the handlers share. Everything replicas would need to share (nonces, verdicts, the
//! change feed) lives here, never in process memory.

use crate::error::ApiError;
use qianpi_core::model::{Document, SecrecyLevel};
use qianpi_core::protocol::{Change, InboxEntry};
use qianpi_core::store::migrate_forward;
use qianpi_core::workflow::{Instance, ProcessDefinition};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Name of the database file inside the data folder.
pub const DATABASE_FILE: &str = "gateway.db";

const MIGRATIONS: &[&str] = &[
    // 1: units, users, definitions, documents, instances, trace, devices, codes, nonces,
    //    verdicts and the per-user change feed.
    "CREATE TABLE units (id TEXT PRIMARY KEY, name TEXT NOT NULL, organ_code TEXT NOT NULL);
     CREATE TABLE users (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), login TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL, post TEXT NOT NULL, role TEXT NOT NULL);
     CREATE TABLE definitions (id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), body TEXT NOT NULL);
     CREATE TABLE documents (id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), secrecy TEXT NOT NULL, body TEXT NOT NULL);
     CREATE TABLE instances (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), document_id TEXT NOT NULL REFERENCES documents(id),
        definition_id TEXT NOT NULL REFERENCES definitions(id), version INTEGER NOT NULL, body TEXT NOT NULL);
     CREATE TABLE trace (
        id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL REFERENCES instances(id),
        command_id TEXT, actor TEXT NOT NULL, device_id TEXT, body TEXT NOT NULL, at TEXT NOT NULL);
     CREATE TABLE activation_codes (
        user_id TEXT PRIMARY KEY REFERENCES users(id), code_hash BLOB NOT NULL, expires_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0);
     CREATE TABLE devices (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
        request_key_id TEXT NOT NULL UNIQUE, request_key_spki BLOB NOT NULL,
        approval_key_id TEXT NOT NULL UNIQUE, approval_key_spki BLOB NOT NULL,
        token_hash BLOB NOT NULL, state TEXT NOT NULL, name TEXT NOT NULL, platform TEXT NOT NULL,
        assurance TEXT NOT NULL, last_counter INTEGER NOT NULL DEFAULT 0,
        last_record_hash TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
     CREATE TABLE nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (key_id, nonce));
     CREATE INDEX nonces_by_expiry ON nonces (expires_at);
     CREATE TABLE verdicts (command_id TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(id), body TEXT NOT NULL);
     CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL REFERENCES users(id), body TEXT NOT NULL);
     CREATE INDEX changes_by_user ON changes (user_id, seq);",
    // 2: what the workflow needs to know about people: roles (unit admin, supervisor, the leaders
    //    a secretary enters opinions for) and standing delegations (委托代理).
    "ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT '{}';
     CREATE TABLE standing_delegations (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), body TEXT NOT NULL,
        revoked_at TEXT);",
];

/// A shared handle to the database. SQLite serialises writers anyway; one connection behind a
/// mutex, used from blocking threads, keeps the async workers free.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating and migrating) the database in `data_dir`. Returns the handle and whether
    /// the database was created just now.
    pub fn open(data_dir: &Path) -> Result<(Db, bool), ApiError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ApiError::internal(format!("cannot create the data folder: {e}")))?;
        let conn = Connection::open(data_dir.join(DATABASE_FILE))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        let found =
            migrate_forward(&conn, MIGRATIONS).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok((
            Db {
                conn: Arc::new(Mutex::new(conn)),
            },
            found == 0,
        ))
    }

    /// Runs `work` on a blocking thread with the connection.
    pub async fn call<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| ApiError::internal("database lock poisoned"))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `work` right here, for the command-line tools.
    pub fn call_blocking<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| ApiError::internal("database lock poisoned"))?;
        work(&mut guard)
    }
}

/// Loads an instance with its definition and document.
pub fn load_instance(
    tx: &Connection,
    instance_id: &str,
) -> Result<Option<(String, Instance, ProcessDefinition, Document)>, ApiError> {
    let row: Option<(String, String, String, String)> = tx
        .query_row(
            "SELECT i.unit_id, i.body, d.body, doc.body FROM instances i
             JOIN definitions d ON d.id = i.definition_id JOIN documents doc ON doc.id = i.document_id WHERE i.id = ?1",
            [instance_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    row.map(|(unit, instance, definition, document)| {
        Ok((
            unit,
            decode(&instance)?,
            decode(&definition)?,
            decode(&document)?,
        ))
    })
    .transpose()
}

/// Saves an instance and writes an inbox change for every task of it to its assignee's feed.
/// A document above 无 never enters a phone's feed (the secrecy gate).
pub fn save_instance(
    tx: &Transaction<'_>,
    instance: &Instance,
    definition: &ProcessDefinition,
    document: &Document,
) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE instances SET version = ?1, body = ?2 WHERE id = ?3",
        params![
            i64::try_from(instance.version).map_err(|_| ApiError::internal("version overflow"))?,
            encode(instance)?,
            instance.id
        ],
    )?;
    publish_instance(tx, instance, definition, document)
}

/// Writes the inbox changes of an instance to its assignees' feeds.
pub fn publish_instance(
    tx: &Connection,
    instance: &Instance,
    definition: &ProcessDefinition,
    document: &Document,
) -> Result<(), ApiError> {
    if document.secrecy != SecrecyLevel::None {
        return Ok(());
    }
    for task in &instance.tasks {
        let entry = InboxEntry {
            task_id: task.id.clone(),
            document: document.clone(),
            instance: instance.clone(),
            definition: definition.clone(),
        };
        // Everyone who may act on the task sees it: its assignee, the principal of a standing
        // delegation, and the candidates of an unclaimed pool task.
        let mut readers: Vec<&str> = task
            .candidates
            .iter()
            .map(String::as_str)
            .chain(task.on_behalf_of.as_deref())
            .chain((!task.assignee.is_empty()).then_some(task.assignee.as_str()))
            .collect();
        readers.sort_unstable();
        readers.dedup();
        for reader in readers {
            append_change(
                tx,
                reader,
                &Change::Inbox {
                    entry: Box::new(entry.clone()),
                },
            )?;
        }
    }
    Ok(())
}

/// Appends one change to a user's feed.
pub fn append_change(tx: &Connection, user_id: &str, change: &Change) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO changes (user_id, body) VALUES (?1, ?2)",
        params![user_id, encode(change)?],
    )?;
    Ok(())
}

/// JSON for a stored column.
pub fn encode<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(format!("encoding failed: {e}")))
}

/// A stored JSON column back.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("stored row is damaged: {e}")))
}
