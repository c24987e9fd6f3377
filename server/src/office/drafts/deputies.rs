//! 委托代理 kept by a leader's secretary at the console: the leader's standing delegations listed
//! (through [`crate::delegations::list`], as the leader's phone sees them), one set with a deputy
//! and a window, one ended early. The rules are the phone's (a deputy of the unit other than the
//! leader, a window ending in the future and no longer than the 92 days a principal may set);
//! the audit names the secretary who set the rule and the leader it is for.

use super::acting::secretary_of;
use super::{DraftError, Invalid};
use crate::actor::AdminActor;
use crate::auth::AuthedDevice;
use crate::db::{decode, encode, Db};
use crate::delegations;
use crate::error::ApiError;
use crate::sql::{args, Sql};
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{DelegationScope, StandingDelegation};
use qianpi_protocol::delegations::{DelegationView, MAX_DELEGATION_DAYS};

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

/// Sets a standing delegation for the leader; returns its id.
pub async fn create(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    leader: &str,
    rule: NewRule,
    now: DateTime<Utc>,
) -> Result<String, DraftError> {
    if rule.to == leader {
        return Err(Invalid::DelegateToSelf.into());
    }
    if rule.end <= rule.start || rule.end <= now {
        return Err(Invalid::BadWindow.into());
    }
    if rule.end - rule.start > chrono::Duration::days(MAX_DELEGATION_DAYS) {
        return Err(Invalid::WindowTooLong.into());
    }
    let (actor, unit_id, leader) = (actor.clone(), unit_id.to_owned(), leader.to_owned());
    db.tx(move |sql| {
        if let Err(refused) = secretary_of(sql, &actor, &unit_id, &leader)? {
            return Ok(Err(refused));
        }
        let deputy = sql
            .query_opt(
                "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
                args![&rule.to, &unit_id],
            )?
            .is_some();
        if !deputy {
            return Ok(Err(Invalid::NoSuchDeputy.into()));
        }
        let stored = StandingDelegation {
            id: format!("dlg-{}", uuid::Uuid::now_v7()),
            from: leader.clone(),
            to: rule.to.clone(),
            scope: DelegationScope::All,
            start: rule.start,
            end: rule.end,
        };
        sql.execute(
            "INSERT INTO standing_delegations (id, unit_id, body, revoked_at)
             VALUES (?1, ?2, ?3, NULL)",
            args![&stored.id, &unit_id, encode(&stored)?],
        )?;
        audit(sql, &actor, &unit_id, "delegation.created", &stored, now)?;
        Ok(Ok(stored.id))
    })
    .await?
}

/// Ends the leader's rule `id` now; ending an ended rule changes nothing. A rule of anyone else
/// looks like none.
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
        let lock = sql.dialect().for_update();
        let row = sql.query_opt(
            &format!(
                "SELECT body, revoked_at FROM standing_delegations
                 WHERE id = ?1 AND unit_id = ?2{lock}"
            ),
            args![&id, &unit_id],
        )?;
        let Some(row) = row else {
            return Ok(Err(DraftError::NotFound));
        };
        let rule: StandingDelegation = decode(&row.text(0)?)?;
        if rule.from != leader {
            return Ok(Err(DraftError::NotFound));
        }
        if row.opt_text(1)?.is_none() {
            sql.execute(
                "UPDATE standing_delegations SET revoked_at = ?1 WHERE id = ?2",
                args![now.to_rfc3339(), &id],
            )?;
            audit(sql, &actor, &unit_id, "delegation.revoked", &rule, now)?;
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
