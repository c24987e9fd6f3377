//! Administration of a deployment: one-time activation codes here (who may administer what is
//! [`crate::actor::AdminActor`], re-exported). The rest lives by subject: [`people`] (units, users), [`address_book`] (the
//! 通讯录 import), [`devices`] (the device lifecycle), [`flows`] (definitions and started flows),
//! [`tokens`] (administrators' bearer tokens), [`invite`] (the activation QR code's text handed
//! out with a code) and [`demo`] (the unit seeded on a fresh database).
//! Every change an administrator makes is audited in the same transaction as the change.
//!
//! Codes are short enough to read over the phone, drawn from an alphabet without look-alike
//! characters, stored only as a hash and expire after a day; an address that sends a few wrong
//! codes for a login is locked out for it (`devices::lockout`), the code is not.

pub mod address_book;
pub mod demo;
pub mod devices;
pub mod flows;
pub mod invite;
pub mod people;
pub mod tokens;

use crate::db::Db;
use crate::error::ApiError;
use crate::instances::load_instance;
use crate::sql::args;

pub use crate::actor::{forbidden, not_found, AdminActor};
use axum::http::StatusCode;
use qianpi_protocol::crypto;

/// The alphabet of activation codes: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters per code (31^8 ≈ 8.5·10^11 possibilities against a handful of attempts).
const CODE_LEN: usize = 8;
/// How long a code stays valid.
pub const CODE_TTL_SECS: i64 = 24 * 3600;

/// A code as its issuer receives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct IssuedCode {
    /// The code, shown once.
    pub code: String,
    /// The identity it binds.
    pub user_id: String,
    /// When it stops working (RFC 3339).
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Whether the bound device waits for an administrator's approval.
    pub needs_approval: bool,
}

/// Issues a one-time activation code for `login`, replacing any earlier one, as the operator at
/// the command line. Returns the code. A login holding several identities must say which one:
/// use [`find_identity`] and [`issue_code`].
pub async fn issue_activation_code(
    db: &Db,
    login: &str,
    now_unix: i64,
) -> Result<String, ApiError> {
    let user_id = find_identity(db, login, None, None).await?;
    Ok(
        issue_code(db, &AdminActor::cli(), None, &user_id, false, now_unix)
            .await?
            .code,
    )
}

/// The user id of `login`'s one identity matching `unit_id` and `post` where given: 404
/// `no_such_user` if none, 409 `ambiguous_login` if several.
pub async fn find_identity(
    db: &Db,
    login: &str,
    unit_id: Option<&str>,
    post: Option<&str>,
) -> Result<String, ApiError> {
    let (login, unit_id, post) = (
        login.to_owned(),
        unit_id.map(str::to_owned),
        post.map(str::to_owned),
    );
    db.tx(move |sql| {
        let rows = sql.query(
            "SELECT id FROM users WHERE login = ?1 AND unit_id = COALESCE(?2, unit_id)
             AND post = COALESCE(?3, post) ORDER BY id",
            args![&login, unit_id.clone(), post.clone()],
        )?;
        match rows.as_slice() {
            [row] => Ok(row.text(0)?),
            [] => Err(not_found(
                "no_such_user",
                format!("no user with login {login}"),
            )),
            _ => Err(ApiError::new(
                StatusCode::CONFLICT,
                "ambiguous_login",
                format!("{login} holds several identities; name the unit and post"),
            )),
        }
    })
    .await
}

/// Issues a one-time activation code for identity `user_id` (in `unit_id` when given), replacing
/// any earlier one; with `needs_approval` the device it binds waits as `pending`.
pub async fn issue_code(
    db: &Db,
    actor: &AdminActor,
    unit_id: Option<&str>,
    user_id: &str,
    needs_approval: bool,
    now_unix: i64,
) -> Result<IssuedCode, ApiError> {
    let code = random_code()?;
    let hash = crypto::sha256(code.as_bytes()).to_vec();
    let expires = now_unix + CODE_TTL_SECS;
    let (actor, unit, user_id) = (
        actor.clone(),
        unit_id.map(str::to_owned),
        user_id.to_owned(),
    );
    let issued_for = user_id.clone();
    db.tx(move |sql| {
        if let Some(unit) = &unit {
            actor.check_unit(sql, unit)?;
        }
        let user_unit = sql
            .query_opt("SELECT unit_id FROM users WHERE id = ?1", args![&user_id])?
            .map(|r| r.text(0))
            .transpose()?
            .filter(|u| actor.may_administer(u) && unit.as_ref().is_none_or(|x| x == u))
            .ok_or_else(|| not_found("no_such_user", format!("no user {user_id}")))?;
        sql.execute(
            "INSERT INTO activation_codes (user_id, code_hash, expires_at, attempts, needs_approval)
             VALUES (?1, ?2, ?3, 0, ?4)
             ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash,
                 expires_at = excluded.expires_at, attempts = 0,
                 needs_approval = excluded.needs_approval",
            args![&user_id, hash.clone(), expires, needs_approval],
        )?;
        actor.audit(
            sql,
            Some(&user_unit),
            "code.issued",
            &user_id,
            serde_json::json!({ "needs_approval": needs_approval, "expires_at": expires }),
            chrono::Utc::now(),
        )?;
        Ok(())
    })
    .await?;
    let expires_at = chrono::DateTime::from_timestamp(expires, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    Ok(IssuedCode {
        code,
        user_id: issued_for,
        expires_at,
        needs_approval,
    })
}

/// A uniformly random code (rejection sampling keeps every character equally likely).
fn random_code() -> Result<String, ApiError> {
    let mut code = String::with_capacity(CODE_LEN);
    let limit = 256 - (256 % CODE_ALPHABET.len());
    while code.len() < CODE_LEN {
        let bytes = crypto::random_bytes::<16>().map_err(|e| ApiError::internal(e.to_string()))?;
        for byte in bytes.iter().map(|b| usize::from(*b)).filter(|b| *b < limit) {
            if code.len() < CODE_LEN {
                code.push(char::from(CODE_ALPHABET[byte % CODE_ALPHABET.len()]));
            }
        }
    }
    Ok(code)
}

/// A readable summary of an instance at the gateway, for administrators and the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSummary {
    /// Version.
    pub version: u64,
    /// State.
    pub state: qianpi_domain::workflow::InstanceState,
    /// The node now open, if any.
    pub current_node: Option<String>,
    /// Names of the people with a pending task.
    pub pending_with: Vec<String>,
    /// Trace records written so far.
    pub trace_records: u64,
}

/// Describes instance `id`, or `None` if there is none.
pub async fn describe_instance(db: &Db, id: &str) -> Result<Option<InstanceSummary>, ApiError> {
    let id = id.to_owned();
    db.tx(move |sql| {
        let Some(flow) = load_instance(sql, &id, false)? else {
            return Ok(None);
        };
        let mut pending_with = Vec::new();
        for task in flow
            .instance
            .tasks
            .iter()
            .filter(|t| t.state.is_pending() && !t.assignee.is_empty())
        {
            let name = sql
                .query_opt(
                    "SELECT name FROM users WHERE id = ?1",
                    args![&task.assignee],
                )?
                .map(|r| r.text(0))
                .transpose()?;
            pending_with.push(name.unwrap_or_else(|| task.assignee.clone()));
        }
        let trace_records = sql
            .query_one(
                "SELECT count(*) FROM trace WHERE instance_id = ?1",
                args![&id],
            )?
            .int(0)?;
        Ok(Some(InstanceSummary {
            version: flow.instance.version,
            state: flow.instance.state,
            current_node: flow
                .instance
                .current_node()
                .and_then(|n| flow.definition.node(n))
                .map(|n| n.name.clone()),
            pending_with,
            trace_records: u64::try_from(trace_records).unwrap_or(0),
        }))
    })
    .await
}
