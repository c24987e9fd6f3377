//! The approval state machine, shared by the gateway (which decides authoritatively) and the phone
//! (which previews and shows what the user may do).
//!
//! Pure: no IO, no clock reads, no randomness. Time comes in as an argument and new task ids are
//! derived from the instance itself, so the same inputs always give the same result on both sides.
//! [`decide`] checks a command against the state and returns the events it causes, or a typed
//! [`Rejection`]; [`apply`] folds events into a new state and bumps the version by exactly one;
//! [`controls`] derives what a viewer may do by asking `decide`, so the two never disagree.
//!
//! This module holds the state types; `definition` the process definitions and their validation;
//! `engine` the rules.

mod actions;
mod apply;
pub mod definition;
mod engine;
mod opinion;
mod rejection;
mod validate;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use apply::apply;
pub use definition::{
    Allowances, Completion, Handler, HandlerMode, Node, NodeKind, ProcessDefinition, RejectPolicy,
    ReturnPolicy, ReturnWay, Route,
};
pub use engine::{controls, decide, execute, Controls};
pub use opinion::{Attitude, Opinion};
pub use rejection::{Rejection, RejectionCode};
pub use validate::DefinitionError;

/// 流程实例状态 — the state of a flow instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// 挂起 — suspended.
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
}

/// 工作项状态 — the state of one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum TaskState {
    /// 待办 — waiting for its handler.
    Pending,
    /// 已办 — finished with an attitude.
    Done {
        /// The attitude recorded.
        attitude: crate::model::Attitude,
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

/// 工作项 — one handler's task at one node visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Stable id, derived from the instance (`<instance>-t<n>`).
    pub id: String,
    /// The node this task belongs to.
    pub node_id: String,
    /// Which visit of the node: the instance version at which the node was entered.
    pub visit: u64,
    /// 处理人 — the user who must act.
    pub assignee: String,
    /// Current state.
    pub state: TaskState,
    /// 意见 — the opinion written when it was finished.
    pub opinion: Option<Opinion>,
    /// The route chosen when it was finished.
    pub route: Option<String>,
    /// When it was finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// 流程实例 — a running flow over one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The node whose tasks are open, while running.
    pub current_node: Option<String>,
    /// Every task ever created, in creation order.
    pub tasks: Vec<Task>,
    /// The task whose completion entered the current node (who may recall it).
    #[serde(default)]
    pub entered_by: Option<String>,
    /// After a return by the jump way: the node the flow comes straight back to when the
    /// returned-to node is done.
    #[serde(default)]
    pub jump_back: Option<String>,
}

impl Instance {
    /// The task with this id.
    pub fn task(&self, task_id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == task_id)
    }

    /// Starts a running instance at the start node of a valid `definition`, its tasks created.
    pub fn start(
        id: &str,
        document_id: &str,
        initiator: &str,
        definition: &ProcessDefinition,
    ) -> Result<Instance, DefinitionError> {
        definition.validate()?;
        let first = definition
            .node(&definition.start)
            .ok_or_else(|| DefinitionError::BadStart(definition.start.clone()))?;
        if first.kind != NodeKind::Manual {
            return Err(DefinitionError::Contradiction {
                node: first.id.clone(),
                reason: "this version starts flows at a manual node only".into(),
            });
        }
        let mut instance = Instance {
            id: id.to_owned(),
            document_id: document_id.to_owned(),
            definition_id: definition.id.clone(),
            initiator: initiator.to_owned(),
            state: InstanceState::Running,
            version: 1,
            current_node: None,
            tasks: Vec::new(),
            entered_by: None,
            jump_back: None,
        };
        apply::enter_node(&mut instance, first);
        Ok(instance)
    }
}

/// A command a person issues on an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Command {
    /// 同意 / 不同意 — finish one's pending task with an opinion; the flow moves on by `route`
    /// (which may be left out when the node has exactly one).
    Approve {
        /// The task being finished.
        task_id: String,
        /// The route chosen, by id.
        #[serde(default)]
        route: Option<String>,
        /// The opinion (attitude Agree or Disagree).
        opinion: Opinion,
    },
    /// 已阅 — finish one's task on a read-only node.
    MarkRead {
        /// The task.
        task_id: String,
    },
    /// 驳回 — reject, as the node's reject policy says (end the flow, or return).
    Reject {
        /// The task.
        task_id: String,
        /// The reason (required).
        opinion: Opinion,
    },
    /// 退回 — return the document to an earlier manual node the flow passed.
    Return {
        /// The task.
        task_id: String,
        /// The node to return to.
        target: String,
        /// Why.
        opinion: Opinion,
    },
    /// 撤回 — take back one's finished task before the next handler acts.
    Recall {
        /// One's own finished task.
        task_id: String,
    },
    /// 撤销 — the initiator withdraws the flow before anyone approved.
    Revoke,
    /// 转交 — hand one's pending task to someone else.
    Transfer {
        /// The task.
        task_id: String,
        /// The new handler.
        to: String,
    },
}

impl Command {
    /// The task the command acts on, if it acts on one.
    pub fn task_id(&self) -> Option<&str> {
        match self {
            Command::Approve { task_id, .. }
            | Command::MarkRead { task_id }
            | Command::Reject { task_id, .. }
            | Command::Return { task_id, .. }
            | Command::Recall { task_id }
            | Command::Transfer { task_id, .. } => Some(task_id),
            Command::Revoke => None,
        }
    }
}

/// What an accepted command did; the gateway stores these as trace records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    /// A task was finished.
    TaskFinished {
        /// The task.
        task_id: String,
        /// Who finished it.
        actor: String,
        /// The route taken.
        route: Option<String>,
        /// The opinion written.
        opinion: Opinion,
        /// When.
        at: DateTime<Utc>,
    },
    /// The next handler of a serial node got the task.
    SerialHandoff {
        /// The node.
        node_id: String,
        /// The next handler.
        assignee: String,
    },
    /// Tasks still pending at a decided node were cancelled.
    TasksCancelled {
        /// The tasks.
        task_ids: Vec<String>,
        /// Why.
        reason: CancelReason,
    },
    /// The flow entered a node; its tasks were created.
    NodeEntered {
        /// The node.
        node_id: String,
        /// The task whose completion (or return) entered it.
        #[serde(default)]
        by: Option<String>,
    },
    /// A task was returned to an earlier node.
    TaskReturned {
        /// The task.
        task_id: String,
        /// Who returned it.
        actor: String,
        /// The node it went back to.
        target: String,
        /// Why.
        opinion: Opinion,
        /// When.
        at: DateTime<Utc>,
    },
    /// A task was handed to someone else.
    TaskTransferred {
        /// The task.
        task_id: String,
        /// The new handler.
        to: String,
    },
    /// A finished task became pending again (recall); the flow is back at its node.
    TaskReopened {
        /// The task.
        task_id: String,
    },
    /// The node the flow comes straight back to after a jump return (None: cleared).
    JumpBack {
        /// The node.
        node_id: Option<String>,
    },
    /// The flow ended without completing.
    InstanceEnded {
        /// Rejected or Revoked.
        state: InstanceState,
        /// When.
        at: DateTime<Utc>,
    },
    /// The flow reached its end.
    InstanceCompleted {
        /// When.
        at: DateTime<Utc>,
    },
}

#[cfg(test)]
mod action_tests;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
