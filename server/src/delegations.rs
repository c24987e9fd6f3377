//! 委托代理 set by the principal from their phone: a rule naming a deputy of the same unit for a
//! window, the rules that name a person, and the early end of one's own rule. Rules live in
//! `standing_delegations` beside the ones an administrator loads, so the workflow decides with
//! both ([`crate::instances::standing_delegations`]); every change is audited.

use crate::audit::{self, Event};
use crate::auth::AuthedDevice;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{DelegationScope, StandingDelegation};
use qianpi_protocol::delegations::{DelegationView, NewDelegation, MAX_DELEGATION_DAYS};

/// Why a standing delegation cannot be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    /// The deputy is the principal.
    ToSelf,
    /// The window is empty or already over.
    BadWindow,
    /// The window is longer than [`MAX_DELEGATION_DAYS`].
    TooLong,
    /// The deputy is not a person of the unit.
    NoSuchDeputy,
    /// The process scope names no definition of the unit.
    NoSuchDefinition,
}

impl From<RuleError> for ApiError {
    fn from(e: RuleError) -> ApiError {
        let (code, message) = match e {
            RuleError::ToSelf => (
                "delegate_to_self",
                "a rule must name another person as deputy",
            ),
            RuleError::BadWindow => (
                "bad_window",
                "the window must end after it starts, and in the future",
            ),
            RuleError::TooLong => ("window_too_long", "a rule may last at most 92 days"),
            RuleError::NoSuchDeputy => {
                ("no_such_deputy", "the deputy is not a person of your unit")
            }
            RuleError::NoSuchDefinition => ("no_such_definition", "no such process in your unit"),
        };
        ApiError::bad_request(code, message)
    }
}

/// Checks `request` as a rule of `principal` in `unit_id` (a deputy of the unit other than the
/// principal, a window ending after it starts and in the future and no longer than
/// [`MAX_DELEGATION_DAYS`], a process of the unit) and stores it. Whoever sets it audits it:
/// the principal's phone ([`create`]) or their secretary at the console.
pub fn store(
    sql: &mut dyn Sql,
    unit_id: &str,
    principal: &str,
    request: &NewDelegation,
    now: DateTime<Utc>,
) -> Result<Result<StandingDelegation, RuleError>, ApiError> {
    if request.to == principal {
        return Ok(Err(RuleError::ToSelf));
    }
    if request.end <= request.start || request.end <= now {
        return Ok(Err(RuleError::BadWindow));
    }
    if request.end - request.start > chrono::Duration::days(MAX_DELEGATION_DAYS) {
        return Ok(Err(RuleError::TooLong));
    }
    let same_unit = sql
        .query_opt(
            "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2",
            args![&request.to, unit_id],
        )?
        .is_some();
    if !same_unit {
        return Ok(Err(RuleError::NoSuchDeputy));
    }
    if let DelegationScope::Process { definition_id } = &request.scope {
        let known = sql
            .query_opt(
                "SELECT id FROM definitions WHERE id = ?1 AND unit_id = ?2",
                args![definition_id, unit_id],
            )?
            .is_some();
        if !known {
            return Ok(Err(RuleError::NoSuchDefinition));
        }
    }
    let rule = StandingDelegation {
        id: format!("dlg-{}", uuid::Uuid::now_v7()),
        from: principal.to_owned(),
        to: request.to.clone(),
        scope: request.scope.clone(),
        start: request.start,
        end: request.end,
    };
    sql.execute(
        "INSERT INTO standing_delegations (id, unit_id, body, revoked_at) VALUES (?1, ?2, ?3, NULL)",
        args![&rule.id, unit_id, encode(&rule)?],
    )?;
    Ok(Ok(rule))
}

/// Stores `request` as a rule of the device's user ([`store`]'s checks) and audits it under them.
pub fn create(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    request: &NewDelegation,
    now: DateTime<Utc>,
) -> Result<DelegationView, ApiError> {
    let rule = store(sql, &device.unit_id, &device.user_id, request, now)??;
    audit_change(sql, device, "delegation.created", &rule, now)?;
    Ok(view(rule, None))
}

/// The rules of the device's unit that name its user as principal or deputy, newest window
/// first; revoked and expired ones included, so a phone shows what was in force.
pub fn list(sql: &mut dyn Sql, device: &AuthedDevice) -> Result<Vec<DelegationView>, ApiError> {
    let mut rules = Vec::new();
    for row in sql.query(
        "SELECT body, revoked_at FROM standing_delegations WHERE unit_id = ?1",
        args![&device.unit_id],
    )? {
        let rule: StandingDelegation = decode(&row.text(0)?)?;
        if rule.from != device.user_id && rule.to != device.user_id {
            continue;
        }
        let revoked_at = row
            .opt_text(1)?
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| ApiError::internal("a stored revocation time is malformed"))
            })
            .transpose()?;
        rules.push(view(rule, revoked_at));
    }
    rules.sort_by(|a, b| b.start.cmp(&a.start).then_with(|| a.id.cmp(&b.id)));
    Ok(rules)
}

/// A rule ended by [`end_rule`].
#[derive(Debug, Clone)]
pub struct Ended {
    /// The rule.
    pub rule: StandingDelegation,
    /// When it was ended.
    pub at: DateTime<Utc>,
    /// Whether this call ended it (false: it had been ended before, at `at`).
    pub now: bool,
}

/// Ends `principal`'s rule `id` of `unit_id` now; `None` for no such rule of theirs (a rule of
/// someone else looks like none). Ending twice keeps the first time. Whoever ends it audits it.
pub fn end_rule(
    sql: &mut dyn Sql,
    unit_id: &str,
    principal: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ended>, ApiError> {
    let lock = sql.dialect().for_update();
    let row = sql.query_opt(
        &format!(
            "SELECT body, revoked_at FROM standing_delegations WHERE id = ?1 AND unit_id = ?2{lock}"
        ),
        args![id, unit_id],
    )?;
    let rule = match row {
        Some(row) => Some((
            decode::<StandingDelegation>(&row.text(0)?)?,
            row.opt_text(1)?,
        )),
        None => None,
    };
    let Some((rule, revoked)) = rule.filter(|(rule, _)| rule.from == principal) else {
        return Ok(None);
    };
    if let Some(text) = revoked {
        let at = DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::internal("a stored revocation time is malformed"))?;
        return Ok(Some(Ended {
            rule,
            at,
            now: false,
        }));
    }
    sql.execute(
        "UPDATE standing_delegations SET revoked_at = ?1 WHERE id = ?2",
        args![now.to_rfc3339(), id],
    )?;
    Ok(Some(Ended {
        rule,
        at: now,
        now: true,
    }))
}

/// Ends the device user's own rule `id` now ([`end_rule`]), audited under them.
pub fn revoke(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    id: &str,
    now: DateTime<Utc>,
) -> Result<DelegationView, ApiError> {
    let Some(ended) = end_rule(sql, &device.unit_id, &device.user_id, id, now)? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_delegation",
            "no such standing delegation of yours",
        ));
    };
    if ended.now {
        audit_change(sql, device, "delegation.revoked", &ended.rule, now)?;
    }
    Ok(view(ended.rule, Some(ended.at)))
}

fn view(rule: StandingDelegation, revoked_at: Option<DateTime<Utc>>) -> DelegationView {
    DelegationView {
        id: rule.id,
        from: rule.from,
        to: rule.to,
        scope: rule.scope,
        start: rule.start,
        end: rule.end,
        revoked_at,
    }
}

fn audit_change(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    kind: &str,
    rule: &StandingDelegation,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    audit::append(
        sql,
        &Event {
            unit_id: Some(&device.unit_id),
            actor: &device.user_id,
            kind,
            subject: &rule.id,
            detail: serde_json::json!({
                "to": rule.to, "start": rule.start, "end": rule.end,
                "device_id": device.device_id,
            }),
        },
        now,
    )?;
    Ok(())
}
