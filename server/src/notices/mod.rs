//! 通知公告 at the gateway (domain.md, Notices and receipts): an administrator publishes a notice
//! for a unit, the gateway signs it with its statement key (so a phone detects a tampered local
//! copy at display time) and delivers it, with the signed copy, to every recipient's feed.
//!
//! A scope is expanded here into recipients, and only ever within the publishing unit: the unit
//! itself (everyone in it) and people of the unit. Departments are not kept by the gateway, so a
//! scope naming one is refused rather than silently dropped. Each recipient gets a roster row
//! with their [`RecipientStatus`], which the phones' 回执 change ([`receipts`]) and the
//! publisher reads ([`roster`]); a delivery is implied by the phone's cursor ([`deliveries`]).
//! Everything of one publication — the notice, its rows, the feed
//! changes, the blob grants of its attachments and the audit entry — is one transaction.

pub mod deliveries;
pub mod receipts;
pub mod roster;

use crate::actor::AdminActor;
use crate::blobs;
use crate::db::{encode, Db};
use crate::error::ApiError;
use crate::feed::append_change;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use qianpi_domain::model::{
    Attachment, Identity, Notice, NoticeScope, ReceiptForm, RecipientStatus,
};
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::Change;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Longest notice id (ids travel in paths).
const MAX_ID_LEN: usize = 128;

/// A notice to publish, as an administrator sends it; the gateway adds the publish time and the
/// publisher's identity.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishNotice {
    /// The notice id; generated (`notice-<UUIDv7>`) when absent. Letters, digits, `.`, `_` and
    /// `-`.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")] // MAX_ID_LEN
    pub id: Option<String>,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// 附件: files uploaded to the unit beforehand.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// 发布人: the user id of a person of the unit.
    pub publisher: String,
    /// 发布范围: this unit and/or people of it.
    pub scope: NoticeScope,
    /// 需要回执.
    #[serde(default)]
    pub receipt_required: bool,
    /// 回执单.
    #[serde(default)]
    pub receipt_form: Option<ReceiptForm>,
    /// 回执截止时间.
    #[serde(default)]
    pub receipt_deadline: Option<DateTime<Utc>>,
}

/// A published notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = PublishedNotice)]
pub struct Published {
    /// The notice as signed and delivered.
    pub notice: Notice,
    /// How many people it was delivered to.
    pub recipients: usize,
}

/// Whether `id` has the form of a notice id: 1 to [`MAX_ID_LEN`] letters, digits, `.`, `_` or
/// `-`. Anything else cannot name a stored notice, so it is answered without a query (PostgreSQL
/// refuses a NUL in a text parameter outright).
pub fn is_notice_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// 404 `no_such_notice`: the one answer for a notice that is absent and for another unit's.
pub fn no_such_notice(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_such_notice",
        format!("no notice {id}"),
    )
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_notice", message)
}

fn unknown_recipient(message: String) -> ApiError {
    ApiError::bad_request("unknown_recipient", message)
}

/// Publishes `request` in `unit_id` at `now`, signed with `key`.
pub async fn publish(
    db: &Db,
    key: &Arc<GatewayKey>,
    actor: &AdminActor,
    unit_id: &str,
    request: PublishNotice,
    now: DateTime<Utc>,
) -> Result<Published, ApiError> {
    let id = request
        .id
        .clone()
        .unwrap_or_else(|| format!("notice-{}", uuid::Uuid::now_v7()));
    if !is_notice_id(&id) {
        return Err(invalid(format!(
            "a notice id has 1 to {MAX_ID_LEN} letters, digits, '.', '_' or '-'"
        )));
    }
    if !request.scope.departments.is_empty() {
        return Err(ApiError::bad_request(
            "unsupported_scope",
            "the gateway keeps no departments: address the unit or name its people",
        ));
    }
    let (key, actor, unit_id) = (key.clone(), actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let publisher = identity(sql, &unit_id, &request.publisher)?.ok_or_else(|| {
            ApiError::bad_request(
                "unknown_publisher",
                format!("no person {} in this unit", request.publisher),
            )
        })?;
        let notice = Notice {
            id: id.clone(),
            title: request.title.clone(),
            body: request.body.clone(),
            attachments: request.attachments.clone(),
            publisher,
            published_at: now,
            scope: request.scope.clone(),
            receipt_required: request.receipt_required,
            receipt_form: request.receipt_form.clone(),
            receipt_deadline: request.receipt_deadline,
        };
        notice
            .validate()
            .map_err(|e| invalid(format!("the notice is not valid: {e}")))?;
        let recipients = expand(sql, &unit_id, &notice.scope)?;
        let files = notice
            .attachments
            .iter()
            .map(|a| (a.sha256.as_str(), a.size));
        blobs::require_owned(sql, &unit_id, files)?;
        if sql
            .query_opt("SELECT id FROM notices WHERE id = ?1", args![&id])?
            .is_some()
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "notice_exists",
                format!("a notice {id} exists already"),
            ));
        }
        // Two publications of one id at once: the loser learns it the same way.
        store(sql, &key, &unit_id, &notice, &recipients).map_err(|e| {
            if e.code == "already_exists" {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "notice_exists",
                    format!("a notice {id} exists already"),
                )
            } else {
                e
            }
        })?;
        actor.audit(
            sql,
            Some(&unit_id),
            "notice.published",
            &id,
            serde_json::json!({
                "publisher": notice.publisher.user_id, "recipients": recipients.len(),
                "attachments": notice.attachments.len(),
                "receipt_required": notice.receipt_required,
            }),
            now,
        )?;
        Ok(Published {
            notice,
            recipients: recipients.len(),
        })
    })
    .await
}

/// Stores a validated notice with its signed form, one roster row per recipient, their feed
/// changes and the grants of its attachments.
fn store(
    sql: &mut dyn Sql,
    key: &GatewayKey,
    unit_id: &str,
    notice: &Notice,
    recipients: &BTreeSet<String>,
) -> Result<(), ApiError> {
    let signed = key
        .sign(notice)
        .map_err(|e| ApiError::internal(format!("cannot sign the notice: {e}")))?;
    sql.execute(
        "INSERT INTO notices (id, unit_id, body, signed, published_at, published_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            &notice.id,
            unit_id,
            encode(notice)?,
            signed.as_base64(),
            notice.published_at.to_rfc3339(),
            &notice.publisher.user_id
        ],
    )?;
    let status = encode(&RecipientStatus::default())?;
    let change = Change::Notice {
        notice: Box::new(notice.clone()),
        signed,
    };
    let hashes: Vec<&str> = notice
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    // In user id order, so concurrent publications lock feed heads in one order.
    for user_id in recipients {
        sql.execute(
            "INSERT INTO notice_recipients (notice_id, user_id, status) VALUES (?1, ?2, ?3)",
            args![&notice.id, user_id, &status],
        )?;
        blobs::grant(sql, unit_id, user_id, hashes.iter().copied())?;
        append_change(sql, user_id, &change)?;
    }
    Ok(())
}

/// The identity of person `user_id` of `unit_id`, if there is one.
fn identity(sql: &mut dyn Sql, unit_id: &str, user_id: &str) -> Result<Option<Identity>, ApiError> {
    // No stored id holds a NUL, and PostgreSQL would refuse the parameter.
    if user_id.contains('\0') {
        return Ok(None);
    }
    let row = sql.query_opt(
        "SELECT name, post FROM users WHERE id = ?1 AND unit_id = ?2",
        args![user_id, unit_id],
    )?;
    row.map(|row| {
        Ok(Identity {
            user_id: user_id.to_owned(),
            name: row.text(0)?,
            post: row.text(1)?,
            unit_id: unit_id.to_owned(),
        })
    })
    .transpose()
}

/// The recipients `scope` names, all people of `unit_id`: 400 `unknown_recipient` for another
/// unit or someone not of this unit.
fn expand(
    sql: &mut dyn Sql,
    unit_id: &str,
    scope: &NoticeScope,
) -> Result<BTreeSet<String>, ApiError> {
    let mut recipients = BTreeSet::new();
    for unit in &scope.units {
        if unit != unit_id {
            return Err(unknown_recipient(format!(
                "unit {unit} is not this unit: a notice reaches only its own unit's people"
            )));
        }
        for row in sql.query("SELECT id FROM users WHERE unit_id = ?1", args![unit_id])? {
            recipients.insert(row.text(0)?);
        }
    }
    for person in &scope.people {
        if identity(sql, unit_id, person)?.is_none() {
            return Err(unknown_recipient(format!(
                "no person {person} in this unit"
            )));
        }
        recipients.insert(person.clone());
    }
    Ok(recipients)
}
