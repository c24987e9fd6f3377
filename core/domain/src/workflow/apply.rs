//! Folding accepted events into the next state of an instance: the only place state changes.
//! `apply` never fails; `decide` has already checked that the events make sense. `decide` folds
//! the same events into a scratch copy as it goes, so both sides always agree.

use super::{
    ActiveNode, Event, Instance, InstanceState, PendingState, ReadItem, Task, TaskState,
    TraceRecord,
};

/// Applies an accepted command's trace record: the result is the new state, one version higher,
/// with the record appended to the trace.
pub fn apply(instance: &Instance, record: &TraceRecord) -> Instance {
    let mut next = instance.clone();
    next.version += 1;
    for event in &record.events {
        apply_event(&mut next, event);
    }
    next.trace.push(record.clone());
    next
}

fn task_mut<'a>(instance: &'a mut Instance, task_id: &str) -> Option<&'a mut Task> {
    instance.tasks.iter_mut().find(|t| t.id == task_id)
}

/// Folds one event into `instance` (whose version is already the new one).
pub(super) fn apply_event(instance: &mut Instance, event: &Event) {
    match event {
        Event::TaskOpened {
            node_id,
            visit,
            seat,
            assignee,
            on_behalf_of,
            candidates,
            kind,
            deadline,
        } => {
            // Ids come from the instance id and the task count, so both sides derive the same.
            let id = format!("{}-t{}", instance.id, instance.tasks.len() + 1);
            instance.tasks.push(Task {
                id,
                node_id: node_id.clone(),
                visit: *visit,
                seat: *seat,
                assignee: assignee.clone(),
                candidates: candidates.clone(),
                on_behalf_of: on_behalf_of.clone(),
                kind: kind.clone(),
                state: TaskState::NEW,
                opinion: None,
                draft: None,
                route: None,
                deadline: *deadline,
                paused_at: None,
                urge_count: 0,
                last_urged_at: None,
                add_sign: None,
                finished_at: None,
            });
        }
        Event::TaskFinished {
            task_id,
            route,
            opinion,
            at,
            ..
        } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Done {
                    attitude: opinion.attitude,
                };
                task.opinion = Some(opinion.clone());
                task.draft = None;
                task.route = route.clone();
                task.finished_at = Some(*at);
            }
        }
        Event::TaskApproving {
            task_id,
            route,
            opinion,
        } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Approving;
                task.opinion = Some(opinion.clone());
                task.route = route.clone();
            }
        }
        Event::TaskWaiting { task_id } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Waiting;
            }
        }
        Event::TaskResumed { task_id, at } => {
            if let Some(task) = task_mut(instance, task_id) {
                // The clock stood still while paused: the deadline moves on by that long.
                if let (Some(paused), Some(deadline)) = (task.paused_at.take(), task.deadline) {
                    task.deadline = Some(deadline + (*at - paused));
                }
                task.state = TaskState::Pending {
                    sub: PendingState::Read,
                };
            }
        }
        Event::TaskPaused { task_id, at } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Pending {
                    sub: PendingState::Paused,
                };
                task.paused_at = Some(*at);
            }
        }
        Event::TaskRead { task_id } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Pending {
                    sub: PendingState::Read,
                };
            }
        }
        Event::DraftSaved { task_id, opinion } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Pending {
                    sub: PendingState::Saved,
                };
                task.draft = Some(opinion.clone());
            }
        }
        Event::TasksCancelled { task_ids, reason } => {
            for task in instance
                .tasks
                .iter_mut()
                .filter(|t| task_ids.contains(&t.id))
            {
                task.state = TaskState::Cancelled { reason: *reason };
            }
        }
        Event::TaskReturned {
            task_id,
            opinion,
            at,
            ..
        } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Returned;
                task.opinion = Some(opinion.clone());
                task.finished_at = Some(*at);
            }
        }
        Event::TaskTransferred { task_id, .. } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.state = TaskState::Transferred;
            }
        }
        Event::TaskReopened { task_id } => {
            if let Some(task) = task_mut(instance, task_id) {
                // The old opinion stays as a draft for the person to revise.
                task.state = TaskState::Pending {
                    sub: PendingState::Read,
                };
                task.draft = task.opinion.take();
                task.route = None;
                task.finished_at = None;
                let (node_id, visit) = (task.node_id.clone(), task.visit);
                if !instance.is_active(&node_id) {
                    instance.active.push(ActiveNode {
                        node_id,
                        visit,
                        entered_by: None,
                    });
                }
            }
        }
        Event::TaskAssigned {
            task_id,
            assignee,
            on_behalf_of,
        } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.assignee = assignee.clone();
                task.on_behalf_of = on_behalf_of.clone();
            }
        }
        Event::AddSignStarted { task_id, plan } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.add_sign = Some(plan.clone());
            }
        }
        Event::AddSignAdvanced { task_id } => {
            if let Some(plan) = task_mut(instance, task_id).and_then(|t| t.add_sign.as_mut()) {
                if !plan.queue.is_empty() {
                    plan.queue.remove(0);
                }
            }
        }
        Event::AddSignEnded { task_id } => {
            if let Some(task) = task_mut(instance, task_id) {
                task.add_sign = None;
            }
        }
        Event::TasksUrged { task_ids, at } => {
            for task in instance
                .tasks
                .iter_mut()
                .filter(|t| task_ids.contains(&t.id))
            {
                task.urge_count = task.urge_count.saturating_add(1);
                task.last_urged_at = Some(*at);
            }
        }
        Event::NodeEntered { node_id, visit, by } => {
            instance.active.retain(|a| &a.node_id != node_id);
            instance.active.push(ActiveNode {
                node_id: node_id.clone(),
                visit: *visit,
                entered_by: by.clone(),
            });
        }
        Event::NodeLeft { node_id } => instance.active.retain(|a| &a.node_id != node_id),
        Event::JumpBack { node_id } => instance.jump_back = node_id.clone(),
        Event::ReadItemsDelivered {
            node_id,
            by,
            recipients,
            at,
        } => {
            for recipient in recipients {
                let id = format!("{}-r{}", instance.id, instance.read_items.len() + 1);
                instance.read_items.push(ReadItem {
                    id,
                    recipient: recipient.clone(),
                    sent_by: by.clone(),
                    node_id: node_id.clone(),
                    delivered_at: *at,
                    read_at: None,
                });
            }
        }
        Event::ReadItemRead { item_id, at } => {
            if let Some(item) = instance.read_items.iter_mut().find(|r| &r.id == item_id) {
                item.read_at = Some(*at);
            }
        }
        Event::InstanceStateChanged { state, .. } => {
            instance.state = *state;
            if state.is_final() {
                instance.active.clear();
            }
        }
        Event::InstanceCompleted { .. } => {
            instance.state = InstanceState::Completed;
            instance.active.clear();
        }
    }
}
