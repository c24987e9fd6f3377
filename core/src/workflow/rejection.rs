//! Refusals: every command the rules refuse gets a [`Rejection`] with a stable code, a message in
//! Chinese and in English, and the instance version it was refused at.

use serde::{Deserialize, Serialize};

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
    /// The node's configuration does not allow this action.
    ActionNotAllowed,
    /// The return target is not an allowed earlier node of this flow.
    BadReturnTarget,
    /// Only the initiator may do this.
    NotInitiator,
    /// Too late: the next handler has already acted, or someone already approved.
    TooLate,
    /// The transfer target cannot take the task.
    BadTransferTarget,
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
            RejectionCode::ActionNotAllowed => "action_not_allowed",
            RejectionCode::BadReturnTarget => "bad_return_target",
            RejectionCode::NotInitiator => "not_initiator",
            RejectionCode::TooLate => "too_late",
            RejectionCode::BadTransferTarget => "bad_transfer_target",
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
            RejectionCode::ActionNotAllowed => "该节点不允许此操作",
            RejectionCode::BadReturnTarget => "不能退回到该节点",
            RejectionCode::NotInitiator => "只有发起人可以执行此操作",
            RejectionCode::TooLate => "下一环节已办理，无法撤回或撤销",
            RejectionCode::BadTransferTarget => "不能转交给该人员",
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
            RejectionCode::ActionNotAllowed => "this step does not allow that action",
            RejectionCode::BadReturnTarget => "the document cannot be returned to that step",
            RejectionCode::NotInitiator => "only the initiator may do this",
            RejectionCode::TooLate => "too late: the next handler has already acted",
            RejectionCode::BadTransferTarget => "the task cannot be transferred to that person",
            RejectionCode::DefinitionInvalid => {
                "the process definition is invalid; contact the administrator"
            }
        }
    }
}
