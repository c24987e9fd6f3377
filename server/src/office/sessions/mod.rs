//! Logging in to the console and the sessions that follow, kept in the database (`console_sessions`)
//! so that every replica serves every request.
//!
//! A login is two steps, each ending with a new session id: the password opens a short pending
//! session (five minutes) whose only use is the second step; a TOTP code (or, on the first login,
//! enrolling a new TOTP secret shown on that page) replaces it with the full session. An id a
//! browser held before a step is never promoted (session fixation), and only the SHA-256 of an id
//! is stored. Five wrong passwords or codes in a row lock the account for fifteen minutes. A full
//! session ends after thirty idle minutes or twelve hours; it carries its own CSRF token.
//! The two login steps are in [`steps`]; the session's life (lookup, logout, expiry) is here.

mod steps;

pub use steps::{code_step, password_step, pending, Pending};

use super::accounts::{self, COLUMNS};
use super::Account;
use crate::actor::AdminActor;
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::{args, Sql};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;

/// Wrong passwords or codes in a row before a lockout.
pub const MAX_FAILURES: i64 = 5;
/// Seconds an account stays locked.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Seconds a pending (password-only) session lives.
const PENDING_SECONDS: i64 = 5 * 60;
/// Seconds a full session may sit idle.
pub const IDLE_SECONDS: i64 = 30 * 60;
/// Seconds a full session lives at most.
const ABSOLUTE_SECONDS: i64 = 12 * 3600;
/// A session's last use is written at most this often (a page view is not a write each time).
const TOUCH_SECONDS: i64 = 60;

/// Where a login stands after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; a TOTP code comes next.
    Code,
    /// The password was right and no TOTP secret is enrolled: enrol one now.
    Enrol,
    /// Logged in.
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Code => "code",
            Stage::Enrol => "enrol",
            Stage::Full => "full",
        }
    }
}

/// Why a login step was refused. The texts the console shows are in its string tables, by
/// [`LoginError::key`]; a wrong login and a wrong password are one answer.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown login or wrong password.
    #[error("wrong login or password")]
    BadCredentials,
    /// Wrong, malformed or replayed TOTP code.
    #[error("wrong code")]
    BadCode,
    /// Locked after repeated failures, until this Unix time.
    #[error("locked until {0}")]
    Locked(i64),
    /// Disabled by an administrator.
    #[error("the account is disabled")]
    Disabled,
    /// The pending session is gone or too old: start again.
    #[error("the login expired; start again")]
    Expired,
    /// The database or the hashing failed.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl LoginError {
    /// The string-table key of this refusal.
    pub fn key(&self) -> &'static str {
        match self {
            LoginError::BadCredentials => "login.error.credentials",
            LoginError::BadCode => "login.error.code",
            LoginError::Locked(_) => "login.error.locked",
            LoginError::Disabled => "login.error.disabled",
            LoginError::Expired => "login.error.expired",
            LoginError::Api(_) => "error.internal",
        }
    }
}

/// A session id as the browser's cookie holds it, and where the login stands.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The cookie's value (shown once; only its hash is stored).
    pub token: String,
    /// The stage the session is at.
    pub stage: Stage,
}

/// A full session's account and its CSRF token.
#[derive(Debug, Clone)]
pub struct Current {
    /// Who is logged in.
    pub account: Account,
    /// The token every form of this session carries.
    pub csrf: String,
}

fn random_token() -> Result<String, ApiError> {
    let bytes = crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(B64.encode(bytes))
}

/// The SHA-256 a session id is stored as.
pub fn id_hash(token: &str) -> Vec<u8> {
    crypto::sha256(token.as_bytes()).to_vec()
}

/// The account itself, as the audit log names a person's own login and logout.
fn own(account_user: &str, unit_id: &str) -> AdminActor {
    AdminActor::unit_admin(account_user, unit_id)
}

/// The gateway acting on its own rule (a lockout).
fn system(unit_id: &str) -> AdminActor {
    AdminActor::unit_admin("console", unit_id)
}

fn insert_full(
    sql: &mut dyn Sql,
    hash: &[u8],
    user_id: &str,
    csrf: &str,
    unix: i64,
) -> Result<(), ApiError> {
    sql.execute(
        "INSERT INTO console_sessions (id_hash, user_id, stage, csrf, enrol_secret, created_at,
            last_seen, expires_at)
         VALUES (?1, ?2, 'full', ?3, NULL, ?4, ?4, ?5)",
        args![hash.to_vec(), user_id, csrf, unix, unix + ABSOLUTE_SECONDS],
    )?;
    Ok(())
}

/// The seam for a unified identity provider: opens a full session for an account whose login
/// the provider vouched for (after its own second factor). Not reachable from any page yet.
pub async fn start_full(db: &Db, user_id: &str, now: DateTime<Utc>) -> Result<Opened, ApiError> {
    let token = random_token()?;
    let (hash, csrf, user_id) = (id_hash(&token), random_token()?, user_id.to_owned());
    let unix = now.timestamp();
    db.tx(move |sql| insert_full(sql, &hash, &user_id, &csrf, unix))
        .await?;
    Ok(Opened {
        token,
        stage: Stage::Full,
    })
}

/// The full session `token` names, if it is alive; its last use is noted.
pub async fn current(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Current>, ApiError> {
    let hash = id_hash(token);
    let unix = now.timestamp();
    db.tx(move |sql| {
        let Some(row) = sql.query_opt(
            &format!(
                "SELECT s.csrf, s.last_seen, {COLUMNS} FROM console_sessions s
                 JOIN office_accounts a ON a.user_id = s.user_id
                 JOIN users u ON u.id = a.user_id
                 WHERE s.id_hash = ?1 AND s.stage = 'full' AND s.expires_at > ?2
                   AND s.last_seen > ?3 AND a.disabled = 0"
            ),
            args![hash.clone(), unix, unix - IDLE_SECONDS],
        )?
        else {
            return Ok(None);
        };
        let (csrf, last_seen) = (row.text(0)?, row.int(1)?);
        let account = accounts::from_row_at(&row, 2)?;
        if unix - last_seen >= TOUCH_SECONDS {
            sql.execute(
                "UPDATE console_sessions SET last_seen = ?1 WHERE id_hash = ?2",
                args![unix, hash.clone()],
            )?;
        }
        Ok(Some(Current { account, csrf }))
    })
    .await
}

/// Ends the session `token` names (logout), audited when it was a full one.
pub async fn end(db: &Db, token: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let hash = id_hash(token);
    db.tx(move |sql| {
        let Some(row) = sql.query_opt(
            "SELECT s.user_id, a.unit_id, s.stage FROM console_sessions s
             JOIN office_accounts a ON a.user_id = s.user_id WHERE s.id_hash = ?1",
            args![hash.clone()],
        )?
        else {
            return Ok(());
        };
        sql.execute(
            "DELETE FROM console_sessions WHERE id_hash = ?1",
            args![hash.clone()],
        )?;
        if row.text(2)? == "full" {
            let (user_id, unit_id) = (row.text(0)?, row.text(1)?);
            own(&user_id, &unit_id).audit(
                sql,
                Some(&unit_id),
                "console.logout",
                &user_id,
                serde_json::json!({}),
                now,
            )?;
        }
        Ok(())
    })
    .await
}

/// Forgets sessions past their time (housekeeping).
pub fn forget_expired(sql: &mut dyn Sql, unix: i64) -> Result<u64, ApiError> {
    Ok(sql.execute(
        "DELETE FROM console_sessions WHERE expires_at <= ?1
            OR (stage = 'full' AND last_seen <= ?2)",
        args![unix, unix - IDLE_SECONDS],
    )?)
}
