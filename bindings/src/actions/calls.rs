//! The action calls of `QianpiClient`: a task action (with `acting_for` for 代签), a flow
//! action, 批量审批 with one verdict per item, a row's control flags, the leader's tasks a
//! secretary may enter for, 暂存 drafts, and standing delegations. Every call that touches the
//! store or the network is async: store work runs on the IO runtime's blocking pool (the
//! platform signer may block on a fingerprint prompt), network work on the runtime itself.

use super::records::{BatchItem, BatchResult, BatchVerdict, Delegation, DelegationScope, Draft};
use super::{InstanceAction, TaskAction, TaskControls};
use crate::convert::{ApprovalQueued, Attitude};
use crate::error::QianpiError;
use crate::{blocking, runtime, QianpiClient};
use qianpi_core::client::{BatchEntry, BatchOutcome, ClientError, Verdict as CoreVerdict};
use qianpi_core::model::Attitude as CoreAttitude;
use qianpi_core::protocol::delegations::NewDelegation;
use qianpi_core::workflow as core_workflow;
use std::sync::Arc;
use std::time::SystemTime;

/// Why an item of a batch was refused on the phone: the workflow's code where it has one and
/// the reason in both languages.
pub(super) fn refusal(error: ClientError) -> BatchVerdict {
    let code = match &error {
        ClientError::Rejected(rejection) => rejection.code.as_str().to_owned(),
        ClientError::NoSuchTask(_) => "not_on_phone".to_owned(),
        _ => "failed".to_owned(),
    };
    let (reason_zh, reason_en) = match &error {
        ClientError::Rejected(rejection) => (
            rejection.code.message_zh().to_owned(),
            rejection.code.message_en().to_owned(),
        ),
        ClientError::NoSuchTask(_) => (
            "本机没有这件待办，请先同步。".to_owned(),
            "this task is not on the phone; sync first".to_owned(),
        ),
        _ => {
            let shown = QianpiError::from(error);
            (shown.message_zh(), shown.message_en())
        }
    };
    BatchVerdict::Refused {
        code,
        reason_zh,
        reason_en,
    }
}

/// One item's result: queued, or refused with its reason in both languages.
fn batch_result(outcome: BatchOutcome) -> BatchResult {
    BatchResult {
        task_id: outcome.task_id,
        verdict: match outcome.verdict {
            CoreVerdict::Queued(queued) => BatchVerdict::Queued {
                queued: queued.into(),
            },
            CoreVerdict::Refused(error) => refusal(error),
        },
    }
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
                .map(batch_result)
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

    /// The control flags of a leader's task as his secretary may act on it for him (代签): the
    /// actions she may enter in his name (同意, 驳回, 退回 …), by the same rules the gateway
    /// applies; `controls` gives her own flags.
    pub async fn controls_acting_for(
        &self,
        id: String,
        leader: String,
    ) -> Result<TaskControls, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.controls_acting_for(&id, Some(&leader))?.into())
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

    /// 委托代理: names `to` as deputy from `start` until `end` for `scope` (a leader leaving on
    /// a trip names his deputy and the window).
    pub async fn set_delegation(
        &self,
        to: String,
        scope: DelegationScope,
        start: SystemTime,
        end: SystemTime,
    ) -> Result<Delegation, QianpiError> {
        let request = NewDelegation {
            to,
            scope: match scope {
                DelegationScope::All => core_workflow::DelegationScope::All,
                DelegationScope::Process { definition_id } => {
                    core_workflow::DelegationScope::Process { definition_id }
                }
            },
            start: start.into(),
            end: end.into(),
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
