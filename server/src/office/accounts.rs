//! Creating and administering office accounts, by a unit's administrator (only in their unit:
//! another unit's person looks like no person at all) or by the operator at the command line.
//! Every change is audited in its own transaction under whoever made it; a change that takes
//! rights away (disable, new password, TOTP reset) also ends the account's sessions.

use super::password;
use super::{Account, Role};
use crate::actor::{not_found, AdminActor};
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::{Row, Sql, SqlError};
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

/// The columns [`from_row`] reads, joined with the identity.
pub(super) const COLUMNS: &str = "a.user_id, a.unit_id, a.login, u.name, u.post, a.roles, \
     CASE WHEN a.totp_secret IS NULL THEN 0 ELSE 1 END, a.locked_until, a.disabled";

/// An account from a row of [`COLUMNS`].
pub(super) fn from_row(row: &Row) -> Result<Account, SqlError> {
    from_row_at(row, 0)
}

/// An account from a row whose [`COLUMNS`] start at column `at`.
pub(super) fn from_row_at(row: &Row, at: usize) -> Result<Account, SqlError> {
    Ok(Account {
        user_id: row.text(at)?,
        unit_id: row.text(at + 1)?,
        login: row.text(at + 2)?,
        name: row.text(at + 3)?,
        post: row.text(at + 4)?,
        roles: Role::parse_list(&row.text(at + 5)?),
        enrolled: row.int(at + 6)? != 0,
        locked_until: row.int(at + 7)?,
        disabled: row.int(at + 8)? != 0,
    })
}

/// An account to create for an identity of the address book.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The identity.
    pub user_id: String,
    /// Its roles (at least one).
    pub roles: Vec<Role>,
    /// The first password, which the person should change.
    pub password: Zeroizing<String>,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, message)
}

/// Creates an account for a person of `unit_id`.
pub async fn create(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<Account, ApiError> {
    if new.roles.is_empty() {
        return Err(bad("invalid_roles", "an account needs at least one role"));
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&new.password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| bad("invalid_password", e.to_string()))?;
    let (actor, unit_id, user_id, roles) = (
        actor.clone(),
        unit_id.to_owned(),
        new.user_id,
        Role::join(&new.roles),
    );
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let login = sql
            .query_opt(
                "SELECT login FROM users WHERE id = ?1 AND unit_id = ?2",
                args![&user_id, &unit_id],
            )?
            .ok_or_else(|| not_found("no_such_user", format!("no person {user_id}")))?
            .text(0)?;
        let taken = sql
            .query_opt(
                "SELECT user_id FROM office_accounts WHERE login = ?1 OR user_id = ?2",
                args![&login, &user_id],
            )?
            .is_some();
        if taken {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "account_exists",
                format!("login {login} already has an office account"),
            ));
        }
        sql.execute(
            "INSERT INTO office_accounts (user_id, unit_id, login, roles, password_hash,
                totp_secret, totp_last_step, failures, locked_until, disabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL, 0, 0, 0, 0, ?6)",
            args![&user_id, &unit_id, &login, &roles, &hash, now.to_rfc3339()],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "console.account_created",
            &user_id,
            serde_json::json!({ "roles": roles }),
            now,
        )?;
        read(sql, &unit_id, &user_id)
    })
    .await
}

/// The unit's accounts, by login.
pub async fn list(db: &Db, actor: &AdminActor, unit_id: &str) -> Result<Vec<Account>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let rows = sql.query(
            &format!(
                "SELECT {COLUMNS} FROM office_accounts a JOIN users u ON u.id = a.user_id
                 WHERE a.unit_id = ?1 ORDER BY a.login"
            ),
            args![&unit_id],
        )?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    })
    .await
}

/// One account of the unit.
pub async fn get(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    user_id: &str,
) -> Result<Account, ApiError> {
    let (actor, unit_id, user_id) = (actor.clone(), unit_id.to_owned(), user_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        read(sql, &unit_id, &user_id)
    })
    .await
}

pub(super) fn read(sql: &mut dyn Sql, unit_id: &str, user_id: &str) -> Result<Account, ApiError> {
    let row = sql
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM office_accounts a JOIN users u ON u.id = a.user_id
                 WHERE a.user_id = ?1 AND a.unit_id = ?2"
            ),
            args![user_id, unit_id],
        )?
        .ok_or_else(|| not_found("no_such_account", format!("no office account {user_id}")))?;
    Ok(from_row(&row)?)
}

/// What an administrator changes on an account.
#[derive(Debug, Clone)]
pub enum Change {
    /// New roles (at least one).
    Roles(Vec<Role>),
    /// Lifts a lockout and forgets the failures.
    Unlock,
    /// Forgets the TOTP secret: the next login enrols a new one.
    ResetTotp,
    /// Disables (true) or enables the account.
    Disabled(bool),
    /// Sets a new password.
    Password(Zeroizing<String>),
}

impl Change {
    fn kind(&self) -> &'static str {
        match self {
            Change::Roles(_) => "console.account_roles",
            Change::Unlock => "console.account_unlocked",
            Change::ResetTotp => "console.account_totp_reset",
            Change::Disabled(true) => "console.account_disabled",
            Change::Disabled(false) => "console.account_enabled",
            Change::Password(_) => "console.account_password",
        }
    }
}

/// Applies `change` to an account of `unit_id`.
pub async fn change(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    user_id: &str,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Account, ApiError> {
    let new_hash = match &change {
        Change::Password(p) => {
            let p = p.clone();
            Some(
                tokio::task::spawn_blocking(move || password::hash(&p))
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))?
                    .map_err(|e| bad("invalid_password", e.to_string()))?,
            )
        }
        Change::Roles(roles) if roles.is_empty() => {
            return Err(bad("invalid_roles", "an account needs at least one role"))
        }
        _ => None,
    };
    let (actor, unit_id, user_id) = (actor.clone(), unit_id.to_owned(), user_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        read(sql, &unit_id, &user_id)?;
        let mut ends_sessions = true;
        let detail = match &change {
            Change::Roles(roles) => {
                let joined = Role::join(roles);
                sql.execute(
                    "UPDATE office_accounts SET roles = ?1 WHERE user_id = ?2",
                    args![&joined, &user_id],
                )?;
                ends_sessions = false;
                serde_json::json!({ "roles": joined })
            }
            Change::Unlock => {
                sql.execute(
                    "UPDATE office_accounts SET failures = 0, locked_until = 0 WHERE user_id = ?1",
                    args![&user_id],
                )?;
                ends_sessions = false;
                serde_json::json!({})
            }
            Change::ResetTotp => {
                sql.execute(
                    "UPDATE office_accounts SET totp_secret = NULL, totp_last_step = 0
                     WHERE user_id = ?1",
                    args![&user_id],
                )?;
                serde_json::json!({})
            }
            Change::Disabled(disabled) => {
                sql.execute(
                    "UPDATE office_accounts SET disabled = ?1 WHERE user_id = ?2",
                    args![*disabled, &user_id],
                )?;
                ends_sessions = *disabled;
                serde_json::json!({})
            }
            Change::Password(_) => {
                sql.execute(
                    "UPDATE office_accounts SET password_hash = ?1 WHERE user_id = ?2",
                    args![new_hash.as_deref().unwrap_or_default(), &user_id],
                )?;
                serde_json::json!({})
            }
        };
        if ends_sessions {
            sql.execute(
                "DELETE FROM console_sessions WHERE user_id = ?1",
                args![&user_id],
            )?;
        }
        actor.audit(sql, Some(&unit_id), change.kind(), &user_id, detail, now)?;
        read(sql, &unit_id, &user_id)
    })
    .await
}

/// A person changes their own password: the current one must be right (so a session left open
/// on a desk cannot lock its owner out); their other sessions end.
pub async fn change_own_password(
    db: &Db,
    account: &Account,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
    keep_session: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let user_id = account.user_id.clone();
    let stored = db
        .tx({
            let user_id = user_id.clone();
            move |sql| {
                Ok(sql
                    .query_one(
                        "SELECT password_hash FROM office_accounts WHERE user_id = ?1",
                        args![&user_id],
                    )?
                    .text(0)?)
            }
        })
        .await?;
    let hash = tokio::task::spawn_blocking(move || -> Result<String, ApiError> {
        if !password::verify(&current, &stored).map_err(|e| ApiError::internal(e.to_string()))? {
            return Err(bad("wrong_password", "the current password is wrong"));
        }
        password::hash(&new).map_err(|e| bad("invalid_password", e.to_string()))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let actor = AdminActor::unit_admin(&account.user_id, &account.unit_id);
    let unit_id = account.unit_id.clone();
    db.tx(move |sql| {
        sql.execute(
            "UPDATE office_accounts SET password_hash = ?1 WHERE user_id = ?2",
            args![&hash, &user_id],
        )?;
        sql.execute(
            "DELETE FROM console_sessions WHERE user_id = ?1 AND id_hash <> ?2",
            args![&user_id, keep_session.clone()],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "console.own_password",
            &user_id,
            serde_json::json!({}),
            now,
        )?;
        Ok(())
    })
    .await
}
