//! An instance and its flow record (流转记录) as an OA system reads them back: where the flow
//! stands and who holds it now, and every accepted action with who took it, when, where, with
//! which attitude and opinion. Another unit's instance answers 404 as if it did not exist.

use super::IntegrationKey;
use crate::actor::not_found;
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::instances::load_instance;
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::model::Attitude;
use qianpi_domain::workflow::TraceRecord;
use qianpi_domain::workflow::{Event, Instance, InstanceState, Opinion, ProcessDefinition};
use serde::{Deserialize, Serialize};

/// A node, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NodeRef {
    /// Its id in the definition.
    pub node_id: String,
    /// 节点名称.
    pub name: String,
}

/// A task waiting for someone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PendingTask {
    /// The task.
    pub task_id: String,
    /// Its node.
    pub node_id: String,
    /// Who must act (empty while a candidate pool's task is unclaimed).
    pub assignee: String,
    /// Their name.
    #[schema(required = true)]
    pub assignee_name: Option<String>,
    /// 办理时限, if any.
    #[schema(required = true)]
    pub deadline: Option<DateTime<Utc>>,
}

/// Where an instance stands.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = IntegrationInstance)]
pub struct InstanceView {
    /// The instance.
    pub instance_id: String,
    /// Its document.
    pub document_id: String,
    /// Its definition.
    pub definition_id: String,
    /// 流程状态.
    pub state: InstanceState,
    /// Its version (one more per accepted action).
    pub version: u64,
    /// The nodes open now.
    pub current_nodes: Vec<NodeRef>,
    /// The tasks waiting.
    pub pending: Vec<PendingTask>,
}

/// One entry of the flow record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = FlowRecordEntry)]
pub struct RecordEntry {
    /// The instance version the action produced.
    pub version: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who acted (user id).
    pub actor: String,
    /// Their name.
    #[schema(required = true)]
    pub actor_name: Option<String>,
    /// 代签: the secretary who entered it for the actor.
    #[schema(required = true)]
    pub entered_by: Option<String>,
    /// The action: approve, disagree, batch_approve, mark_read, reject, return, transfer, …
    pub action: String,
    /// The node it was taken at, when it finished a task.
    #[schema(required = true)]
    pub node: Option<NodeRef>,
    /// 态度, when it carried an opinion.
    #[schema(schema_with = crate::openapi::integration::attitude, required = true)]
    pub attitude: Option<Attitude>,
    /// 意见 — the opinion text.
    #[schema(required = true)]
    pub opinion: Option<String>,
    /// The route chosen.
    #[schema(required = true)]
    pub route: Option<String>,
}

fn no_such_instance(id: &str) -> ApiError {
    not_found("no_such_instance", format!("no instance {id}"))
}

/// Instance `instance_id` of `unit_id`.
pub async fn instance(
    db: &Db,
    key: &IntegrationKey,
    unit_id: &str,
    instance_id: &str,
) -> Result<InstanceView, ApiError> {
    key.in_unit(unit_id)?;
    let (unit_id, instance_id) = (unit_id.to_owned(), instance_id.to_owned());
    db.once(move |sql| {
        let flow = load_instance(sql, &instance_id, false)?
            .filter(|f| f.unit_id == unit_id)
            .ok_or_else(|| no_such_instance(&instance_id))?;
        view(sql, &flow.instance, &flow.definition)
    })
    .await
}

/// What `instance` looks like to the OA.
pub fn view(
    sql: &mut dyn Sql,
    instance: &Instance,
    definition: &ProcessDefinition,
) -> Result<InstanceView, ApiError> {
    let mut pending = Vec::new();
    for task in instance.tasks.iter().filter(|t| t.state.is_pending()) {
        pending.push(PendingTask {
            task_id: task.id.clone(),
            node_id: task.node_id.clone(),
            assignee: task.assignee.clone(),
            assignee_name: name_of(sql, &task.assignee)?,
            deadline: task.deadline,
        });
    }
    Ok(InstanceView {
        instance_id: instance.id.clone(),
        document_id: instance.document_id.clone(),
        definition_id: instance.definition_id.clone(),
        state: instance.state,
        version: instance.version,
        current_nodes: instance
            .active
            .iter()
            .map(|a| node_ref(definition, &a.node_id))
            .collect(),
        pending,
    })
}

/// A node of `definition` by id, named (its id where the definition lacks it).
pub fn node_ref(definition: &ProcessDefinition, node_id: &str) -> NodeRef {
    NodeRef {
        node_id: node_id.to_owned(),
        name: definition
            .node(node_id)
            .map_or_else(|| node_id.to_owned(), |n| n.name.clone()),
    }
}

/// A person's name, if they are known.
pub fn name_of(sql: &mut dyn Sql, user_id: &str) -> Result<Option<String>, ApiError> {
    if user_id.is_empty() {
        return Ok(None);
    }
    Ok(sql
        .query_opt("SELECT name FROM users WHERE id = ?1", args![user_id])?
        .map(|r| r.text(0))
        .transpose()?)
}

/// The flow record of instance `instance_id` of `unit_id`, oldest first.
pub async fn flow_record(
    db: &Db,
    key: &IntegrationKey,
    unit_id: &str,
    instance_id: &str,
) -> Result<Vec<RecordEntry>, ApiError> {
    key.in_unit(unit_id)?;
    let (unit_id, instance_id) = (unit_id.to_owned(), instance_id.to_owned());
    db.once(move |sql| {
        let flow = load_instance(sql, &instance_id, false)?
            .filter(|f| f.unit_id == unit_id)
            .ok_or_else(|| no_such_instance(&instance_id))?;
        let rows = sql.query(
            "SELECT body FROM trace WHERE instance_id = ?1 ORDER BY seq",
            args![&instance_id],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let trace: TraceRecord = decode(&row.text(0)?)?;
            out.push(entry(sql, &flow.instance, &flow.definition, &trace)?);
        }
        Ok(out)
    })
    .await
}

/// The opinion a trace record recorded: the finished or returned task's, else the command's.
pub fn recorded_opinion(trace: &TraceRecord) -> Option<&Opinion> {
    trace
        .events
        .iter()
        .find_map(|e| match e {
            Event::TaskFinished { opinion, .. } | Event::TaskReturned { opinion, .. } => {
                Some(opinion)
            }
            _ => None,
        })
        .or_else(|| trace.command.opinion())
}

/// One record entry for `trace`.
pub fn entry(
    sql: &mut dyn Sql,
    instance: &Instance,
    definition: &ProcessDefinition,
    trace: &TraceRecord,
) -> Result<RecordEntry, ApiError> {
    let opinion = recorded_opinion(trace);
    let route = trace.events.iter().find_map(|e| match e {
        Event::TaskFinished { route, .. } => route.clone(),
        _ => None,
    });
    let node = trace
        .command
        .task_id()
        .and_then(|t| instance.task(t))
        .map(|t| node_ref(definition, &t.node_id));
    Ok(RecordEntry {
        version: trace.version,
        at: trace.at,
        actor_name: name_of(sql, &trace.actor)?,
        actor: trace.actor.clone(),
        entered_by: trace.entered_by.clone(),
        action: trace.command.name().to_owned(),
        node,
        attitude: opinion.map(|o| o.attitude),
        opinion: opinion.map(|o| o.text.clone()),
        route,
    })
}
