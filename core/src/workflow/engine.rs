//! The rules of the state machine: `decide` (may this command run, and what does it cause),
//! `apply` (fold the events into the next state), and `controls` (what a viewer may do, derived
//! from `decide` itself).
//!
//! Node completion follows the node's configuration:
//! - single and parallel-`All`: the node is done when no task of the visit is pending;
//! - serial: each handler's task opens when the previous one finishes; done after the last;
//! - `FirstWins`: the first finisher decides; the others' tasks are cancelled;
//! - `Ratio` / `WeightedVote`: done as soon as the agreeing share (or weight) reaches the rule,
//!   the others' tasks cancelled; or when everyone has finished.
//!
//! When a node is done, the flow follows the route chosen by the task that finished it.

use super::actions;
use super::apply::apply;
use super::{
    CancelReason, Command, Completion, Event, HandlerMode, Instance, InstanceState, Node, NodeKind,
    ProcessDefinition, Rejection, RejectionCode, Route, Task, TaskState,
};
use crate::model::{Attitude, Opinion};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 操作权限 — what a viewer may do on a task now; computed by the same rules as `decide`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Controls {
    /// May approve (agree or disagree) the task.
    pub can_approve: bool,
    /// The routes (ids) an approval may take.
    pub routes: Vec<String>,
}

/// Decides `command` by `actor` on `instance` as of `base_version`, at `now`.
pub fn decide(
    definition: &ProcessDefinition,
    instance: &Instance,
    actor: &str,
    base_version: u64,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Rejection> {
    let refuse = |code| Rejection {
        code,
        current_version: instance.version,
    };
    if definition.id != instance.definition_id {
        return Err(refuse(RejectionCode::DefinitionInvalid));
    }
    if base_version != instance.version {
        return Err(refuse(RejectionCode::Stale));
    }
    if instance.state != InstanceState::Running {
        return Err(refuse(RejectionCode::NotRunning));
    }
    let context = Context {
        definition,
        instance,
        actor,
        now,
    };
    match command {
        Command::Approve {
            task_id,
            route,
            opinion,
        } => approve(&context, task_id, route.as_deref(), opinion),
        Command::MarkRead { task_id } => actions::mark_read(&context, task_id),
        Command::Reject { task_id, opinion } => actions::reject(&context, task_id, opinion),
        Command::Return {
            task_id,
            target,
            opinion,
        } => actions::return_to(&context, task_id, target, opinion),
        Command::Recall { task_id } => actions::recall(&context, task_id),
        Command::Revoke => actions::revoke(&context),
        Command::Transfer { task_id, to } => actions::transfer(&context, task_id, to),
    }
    .map_err(refuse)
}

/// What every rule looks at.
pub(super) struct Context<'a> {
    pub definition: &'a ProcessDefinition,
    pub instance: &'a Instance,
    pub actor: &'a str,
    pub now: DateTime<Utc>,
}

impl<'a> Context<'a> {
    /// The actor's pending task and its manual node, or why not.
    pub fn own_pending_task(&self, task_id: &str) -> Result<(&'a Task, &'a Node), RejectionCode> {
        let task = self
            .instance
            .task(task_id)
            .ok_or(RejectionCode::NoSuchTask)?;
        if task.assignee != self.actor {
            return Err(RejectionCode::NotAssignee);
        }
        if task.state != TaskState::Pending {
            return Err(RejectionCode::TaskNotPending);
        }
        let node = self
            .definition
            .node(&task.node_id)
            .filter(|n| n.kind == NodeKind::Manual)
            .ok_or(RejectionCode::DefinitionInvalid)?;
        Ok((task, node))
    }

    /// Ids of the other pending tasks of `task`'s node visit.
    pub fn pending_siblings(&self, task: &Task) -> Vec<String> {
        self.instance
            .tasks
            .iter()
            .filter(|t| {
                t.node_id == task.node_id
                    && t.visit == task.visit
                    && t.id != task.id
                    && t.state == TaskState::Pending
            })
            .map(|t| t.id.clone())
            .collect()
    }
}

fn approve(
    context: &Context<'_>,
    task_id: &str,
    route: Option<&str>,
    opinion: &Opinion,
) -> Result<Vec<Event>, RejectionCode> {
    let (task, node) = context.own_pending_task(task_id)?;
    if node.read_only {
        return Err(RejectionCode::ReadOnlyNode);
    }
    if opinion.attitude == Attitude::Read {
        return Err(RejectionCode::InvalidAttitude);
    }
    let chosen = match route {
        Some(id) => node
            .routes
            .iter()
            .find(|r| r.id == id)
            .ok_or(RejectionCode::NoSuchRoute)?,
        None => match node.routes.as_slice() {
            [only] => only,
            _ => return Err(RejectionCode::RouteRequired),
        },
    };
    if chosen.requires_opinion && opinion.text.trim().is_empty() {
        return Err(RejectionCode::OpinionRequired);
    }
    complete_task(context, task, node, chosen, opinion)
}

/// Finishes `task` with `opinion` by `route`, then applies the node's completion rule and, when the
/// node is done, moves the flow on (straight back to the returner after a jump return).
pub(super) fn complete_task(
    context: &Context<'_>,
    task: &Task,
    node: &Node,
    route: &Route,
    opinion: &Opinion,
) -> Result<Vec<Event>, RejectionCode> {
    let (instance, actor, now) = (context.instance, context.actor, context.now);
    let mut events = vec![Event::TaskFinished {
        task_id: task.id.clone(),
        actor: actor.to_owned(),
        route: Some(route.id.clone()),
        opinion: opinion.clone(),
        at: now,
    }];
    let visit: Vec<&Task> = instance
        .tasks
        .iter()
        .filter(|t| t.node_id == node.id && t.visit == task.visit)
        .collect();
    let others_pending = context.pending_siblings(task);
    let node_done = match node.mode {
        HandlerMode::Serial => match next_serial_handler(node, actor) {
            Some(next) => {
                events.push(Event::SerialHandoff {
                    node_id: node.id.clone(),
                    assignee: next.to_owned(),
                });
                false
            }
            None => true,
        },
        HandlerMode::Single | HandlerMode::Parallel => match node.completion {
            Completion::All => others_pending.is_empty(),
            Completion::FirstWins => true,
            Completion::Ratio { percent } => {
                let agreed = agreeing(&visit, task, opinion).len();
                agreed * 100 >= usize::from(percent) * node.handlers.len()
                    || others_pending.is_empty()
            }
            Completion::WeightedVote { threshold } => {
                let weight: u64 = agreeing(&visit, task, opinion)
                    .iter()
                    .filter_map(|user| node.handlers.iter().find(|h| &h.user == *user))
                    .map(|h| u64::from(h.weight))
                    .sum();
                weight >= u64::from(threshold) || others_pending.is_empty()
            }
        },
    };
    if !node_done {
        return Ok(events);
    }
    if !others_pending.is_empty() {
        let reason = if node.completion == Completion::FirstWins {
            CancelReason::CompetitionLost
        } else {
            CancelReason::NodeDecided
        };
        events.push(Event::TasksCancelled {
            task_ids: others_pending,
            reason,
        });
    }
    let next_id = match &instance.jump_back {
        Some(back) => {
            events.push(Event::JumpBack { node_id: None });
            back.as_str()
        }
        None => route.to.as_str(),
    };
    let next = context
        .definition
        .node(next_id)
        .ok_or(RejectionCode::DefinitionInvalid)?;
    match next.kind {
        NodeKind::End => events.push(Event::InstanceCompleted { at: now }),
        NodeKind::Manual => events.push(Event::NodeEntered {
            node_id: next.id.clone(),
            by: Some(task.id.clone()),
        }),
        NodeKind::ParallelSplit | NodeKind::ParallelJoin => {
            return Err(RejectionCode::UnsupportedNode)
        }
    }
    Ok(events)
}

/// The handler after `actor` in a serial node's order.
fn next_serial_handler<'a>(node: &'a Node, actor: &str) -> Option<&'a str> {
    let position = node.handlers.iter().position(|h| h.user == actor)?;
    node.handlers.get(position + 1).map(|h| h.user.as_str())
}

/// Users of this visit who agreed, counting the task being finished with `opinion`.
fn agreeing<'a>(visit: &[&'a Task], finishing: &'a Task, opinion: &Opinion) -> Vec<&'a String> {
    let mut users: Vec<&String> = visit
        .iter()
        .filter(|t| {
            t.id != finishing.id
                && t.state
                    == TaskState::Done {
                        attitude: Attitude::Agree,
                    }
        })
        .map(|t| &t.assignee)
        .collect();
    if opinion.attitude == Attitude::Agree {
        users.push(&finishing.assignee);
    }
    users
}

/// Decides and applies in one step: the new state and the events, or the refusal.
pub fn execute(
    definition: &ProcessDefinition,
    instance: &Instance,
    actor: &str,
    base_version: u64,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<(Instance, Vec<Event>), Rejection> {
    let events = decide(definition, instance, actor, base_version, command, now)?;
    Ok((apply(definition, instance, &events), events))
}

/// What `viewer` may do on `task_id` now. Never allows what `decide` would refuse.
pub fn controls(
    definition: &ProcessDefinition,
    instance: &Instance,
    viewer: &str,
    task_id: &str,
) -> Controls {
    let node_routes = instance
        .task(task_id)
        .and_then(|task| definition.node(&task.node_id))
        .map(|node| node.routes.iter().map(|r| r.id.clone()).collect::<Vec<_>>())
        .unwrap_or_default();
    // The flags are derived by asking `decide` itself, so they cannot drift from the rules. The
    // probe writes an opinion, so routes that require one are offered (the screen asks for it).
    let routes: Vec<String> = node_routes
        .into_iter()
        .filter(|route| {
            let probe = Command::Approve {
                task_id: task_id.to_owned(),
                route: Some(route.clone()),
                opinion: Opinion::new(Attitude::Agree, "probe"),
            };
            decide(
                definition,
                instance,
                viewer,
                instance.version,
                &probe,
                DateTime::<Utc>::MIN_UTC,
            )
            .is_ok()
        })
        .collect();
    Controls {
        can_approve: !routes.is_empty(),
        routes,
    }
}
