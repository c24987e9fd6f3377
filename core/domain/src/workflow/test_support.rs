//! Helpers shared by the workflow's tests: a fixed clock, a definition starting at its first node,
//! and short forms of `execute` / `decide` / `controls` that build the submission (a fresh command
//! id per actor and version, a plain actor, the fixed time).

use super::*;
use chrono::{DateTime, Duration, Utc};

/// The fixed time every test decides at.
pub(super) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// `now()` plus some minutes.
pub(super) fn later(minutes: i64) -> DateTime<Utc> {
    now() + Duration::minutes(minutes)
}

/// A definition of `nodes` that starts at the first one.
pub(super) fn definition(nodes: Vec<Node>) -> ProcessDefinition {
    let start = nodes.first().map(|n| n.id.clone()).unwrap_or_default();
    ProcessDefinition::new("def", "测试流程", &start, nodes)
}

/// Starts an instance at `now()` with no standing delegations.
pub(super) fn start_instance(
    id: &str,
    document_id: &str,
    initiator: &str,
    def: &ProcessDefinition,
) -> Result<Instance, DefinitionError> {
    Instance::start(Env::new(def), id, document_id, initiator, now())
}

/// A submission by a plain actor, with an id unique to the actor, version and action.
pub(super) fn submission(
    instance: &Instance,
    actor: &str,
    base: u64,
    command: &Command,
    at: DateTime<Utc>,
) -> Submission {
    Submission {
        command_id: format!("{actor}@{}:{}", instance.version, command.name()),
        actor: Actor::user(actor),
        acting_for: None,
        base_version: base,
        command: command.clone(),
        at,
    }
}

/// `execute` in the short form: the new state and its events.
pub(super) fn exec(
    def: &ProcessDefinition,
    instance: &Instance,
    actor: &str,
    base: u64,
    command: &Command,
    at: DateTime<Utc>,
) -> Result<(Instance, Vec<Event>), Rejection> {
    let sub = submission(instance, actor, base, command, at);
    match execute(Env::new(def), instance, &sub)? {
        Outcome::Applied { instance, record } => Ok((*instance, record.events)),
        Outcome::Duplicate { .. } => panic!("a fresh command id was taken for a duplicate"),
    }
}

/// `decide` in the short form: the events, or the refusal.
pub(super) fn dec(
    def: &ProcessDefinition,
    instance: &Instance,
    actor: &str,
    base: u64,
    command: &Command,
    at: DateTime<Utc>,
) -> Result<Vec<Event>, Rejection> {
    match decide(
        Env::new(def),
        instance,
        &submission(instance, actor, base, command, at),
    )? {
        Verdict::Accepted(record) => Ok(record.events),
        Verdict::Duplicate { .. } => panic!("a fresh command id was taken for a duplicate"),
    }
}

/// `controls` for a plain viewer at `now()`.
pub(super) fn ctl(
    def: &ProcessDefinition,
    instance: &Instance,
    viewer: &str,
    task_id: &str,
) -> Controls {
    controls(
        Env::new(def),
        instance,
        &Actor::user(viewer),
        task_id,
        now(),
    )
}

/// The open, pending task `user` holds, by id.
pub(super) fn task_of(instance: &Instance, user: &str) -> String {
    instance
        .tasks
        .iter()
        .find(|t| t.is_held_by(user) && t.state.is_pending())
        .map(|t| t.id.clone())
        .unwrap_or_else(|| panic!("{user} holds no pending task"))
}

/// Who holds a pending task, in task order.
pub(super) fn pending_users(instance: &Instance) -> Vec<&str> {
    instance
        .tasks
        .iter()
        .filter(|t| t.state.is_pending())
        .map(|t| t.assignee.as_str())
        .collect()
}

/// Runs `command` by `actor` on the current version; panics with the refusal if refused.
pub(super) fn run(
    def: &ProcessDefinition,
    inst: &Instance,
    actor: &str,
    command: Command,
) -> Instance {
    match exec(def, inst, actor, inst.version, &command, now()) {
        Ok((next, _)) => next,
        Err(rejection) => panic!("{actor}: {command:?} refused: {rejection}"),
    }
}

/// The code `command` by `actor` is refused with on the current version.
pub(super) fn refusal(
    def: &ProcessDefinition,
    inst: &Instance,
    actor: &str,
    command: Command,
) -> RejectionCode {
    match dec(def, inst, actor, inst.version, &command, now()) {
        Ok(events) => panic!("{actor}: {command:?} was accepted: {events:?}"),
        Err(rejection) => rejection.code,
    }
}

/// 同意 with a short opinion, by the only route.
pub(super) fn agree(task_id: &str) -> Command {
    Command::Approve {
        task_id: task_id.into(),
        route: None,
        opinion: Opinion::agree("同意"),
    }
}

/// Runs `command` by `actor` (with roles, maybe for a leader) in `env` at `at`: the new state, or
/// the refusal code.
pub(super) fn run_in(
    env: Env<'_>,
    inst: &Instance,
    actor: Actor,
    acting_for: Option<&str>,
    command: Command,
    at: DateTime<Utc>,
) -> Result<Instance, RejectionCode> {
    let sub = Submission {
        command_id: format!("{}@{}:{}", actor.user, inst.version, command.name()),
        actor,
        acting_for: acting_for.map(str::to_owned),
        base_version: inst.version,
        command,
        at,
    };
    match execute(env, inst, &sub) {
        Ok(Outcome::Applied { instance, .. }) => Ok(*instance),
        Ok(Outcome::Duplicate { .. }) => panic!("a fresh command id was taken for a duplicate"),
        Err(rejection) => Err(rejection.code),
    }
}
