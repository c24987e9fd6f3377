//! What people ask of a flow: the [`Command`]s (the 21 actions of domain.md), the [`Submission`]
//! that carries one with its id, actor, base version and time, the actor's roles, and the standing
//! delegation rules (委托代理) the deciding side knows about.

use super::{HandlerMode, Opinion, ProcessDefinition, SignPosition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// 批量审批 — one item of a batch approval: 同意 without an opinion of one's own.
    BatchApprove {
        /// The task.
        task_id: String,
        /// The route chosen, by id.
        #[serde(default)]
        route: Option<String>,
    },
    /// 已阅 — finish one's task on a read-only node, or read a circulated read item.
    MarkRead {
        /// The task or read item.
        task_id: String,
    },
    /// 驳回 — reject, as the node's reject policy says (end the flow, or return).
    Reject {
        /// The task.
        task_id: String,
        /// The reason (required).
        opinion: Opinion,
    },
    /// 退回 — return the document to an earlier manual node the flow passed.
    Return {
        /// The task.
        task_id: String,
        /// The node to return to.
        target: String,
        /// Why.
        opinion: Opinion,
    },
    /// 转交 — hand one's pending task to someone else for good.
    Transfer {
        /// The task.
        task_id: String,
        /// The new handler.
        to: String,
    },
    /// 委派 — have someone else work on one's task; it comes back when they resolve it.
    Delegate {
        /// The task.
        task_id: String,
        /// The delegatee.
        to: String,
    },
    /// 委派办结 — the delegatee gives the task back with an opinion.
    Resolve {
        /// The delegated task.
        task_id: String,
        /// The delegatee's opinion.
        opinion: Opinion,
    },
    /// 加签 — add signers before or after oneself.
    AddSigner {
        /// The adder's task.
        task_id: String,
        /// The added signers, in order.
        signers: Vec<String>,
        /// Before or after.
        position: SignPosition,
        /// Single, serial or parallel.
        mode: HandlerMode,
        /// After: the route of the adder's approval.
        #[serde(default)]
        route: Option<String>,
        /// After: the adder's opinion (its approval).
        #[serde(default)]
        opinion: Option<Opinion>,
    },
    /// 减签 — remove a signer one added, before they finish.
    RemoveSigner {
        /// The added signer's task.
        task_id: String,
    },
    /// 传阅 / 知会 — send read items; never blocks the flow.
    Circulate {
        /// One's own task at the node it is circulated from.
        task_id: String,
        /// Who should read it.
        recipients: Vec<String>,
    },
    /// 撤回 — take back one's finished task before the next handler acts.
    Recall {
        /// One's own finished task.
        task_id: String,
    },
    /// 撤销 — the initiator withdraws the flow before anyone approved.
    Revoke,
    /// 终止 — an authorised handler or a unit administrator ends the flow.
    Terminate {
        /// Why (required).
        opinion: Opinion,
    },
    /// 催办 — remind the current handlers.
    Urge,
    /// 挂起 — pause one's task (its deadline stops), or with no task suspend the whole instance.
    Suspend {
        /// The task to pause; none: the instance.
        #[serde(default)]
        task_id: Option<String>,
    },
    /// 恢复 — resume a paused task, or with no task the suspended instance.
    Resume {
        /// The task to resume; none: the instance.
        #[serde(default)]
        task_id: Option<String>,
    },
    /// 打开 — the handler opened the task (未读 → 已读).
    Open {
        /// The task.
        task_id: String,
    },
    /// 暂存 — save an opinion for later; the task stays pending.
    Save {
        /// The task.
        task_id: String,
        /// The draft.
        opinion: Opinion,
    },
    /// 签收 — a candidate takes a pool task.
    Claim {
        /// The pool task.
        task_id: String,
    },
    /// 签退 — give a claimed pool task back to the pool.
    Release {
        /// The pool task.
        task_id: String,
    },
    /// 收回委托 — the principal of a standing delegation takes an in-flight task back.
    TakeBack {
        /// The task sent to the deputy.
        task_id: String,
    },
}

impl Command {
    /// The task (or read item) the command acts on, if it acts on one.
    pub fn task_id(&self) -> Option<&str> {
        match self {
            Command::Approve { task_id, .. }
            | Command::BatchApprove { task_id, .. }
            | Command::MarkRead { task_id }
            | Command::Reject { task_id, .. }
            | Command::Return { task_id, .. }
            | Command::Transfer { task_id, .. }
            | Command::Delegate { task_id, .. }
            | Command::Resolve { task_id, .. }
            | Command::AddSigner { task_id, .. }
            | Command::RemoveSigner { task_id }
            | Command::Circulate { task_id, .. }
            | Command::Recall { task_id }
            | Command::Open { task_id }
            | Command::Save { task_id, .. }
            | Command::Claim { task_id }
            | Command::Release { task_id }
            | Command::TakeBack { task_id } => Some(task_id),
            Command::Suspend { task_id } | Command::Resume { task_id } => task_id.as_deref(),
            Command::Revoke | Command::Terminate { .. } | Command::Urge => None,
        }
    }

    /// The stable name of the action, as the trace and the audit log show it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Approve { opinion, .. } if opinion.attitude == super::Attitude::Disagree => {
                "disagree"
            }
            Command::Approve { .. } => "approve",
            Command::BatchApprove { .. } => "batch_approve",
            Command::MarkRead { .. } => "mark_read",
            Command::Reject { .. } => "reject",
            Command::Return { .. } => "return",
            Command::Transfer { .. } => "transfer",
            Command::Delegate { .. } => "delegate",
            Command::Resolve { .. } => "resolve",
            Command::AddSigner { .. } => "add_signer",
            Command::RemoveSigner { .. } => "remove_signer",
            Command::Circulate { .. } => "circulate",
            Command::Recall { .. } => "recall",
            Command::Revoke => "revoke",
            Command::Terminate { .. } => "terminate",
            Command::Urge => "urge",
            Command::Suspend { .. } => "suspend",
            Command::Resume { .. } => "resume",
            Command::Open { .. } => "open",
            Command::Save { .. } => "save",
            Command::Claim { .. } => "claim",
            Command::Release { .. } => "release",
            Command::TakeBack { .. } => "take_back",
        }
    }

    /// The opinion the command carries, to change before it is signed (a phone attaching the
    /// handwriting or voice the person recorded).
    pub fn opinion_mut(&mut self) -> Option<&mut Opinion> {
        match self {
            Command::Approve { opinion, .. }
            | Command::Reject { opinion, .. }
            | Command::Return { opinion, .. }
            | Command::Resolve { opinion, .. }
            | Command::Terminate { opinion }
            | Command::Save { opinion, .. } => Some(opinion),
            Command::AddSigner { opinion, .. } => opinion.as_mut(),
            _ => None,
        }
    }

    /// The opinion the command carries (a draft for 暂存), if any; signed records hash it.
    pub fn opinion(&self) -> Option<&Opinion> {
        match self {
            Command::Approve { opinion, .. }
            | Command::Reject { opinion, .. }
            | Command::Return { opinion, .. }
            | Command::Resolve { opinion, .. }
            | Command::Terminate { opinion }
            | Command::Save { opinion, .. } => Some(opinion),
            Command::AddSigner { opinion, .. } => opinion.as_ref(),
            Command::BatchApprove { .. }
            | Command::MarkRead { .. }
            | Command::Transfer { .. }
            | Command::Delegate { .. }
            | Command::RemoveSigner { .. }
            | Command::Circulate { .. }
            | Command::Recall { .. }
            | Command::Revoke
            | Command::Urge
            | Command::Suspend { .. }
            | Command::Resume { .. }
            | Command::Open { .. }
            | Command::Claim { .. }
            | Command::Release { .. }
            | Command::TakeBack { .. } => None,
        }
    }

    /// The route the person chose, if the command chooses one (a return names a node, not a
    /// route).
    pub fn route(&self) -> Option<&str> {
        match self {
            Command::Approve { route, .. }
            | Command::BatchApprove { route, .. }
            | Command::AddSigner { route, .. } => route.as_deref(),
            _ => None,
        }
    }

    /// Whether a secretary may enter this command for a leader (代签): the ones that write an
    /// opinion.
    pub fn writes_opinion(&self) -> bool {
        matches!(
            self,
            Command::Approve { .. }
                | Command::MarkRead { .. }
                | Command::Reject { .. }
                | Command::Return { .. }
        )
    }
}

/// What the deciding side knows about a person beyond their id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Roles {
    /// 单位管理员 — may terminate, suspend and resume any flow of the unit.
    #[serde(default)]
    pub unit_admin: bool,
    /// 督办 — may urge flows they do not take part in.
    #[serde(default)]
    pub supervisor: bool,
    /// 秘书 — the leaders this person may enter opinions for (代签).
    #[serde(default)]
    pub secretary_for: Vec<String>,
}

/// The person issuing a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user id.
    pub user: String,
    /// Their roles.
    #[serde(default)]
    pub roles: Roles,
}

impl Actor {
    /// A person with no special role.
    pub fn user(user: &str) -> Actor {
        Actor {
            user: user.to_owned(),
            roles: Roles::default(),
        }
    }
}

/// A command with everything needed to decide it: who, on which version, when, under which id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The command id; re-sending the same id returns the first verdict and changes nothing.
    pub command_id: String,
    /// Who issues it.
    pub actor: Actor,
    /// 代签 — the leader a secretary enters this command for.
    #[serde(default)]
    pub acting_for: Option<String>,
    /// The instance version the command was decided on.
    pub base_version: u64,
    /// What is asked.
    pub command: Command,
    /// When (the deciding side's clock, passed in).
    pub at: DateTime<Utc>,
}

impl Submission {
    /// The person the command acts as, and the secretary who entered it (代签), if any.
    pub fn acting_as(&self) -> (&str, Option<&str>) {
        match &self.acting_for {
            Some(leader) => (leader.as_str(), Some(self.actor.user.as_str())),
            None => (self.actor.user.as_str(), None),
        }
    }
}

/// Which flows a standing delegation covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "scope")]
pub enum DelegationScope {
    /// Every flow.
    All,
    /// Flows of one process definition.
    Process {
        /// The definition id.
        definition_id: String,
    },
}

/// 委托代理 — while active, new tasks for `from` go to `to`, marked as on behalf of `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingDelegation {
    /// Stable id.
    pub id: String,
    /// The principal (e.g. a leader away on a trip).
    pub from: String,
    /// The deputy.
    pub to: String,
    /// Which flows.
    pub scope: DelegationScope,
    /// Active from (inclusive).
    pub start: DateTime<Utc>,
    /// Active until (exclusive).
    pub end: DateTime<Utc>,
}

impl StandingDelegation {
    /// Whether the rule sends `user`'s new tasks of `definition_id` elsewhere at `now`.
    pub fn applies(&self, user: &str, definition_id: &str, now: DateTime<Utc>) -> bool {
        self.from == user
            && self.start <= now
            && now < self.end
            && match &self.scope {
                DelegationScope::All => true,
                DelegationScope::Process { definition_id: id } => id == definition_id,
            }
    }
}

/// What a decision is made against besides the instance: its definition and the standing
/// delegations in force.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The definition the instance follows.
    pub definition: &'a ProcessDefinition,
    /// Standing delegation rules (inactive ones are ignored).
    pub delegations: &'a [StandingDelegation],
}

impl<'a> Env<'a> {
    /// A definition with no delegations.
    pub fn new(definition: &'a ProcessDefinition) -> Env<'a> {
        Env {
            definition,
            delegations: &[],
        }
    }

    /// Who gets a new task meant for `user` at `now`: the deputy of the first rule that applies
    /// (with `user` as the principal), else `user`. One hop only: a deputy's own rule does not
    /// forward the task again.
    pub fn assignee_for(&self, user: &str, now: DateTime<Utc>) -> (String, Option<String>) {
        match self
            .delegations
            .iter()
            .find(|d| d.applies(user, &self.definition.id, now) && d.to != user)
        {
            Some(rule) => (rule.to.clone(), Some(user.to_owned())),
            None => (user.to_owned(), None),
        }
    }
}
