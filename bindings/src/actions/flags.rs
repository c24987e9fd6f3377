//! The control flags of a row or detail as the shells see them: what the person may do on a
//! task, read item or flow now, straight from the workflow's `Controls`.

use super::SignMode;
use qianpi_core::workflow as core_workflow;

/// 退回方式 — how the flow comes back after a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReturnWay {
    /// 逐级 — every step again.
    Step,
    /// 直送 — straight back to the one who returned it.
    Jump,
}

/// A step 退回 may go back to: the node id to send and the name to show (拟稿, 核稿 …).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReturnStep {
    /// The node id, sent in `TaskAction::ReturnTo`.
    pub id: String,
    /// 节点名称, from the process definition the phone holds.
    pub name: String,
}

/// What the person may do on a task, read item or flow now: the workflow's control flags.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaskControls {
    /// 打开.
    pub can_open: bool,
    /// 同意 / 不同意.
    pub can_approve: bool,
    /// The route ids an approval may take.
    pub routes: Vec<String>,
    /// 已阅.
    pub can_mark_read: bool,
    /// 驳回.
    pub can_reject: bool,
    /// 退回 — the steps it may go back to (node ids).
    pub return_targets: Vec<String>,
    /// 退回 — the same steps with their names, to offer by name.
    pub return_steps: Vec<ReturnStep>,
    /// How the flow comes back after a return from here.
    pub return_way: Option<ReturnWay>,
    /// 转交.
    pub can_transfer: bool,
    /// 委派.
    pub can_delegate: bool,
    /// 委派办结.
    pub can_resolve: bool,
    /// 加签 — the modes allowed (empty: none).
    pub add_sign_modes: Vec<SignMode>,
    /// 减签 — added signers' tasks that may be removed.
    pub removable_signers: Vec<String>,
    /// 传阅.
    pub can_circulate: bool,
    /// 撤回 (on a finished task, while the next handler has not acted).
    pub can_recall: bool,
    /// 撤销.
    pub can_revoke: bool,
    /// 终止.
    pub can_terminate: bool,
    /// 催办.
    pub can_urge: bool,
    /// 暂停 this task.
    pub can_pause: bool,
    /// Resume this paused task.
    pub can_resume_task: bool,
    /// 挂起 the flow.
    pub can_suspend: bool,
    /// 恢复 the flow.
    pub can_resume: bool,
    /// 暂存.
    pub can_save: bool,
    /// 批量审批.
    pub can_batch: bool,
    /// 签收.
    pub can_claim: bool,
    /// 签退.
    pub can_release: bool,
    /// 收回委托.
    pub can_take_back: bool,
}

impl From<core_workflow::Controls> for TaskControls {
    fn from(c: core_workflow::Controls) -> Self {
        TaskControls {
            can_open: c.can_open,
            can_approve: c.can_approve,
            routes: c.routes,
            can_mark_read: c.can_mark_read,
            can_reject: c.can_reject,
            return_targets: c.return_targets,
            return_steps: c
                .return_steps
                .into_iter()
                .map(|s| ReturnStep {
                    id: s.id,
                    name: s.name,
                })
                .collect(),
            return_way: c.return_way.map(|way| match way {
                core_workflow::ReturnWay::Step => ReturnWay::Step,
                core_workflow::ReturnWay::Jump => ReturnWay::Jump,
            }),
            can_transfer: c.can_transfer,
            can_delegate: c.can_delegate,
            can_resolve: c.can_resolve,
            add_sign_modes: c.add_sign_modes.into_iter().map(Into::into).collect(),
            removable_signers: c.removable_signers,
            can_circulate: c.can_circulate,
            can_recall: c.can_recall,
            can_revoke: c.can_revoke,
            can_terminate: c.can_terminate,
            can_urge: c.can_urge,
            can_pause: c.can_pause,
            can_resume_task: c.can_resume_task,
            can_suspend: c.can_suspend,
            can_resume: c.can_resume,
            can_save: c.can_save,
            can_batch: c.can_batch,
            can_claim: c.can_claim,
            can_release: c.can_release,
            can_take_back: c.can_take_back,
        }
    }
}
