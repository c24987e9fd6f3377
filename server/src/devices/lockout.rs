//! Who may keep guessing activation codes. Wrong codes are counted per login and per client
//! address: after [`CODE_MAX_ATTEMPTS`] wrong codes that address is locked out for that login
//! for [`LOCK_SECS`], the code itself stays good, and the lockout is audited so the unit's
//! administrator sees someone guessing. A stranger's guesses therefore never burn a real user's
//! code, and a locked guesser hears the same answer as any wrong login or code, so the lockout
//! does not reveal which logins exist.

use crate::audit::{self, Event};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};

/// Wrong codes one client address may send for one login before it is locked out for that login.
pub const CODE_MAX_ATTEMPTS: i64 = 5;
/// How long an address stays locked out for a login after too many wrong codes.
pub const LOCK_SECS: i64 = 15 * 60;

/// Whether `source` is locked out for `login` at `now_unix`.
pub fn is_locked(
    sql: &mut dyn Sql,
    login: &str,
    source: &str,
    now_unix: i64,
) -> Result<bool, ApiError> {
    let locked_until = sql
        .query_opt(
            "SELECT locked_until FROM activation_failures WHERE login = ?1 AND source = ?2",
            args![login, source],
        )?
        .map(|row| row.int(0))
        .transpose()?;
    Ok(locked_until.is_some_and(|until| until > now_unix))
}

/// Counts one wrong code from `source` for `login`; the attempt that reaches the limit locks the
/// address out and audits it, under the login's unit when the login exists.
pub fn note_failure(
    sql: &mut dyn Sql,
    login: &str,
    source: &str,
    unit_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let now_unix = now.timestamp();
    sql.execute(
        "INSERT INTO activation_failures (login, source, failures, locked_until, last_at)
         VALUES (?1, ?2, 1, 0, ?3)
         ON CONFLICT (login, source) DO UPDATE SET
            failures = CASE WHEN activation_failures.last_at < ?4 THEN 1
                            ELSE activation_failures.failures + 1 END,
            last_at = excluded.last_at",
        // Wrong codes older than a lockout are forgotten: a slip last week does not count.
        args![login, source, now_unix, now_unix.saturating_sub(LOCK_SECS)],
    )?;
    let failures = sql
        .query_one(
            "SELECT failures FROM activation_failures WHERE login = ?1 AND source = ?2",
            args![login, source],
        )?
        .int(0)?;
    if failures < CODE_MAX_ATTEMPTS {
        return Ok(());
    }
    let until = now_unix.saturating_add(LOCK_SECS);
    sql.execute(
        "UPDATE activation_failures SET failures = 0, locked_until = ?3
         WHERE login = ?1 AND source = ?2",
        args![login, source, until],
    )?;
    audit::append(
        sql,
        &Event {
            unit_id,
            actor: "gateway",
            kind: "activation.locked_out",
            subject: login,
            detail: serde_json::json!({
                "source": source, "wrong_codes": failures, "locked_for_secs": LOCK_SECS,
            }),
        },
        now,
    )?;
    tracing::warn!(%source, "an address was locked out after repeated wrong activation codes");
    Ok(())
}

/// Forgets the wrong codes of `login` from `source` once it bound a device.
pub fn clear(sql: &mut dyn Sql, login: &str, source: &str) -> Result<(), ApiError> {
    sql.execute(
        "DELETE FROM activation_failures WHERE login = ?1 AND source = ?2",
        args![login, source],
    )?;
    Ok(())
}

/// Forgets lockouts that have run out and wrong codes too old to count (`note_failure` starts
/// them over anyway), so a scan of many logins leaves no lasting rows; returns how many. The
/// housekeeping runs it.
pub fn forget_stale(sql: &mut dyn Sql, now_unix: i64) -> Result<u64, ApiError> {
    Ok(sql.execute(
        "DELETE FROM activation_failures WHERE locked_until < ?1 AND last_at < ?2",
        args![now_unix, now_unix.saturating_sub(LOCK_SECS)],
    )?)
}
