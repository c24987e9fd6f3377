//! The office's view of a unit's flows: lists by state (running, finished, ended early), newest
//! first and paged, each with its document's title, 文号 and urgency, where it stands, who holds
//! it and when it is due; one flow's record ([`record`]); and 催办 and 终止 by an office person
//! ([`act`]), decided by the same workflow code the phones' commands go through.
//!
//! Instances are stored as deflated JSON, so a list by state cannot be one query over them. The
//! `flow_index` table keeps each instance's state, start and due time beside it, refreshed from
//! the instance whenever its stored version moved on (any decision bumps it): a list reads only
//! the flows that changed since the last one, then one indexed page.

pub mod act;
pub mod record;

pub use act::{terminate, urge, Acted, Acting};
pub use record::{detail, opinion_file, FlowDetail, OpinionMedia, RecordEntry};

use crate::db::Db;
use crate::error::ApiError;
use crate::instances::{load_instance, LoadedFlow};
use crate::sql::{args, Sql};
use chrono::{DateTime, SecondsFormat, Utc};
use qianpi_domain::model::Urgency;
use qianpi_domain::workflow::InstanceState;
use std::collections::HashMap;

/// Flows shown per page.
pub const PER_PAGE: u32 = 20;

/// Why the office cannot have what it asked for.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// No such flow in the office's unit (another unit's looks the same).
    #[error("no such flow")]
    NotFound,
    /// 终止 needs a reason.
    #[error("a reason is required")]
    ReasonRequired,
    /// The workflow refused the action; its code says why.
    #[error("the workflow refused: {}", .0.as_str())]
    Refused(qianpi_domain::workflow::RejectionCode),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] ApiError),
}

/// The tabs of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// 流转中 (and 挂起).
    Running,
    /// 办结.
    Finished,
    /// 终止, 撤销 or 驳回: ended before the end node.
    Ended,
}

impl Tab {
    /// The tab's name in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Running => "running",
            Tab::Finished => "finished",
            Tab::Ended => "ended",
        }
    }

    /// The tab a URL names (running when it names none we know).
    pub fn parse(text: &str) -> Tab {
        match text {
            "finished" => Tab::Finished,
            "ended" => Tab::Ended,
            _ => Tab::Running,
        }
    }

    /// The states shown under the tab, as the index stores them.
    fn states(self) -> &'static [&'static str] {
        match self {
            Tab::Running => &["running", "suspended", "draft"],
            Tab::Finished => &["completed"],
            Tab::Ended => &["terminated", "revoked", "rejected"],
        }
    }
}

/// Someone holding a flow now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Their name (or the candidates' names of a pool task nobody claimed).
    pub name: String,
    /// The principal whose standing delegation sent them the task (委托代理), by name.
    pub on_behalf_of: Option<String>,
}

/// One flow as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    /// The instance id.
    pub instance_id: String,
    /// Its version (what an action on it is decided on).
    pub version: u64,
    /// 标题.
    pub title: String,
    /// 文号, as GB/T 9704 prints it.
    pub number: String,
    /// 紧急程度.
    pub urgency: Urgency,
    /// Its state.
    pub state: InstanceState,
    /// The node it stands at, by name.
    pub current_node: Option<String>,
    /// Who holds it now.
    pub holders: Vec<Holder>,
    /// 办理时限: the document's, else the earliest of the open tasks'.
    pub deadline: Option<DateTime<Utc>>,
    /// 超期: still open and past its deadline.
    pub overdue: bool,
    /// When it was started.
    pub started_at: DateTime<Utc>,
}

/// A page of a tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowPage {
    /// The flows, newest first.
    pub rows: Vec<FlowRow>,
    /// Flows under the tab in all.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// Running flows past their deadline (the tab's badge).
    pub overdue: u64,
}

impl FlowPage {
    /// Pages in all (at least one).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(PER_PAGE)).max(1)
    }
}

/// Page `page` (from 1) of the unit's flows under `tab`, newest first.
pub async fn list(
    db: &Db,
    unit_id: &str,
    tab: Tab,
    page: u32,
    now: DateTime<Utc>,
) -> Result<FlowPage, FlowError> {
    let unit_id = unit_id.to_owned();
    let page = page.max(1);
    Ok(db
        .tx(move |sql| {
            refresh(sql, &unit_id, now)?;
            let states = tab.states();
            let placeholders = (0..states.len())
                .map(|i| format!("?{}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let mut values = vec![crate::sql::Value::from(unit_id.as_str())];
            values.extend(states.iter().map(|s| crate::sql::Value::from(*s)));
            let total = sql
                .query_one(
                    &format!(
                        "SELECT COUNT(*) FROM flow_index WHERE unit_id = ?1
                         AND state IN ({placeholders})"
                    ),
                    &values,
                )?
                .int(0)?;
            let overdue = sql
                .query_one(
                    "SELECT COUNT(*) FROM flow_index WHERE unit_id = ?1
                     AND state IN ('running', 'suspended') AND due_at IS NOT NULL AND due_at < ?2",
                    args![unit_id.as_str(), stamp(now)],
                )?
                .int(0)?;
            let offset = i64::from(page - 1).saturating_mul(i64::from(PER_PAGE));
            let limit_at = values.len() + 1;
            values.push(i64::from(PER_PAGE).into());
            values.push(offset.into());
            let ids = sql.query(
                &format!(
                    "SELECT instance_id, started_at FROM flow_index WHERE unit_id = ?1
                     AND state IN ({placeholders})
                     ORDER BY started_at DESC, instance_id DESC LIMIT ?{limit_at} OFFSET ?{}",
                    limit_at + 1
                ),
                &values,
            )?;
            let names = unit_names(sql, &unit_id)?;
            let mut rows = Vec::with_capacity(ids.len());
            for id in &ids {
                let started_at = parse_stamp(&id.text(1)?)?;
                if let Some(flow) = load_instance(sql, &id.text(0)?, false)? {
                    rows.push(row_of(&flow, &names, started_at, now));
                }
            }
            Ok(FlowPage {
                rows,
                total: u64::try_from(total).unwrap_or(0),
                page,
                overdue: u64::try_from(overdue).unwrap_or(0),
            })
        })
        .await?)
}

/// The list row of a loaded flow.
pub(crate) fn row_of(
    flow: &LoadedFlow,
    names: &HashMap<String, String>,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> FlowRow {
    let instance = &flow.instance;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let holders = instance
        .tasks
        .iter()
        .filter(|t| t.state.is_pending())
        .map(|t| Holder {
            name: if t.assignee.is_empty() {
                t.candidates
                    .iter()
                    .map(|c| name(c))
                    .collect::<Vec<_>>()
                    .join(" / ")
            } else {
                name(&t.assignee)
            },
            on_behalf_of: t.on_behalf_of.as_deref().map(name),
        })
        .collect();
    let deadline = due(flow);
    FlowRow {
        instance_id: instance.id.clone(),
        version: instance.version,
        title: flow.document.title.clone(),
        number: flow.document.number.to_string(),
        urgency: flow.document.urgency,
        state: instance.state,
        current_node: instance
            .current_node()
            .and_then(|id| flow.definition.node(id))
            .map(|n| n.name.clone()),
        holders,
        deadline,
        overdue: is_open(instance.state) && deadline.is_some_and(|d| d < now),
        started_at,
    }
}

/// Whether a flow in this state still has work to do (and so can be late).
fn is_open(state: InstanceState) -> bool {
    matches!(state, InstanceState::Running | InstanceState::Suspended)
}

/// When a flow is due: its document's 办理时限, else the earliest deadline of its open tasks.
fn due(flow: &LoadedFlow) -> Option<DateTime<Utc>> {
    flow.document.handling.deadline.or_else(|| {
        flow.instance
            .tasks
            .iter()
            .filter(|t| t.state.is_open())
            .filter_map(|t| t.deadline)
            .min()
    })
}

/// Names of the unit's people by id.
pub(crate) fn unit_names(
    sql: &mut dyn Sql,
    unit_id: &str,
) -> Result<HashMap<String, String>, ApiError> {
    sql.query(
        "SELECT id, name FROM users WHERE unit_id = ?1",
        args![unit_id],
    )?
    .iter()
    .map(|row| Ok((row.text(0)?, row.text(1)?)))
    .collect()
}

/// Brings the unit's index rows up to date with the instances whose version moved on (or that
/// have none yet).
pub(crate) fn refresh(
    sql: &mut dyn Sql,
    unit_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let stale = sql.query(
        "SELECT i.id, f.started_at FROM instances i
         LEFT JOIN flow_index f ON f.instance_id = i.id
         WHERE i.unit_id = ?1 AND (f.instance_id IS NULL OR f.version <> i.version)",
        args![unit_id],
    )?;
    if stale.is_empty() {
        return Ok(());
    }
    let mut started: Option<HashMap<String, String>> = None;
    for row in &stale {
        let id = row.text(0)?;
        let Some(flow) = load_instance(sql, &id, false)? else {
            continue;
        };
        let started_at = match row.opt_text(1)? {
            Some(known) => known,
            None => {
                // When a flow started is in the audit entry of its start; a flow seeded without
                // one counts from when the office first saw it.
                let audit = match &mut started {
                    Some(map) => map,
                    None => started.insert(start_times(sql, unit_id)?),
                };
                audit.get(&id).cloned().unwrap_or_else(|| stamp(now))
            }
        };
        let version = i64::try_from(flow.instance.version)
            .map_err(|_| ApiError::internal("version overflow"))?;
        sql.execute(
            "INSERT INTO flow_index (instance_id, unit_id, version, state, started_at, due_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version,
                 state = excluded.state, due_at = excluded.due_at",
            args![
                &id,
                unit_id,
                version,
                state_name(flow.instance.state),
                started_at,
                due(&flow).map(stamp)
            ],
        )?;
    }
    Ok(())
}

/// The start time of each flow of the unit whose start was audited, as the index stores times.
fn start_times(sql: &mut dyn Sql, unit_id: &str) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    for row in sql.query(
        "SELECT subject, MIN(at) FROM audit WHERE unit_id = ?1 AND kind = 'flow.started'
         GROUP BY subject",
        args![unit_id],
    )? {
        if let Ok(at) = DateTime::parse_from_rfc3339(&row.text(1)?) {
            out.insert(row.text(0)?, stamp(at.with_timezone(&Utc)));
        }
    }
    Ok(out)
}

/// A state as the index stores it (the workflow's own wire name).
pub(crate) fn state_name(state: InstanceState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A time as the index stores it: one fixed width, so text order is time order.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A time the index stored.
fn parse_stamp(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::internal("a stored time is damaged"))
}
