//! Administrators' bearer tokens: 32 random bytes shown once, stored only as their SHA-256 and
//! compared in constant time. A token without a user is the deployment operator's; a token of a
//! person acts for them only while their role is still `unit_admin`, and only in their unit.

use super::{forbidden, AdminActor};
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;
use serde::{Deserialize, Serialize};

/// Prefix of administrators' tokens, so a leaked one is recognisable in a scan.
const PREFIX: &str = "qpa_";

/// A token as its issuer receives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// The token, shown once.
    pub token: String,
    /// The unit administrator it acts for (`None`: the operator).
    pub user_id: Option<String>,
    /// Their unit.
    pub unit_id: Option<String>,
    /// The label.
    pub label: String,
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::unauthorized(code, message.to_owned())
}

/// Who presents `authorization` (the whole header value, if any).
pub async fn authenticate(db: &Db, authorization: Option<&str>) -> Result<AdminActor, ApiError> {
    let header = authorization.ok_or_else(|| {
        unauthorized(
            "missing_token",
            "the admin API needs an Authorization header",
        )
    })?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("bad_token", "the Authorization header must be Bearer"))?;
    let presented = crypto::sha256(token.as_bytes()).to_vec();
    let lookup = presented.clone();
    let found = db
        .tx(move |sql| {
            sql.query_opt(
                "SELECT t.token_hash, t.user_id, u.unit_id, u.role
                 FROM admin_tokens t LEFT JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1",
                args![lookup.clone()],
            )?
            .map(|r| -> Result<_, ApiError> {
                Ok((r.blob(0)?, r.opt_text(1)?, r.opt_text(2)?, r.opt_text(3)?))
            })
            .transpose()
        })
        .await?;
    let Some((stored, user_id, unit_id, role)) = found else {
        return Err(unauthorized("bad_token", "this admin token is not valid"));
    };
    if !crypto::constant_time_eq(&stored, &presented) {
        return Err(unauthorized("bad_token", "this admin token is not valid"));
    }
    match (user_id, unit_id, role.as_deref()) {
        (None, _, _) => Ok(AdminActor::operator()),
        (Some(user), Some(unit), Some("unit_admin")) => Ok(AdminActor::unit_admin(&user, &unit)),
        _ => Err(forbidden("this person is no longer a unit administrator")),
    }
}

fn new_token() -> Result<(String, Vec<u8>), ApiError> {
    let bytes = crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?;
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = crypto::sha256(token.as_bytes()).to_vec();
    Ok((token, hash))
}

/// Issues a deployment operator's token; the operator only (in practice the command line).
pub async fn issue_operator_token(
    db: &Db,
    actor: &AdminActor,
    label: &str,
    now: DateTime<Utc>,
) -> Result<IssuedToken, ApiError> {
    actor.require_operator()?;
    let (token, hash) = new_token()?;
    let (actor, label) = (actor.clone(), label.to_owned());
    let out_label = label.clone();
    db.tx(move |sql| {
        sql.execute(
            "INSERT INTO admin_tokens (token_hash, user_id, label, created_at)
             VALUES (?1, NULL, ?2, ?3)",
            args![hash.clone(), &label, now.to_rfc3339()],
        )?;
        actor.audit(
            sql,
            None,
            "admin_token.issued",
            "operator",
            serde_json::json!({ "label": label }),
            now,
        )
    })
    .await?;
    Ok(IssuedToken {
        token,
        user_id: None,
        unit_id: None,
        label: out_label,
    })
}

/// Which unit administrator a token is for.
#[derive(Debug, Clone)]
pub enum Holder {
    /// By identity.
    User(String),
    /// By login in a unit (the identity whose role is `unit_admin`).
    Login {
        /// Login.
        login: String,
        /// Unit.
        unit_id: String,
    },
}

/// Issues a token for a unit administrator; the operator or an administrator of that unit.
/// `unit_id`, when given, must be the holder's unit.
pub async fn issue_unit_admin_token(
    db: &Db,
    actor: &AdminActor,
    unit_id: Option<&str>,
    holder: Holder,
    label: &str,
    now: DateTime<Utc>,
) -> Result<IssuedToken, ApiError> {
    let (token, hash) = new_token()?;
    let (actor, unit, label) = (actor.clone(), unit_id.map(str::to_owned), label.to_owned());
    let (user_id, unit_id, label) = db
        .tx(move |sql| {
            if let Some(unit) = &unit {
                actor.check_unit(sql, unit)?;
            }
            let row = match &holder {
                Holder::User(id) => sql.query_opt(
                    "SELECT id, unit_id, role FROM users WHERE id = ?1",
                    args![id],
                )?,
                Holder::Login { login, unit_id } => sql.query_opt(
                    "SELECT id, unit_id, role FROM users WHERE login = ?1 AND unit_id = ?2
                     ORDER BY CASE WHEN role = 'unit_admin' THEN 0 ELSE 1 END, id",
                    args![login, unit_id],
                )?,
            };
            let (user_id, user_unit, role) = match row {
                Some(r) => (r.text(0)?, r.text(1)?, r.text(2)?),
                None => return Err(super::not_found("no_such_user", "no such user")),
            };
            if !actor.may_administer(&user_unit) || unit.as_ref().is_some_and(|u| *u != user_unit) {
                return Err(super::not_found("no_such_user", "no such user"));
            }
            if role != "unit_admin" {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "not_unit_admin",
                    format!("{user_id} is not a unit administrator"),
                ));
            }
            sql.execute(
                "INSERT INTO admin_tokens (token_hash, user_id, label, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                args![hash.clone(), &user_id, &label, now.to_rfc3339()],
            )?;
            actor.audit(
                sql,
                Some(&user_unit),
                "admin_token.issued",
                &user_id,
                serde_json::json!({ "label": label }),
                now,
            )?;
            Ok((user_id, user_unit, label.clone()))
        })
        .await?;
    Ok(IssuedToken {
        token,
        user_id: Some(user_id),
        unit_id: Some(unit_id),
        label,
    })
}
