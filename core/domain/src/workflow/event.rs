//! What an accepted command did, as a list of events: `decide` produces them, `apply` folds them
//! into the next state, and the trace keeps them. Each event carries everything `apply` needs, so
//! folding needs neither the clock nor the delegation rules.

use super::{AddSignPlan, CancelReason, InstanceState, Opinion, TaskKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One change to an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    /// A task was created (its id is derived from the number of tasks so far).
    TaskOpened {
        /// The node.
        node_id: String,
        /// The node visit.
        visit: u64,
        /// The handler slot it fills.
        seat: u32,
        /// Who must act (empty for an unclaimed pool task).
        assignee: String,
        /// The principal, when a standing delegation sent it to `assignee`.
        on_behalf_of: Option<String>,
        /// For a candidate pool: who may claim it.
        candidates: Vec<String>,
        /// What it is for.
        kind: TaskKind,
        /// When it is due.
        deadline: Option<DateTime<Utc>>,
    },
    /// A task was finished (Done).
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
    /// The handler approved and now waits for signers added after them.
    TaskApproving {
        /// The task.
        task_id: String,
        /// The route of the approval.
        route: Option<String>,
        /// The opinion of the approval.
        opinion: Opinion,
    },
    /// The handler waits for added signers or a delegatee.
    TaskWaiting {
        /// The task.
        task_id: String,
    },
    /// A waiting or paused task is pending again (paused time moves the deadline on).
    TaskResumed {
        /// The task.
        task_id: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A task was paused.
    TaskPaused {
        /// The task.
        task_id: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The handler opened the task.
    TaskRead {
        /// The task.
        task_id: String,
    },
    /// An opinion was saved for later.
    DraftSaved {
        /// The task.
        task_id: String,
        /// The draft.
        opinion: Opinion,
    },
    /// Open tasks were cancelled.
    TasksCancelled {
        /// The tasks.
        task_ids: Vec<String>,
        /// Why.
        reason: CancelReason,
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
    /// A task was handed on for good (the new holder's task is a separate `TaskOpened`).
    TaskTransferred {
        /// The task.
        task_id: String,
        /// The new handler.
        to: String,
    },
    /// A finished task became pending again (recall).
    TaskReopened {
        /// The task.
        task_id: String,
    },
    /// A task changed hands: claimed, released to the pool, or taken back by its principal.
    TaskAssigned {
        /// The task.
        task_id: String,
        /// The new assignee (empty: back in the pool).
        assignee: String,
        /// The principal, if any.
        on_behalf_of: Option<String>,
    },
    /// A task started waiting for added signers.
    AddSignStarted {
        /// The adder's task.
        task_id: String,
        /// The plan.
        plan: AddSignPlan,
    },
    /// The next serial added signer's turn came (removed from the queue).
    AddSignAdvanced {
        /// The adder's task.
        task_id: String,
    },
    /// The added signers are all through.
    AddSignEnded {
        /// The adder's task.
        task_id: String,
    },
    /// Handlers were urged.
    TasksUrged {
        /// The tasks.
        task_ids: Vec<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The flow entered a node.
    NodeEntered {
        /// The node.
        node_id: String,
        /// The visit (the new instance version).
        visit: u64,
        /// The task whose completion entered it.
        by: Option<String>,
    },
    /// The flow left a node.
    NodeLeft {
        /// The node.
        node_id: String,
    },
    /// The node the flow comes straight back to after a jump return (None: cleared).
    JumpBack {
        /// The node.
        node_id: Option<String>,
    },
    /// Read items were delivered.
    ReadItemsDelivered {
        /// The node they were circulated from.
        node_id: String,
        /// Who circulated them.
        by: String,
        /// The recipients.
        recipients: Vec<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A read item was read.
    ReadItemRead {
        /// The item.
        item_id: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The instance changed state: suspended, resumed, or ended without completing.
    InstanceStateChanged {
        /// The new state.
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
