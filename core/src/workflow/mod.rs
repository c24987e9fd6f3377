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

pub mod definition;
mod engine;

use crate::model::Opinion;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use definition::{
    Allowances, Completion, DefinitionError, Handler, HandlerMode, Node, NodeKind,
    ProcessDefinition, RejectPolicy, ReturnPolicy, ReturnWay, Route,
};
pub use engine::{apply, controls, decide, execute, Controls};

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
        };
        engine::enter_node(&mut instance, first);
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
    },
    /// The flow reached its end.
    InstanceCompleted {
        /// When.
        at: DateTime<Utc>,
    },
}

/// Why a command was refused: a stable code, messages in Chinese and English, and the version the
/// instance is at, so the phone can show the reason and resynchronise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{} ({}): {}", code.as_str(), current_version, code.message_en())]
pub struct Rejection {
    /// Stable reason code.
    pub code: RejectionCode,
    /// The instance version when it was refused.
    pub current_version: u64,
}

/// Stable reason codes for refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// The command was decided on an older version of the instance.
    Stale,
    /// The instance is not running.
    NotRunning,
    /// The task does not exist in this instance.
    NoSuchTask,
    /// The task belongs to someone else.
    NotAssignee,
    /// The task is no longer pending.
    TaskNotPending,
    /// The attitude does not fit the action.
    InvalidAttitude,
    /// The node only takes 已阅.
    ReadOnlyNode,
    /// The node has several routes and none was chosen.
    RouteRequired,
    /// The chosen route does not leave this node.
    NoSuchRoute,
    /// The route requires an opinion and none was written.
    OpinionRequired,
    /// The flow would enter a node kind this version cannot run.
    UnsupportedNode,
    /// The process definition does not match the instance.
    DefinitionInvalid,
}

impl RejectionCode {
    /// The stable wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionCode::Stale => "stale",
            RejectionCode::NotRunning => "not_running",
            RejectionCode::NoSuchTask => "no_such_task",
            RejectionCode::NotAssignee => "not_assignee",
            RejectionCode::TaskNotPending => "task_not_pending",
            RejectionCode::InvalidAttitude => "invalid_attitude",
            RejectionCode::ReadOnlyNode => "read_only_node",
            RejectionCode::RouteRequired => "route_required",
            RejectionCode::NoSuchRoute => "no_such_route",
            RejectionCode::OpinionRequired => "opinion_required",
            RejectionCode::UnsupportedNode => "unsupported_node",
            RejectionCode::DefinitionInvalid => "definition_invalid",
        }
    }

    /// The message for a Chinese-speaking user.
    pub fn message_zh(self) -> &'static str {
        match self {
            RejectionCode::Stale => "公文已被他人处理或撤回，请同步后重试",
            RejectionCode::NotRunning => "流程已结束或已挂起，不能再办理",
            RejectionCode::NoSuchTask => "该待办不存在",
            RejectionCode::NotAssignee => "该待办不属于您",
            RejectionCode::TaskNotPending => "该待办已办理",
            RejectionCode::InvalidAttitude => "意见态度与操作不符",
            RejectionCode::ReadOnlyNode => "该节点只需阅知",
            RejectionCode::RouteRequired => "请选择流转方向",
            RejectionCode::NoSuchRoute => "所选流转方向不存在",
            RejectionCode::OpinionRequired => "该流转方向须填写意见",
            RejectionCode::UnsupportedNode => "本版本暂不支持该流程节点",
            RejectionCode::DefinitionInvalid => "流程定义有误，请联系管理员",
        }
    }

    /// The message for an English-speaking user.
    pub fn message_en(self) -> &'static str {
        match self {
            RejectionCode::Stale => "the document changed since you opened it; sync and try again",
            RejectionCode::NotRunning => "the flow has ended or is suspended",
            RejectionCode::NoSuchTask => "no such task in this flow",
            RejectionCode::NotAssignee => "this task is assigned to someone else",
            RejectionCode::TaskNotPending => "this task has already been handled",
            RejectionCode::InvalidAttitude => "the attitude does not fit this action",
            RejectionCode::ReadOnlyNode => "this step only needs to be marked as read",
            RejectionCode::RouteRequired => "choose where the document goes next",
            RejectionCode::NoSuchRoute => "the chosen route does not leave this step",
            RejectionCode::OpinionRequired => "this route requires an opinion",
            RejectionCode::UnsupportedNode => "this version cannot run that kind of step yet",
            RejectionCode::DefinitionInvalid => {
                "the process definition is invalid; contact the administrator"
            }
        }
    }
}

#[cfg(test)]
mod tests;
