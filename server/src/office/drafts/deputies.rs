//! 委托代理 kept by a leader's secretary at the console: the leader's standing delegations listed
//! (through [`crate::delegations::list`], as the leader's phone sees them), one set with a deputy
//! and a window, one ended early — checked, stored and ended by the very functions the leader's
//! phone goes through ([`crate::delegations::store`], [`crate::delegations::end_rule`]); the
//! audit names the secretary who set the rule and the leader it is for.

use super::acting::secretary_of;
use super::{DraftError, Invalid};
use crate::actor::AdminActor;
use crate::auth::AuthedDevice;
use crate::db::Db;
use crate::delegations::{self, RuleError};
use crate::error::ApiError;
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{DelegationScope, StandingDelegation};
use qianpi_protocol::delegations::{DelegationView, NewDelegation};

/// A rule to set for the leader.
#[derive(Debug, Clone)]
pub struct NewRule {
    /// The deputy's user id.
    pub to: String,
    /// Active from.
    pub start: DateTime<Utc>,
    /// Active until.
    pub end: DateTime<Utc>,
}

/// The leader's standing delegations (as principal), newest window first, with the deputies'
/// names; `NotSecretary` unless the actor is the leader's secretary.
pub async fn list(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
) -> Result<Vec<(DelegationView, String)>, DraftError> {
    let (actor, unit_id, leader) = (actor.clone(), unit_id.to_owned(), leader.to_owned());
    db.tx(move |sql| {
        if let Err(refused) = secretary_of(sql, &actor, &unit_id, &leader)? {
            return Ok(Err(refused));
        }
        // The list is the one the leader's phone gets; a read, so no device is involved.
        let principal = AuthedDevice {
            device_id: String::new(),
            user_id: leader.clone(),
            unit_id: unit_id.clone(),
        };
        let mut out = Vec::new();
        for rule in delegations::list(sql, &principal)? {
            if rule.from == leader {
                let name = super::follows::name_of(sql, &rule.to)?;
                out.push((rule, name));
            }
        }
        Ok(Ok(out))
    })
    .await?
}

/// Sets a standing delegation for the leader, under the rules a leader's own phone meets
/// ([`delegations::store`]); returns its id.
pub async fn create(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
    rule: NewRule,
    now: DateTime<Utc>,
) -> Result<String, DraftError> {
    let (actor, unit_id, leader) = (actor.clone(), unit_id.to_owned(), leader.to_owned());
    db.tx(move |sql| {
        if let Err(refused) = secretary_of(sql, &actor, &unit_id, &leader)? {
            return Ok(Err(refused));
        }
        let request = NewDelegation {
            to: rule.to.clone(),
            scope: DelegationScope::All,
            start: rule.start,
            end: rule.end,
        };
        let stored = match delegations::store(sql, &unit_id, &leader, &request, now)? {
            Ok(stored) => stored,
            Err(broken) => return Ok(Err(invalid(broken))),
        };
        audit(sql, &actor, &unit_id, "delegation.created", &stored, now)?;
        Ok(Ok(stored.id))
    })
    .await?
}

/// The console's wording of a rule that cannot be set.
fn invalid(broken: RuleError) -> DraftError {
    match broken {
        RuleError::ToSelf => Invalid::DelegateToSelf.into(),
        RuleError::BadWindow => Invalid::BadWindow.into(),
        RuleError::TooLong => Invalid::WindowTooLong.into(),
        // A secretary's rule covers every flow: no process to be missing.
        RuleError::NoSuchDeputy | RuleError::NoSuchDefinition => Invalid::NoSuchDeputy.into(),
    }
}

/// Ends the leader's rule `id` now ([`delegations::end_rule`]); ending an ended rule changes
/// nothing. A rule of anyone else looks like none.
pub async fn end(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), DraftError> {
    let (actor, unit_id, leader, id) = (
        actor.clone(),
        unit_id.to_owned(),
        leader.to_owned(),
        id.to_owned(),
    );
    db.tx(move |sql| {
        if let Err(refused) = secretary_of(sql, &actor, &unit_id, &leader)? {
            return Ok(Err(refused));
        }
        let Some(ended) = delegations::end_rule(sql, &unit_id, &leader, &id, now)? else {
            return Ok(Err(DraftError::NotFound));
        };
        if ended.now {
            audit(
                sql,
                &actor,
                &unit_id,
                "delegation.revoked",
                &ended.rule,
                now,
            )?;
        }
        Ok(Ok(()))
    })
    .await?
}

fn audit(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: &str,
    kind: &str,
    rule: &StandingDelegation,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    actor.audit(
        sql,
        Some(unit_id),
        kind,
        &rule.id,
        serde_json::json!({
            "for_leader": rule.from, "to": rule.to, "start": rule.start, "end": rule.end,
        }),
        now,
    )?;
    Ok(())
}

/// The people of the unit a leader's rule may name as deputy (everyone but the leader), by name:
/// (user id, name, post). `NotSecretary` unless the actor is the leader's secretary.
pub async fn deputies(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
) -> Result<Vec<(String, String, String)>, DraftError> {
    let (actor, unit_id, leader) = (actor.clone(), unit_id.to_owned(), leader.to_owned());
    db.tx(move |sql| {
        if let Err(refused) = secretary_of(sql, &actor, &unit_id, &leader)? {
            return Ok(Err(refused));
        }
        let people = sql
            .query(
                "SELECT id, name, post FROM users WHERE unit_id = ?1 AND id <> ?2
                 ORDER BY name, post, id",
                args![&unit_id, &leader],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(Ok(people))
    })
    .await?
}
