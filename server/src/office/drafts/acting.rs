//! Commands the office enters on a flow from the console, decided by the same workflow code that
//! decides a phone's: the initiator's 撤销 (refused once anyone approved), and a secretary's 代签
//! — the leader's decision on the leader's pending task, entered with `acting_for` the leader by
//! a secretary whose `secretary_for` names him. The instance, its trace record, the feed changes
//! of everyone it reaches and the audit entry (under the person at the console, naming the
//! leader) are written in one transaction; a refusal changes nothing.

use super::follows::{name_of, roles_of};
use super::{person_of_unit, DraftError, Invalid};
use crate::actor::AdminActor;
use crate::db::Db;
use crate::error::ApiError;
use crate::instances::load_instance;
use crate::office::command::{self, NotApplied};
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::model::{Attitude, Opinion, Urgency};
use qianpi_domain::workflow::{Actor, Command, InstanceState, RejectPolicy, Submission};

/// A leader a secretary may enter decisions for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    /// User id.
    pub id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
}

/// A pending task of a leader, as the secretary's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderTask {
    /// Instance id.
    pub instance_id: String,
    /// Task id.
    pub task_id: String,
    /// Instance version the entry is decided on.
    pub version: u64,
    /// The document's title.
    pub title: String,
    /// 紧急程度.
    pub urgency: Urgency,
    /// The node's name.
    pub node: String,
    /// The routes the leader may choose: (id, label).
    pub routes: Vec<(String, String)>,
    /// Whether the node only takes 已阅.
    pub read_only: bool,
    /// Whether the node allows 驳回.
    pub may_reject: bool,
    /// 办理时限, if any.
    pub deadline: Option<DateTime<Utc>>,
}

/// The leader's decision as the secretary enters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 同意.
    Agree,
    /// 不同意 (the flow continues).
    Disagree,
    /// 驳回.
    Reject,
    /// 已阅 (a read-only node).
    Read,
}

/// A 代签 entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The leader it is entered for.
    pub leader: String,
    /// The flow.
    pub instance_id: String,
    /// The leader's task.
    pub task_id: String,
    /// The version the secretary saw.
    pub base_version: u64,
    /// What the leader decided.
    pub decision: Decision,
    /// The route, where the node has several.
    pub route: Option<String>,
    /// The leader's opinion, as the secretary types it.
    pub opinion: String,
}

/// 撤销 of `instance_id` by the actor, its initiator, on `base_version`. Returns the new version.
pub async fn revoke(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    base_version: u64,
    now: DateTime<Utc>,
) -> Result<u64, DraftError> {
    let (actor, unit_id, instance_id) = (actor.clone(), unit_id.to_owned(), instance_id.to_owned());
    db.tx(move |sql| {
        person_of_unit(sql, &actor, &unit_id)?;
        let submission = Submission {
            command_id: format!("console-{}", uuid::Uuid::now_v7()),
            actor: Actor {
                user: actor.actor.clone(),
                roles: roles_of(sql, &actor.actor)?,
            },
            acting_for: None,
            base_version,
            command: Command::Revoke,
            at: now,
        };
        let detail = serde_json::json!({});
        decide(
            sql,
            &actor,
            &unit_id,
            &instance_id,
            &submission,
            "flow.revoked",
            detail,
            now,
        )
    })
    .await?
}

/// The leaders the actor may enter decisions for (their `secretary_for`), by name.
pub async fn leaders(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
) -> Result<Vec<Leader>, DraftError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    Ok(db
        .tx(move |sql| {
            person_of_unit(sql, &actor, &unit_id)?;
            let mut out = Vec::new();
            for id in roles_of(sql, &actor.actor)?.secretary_for {
                if let Some(row) = sql.query_opt(
                    "SELECT name, post FROM users WHERE id = ?1 AND unit_id = ?2",
                    args![&id, &unit_id],
                )? {
                    out.push(Leader {
                        name: row.text(0)?,
                        post: row.text(1)?,
                        id,
                    });
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
            Ok(out)
        })
        .await?)
}

/// The leader's pending tasks on running flows of the unit, most urgent and oldest first;
/// `NotSecretary` unless the actor is the leader's secretary.
pub async fn pending_of(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
) -> Result<(Leader, Vec<LeaderTask>), DraftError> {
    let (actor, unit_id, leader) = (actor.clone(), unit_id.to_owned(), leader.to_owned());
    db.tx(move |sql| {
        let leader = match secretary_of(sql, &actor, &unit_id, &leader)? {
            Ok(leader) => leader,
            Err(refused) => return Ok(Err(refused)),
        };
        // Only a running flow holds pending tasks: the flow index (brought up to date first)
        // names them, so finished flows are never read.
        crate::office::flows::refresh(sql, &unit_id, Utc::now())?;
        let ids = sql.query(
            "SELECT instance_id FROM flow_index WHERE unit_id = ?1 AND state = ?2
             ORDER BY instance_id",
            args![
                &unit_id,
                crate::office::flows::state_name(InstanceState::Running)
            ],
        )?;
        let mut tasks = Vec::new();
        for row in ids {
            let Some(flow) = load_instance(sql, &row.text(0)?, false)? else {
                continue;
            };
            if flow.instance.state != InstanceState::Running {
                continue;
            }
            for task in flow
                .instance
                .tasks
                .iter()
                .filter(|t| t.state.is_pending() && t.assignee == leader.id)
            {
                let Some(node) = flow.definition.node(&task.node_id) else {
                    continue;
                };
                tasks.push(LeaderTask {
                    instance_id: flow.instance.id.clone(),
                    task_id: task.id.clone(),
                    version: flow.instance.version,
                    title: flow.document.title.clone(),
                    urgency: flow.document.urgency,
                    node: node.name.clone(),
                    routes: node
                        .routes
                        .iter()
                        .map(|r| (r.id.clone(), r.label.clone()))
                        .collect(),
                    read_only: node.read_only,
                    may_reject: node.reject != RejectPolicy::NotAllowed,
                    deadline: task.deadline,
                });
            }
        }
        tasks.sort_by_key(|t| {
            let rank = match t.urgency {
                Urgency::ExtraUrgent => 0,
                Urgency::Urgent => 1,
                _ => 2,
            };
            (
                rank,
                t.deadline.is_none(),
                t.deadline,
                t.instance_id.clone(),
            )
        });
        Ok(Ok((leader, tasks)))
    })
    .await?
}

/// 代签: enters the leader's decision on their task, decided by the workflow with `acting_for`
/// the leader. Returns the new version.
pub async fn enter_for_leader(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    entry: Entry,
    now: DateTime<Utc>,
) -> Result<u64, DraftError> {
    if entry.opinion.chars().count() > qianpi_domain::workflow::MAX_OPINION_CHARS {
        return Err(Invalid::OpinionTooLong.into());
    }
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        let leader = match secretary_of(sql, &actor, &unit_id, &entry.leader)? {
            Ok(leader) => leader,
            Err(refused) => return Ok(Err(refused)),
        };
        let text = entry.opinion.trim();
        let task_id = entry.task_id.clone();
        let command = match entry.decision {
            Decision::Agree | Decision::Disagree => {
                let attitude = match entry.decision {
                    Decision::Disagree => Attitude::Disagree,
                    _ => Attitude::Agree,
                };
                let text = if text.is_empty() {
                    attitude.label_zh()
                } else {
                    text
                };
                Command::Approve {
                    task_id,
                    route: entry.route.clone().filter(|r| !r.is_empty()),
                    opinion: Opinion::new(attitude, text),
                }
            }
            Decision::Reject => Command::Reject {
                task_id,
                opinion: Opinion::new(Attitude::Disagree, text),
            },
            Decision::Read => Command::MarkRead { task_id },
        };
        let submission = Submission {
            command_id: format!("console-{}", uuid::Uuid::now_v7()),
            actor: Actor {
                user: actor.actor.clone(),
                roles: roles_of(sql, &actor.actor)?,
            },
            acting_for: Some(leader.id.clone()),
            base_version: entry.base_version,
            command,
            at: now,
        };
        let detail = serde_json::json!({
            "leader": leader.id, "leader_name": leader.name, "task_id": entry.task_id,
            "action": submission.command.name(),
        });
        decide(
            sql,
            &actor,
            &unit_id,
            &entry.instance_id,
            &submission,
            "flow.entered_for_leader",
            detail,
            now,
        )
    })
    .await?
}

/// The leader `leader` if the actor, a person of the unit, is their secretary; `NotSecretary`
/// otherwise (also for a leader who is no person of the unit: a secretary names only their own).
pub(super) fn secretary_of(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
) -> Result<Result<Leader, DraftError>, ApiError> {
    person_of_unit(sql, actor, unit_id)?;
    if !roles_of(sql, &actor.actor)?
        .secretary_for
        .iter()
        .any(|l| l == leader)
    {
        return Ok(Err(DraftError::NotSecretary));
    }
    let Some(row) = sql.query_opt(
        "SELECT name, post FROM users WHERE id = ?1 AND unit_id = ?2",
        args![leader, unit_id],
    )?
    else {
        return Ok(Err(DraftError::NotSecretary));
    };
    Ok(Ok(Leader {
        id: leader.to_owned(),
        name: row.text(0)?,
        post: row.text(1)?,
    }))
}

/// Applies `submission` to `instance_id` (a flow of the unit) as the actor and, when accepted,
/// writes the audit entry `kind` under them.
#[allow(clippy::too_many_arguments)]
fn decide(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    submission: &Submission,
    kind: &str,
    mut detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Result<u64, DraftError>, ApiError> {
    let next = match command::apply(sql, unit_id, instance_id, submission, &actor.actor)? {
        Ok(applied) => applied.instance,
        Err(NotApplied::NotFound) => return Ok(Err(DraftError::NotFound)),
        Err(NotApplied::Refused(code)) => return Ok(Err(DraftError::Refused(code))),
    };
    if let Some(map) = detail.as_object_mut() {
        map.insert("version".into(), next.version.into());
        map.insert("command_id".into(), submission.command_id.clone().into());
        map.insert("actor_name".into(), name_of(sql, &actor.actor)?.into());
    }
    actor.audit(sql, Some(unit_id), kind, instance_id, detail, now)?;
    Ok(Ok(next.version))
}
