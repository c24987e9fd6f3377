//! Every workflow action the shells offer (domain.md's 21): [`TaskAction`] on a task or read
//! item, [`InstanceAction`] on a whole flow (found by its 已发 row or a task of it); the calls
//! that take them, 批量审批, 代签, 暂存 and standing delegations are in `calls`, the control
//! flags of a row or detail in `flags`, the records they answer in `records`.

pub(crate) mod calls;
mod flags;
mod records;
#[cfg(test)]
mod tests;

pub use flags::TaskControls;

use crate::convert::Attitude;
use qianpi_core::model::{Attitude as CoreAttitude, Opinion};
use qianpi_core::workflow::{self as core_workflow, Command};

/// What a person does with a task (or a circulated read item) on the phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TaskAction {
    /// 同意 / 不同意 with an opinion; `route` may be left out when the step has only one.
    Approve {
        /// The attitude.
        attitude: Attitude,
        /// The opinion (批示).
        opinion: String,
        /// The route id, from the control flags.
        route: Option<String>,
    },
    /// 已阅 on a read-only step, or on a circulated read item (待阅).
    MarkRead,
    /// 驳回, with the reason.
    Reject {
        /// The reason.
        opinion: String,
    },
    /// 退回 to an earlier step.
    ReturnTo {
        /// The node id to return to.
        target: String,
        /// Why.
        opinion: String,
    },
    /// 撤回 one's own finished task before the next handler acts.
    Recall,
    /// 转交 to another person.
    Transfer {
        /// The user id of the new handler.
        to: String,
    },
    /// 委派 — someone else works on the task and gives it back.
    Delegate {
        /// The delegatee's user id.
        to: String,
    },
    /// 委派办结 — the delegatee gives the task back with an opinion.
    Resolve {
        /// The delegatee's opinion.
        opinion: String,
    },
    /// 加签 — add signers before or after oneself.
    AddSigners {
        /// The added signers' user ids, in order.
        signers: Vec<String>,
        /// Before (they go first) or after (one's approval is given now).
        position: SignPlace,
        /// One, in turn, or all at once.
        mode: SignMode,
        /// After: the route of one's approval.
        route: Option<String>,
        /// After: one's opinion.
        opinion: Option<String>,
    },
    /// 减签 — the task named is an added signer's task one may remove.
    RemoveSigner,
    /// 传阅 / 知会 — read items for the recipients; the flow does not wait.
    Circulate {
        /// Who should read it.
        recipients: Vec<String>,
    },
    /// 暂停 — pause one's task (its deadline stops).
    Pause,
    /// Resume one's paused task.
    ResumeTask,
    /// 打开 — the task was opened (未读 → 已读).
    Open,
    /// 暂存 — keep the opinion with the task at the gateway; the task stays pending.
    SaveAtGateway {
        /// The draft opinion.
        opinion: String,
    },
    /// 签收 — take a pool task.
    Claim,
    /// 签退 — give a claimed pool task back.
    Release,
    /// 收回委托 — take back a task a standing delegation sent to one's deputy.
    TakeBack,
}

/// 加签 — where the added signers go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignPlace {
    /// 前加签 — they sign first, then the task comes back.
    Before,
    /// 后加签 — one approves now; the flow moves on when they finish.
    After,
}

/// How added signers (or a step's handlers) work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SignMode {
    /// One person.
    Single,
    /// In turn.
    Serial,
    /// All at once.
    Parallel,
    /// 竞签 — a pool: whoever claims it first.
    Pool,
}

impl From<SignMode> for core_workflow::HandlerMode {
    fn from(mode: SignMode) -> Self {
        match mode {
            SignMode::Single => core_workflow::HandlerMode::Single,
            SignMode::Serial => core_workflow::HandlerMode::Serial,
            SignMode::Parallel => core_workflow::HandlerMode::Parallel,
            SignMode::Pool => core_workflow::HandlerMode::Pool,
        }
    }
}

impl From<core_workflow::HandlerMode> for SignMode {
    fn from(mode: core_workflow::HandlerMode) -> Self {
        match mode {
            core_workflow::HandlerMode::Single => SignMode::Single,
            core_workflow::HandlerMode::Serial => SignMode::Serial,
            core_workflow::HandlerMode::Parallel => SignMode::Parallel,
            core_workflow::HandlerMode::Pool => SignMode::Pool,
        }
    }
}

impl TaskAction {
    /// The workflow command for `task_id`.
    pub fn into_command(self, task_id: String) -> Command {
        let reason = |text: String| Opinion::new(CoreAttitude::Disagree, &text);
        let agree = |text: String| Opinion::new(CoreAttitude::Agree, &text);
        match self {
            TaskAction::Approve {
                attitude,
                opinion,
                route,
            } => Command::Approve {
                task_id,
                route,
                opinion: Opinion::new(attitude.into(), &opinion),
            },
            TaskAction::MarkRead => Command::MarkRead { task_id },
            TaskAction::Reject { opinion } => Command::Reject {
                task_id,
                opinion: reason(opinion),
            },
            TaskAction::ReturnTo { target, opinion } => Command::Return {
                task_id,
                target,
                opinion: reason(opinion),
            },
            TaskAction::Recall => Command::Recall { task_id },
            TaskAction::Transfer { to } => Command::Transfer { task_id, to },
            TaskAction::Delegate { to } => Command::Delegate { task_id, to },
            TaskAction::Resolve { opinion } => Command::Resolve {
                task_id,
                opinion: agree(opinion),
            },
            TaskAction::AddSigners {
                signers,
                position,
                mode,
                route,
                opinion,
            } => Command::AddSigner {
                task_id,
                signers,
                position: match position {
                    SignPlace::Before => core_workflow::SignPosition::Before,
                    SignPlace::After => core_workflow::SignPosition::After,
                },
                mode: mode.into(),
                route,
                opinion: opinion.map(agree),
            },
            TaskAction::RemoveSigner => Command::RemoveSigner { task_id },
            TaskAction::Circulate { recipients } => Command::Circulate {
                task_id,
                recipients,
            },
            TaskAction::Pause => Command::Suspend {
                task_id: Some(task_id),
            },
            TaskAction::ResumeTask => Command::Resume {
                task_id: Some(task_id),
            },
            TaskAction::Open => Command::Open { task_id },
            TaskAction::SaveAtGateway { opinion } => Command::Save {
                task_id,
                opinion: agree(opinion),
            },
            TaskAction::Claim => Command::Claim { task_id },
            TaskAction::Release => Command::Release { task_id },
            TaskAction::TakeBack => Command::TakeBack { task_id },
        }
    }
}

/// What a person does with a whole flow.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum InstanceAction {
    /// 撤销 — the initiator withdraws the flow before anyone approved.
    Revoke,
    /// 终止 — an authorised handler or the unit administrator ends the flow.
    Terminate {
        /// Why (required).
        reason: String,
    },
    /// 催办 — remind the current handlers (at most once per the flow's interval).
    Urge,
    /// 挂起 — suspend the whole flow.
    Suspend,
    /// 恢复 — resume the suspended flow.
    Resume,
}

impl InstanceAction {
    pub(crate) fn into_command(self) -> Command {
        match self {
            InstanceAction::Revoke => Command::Revoke,
            InstanceAction::Terminate { reason } => Command::Terminate {
                opinion: Opinion::new(CoreAttitude::Disagree, &reason),
            },
            InstanceAction::Urge => Command::Urge,
            InstanceAction::Suspend => Command::Suspend { task_id: None },
            InstanceAction::Resume => Command::Resume { task_id: None },
        }
    }
}
