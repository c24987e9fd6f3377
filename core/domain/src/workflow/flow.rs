//! How the flow moves: the scratch state a decision builds up, finishing tasks, the node
//! completion rules, added signers coming back, entering nodes (manual, parallel split and join,
//! end) and who gets a new task under the standing delegations.
//!
//! A decision emits events into [`Flow`], which folds each one into a scratch copy of the instance
//! at once; later rules of the same decision read the scratch copy, so they always see what the
//! earlier events did, and `apply` later produces exactly the same state.
//!
//! Node completion follows the node's configuration:
//! - single, pool and parallel-`All`: done when no handler task of the visit is open;
//! - serial: each seat's task opens when the previous one finishes; done after the last;
//! - `FirstWins`: the first finisher decides; the others' tasks are cancelled;
//! - `Ratio` / `WeightedVote`: done as soon as the agreeing share (or weight) reaches the rule,
//!   the others' tasks cancelled; or when everyone has finished.

use super::apply::apply_event;
use super::{
    Actor, Allowances, CancelReason, Completion, Env, Event, HandlerMode, Instance, Node, NodeKind,
    Opinion, PendingState, RejectionCode, Route, Task, TaskKind, TaskState,
};
use crate::model::Attitude;
use chrono::{DateTime, Duration, Utc};

/// A decision in the making: the rules read `instance` (before) and `next` (after the events so
/// far) and emit events.
pub(super) struct Flow<'a> {
    pub env: Env<'a>,
    pub instance: &'a Instance,
    pub next: Instance,
    pub events: Vec<Event>,
    /// The person the command acts as (the leader, for a secretary's entry).
    pub user: &'a str,
    /// The person who sent it, with their roles.
    pub actor: &'a Actor,
    /// 代签 — the secretary, when `user` is the leader they enter for.
    pub entered_by: Option<&'a str>,
    pub now: DateTime<Utc>,
}

impl<'a> Flow<'a> {
    pub fn new(
        env: Env<'a>,
        instance: &'a Instance,
        actor: &'a Actor,
        user: &'a str,
        entered_by: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> Flow<'a> {
        let mut next = instance.clone();
        next.version += 1;
        Flow {
            env,
            instance,
            next,
            events: Vec::new(),
            user,
            actor,
            entered_by,
            now,
        }
    }

    pub fn emit(&mut self, event: Event) {
        apply_event(&mut self.next, &event);
        self.events.push(event);
    }

    pub fn node(&self, node_id: &str) -> Result<&'a Node, RejectionCode> {
        self.env
            .definition
            .node(node_id)
            .ok_or(RejectionCode::DefinitionInvalid)
    }

    /// The task, if `user` holds it (as assignee or principal).
    pub fn own_task(&self, task_id: &str) -> Result<&'a Task, RejectionCode> {
        let task = self
            .instance
            .task(task_id)
            .ok_or(RejectionCode::NoSuchTask)?;
        if task.assignee.is_empty() && task.candidates.iter().any(|c| c == self.user) {
            return Err(RejectionCode::NotClaimed);
        }
        if !task.is_held_by(self.user) {
            return Err(RejectionCode::NotAssignee);
        }
        Ok(task)
    }

    /// The user's pending, not paused task and its manual node.
    pub fn own_pending(&self, task_id: &str) -> Result<(&'a Task, &'a Node), RejectionCode> {
        let task = self.own_task(task_id)?;
        match task.state {
            TaskState::Pending {
                sub: PendingState::Paused,
            } => return Err(RejectionCode::TaskPaused),
            TaskState::Pending { .. } => {}
            _ => return Err(RejectionCode::TaskNotPending),
        }
        let node = self.node(&task.node_id)?;
        if node.kind != NodeKind::Manual {
            return Err(RejectionCode::DefinitionInvalid);
        }
        Ok((task, node))
    }

    /// The user's pending handler task at a node whose allowances permit the action, to be handed
    /// to `to`, who must be able to take it (transfer and delegate share these checks).
    pub fn task_to_hand_on(
        &self,
        task_id: &str,
        allowed: fn(&Allowances) -> bool,
        to: &str,
    ) -> Result<(&'a Task, &'a Node), RejectionCode> {
        let (task, node) = self.own_pending(task_id)?;
        if task.kind != TaskKind::Handler || !allowed(&node.allow) {
            return Err(RejectionCode::ActionNotAllowed);
        }
        if !self.can_receive(to, &task.node_id, task.visit) {
            return Err(RejectionCode::BadTransferTarget);
        }
        Ok((task, node))
    }

    /// The opinion as recorded: in the node's column, and marked with the secretary who entered
    /// it for the leader (代签).
    pub fn stamp(&self, opinion: &Opinion, node: &Node) -> Opinion {
        let mut stamped = opinion.clone();
        if stamped.column.is_none() {
            stamped.column = node.opinion_column.clone();
        }
        stamped.on_behalf_of = self.entered_by.map(str::to_owned);
        stamped
    }

    /// Whether `user` may take a new task at this node visit: a real id, not the actor, and not
    /// already holding an open task there.
    pub fn can_receive(&self, user: &str, node_id: &str, visit: u64) -> bool {
        !user.trim().is_empty()
            && user != self.user
            && !self.instance.tasks.iter().any(|t| {
                t.node_id == node_id && t.visit == visit && t.state.is_open() && t.is_held_by(user)
            })
    }

    /// Opens a task for `user`, or for their deputy while a standing delegation is active.
    pub fn open_task(
        &mut self,
        node: &Node,
        visit: u64,
        seat: u32,
        user: &str,
        kind: TaskKind,
        deadline: Option<DateTime<Utc>>,
    ) {
        let (assignee, on_behalf_of) = self.env.assignee_for(user, self.now);
        self.emit(Event::TaskOpened {
            node_id: node.id.clone(),
            visit,
            seat,
            assignee,
            on_behalf_of,
            candidates: Vec::new(),
            kind,
            deadline,
        });
    }

    /// Ids of the open tasks that match.
    pub fn open_ids(&self, keep: impl Fn(&Task) -> bool) -> Vec<String> {
        self.next
            .tasks
            .iter()
            .filter(|t| t.state.is_open() && keep(t))
            .map(|t| t.id.clone())
            .collect()
    }

    /// Cancels the open tasks that match, as one event (none if nothing matches).
    pub fn cancel(&mut self, keep: impl Fn(&Task) -> bool, reason: CancelReason) {
        let task_ids = self.open_ids(keep);
        if !task_ids.is_empty() {
            self.emit(Event::TasksCancelled { task_ids, reason });
        }
    }

    /// Finishes the user's handler task by `route` and moves the flow on as the node says.
    pub fn finish(
        &mut self,
        task: &Task,
        node: &Node,
        route: &Route,
        opinion: &Opinion,
    ) -> Result<(), RejectionCode> {
        self.record_finished(task, node, Some(route.id.clone()), opinion);
        self.node_progress(&task.id)
    }

    /// Marks the user's task done with `opinion` (stamped with the node's column and any
    /// secretary), without moving the flow: the caller decides what follows.
    pub fn record_finished(
        &mut self,
        task: &Task,
        node: &Node,
        route: Option<String>,
        opinion: &Opinion,
    ) {
        let opinion = self.stamp(opinion, node);
        self.emit(Event::TaskFinished {
            task_id: task.id.clone(),
            actor: self.user.to_owned(),
            route,
            opinion,
            at: self.now,
        });
    }

    /// After a handler task at a node is done: the completion rule, and moving on when done.
    pub fn node_progress(&mut self, task_id: &str) -> Result<(), RejectionCode> {
        let task = self
            .next
            .task(task_id)
            .cloned()
            .ok_or(RejectionCode::NoSuchTask)?;
        let node = self.node(&task.node_id)?;
        let at_visit = |t: &Task| {
            t.node_id == task.node_id && t.visit == task.visit && t.kind == TaskKind::Handler
        };
        let open_handlers = self
            .next
            .tasks
            .iter()
            .filter(|t| at_visit(t) && t.state.is_open());
        let open = open_handlers.count();
        let mut agreeing: Vec<u32> = self
            .next
            .tasks
            .iter()
            .filter(|t| {
                at_visit(t)
                    && t.state
                        == TaskState::Done {
                            attitude: Attitude::Agree,
                        }
            })
            .map(|t| t.seat)
            .collect();
        agreeing.sort_unstable();
        agreeing.dedup();
        let done = match (node.mode, node.completion) {
            (HandlerMode::Serial, _) => {
                let next_seat = task.seat + 1;
                match self.handlers(node).get(next_seat as usize) {
                    Some(handler) => {
                        let user = handler.user.clone();
                        let deadline = self.deadline(node);
                        self.open_task(
                            node,
                            task.visit,
                            next_seat,
                            &user,
                            TaskKind::Handler,
                            deadline,
                        );
                        false
                    }
                    None => open == 0,
                }
            }
            (HandlerMode::Parallel, Completion::FirstWins) => true,
            (HandlerMode::Parallel, Completion::Ratio { percent }) => {
                agreeing.len() * 100 >= usize::from(percent) * self.handlers(node).len()
                    || open == 0
            }
            (HandlerMode::Parallel, Completion::WeightedVote { threshold }) => {
                let handlers = self.handlers(node);
                let weight: u64 = agreeing
                    .iter()
                    .filter_map(|seat| handlers.get(*seat as usize))
                    .map(|h| u64::from(h.weight))
                    .sum();
                weight >= u64::from(threshold) || open == 0
            }
            _ => open == 0,
        };
        if !done {
            return Ok(());
        }
        let reason = if node.completion == Completion::FirstWins {
            CancelReason::CompetitionLost
        } else {
            CancelReason::NodeDecided
        };
        let (node_id, visit) = (task.node_id.clone(), task.visit);
        self.cancel(|t| t.node_id == node_id && t.visit == visit, reason);
        self.emit(Event::NodeLeft {
            node_id: node.id.clone(),
        });
        let route = task
            .route
            .as_deref()
            .and_then(|id| node.routes.iter().find(|r| r.id == id))
            .ok_or(RejectionCode::DefinitionInvalid)?;
        let next_id = match self.next.jump_back.clone() {
            Some(back) => {
                self.emit(Event::JumpBack { node_id: None });
                back
            }
            None => route.to.clone(),
        };
        self.enter(&next_id, Some(&task.id), 0)
    }

    /// The handlers of `node` in this instance: the starter's choice where the step takes one.
    fn handlers(&self, node: &'a Node) -> std::borrow::Cow<'a, [super::Handler]> {
        super::choice::handlers(node, &self.next.chosen_handlers)
    }

    /// When a node entered now is due.
    pub fn deadline(&self, node: &Node) -> Option<DateTime<Utc>> {
        node.time_limit_hours
            .map(|hours| self.now + Duration::hours(i64::from(hours)))
    }

    /// Enters a node: opens a manual node's tasks, takes every branch of a split, passes a join
    /// when the last branch arrives, completes the flow at an end.
    pub fn enter(
        &mut self,
        node_id: &str,
        by: Option<&str>,
        depth: usize,
    ) -> Result<(), RejectionCode> {
        // A valid definition never loops through splits and joins without a manual node; the
        // bound turns a broken one into a refusal instead of a stack overflow.
        if depth > self.env.definition.nodes.len() {
            return Err(RejectionCode::DefinitionInvalid);
        }
        let node = self.node(node_id)?;
        match node.kind {
            NodeKind::Manual => {
                let visit = self.next.version;
                self.emit(Event::NodeEntered {
                    node_id: node.id.clone(),
                    visit,
                    by: by.map(str::to_owned),
                });
                let deadline = self.deadline(node);
                match node.mode {
                    HandlerMode::Serial => {
                        if let Some(first) = self.handlers(node).first() {
                            let user = first.user.clone();
                            self.open_task(node, visit, 0, &user, TaskKind::Handler, deadline);
                        }
                    }
                    HandlerMode::Pool => self.emit(Event::TaskOpened {
                        node_id: node.id.clone(),
                        visit,
                        seat: 0,
                        assignee: String::new(),
                        on_behalf_of: None,
                        candidates: self.handlers(node).iter().map(|h| h.user.clone()).collect(),
                        kind: TaskKind::Handler,
                        deadline,
                    }),
                    HandlerMode::Single | HandlerMode::Parallel => {
                        for (seat, handler) in self.handlers(node).iter().enumerate() {
                            let seat = u32::try_from(seat)
                                .map_err(|_| RejectionCode::DefinitionInvalid)?;
                            let user = handler.user.clone();
                            self.open_task(node, visit, seat, &user, TaskKind::Handler, deadline);
                        }
                    }
                }
                Ok(())
            }
            NodeKind::End => {
                self.cancel(|_| true, CancelReason::NodeDecided);
                self.emit(Event::InstanceCompleted { at: self.now });
                Ok(())
            }
            NodeKind::ParallelSplit => {
                // Manual branches first, so a branch that goes straight to the join finds the
                // others already active and waits for them.
                let mut routes: Vec<&Route> = node.routes.iter().collect();
                routes.sort_by_key(|r| {
                    self.env
                        .definition
                        .node(&r.to)
                        .is_some_and(|n| n.kind == NodeKind::ParallelJoin)
                });
                for route in routes {
                    self.enter(&route.to, by, depth + 1)?;
                }
                Ok(())
            }
            NodeKind::ParallelJoin => {
                if !self.next.active.is_empty() {
                    return Ok(()); // other branches are still running
                }
                let out = node
                    .routes
                    .first()
                    .ok_or(RejectionCode::DefinitionInvalid)?;
                self.enter(&out.to, by, depth + 1)
            }
        }
    }
}
