//! Process definitions and flows: loading a unit's definition (validated by the same workflow code
//! the phones run, its handlers all people of that unit), and starting a flow on a document for a
//! drafter, which publishes its first tasks to their readers' feeds. A document above 无 is stored
//! and started but never reaches a phone (the secrecy gate in [`crate::instances`]). The files a
//! document names (body versions, attachments) must have been uploaded to the unit first.

use super::{not_found, AdminActor};
use crate::blobs;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::instances::{insert_flow, standing_delegations};
use crate::sql::args;
use chrono::{DateTime, Utc};
use qianpi_domain::model::Document;
use qianpi_domain::workflow::{ChosenHandlers, Env, Instance, ProcessDefinition, StartError};
use serde::{Deserialize, Serialize};

/// A flow to start.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartFlow {
    /// The definition, of the same unit.
    pub definition_id: String,
    /// The drafter's user id (the initiator), of the same unit.
    pub drafter: String,
    /// The document; its `unit_id` must be the unit's.
    pub document: Document,
    /// The instance id; generated when absent.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// 发起时选定处理人: for the steps whose handlers the starter chooses (`chosen_at_start`),
    /// node id → the user ids chosen, in order; each a person of the unit.
    #[serde(default, skip_serializing_if = "ChosenHandlers::is_empty")]
    #[schema(value_type = std::collections::BTreeMap<String, Vec<String>>)]
    pub handlers: ChosenHandlers,
}

/// A started flow.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct FlowStarted {
    /// Instance id.
    pub instance_id: String,
    /// Document id.
    pub document_id: String,
    /// Instance version.
    pub version: u64,
    /// Whether the flow reaches phones (only 无 documents do: false above 无, never on a phone).
    pub published: bool,
}

/// Loads `definition` into `unit_id`.
pub async fn load_definition(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    definition: ProcessDefinition,
    now: DateTime<Utc>,
) -> Result<ProcessDefinition, ApiError> {
    definition.validate().map_err(|e| {
        ApiError::bad_request(
            "invalid_definition",
            format!("the definition is not valid: {e}"),
        )
    })?;
    let (actor, unit_id, out) = (actor.clone(), unit_id.to_owned(), definition.clone());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        // Tasks may only go to people of this unit: a definition never leaks into another's feeds.
        for handler in definition.nodes.iter().flat_map(|n| &n.handlers) {
            let found = sql
                .query_opt(
                    "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
                    args![&handler.user, &unit_id],
                )?
                .is_some();
            if !found {
                return Err(ApiError::bad_request(
                    "invalid_definition",
                    format!("handler {} is not a person of this unit", handler.user),
                ));
            }
        }
        sql.execute(
            "INSERT INTO definitions (id, unit_id, body) VALUES (?1, ?2, ?3)",
            args![&definition.id, &unit_id, encode(&definition)?],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "definition.loaded",
            &definition.id,
            serde_json::json!({ "nodes": definition.nodes.len() }),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Starts a flow in `unit_id`: stores the document and the instance and publishes the first tasks.
pub async fn start_flow(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    start: StartFlow,
    now: DateTime<Utc>,
) -> Result<FlowStarted, ApiError> {
    if start.document.unit_id != unit_id {
        return Err(ApiError::bad_request(
            "unit_mismatch",
            "the document belongs to another unit than the one in the path",
        ));
    }
    // Every field of the document is checked (and its texts bounded) before anything is stored.
    start.document.validate().map_err(|e| {
        ApiError::bad_request(
            "invalid_document",
            format!("the document is not valid: {e}"),
        )
    })?;
    let instance_id = start
        .instance_id
        .clone()
        .unwrap_or_else(|| format!("inst-{}", uuid::Uuid::now_v7()));
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let definition: ProcessDefinition = sql
            .query_opt(
                "SELECT body FROM definitions WHERE id = ?1 AND unit_id = ?2",
                args![&start.definition_id, &unit_id],
            )?
            .map(|r| decode(&r.text(0)?))
            .transpose()?
            .ok_or_else(|| {
                not_found(
                    "no_such_definition",
                    format!("no definition {}", start.definition_id),
                )
            })?;
        let drafter_found = sql
            .query_opt(
                "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
                args![&start.drafter, &unit_id],
            )?
            .is_some();
        if !drafter_found {
            return Err(not_found(
                "no_such_user",
                format!("no user {}", start.drafter),
            ));
        }
        // Every file the document names must be in the unit already: a phone shown the document
        // must be able to fetch them, and one unit never points at another's files.
        blobs::require_owned(sql, &unit_id, blobs::document_files(&start.document))?;
        let delegations = standing_delegations(sql, &unit_id)?;
        let env = Env {
            definition: &definition,
            delegations: &delegations,
        };
        let document = &start.document;
        for user in start.handlers.values().flatten() {
            if !is_person_of(sql, user, &unit_id)? {
                return Err(ApiError::bad_request(
                    "invalid_handlers",
                    format!("handler {user} is not a person of this unit"),
                ));
            }
        }
        let (drafter, chosen) = (&start.drafter, &start.handlers);
        let instance =
            Instance::start_choosing(env, &instance_id, &document.id, drafter, chosen, now)
                .map_err(|e| match e {
                    StartError::Choice(e) => ApiError::bad_request(
                        "invalid_handlers",
                        format!("the handlers chosen do not fit the process: {e}"),
                    ),
                    StartError::Definition(e) => {
                        ApiError::bad_request("invalid_definition", format!("cannot start: {e}"))
                    }
                })?;
        let secrecy = insert_flow(sql, &unit_id, &definition, document, &instance)?;
        actor.audit(
            sql,
            Some(&unit_id),
            "flow.started",
            &instance.id,
            serde_json::json!({
                "document_id": document.id, "definition_id": definition.id,
                "drafter": start.drafter, "secrecy": secrecy,
            }),
            now,
        )?;
        Ok(FlowStarted {
            instance_id: instance.id.clone(),
            document_id: document.id.clone(),
            version: instance.version,
            published: secrecy == "none",
        })
    })
    .await
}

/// Whether `user` is a person of `unit_id`.
pub(crate) fn is_person_of(
    sql: &mut dyn crate::sql::Sql,
    user: &str,
    unit_id: &str,
) -> Result<bool, ApiError> {
    Ok(sql
        .query_opt(
            "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
            args![user, unit_id],
        )?
        .is_some())
}
