//! The records and enums the shells see, and their conversions from the core's types. Times
//! travel as timestamps (`Instant` in Kotlin, `Date` in Swift), labels as enums.

use qianpi_core::client::fingerprint_words;
use qianpi_core::client::{InboxItem as CoreInboxItem, QueuedCommand, SyncReport};
use qianpi_core::protocol::VerdictOutcome as CoreOutcome;
use qianpi_core::store::{Account, Binding, LocalTaskState, VerdictRow};
use std::time::SystemTime;

use crate::detail::{DocumentKind, InstanceState, Urgency};

/// 态度 — what the person says with an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Attitude {
    /// 同意.
    Agree,
    /// 不同意 (the flow still continues).
    Disagree,
    /// 已阅 — what a read-only step or a circulated reading records (an approval takes 同意 or
    /// 不同意).
    Read,
}

impl From<Attitude> for qianpi_core::model::Attitude {
    fn from(a: Attitude) -> Self {
        match a {
            Attitude::Agree => qianpi_core::model::Attitude::Agree,
            Attitude::Disagree => qianpi_core::model::Attitude::Disagree,
            Attitude::Read => qianpi_core::model::Attitude::Read,
        }
    }
}

impl From<qianpi_core::model::Attitude> for Attitude {
    fn from(a: qianpi_core::model::Attitude) -> Self {
        match a {
            qianpi_core::model::Attitude::Agree => Attitude::Agree,
            qianpi_core::model::Attitude::Disagree => Attitude::Disagree,
            qianpi_core::model::Attitude::Read => Attitude::Read,
        }
    }
}

/// Where an inbox item stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TaskStatus {
    /// 待办.
    Pending,
    /// Decided here, waiting for the gateway.
    Queued,
    /// The user's part waits for others (added signers, a delegatee).
    Waiting,
    /// 已办.
    Done,
}

/// One inbox row.
#[derive(Debug, Clone, uniffi::Record)]
pub struct InboxItem {
    /// Task id.
    pub task_id: String,
    /// 标题.
    pub title: String,
    /// 发文字号, e.g. 晋农办〔2026〕12号.
    pub document_number: String,
    /// 紧急程度.
    pub urgency: Urgency,
    /// 公文类型.
    pub kind: DocumentKind,
    /// 当前节点.
    pub node_name: String,
    /// Local status.
    pub status: TaskStatus,
    /// Whether 同意/不同意 may be offered now.
    pub can_approve: bool,
    /// The routes an approval may take (offer a choice when there are several).
    pub routes: Vec<RouteOption>,
    /// Whether 驳回 may be offered.
    pub can_reject: bool,
    /// The steps 退回 may go back to (node ids).
    pub return_targets: Vec<String>,
    /// Whether 转交 may be offered.
    pub can_transfer: bool,
    /// Whether 已阅 may be offered.
    pub can_mark_read: bool,
    /// Whether 撤回 may be offered (on a finished task, until the next handler acts).
    pub can_recall: bool,
    /// Every control flag of the row (委派, 加签, 传阅, 催办, 暂存, 批量 …).
    pub controls: crate::actions::TaskControls,
}

/// A way an approval may go on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteOption {
    /// The id to send in `TaskAction::Approve`.
    pub id: String,
    /// The button label, e.g. 送办公室承办.
    pub label: String,
    /// Whether an opinion must be written to take it.
    pub requires_opinion: bool,
}

impl From<CoreInboxItem> for InboxItem {
    fn from(item: CoreInboxItem) -> Self {
        InboxItem {
            task_id: item.task_id,
            title: item.title,
            document_number: item.document_number,
            urgency: item.urgency.into(),
            kind: item.kind.into(),
            node_name: item.node_name,
            status: match item.state {
                LocalTaskState::Pending => TaskStatus::Pending,
                LocalTaskState::Queued => TaskStatus::Queued,
                LocalTaskState::Waiting => TaskStatus::Waiting,
                LocalTaskState::Done => TaskStatus::Done,
            },
            can_approve: item.can_approve,
            routes: item
                .routes
                .into_iter()
                .map(|r| RouteOption {
                    id: r.id,
                    label: r.label,
                    requires_opinion: r.requires_opinion,
                })
                .collect(),
            can_reject: item.controls.can_reject,
            return_targets: item.controls.return_targets.clone(),
            can_transfer: item.controls.can_transfer,
            can_mark_read: item.controls.can_mark_read,
            can_recall: item.controls.can_recall,
            controls: item.controls.into(),
        }
    }
}

/// Who this device belongs to.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AccountInfo {
    /// User id.
    pub user_id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// 单位.
    pub unit_name: String,
    /// Device id at the gateway.
    pub device_id: String,
    /// Gateway URL.
    pub server_url: String,
    /// Whether the device waits for an administrator's approval (`check_activation` asks);
    /// until then the gateway refuses its syncs.
    pub pending_approval: bool,
    /// 设备指纹词 — the words the administrator sees beside this device, to compare.
    pub fingerprint_words: Vec<String>,
}

impl From<(Account, Binding)> for AccountInfo {
    fn from((a, binding): (Account, Binding)) -> Self {
        AccountInfo {
            pending_approval: binding.pending_approval,
            fingerprint_words: fingerprint_words(&a),
            user_id: a.identity.user_id,
            name: a.identity.name,
            post: a.identity.post,
            unit_name: a.unit_name,
            device_id: a.device_id,
            server_url: a.server_url,
        }
    }
}

/// An approval waiting in the outbox.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ApprovalQueued {
    /// Command id.
    pub command_id: String,
    /// Task id.
    pub task_id: String,
    /// When decided.
    pub created_at: SystemTime,
    /// Whether the gateway was unreachable at the time.
    pub decided_offline: bool,
}

impl From<QueuedCommand> for ApprovalQueued {
    fn from(q: QueuedCommand) -> Self {
        ApprovalQueued {
            command_id: q.command_id,
            task_id: q.task_id,
            created_at: q.created_at.into(),
            decided_offline: q.decided_offline,
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncSummary {
    /// Commands pushed.
    pub pushed: u32,
    /// Accepted.
    pub accepted: u32,
    /// Refused.
    pub refused: u32,
    /// Changes pulled.
    pub pulled: u32,
    /// Still waiting.
    pub outbox_remaining: u32,
    /// 回执 the gateway recorded.
    pub receipts_sent: u32,
    /// 回执 the gateway refused (kept on the phone with the reason).
    pub receipts_refused: u32,
    /// A background sync's time ran out: it stopped at a page boundary; the next sync goes on.
    pub budget_spent: bool,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<SyncReport> for SyncSummary {
    fn from(r: SyncReport) -> Self {
        SyncSummary {
            pushed: count(r.pushed),
            accepted: count(r.accepted),
            refused: count(r.refused),
            pulled: count(r.pulled),
            outbox_remaining: count(r.outbox_remaining),
            receipts_sent: count(r.receipts_sent),
            receipts_refused: count(r.receipts_refused),
            budget_spent: r.budget_spent,
        }
    }
}

/// What the gateway decided on one command.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VerdictOutcome {
    /// Applied: the flow moved on.
    Accepted {
        /// The flow's state after it.
        instance_state: InstanceState,
        /// The flow's version after it.
        instance_version: u64,
        /// The step the flow is at now, when one is open.
        current_node: Option<String>,
    },
    /// Refused: nothing changed at the gateway; the reason says what to do.
    Refused {
        /// Stable code (`stale_version`, `not_assignee`, …).
        code: String,
        /// Reason in Chinese.
        reason_zh: String,
        /// Reason in English.
        reason_en: String,
        /// The flow's version at the gateway, when known.
        current_version: Option<u64>,
    },
}

/// The gateway's verdict on one command of this phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Verdict {
    /// Command id.
    pub command_id: String,
    /// Task id.
    pub task_id: String,
    /// Applied or refused, with what follows from each.
    pub outcome: VerdictOutcome,
    /// Whether the command had been decided offline.
    pub decided_offline: bool,
    /// When the person decided, by the phone's corrected clock.
    pub decided_locally_at: Option<SystemTime>,
    /// When the gateway decided.
    pub decided_at: SystemTime,
}

impl From<VerdictRow> for Verdict {
    fn from(row: VerdictRow) -> Self {
        let v = row.verdict;
        let outcome = match v.outcome {
            CoreOutcome::Accepted {
                instance_version,
                instance_state,
                current_node_name,
            } => VerdictOutcome::Accepted {
                instance_state: instance_state.into(),
                instance_version,
                current_node: current_node_name,
            },
            CoreOutcome::Refused {
                code,
                message_zh,
                message_en,
                current_version,
                ..
            } => VerdictOutcome::Refused {
                code,
                reason_zh: message_zh,
                reason_en: message_en,
                current_version,
            },
        };
        Verdict {
            command_id: v.command_id,
            task_id: v.task_id,
            outcome,
            decided_offline: row.decided_offline,
            decided_locally_at: row.decided_locally_at.map(Into::into),
            decided_at: v.decided_at.into(),
        }
    }
}
