//! The entry points: [`decide`] (may this submission run, and what does it cause), [`execute`]
//! (decide and apply in one step) and [`batch`] (批量审批: one verdict per item). The checks every
//! command shares run here, in this order: a re-sent command id, the definition, the version, a
//! secretary's authority, the instance state; then the action's own rule.

use super::flow::Flow;
use super::{
    actions, assist, items, Command, Env, Instance, InstanceState, Opinion, Rejection,
    RejectionCode, Route, Submission, TaskKind, TraceRecord,
};
use crate::model::Attitude;
use serde::{Deserialize, Serialize};

/// What the rules said to an acceptable submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Accepted: the trace record to apply.
    Accepted(Box<TraceRecord>),
    /// The same command id was accepted before, at this version; nothing changes.
    Duplicate {
        /// The version that command produced.
        version: u64,
    },
}

/// The result of [`execute`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The command ran: the new state and its trace record.
    Applied {
        /// The new state, one version higher.
        instance: Box<Instance>,
        /// What happened.
        record: Box<TraceRecord>,
    },
    /// A re-sent command: it was accepted before, at `version`; nothing changed.
    Duplicate {
        /// The version it produced.
        version: u64,
    },
}

/// Decides `submission` on `instance`. Pure: the same inputs always give the same verdict.
pub fn decide(
    env: Env<'_>,
    instance: &Instance,
    submission: &Submission,
) -> Result<Verdict, Rejection> {
    Ok(match decide_with_state(env, instance, submission)? {
        Decided::Accepted(record, _) => Verdict::Accepted(record),
        Decided::Duplicate(version) => Verdict::Duplicate { version },
    })
}

/// A verdict with, when accepted, the state the decision already built (so `execute` need not
/// fold the events a second time; `apply` of the record gives the same state).
enum Decided {
    Accepted(Box<TraceRecord>, Box<Instance>),
    Duplicate(u64),
}

fn decide_with_state(
    env: Env<'_>,
    instance: &Instance,
    submission: &Submission,
) -> Result<Decided, Rejection> {
    let refuse = |code| Rejection {
        code,
        current_version: instance.version,
    };
    // A re-sent command carries an old base version, so this comes before the stale check.
    if let Some(record) = instance
        .trace
        .iter()
        .find(|r| r.command_id == submission.command_id)
    {
        let (user, entered_by) = submission.acting_as();
        let same_person = record.actor == user && record.entered_by.as_deref() == entered_by;
        return if same_person && record.command == submission.command {
            Ok(Decided::Duplicate(record.version))
        } else {
            Err(refuse(RejectionCode::CommandIdReused))
        };
    }
    if env.definition.id != instance.definition_id {
        return Err(refuse(RejectionCode::DefinitionInvalid));
    }
    if submission.base_version != instance.version {
        return Err(refuse(RejectionCode::Stale));
    }
    let (user, entered_by) = submission.acting_as();
    if let Some(leader) = &submission.acting_for {
        if !submission.actor.roles.secretary_for.contains(leader) {
            return Err(refuse(RejectionCode::NotAuthorised));
        }
        if !submission.command.writes_opinion() {
            return Err(refuse(RejectionCode::ActionNotAllowed));
        }
    }
    if submission
        .command
        .opinion()
        .is_some_and(|opinion| !opinion.within_bounds())
    {
        return Err(refuse(RejectionCode::OpinionTooLong));
    }
    gate(instance, &submission.command).map_err(refuse)?;
    let mut flow = Flow::new(
        env,
        instance,
        &submission.actor,
        user,
        entered_by,
        submission.at,
    );
    dispatch(&mut flow, &submission.command).map_err(refuse)?;
    let record = Box::new(TraceRecord {
        version: instance.version + 1,
        command_id: submission.command_id.clone(),
        actor: user.to_owned(),
        entered_by: entered_by.map(str::to_owned),
        command: submission.command.clone(),
        at: submission.at,
        events: flow.events,
    });
    let mut next = flow.next;
    next.trace.push((*record).clone());
    Ok(Decided::Accepted(record, Box::new(next)))
}

/// Which commands the instance state lets through: a suspended instance only resumes; an ended
/// one only lets circulated read items be read.
fn gate(instance: &Instance, command: &Command) -> Result<(), RejectionCode> {
    match instance.state {
        InstanceState::Running => Ok(()),
        InstanceState::Suspended => match command {
            Command::Resume { task_id: None } => Ok(()),
            _ => Err(RejectionCode::Suspended),
        },
        _ => match command {
            Command::MarkRead { task_id } if instance.read_item(task_id).is_some() => Ok(()),
            _ => Err(RejectionCode::NotRunning),
        },
    }
}

fn dispatch(flow: &mut Flow<'_>, command: &Command) -> Result<(), RejectionCode> {
    match command {
        Command::Approve {
            task_id,
            route,
            opinion,
        } => approve(flow, task_id, route.as_deref(), opinion),
        Command::BatchApprove { task_id, route } => batch_approve(flow, task_id, route.as_deref()),
        Command::MarkRead { task_id } => items::mark_read(flow, task_id),
        Command::Reject { task_id, opinion } => actions::reject(flow, task_id, opinion),
        Command::Return {
            task_id,
            target,
            opinion,
        } => actions::return_to(flow, task_id, target, opinion),
        Command::Transfer { task_id, to } => actions::transfer(flow, task_id, to),
        Command::Delegate { task_id, to } => assist::delegate(flow, task_id, to),
        Command::Resolve { task_id, opinion } => assist::resolve(flow, task_id, opinion),
        Command::AddSigner {
            task_id,
            signers,
            position,
            mode,
            route,
            opinion,
        } => assist::add_signers(
            flow,
            task_id,
            signers,
            *position,
            *mode,
            route.as_deref(),
            opinion.as_ref(),
        ),
        Command::RemoveSigner { task_id } => assist::remove_signer(flow, task_id),
        Command::Circulate {
            task_id,
            recipients,
        } => items::circulate(flow, task_id, recipients),
        Command::Recall { task_id } => actions::recall(flow, task_id),
        Command::Revoke => actions::revoke(flow),
        Command::Terminate { opinion } => actions::terminate(flow, opinion),
        Command::Urge => items::urge(flow),
        Command::Suspend { task_id } => items::suspend(flow, task_id.as_deref()),
        Command::Resume { task_id } => items::resume(flow, task_id.as_deref()),
        Command::Open { task_id } => items::open(flow, task_id),
        Command::Save { task_id, opinion } => items::save(flow, task_id, opinion),
        Command::Claim { task_id } => items::claim(flow, task_id),
        Command::Release { task_id } => items::release(flow, task_id),
        Command::TakeBack { task_id } => items::take_back(flow, task_id),
    }
}

/// The route an approval takes: the chosen one, or the only one.
pub(super) fn pick_route<'a>(
    routes: &'a [Route],
    route: Option<&str>,
) -> Result<&'a Route, RejectionCode> {
    match route {
        Some(id) => routes
            .iter()
            .find(|r| r.id == id)
            .ok_or(RejectionCode::NoSuchRoute),
        None => match routes {
            [only] => Ok(only),
            _ => Err(RejectionCode::RouteRequired),
        },
    }
}

/// 同意 / 不同意: by a handler (the node's rule runs), or by an added signer (the adder's task
/// goes on when the signers are through).
fn approve(
    flow: &mut Flow<'_>,
    task_id: &str,
    route: Option<&str>,
    opinion: &Opinion,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    if node.read_only {
        return Err(RejectionCode::ReadOnlyNode);
    }
    if opinion.attitude == Attitude::Read {
        return Err(RejectionCode::InvalidAttitude);
    }
    match &task.kind {
        TaskKind::Delegated { .. } => Err(RejectionCode::ActionNotAllowed),
        TaskKind::AddedSigner { parent } => {
            flow.record_finished(task, node, None, opinion);
            flow.signers_progress(parent)
        }
        TaskKind::Handler => {
            let chosen = pick_route(&node.routes, route)?;
            if chosen.requires_opinion && !opinion.is_written() {
                return Err(RejectionCode::OpinionRequired);
            }
            flow.finish(task, node, chosen, opinion)
        }
    }
}

/// One item of 批量审批: 同意 with the standard text, only where the node allows batches and the
/// route needs no opinion or handwriting of its own.
fn batch_approve(
    flow: &mut Flow<'_>,
    task_id: &str,
    route: Option<&str>,
) -> Result<(), RejectionCode> {
    let (task, node) = flow.own_pending(task_id)?;
    if task.kind != TaskKind::Handler || !node.allow.batch {
        return Err(RejectionCode::ActionNotAllowed);
    }
    if node.read_only {
        return Err(RejectionCode::ReadOnlyNode);
    }
    let chosen = pick_route(&node.routes, route)?;
    if chosen.requires_opinion || node.requires_handwriting {
        return Err(RejectionCode::OwnOpinionRequired);
    }
    flow.finish(task, node, chosen, &Opinion::agree("同意"))
}

/// Decides and applies in one step.
pub fn execute(
    env: Env<'_>,
    instance: &Instance,
    submission: &Submission,
) -> Result<Outcome, Rejection> {
    Ok(match decide_with_state(env, instance, submission)? {
        Decided::Accepted(record, next) => Outcome::Applied {
            instance: next,
            record,
        },
        Decided::Duplicate(version) => Outcome::Duplicate { version },
    })
}

/// One item of a batch: its definition's environment, its instance and its submission.
pub struct BatchItem<'a> {
    /// The definition and delegations of this item's flow.
    pub env: Env<'a>,
    /// The instance.
    pub instance: &'a Instance,
    /// The submission (normally a [`Command::BatchApprove`]).
    pub submission: Submission,
}

/// 批量审批: each item decided and applied on its own, one result per item in order; a refused
/// item does not stop the others.
pub fn batch(items: &[BatchItem<'_>]) -> Vec<Result<Outcome, Rejection>> {
    items
        .iter()
        .map(|item| execute(item.env, item.instance, &item.submission))
        .collect()
}
