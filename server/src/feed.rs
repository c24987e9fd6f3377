//! The per-user change feed and the flows that fill it.
//!
//! Each user's changes carry their own sequence, taken from the user's row in `feed_heads` inside
//! the writing transaction. That row stays locked until the transaction commits, so on
//! PostgreSQL with several replicas a reader can never see change n+1 committed while n is still
//! in flight — the gap a shared serial column would open, through which a cursor would skip a
//! change forever.

use crate::args;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::sql::Sql;
use qianpi_core::model::{Document, SecrecyLevel};
use qianpi_core::protocol::{Change, InboxEntry};
use qianpi_core::workflow::{Instance, ProcessDefinition, StandingDelegation};

/// Appends one change to a user's feed; returns its sequence number.
pub fn append_change(sql: &mut dyn Sql, user_id: &str, change: &Change) -> Result<i64, ApiError> {
    let seq = sql
        .query_one(
            "INSERT INTO feed_heads (user_id, last_seq) VALUES (?1, 1)
             ON CONFLICT (user_id) DO UPDATE SET last_seq = feed_heads.last_seq + 1
             RETURNING last_seq",
            args![user_id],
        )?
        .int(0)?;
    sql.execute(
        "INSERT INTO changes (user_id, seq, body) VALUES (?1, ?2, ?3)",
        args![user_id, seq, encode(change)?],
    )?;
    Ok(seq)
}

/// The newest sequence number of a user's feed (0 when empty).
pub fn head(sql: &mut dyn Sql, user_id: &str) -> Result<i64, ApiError> {
    Ok(sql
        .query_opt(
            "SELECT last_seq FROM feed_heads WHERE user_id = ?1",
            args![user_id],
        )?
        .map(|row| row.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// Up to `limit` changes after `after`, with the sequence of the last one and whether more follow.
pub fn page(
    sql: &mut dyn Sql,
    user_id: &str,
    after: i64,
    limit: usize,
) -> Result<(Vec<Change>, i64, bool), ApiError> {
    let rows = sql.query(
        "SELECT seq, body FROM changes WHERE user_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        args![user_id, after, i64::try_from(limit + 1).unwrap_or(i64::MAX)],
    )?;
    let has_more = rows.len() > limit;
    let mut last = after;
    let mut changes = Vec::with_capacity(rows.len().min(limit));
    for row in rows.into_iter().take(limit) {
        last = row.int(0)?;
        changes.push(decode::<Change>(&row.text(1)?)?);
    }
    Ok((changes, last, has_more))
}

/// An instance with its definition, document and unit.
pub struct LoadedFlow {
    /// The unit the flow belongs to.
    pub unit_id: String,
    /// The instance.
    pub instance: Instance,
    /// Its process definition.
    pub definition: ProcessDefinition,
    /// Its document.
    pub document: Document,
}

/// Loads an instance with its definition and document; `lock` reads the instance row for update,
/// so concurrent decisions on one flow take turns.
pub fn load_instance(
    sql: &mut dyn Sql,
    instance_id: &str,
    lock: bool,
) -> Result<Option<LoadedFlow>, ApiError> {
    let lock = if lock { sql.dialect().for_update() } else { "" };
    let Some(row) = sql.query_opt(
        &format!(
            "SELECT unit_id, body, definition_id, document_id FROM instances WHERE id = ?1{lock}"
        ),
        args![instance_id],
    )?
    else {
        return Ok(None);
    };
    let definition = sql.query_one(
        "SELECT body FROM definitions WHERE id = ?1",
        args![row.text(2)?],
    )?;
    let document = sql.query_one(
        "SELECT body FROM documents WHERE id = ?1",
        args![row.text(3)?],
    )?;
    Ok(Some(LoadedFlow {
        unit_id: row.text(0)?,
        instance: decode(&row.text(1)?)?,
        definition: decode(&definition.text(0)?)?,
        document: decode(&document.text(0)?)?,
    }))
}

/// The unit's standing delegations in force (委托代理), as the workflow needs them.
pub fn standing_delegations(
    sql: &mut dyn Sql,
    unit_id: &str,
) -> Result<Vec<StandingDelegation>, ApiError> {
    sql.query(
        "SELECT body FROM standing_delegations WHERE unit_id = ?1 AND revoked_at IS NULL",
        args![unit_id],
    )?
    .into_iter()
    .map(|row| decode::<StandingDelegation>(&row.text(0)?))
    .collect()
}

/// Stores a newly started flow — its document and its instance — and publishes its first tasks.
/// Returns the document's secrecy as stored (`none` for a flow that reaches phones).
pub fn insert_flow(
    sql: &mut dyn Sql,
    unit_id: &str,
    definition: &ProcessDefinition,
    document: &Document,
    instance: &Instance,
) -> Result<String, ApiError> {
    let secrecy = serde_json::to_value(document.secrecy)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    sql.execute(
        "INSERT INTO documents (id, unit_id, secrecy, body) VALUES (?1, ?2, ?3, ?4)",
        args![&document.id, unit_id, &secrecy, encode(document)?],
    )?;
    let version =
        i64::try_from(instance.version).map_err(|_| ApiError::internal("version overflow"))?;
    sql.execute(
        "INSERT INTO instances (id, unit_id, document_id, definition_id, version, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            &instance.id,
            unit_id,
            &document.id,
            &definition.id,
            version,
            encode(instance)?
        ],
    )?;
    publish_instance(sql, instance, definition, document)?;
    Ok(secrecy)
}

/// Saves an instance and publishes its tasks to their readers' feeds.
pub fn save_instance(
    sql: &mut dyn Sql,
    instance: &Instance,
    definition: &ProcessDefinition,
    document: &Document,
) -> Result<(), ApiError> {
    sql.execute(
        "UPDATE instances SET version = ?1, body = ?2 WHERE id = ?3",
        args![
            i64::try_from(instance.version).map_err(|_| ApiError::internal("version overflow"))?,
            encode(instance)?,
            &instance.id
        ],
    )?;
    publish_instance(sql, instance, definition, document)
}

/// Writes the inbox changes of an instance to its readers' feeds. A document above 无 never
/// enters a phone's feed (the secrecy gate).
pub fn publish_instance(
    sql: &mut dyn Sql,
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
        // Sorted, so concurrent transactions lock feed heads in one order.
        readers.sort_unstable();
        readers.dedup();
        for reader in readers {
            // What a reader is shown, they may download: the body versions and attachments.
            crate::blobs::grant_document(sql, reader, document)?;
            append_change(
                sql,
                reader,
                &Change::Inbox {
                    entry: Box::new(entry.clone()),
                },
            )?;
        }
    }
    Ok(())
}
