//! The flow store: instances with their definitions and documents, loaded (locked for a
//! decision), started, saved, and published to the feeds of the people who may act on them; and
//! the unit's standing delegations the workflow decides with. The data layer under the commands
//! and the administration; it fills [`crate::feed`] and grants [`crate::blobs`] to readers.

use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::feed::append_change;
use crate::sql::args;
use crate::sql::Sql;
use qianpi_domain::model::{Document, SecrecyLevel};
use qianpi_domain::workflow::{Instance, ProcessDefinition, StandingDelegation};
use qianpi_protocol::{Change, InboxEntry};

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
