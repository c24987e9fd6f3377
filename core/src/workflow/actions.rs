//! The workflow actions beyond approval: 已阅 mark read, 驳回 reject, 退回 return, 撤回 recall,
//! 撤销 revoke and 转交 transfer, each with the Pre and Post of domain.md. Each returns the events
//! the action causes or the code of the first condition that fails.

use super::engine::{complete_task, Context};
use super::{
    CancelReason, Event, InstanceState, Node, NodeKind, RejectPolicy, RejectionCode, ReturnWay,
    Task, TaskState,
};
use crate::model::{Attitude, Opinion};

/// 已阅: a pending task on a read-only node is done as read; the node's rule moves the flow on.
pub(super) fn mark_read(context: &Context<'_>, task_id: &str) -> Result<Vec<Event>, RejectionCode> {
    let (task, node) = context.own_pending_task(task_id)?;
    if !node.read_only {
        return Err(RejectionCode::ActionNotAllowed);
    }
    // Validation guarantees a manual node has a way out; a read-only node takes the first.
    let route = node
        .routes
        .first()
        .ok_or(RejectionCode::DefinitionInvalid)?;
    complete_task(
        context,
        task,
        node,
        route,
        &Opinion::new(Attitude::Read, ""),
    )
}

/// 驳回: with an opinion, as the node's reject policy says.
pub(super) fn reject(
    context: &Context<'_>,
    task_id: &str,
    opinion: &Opinion,
) -> Result<Vec<Event>, RejectionCode> {
    let (task, node) = context.own_pending_task(task_id)?;
    if opinion.text.trim().is_empty() {
        return Err(RejectionCode::OpinionRequired);
    }
    match &node.reject {
        RejectPolicy::NotAllowed => Err(RejectionCode::ActionNotAllowed),
        RejectPolicy::ReturnTo { node: target } => return_events(
            context,
            task,
            node,
            target.as_str(),
            ReturnWay::Step,
            opinion,
        ),
        RejectPolicy::Terminate => {
            let mut events = vec![Event::TaskFinished {
                task_id: task.id.clone(),
                actor: context.actor.to_owned(),
                route: None,
                opinion: Opinion::new(Attitude::Disagree, &opinion.text),
                at: context.now,
            }];
            events.extend(cancel_all_pending(
                context,
                Some(&task.id),
                CancelReason::Rejected,
            ));
            events.push(Event::InstanceEnded {
                state: InstanceState::Rejected,
                at: context.now,
            });
            Ok(events)
        }
    }
}

/// 退回: to an earlier manual node the flow actually passed, within the node's allowed targets.
pub(super) fn return_to(
    context: &Context<'_>,
    task_id: &str,
    target: &str,
    opinion: &Opinion,
) -> Result<Vec<Event>, RejectionCode> {
    let (task, node) = context.own_pending_task(task_id)?;
    if !node.returns.allowed {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if !node.returns.targets.is_empty() && !node.returns.targets.iter().any(|t| t == target) {
        return Err(RejectionCode::BadReturnTarget);
    }
    return_events(context, task, node, target, node.returns.way, opinion)
}

fn return_events(
    context: &Context<'_>,
    task: &Task,
    node: &Node,
    target: &str,
    way: ReturnWay,
    opinion: &Opinion,
) -> Result<Vec<Event>, RejectionCode> {
    let passed = context
        .instance
        .tasks
        .iter()
        .any(|t| t.node_id == target && matches!(t.state, TaskState::Done { .. }));
    let manual = context
        .definition
        .node(target)
        .is_some_and(|n| n.kind == NodeKind::Manual);
    if target == node.id || !passed || !manual {
        return Err(RejectionCode::BadReturnTarget);
    }
    let mut events = vec![Event::TaskReturned {
        task_id: task.id.clone(),
        actor: context.actor.to_owned(),
        target: target.to_owned(),
        opinion: opinion.clone(),
        at: context.now,
    }];
    let siblings = context.pending_siblings(task);
    if !siblings.is_empty() {
        events.push(Event::TasksCancelled {
            task_ids: siblings,
            reason: CancelReason::Returned,
        });
    }
    events.push(Event::NodeEntered {
        node_id: target.to_owned(),
        by: None,
    });
    // Jump: when the target is done, the flow comes straight back here; step: it walks on.
    let back = (way == ReturnWay::Jump).then(|| node.id.clone());
    if back != context.instance.jump_back {
        events.push(Event::JumpBack { node_id: back });
    }
    Ok(events)
}

/// 撤回: the handler whose approval entered the current node takes it back, while nobody there has
/// acted yet and the handler's node allows recall.
pub(super) fn recall(context: &Context<'_>, task_id: &str) -> Result<Vec<Event>, RejectionCode> {
    let instance = context.instance;
    let task = instance.task(task_id).ok_or(RejectionCode::NoSuchTask)?;
    if task.assignee != context.actor {
        return Err(RejectionCode::NotAssignee);
    }
    if !matches!(task.state, TaskState::Done { .. }) {
        return Err(RejectionCode::TaskNotPending);
    }
    let node = context
        .definition
        .node(&task.node_id)
        .ok_or(RejectionCode::DefinitionInvalid)?;
    if !node.allow.recall {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if instance.entered_by.as_deref() != Some(task_id) {
        return Err(RejectionCode::TooLate);
    }
    let current = instance
        .current_node
        .as_deref()
        .ok_or(RejectionCode::TooLate)?;
    let visit = instance
        .tasks
        .iter()
        .filter(|t| t.node_id == current)
        .map(|t| t.visit)
        .max();
    let acted = instance.tasks.iter().any(|t| {
        t.node_id == current
            && Some(t.visit) == visit
            && !matches!(t.state, TaskState::Pending | TaskState::Cancelled { .. })
    });
    if acted {
        return Err(RejectionCode::TooLate);
    }
    let mut events = cancel_all_pending(context, None, CancelReason::Recalled);
    events.push(Event::TaskReopened {
        task_id: task_id.to_owned(),
    });
    Ok(events)
}

/// 撤销: the initiator withdraws a running flow before anyone has approved.
pub(super) fn revoke(context: &Context<'_>) -> Result<Vec<Event>, RejectionCode> {
    if context.instance.initiator != context.actor {
        return Err(RejectionCode::NotInitiator);
    }
    if context
        .instance
        .tasks
        .iter()
        .any(|t| matches!(t.state, TaskState::Done { .. }))
    {
        return Err(RejectionCode::TooLate);
    }
    let mut events = cancel_all_pending(context, None, CancelReason::Revoked);
    events.push(Event::InstanceEnded {
        state: InstanceState::Revoked,
        at: context.now,
    });
    Ok(events)
}

/// 转交: hand a pending task to someone who holds none at this node visit.
pub(super) fn transfer(
    context: &Context<'_>,
    task_id: &str,
    to: &str,
) -> Result<Vec<Event>, RejectionCode> {
    let (task, node) = context.own_pending_task(task_id)?;
    if !node.allow.transfer {
        return Err(RejectionCode::ActionNotAllowed);
    }
    let holds_one = context.instance.tasks.iter().any(|t| {
        t.node_id == task.node_id
            && t.visit == task.visit
            && t.assignee == to
            && t.state == TaskState::Pending
    });
    if to.trim().is_empty() || to == context.actor || holds_one {
        return Err(RejectionCode::BadTransferTarget);
    }
    Ok(vec![Event::TaskTransferred {
        task_id: task.id.clone(),
        to: to.to_owned(),
    }])
}

/// Cancels every pending task (but `except`), as one event; none if nothing is pending.
fn cancel_all_pending(
    context: &Context<'_>,
    except: Option<&str>,
    reason: CancelReason,
) -> Vec<Event> {
    let task_ids: Vec<String> = context
        .instance
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Pending && Some(t.id.as_str()) != except)
        .map(|t| t.id.clone())
        .collect();
    if task_ids.is_empty() {
        Vec::new()
    } else {
        vec![Event::TasksCancelled { task_ids, reason }]
    }
}
