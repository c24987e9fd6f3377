//! 关注 — the flows a person of the office follows: the ones they started from a draft (followed
//! when started) and any flow of their unit they choose, listed with where each stands and
//! whether its initiator may still 撤销 it (asked of the workflow itself, so the list never offers
//! what the rules would refuse).

use super::{person_of_unit, DraftError};
use crate::actor::AdminActor;
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::instances::{load_instance, standing_delegations};
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::model::Urgency;
use qianpi_domain::workflow::{self, Actor, Command, Env, InstanceState, Roles, Submission};

/// A followed flow as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedFlow {
    /// Instance id.
    pub instance_id: String,
    /// The document's title.
    pub title: String,
    /// 紧急程度.
    pub urgency: Urgency,
    /// The instance's state.
    pub state: InstanceState,
    /// The node now open, by name.
    pub current_node: Option<String>,
    /// Names of the people with a pending task.
    pub pending_with: Vec<String>,
    /// The instance version (a 撤销 names it).
    pub version: u64,
    /// When it was followed.
    pub followed_at: DateTime<Utc>,
    /// Whether the person started it.
    pub started_by_me: bool,
    /// Whether the person may 撤销 it now.
    pub can_revoke: bool,
}

/// Follows `instance_id` (a flow of the actor's unit) for the actor; following twice is once.
pub async fn follow(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DraftError> {
    let (actor, unit_id, instance_id) = (actor.clone(), unit_id.to_owned(), instance_id.to_owned());
    db.tx(move |sql| {
        person_of_unit(sql, &actor, &unit_id)?;
        if !flow_of_unit(sql, &unit_id, &instance_id)? {
            return Ok(Err(DraftError::NotFound));
        }
        if insert(sql, &actor.actor, &instance_id, now)? {
            actor.audit(
                sql,
                Some(&unit_id),
                "flow.followed",
                &instance_id,
                serde_json::json!({}),
                now,
            )?;
        }
        Ok(Ok(()))
    })
    .await?
}

/// Stops following `instance_id`; not following it is no error.
pub async fn unfollow(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    instance_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DraftError> {
    let (actor, unit_id, instance_id) = (actor.clone(), unit_id.to_owned(), instance_id.to_owned());
    db.tx(move |sql| {
        person_of_unit(sql, &actor, &unit_id)?;
        if !flow_of_unit(sql, &unit_id, &instance_id)? {
            return Ok(Err(DraftError::NotFound));
        }
        let removed = sql.execute(
            "DELETE FROM office_follows WHERE user_id = ?1 AND instance_id = ?2",
            args![&actor.actor, &instance_id],
        )?;
        if removed > 0 {
            actor.audit(
                sql,
                Some(&unit_id),
                "flow.unfollowed",
                &instance_id,
                serde_json::json!({}),
                now,
            )?;
        }
        Ok(Ok(()))
    })
    .await?
}

/// The flows the actor follows, most recently followed first.
pub async fn followed(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<FollowedFlow>, DraftError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    Ok(db
        .tx(move |sql| {
            person_of_unit(sql, &actor, &unit_id)?;
            let rows = sql.query(
                "SELECT f.instance_id, f.followed_at FROM office_follows f
                 JOIN instances i ON i.id = f.instance_id
                 WHERE f.user_id = ?1 AND i.unit_id = ?2
                 ORDER BY f.followed_at DESC, f.instance_id",
                args![&actor.actor, &unit_id],
            )?;
            let roles = roles_of(sql, &actor.actor)?;
            let delegations = standing_delegations(sql, &unit_id)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let instance_id = row.text(0)?;
                let Some(flow) = load_instance(sql, &instance_id, false)? else {
                    continue;
                };
                let env = Env {
                    definition: &flow.definition,
                    delegations: &delegations,
                };
                // A dry run of the 撤销 the list would offer: the workflow's own answer.
                let probe = Submission {
                    command_id: format!("probe-{instance_id}"),
                    actor: Actor {
                        user: actor.actor.clone(),
                        roles: roles.clone(),
                    },
                    acting_for: None,
                    base_version: flow.instance.version,
                    command: Command::Revoke,
                    at: now,
                };
                let can_revoke = workflow::decide(env, &flow.instance, &probe).is_ok();
                let mut pending_with = Vec::new();
                for task in flow
                    .instance
                    .tasks
                    .iter()
                    .filter(|t| t.state.is_pending() && !t.assignee.is_empty())
                {
                    pending_with.push(name_of(sql, &task.assignee)?);
                }
                out.push(FollowedFlow {
                    title: flow.document.title.clone(),
                    urgency: flow.document.urgency,
                    state: flow.instance.state,
                    current_node: flow
                        .instance
                        .current_node()
                        .and_then(|n| flow.definition.node(n))
                        .map(|n| n.name.clone()),
                    pending_with,
                    version: flow.instance.version,
                    followed_at: super::time(&row.text(1)?)?,
                    started_by_me: flow.instance.initiator == actor.actor,
                    can_revoke,
                    instance_id,
                });
            }
            Ok(out)
        })
        .await?)
}

/// Records that `user_id` follows `instance_id`; whether they did not already.
pub(super) fn insert(
    sql: &mut dyn Sql,
    user_id: &str,
    instance_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    Ok(sql.execute(
        "INSERT INTO office_follows (user_id, instance_id, followed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        args![user_id, instance_id, now.to_rfc3339()],
    )? == 1)
}

/// Whether `instance_id` is a flow of `unit_id`.
fn flow_of_unit(sql: &mut dyn Sql, unit_id: &str, instance_id: &str) -> Result<bool, ApiError> {
    Ok(sql
        .query_opt(
            "SELECT id FROM instances WHERE id = ?1 AND unit_id = ?2",
            args![instance_id, unit_id],
        )?
        .is_some())
}

/// A person's workflow roles (secretary of whom, unit administrator).
pub(super) fn roles_of(sql: &mut dyn Sql, user_id: &str) -> Result<Roles, ApiError> {
    match sql.query_opt("SELECT roles FROM users WHERE id = ?1", args![user_id])? {
        Some(row) => decode(&row.text(0)?),
        None => Ok(Roles::default()),
    }
}

/// A person's name, or their id if they are gone.
pub(super) fn name_of(sql: &mut dyn Sql, user_id: &str) -> Result<String, ApiError> {
    Ok(sql
        .query_opt("SELECT name FROM users WHERE id = ?1", args![user_id])?
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_else(|| user_id.to_owned()))
}
