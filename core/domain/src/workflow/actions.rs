//! The actions that end, turn back or hand on a task: 驳回 reject, 退回 return, 撤回 recall,
//! 撤销 revoke, 终止 terminate and 转交 transfer, each with the Pre and Post of domain.md. Each
//! emits its events into the flow or returns the code of the first condition that fails.

use super::flow::Flow;
use super::{
    CancelReason, Event, InstanceState, Node, NodeKind, Opinion, RejectPolicy, RejectionCode,
    ReturnWay, Task, TaskKind, TaskState,
};

/// 驳回: with an opinion, as the node's reject policy says.
pub(super) fn reject(
    flow: &mut Flow<'_>,
    task_id: &str,
    opinion: &Opinion,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    if task.kind != TaskKind::Handler {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if !opinion.is_written() {
        return Err(RejectionCode::OpinionRequired);
    }
    match &node.reject {
        RejectPolicy::NotAllowed => Err(RejectionCode::ActionNotAllowed),
        RejectPolicy::ReturnTo { node: target } => {
            return_events(flow, task, node, target.as_str(), ReturnWay::Step, opinion)
        }
        RejectPolicy::Terminate => {
            // A rejection is recorded as disagreement, whatever attitude was sent.
            let mut disagreement = opinion.clone();
            disagreement.attitude = crate::model::Attitude::Disagree;
            flow.record_finished(task, node, None, &disagreement);
            flow.cancel(|_| true, CancelReason::Rejected);
            flow.emit(Event::InstanceStateChanged {
                state: InstanceState::Rejected,
                at: flow.now,
            });
            Ok(())
        }
    }
}

/// 退回: to an earlier manual node the flow actually passed, within the node's allowed targets.
pub(super) fn return_to(
    flow: &mut Flow<'_>,
    task_id: &str,
    target: &str,
    opinion: &Opinion,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    if task.kind != TaskKind::Handler || !node.returns.allowed {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if !node.returns.targets.is_empty() && !node.returns.targets.iter().any(|t| t == target) {
        return Err(RejectionCode::BadReturnTarget);
    }
    return_events(flow, task, node, target, node.returns.way, opinion)
}

/// The Post of a return: the returner's task → Returned, every other open task → Cancelled
/// (parallel branches close too: the flow starts again from the target), the target's handlers get
/// new tasks, and with the jump way the flow will come straight back here.
fn return_events(
    flow: &mut Flow<'_>,
    task: &Task,
    node: &Node,
    target: &str,
    way: ReturnWay,
    opinion: &Opinion,
) -> Result<(), RejectionCode> {
    let passed = flow
        .instance
        .tasks
        .iter()
        .any(|t| t.node_id == target && t.kind == TaskKind::Handler && t.state.is_done());
    let manual = flow
        .env
        .definition
        .node(target)
        .is_some_and(|n| n.kind == NodeKind::Manual);
    if target == node.id || !passed || !manual {
        return Err(RejectionCode::BadReturnTarget);
    }
    let recorded = flow.stamp(opinion, node);
    flow.emit(Event::TaskReturned {
        task_id: task.id.clone(),
        actor: flow.user.to_owned(),
        target: target.to_owned(),
        opinion: recorded,
        at: flow.now,
    });
    flow.cancel(|_| true, CancelReason::Returned);
    for active in flow.instance.active.clone() {
        flow.emit(Event::NodeLeft {
            node_id: active.node_id,
        });
    }
    flow.enter(target, None, 0)?;
    let back = (way == ReturnWay::Jump).then(|| node.id.clone());
    if back != flow.next.jump_back {
        flow.emit(Event::JumpBack { node_id: back });
    }
    Ok(())
}

/// 撤回: the handler whose approval entered the next node(s) takes it back, while nobody there has
/// acted yet and the handler's node allows recall.
pub(super) fn recall(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    let task = flow.own_task(task_id)?;
    if !task.state.is_done() || task.kind != TaskKind::Handler {
        return Err(RejectionCode::TaskNotDone);
    }
    if !flow.node(&task.node_id)?.allow.recall {
        return Err(RejectionCode::ActionNotAllowed);
    }
    let entered: Vec<(String, u64)> = flow
        .instance
        .active
        .iter()
        .filter(|a| a.entered_by.as_deref() == Some(task_id))
        .map(|a| (a.node_id.clone(), a.visit))
        .collect();
    if entered.is_empty() {
        return Err(RejectionCode::TooLate);
    }
    let acted = flow.instance.tasks.iter().any(|t| {
        entered
            .iter()
            .any(|(n, v)| &t.node_id == n && t.visit == *v)
            && !matches!(
                t.state,
                TaskState::Pending { .. } | TaskState::Cancelled { .. }
            )
    });
    if acted {
        return Err(RejectionCode::TooLate);
    }
    flow.cancel(
        |t| {
            entered
                .iter()
                .any(|(n, v)| &t.node_id == n && t.visit == *v)
        },
        CancelReason::Recalled,
    );
    for (node_id, _) in &entered {
        flow.emit(Event::NodeLeft {
            node_id: node_id.clone(),
        });
    }
    flow.emit(Event::TaskReopened {
        task_id: task_id.to_owned(),
    });
    Ok(())
}

/// 撤销: the initiator withdraws a running flow before anyone has approved.
pub(super) fn revoke(flow: &mut Flow<'_>) -> Result<(), RejectionCode> {
    if flow.instance.initiator != flow.user {
        return Err(RejectionCode::NotInitiator);
    }
    if flow
        .instance
        .tasks
        .iter()
        .any(|t| t.kind == TaskKind::Handler && t.state.is_done())
    {
        return Err(RejectionCode::TooLate);
    }
    flow.cancel(|_| true, CancelReason::Revoked);
    flow.emit(Event::InstanceStateChanged {
        state: InstanceState::Revoked,
        at: flow.now,
    });
    Ok(())
}

/// 终止: a unit administrator, or a handler holding an open task at a node that allows it, ends
/// the flow with a reason.
pub(super) fn terminate(flow: &mut Flow<'_>, opinion: &Opinion) -> Result<(), RejectionCode> {
    let user = flow.user;
    let authorised_handler = flow.instance.open_tasks_of(user).any(|t| {
        flow.env
            .definition
            .node(&t.node_id)
            .is_some_and(|n| n.allow.terminate)
    });
    if !flow.actor.roles.unit_admin && !authorised_handler {
        return Err(RejectionCode::NotAuthorised);
    }
    if !opinion.is_written() {
        return Err(RejectionCode::OpinionRequired);
    }
    flow.cancel(|_| true, CancelReason::Terminated);
    flow.emit(Event::InstanceStateChanged {
        state: InstanceState::Terminated,
        at: flow.now,
    });
    Ok(())
}

/// 转交: hand a pending task for good to someone who holds none at this node visit.
pub(super) fn transfer(flow: &mut Flow<'_>, task_id: &str, to: &str) -> Result<(), RejectionCode> {
    let (task, node) = flow.task_to_hand_on(task_id, |allow| allow.transfer, to)?;
    flow.emit(Event::TaskTransferred {
        task_id: task.id.clone(),
        to: to.to_owned(),
    });
    flow.open_task(
        node,
        task.visit,
        task.seat,
        to,
        TaskKind::Handler,
        task.deadline,
    );
    Ok(())
}
