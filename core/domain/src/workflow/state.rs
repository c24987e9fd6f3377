//! The state of a flow: the instance, its tasks with their sub-states, the active nodes, read items
//! from circulation and the trace. Pure data; only `apply` changes it.

use super::{Command, Event, HandlerMode, Opinion};
use crate::model::Attitude;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 流程实例状态 — the state of a flow instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstanceState {
    /// 草稿 — not yet submitted.
    Draft,
    /// 流转中 — running.
    Running,
    /// 办结 — completed.
    Completed,
    /// 驳回 — rejected and ended.
    Rejected,
    /// 撤销 — revoked by the initiator.
    Revoked,
    /// 终止 — terminated.
    Terminated,
    /// 挂起 — suspended: everything but resume is refused.
    Suspended,
}

impl InstanceState {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            InstanceState::Draft => "草稿",
            InstanceState::Running => "流转中",
            InstanceState::Completed => "办结",
            InstanceState::Rejected => "驳回",
            InstanceState::Revoked => "撤销",
            InstanceState::Terminated => "终止",
            InstanceState::Suspended => "挂起",
        }
    }

    /// Whether the instance has ended for good.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            InstanceState::Completed
                | InstanceState::Rejected
                | InstanceState::Revoked
                | InstanceState::Terminated
        )
    }
}

/// Why a task was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// 抢办 — another handler of a first-wins node finished first.
    CompetitionLost,
    /// The node's ratio or vote was decided without this handler.
    NodeDecided,
    /// 退回 — the node was returned to an earlier one.
    Returned,
    /// 撤回 — the previous handler recalled the document.
    Recalled,
    /// 撤销 — the initiator revoked the flow.
    Revoked,
    /// 驳回 — the flow was rejected.
    Rejected,
    /// 终止 — the flow was terminated.
    Terminated,
    /// 减签 — the signer who added this one removed it.
    Removed,
}

/// The sub-state of a pending task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PendingState {
    /// 未读 — not opened yet.
    #[default]
    Unread,
    /// 已读 — opened.
    Read,
    /// 暂存 — an opinion was saved for later.
    Saved,
    /// 暂停 — paused; its deadline clock stands still.
    Paused,
}

/// 工作项状态 — the state of one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum TaskState {
    /// 待办 — waiting for its handler.
    Pending {
        /// Unread, read, saved or paused.
        #[serde(default)]
        sub: PendingState,
    },
    /// 等待 — the handler added signers before them (or delegated); waits for them.
    Waiting,
    /// 审批中 — the handler approved and added signers after them; the flow waits for those.
    Approving,
    /// 已办 — finished with an attitude.
    Done {
        /// The attitude recorded.
        attitude: Attitude,
    },
    /// 已退回 — this handler returned the document to an earlier node.
    Returned,
    /// 已转交 — handed to someone else, who got a task of their own at the same node.
    Transferred,
    /// 已取消 — cancelled.
    Cancelled {
        /// Why.
        reason: CancelReason,
    },
}

impl TaskState {
    /// A fresh pending task.
    pub const NEW: TaskState = TaskState::Pending {
        sub: PendingState::Unread,
    };

    /// Pending, whatever the sub-state.
    pub fn is_pending(self) -> bool {
        matches!(self, TaskState::Pending { .. })
    }

    /// Still owes something: pending, waiting or approving.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TaskState::Pending { .. } | TaskState::Waiting | TaskState::Approving
        )
    }

    /// Finished with an attitude.
    pub fn is_done(self) -> bool {
        matches!(self, TaskState::Done { .. })
    }
}

/// What a task is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TaskKind {
    /// A handler's own task at the node.
    #[default]
    Handler,
    /// 委派 — delegated by the handler of `parent`, who gets it back when this one resolves.
    Delegated {
        /// The delegating task.
        parent: String,
    },
    /// 加签 — a signer added by the handler of `parent`.
    AddedSigner {
        /// The task that added this signer.
        parent: String,
    },
}

/// 加签 position: before the adder decides, or after the adder approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignPosition {
    /// 前加签 — the added signers go first; then the adder decides.
    Before,
    /// 后加签 — the adder has approved; the flow moves on when the added signers finish.
    After,
}

/// The added signers a task waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSignPlan {
    /// Before or after.
    pub position: SignPosition,
    /// Single, serial or parallel.
    pub mode: HandlerMode,
    /// Serial signers whose turn has not come yet, in order.
    pub queue: Vec<String>,
}

/// 工作项 — one handler's task at one node visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Stable id, derived from the instance (`<instance>-t<n>`).
    pub id: String,
    /// The node this task belongs to.
    pub node_id: String,
    /// Which visit of the node: the instance version at which the node was entered.
    pub visit: u64,
    /// The handler slot of the node this task fills (its weight and its place in a serial order);
    /// kept through transfers and delegation.
    #[serde(default)]
    pub seat: u32,
    /// 处理人 — the user who must act; empty while a candidate-pool task is unclaimed.
    pub assignee: String,
    /// 候选人 — for a candidate pool: who may claim it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// 委托 — the principal whose standing delegation sent this task to `assignee` ("assignee 代
    /// principal"); the principal may still act on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// What the task is for.
    #[serde(default)]
    pub kind: TaskKind,
    /// Current state.
    pub state: TaskState,
    /// 意见 — the opinion written when it was finished (kept as a draft after a recall).
    pub opinion: Option<Opinion>,
    /// 暂存 — an opinion saved for later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<Opinion>,
    /// The route chosen when it was finished.
    pub route: Option<String>,
    /// 办理时限 — when it is due; moved on by the time it spent paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    /// When it was paused, while paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
    /// 催办 — how often it was urged, and when last.
    #[serde(default)]
    pub urge_count: u32,
    /// When it was last urged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_urged_at: Option<DateTime<Utc>>,
    /// The added signers this task waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_sign: Option<AddSignPlan>,
    /// When it was finished.
    pub finished_at: Option<DateTime<Utc>>,
}

impl Task {
    /// Whether `user` may act on this task: its assignee, or the principal it was delegated from.
    pub fn is_held_by(&self, user: &str) -> bool {
        (!self.assignee.is_empty() && self.assignee == user)
            || self.on_behalf_of.as_deref() == Some(user)
    }
}

/// A node the flow is at now, with the visit its tasks belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveNode {
    /// The node.
    pub node_id: String,
    /// The visit (instance version at entry).
    pub visit: u64,
    /// The task whose completion entered it (who may recall it).
    #[serde(default)]
    pub entered_by: Option<String>,
}

/// 待阅 — a read item from circulation; never blocks the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadItem {
    /// Stable id (`<instance>-r<n>`).
    pub id: String,
    /// Who should read it.
    pub recipient: String,
    /// Who circulated it.
    pub sent_by: String,
    /// The node it was circulated from.
    pub node_id: String,
    /// When it was delivered.
    pub delivered_at: DateTime<Utc>,
    /// When it was read (已阅).
    pub read_at: Option<DateTime<Utc>>,
}

/// 流转记录 — one accepted command: who, what, when, and the events it caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// The instance version this command produced.
    pub version: u64,
    /// The command id (re-sending it returns this record's verdict).
    pub command_id: String,
    /// The person the command acted as.
    pub actor: String,
    /// 代签 — the secretary who entered it for `actor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<String>,
    /// The command.
    pub command: Command,
    /// When.
    pub at: DateTime<Utc>,
    /// What it caused.
    pub events: Vec<Event>,
}

/// 流程实例 — a running flow over one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instance {
    /// Stable id.
    pub id: String,
    /// The document the flow carries.
    pub document_id: String,
    /// The definition it follows.
    pub definition_id: String,
    /// 发起人 — the initiator.
    pub initiator: String,
    /// Current state.
    pub state: InstanceState,
    /// Increases by exactly one on every accepted command (optimistic concurrency).
    pub version: u64,
    /// The nodes whose tasks are open (several on parallel branches).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Vec<Object>))]
    pub active: Vec<ActiveNode>,
    /// Every task ever created, in creation order.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub tasks: Vec<Task>,
    /// After a return by the jump way: the node the flow comes straight back to when the
    /// returned-to node is done.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub jump_back: Option<String>,
    /// 传阅 — read items.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Vec<Object>))]
    pub read_items: Vec<ReadItem>,
    /// 流转记录 — one record per accepted command.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Vec<Object>))]
    pub trace: Vec<TraceRecord>,
    /// 发起时选定处理人 — the handlers the starter chose for the steps that take a choice.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, Vec<String>>))]
    pub chosen_handlers: super::ChosenHandlers,
}

impl Instance {
    /// The task with this id.
    pub fn task(&self, task_id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == task_id)
    }

    /// The read item with this id.
    pub fn read_item(&self, item_id: &str) -> Option<&ReadItem> {
        self.read_items.iter().find(|r| r.id == item_id)
    }

    /// The first active node (the one a single-branch flow is at).
    pub fn current_node(&self) -> Option<&str> {
        self.active.first().map(|a| a.node_id.as_str())
    }

    /// Whether the node is active now.
    pub fn is_active(&self, node_id: &str) -> bool {
        self.active.iter().any(|a| a.node_id == node_id)
    }

    /// The open tasks `user` holds (as assignee or principal).
    pub fn open_tasks_of<'a>(&'a self, user: &'a str) -> impl Iterator<Item = &'a Task> + 'a {
        self.tasks
            .iter()
            .filter(move |t| t.state.is_open() && t.is_held_by(user))
    }
}
