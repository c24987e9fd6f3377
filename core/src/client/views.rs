//! What the facade hands to shells: the inbox rows with their control flags, queued commands and
//! sync reports.

use crate::model::{DocumentKind, Urgency};
use crate::store::{InboxRow, LocalTaskState};
use crate::workflow;
use chrono::{DateTime, Utc};

/// An inbox item as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    /// The task id.
    pub task_id: String,
    /// 标题 — the document title.
    pub title: String,
    /// 发文字号 — e.g. `晋农办〔2026〕12号`.
    pub document_number: String,
    /// 紧急程度 (`label_zh` for the label).
    pub urgency: Urgency,
    /// 公文类型 (`label_zh` for the label).
    pub kind: DocumentKind,
    /// 当前节点 — the node the task is at.
    pub node_name: String,
    /// Where it stands on this phone.
    pub state: LocalTaskState,
    /// Whether the user may approve it now (the workflow's control flags).
    pub can_approve: bool,
    /// The ways an approval may go on, with their button labels (empty when it cannot).
    pub routes: Vec<RouteChoice>,
    /// Every control flag of the workflow for this task (all off while it is queued; on a
    /// finished task, what the flow still allows, such as 撤回).
    pub controls: workflow::Controls,
}

/// A way out of a step, as a button shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteChoice {
    /// The route id to send with the approval.
    pub id: String,
    /// 按钮文字 — e.g. 送办公室承办.
    pub label: String,
    /// An opinion must be written to take it.
    pub requires_opinion: bool,
}

/// A command the phone queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedCommand {
    /// UUIDv7 command id.
    pub command_id: String,
    /// The task.
    pub task_id: String,
    /// When the person decided (server-adjusted clock).
    pub created_at: DateTime<Utc>,
    /// Whether the gateway was unreachable at the last attempt.
    pub decided_offline: bool,
}

/// What one sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Commands pushed.
    pub pushed: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// Of those, refused.
    pub refused: usize,
    /// Changes pulled.
    pub pulled: usize,
    /// Commands still waiting.
    pub outbox_remaining: usize,
    /// 回执 states the gateway recorded.
    pub receipts_sent: usize,
    /// 回执 states the gateway refused (kept on the phone with the reason).
    pub receipts_refused: usize,
    /// The link cut the push (or the 回执) short, or the gateway refused it: what was not
    /// answered waits for the next sync (`outbox_remaining` counts it), though the pull still ran.
    pub push_interrupted: bool,
    /// A background sync's time ran out: it stopped at a page boundary, and the next sync goes
    /// on from there.
    pub budget_spent: bool,
}

/// One inbox row as a list shows it, with the workflow's control flags for `user_id`.
pub(super) fn inbox_item(row: &InboxRow, user_id: &str, now: DateTime<Utc>) -> InboxItem {
    let entry = &row.entry;
    let instance = row.local_instance.as_ref().unwrap_or(&entry.instance);
    let node_name = entry
        .instance
        .task(&entry.task_id)
        .and_then(|task| entry.definition.nodes.iter().find(|n| n.id == task.node_id))
        .map(|node| node.name.clone())
        .unwrap_or_default();
    // Flags come from the same workflow code the gateway decides with. A queued task offers
    // nothing until the gateway has answered; a finished one offers what the flow still allows
    // its former holder (撤回 until the next handler acts, 催办).
    // An ended flow allows a former holder nothing: its rows skip the probing (an inbox holds
    // hundreds of finished tasks).
    let flow_open = matches!(
        instance.state,
        workflow::InstanceState::Running | workflow::InstanceState::Suspended
    );
    let controls = if row.state == LocalTaskState::Pending
        || (row.state != LocalTaskState::Queued && flow_open)
    {
        workflow::controls(
            workflow::Env::new(&entry.definition),
            instance,
            &workflow::Actor::user(user_id),
            &entry.task_id,
            now,
        )
    } else {
        workflow::Controls::default()
    };
    let routes = instance
        .task(&entry.task_id)
        .and_then(|task| entry.definition.node(&task.node_id))
        .map(|node| {
            node.routes
                .iter()
                .filter(|r| controls.routes.contains(&r.id))
                .map(|r| RouteChoice {
                    id: r.id.clone(),
                    label: r.label.clone(),
                    requires_opinion: r.requires_opinion,
                })
                .collect()
        })
        .unwrap_or_default();
    InboxItem {
        task_id: entry.task_id.clone(),
        title: entry.document.title.clone(),
        document_number: entry.document.number.to_string(),
        urgency: entry.document.urgency,
        kind: entry.document.kind,
        node_name,
        state: row.state,
        can_approve: controls.can_approve,
        routes,
        controls,
    }
}
