//! 正文与附件文件 — content-addressed blobs (sync.md, Blobs): the files behind a document's body
//! versions and attachments and a notice's attachments, named by their SHA-256.
//!
//! A unit's administrator uploads a file under its hash; the gateway checks the hash, stores the
//! bytes in [`CHUNK_SIZE`] chunks in one transaction and records the unit as an owner, with the
//! media type it gave. The bytes are stored once however many units upload them, but each unit's
//! media type is its own, so an upload tells a unit nothing about another's. A person may fetch
//! a blob only once it has been granted to them, which happens when something naming it reaches
//! their feed: a document's task ([`grant_document`], from the feed's publishing) or a notice. Anyone else gets the same 404
//! whether the blob exists or not, so one unit never learns what another holds.
//!
//! The HTTP side (upload, and the ranged, streamed download) is in [`http`]; the pure parsing of
//! `Range`, `If-Range` and `If-None-Match` in [`range`].

pub mod opinion_files;
pub mod range;

use crate::actor::AdminActor;
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use qianpi_domain::model::Document;
use qianpi_protocol::crypto;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Bytes per stored chunk: small enough that a download holds one chunk in memory at a time and
/// each database read stays short.
pub const CHUNK_SIZE: usize = 256 * 1024;
/// Largest blob accepted (an upload's body limit).
pub const MAX_BLOB_BYTES: usize = qianpi_protocol::MAX_BLOB_BYTES as usize;
/// The media type of an upload that names none.
pub const DEFAULT_MEDIA_TYPE: &str = "application/octet-stream";
/// Longest media type kept (it is sent back as a header).
const MAX_MEDIA_TYPE_LEN: usize = 255;

/// A stored file, as its uploader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Blob)]
pub struct BlobView {
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The media type the unit's readers are served (the unit's first upload's).
    pub media_type: String,
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The blob.
    pub blob: BlobView,
    /// Whether the unit did not own the blob before (201 rather than 200).
    pub created: bool,
}

/// A blob as a download needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// Bytes per chunk it was stored in.
    pub chunk_size: u64,
}

/// 400 `bad_hash` unless `text` is a canonical SHA-256.
pub fn check_hash(text: &str) -> Result<(), ApiError> {
    if crypto::is_sha256_hex(text) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad_hash",
            "a blob is named by its SHA-256 as 64 lowercase hex digits",
        ))
    }
}

/// The media type to store for an upload's `Content-Type` (none: [`DEFAULT_MEDIA_TYPE`]). It is
/// sent back as a header on every download, so only a plain `type/subtype[; params]` of visible
/// ASCII is kept; 400 `bad_media_type` otherwise.
pub fn media_type(content_type: Option<&str>) -> Result<String, ApiError> {
    let Some(text) = content_type.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(DEFAULT_MEDIA_TYPE.to_owned());
    };
    let essence = text.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let well_formed = essence
        .split_once('/')
        .is_some_and(|(t, s)| token(t) && token(s));
    let printable = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    if well_formed && printable && text.len() <= MAX_MEDIA_TYPE_LEN {
        Ok(text.to_owned())
    } else {
        Err(ApiError::bad_request(
            "bad_media_type",
            "the Content-Type is not a media type such as application/pdf",
        ))
    }
}

/// 413 `body_too_large` for a blob over [`MAX_BLOB_BYTES`].
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("a blob may have at most {MAX_BLOB_BYTES} bytes"),
    )
}

/// Stores `body` under `sha256` for `unit_id`. The hash must be the body's (400 `hash_mismatch`
/// otherwise, and nothing is stored). Uploading a blob the unit already owns changes nothing.
pub async fn upload(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    sha256: &str,
    media_type: String,
    body: Bytes,
    now: DateTime<Utc>,
) -> Result<Uploaded, ApiError> {
    check_hash(sha256)?;
    if body.len() > MAX_BLOB_BYTES {
        return Err(too_large());
    }
    // Hashing 64 MiB takes a while: off the async workers.
    let hashed = body.clone();
    let actual = tokio::task::spawn_blocking(move || crypto::sha256_hex(&hashed))
        .await
        .map_err(|e| ApiError::internal(format!("hashing the upload failed: {e}")))?;
    if actual != sha256 {
        return Err(ApiError::bad_request(
            "hash_mismatch",
            format!("the body's SHA-256 is {actual}, not the {sha256} the path names"),
        ));
    }
    let (actor, unit_id, sha256) = (actor.clone(), unit_id.to_owned(), sha256.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let created = put(sql, &unit_id, &sha256, &media_type, &body, now)?;
        let stored = sql.query_one(
            "SELECT b.size, o.media_type FROM blobs b JOIN blob_owners o ON o.sha256 = b.sha256
             WHERE b.sha256 = ?1 AND o.unit_id = ?2",
            args![&sha256, &unit_id],
        )?;
        let blob = BlobView {
            sha256: sha256.clone(),
            size: u64::try_from(stored.int(0)?).unwrap_or(0),
            media_type: stored.text(1)?,
        };
        if created {
            actor.audit(
                sql,
                Some(&unit_id),
                "blob.uploaded",
                &sha256,
                serde_json::json!({ "size": blob.size, "media_type": blob.media_type }),
                now,
            )?;
        }
        Ok(Uploaded { blob, created })
    })
    .await
}

/// Stores `body` under `sha256` (the caller checked the hash) and makes `unit_id` an owner with
/// `media_type`; whether the unit did not own it before. Also how seeded data brings its files.
pub fn put(
    sql: &mut dyn Sql,
    unit_id: &str,
    sha256: &str,
    media_type: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let size = i64::try_from(body.len()).map_err(|_| too_large())?;
    // Two uploads of one new blob at once: the second waits for the first and then finds the
    // row, so the chunks are written exactly once.
    let inserted = sql.execute(
        "INSERT INTO blobs (sha256, size, chunk_size, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
        args![sha256, size, CHUNK_SIZE as i64, now.to_rfc3339()],
    )?;
    if inserted == 1 {
        for (idx, chunk) in body.chunks(CHUNK_SIZE).enumerate() {
            sql.execute(
                "INSERT INTO blob_chunks (sha256, idx, data) VALUES (?1, ?2, ?3)",
                args![sha256, idx as i64, chunk],
            )?;
        }
    }
    Ok(sql.execute(
        "INSERT INTO blob_owners (sha256, unit_id, media_type) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        args![sha256, unit_id, media_type],
    )? == 1)
}

/// Checks that `unit_id` owns every `(sha256, size)` file: 400 `missing_blob` naming the first
/// one not uploaded to the unit, 400 `blob_size_mismatch` for one whose size differs.
pub fn require_owned<'a>(
    sql: &mut dyn Sql,
    unit_id: &str,
    files: impl IntoIterator<Item = (&'a str, u64)>,
) -> Result<(), ApiError> {
    for (sha256, size) in files {
        let stored = sql
            .query_opt(
                "SELECT b.size FROM blobs b JOIN blob_owners o ON o.sha256 = b.sha256
                 WHERE b.sha256 = ?1 AND o.unit_id = ?2",
                args![sha256, unit_id],
            )?
            .map(|row| row.int(0))
            .transpose()?;
        match stored {
            None => {
                return Err(ApiError::bad_request(
                    "missing_blob",
                    format!(
                        "the file {sha256} has not been uploaded to this unit \
                         (PUT /v1/admin/units/{unit_id}/blobs/{sha256})"
                    ),
                ))
            }
            Some(stored) if u64::try_from(stored).ok() != Some(size) => {
                return Err(ApiError::bad_request(
                    "blob_size_mismatch",
                    format!("the file {sha256} has {stored} bytes, not the {size} stated"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The files a document names: its body versions (each with its PDF rendition, when the office
/// provided one) and its attachments, with their sizes.
pub fn document_files(document: &Document) -> Vec<(&str, u64)> {
    let body = &document.body;
    body.versions
        .iter()
        .flat_map(|v| {
            let rendition = v.rendition.as_ref().map(|r| (r.sha256.as_str(), r.size));
            std::iter::once((v.sha256.as_str(), v.size)).chain(rendition)
        })
        .chain(body.attachments.iter().map(|a| (a.sha256.as_str(), a.size)))
        .collect()
}

/// Lets `user_id` fetch those of `hashes` that `unit_id` owns (others are skipped: a grant never
/// reaches another unit's file, nor one not uploaded yet).
pub fn grant<'a>(
    sql: &mut dyn Sql,
    unit_id: &str,
    user_id: &str,
    hashes: impl IntoIterator<Item = &'a str>,
) -> Result<(), ApiError> {
    let hashes: BTreeSet<&str> = hashes.into_iter().collect();
    for sha256 in hashes {
        sql.execute(
            "INSERT INTO blob_readers (sha256, user_id)
             SELECT sha256, ?2 FROM blob_owners WHERE sha256 = ?1 AND unit_id = ?3
             ON CONFLICT DO NOTHING",
            args![sha256, user_id, unit_id],
        )?;
    }
    Ok(())
}

/// Lets `user_id`, a reader of `document`, fetch its body versions, their renditions and its
/// attachments.
pub fn grant_document(
    sql: &mut dyn Sql,
    user_id: &str,
    document: &Document,
) -> Result<(), ApiError> {
    let files = document_files(document);
    grant(
        sql,
        &document.unit_id,
        user_id,
        files.iter().map(|(sha, _)| *sha),
    )
}

/// The blob `sha256` if `user_id` may fetch it, with the media type their unit gave it; `None`
/// whether it is absent or not theirs.
pub fn readable(
    sql: &mut dyn Sql,
    user_id: &str,
    sha256: &str,
) -> Result<Option<BlobMeta>, ApiError> {
    let row = sql.query_opt(
        "SELECT b.size, o.media_type, b.chunk_size FROM blobs b
         JOIN blob_readers r ON r.sha256 = b.sha256
         JOIN users u ON u.id = r.user_id
         JOIN blob_owners o ON o.sha256 = b.sha256 AND o.unit_id = u.unit_id
         WHERE b.sha256 = ?1 AND r.user_id = ?2",
        args![sha256, user_id],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let number = |i| -> Result<u64, ApiError> {
        u64::try_from(row.int(i)?).map_err(|_| ApiError::internal("a stored blob size is negative"))
    };
    Ok(Some(BlobMeta {
        sha256: sha256.to_owned(),
        size: number(0)?,
        media_type: row.text(1)?,
        chunk_size: number(2)?.max(1),
    }))
}

/// Chunk `idx` of blob `sha256`.
pub fn chunk(sql: &mut dyn Sql, sha256: &str, idx: u64) -> Result<Vec<u8>, ApiError> {
    let idx = i64::try_from(idx).map_err(|_| ApiError::internal("chunk index overflow"))?;
    let row = sql
        .query_opt(
            "SELECT data FROM blob_chunks WHERE sha256 = ?1 AND idx = ?2",
            args![sha256, idx],
        )?
        .ok_or_else(|| ApiError::internal(format!("blob {sha256} lacks chunk {idx}")))?;
    Ok(row.blob(0)?)
}

/// 404 `no_such_blob`: the one answer for a blob that is absent and for one not granted.
pub fn no_such_blob() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_such_blob",
        "no such file, or it has not been shared with you",
    )
}

#[cfg(test)]
mod tests;
