//! The two steps of a console login: the password (opening a pending session, or refusing and
//! counting the failure toward a lockout) and the TOTP code (enrolling the secret on a first
//! login), which replaces the pending session with a full one under a new id.

use super::{
    id_hash, insert_full, own, random_token, system, LoginError, Opened, Stage, LOCK_SECONDS,
    MAX_FAILURES, PENDING_SECONDS,
};
use crate::db::Db;
use crate::error::ApiError;
use crate::office::{password, totp};
use crate::sql::args;
use chrono::{DateTime, Utc};

/// Step one: the password. Opens a pending session for the second factor.
pub async fn password_step(
    db: &Db,
    login: &str,
    given: &str,
    now: DateTime<Utc>,
) -> Result<Opened, LoginError> {
    let login = login.trim().to_owned();
    let found = db
        .tx({
            let login = login.clone();
            move |sql| {
                sql.query_opt(
                    "SELECT user_id, password_hash, locked_until, disabled,
                            CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END
                         FROM office_accounts WHERE login = ?1",
                    args![&login],
                )?
                .map(|r| -> Result<_, ApiError> {
                    Ok((
                        r.text(0)?,
                        r.text(1)?,
                        r.int(2)?,
                        r.int(3)? != 0,
                        r.int(4)? != 0,
                    ))
                })
                .transpose()
            }
        })
        .await?;
    let given = zeroize::Zeroizing::new(given.to_owned());
    let Some((user_id, stored, locked_until, disabled, enrolled)) = found else {
        tokio::task::spawn_blocking(move || password::waste_time(&given))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        return Err(LoginError::BadCredentials);
    };
    let unix = now.timestamp();
    if locked_until > unix {
        return Err(LoginError::Locked(locked_until));
    }
    let matches = tokio::task::spawn_blocking(move || password::verify(&given, &stored))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if !matches {
        fail(db, &user_id, now).await?;
        return Err(LoginError::BadCredentials);
    }
    if disabled {
        return Err(LoginError::Disabled);
    }
    let stage = if enrolled { Stage::Code } else { Stage::Enrol };
    let secret = if enrolled {
        None
    } else {
        Some(totp::new_secret().map_err(ApiError::internal)?)
    };
    let token = random_token()?;
    let (hash, csrf) = (id_hash(&token), random_token()?);
    db.tx(move |sql| {
        sql.execute(
            "INSERT INTO console_sessions (id_hash, user_id, stage, csrf, enrol_secret,
                created_at, last_seen, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            args![
                hash.clone(),
                &user_id,
                stage.as_str(),
                &csrf,
                secret.clone(),
                unix,
                unix + PENDING_SECONDS
            ],
        )?;
        Ok(())
    })
    .await?;
    Ok(Opened { token, stage })
}

/// Counts a failure; the fifth in a row locks the account (audited).
async fn fail(db: &Db, user_id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let user_id = user_id.to_owned();
    db.tx(move |sql| {
        sql.execute(
            "UPDATE office_accounts SET failures = failures + 1 WHERE user_id = ?1",
            args![&user_id],
        )?;
        let row = sql.query_one(
            "SELECT failures, unit_id FROM office_accounts WHERE user_id = ?1",
            args![&user_id],
        )?;
        if row.int(0)? >= MAX_FAILURES {
            let unit_id = row.text(1)?;
            sql.execute(
                "UPDATE office_accounts SET failures = 0, locked_until = ?1 WHERE user_id = ?2",
                args![now.timestamp() + LOCK_SECONDS, &user_id],
            )?;
            sql.execute(
                "DELETE FROM console_sessions WHERE user_id = ?1 AND stage <> 'full'",
                args![&user_id],
            )?;
            system(&unit_id).audit(
                sql,
                Some(&unit_id),
                "console.locked",
                &user_id,
                serde_json::json!({ "failures": MAX_FAILURES }),
                now,
            )?;
        }
        Ok(())
    })
    .await
}

/// A pending login between its two steps, as the second step's page needs it.
#[derive(Debug, Clone)]
pub struct Pending {
    /// [`Stage::Code`] or [`Stage::Enrol`].
    pub stage: Stage,
    /// The token the second step's form carries.
    pub csrf: String,
    /// The secret to enrol (only at [`Stage::Enrol`]).
    pub secret: Option<Vec<u8>>,
    /// The account's login, for the otpauth URI.
    pub login: String,
}

/// The pending login `token` names, if it is still alive.
pub async fn pending(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Pending, LoginError> {
    let hash = id_hash(token);
    let unix = now.timestamp();
    let found = db
        .tx(move |sql| {
            let Some(r) = sql.query_opt(
                "SELECT s.stage, s.csrf, s.enrol_secret, a.login FROM console_sessions s
                 JOIN office_accounts a ON a.user_id = s.user_id
                 WHERE s.id_hash = ?1 AND s.stage <> 'full' AND s.expires_at > ?2",
                args![hash.clone(), unix],
            )?
            else {
                return Ok(None);
            };
            let enrolling = r.text(0)? == "enrol";
            Ok(Some(Pending {
                stage: if enrolling { Stage::Enrol } else { Stage::Code },
                csrf: r.text(1)?,
                secret: if enrolling { Some(r.blob(2)?) } else { None },
                login: r.text(3)?,
            }))
        })
        .await?;
    found.ok_or(LoginError::Expired)
}

/// Step two: a TOTP code (enrolling the pending secret on a first login). Replaces the pending
/// session with a full one under a new id.
pub async fn code_step(
    db: &Db,
    token: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Opened, LoginError> {
    let hash = id_hash(token);
    let unix = now.timestamp();
    let pending = db
        .tx({
            let hash = hash.clone();
            move |sql| {
                sql.query_opt(
                    "SELECT s.user_id, s.stage, s.enrol_secret, a.totp_secret,
                            a.totp_last_step, a.locked_until
                         FROM console_sessions s JOIN office_accounts a ON a.user_id = s.user_id
                         WHERE s.id_hash = ?1 AND s.stage <> 'full' AND s.expires_at > ?2",
                    args![hash.clone(), unix],
                )?
                .map(|r| -> Result<_, ApiError> {
                    let secret = if r.text(1)? == "enrol" {
                        r.blob(2)?
                    } else {
                        r.blob(3)?
                    };
                    Ok((
                        r.text(0)?,
                        r.text(1)? == "enrol",
                        secret,
                        r.int(4)?,
                        r.int(5)?,
                    ))
                })
                .transpose()
            }
        })
        .await?;
    let Some((user_id, enrolling, secret, last_step, locked_until)) = pending else {
        return Err(LoginError::Expired);
    };
    if locked_until > unix {
        return Err(LoginError::Locked(locked_until));
    }
    let Some(step) = totp::verify(&secret, code, unix, last_step) else {
        fail(db, &user_id, now).await?;
        return Err(LoginError::BadCode);
    };
    let token = random_token()?;
    let (new_hash, csrf) = (id_hash(&token), random_token()?);
    db.tx(move |sql| {
        let unit_id = sql
            .query_one(
                "SELECT unit_id FROM office_accounts WHERE user_id = ?1",
                args![&user_id],
            )?
            .text(0)?;
        // The pending row goes whatever happens next: it is single use.
        let removed = sql.execute(
            "DELETE FROM console_sessions WHERE id_hash = ?1",
            args![hash.clone()],
        )?;
        if removed == 0 {
            return Err(ApiError::bad_request("login_expired", "the login expired"));
        }
        if enrolling {
            sql.execute(
                "UPDATE office_accounts SET totp_secret = ?1 WHERE user_id = ?2",
                args![secret.clone(), &user_id],
            )?;
        }
        sql.execute(
            "UPDATE office_accounts SET totp_last_step = ?1, failures = 0 WHERE user_id = ?2",
            args![step, &user_id],
        )?;
        insert_full(sql, &new_hash, &user_id, &csrf, unix)?;
        own(&user_id, &unit_id).audit(
            sql,
            Some(&unit_id),
            if enrolling {
                "console.totp_enrolled"
            } else {
                "console.login"
            },
            &user_id,
            serde_json::json!({}),
            now,
        )?;
        Ok(())
    })
    .await
    .map_err(|e| {
        if e.code == "login_expired" {
            LoginError::Expired
        } else {
            LoginError::Api(e)
        }
    })?;
    Ok(Opened {
        token,
        stage: Stage::Full,
    })
}
