//! Folding accepted events into the next state of an instance: the only place state changes.
//! `apply` never fails; `decide` has already checked that the events make sense.

use super::{
    Event, HandlerMode, Instance, InstanceState, Node, ProcessDefinition, Task, TaskState,
};

/// Applies accepted events: the result is the new state, one version higher.
pub fn apply(definition: &ProcessDefinition, instance: &Instance, events: &[Event]) -> Instance {
    let mut next = instance.clone();
    next.version += 1;
    for event in events {
        match event {
            Event::TaskFinished {
                task_id,
                route,
                opinion,
                at,
                ..
            } => {
                if let Some(task) = next.tasks.iter_mut().find(|t| &t.id == task_id) {
                    task.state = TaskState::Done {
                        attitude: opinion.attitude,
                    };
                    task.opinion = Some(opinion.clone());
                    task.route = route.clone();
                    task.finished_at = Some(*at);
                }
            }
            Event::SerialHandoff { node_id, assignee } => {
                // The handoff stays within the node's current visit.
                let visit = next
                    .tasks
                    .iter()
                    .rev()
                    .find(|t| &t.node_id == node_id)
                    .map(|t| t.visit)
                    .unwrap_or(next.version);
                open_task(&mut next, node_id, visit, assignee);
            }
            Event::TasksCancelled { task_ids, reason } => {
                for task in next.tasks.iter_mut().filter(|t| task_ids.contains(&t.id)) {
                    task.state = TaskState::Cancelled { reason: *reason };
                }
            }
            Event::NodeEntered { node_id, by } => {
                if let Some(node) = definition.node(node_id) {
                    enter_node(&mut next, node);
                    next.entered_by = by.clone();
                }
            }
            Event::TaskReturned {
                task_id,
                opinion,
                at,
                ..
            } => {
                if let Some(task) = next.tasks.iter_mut().find(|t| &t.id == task_id) {
                    task.state = TaskState::Returned;
                    task.opinion = Some(opinion.clone());
                    task.finished_at = Some(*at);
                }
            }
            Event::TaskTransferred { task_id, to } => {
                if let Some(task) = next.tasks.iter_mut().find(|t| &t.id == task_id) {
                    task.state = TaskState::Transferred;
                    let (node_id, visit) = (task.node_id.clone(), task.visit);
                    open_task(&mut next, &node_id, visit, to);
                }
            }
            Event::TaskReopened { task_id } => {
                if let Some(task) = next.tasks.iter_mut().find(|t| &t.id == task_id) {
                    // The old opinion stays as a draft for the person to revise.
                    task.state = TaskState::Pending;
                    task.route = None;
                    task.finished_at = None;
                    next.current_node = Some(task.node_id.clone());
                    next.entered_by = None;
                }
            }
            Event::JumpBack { node_id } => next.jump_back = node_id.clone(),
            Event::InstanceCompleted { .. } => {
                next.state = InstanceState::Completed;
                next.current_node = None;
            }
            Event::InstanceEnded { state, .. } => {
                next.state = *state;
                next.current_node = None;
            }
        }
    }
    next
}

/// Enters `node`: it becomes current and its tasks open (only the first handler of a serial node).
/// The visit is the instance version at entry, unique per visit.
pub(super) fn enter_node(instance: &mut Instance, node: &Node) {
    instance.current_node = Some(node.id.clone());
    let visit = instance.version;
    let handlers: Vec<&str> = match node.mode {
        HandlerMode::Serial => node
            .handlers
            .iter()
            .take(1)
            .map(|h| h.user.as_str())
            .collect(),
        HandlerMode::Single | HandlerMode::Parallel => {
            node.handlers.iter().map(|h| h.user.as_str()).collect()
        }
    };
    for user in handlers {
        open_task(instance, &node.id, visit, user);
    }
}

/// Opens one pending task. Ids are derived from the instance id and the number of tasks so far,
/// so phone and gateway derive the same ids without randomness.
fn open_task(instance: &mut Instance, node_id: &str, visit: u64, assignee: &str) {
    let id = format!("{}-t{}", instance.id, instance.tasks.len() + 1);
    instance.tasks.push(Task {
        id,
        node_id: node_id.to_owned(),
        visit,
        assignee: assignee.to_owned(),
        state: TaskState::Pending,
        opinion: None,
        route: None,
        finished_at: None,
    });
}
