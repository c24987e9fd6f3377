//! The flow store: instances with their definitions and documents, loaded (locked for a
//! decision), started, saved, and published to the feeds of the people who may act on them; and
//! the unit's standing delegations the workflow decides with. The data layer under the commands
//! and the administration; it fills [`crate::feed`] and grants [`crate::blobs`] to readers.
//!
//! An instance's and a document's JSON is stored deflated in `packed`, with `body` left empty (a
//! flow's record grows with every decision, and both compress severalfold). Rows written before
//! hold their JSON in `body` and are converted at start ([`convert_stored`]); a row with a `body`
//! is read from it meanwhile.

mod convert;

pub use convert::{convert_batch, convert_stored, CONVERT_BATCH};

use crate::db::{decode, deflate, encode, inflate};
use crate::error::ApiError;
use crate::feed::append_change;
use crate::sql::args;
use crate::sql::{Row, Sql, Value};
use qianpi_domain::model::{Document, SecrecyLevel};
use qianpi_domain::workflow::{Instance, ProcessDefinition, Roles, StandingDelegation};
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
            "SELECT unit_id, body, packed, definition_id, document_id FROM instances
             WHERE id = ?1{lock}"
        ),
        args![instance_id],
    )?
    else {
        return Ok(None);
    };
    let definition = sql.query_one(
        "SELECT body FROM definitions WHERE id = ?1",
        args![row.text(3)?],
    )?;
    let document = sql.query_one(
        "SELECT body, packed FROM documents WHERE id = ?1",
        args![row.text(4)?],
    )?;
    Ok(Some(LoadedFlow {
        unit_id: row.text(0)?,
        instance: stored(&row, 1)?,
        definition: decode(&definition.text(0)?)?,
        document: stored(&document, 0)?,
    }))
}

/// A stored document, if there is one with this id.
pub fn load_document(sql: &mut dyn Sql, document_id: &str) -> Result<Option<Document>, ApiError> {
    sql.query_opt(
        "SELECT body, packed FROM documents WHERE id = ?1",
        args![document_id],
    )?
    .map(|row| stored(&row, 0))
    .transpose()
}

/// Stores a document anew over its row (its secrecy with it), as the office changes it.
pub fn save_document(sql: &mut dyn Sql, document: &Document) -> Result<(), ApiError> {
    sql.execute(
        "UPDATE documents SET secrecy = ?2, body = '', packed = ?3 WHERE id = ?1",
        args![
            &document.id,
            secrecy_label(document),
            deflate(&encode(document)?)?
        ],
    )?;
    Ok(())
}

/// The document's secrecy as its column holds it (`none` for a document that reaches phones).
fn secrecy_label(document: &Document) -> String {
    serde_json::to_value(document.secrecy)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Every instance of a unit, in no particular order (checks and tools).
pub fn unit_instances(sql: &mut dyn Sql, unit_id: &str) -> Result<Vec<Instance>, ApiError> {
    sql.query(
        "SELECT body, packed FROM instances WHERE unit_id = ?1",
        args![unit_id],
    )?
    .iter()
    .map(|row| stored(row, 0))
    .collect()
}

/// The instance or document of a row whose columns from `at` on are `body` and `packed`: the
/// JSON in `body` if it holds any (a row not converted yet), else `packed` inflated.
fn stored<T: serde::de::DeserializeOwned>(row: &Row, at: usize) -> Result<T, ApiError> {
    let body = row.text(at)?;
    if !body.is_empty() {
        return decode(&body);
    }
    match row.0.get(at + 1) {
        Some(Value::Blob(packed)) => decode(&inflate(packed)?),
        _ => Err(ApiError::internal("a flow's row holds no JSON")),
    }
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
    let secrecy = secrecy_label(document);
    sql.execute(
        "INSERT INTO documents (id, unit_id, secrecy, body, packed) VALUES (?1, ?2, ?3, '', ?4)",
        args![
            &document.id,
            unit_id,
            &secrecy,
            deflate(&encode(document)?)?
        ],
    )?;
    let version =
        i64::try_from(instance.version).map_err(|_| ApiError::internal("version overflow"))?;
    sql.execute(
        "INSERT INTO instances (id, unit_id, document_id, definition_id, version, body, packed)
         VALUES (?1, ?2, ?3, ?4, ?5, '', ?6)",
        args![
            &instance.id,
            unit_id,
            &document.id,
            &definition.id,
            version,
            deflate(&encode(instance)?)?
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
        "UPDATE instances SET version = ?1, body = '', packed = ?2 WHERE id = ?3",
        args![
            i64::try_from(instance.version).map_err(|_| ApiError::internal("version overflow"))?,
            deflate(&encode(instance)?)?,
            &instance.id
        ],
    )?;
    publish_instance(sql, instance, definition, document)
}

/// Writes the inbox changes of an instance to its readers' feeds. A document above 无 never
/// enters a phone's feed (the secrecy gate).
///
/// Besides the people who may act on a task, the flow reaches those who follow it without a
/// task of their own: its initiator (已发: 撤销, 催办), the recipients of its circulated read
/// items (待阅), and the secretaries of a task's holder (代签). Each of them gets one entry per
/// version, under the flow's first task, so their feed holds one row per flow.
pub fn publish_instance(
    sql: &mut dyn Sql,
    instance: &Instance,
    definition: &ProcessDefinition,
    document: &Document,
) -> Result<(), ApiError> {
    if document.secrecy != SecrecyLevel::None {
        return Ok(());
    }
    let secretaries = secretaries_of_unit(sql, &document.unit_id)?;
    let mut reached: Vec<String> = Vec::new();
    for task in &instance.tasks {
        // Everyone who may act on the task sees it: its assignee, the principal of a standing
        // delegation, the candidates of an unclaimed pool task, and their secretaries.
        let mut readers: Vec<&str> = task
            .candidates
            .iter()
            .map(String::as_str)
            .chain(task.on_behalf_of.as_deref())
            .chain((!task.assignee.is_empty()).then_some(task.assignee.as_str()))
            .collect();
        let served: Vec<&str> = secretaries
            .iter()
            .filter(|(_, leaders)| leaders.iter().any(|l| readers.contains(&l.as_str())))
            .map(|(secretary, _)| secretary.as_str())
            .collect();
        readers.extend(served);
        publish_to(sql, instance, definition, document, &task.id, readers)?;
        reached.extend(
            task.candidates
                .iter()
                .chain(task.on_behalf_of.as_ref())
                .chain(std::iter::once(&task.assignee))
                .cloned(),
        );
    }
    let followers: Vec<&str> = std::iter::once(instance.initiator.as_str())
        .chain(
            instance
                .read_items
                .iter()
                .map(|item| item.recipient.as_str()),
        )
        .filter(|user| !user.is_empty() && !reached.iter().any(|r| r == user))
        .collect();
    if let Some(first) = instance.tasks.first() {
        publish_to(sql, instance, definition, document, &first.id, followers)?;
    }
    Ok(())
}

/// Tells the people a decision took a task from (the deputy of a task its principal took back,
/// say) that it left them: each gets the task's new entry, so their phone drops it from 待办.
pub fn publish_departures(
    sql: &mut dyn Sql,
    before: &Instance,
    after: &Instance,
    definition: &ProcessDefinition,
    document: &Document,
) -> Result<(), ApiError> {
    if document.secrecy != SecrecyLevel::None {
        return Ok(());
    }
    let holders = |task: &qianpi_domain::workflow::Task| -> Vec<String> {
        task.candidates
            .iter()
            .chain(task.on_behalf_of.as_ref())
            .chain(std::iter::once(&task.assignee))
            .filter(|user| !user.is_empty())
            .cloned()
            .collect()
    };
    for task in &before.tasks {
        let Some(now) = after.task(&task.id) else {
            continue;
        };
        let kept = holders(now);
        let gone: Vec<String> = holders(task)
            .into_iter()
            .filter(|user| !kept.contains(user))
            .collect();
        let gone: Vec<&str> = gone.iter().map(String::as_str).collect();
        publish_to(sql, after, definition, document, &task.id, gone)?;
    }
    Ok(())
}

/// Appends the entry of `task_id` to each reader's feed (and lets them download the document).
fn publish_to(
    sql: &mut dyn Sql,
    instance: &Instance,
    definition: &ProcessDefinition,
    document: &Document,
    task_id: &str,
    mut readers: Vec<&str>,
) -> Result<(), ApiError> {
    if readers.is_empty() {
        return Ok(());
    }
    let entry = InboxEntry {
        task_id: task_id.to_owned(),
        document: document.clone(),
        instance: instance.clone(),
        definition: definition.clone(),
    };
    // Sorted, so concurrent transactions lock feed heads in one order.
    readers.sort_unstable();
    readers.dedup();
    for reader in readers {
        // What a reader is shown, they may download: the body versions and attachments.
        crate::blobs::grant_document(sql, reader, document)?;
        // And the handwriting and voice of the opinions in the flow record they are shown.
        crate::blobs::opinion_files::grant_instance(sql, &document.unit_id, reader, instance)?;
        append_change(
            sql,
            reader,
            &Change::Inbox {
                entry: Box::new(entry.clone()),
            },
        )?;
    }
    Ok(())
}

/// The unit's secretaries with the leaders each may sign for (代签).
fn secretaries_of_unit(
    sql: &mut dyn Sql,
    unit_id: &str,
) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let mut out = Vec::new();
    for row in sql.query(
        "SELECT id, roles FROM users WHERE unit_id = ?1 AND role = 'secretary'",
        args![unit_id],
    )? {
        let roles: Roles = decode(&row.text(1)?)?;
        if !roles.secretary_for.is_empty() {
            out.push((row.text(0)?, roles.secretary_for));
        }
    }
    Ok(out)
}
