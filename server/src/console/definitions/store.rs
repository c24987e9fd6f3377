//! The unit's process definitions as the console reads and writes them: the list, one definition
//! with the names of the unit's people, and storing a checked definition, new (through the
//! gateway's own loading, which checks the handlers again) or in place of one of the unit's that
//! no flow uses yet. Every change is audited under the administrator in its transaction.

use crate::admin::flows::load_definition;
use crate::admin::AdminActor;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::ProcessDefinition;
use std::collections::BTreeMap;

/// Which unit holds a definition id (ids are deployment-wide).
const OWNER: &str = "SELECT unit_id FROM definitions WHERE id = ?1";

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Summary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Number of nodes.
    pub nodes: usize,
}

/// What storing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stored {
    /// A new definition.
    Loaded,
    /// The unit's definition of the same id, replaced.
    Replaced,
}

/// Why a checked definition was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The unit has one of this id and replacing was not asked for.
    Exists,
    /// Another unit uses the id (ids are deployment-wide); which one is not said.
    Taken,
    /// Flows of the unit run on it: replacing would change them under their handlers.
    InUse,
}

/// The unit's definitions, by id.
pub(super) fn list(sql: &mut dyn Sql, unit_id: &str) -> Result<Vec<Summary>, ApiError> {
    sql.query(
        "SELECT body FROM definitions WHERE unit_id = ?1 ORDER BY id",
        args![unit_id],
    )?
    .iter()
    .map(|row| {
        let definition: ProcessDefinition = decode(&row.text(0)?)?;
        Ok(Summary {
            id: definition.id,
            name: definition.name,
            nodes: definition.nodes.len(),
        })
    })
    .collect()
}

/// The unit's definition `id`, if the unit has one.
pub(super) fn one(
    sql: &mut dyn Sql,
    unit_id: &str,
    id: &str,
) -> Result<Option<ProcessDefinition>, ApiError> {
    sql.query_opt(
        "SELECT body FROM definitions WHERE id = ?1 AND unit_id = ?2",
        args![id, unit_id],
    )?
    .map(|row| decode(&row.text(0)?))
    .transpose()
}

/// The unit's people: user id → real name.
pub(super) fn people(
    sql: &mut dyn Sql,
    unit_id: &str,
) -> Result<BTreeMap<String, String>, ApiError> {
    sql.query(
        "SELECT id, name FROM users WHERE unit_id = ?1",
        args![unit_id],
    )?
    .iter()
    .map(|row| Ok((row.text(0)?, row.text(1)?)))
    .collect()
}

/// Stores `definition` (already checked) in `unit_id`: new, or in place of the unit's own of the
/// same id when `replace` is asked and no flow uses it.
pub(super) async fn store(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    definition: ProcessDefinition,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<Result<Stored, Refusal>, ApiError> {
    let id = definition.id.clone();
    let owner = db
        .tx(move |sql| {
            sql.query_opt(OWNER, args![&id])?
                .map(|row| row.text(0))
                .transpose()
                .map_err(ApiError::from)
        })
        .await?;
    match owner {
        None => {
            load_definition(db, actor, unit_id, definition, now).await?;
            Ok(Ok(Stored::Loaded))
        }
        Some(owner) if owner != unit_id => Ok(Err(Refusal::Taken)),
        Some(_) if !replace => Ok(Err(Refusal::Exists)),
        Some(_) => replace_own(db, actor, unit_id, definition, now).await,
    }
}

async fn replace_own(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    definition: ProcessDefinition,
    now: DateTime<Utc>,
) -> Result<Result<Stored, Refusal>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    definition.validate().map_err(|e| {
        ApiError::bad_request(
            "invalid_definition",
            format!("the definition is not valid: {e}"),
        )
    })?;
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let flows = sql
            .query_one(
                "SELECT count(*) FROM instances WHERE definition_id = ?1",
                args![&definition.id],
            )?
            .int(0)?;
        if flows > 0 {
            return Ok(Err(Refusal::InUse));
        }
        // The same rule as a new definition: tasks only ever go to people of this unit.
        let people = people(sql, &unit_id)?;
        if let Some(handler) = definition
            .nodes
            .iter()
            .flat_map(|n| &n.handlers)
            .find(|h| !people.contains_key(&h.user))
        {
            return Err(ApiError::bad_request(
                "invalid_definition",
                format!("handler {} is not a person of this unit", handler.user),
            ));
        }
        let changed = sql.execute(
            "UPDATE definitions SET body = ?1 WHERE id = ?2 AND unit_id = ?3",
            args![encode(&definition)?, &definition.id, &unit_id],
        )?;
        if changed != 1 {
            return Err(ApiError::internal("the definition to replace is gone"));
        }
        actor.audit(
            sql,
            Some(&unit_id),
            "definition.replaced",
            &definition.id,
            serde_json::json!({ "nodes": definition.nodes.len() }),
            now,
        )?;
        Ok(Ok(Stored::Replaced))
    })
    .await
}
