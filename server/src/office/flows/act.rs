//! 催办 and 终止 from the office. The gateway applies them as the acting office person through
//! the same workflow code a phone's command goes through (who may urge, the urge interval, who
//! may terminate and that a reason is given are the workflow's rules), on the version the person
//! saw, and writes the instance, its trace entry, the feed changes that carry it to the phones
//! of everyone on the flow, and the audit entry under the person's name in one transaction.

use super::FlowError;
use crate::actor::AdminActor;
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::instances::{standing_delegations, LoadedFlow};
use crate::office::command::{self, Applied, NotApplied};
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{
    self, Actor, Command, Env, InstanceState, Opinion, RejectionCode, Roles, Submission,
};

/// The office person reading or acting on a flow, with what their console roles give them in
/// the workflow: a unit administrator may terminate any flow of the unit and urge any (单位管理员,
/// 督办); a registrar follows up the documents the office registered and may urge them (督办);
/// anyone else acts with the roles their person has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    /// Their person (user id) in the unit.
    pub user_id: String,
    /// Whether they may act on flows from the console at all (administrator, registrar, drafter).
    pub may_act: bool,
    /// Administrator of the unit.
    pub administrator: bool,
    /// Registrar (收文登记).
    pub registrar: bool,
}

/// What an accepted action left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acted {
    /// The flow's version now.
    pub version: u64,
    /// Its state now.
    pub state: InstanceState,
}

/// 催办: reminds the current handlers of flow `instance_id`, decided on `base_version`.
pub async fn urge(
    db: &Db,
    auditor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    base_version: u64,
    acting: &Acting,
    now: DateTime<Utc>,
) -> Result<Acted, FlowError> {
    run(
        db,
        auditor,
        unit_id,
        instance_id,
        base_version,
        acting,
        Command::Urge,
        now,
    )
    .await
}

/// 终止: ends flow `instance_id` with `reason`, decided on `base_version`.
#[allow(clippy::too_many_arguments)]
pub async fn terminate(
    db: &Db,
    auditor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    base_version: u64,
    acting: &Acting,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Acted, FlowError> {
    if reason.trim().is_empty() {
        return Err(FlowError::ReasonRequired);
    }
    let command = Command::Terminate {
        opinion: Opinion::disagree(reason.trim()),
    };
    run(
        db,
        auditor,
        unit_id,
        instance_id,
        base_version,
        acting,
        command,
        now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn run(
    db: &Db,
    auditor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    base_version: u64,
    acting: &Acting,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Acted, FlowError> {
    if !acting.may_act {
        return Err(FlowError::Refused(RejectionCode::NotAuthorised));
    }
    let (auditor, unit_id, instance_id, acting) = (
        auditor.clone(),
        unit_id.to_owned(),
        instance_id.to_owned(),
        acting.clone(),
    );
    db.tx(move |sql| {
        let actor = workflow_actor(sql, &acting)?;
        let submission = Submission {
            command_id: format!("office-{}", uuid::Uuid::now_v7()),
            actor,
            acting_for: None,
            base_version,
            command: command.clone(),
            at: now,
        };
        let applied = command::apply(sql, &unit_id, &instance_id, &submission, &acting.user_id)?;
        let Applied {
            instance: next,
            trace,
        } = match applied {
            Ok(applied) => applied,
            Err(NotApplied::NotFound) => return Ok(Err(FlowError::NotFound)),
            Err(NotApplied::Refused(code)) => return Ok(Err(FlowError::Refused(code))),
        };
        let (kind, detail) = match &command {
            Command::Urge => (
                "flow.urged",
                serde_json::json!({
                    "command_id": submission.command_id, "instance_version": next.version,
                    "urged": urged_count(&trace),
                }),
            ),
            _ => (
                "flow.terminated",
                serde_json::json!({
                    "command_id": submission.command_id, "instance_version": next.version,
                }),
            ),
        };
        auditor.audit(sql, Some(&unit_id), kind, &next.id, detail, now)?;
        Ok(Ok(Acted {
            version: next.version,
            state: next.state,
        }))
    })
    .await?
}

/// How many tasks a 催办 reached.
fn urged_count(trace: &workflow::TraceRecord) -> usize {
    trace
        .events
        .iter()
        .map(|event| match event {
            workflow::Event::TasksUrged { task_ids, .. } => task_ids.len(),
            _ => 0,
        })
        .sum()
}

/// The office person as the workflow knows them: their person's roles, with what their console
/// roles add.
fn workflow_actor(sql: &mut dyn Sql, acting: &Acting) -> Result<Actor, ApiError> {
    let stored = sql
        .query_opt(
            "SELECT roles FROM users WHERE id = ?1",
            args![&acting.user_id],
        )?
        .map(|row| row.text(0))
        .transpose()?;
    let mut roles: Roles = match stored {
        Some(text) => decode(&text)?,
        None => Roles::default(),
    };
    roles.unit_admin |= acting.administrator;
    roles.supervisor |= acting.administrator || acting.registrar;
    Ok(Actor {
        user: acting.user_id.clone(),
        roles,
    })
}

/// Whether `reader` may 催办 (or could but for the interval) and 终止 `flow` now: the workflow
/// asked about each, as the phones' control flags are.
pub(super) fn offered(
    sql: &mut dyn Sql,
    flow: &LoadedFlow,
    reader: &Acting,
    now: DateTime<Utc>,
) -> Result<(bool, bool), ApiError> {
    if !reader.may_act {
        return Ok((false, false));
    }
    let actor = workflow_actor(sql, reader)?;
    let delegations = standing_delegations(sql, &flow.unit_id)?;
    let env = Env {
        definition: &flow.definition,
        delegations: &delegations,
    };
    let probe = |command: Command| {
        let submission = Submission {
            // Never a real command id: a probe is never taken for a re-sent command.
            command_id: "\u{0}probe".to_owned(),
            actor: actor.clone(),
            acting_for: None,
            base_version: flow.instance.version,
            command,
            at: now,
        };
        workflow::decide(env, &flow.instance, &submission)
    };
    let urge = match probe(Command::Urge) {
        Ok(_) => true,
        Err(rejection) => rejection.code == RejectionCode::UrgeTooSoon,
    };
    let terminate = probe(Command::Terminate {
        opinion: Opinion::disagree("-"),
    })
    .is_ok();
    Ok((urge, terminate))
}
