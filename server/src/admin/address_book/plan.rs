//! What an address book import would change, and changing it: each checked row is compared with
//! the unit's people by login and post (an identity's key) and becomes a new identity, a change
//! of the fields that differ (姓名, 角色, 处室, 办公电话), or nothing. People the file does not
//! name are left as they are: an import adds and corrects, it never removes anyone.
//!
//! The plan is computed inside the caller's transaction both for the preview and for the apply,
//! so what is applied is checked against the data as it is at that moment, not as it was shown.

use super::super::people::{insert_user, NewUser};
use super::AdminActor;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::Roles;
use std::collections::HashMap;

/// What importing one row does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A new identity.
    New,
    /// The identity exists and these fields (`name`, `role`, `department`, `office_phone`)
    /// differ.
    Changed {
        /// The identity.
        user_id: String,
        /// The fields that change, in that order.
        fields: Vec<&'static str>,
    },
    /// The identity exists with exactly these fields.
    Unchanged {
        /// The identity.
        user_id: String,
    },
}

/// One checked row and what importing it does.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The row's line in the file.
    pub line: usize,
    /// The row (trimmed).
    pub user: NewUser,
    /// Its canonical role.
    pub role: &'static str,
    /// What importing it does.
    pub action: Action,
}

/// An identity of the unit as the comparison needs it.
struct Held {
    user_id: String,
    name: String,
    role: String,
    department: String,
    office_phone: String,
}

/// Compares checked rows with `unit_id`'s people, in the caller's transaction.
pub fn plan(
    sql: &mut dyn Sql,
    unit_id: &str,
    rows: Vec<(usize, NewUser, &'static str)>,
) -> Result<Vec<Planned>, ApiError> {
    let mut held = HashMap::new();
    for r in sql.query(
        "SELECT u.id, u.login, u.post, u.name, u.role, e.department, e.office_phone
         FROM users u LEFT JOIN directory_entries e ON e.user_id = u.id WHERE u.unit_id = ?1",
        args![unit_id],
    )? {
        held.insert(
            (r.text(1)?, r.text(2)?),
            Held {
                user_id: r.text(0)?,
                name: r.text(3)?,
                role: r.text(4)?,
                department: r.opt_text(5)?.unwrap_or_default(),
                office_phone: r.opt_text(6)?.unwrap_or_default(),
            },
        );
    }
    Ok(rows
        .into_iter()
        .map(|(line, user, role)| {
            let action = match held.get(&(user.login.clone(), user.post.clone())) {
                None => Action::New,
                Some(h) => {
                    let fields: Vec<&'static str> = [
                        ("name", h.name == user.name),
                        ("role", h.role == role),
                        ("department", h.department == user.department),
                        ("office_phone", h.office_phone == user.office_phone),
                    ]
                    .into_iter()
                    .filter(|(_, same)| !same)
                    .map(|(field, _)| field)
                    .collect();
                    let user_id = h.user_id.clone();
                    if fields.is_empty() {
                        Action::Unchanged { user_id }
                    } else {
                        Action::Changed { user_id, fields }
                    }
                }
            };
            Planned {
                line,
                user,
                role,
                action,
            }
        })
        .collect())
}

/// Applies `planned` in `unit_id` in the caller's transaction: each new identity and each
/// changed one is audited under `actor`, with `source` saying where the rows came from.
pub fn apply_plan(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: &str,
    planned: &[Planned],
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for row in planned {
        match &row.action {
            Action::New => {
                insert_user(sql, actor, unit_id, &row.user, row.role, source, now)?;
            }
            Action::Changed { user_id, fields } => {
                update(sql, user_id, row)?;
                // Field names only: a phone number stays out of the log.
                actor.audit(
                    sql,
                    Some(unit_id),
                    "user.updated",
                    user_id,
                    serde_json::json!({
                        "fields": fields, "role": row.role, "source": source,
                        "department": row.user.department,
                    }),
                    now,
                )?;
            }
            Action::Unchanged { .. } => {}
        }
    }
    Ok(())
}

/// Writes a changed row's fields over its identity.
fn update(sql: &mut dyn Sql, user_id: &str, row: &Planned) -> Result<(), ApiError> {
    let held = sql.query_one("SELECT roles FROM users WHERE id = ?1", args![user_id])?;
    let old: Roles = decode(&held.text(0)?)?;
    // The role decides the administrator flag; leaders signed for stay only with a secretary.
    let roles = Roles {
        unit_admin: row.role == "unit_admin",
        secretary_for: if row.role == "secretary" {
            old.secretary_for.clone()
        } else {
            Vec::new()
        },
        ..old
    };
    sql.execute(
        "UPDATE users SET name = ?1, role = ?2, roles = ?3 WHERE id = ?4",
        args![&row.user.name, row.role, encode(&roles)?, user_id],
    )?;
    sql.execute(
        "INSERT INTO directory_entries (user_id, department, office_phone, listed)
         VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (user_id) DO UPDATE SET department = excluded.department,
            office_phone = excluded.office_phone",
        args![user_id, &row.user.department, &row.user.office_phone],
    )?;
    Ok(())
}
