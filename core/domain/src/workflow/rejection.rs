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
    /// The command id was used before for a different command.
    CommandIdReused,
    /// The instance is suspended; only resuming it is allowed.
    Suspended,
    /// The person is not authorised for this action.
    NotAuthorised,
    /// The task is paused; resume it first.
    TaskPaused,
    /// Only a finished task can be recalled.
    TaskNotDone,
    /// The pool task has not been claimed by this person.
    NotClaimed,
    /// Someone already claimed the pool task.
    AlreadyClaimed,
    /// The person is not a candidate for the pool task.
    NotCandidate,
    /// Added signers cannot add signers, and one group at a time.
    NestedAddSign,
    /// The added signers are empty, repeated, or already on this step.
    BadSigners,
    /// The recipients are empty, repeated, or already have an unread item.
    BadRecipients,
    /// Only people who took part, the initiator or a supervisor may urge.
    NotParticipant,
    /// A current handler cannot urge.
    CurrentHandler,
    /// Every current handler was urged too recently.
    UrgeTooSoon,
    /// The command would change nothing.
    NoChange,
    /// The item needs an opinion or handwriting of its own and cannot be batch-approved.
    OwnOpinionRequired,
    /// The opinion is longer than [`super::MAX_OPINION_CHARS`] (or a reference it carries is
    /// longer than an attachment id can be).
    OpinionTooLong,
}

impl RejectionCode {
    /// Every code, for tests and documentation.
    pub const ALL: &'static [RejectionCode] = &[
        RejectionCode::Stale,
        RejectionCode::NotRunning,
        RejectionCode::NoSuchTask,
        RejectionCode::NotAssignee,
        RejectionCode::TaskNotPending,
        RejectionCode::InvalidAttitude,
        RejectionCode::ReadOnlyNode,
        RejectionCode::RouteRequired,
        RejectionCode::NoSuchRoute,
        RejectionCode::OpinionRequired,
        RejectionCode::ActionNotAllowed,
        RejectionCode::BadReturnTarget,
        RejectionCode::NotInitiator,
        RejectionCode::TooLate,
        RejectionCode::BadTransferTarget,
        RejectionCode::DefinitionInvalid,
        RejectionCode::CommandIdReused,
        RejectionCode::Suspended,
        RejectionCode::NotAuthorised,
        RejectionCode::TaskPaused,
        RejectionCode::TaskNotDone,
        RejectionCode::NotClaimed,
        RejectionCode::AlreadyClaimed,
        RejectionCode::NotCandidate,
        RejectionCode::NestedAddSign,
        RejectionCode::BadSigners,
        RejectionCode::BadRecipients,
        RejectionCode::NotParticipant,
        RejectionCode::CurrentHandler,
        RejectionCode::UrgeTooSoon,
        RejectionCode::NoChange,
        RejectionCode::OwnOpinionRequired,
        RejectionCode::OpinionTooLong,
    ];

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
            RejectionCode::ActionNotAllowed => "action_not_allowed",
            RejectionCode::BadReturnTarget => "bad_return_target",
            RejectionCode::NotInitiator => "not_initiator",
            RejectionCode::TooLate => "too_late",
            RejectionCode::BadTransferTarget => "bad_transfer_target",
            RejectionCode::DefinitionInvalid => "definition_invalid",
            RejectionCode::CommandIdReused => "command_id_reused",
            RejectionCode::Suspended => "suspended",
            RejectionCode::NotAuthorised => "not_authorised",
            RejectionCode::TaskPaused => "task_paused",
            RejectionCode::TaskNotDone => "task_not_done",
            RejectionCode::NotClaimed => "not_claimed",
            RejectionCode::AlreadyClaimed => "already_claimed",
            RejectionCode::NotCandidate => "not_candidate",
            RejectionCode::NestedAddSign => "nested_add_sign",
            RejectionCode::BadSigners => "bad_signers",
            RejectionCode::BadRecipients => "bad_recipients",
            RejectionCode::NotParticipant => "not_participant",
            RejectionCode::CurrentHandler => "current_handler",
            RejectionCode::UrgeTooSoon => "urge_too_soon",
            RejectionCode::NoChange => "no_change",
            RejectionCode::OwnOpinionRequired => "own_opinion_required",
            RejectionCode::OpinionTooLong => "opinion_too_long",
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
            RejectionCode::ActionNotAllowed => "该节点不允许此操作",
            RejectionCode::BadReturnTarget => "不能退回到该节点",
            RejectionCode::NotInitiator => "只有发起人可以执行此操作",
            RejectionCode::TooLate => "下一环节已办理，无法撤回或撤销",
            RejectionCode::BadTransferTarget => "不能转交给该人员",
            RejectionCode::DefinitionInvalid => "流程定义有误，请联系管理员",
            RejectionCode::CommandIdReused => "该指令编号已用于其他操作，请重新提交",
            RejectionCode::Suspended => "流程已挂起，恢复后才能办理",
            RejectionCode::NotAuthorised => "您无权执行此操作",
            RejectionCode::TaskPaused => "该待办已暂停，请先恢复",
            RejectionCode::TaskNotDone => "只有已办理的事项才能撤回",
            RejectionCode::NotClaimed => "请先签收该待办",
            RejectionCode::AlreadyClaimed => "该待办已被他人签收",
            RejectionCode::NotCandidate => "您不在该待办的候选人之中",
            RejectionCode::NestedAddSign => "加签不能嵌套，请等待已加签人员办理完毕",
            RejectionCode::BadSigners => "加签人员有误：为空、重复或已在本环节",
            RejectionCode::BadRecipients => "传阅对象有误：为空、重复或尚有未阅事项",
            RejectionCode::NotParticipant => "只有参与人、发起人或督办人可以催办",
            RejectionCode::CurrentHandler => "您是当前办理人，无需催办",
            RejectionCode::UrgeTooSoon => "催办过于频繁，请稍后再试",
            RejectionCode::NoChange => "当前状态无需此操作",
            RejectionCode::OwnOpinionRequired => "该事项须单独填写意见或手写签批，不能批量审批",
            RejectionCode::OpinionTooLong => "意见过长，请精简至2000字以内",
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
            RejectionCode::ActionNotAllowed => "this step does not allow that action",
            RejectionCode::BadReturnTarget => "the document cannot be returned to that step",
            RejectionCode::NotInitiator => "only the initiator may do this",
            RejectionCode::TooLate => "too late: the next handler has already acted",
            RejectionCode::BadTransferTarget => "the task cannot be transferred to that person",
            RejectionCode::DefinitionInvalid => {
                "the process definition is invalid; contact the administrator"
            }
            RejectionCode::CommandIdReused => {
                "that command id was already used for a different command"
            }
            RejectionCode::Suspended => "the flow is suspended; it must be resumed first",
            RejectionCode::NotAuthorised => "you are not authorised to do this",
            RejectionCode::TaskPaused => "this task is paused; resume it first",
            RejectionCode::TaskNotDone => "only a task you have finished can be recalled",
            RejectionCode::NotClaimed => "claim this task first",
            RejectionCode::AlreadyClaimed => "someone else has already claimed this task",
            RejectionCode::NotCandidate => "you are not a candidate for this task",
            RejectionCode::NestedAddSign => {
                "added signers cannot add more, and one group of signers at a time"
            }
            RejectionCode::BadSigners => {
                "the signers are missing, repeated, or already on this step"
            }
            RejectionCode::BadRecipients => {
                "the recipients are missing, repeated, or already have an unread item"
            }
            RejectionCode::NotParticipant => {
                "only participants, the initiator or a supervisor may urge"
            }
            RejectionCode::CurrentHandler => "you are a current handler yourself",
            RejectionCode::UrgeTooSoon => "the handlers were urged too recently; try again later",
            RejectionCode::NoChange => "nothing to change",
            RejectionCode::OwnOpinionRequired => {
                "this item needs its own opinion or handwriting and cannot be approved in a batch"
            }
            RejectionCode::OpinionTooLong => {
                "the opinion is too long; keep it within 2,000 characters"
            }
        }
    }
}
