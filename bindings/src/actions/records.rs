//! The records the action calls take and answer: batch items and their per-item verdicts,
//! standing delegations, and 暂存 drafts.

use crate::convert::{ApprovalQueued, Attitude};
use qianpi_core::protocol::delegations::DelegationView;
use qianpi_core::workflow as core_workflow;
use std::time::SystemTime;

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
        /// Why, in Chinese.
        reason_zh: String,
        /// Why, in English.
        reason_en: String,
    },
}

/// One result of a batch, in the order the items were given.
#[derive(Debug, uniffi::Record)]
pub struct BatchResult {
    /// The task.
    pub task_id: String,
    /// Queued, or refused with why.
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

/// A standing delegation (委托代理) as the gateway holds it.
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
    pub start: SystemTime,
    /// Active until (exclusive).
    pub end: SystemTime,
    /// When the principal ended it early.
    pub revoked_at: Option<SystemTime>,
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
            start: v.start.into(),
            end: v.end.into(),
            revoked_at: v.revoked_at.map(Into::into),
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
