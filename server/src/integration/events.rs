//! The dispatcher: turns the audit log into webhook deliveries. The audit log is the one ordered
//! record of everything that happened, written in the same transaction as the change, and its
//! sequence numbers commit in order (appending locks its head), so a cursor over it neither skips
//! nor repeats an event. One dispatch reads the next page after the cursor with the cursor's row
//! locked (`FOR UPDATE` on PostgreSQL), queues a delivery per matching subscription and moves the
//! cursor, all in one transaction: several replicas take turns, and each event is queued once
//! (a delivery is also unique per subscription and event id).
//!
//! An entry that touches an instance (its subject, or the command its detail names) yields the
//! instance's trace records not yet seen (a mark per instance keeps the last version sent):
//! `task.done` for a finished or returned task, `flow.moved` for nodes entered, `flow.completed`
//! when the flow ended; starting a flow is a `flow.moved` into its first node. A read or reply to
//! a notice is a `notice.receipt`.

use super::record::{entry, name_of, node_ref};
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::instances::{load_instance, LoadedFlow};
use crate::sql::{args, Row, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{Event, NodeKind, TraceRecord};
use serde::Serialize;
use serde_json::{json, Value};

/// A flow entered one or more nodes.
pub const FLOW_MOVED: &str = "flow.moved";
/// A person finished (or returned) a task.
pub const TASK_DONE: &str = "task.done";
/// A flow ended (办结, 驳回, 撤销 or 终止).
pub const FLOW_COMPLETED: &str = "flow.completed";
/// A person read or replied to a notice.
pub const NOTICE_RECEIPT: &str = "notice.receipt";

/// Audit entries read per dispatch.
const PAGE: i64 = 200;

/// An event to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Stable id: the same for every subscription and every attempt.
    pub id: String,
    /// Its type.
    pub kind: &'static str,
    /// The JSON body sent.
    pub payload: Value,
}

/// The JSON body of a delivery. The gateway POSTs it to the subscription's URL as
/// `application/json` with the headers `Qianpi-Timestamp` (Unix seconds), `Qianpi-Signature:
/// v1=<hex HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret>`,
/// `Qianpi-Event` (the event's type) and `Qianpi-Delivery` (the delivery's id).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WebhookEvent {
    /// The event's id: the same in every attempt.
    pub id: String,
    /// The event's type.
    #[serde(rename = "type")]
    #[schema(schema_with = crate::openapi::integration::event_type)]
    pub kind: &'static str,
    /// When it happened (RFC 3339).
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// The unit it happened in.
    pub unit_id: String,
    /// For flow events.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub instance_id: Option<String>,
    /// For flow events.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub document_id: Option<String>,
    /// For notice.receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub notice_id: Option<String>,
    /// flow.moved: {entered: [NodeRef], by, started}; task.done: a FlowRecordEntry;
    /// flow.completed: {state, by}; notice.receipt: {user_id, user_name, replied, read_at,
    /// replied_at, choice}.
    #[schema(value_type = Object)]
    pub data: Value,
}

impl WebhookEvent {
    /// The event as the JSON stored with each delivery and sent.
    fn outgoing(self) -> Result<Outgoing, ApiError> {
        let payload = serde_json::to_value(&self).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(Outgoing {
            id: self.id,
            kind: self.kind,
            payload,
        })
    }
}

/// One audit entry, as the dispatcher reads it.
struct Entry {
    seq: i64,
    at: String,
    unit_id: String,
    actor: String,
    kind: String,
    subject: String,
    detail: Value,
}

impl Entry {
    fn read(row: &Row) -> Result<Option<Entry>, ApiError> {
        let Some(unit_id) = row.opt_text(2)? else {
            return Ok(None);
        };
        Ok(Some(Entry {
            seq: row.int(0)?,
            at: row.text(1)?,
            unit_id,
            actor: row.text(3)?,
            kind: row.text(4)?,
            subject: row.text(5)?,
            detail: serde_json::from_str(&row.text(6)?).unwrap_or(Value::Null),
        }))
    }
}

/// Queues the deliveries of the next page of audit entries; returns how many were queued.
pub async fn dispatch(db: &Db) -> Result<usize, ApiError> {
    let now = Utc::now();
    db.tx(move |sql| dispatch_in(sql, now)).await
}

fn dispatch_in(sql: &mut dyn Sql, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let lock = sql.dialect().for_update();
    let cursor = sql
        .query_one(
            &format!("SELECT audit_seq FROM webhook_cursor WHERE id = 1{lock}"),
            &[],
        )?
        .int(0)?;
    let rows = sql.query(
        "SELECT seq, at, unit_id, actor, kind, subject, detail FROM audit
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        args![cursor, PAGE],
    )?;
    let Some(last) = rows.last().map(|r| r.int(0)).transpose()? else {
        return Ok(0);
    };
    let mut queued = 0;
    for row in &rows {
        let Some(entry) = Entry::read(row)? else {
            continue;
        };
        for event in derive(sql, &entry)? {
            queued += queue(sql, &entry, &event, now)?;
        }
    }
    sql.execute(
        "UPDATE webhook_cursor SET audit_seq = ?1 WHERE id = 1",
        args![last],
    )?;
    Ok(queued)
}

/// Queues `event` for every live subscription that wants it; how many.
fn queue(
    sql: &mut dyn Sql,
    entry: &Entry,
    event: &Outgoing,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let subscriptions = sql.query(
        "SELECT s.id, s.events FROM webhook_subscriptions s
         JOIN api_keys k ON k.id = s.key_id
         JOIN api_key_units u ON u.key_id = s.key_id
         WHERE u.unit_id = ?1 AND s.revoked_at IS NULL AND k.revoked_at IS NULL
           AND s.from_seq < ?2",
        args![&entry.unit_id, entry.seq],
    )?;
    let mut queued = 0;
    for subscription in subscriptions {
        let wanted: Vec<String> = decode(&subscription.text(1)?)?;
        if !wanted.iter().any(|w| w == event.kind) {
            continue;
        }
        queued += usize::try_from(sql.execute(
            "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, payload,
                 state, attempts, next_attempt_at, lease_until, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, 0, 0, ?6)
             ON CONFLICT (subscription_id, event_id) DO NOTHING",
            args![
                format!("dlv-{}", uuid::Uuid::now_v7()),
                subscription.text(0)?,
                &event.id,
                event.kind,
                encode(&event.payload)?,
                now.to_rfc3339()
            ],
        )?)
        .unwrap_or(0);
    }
    Ok(queued)
}

/// The events an audit entry stands for.
fn derive(sql: &mut dyn Sql, entry: &Entry) -> Result<Vec<Outgoing>, ApiError> {
    if entry.kind == "notice.read" || entry.kind == "notice.replied" {
        return Ok(vec![receipt(sql, entry)?]);
    }
    let Some(instance_id) = instance_of(sql, entry)? else {
        return Ok(Vec::new());
    };
    let Some(flow) = load_instance(sql, &instance_id, false)? else {
        return Ok(Vec::new());
    };
    if flow.unit_id != entry.unit_id {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    if entry.kind == "flow.started" {
        let entered = [node_ref(&flow.definition, &flow.definition.start)];
        let data = json!({ "entered": entered, "by": entry.actor, "started": true });
        out.push(outgoing(
            &flow,
            format!("evt-{}-started", flow.instance.id),
            FLOW_MOVED,
            &entry.at,
            data,
        )?);
    }
    out.extend(new_trace_events(sql, &flow)?);
    Ok(out)
}

/// The instance an entry touches: its subject, or the instance of the command its detail names.
fn instance_of(sql: &mut dyn Sql, entry: &Entry) -> Result<Option<String>, ApiError> {
    let by_subject = sql
        .query_opt(
            "SELECT id FROM instances WHERE id = ?1 AND unit_id = ?2",
            args![&entry.subject, &entry.unit_id],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    if by_subject.is_some() {
        return Ok(by_subject);
    }
    let Some(command_id) = entry.detail.get("command_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    Ok(sql
        .query_opt(
            "SELECT instance_id FROM trace WHERE command_id = ?1",
            args![command_id],
        )?
        .map(|r| r.text(0))
        .transpose()?)
}

/// The events of the trace records of `flow` after its mark, and the mark moved past them.
fn new_trace_events(sql: &mut dyn Sql, flow: &LoadedFlow) -> Result<Vec<Outgoing>, ApiError> {
    let id = &flow.instance.id;
    let mark = sql
        .query_opt(
            "SELECT version FROM webhook_marks WHERE instance_id = ?1",
            args![id],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let mut newest = mark;
    let mut out = Vec::new();
    for row in sql.query(
        "SELECT body FROM trace WHERE instance_id = ?1 ORDER BY seq",
        args![id],
    )? {
        let trace: TraceRecord = decode(&row.text(0)?)?;
        let version = i64::try_from(trace.version).unwrap_or(i64::MAX);
        if version <= mark {
            continue;
        }
        newest = newest.max(version);
        out.extend(trace_events(sql, flow, &trace)?);
    }
    if newest != mark {
        sql.execute(
            "INSERT INTO webhook_marks (instance_id, version) VALUES (?1, ?2)
             ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version",
            args![id, newest],
        )?;
    }
    Ok(out)
}

fn trace_events(
    sql: &mut dyn Sql,
    flow: &LoadedFlow,
    trace: &TraceRecord,
) -> Result<Vec<Outgoing>, ApiError> {
    let at = trace.at.to_rfc3339();
    let base = format!("evt-{}-v{}", flow.instance.id, trace.version);
    let mut out = Vec::new();
    let finished = trace.events.iter().any(|e| {
        matches!(
            e,
            Event::TaskFinished { .. } | Event::TaskReturned { .. } | Event::TaskRead { .. }
        )
    });
    if finished {
        let record = entry(sql, &flow.instance, &flow.definition, trace)?;
        let data = serde_json::to_value(record).map_err(|e| ApiError::internal(e.to_string()))?;
        out.push(outgoing(
            flow,
            format!("{base}-task"),
            TASK_DONE,
            &at,
            data,
        )?);
    }
    let entered: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match e {
            // Reaching the end is `flow.completed`; splits and joins are no one's work.
            Event::NodeEntered { node_id, .. } => flow
                .definition
                .node(node_id)
                .filter(|n| n.kind == NodeKind::Manual)
                .map(|n| node_ref(&flow.definition, &n.id)),
            _ => None,
        })
        .collect();
    if !entered.is_empty() {
        let data = json!({ "entered": entered, "by": trace.actor, "started": false });
        out.push(outgoing(
            flow,
            format!("{base}-moved"),
            FLOW_MOVED,
            &at,
            data,
        )?);
    }
    let ended = trace.events.iter().find_map(|e| match e {
        Event::InstanceCompleted { .. } => Some(qianpi_domain::workflow::InstanceState::Completed),
        Event::InstanceStateChanged { state, .. } if state.is_final() => Some(*state),
        _ => None,
    });
    if let Some(state) = ended {
        let data = json!({ "state": state, "by": trace.actor });
        out.push(outgoing(
            flow,
            format!("{base}-ended"),
            FLOW_COMPLETED,
            &at,
            data,
        )?);
    }
    Ok(out)
}

fn outgoing(
    flow: &LoadedFlow,
    id: String,
    kind: &'static str,
    at: &str,
    data: Value,
) -> Result<Outgoing, ApiError> {
    WebhookEvent {
        id,
        kind,
        occurred_at: at.to_owned(),
        unit_id: flow.unit_id.clone(),
        instance_id: Some(flow.instance.id.clone()),
        document_id: Some(flow.instance.document_id.clone()),
        notice_id: None,
        data,
    }
    .outgoing()
}

fn receipt(sql: &mut dyn Sql, entry: &Entry) -> Result<Outgoing, ApiError> {
    let id = format!("evt-audit-{}", entry.seq);
    let field = |name: &str| entry.detail.get(name).cloned().unwrap_or(Value::Null);
    WebhookEvent {
        id,
        kind: NOTICE_RECEIPT,
        occurred_at: entry.at.clone(),
        unit_id: entry.unit_id.clone(),
        instance_id: None,
        document_id: None,
        notice_id: Some(entry.subject.clone()),
        data: json!({
            "user_id": entry.actor, "user_name": name_of(sql, &entry.actor)?,
            "replied": entry.kind == "notice.replied",
            "read_at": field("read_at"), "replied_at": field("replied_at"),
            "choice": field("choice"),
        }),
    }
    .outgoing()
}
