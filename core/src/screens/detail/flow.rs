//! The flow half of the detail screen: the opinions grouped by 意见栏 and the 流转记录, both read
//! from the instance as this phone sees it (the gateway's copy with this phone's queued actions
//! applied, those marked pending).

use super::{FlowAction, FlowStep, OpinionColumn, OpinionEntry, Person};
use crate::model::Identity;
use crate::store::FlowRows;
use crate::workflow::{Command, ProcessDefinition, TaskState, TraceRecord};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

impl FlowAction {
    /// The action a command records.
    pub fn of(command: &Command) -> FlowAction {
        match command {
            Command::Approve { opinion, .. }
                if opinion.attitude == crate::model::Attitude::Disagree =>
            {
                FlowAction::Disagree
            }
            Command::Approve { .. } => FlowAction::Approve,
            Command::BatchApprove { .. } => FlowAction::BatchApprove,
            Command::MarkRead { .. } => FlowAction::MarkRead,
            Command::Reject { .. } => FlowAction::Reject,
            Command::Return { .. } => FlowAction::Return,
            Command::Transfer { .. } => FlowAction::Transfer,
            Command::Delegate { .. } => FlowAction::Delegate,
            Command::Resolve { .. } => FlowAction::Resolve,
            Command::AddSigner { .. } => FlowAction::AddSigner,
            Command::RemoveSigner { .. } => FlowAction::RemoveSigner,
            Command::Circulate { .. } => FlowAction::Circulate,
            Command::Recall { .. } => FlowAction::Recall,
            Command::Revoke => FlowAction::Revoke,
            Command::Terminate { .. } => FlowAction::Terminate,
            Command::Urge => FlowAction::Urge,
            Command::Suspend { .. } => FlowAction::Suspend,
            Command::Resume { .. } => FlowAction::Resume,
            Command::Open { .. } => FlowAction::Open,
            Command::Save { .. } => FlowAction::Save,
            Command::Claim { .. } => FlowAction::Claim,
            Command::Release { .. } => FlowAction::Release,
            Command::TakeBack { .. } => FlowAction::TakeBack,
        }
    }

    /// The Chinese label the flow record prints.
    pub fn label_zh(self) -> &'static str {
        match self {
            FlowAction::Approve => "同意",
            FlowAction::Disagree => "不同意",
            FlowAction::BatchApprove => "批量同意",
            FlowAction::MarkRead => "已阅",
            FlowAction::Reject => "驳回",
            FlowAction::Return => "退回",
            FlowAction::Transfer => "转交",
            FlowAction::Delegate => "委派",
            FlowAction::Resolve => "委派办结",
            FlowAction::AddSigner => "加签",
            FlowAction::RemoveSigner => "减签",
            FlowAction::Circulate => "传阅",
            FlowAction::Recall => "撤回",
            FlowAction::Revoke => "撤销",
            FlowAction::Terminate => "终止",
            FlowAction::Urge => "催办",
            FlowAction::Suspend => "挂起",
            FlowAction::Resume => "恢复",
            FlowAction::Open => "打开",
            FlowAction::Save => "暂存",
            FlowAction::Claim => "签收",
            FlowAction::Release => "签退",
            FlowAction::TakeBack => "收回委托",
        }
    }
}

/// A node's name (its id when the definition does not know it).
pub(super) fn node_name(definition: &ProcessDefinition, node_id: &str) -> String {
    definition
        .node(node_id)
        .map(|n| n.name.clone())
        .unwrap_or_else(|| node_id.to_owned())
}

/// Every trace record, oldest first, each with whether it is this phone's and still unconfirmed:
/// the gateway's trace, then the records the queued actions added to the local copy.
fn records(flow: &FlowRows) -> Vec<(&TraceRecord, bool)> {
    let confirmed = flow.instance.version;
    let mut out: Vec<(&TraceRecord, bool)> =
        flow.instance.trace.iter().map(|r| (r, false)).collect();
    if let Some(local) = &flow.local {
        out.extend(
            local
                .trace
                .iter()
                .filter(|r| r.version > confirmed)
                .map(|r| (r, true)),
        );
    }
    out
}

/// Who finished a task with an opinion, when, entered by whom, and whether only here.
struct Finished<'a> {
    actor: &'a str,
    entered_by: Option<&'a str>,
    at: DateTime<Utc>,
    version: u64,
}

/// 意见 grouped by 意见栏: columns in the order the flow first wrote in them, opinions in the
/// order they were written.
pub(super) fn opinion_columns(flow: &FlowRows, viewer: &Identity) -> Vec<OpinionColumn> {
    let shown = flow.local.as_ref().unwrap_or(&flow.instance);
    // The last record that wrote each task's opinion (a recalled task may be decided again).
    let mut finished: HashMap<&str, Finished<'_>> = HashMap::new();
    for (record, _) in records(flow) {
        let writes =
            record.command.opinion().is_some() && !matches!(record.command, Command::Save { .. });
        if let (true, Some(task_id)) = (writes, record.command.task_id()) {
            finished.insert(
                task_id,
                Finished {
                    actor: &record.actor,
                    entered_by: record.entered_by.as_deref(),
                    at: record.at,
                    version: record.version,
                },
            );
        }
    }
    let mut entries: Vec<(String, u64, OpinionEntry)> = Vec::new();
    for task in &shown.tasks {
        let Some(opinion) = &task.opinion else {
            continue;
        };
        // A pending task's opinion is a draft kept after a recall, not a decision.
        if matches!(
            task.state,
            TaskState::Pending { .. } | TaskState::Waiting | TaskState::Transferred
        ) {
            continue;
        }
        let by = finished.get(task.id.as_str());
        let author = by.map(|f| f.actor).unwrap_or(&task.assignee);
        let node = flow.definition.node(&task.node_id);
        let column = opinion
            .column
            .clone()
            .or_else(|| node.and_then(|n| n.opinion_column.clone()))
            .unwrap_or_else(|| node_name(&flow.definition, &task.node_id));
        let entry = OpinionEntry {
            task_id: task.id.clone(),
            node_name: node_name(&flow.definition, &task.node_id),
            author: Person::known(author, viewer),
            on_behalf_of: task
                .on_behalf_of
                .as_deref()
                .filter(|principal| *principal != author)
                .map(|p| Person::known(p, viewer)),
            entered_by: opinion
                .on_behalf_of
                .as_deref()
                .or(by.and_then(|f| f.entered_by))
                .map(|s| Person::known(s, viewer)),
            at: by.map(|f| f.at).or(task.finished_at),
            attitude: opinion.attitude,
            text: opinion.text.clone(),
            has_handwriting: opinion.handwriting.is_some(),
            has_audio: opinion.audio.is_some(),
            handwriting: opinion.handwriting.clone(),
            audio: opinion.audio.clone(),
            pending: flow.queued_tasks.contains(&task.id),
        };
        entries.push((column, by.map_or(u64::MAX, |f| f.version), entry));
    }
    // Flow order: by the step that wrote it; opinions no step explains go last, by time.
    entries.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.at.cmp(&b.2.at)));
    let mut columns: Vec<OpinionColumn> = Vec::new();
    for (name, _, entry) in entries {
        match columns.iter_mut().find(|c| c.name == name) {
            Some(column) => column.opinions.push(entry),
            None => columns.push(OpinionColumn {
                name,
                opinions: vec![entry],
            }),
        }
    }
    columns
}

/// 流转记录 — every step, oldest first, then this phone's queued ones.
pub(super) fn flow_record(flow: &FlowRows, viewer: &Identity) -> Vec<FlowStep> {
    let shown = flow.local.as_ref().unwrap_or(&flow.instance);
    let person = |id: &String| Person::known(id, viewer);
    records(flow)
        .into_iter()
        .map(|(record, pending)| {
            let task_id = record.command.task_id().map(str::to_owned);
            let task = task_id.as_deref().and_then(|id| shown.task(id));
            let node_id = task.map(|t| t.node_id.as_str()).or_else(|| {
                task_id
                    .as_deref()
                    .and_then(|id| shown.read_item(id))
                    .map(|r| r.node_id.as_str())
            });
            let to = match &record.command {
                Command::Transfer { to, .. } | Command::Delegate { to, .. } => vec![person(to)],
                Command::AddSigner { signers, .. } => signers.iter().map(person).collect(),
                Command::Circulate { recipients, .. } => recipients.iter().map(person).collect(),
                _ => Vec::new(),
            };
            let returned_to = match &record.command {
                Command::Return { target, .. } => Some(node_name(&flow.definition, target)),
                _ => None,
            };
            FlowStep {
                version: record.version,
                action: FlowAction::of(&record.command),
                actor: person(&record.actor),
                entered_by: record.entered_by.as_ref().map(person),
                on_behalf_of: task
                    .and_then(|t| t.on_behalf_of.as_ref())
                    .filter(|principal| **principal != record.actor)
                    .map(person),
                at: record.at,
                node_name: node_id.map(|id| node_name(&flow.definition, id)),
                task_id,
                to,
                returned_to,
                pending,
            }
        })
        .collect()
}
