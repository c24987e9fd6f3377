//! Every workflow action the shells offer (domain.md's 21): [`TaskAction`] on a task or read
//! item, [`InstanceAction`] on a whole flow (found by its 已发 row or a task of it), 批量审批 with one
//! [`BatchVerdict`] per item, 代签 (`acting_for`), the control flags of a row or detail
//! ([`TaskControls`]), 暂存 drafts, and standing delegations (委托代理). Every call that touches
//! the store or the network is async: the work runs on the IO runtime's blocking pool.

use crate::convert::{ApprovalQueued, Attitude};
use crate::error::QianpiError;
use crate::{runtime, QianpiClient};
use qianpi_core::client::{BatchEntry, ClientError, Verdict as CoreVerdict};
use qianpi_core::model::{Attitude as CoreAttitude, Opinion};
use qianpi_core::protocol::delegations::{DelegationView, NewDelegation};
use qianpi_core::workflow::{self as core_workflow, Command};
use qianpi_core::Client;
use std::sync::Arc;

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
    fn into_command(self) -> Command {
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

/// 退回方式 — how the flow comes back after a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReturnWay {
    /// 逐级 — every step again.
    Step,
    /// 直送 — straight back to the one who returned it.
    Jump,
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
    /// 退回 — the steps it may go back to.
    pub return_targets: Vec<String>,
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

/// One item of a batch approval.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BatchItem {
    /// The task.
    pub task_id: String,
    /// The route id where the step has several ways on.
    pub route: Option<String>,
}

/// What became of one item of a batch on this phone.
#[derive(Debug, uniffi::Enum)]
pub enum BatchVerdict {
    /// Signed and queued in its own record; `sync` delivers it.
    Queued {
        /// The queued command.
        queued: ApprovalQueued,
    },
    /// Refused here; the other items went on.
    Refused {
        /// The workflow's stable code (`not_assignee`, `opinion_required`, …), or `not_on_phone`
        /// or `failed` when the refusal is not the workflow's.
        code: String,
        /// Why, for people.
        reason: String,
    },
}

/// One result of a batch, in the order the items were given.
#[derive(Debug, uniffi::Record)]
pub struct BatchResult {
    /// The task.
    pub task_id: String,
    /// Queued or refused.
    pub verdict: BatchVerdict,
}

/// Which flows a standing delegation covers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DelegationScope {
    /// Every flow.
    All,
    /// The flows of one process.
    Process {
        /// The process definition id.
        definition_id: String,
    },
}

/// A standing delegation (委托代理) as the gateway holds it. Times are RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Delegation {
    /// Stable id.
    pub id: String,
    /// The principal.
    pub from: String,
    /// The deputy.
    pub to: String,
    /// Which flows.
    pub scope: DelegationScope,
    /// Active from.
    pub start: String,
    /// Active until (exclusive).
    pub end: String,
    /// When the principal ended it early.
    pub revoked_at: Option<String>,
}

impl From<DelegationView> for Delegation {
    fn from(v: DelegationView) -> Self {
        Delegation {
            id: v.id,
            from: v.from,
            to: v.to,
            scope: match v.scope {
                core_workflow::DelegationScope::All => DelegationScope::All,
                core_workflow::DelegationScope::Process { definition_id } => {
                    DelegationScope::Process { definition_id }
                }
            },
            start: v.start.to_rfc3339(),
            end: v.end.to_rfc3339(),
            revoked_at: v.revoked_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A draft kept with 暂存.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Draft {
    /// The attitude.
    pub attitude: Attitude,
    /// The text.
    pub text: String,
}

fn time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, QianpiError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| QianpiError::Internal {
            reason: format!("{text:?} is not an RFC 3339 time"),
        })
}

/// An item of a batch refused on the phone, with the workflow's code where it has one.
fn refusal(error: ClientError) -> BatchVerdict {
    let code = match &error {
        ClientError::Rejected(rejection) => rejection.code.as_str().to_owned(),
        ClientError::NoSuchTask(_) => "not_on_phone".to_owned(),
        _ => "failed".to_owned(),
    };
    let reason = match &error {
        ClientError::Rejected(rejection) => rejection.code.message_zh().to_owned(),
        other => other.to_string(),
    };
    BatchVerdict::Refused { code, reason }
}

/// Runs `work` on the IO runtime's blocking pool: the store and the platform signer may block.
async fn blocking<T, F>(client: &Arc<Client>, work: F) -> Result<T, QianpiError>
where
    T: Send + 'static,
    F: FnOnce(&Client) -> Result<T, QianpiError> + Send + 'static,
{
    let client = Arc::clone(client);
    runtime()?
        .spawn_blocking(move || work(&client))
        .await
        .map_err(|e| QianpiError::Internal {
            reason: e.to_string(),
        })?
}

#[uniffi::export]
impl QianpiClient {
    /// Any action on a task or read item; with `acting_for`, a secretary enters it for that
    /// leader (代签). Works offline: the signed command waits for `sync`.
    pub async fn act_on_task(
        &self,
        task_id: String,
        action: TaskAction,
        acting_for: Option<String>,
    ) -> Result<ApprovalQueued, QianpiError> {
        blocking(&self.inner, move |client| {
            let command = action.into_command(task_id);
            Ok(client.act_as(command, acting_for.as_deref())?.into())
        })
        .await
    }

    /// An action on a whole flow, found by its 已发 row (the instance id) or a task or read item
    /// of it. Works offline.
    pub async fn act_on_flow(
        &self,
        flow_id: String,
        action: InstanceAction,
    ) -> Result<ApprovalQueued, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.act_on_flow(&flow_id, action.into_command())?.into())
        })
        .await
    }

    /// 批量审批: each item its own signed record; one result per item, in order.
    pub async fn batch_approve(
        &self,
        items: Vec<BatchItem>,
    ) -> Result<Vec<BatchResult>, QianpiError> {
        blocking(&self.inner, move |client| {
            let entries: Vec<BatchEntry> = items
                .into_iter()
                .map(|item| BatchEntry {
                    task_id: item.task_id,
                    route: item.route,
                })
                .collect();
            Ok(client
                .batch_approve(&entries)
                .into_iter()
                .map(|outcome| BatchResult {
                    task_id: outcome.task_id,
                    verdict: match outcome.verdict {
                        CoreVerdict::Queued(queued) => BatchVerdict::Queued {
                            queued: queued.into(),
                        },
                        CoreVerdict::Refused(error) => refusal(error),
                    },
                })
                .collect())
        })
        .await
    }

    /// The control flags of a row or detail: a task (finished ones too: 撤回), a read item, or
    /// a flow by its instance id.
    pub async fn controls(&self, id: String) -> Result<TaskControls, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.controls_for(&id)?.into())
        })
        .await
    }

    /// The pending tasks on this phone held by `leader`, for their secretary (代签).
    pub async fn tasks_held_by(&self, leader: String) -> Result<Vec<String>, QianpiError> {
        blocking(
            &self.inner,
            move |client| Ok(client.tasks_held_by(&leader)?),
        )
        .await
    }

    /// 暂存 — keeps a draft opinion for a task on this phone (kept across restarts).
    pub async fn save_draft(
        &self,
        task_id: String,
        attitude: Attitude,
        text: String,
    ) -> Result<(), QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.save_draft(&task_id, attitude.into(), &text)?)
        })
        .await
    }

    /// The draft kept for a task, if any.
    pub async fn draft(&self, task_id: String) -> Result<Option<Draft>, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.draft(&task_id)?.map(|opinion| Draft {
                attitude: match opinion.attitude {
                    CoreAttitude::Disagree => Attitude::Disagree,
                    _ => Attitude::Agree,
                },
                text: opinion.text,
            }))
        })
        .await
    }

    /// Throws a draft away.
    pub async fn discard_draft(&self, task_id: String) -> Result<(), QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.discard_draft(&task_id)?)
        })
        .await
    }

    /// 委托代理: names `to` as deputy from `start` until `end` (RFC 3339) for `scope`.
    pub async fn set_delegation(
        &self,
        to: String,
        scope: DelegationScope,
        start: String,
        end: String,
    ) -> Result<Delegation, QianpiError> {
        let request = NewDelegation {
            to,
            scope: match scope {
                DelegationScope::All => core_workflow::DelegationScope::All,
                DelegationScope::Process { definition_id } => {
                    core_workflow::DelegationScope::Process { definition_id }
                }
            },
            start: time(&start)?,
            end: time(&end)?,
        };
        let inner = Arc::clone(&self.inner);
        let view = runtime()?
            .spawn(async move { inner.set_delegation(&request).await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(view.into())
    }

    /// The standing delegations naming this person, as principal or deputy.
    pub async fn delegations(&self) -> Result<Vec<Delegation>, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let views = runtime()?
            .spawn(async move { inner.delegations().await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(views.into_iter().map(Into::into).collect())
    }

    /// Ends one of this person's standing delegations now.
    pub async fn revoke_delegation(&self, id: String) -> Result<Delegation, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let view = runtime()?
            .spawn(async move { inner.revoke_delegation(&id).await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(view.into())
    }
}
