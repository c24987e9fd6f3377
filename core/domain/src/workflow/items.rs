//! The actions around a task that do not move the flow: 已阅 mark read (read-only nodes and read
//! items), 传阅 circulate, 催办 urge (rate-limited), 挂起 / 恢复 suspend and resume (a task or the
//! instance), 打开 open, 暂存 save, 签收 / 签退 claim and release a pool task, and taking a task
//! back from a standing delegation's deputy.

use super::flow::Flow;
use super::{Event, InstanceState, Opinion, PendingState, RejectionCode, TaskKind, TaskState};
use chrono::Duration;
use std::collections::BTreeSet;

/// 已阅: a read item is marked read (the flow does not move); a pending task on a read-only node
/// is done as read and the node's rule moves the flow on.
pub(super) fn mark_read(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    if let Some(item) = flow.instance.read_item(task_id) {
        if item.recipient != flow.user {
            return Err(RejectionCode::NotAssignee);
        }
        if item.read_at.is_some() {
            return Err(RejectionCode::TaskNotPending);
        }
        flow.emit(Event::ReadItemRead {
            item_id: item.id.clone(),
            at: flow.now,
        });
        return Ok(());
    }
    let (task, node) = flow.own_pending(task_id)?;
    if !node.read_only || task.kind != TaskKind::Handler {
        return Err(RejectionCode::ActionNotAllowed);
    }
    // Validation guarantees a manual node has a way out; a read-only node takes the first.
    let route = node
        .routes
        .first()
        .ok_or(RejectionCode::DefinitionInvalid)?;
    flow.finish(task, node, route, &Opinion::read())
}

/// 传阅: read items for the recipients, from a node that allows circulation, by someone who holds
/// (or finished) a task there.
pub(super) fn circulate(
    flow: &mut Flow<'_>,
    task_id: &str,
    recipients: &[String],
) -> Result<(), RejectionCode> {
    let task = flow.own_task(task_id)?;
    if !task.state.is_open() && !task.state.is_done() {
        return Err(RejectionCode::TaskNotPending);
    }
    if !flow.node(&task.node_id)?.allow.circulate {
        return Err(RejectionCode::ActionNotAllowed);
    }
    let distinct: BTreeSet<&String> = recipients.iter().collect();
    let unread = |user: &str| {
        flow.instance
            .read_items
            .iter()
            .any(|r| r.recipient == user && r.read_at.is_none())
    };
    if recipients.is_empty()
        || distinct.len() != recipients.len()
        || recipients
            .iter()
            .any(|r| r.trim().is_empty() || r == flow.user || unread(r))
    {
        return Err(RejectionCode::BadRecipients);
    }
    flow.emit(Event::ReadItemsDelivered {
        node_id: task.node_id.clone(),
        by: flow.user.to_owned(),
        recipients: recipients.to_vec(),
        at: flow.now,
    });
    Ok(())
}

/// 催办: someone who took part in the flow (or its initiator, or a supervisor), not a current
/// handler, reminds the handlers at nodes that allow it; each task at most once per the
/// definition's urge interval.
pub(super) fn urge(flow: &mut Flow<'_>) -> Result<(), RejectionCode> {
    let user = flow.user;
    let instance = flow.instance;
    if instance.open_tasks_of(user).next().is_some() {
        return Err(RejectionCode::CurrentHandler);
    }
    let took_part = instance.initiator == user || instance.tasks.iter().any(|t| t.is_held_by(user));
    if !took_part && !flow.actor.roles.supervisor {
        return Err(RejectionCode::NotParticipant);
    }
    let urgeable: Vec<_> = instance
        .tasks
        .iter()
        .filter(|t| t.state.is_pending())
        .filter(|t| {
            flow.env
                .definition
                .node(&t.node_id)
                .is_some_and(|n| n.allow.urge)
        })
        .collect();
    if urgeable.is_empty() {
        return Err(RejectionCode::ActionNotAllowed);
    }
    let interval = Duration::minutes(i64::from(flow.env.definition.urge_interval_minutes));
    let task_ids: Vec<String> = urgeable
        .iter()
        .filter(|t| {
            t.last_urged_at
                .is_none_or(|last| flow.now - last >= interval)
        })
        .map(|t| t.id.clone())
        .collect();
    if task_ids.is_empty() {
        return Err(RejectionCode::UrgeTooSoon);
    }
    flow.emit(Event::TasksUrged {
        task_ids,
        at: flow.now,
    });
    Ok(())
}

/// Whether the user may suspend or resume the whole instance: its initiator or a unit admin.
fn may_hold_instance(flow: &Flow<'_>) -> bool {
    flow.instance.initiator == flow.user || flow.actor.roles.unit_admin
}

/// 挂起: pause one's own pending task (its deadline stops), or suspend the instance.
pub(super) fn suspend(flow: &mut Flow<'_>, task_id: Option<&str>) -> Result<(), RejectionCode> {
    match task_id {
        Some(task_id) => {
            let (task, _) = flow.own_pending(task_id)?;
            flow.emit(Event::TaskPaused {
                task_id: task.id.clone(),
                at: flow.now,
            });
        }
        None => {
            if !may_hold_instance(flow) {
                return Err(RejectionCode::NotAuthorised);
            }
            flow.emit(Event::InstanceStateChanged {
                state: InstanceState::Suspended,
                at: flow.now,
            });
        }
    }
    Ok(())
}

/// 恢复: resume one's paused task, or the suspended instance.
pub(super) fn resume(flow: &mut Flow<'_>, task_id: Option<&str>) -> Result<(), RejectionCode> {
    match task_id {
        Some(task_id) => {
            let task = flow.own_task(task_id)?;
            if task.state
                != (TaskState::Pending {
                    sub: PendingState::Paused,
                })
            {
                return Err(RejectionCode::NoChange);
            }
            flow.emit(Event::TaskResumed {
                task_id: task.id.clone(),
                at: flow.now,
            });
        }
        None => {
            if flow.instance.state != InstanceState::Suspended {
                return Err(RejectionCode::NoChange);
            }
            if !may_hold_instance(flow) {
                return Err(RejectionCode::NotAuthorised);
            }
            flow.emit(Event::InstanceStateChanged {
                state: InstanceState::Running,
                at: flow.now,
            });
        }
    }
    Ok(())
}

/// 打开: the handler opened an unread task.
pub(super) fn open(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    let task = flow.own_task(task_id)?;
    if task.state != TaskState::NEW {
        return Err(RejectionCode::NoChange);
    }
    flow.emit(Event::TaskRead {
        task_id: task.id.clone(),
    });
    Ok(())
}

/// 暂存: save an opinion for later; the task stays pending.
pub(super) fn save(
    flow: &mut Flow<'_>,
    task_id: &str,
    opinion: &Opinion,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    let draft = flow.stamp(opinion, node);
    flow.emit(Event::DraftSaved {
        task_id: task.id.clone(),
        opinion: draft,
    });
    Ok(())
}

/// 签收: a candidate takes an unclaimed pool task; the others lose it.
pub(super) fn claim(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    let task = flow
        .instance
        .task(task_id)
        .ok_or(RejectionCode::NoSuchTask)?;
    if task.candidates.is_empty() {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if !task.state.is_pending() {
        return Err(RejectionCode::TaskNotPending);
    }
    if !task.assignee.is_empty() {
        return Err(RejectionCode::AlreadyClaimed);
    }
    if !task.candidates.iter().any(|c| c == flow.user) {
        return Err(RejectionCode::NotCandidate);
    }
    flow.emit(Event::TaskAssigned {
        task_id: task.id.clone(),
        assignee: flow.user.to_owned(),
        on_behalf_of: None,
    });
    Ok(())
}

/// 签退: the claimer gives a pool task back to the pool.
pub(super) fn release(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    let (task, _) = flow.own_pending(task_id)?;
    if task.candidates.is_empty() {
        return Err(RejectionCode::ActionNotAllowed);
    }
    flow.emit(Event::TaskAssigned {
        task_id: task.id.clone(),
        assignee: String::new(),
        on_behalf_of: None,
    });
    Ok(())
}

/// 收回委托: the principal takes back a pending task a standing delegation sent to the deputy
/// (e.g. when the rule is revoked early).
pub(super) fn take_back(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    let task = flow
        .instance
        .task(task_id)
        .ok_or(RejectionCode::NoSuchTask)?;
    if task.on_behalf_of.as_deref() != Some(flow.user) {
        return Err(RejectionCode::NotAssignee);
    }
    if !task.state.is_pending() {
        return Err(RejectionCode::TaskNotPending);
    }
    flow.emit(Event::TaskAssigned {
        task_id: task.id.clone(),
        assignee: flow.user.to_owned(),
        on_behalf_of: None,
    });
    Ok(())
}
