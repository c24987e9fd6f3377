//! Bringing other people into one's task: 委派 delegate (and the delegatee's resolve), 加签 add
//! signers before or after oneself (single, serial or parallel) and 减签 remove one. The adder's
//! task waits meanwhile; `Flow::signers_progress` brings it back.

use super::flow::Flow;
use super::{
    engine::pick_route, AddSignPlan, CancelReason, Event, HandlerMode, Opinion, RejectionCode,
    SignPosition, TaskKind,
};
use crate::model::Attitude;
use std::collections::BTreeSet;

/// Whether `task_id` has added signers or a delegatee still working.
fn has_open_children(flow: &Flow<'_>, task_id: &str) -> bool {
    flow.instance.tasks.iter().any(|t| {
        t.state.is_open()
            && match &t.kind {
                TaskKind::Delegated { parent } | TaskKind::AddedSigner { parent } => {
                    parent == task_id
                }
                TaskKind::Handler => false,
            }
    })
}

/// 委派: the handler's task waits; the delegatee gets a task at the same node.
pub(super) fn delegate(flow: &mut Flow<'_>, task_id: &str, to: &str) -> Result<(), RejectionCode> {
    let (task, node) = flow.task_to_hand_on(task_id, |allow| allow.delegate, to)?;
    flow.emit(Event::TaskWaiting {
        task_id: task.id.clone(),
    });
    let kind = TaskKind::Delegated {
        parent: task.id.clone(),
    };
    flow.open_task(node, task.visit, task.seat, to, kind, task.deadline);
    Ok(())
}

/// 委派办结: the delegatee's task is done with their opinion; the handler decides again.
pub(super) fn resolve(
    flow: &mut Flow<'_>,
    task_id: &str,
    opinion: &Opinion,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    let TaskKind::Delegated { parent } = &task.kind else {
        return Err(RejectionCode::ActionNotAllowed);
    };
    if opinion.attitude == Attitude::Read {
        return Err(RejectionCode::InvalidAttitude);
    }
    flow.record_finished(task, node, None, opinion);
    flow.emit(Event::TaskResumed {
        task_id: parent.clone(),
        at: flow.now,
    });
    Ok(())
}

/// 加签: before (the adder waits, then decides) or after (the adder approves now; the flow moves on
/// when the signers finish). No nesting: an added signer cannot add more, and a task adds one
/// group at a time.
pub(super) fn add_signers(
    flow: &mut Flow<'_>,
    task_id: &str,
    signers: &[String],
    position: SignPosition,
    mode: HandlerMode,
    route: Option<&str>,
    opinion: Option<&Opinion>,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    match task.kind {
        TaskKind::Handler => {}
        TaskKind::AddedSigner { .. } => return Err(RejectionCode::NestedAddSign),
        TaskKind::Delegated { .. } => return Err(RejectionCode::ActionNotAllowed),
    }
    if !node.allow.add_sign {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if has_open_children(flow, task_id) {
        return Err(RejectionCode::NestedAddSign);
    }
    let distinct: BTreeSet<&String> = signers.iter().collect();
    let bad_count = match mode {
        HandlerMode::Single => signers.len() != 1,
        HandlerMode::Serial | HandlerMode::Parallel => signers.is_empty(),
        HandlerMode::Pool => true,
    };
    if bad_count
        || distinct.len() != signers.len()
        || signers
            .iter()
            .any(|s| !flow.can_receive(s, &task.node_id, task.visit))
    {
        return Err(RejectionCode::BadSigners);
    }
    match position {
        SignPosition::Before => flow.emit(Event::TaskWaiting {
            task_id: task.id.clone(),
        }),
        SignPosition::After => {
            let opinion = opinion.ok_or(RejectionCode::OpinionRequired)?;
            if opinion.attitude == Attitude::Read {
                return Err(RejectionCode::InvalidAttitude);
            }
            let chosen = pick_route(&node.routes, route)?;
            if chosen.requires_opinion && !opinion.is_written() {
                return Err(RejectionCode::OpinionRequired);
            }
            let recorded = flow.stamp(opinion, node);
            flow.emit(Event::TaskApproving {
                task_id: task.id.clone(),
                route: Some(chosen.id.clone()),
                opinion: recorded,
            });
        }
    }
    let (now_open, queue) = match mode {
        HandlerMode::Serial => (&signers[..1], signers[1..].to_vec()),
        _ => (signers, Vec::new()),
    };
    flow.emit(Event::AddSignStarted {
        task_id: task.id.clone(),
        plan: AddSignPlan {
            position,
            mode,
            queue,
        },
    });
    for signer in now_open {
        let kind = TaskKind::AddedSigner {
            parent: task.id.clone(),
        };
        flow.open_task(node, task.visit, task.seat, signer, kind, task.deadline);
    }
    Ok(())
}

/// 减签: the adder removes a signer who has not finished; if none is left, the adder's task goes
/// on.
pub(super) fn remove_signer(flow: &mut Flow<'_>, task_id: &str) -> Result<(), RejectionCode> {
    let task = flow
        .instance
        .task(task_id)
        .ok_or(RejectionCode::NoSuchTask)?;
    let TaskKind::AddedSigner { parent } = &task.kind else {
        return Err(RejectionCode::ActionNotAllowed);
    };
    let adder = flow
        .instance
        .task(parent)
        .ok_or(RejectionCode::NoSuchTask)?;
    if !adder.is_held_by(flow.user) {
        return Err(RejectionCode::NotAssignee);
    }
    if !task.state.is_pending() {
        return Err(RejectionCode::TaskNotPending);
    }
    flow.emit(Event::TasksCancelled {
        task_ids: vec![task.id.clone()],
        reason: CancelReason::Removed,
    });
    flow.signers_progress(parent)
}

impl Flow<'_> {
    /// After an added signer finished or was removed: the next serial signer's turn, or the
    /// adder's task goes on (before: pending again; after: done, and the node's rule runs).
    pub fn signers_progress(&mut self, parent_id: &str) -> Result<(), RejectionCode> {
        let Some(parent) = self.next.task(parent_id).cloned() else {
            return Err(RejectionCode::NoSuchTask);
        };
        let Some(plan) = parent.add_sign.clone() else {
            return Ok(());
        };
        let child_open = self.next.tasks.iter().any(|t| {
            t.state.is_open()
                && t.kind
                    == TaskKind::AddedSigner {
                        parent: parent.id.clone(),
                    }
        });
        if child_open {
            return Ok(());
        }
        let node = self.node(&parent.node_id)?;
        if let Some(next) = plan.queue.first() {
            let next = next.clone();
            self.emit(Event::AddSignAdvanced {
                task_id: parent.id.clone(),
            });
            let kind = TaskKind::AddedSigner {
                parent: parent.id.clone(),
            };
            self.open_task(
                node,
                parent.visit,
                parent.seat,
                &next,
                kind,
                parent.deadline,
            );
            return Ok(());
        }
        self.emit(Event::AddSignEnded {
            task_id: parent.id.clone(),
        });
        match plan.position {
            SignPosition::Before => {
                self.emit(Event::TaskResumed {
                    task_id: parent.id.clone(),
                    at: self.now,
                });
                Ok(())
            }
            SignPosition::After => {
                let opinion = parent
                    .opinion
                    .clone()
                    .ok_or(RejectionCode::DefinitionInvalid)?;
                self.emit(Event::TaskFinished {
                    task_id: parent.id.clone(),
                    actor: parent.assignee.clone(),
                    route: parent.route.clone(),
                    opinion,
                    at: self.now,
                });
                self.node_progress(&parent.id)
            }
        }
    }
}
