//! 操作权限 — the control flags: what a viewer may do on a task now. Every flag is found by
//! asking [`decide`] about a probe command, so the phone never offers what the gateway would then
//! refuse. Probes that need a person use a placeholder no real user id can equal.

use super::{
    decide, Actor, Command, Env, HandlerMode, Instance, NodeKind, Opinion, ReturnWay, SignPosition,
    Submission, TaskKind,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Stands for "another person" in probes; real ids never contain a NUL.
const SOMEONE: &str = "\u{0}someone";

/// What a viewer may do on one task (and on its instance) now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Controls {
    /// 打开 — mark the task opened.
    pub can_open: bool,
    /// 同意 / 不同意.
    pub can_approve: bool,
    /// The routes (ids) an approval may take.
    pub routes: Vec<String>,
    /// 已阅.
    pub can_mark_read: bool,
    /// 驳回.
    pub can_reject: bool,
    /// 退回 — the nodes the task may be returned to.
    pub return_targets: Vec<String>,
    /// The same nodes with their names (节点名称), for a screen to offer by name.
    #[serde(default)]
    pub return_steps: Vec<StepName>,
    /// 退回方式 — how the flow comes back after a return from here.
    pub return_way: Option<ReturnWay>,
    /// 转交.
    pub can_transfer: bool,
    /// 委派.
    pub can_delegate: bool,
    /// 委派办结 — give a delegated task back.
    pub can_resolve: bool,
    /// 加签 — which modes may be used (before; after needs an opinion as well).
    pub add_sign_modes: Vec<HandlerMode>,
    /// 减签 — the added signers' tasks that may be removed.
    pub removable_signers: Vec<String>,
    /// 传阅.
    pub can_circulate: bool,
    /// 撤回.
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
    /// 挂起 the instance.
    pub can_suspend: bool,
    /// Resume the suspended instance.
    pub can_resume: bool,
    /// 暂存.
    pub can_save: bool,
    /// 批量审批 — the task may go in a batch.
    pub can_batch: bool,
    /// 签收.
    pub can_claim: bool,
    /// 签退.
    pub can_release: bool,
    /// Take the task back from a standing delegation's deputy.
    pub can_take_back: bool,
}

/// A step of the flow: its node id and the name the process definition gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepName {
    /// The node id (what 退回 is sent with).
    pub id: String,
    /// 节点名称 — e.g. 拟稿.
    pub name: String,
}

/// What `viewer` may do on `task_id` (and its instance) at `now`.
pub fn controls(
    env: Env<'_>,
    instance: &Instance,
    viewer: &Actor,
    task_id: &str,
    now: DateTime<Utc>,
) -> Controls {
    controls_acting_for(env, instance, viewer, None, task_id, now)
}

/// What `viewer` may do on `task_id` at `now` when entering it for `acting_for` (代签): the
/// leader's flags, cut to what a secretary may enter for him, by the same rules that decide
/// the command itself. With `acting_for` none, the viewer's own flags, as [`controls`].
pub fn controls_acting_for(
    env: Env<'_>,
    instance: &Instance,
    viewer: &Actor,
    acting_for: Option<&str>,
    task_id: &str,
    now: DateTime<Utc>,
) -> Controls {
    let allowed = |command: Command| {
        let probe = Submission {
            command_id: "\u{0}controls".into(),
            actor: viewer.clone(),
            acting_for: acting_for.map(str::to_owned),
            base_version: instance.version,
            command,
            at: now,
        };
        decide(env, instance, &probe).is_ok()
    };
    let task = instance.task(task_id);
    let node = task.and_then(|t| env.definition.node(&t.node_id));
    let id = || task_id.to_owned();
    let written = || Opinion::agree("probe");
    let routes: Vec<String> = node
        .map(|n| n.routes.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    let routes: Vec<String> = routes
        .into_iter()
        .filter(|route| {
            allowed(Command::Approve {
                task_id: id(),
                route: Some(route.clone()),
                opinion: written(),
            })
        })
        .collect();
    // Only where the node offers return at all, and only its listed targets when it lists any:
    // the same rule `return` applies first, checked here before a probe clones the instance for
    // every node of the definition.
    let returns = node.map(|n| &n.returns).filter(|r| r.allowed);
    let return_targets: Vec<String> = env
        .definition
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Manual)
        .filter(|n| returns.is_some_and(|r| r.targets.is_empty() || r.targets.contains(&n.id)))
        .map(|n| n.id.clone())
        .filter(|target| {
            allowed(Command::Return {
                task_id: id(),
                target: target.clone(),
                opinion: written(),
            })
        })
        .collect();
    let add_sign_modes = [
        HandlerMode::Single,
        HandlerMode::Serial,
        HandlerMode::Parallel,
    ]
    .into_iter()
    .filter(|mode| {
        allowed(Command::AddSigner {
            task_id: id(),
            signers: vec![SOMEONE.into()],
            position: SignPosition::Before,
            mode: *mode,
            route: None,
            opinion: None,
        })
    })
    .collect();
    let removable_signers = instance
        .tasks
        .iter()
        .filter(|t| t.kind == TaskKind::AddedSigner { parent: id() })
        .map(|t| t.id.clone())
        .filter(|child| {
            allowed(Command::RemoveSigner {
                task_id: child.clone(),
            })
        })
        .collect();
    Controls {
        can_open: allowed(Command::Open { task_id: id() }),
        can_approve: !routes.is_empty(),
        routes,
        can_mark_read: allowed(Command::MarkRead { task_id: id() }),
        can_reject: allowed(Command::Reject {
            task_id: id(),
            opinion: written(),
        }),
        return_way: (!return_targets.is_empty())
            .then(|| node.map(|n| n.returns.way))
            .flatten(),
        return_steps: return_targets
            .iter()
            .map(|target| StepName {
                id: target.clone(),
                name: env
                    .definition
                    .node(target)
                    .map_or_else(|| target.clone(), |n| n.name.clone()),
            })
            .collect(),
        return_targets,
        can_transfer: allowed(Command::Transfer {
            task_id: id(),
            to: SOMEONE.into(),
        }),
        can_delegate: allowed(Command::Delegate {
            task_id: id(),
            to: SOMEONE.into(),
        }),
        can_resolve: allowed(Command::Resolve {
            task_id: id(),
            opinion: written(),
        }),
        add_sign_modes,
        removable_signers,
        can_circulate: allowed(Command::Circulate {
            task_id: id(),
            recipients: vec![SOMEONE.into()],
        }),
        can_recall: allowed(Command::Recall { task_id: id() }),
        can_revoke: allowed(Command::Revoke),
        can_terminate: allowed(Command::Terminate { opinion: written() }),
        can_urge: allowed(Command::Urge),
        can_pause: allowed(Command::Suspend {
            task_id: Some(id()),
        }),
        can_resume_task: allowed(Command::Resume {
            task_id: Some(id()),
        }),
        can_suspend: allowed(Command::Suspend { task_id: None }),
        can_resume: allowed(Command::Resume { task_id: None }),
        can_save: allowed(Command::Save {
            task_id: id(),
            opinion: written(),
        }),
        can_batch: allowed(Command::BatchApprove {
            task_id: id(),
            route: None,
        }) || node.is_some_and(|n| {
            n.routes.len() > 1 && n.allow.batch && {
                n.routes.iter().any(|r| {
                    allowed(Command::BatchApprove {
                        task_id: id(),
                        route: Some(r.id.clone()),
                    })
                })
            }
        }),
        can_claim: allowed(Command::Claim { task_id: id() }),
        can_release: allowed(Command::Release { task_id: id() }),
        can_take_back: allowed(Command::TakeBack { task_id: id() }),
    }
}
