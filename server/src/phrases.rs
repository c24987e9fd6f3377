//! 常用意见 — the phrases a person picks an opinion from: their own list, kept here so every device
//! of theirs shows the same one, and their unit's defaults, which an administrator sets.
//!
//! A person's list is replaced whole, naming the version it was made on; an edit made on an older
//! version (another device of theirs saved first) is refused with `409 stale_phrases` and changes
//! nothing. A device answers that by fetching the list that won: the edit that reached the
//! gateway first stays, and the person sees it before editing again.

use crate::actor::AdminActor;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;
use qianpi_protocol::phrases::{check_phrases, PhraseBook, PhraseEdit, UnitPhrases, STALE_PHRASES};

/// The phrase book of identity `user_id` of `unit_id`.
pub async fn book(db: &Db, unit_id: &str, user_id: &str) -> Result<PhraseBook, ApiError> {
    let (unit_id, user_id) = (unit_id.to_owned(), user_id.to_owned());
    db.once(move |sql| read(sql, &unit_id, &user_id)).await
}

fn read(sql: &mut dyn Sql, unit_id: &str, user_id: &str) -> Result<PhraseBook, ApiError> {
    let row = sql.query_one(
        "SELECT (SELECT body FROM phrases WHERE user_id = ?1),
                (SELECT version FROM phrases WHERE user_id = ?1),
                (SELECT body FROM unit_phrases WHERE unit_id = ?2)",
        args![user_id, unit_id],
    )?;
    from_rows(row.opt_text(0)?, row.opt_int(1)?, row.opt_text(2)?)
}

/// The book from its stored rows: the person's list and its version (absent before they ever
/// saved one) and the unit's defaults (absent before an administrator set them). The sync's
/// glance reads the same columns, so every pull can say the book's version.
pub fn from_rows(
    own: Option<String>,
    own_version: Option<i64>,
    unit: Option<String>,
) -> Result<PhraseBook, ApiError> {
    let mut book = PhraseBook {
        version: String::new(),
        own: own
            .map(|body| decode(&body))
            .transpose()?
            .unwrap_or_default(),
        own_version: own_version.map_or(0, |v| u64::try_from(v).unwrap_or(0)),
        unit: unit
            .map(|body| decode(&body))
            .transpose()?
            .unwrap_or_default(),
    };
    book.version = version_of(&book)?;
    Ok(book)
}

/// A short hash of everything a phone shows: changes with either list.
fn version_of(book: &PhraseBook) -> Result<String, ApiError> {
    let bytes = serde_json::to_vec(&(&book.own, book.own_version, &book.unit))
        .map_err(|e| ApiError::internal(format!("cannot encode the phrases: {e}")))?;
    Ok(crypto::sha256(&bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn unit_defaults(sql: &mut dyn Sql, unit_id: &str) -> Result<Vec<String>, ApiError> {
    sql.query_opt(
        "SELECT body FROM unit_phrases WHERE unit_id = ?1",
        args![unit_id],
    )?
    .map(|row| decode(&row.text(0)?))
    .transpose()
    .map(Option::unwrap_or_default)
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("invalid_phrases", message)
}

/// Replaces identity `user_id`'s own list, if `edit` was made on its current version.
pub async fn replace_own(
    db: &Db,
    unit_id: &str,
    user_id: &str,
    edit: PhraseEdit,
    now: DateTime<Utc>,
) -> Result<PhraseBook, ApiError> {
    let phrases: Vec<String> = edit.phrases.iter().map(|p| p.trim().to_owned()).collect();
    check_phrases(&phrases).map_err(invalid)?;
    let (unit_id, user_id) = (unit_id.to_owned(), user_id.to_owned());
    db.tx(move |sql| {
        let current = sql
            .query_opt(
                "SELECT version FROM phrases WHERE user_id = ?1",
                args![&user_id],
            )?
            .map(|row| row.int(0))
            .transpose()?
            .unwrap_or(0);
        if u64::try_from(current).ok() != Some(edit.base_version) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                STALE_PHRASES,
                format!(
                    "the list changed on another device (version {current}, the edit was made on \
                     {}); fetch it and edit again",
                    edit.base_version
                ),
            ));
        }
        let next = current
            .checked_add(1)
            .ok_or_else(|| ApiError::internal("the phrase list's version is exhausted"))?;
        // Concurrent edits on one version: the primary key and the version condition let one
        // through; the other finds no row to update or a taken key and is refused as stale.
        let written = if current == 0 {
            sql.execute(
                "INSERT INTO phrases (user_id, version, body, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id) DO NOTHING",
                args![&user_id, next, encode(&phrases)?, now.to_rfc3339()],
            )?
        } else {
            sql.execute(
                "UPDATE phrases SET version = ?2, body = ?3, updated_at = ?4
                 WHERE user_id = ?1 AND version = ?5",
                args![&user_id, next, encode(&phrases)?, now.to_rfc3339(), current],
            )?
        };
        if written != 1 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                STALE_PHRASES,
                "the list changed on another device meanwhile; fetch it and edit again",
            ));
        }
        read(sql, &unit_id, &user_id)
    })
    .await
}

/// The default phrases of `unit_id`.
pub async fn unit(db: &Db, actor: &AdminActor, unit_id: &str) -> Result<UnitPhrases, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        Ok(UnitPhrases {
            phrases: unit_defaults(sql, &unit_id)?,
        })
    })
    .await
}

/// Sets the default phrases of `unit_id`; every phone of the unit gets them at its next fetch.
pub async fn set_unit(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    phrases: UnitPhrases,
    now: DateTime<Utc>,
) -> Result<UnitPhrases, ApiError> {
    let phrases: Vec<String> = phrases
        .phrases
        .iter()
        .map(|p| p.trim().to_owned())
        .collect();
    check_phrases(&phrases).map_err(invalid)?;
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        sql.execute(
            "INSERT INTO unit_phrases (unit_id, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (unit_id) DO UPDATE SET body = excluded.body,
               updated_at = excluded.updated_at",
            args![&unit_id, encode(&phrases)?, now.to_rfc3339()],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "phrases.unit_set",
            &unit_id,
            serde_json::json!({ "count": phrases.len() }),
            now,
        )?;
        Ok(UnitPhrases {
            phrases: phrases.clone(),
        })
    })
    .await
}
