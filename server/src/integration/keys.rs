//! API keys of external systems: 32 random bytes behind the prefix `qpk_` (so a leaked key is
//! recognisable in a scan), shown once, stored only as their SHA-256 and compared in constant
//! time. A key is scoped to one or more units; an administrator issues it for units they
//! administer and revokes it; both are audited. A revoked key authenticates nothing.

use super::IntegrationKey;
use crate::actor::{not_found, AdminActor};
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::{args, Sql};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;
use serde::{Deserialize, Serialize};

/// Prefix of API keys.
pub const PREFIX: &str = "qpk_";
/// Longest label kept.
const MAX_LABEL_CHARS: usize = 100;
/// Most units one key may be scoped to.
const MAX_UNITS: usize = 50;

/// A key to issue.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApiKeyRequest)]
pub struct NewKey {
    /// What the key is for, e.g. the OA system's name (at most 100 characters).
    #[serde(default)]
    pub label: String,
    /// Further units besides the one in the path.
    #[serde(default)]
    pub units: Vec<String>,
}

/// A key as its issuer receives it: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = IssuedApiKey)]
pub struct IssuedKey {
    /// The key's id.
    pub id: String,
    /// The secret key itself. Shown once.
    #[schema(pattern = "^qpk_[A-Za-z0-9_-]{43}$")]
    pub key: String,
    /// Its label.
    pub label: String,
    /// The units it is scoped to.
    pub units: Vec<String>,
}

/// A key as administrators list it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = ApiKey)]
pub struct KeyView {
    /// The key's id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The units it is scoped to (those the viewer administers).
    pub units: Vec<String>,
    /// Who issued it.
    pub created_by: String,
    /// When (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it was revoked, if it was.
    #[schema(format = DateTime, required = true)]
    pub revoked_at: Option<String>,
}

fn bad_key() -> ApiError {
    ApiError::unauthorized("bad_key", "this API key is not valid")
}

/// The key an `Authorization: Bearer qpk_…` header names (401 otherwise).
pub async fn authenticate(
    db: &Db,
    authorization: Option<&str>,
) -> Result<IntegrationKey, ApiError> {
    let header = authorization.ok_or_else(|| {
        ApiError::unauthorized(
            "missing_key",
            "the integration API needs Authorization: Bearer <API key>",
        )
    })?;
    let key = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|k| k.starts_with(PREFIX))
        .ok_or_else(bad_key)?;
    let presented = crypto::sha256(key.as_bytes()).to_vec();
    let lookup = presented.clone();
    let found = db
        .once(move |sql| {
            let Some(row) = sql.query_opt(
                "SELECT id, key_hash, label FROM api_keys
                 WHERE key_hash = ?1 AND revoked_at IS NULL",
                args![lookup.clone()],
            )?
            else {
                return Ok(None);
            };
            let id = row.text(0)?;
            let units = key_units(sql, &id)?;
            Ok(Some((id, row.blob(1)?, row.text(2)?, units)))
        })
        .await?;
    let Some((id, stored, label, units)) = found else {
        return Err(bad_key());
    };
    if !crypto::constant_time_eq(&stored, &presented) {
        return Err(bad_key());
    }
    Ok(IntegrationKey { id, label, units })
}

fn key_units(sql: &mut dyn Sql, key_id: &str) -> Result<Vec<String>, ApiError> {
    sql.query(
        "SELECT unit_id FROM api_key_units WHERE key_id = ?1 ORDER BY unit_id",
        args![key_id],
    )?
    .iter()
    .map(|r| Ok(r.text(0)?))
    .collect()
}

/// Issues a key scoped to `unit_id` and `new.units`, each of which `actor` must administer.
pub async fn issue(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    new: NewKey,
    now: DateTime<Utc>,
) -> Result<IssuedKey, ApiError> {
    let label = new.label.trim().to_owned();
    if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_label",
            format!("a label has at most {MAX_LABEL_CHARS} characters and no control characters"),
        ));
    }
    let mut units = vec![unit_id.to_owned()];
    units.extend(new.units);
    units.sort();
    units.dedup();
    if units.len() > MAX_UNITS {
        return Err(ApiError::bad_request(
            "too_many_units",
            format!("a key may be scoped to at most {MAX_UNITS} units"),
        ));
    }
    let bytes = crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?;
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = crypto::sha256(key.as_bytes()).to_vec();
    let id = format!("key-{}", uuid::Uuid::now_v7());
    let (actor, out_units, out_label, out_id) =
        (actor.clone(), units.clone(), label.clone(), id.clone());
    db.tx(move |sql| {
        for unit in &units {
            actor.check_unit(sql, unit)?;
        }
        sql.execute(
            "INSERT INTO api_keys (id, key_hash, label, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            args![&id, hash.clone(), &label, &actor.actor, now.to_rfc3339()],
        )?;
        for unit in &units {
            sql.execute(
                "INSERT INTO api_key_units (key_id, unit_id) VALUES (?1, ?2)",
                args![&id, unit],
            )?;
            actor.audit(
                sql,
                Some(unit),
                "api_key.issued",
                &id,
                serde_json::json!({ "label": label, "units": units }),
                now,
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(IssuedKey {
        id: out_id,
        key,
        label: out_label,
        units: out_units,
    })
}

/// The keys scoped to `unit_id`, newest first; each lists only the units the viewer administers.
pub async fn list(db: &Db, actor: &AdminActor, unit_id: &str) -> Result<Vec<KeyView>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let rows = sql.query(
            "SELECT k.id, k.label, k.created_by, k.created_at, k.revoked_at
             FROM api_keys k JOIN api_key_units u ON u.key_id = k.id
             WHERE u.unit_id = ?1 ORDER BY k.created_at DESC, k.id DESC",
            args![&unit_id],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.text(0)?;
            let units = key_units(sql, &id)?
                .into_iter()
                .filter(|u| actor.may_administer(u))
                .collect();
            out.push(KeyView {
                id,
                label: row.text(1)?,
                units,
                created_by: row.text(2)?,
                created_at: row.text(3)?,
                revoked_at: row.opt_text(4)?,
            });
        }
        Ok(out)
    })
    .await
}

/// Revokes key `key_id` of `unit_id` (for every unit it is scoped to); revoking twice changes
/// nothing. 404 `no_such_key` for a key not scoped to the unit.
pub async fn revoke(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<KeyView, ApiError> {
    let (actor, unit_id, key_id) = (actor.clone(), unit_id.to_owned(), key_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let scoped = sql
            .query_opt(
                "SELECT key_id FROM api_key_units WHERE key_id = ?1 AND unit_id = ?2",
                args![&key_id, &unit_id],
            )?
            .is_some();
        if !scoped {
            return Err(not_found("no_such_key", format!("no API key {key_id}")));
        }
        let changed = sql.execute(
            "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            args![now.to_rfc3339(), &key_id],
        )?;
        if changed == 1 {
            actor.audit(
                sql,
                Some(&unit_id),
                "api_key.revoked",
                &key_id,
                serde_json::json!({}),
                now,
            )?;
        }
        let row = sql.query_one(
            "SELECT label, created_by, created_at, revoked_at FROM api_keys WHERE id = ?1",
            args![&key_id],
        )?;
        Ok(KeyView {
            units: key_units(sql, &key_id)?
                .into_iter()
                .filter(|u| actor.may_administer(u))
                .collect(),
            id: key_id.clone(),
            label: row.text(0)?,
            created_by: row.text(1)?,
            created_at: row.text(2)?,
            revoked_at: row.opt_text(3)?,
        })
    })
    .await
}
