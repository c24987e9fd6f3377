//! 手写签批 and 语音 — the handwriting images and voice clips of opinions, uploaded by the person's
//! own phone (a signed `PUT /v1/blobs/<sha256>`, at most [`MAX_OPINION_FILE_BYTES`]) and stored
//! with the other blobs: chunked, owned by the person's unit with the media type the phone gave,
//! and recorded (and audited) as uploaded by that person, who may fetch it back.
//!
//! A command may name in its opinion only files its signer uploaded ([`first_missing`]): the
//! signed record binds the file by its hash, and the gateway must hold those very bytes before
//! the opinion enters the flow record. Everyone the flow is then published to may fetch them
//! ([`grant_instance`]), as they may the document's own files.

use super::{check_hash, CHUNK_SIZE};
use crate::audit::{self, Event};
use crate::db::Db;
use crate::error::ApiError;
use crate::refusals::Reason;
use crate::sql::args;
use crate::sql::Sql;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::{Command, Instance, Opinion, OpinionFile, MAX_OPINION_FILE_BYTES};
use qianpi_protocol::crypto;
use qianpi_protocol::phrases::OPINION_FILE_MISSING;

/// Largest opinion file accepted, as the body limit of the upload route.
pub const MAX_BYTES: usize = MAX_OPINION_FILE_BYTES as usize;

/// 413 `body_too_large` for an opinion file over [`MAX_BYTES`].
pub fn too_large() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("a handwriting image or voice clip may have at most {MAX_BYTES} bytes"),
    )
}

/// What an upload stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = UploadedOpinionFile)]
pub struct UploadedFile {
    /// SHA-256 of the bytes.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// Size in bytes.
    #[schema(maximum = 2097152)]
    pub size: u64,
    /// Whether this person had not uploaded it before (201 rather than 200).
    #[serde(skip)]
    pub created: bool,
}

/// Stores `body` under `sha256` as uploaded by identity `user_id` of `unit_id`. The hash must be
/// the body's (400 `hash_mismatch`, nothing stored); a body over [`MAX_BYTES`] is a 413.
pub async fn upload(
    db: &Db,
    unit_id: &str,
    user_id: &str,
    sha256: &str,
    media_type: String,
    body: Bytes,
    now: DateTime<Utc>,
) -> Result<UploadedFile, ApiError> {
    check_hash(sha256)?;
    if body.len() > MAX_BYTES {
        return Err(too_large());
    }
    let actual = crypto::sha256_hex(&body);
    if actual != sha256 {
        return Err(ApiError::bad_request(
            "hash_mismatch",
            format!("the body's SHA-256 is {actual}, not the {sha256} the path names"),
        ));
    }
    let size = i64::try_from(body.len()).map_err(|_| too_large())?;
    let (unit_id, user_id, sha256) = (unit_id.to_owned(), user_id.to_owned(), sha256.to_owned());
    db.tx(move |sql| {
        let inserted = sql.execute(
            "INSERT INTO blobs (sha256, size, chunk_size, created_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sha256) DO NOTHING",
            args![&sha256, size, CHUNK_SIZE as i64, now.to_rfc3339()],
        )?;
        if inserted == 1 {
            for (idx, chunk) in body.chunks(CHUNK_SIZE).enumerate() {
                sql.execute(
                    "INSERT INTO blob_chunks (sha256, idx, data) VALUES (?1, ?2, ?3)",
                    args![&sha256, idx as i64, chunk],
                )?;
            }
        }
        sql.execute(
            "INSERT INTO blob_owners (sha256, unit_id, media_type) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            args![&sha256, &unit_id, &media_type],
        )?;
        let created = sql.execute(
            "INSERT INTO blob_uploaders (sha256, user_id, uploaded_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            args![&sha256, &user_id, now.to_rfc3339()],
        )? == 1;
        // The uploader may fetch it back (another phone of theirs shows their own opinion).
        super::grant(sql, &unit_id, &user_id, [sha256.as_str()])?;
        let stored = sql.query_one("SELECT size FROM blobs WHERE sha256 = ?1", args![&sha256])?;
        if created {
            audit::append(
                sql,
                &Event {
                    unit_id: Some(&unit_id),
                    actor: &user_id,
                    kind: "opinion_file.uploaded",
                    subject: &sha256,
                    detail: serde_json::json!({ "size": size, "media_type": media_type }),
                },
                now,
            )?;
        }
        Ok(UploadedFile {
            sha256: sha256.clone(),
            size: u64::try_from(stored.int(0)?).unwrap_or(0),
            created,
        })
    })
    .await
}

/// The refusal of a command whose opinion names a file identity `user_id` has not uploaded.
pub fn missing(
    sql: &mut dyn Sql,
    user_id: &str,
    command: &Command,
) -> Result<Option<Reason>, ApiError> {
    let Some(opinion) = command.opinion() else {
        return Ok(None);
    };
    Ok(first_missing(sql, user_id, opinion)?.map(|_| {
        (
            OPINION_FILE_MISSING,
            "手写签批或语音尚未上传，上传后将自动重新提交",
            "the opinion's handwriting or voice has not been uploaded yet; upload it and send the \
             command again",
        )
    }))
}

/// The refusal of a command whose opinion states another size for a file than the stored one.
pub fn misdescribed(sql: &mut dyn Sql, command: &Command) -> Result<Option<Reason>, ApiError> {
    let Some(opinion) = command.opinion() else {
        return Ok(None);
    };
    Ok(first_misdescribed(sql, opinion)?.map(|_| {
        (
            "opinion_file_mismatch",
            "意见所附文件的大小与已上传的文件不符",
            "the opinion states another size than the uploaded file's",
        )
    }))
}

/// The first file of `opinion` that identity `user_id` has not uploaded, if any.
pub fn first_missing<'a>(
    sql: &mut dyn Sql,
    user_id: &str,
    opinion: &'a Opinion,
) -> Result<Option<&'a OpinionFile>, ApiError> {
    for file in opinion.files() {
        let held = sql
            .query_opt(
                "SELECT 1 FROM blob_uploaders WHERE sha256 = ?1 AND user_id = ?2",
                args![&file.sha256, user_id],
            )?
            .is_some();
        if !held {
            return Ok(Some(file));
        }
    }
    Ok(None)
}

/// The first file of `opinion` whose stored size is not the one the opinion states.
pub fn first_misdescribed<'a>(
    sql: &mut dyn Sql,
    opinion: &'a Opinion,
) -> Result<Option<&'a OpinionFile>, ApiError> {
    for file in opinion.files() {
        let size = sql
            .query_opt(
                "SELECT size FROM blobs WHERE sha256 = ?1",
                args![&file.sha256],
            )?
            .map(|row| row.int(0))
            .transpose()?;
        if size.and_then(|s| u64::try_from(s).ok()) != Some(file.size) {
            return Ok(Some(file));
        }
    }
    Ok(None)
}

/// Lets `user_id`, to whom `instance` of `unit_id` is being published, fetch the handwriting
/// and voice of every opinion in it.
pub fn grant_instance(
    sql: &mut dyn Sql,
    unit_id: &str,
    user_id: &str,
    instance: &Instance,
) -> Result<(), ApiError> {
    let hashes: Vec<&str> = instance
        .tasks
        .iter()
        .filter_map(|task| task.opinion.as_ref())
        .flat_map(Opinion::files)
        .map(|file| file.sha256.as_str())
        .collect();
    if hashes.is_empty() {
        return Ok(());
    }
    super::grant(sql, unit_id, user_id, hashes)
}
