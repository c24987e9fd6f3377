//! What an OA system hands over: a body or attachment file (PDF or OFD, checked by its first
//! bytes, stored as a blob of the unit under its SHA-256), a document naming those files (every
//! GB/T 9704 field checked by `Document::validate`), and the flow started on it, through the same
//! [`crate::admin::flows::start_flow`] an administrator uses. Each change is audited under the key.

use super::IntegrationKey;
use crate::actor::not_found;
use crate::admin::flows::{self, FlowStarted, StartFlow};
use crate::blobs::{self, BlobView};
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::args;
use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use qianpi_domain::model::Document;
use qianpi_domain::workflow::ChosenHandlers;
use qianpi_protocol::crypto;
use serde::{Deserialize, Serialize};

/// Largest file accepted through the integration API.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// The media types a body or attachment may have, with the bytes each starts with.
const FORMATS: [(&str, &[u8]); 2] = [
    ("application/pdf", b"%PDF-"),
    // An OFD (GB/T 33190) file is a ZIP container.
    ("application/ofd", b"PK\x03\x04"),
];

/// A stored document as the OA reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = IntegrationDocument)]
pub struct DocumentView {
    /// The document.
    pub document: Document,
    /// The flow started on it, once one is.
    #[schema(required = true)]
    pub instance_id: Option<String>,
    /// When it was handed over (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A flow to start on a stored document.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartOnDocument {
    /// A process definition of the unit.
    pub definition_id: String,
    /// The initiator: a person (user id) of the unit.
    pub drafter: String,
    /// 发起时选定处理人: for the process's steps whose handlers the starter chooses, node id → the
    /// user ids chosen, in order (people of the unit); a step the process leaves open must be
    /// chosen here.
    #[serde(default, skip_serializing_if = "ChosenHandlers::is_empty")]
    #[schema(value_type = std::collections::BTreeMap<String, Vec<String>>)]
    pub handlers: ChosenHandlers,
}

/// The format a file's `Content-Type` names, if it is one the API takes (415 otherwise): its
/// media type and the bytes such a file starts with; `None` for `application/octet-stream`, whose
/// format is read from its first bytes.
pub fn format_of(
    content_type: Option<&str>,
) -> Result<Option<(&'static str, &'static [u8])>, ApiError> {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if essence == "application/octet-stream" {
        return Ok(None);
    }
    FORMATS
        .iter()
        .find(|(t, _)| *t == essence)
        .copied()
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "a body or attachment is sent as application/pdf, application/ofd or \
                 application/octet-stream",
            )
        })
}

/// The media type of a file sent with `content_type`: 415 for another type, 413 over
/// [`MAX_FILE_BYTES`], 400 `bad_file` when the bytes are not of that format (or, sent as
/// `application/octet-stream`, of neither).
pub fn check_file(content_type: Option<&str>, body: &[u8]) -> Result<&'static str, ApiError> {
    let format = format_of(content_type)?;
    if body.len() > MAX_FILE_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("a file may have at most {MAX_FILE_BYTES} bytes"),
        ));
    }
    let found = FORMATS.iter().find(|(_, magic)| body.starts_with(magic));
    match (format, found) {
        (Some((media_type, magic)), _) if body.starts_with(magic) => Ok(media_type),
        (None, Some((media_type, _))) => Ok(media_type),
        _ => Err(ApiError::bad_request(
            "bad_file",
            "the file is neither a PDF nor an OFD file of the type named",
        )),
    }
}

/// Stores a file for `unit_id`; whether it is new to the unit.
pub async fn upload_file(
    db: &Db,
    key: &IntegrationKey,
    unit_id: &str,
    content_type: Option<&str>,
    body: Bytes,
    now: DateTime<Utc>,
) -> Result<(BlobView, bool), ApiError> {
    let actor = key.in_unit(unit_id)?;
    let media_type = check_file(content_type, &body)?;
    let hashed = body.clone();
    let sha256 = tokio::task::spawn_blocking(move || crypto::sha256_hex(&hashed))
        .await
        .map_err(|e| ApiError::internal(format!("hashing the upload failed: {e}")))?;
    let uploaded = blobs::upload(
        db,
        &actor,
        unit_id,
        &sha256,
        media_type.to_owned(),
        body,
        now,
    )
    .await?;
    Ok((uploaded.blob, uploaded.created))
}

/// Stores `document` for `unit_id`, checked and with every file it names already in the unit.
pub async fn create_document(
    db: &Db,
    key: &IntegrationKey,
    unit_id: &str,
    document: Document,
    now: DateTime<Utc>,
) -> Result<DocumentView, ApiError> {
    let actor = key.in_unit(unit_id)?;
    if document.unit_id != unit_id {
        return Err(ApiError::bad_request(
            "unit_mismatch",
            "the document belongs to another unit than the one in the path",
        ));
    }
    document.validate().map_err(|e| {
        ApiError::bad_request(
            "invalid_document",
            format!("the document is not valid: {e}"),
        )
    })?;
    let (key_id, unit_id) = (key.id.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        blobs::require_owned(sql, &unit_id, blobs::document_files(&document))?;
        // Document ids are the deployment's: one already started elsewhere is taken.
        let taken = sql
            .query_opt(
                "SELECT id FROM documents WHERE id = ?1",
                args![&document.id],
            )?
            .is_some();
        if taken {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                "a document with this id already exists",
            ));
        }
        sql.execute(
            "INSERT INTO integration_documents (id, unit_id, key_id, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            args![
                &document.id,
                &unit_id,
                &key_id,
                encode(&document)?,
                now.to_rfc3339()
            ],
        )?;
        actor.audit(
            sql,
            Some(&unit_id),
            "document.received",
            &document.id,
            serde_json::json!({ "files": blobs::document_files(&document).len() }),
            now,
        )?;
        Ok(DocumentView {
            document: document.clone(),
            instance_id: None,
            created_at: now.to_rfc3339(),
        })
    })
    .await
}

/// Document `document_id` of `unit_id` as handed over (404 `no_such_document` for another
/// unit's, or one never handed over).
pub async fn get_document(
    db: &Db,
    key: &IntegrationKey,
    unit_id: &str,
    document_id: &str,
) -> Result<DocumentView, ApiError> {
    key.in_unit(unit_id)?;
    let (unit_id, document_id) = (unit_id.to_owned(), document_id.to_owned());
    db.once(move |sql| {
        let row = sql
            .query_opt(
                "SELECT d.body, COALESCE(d.instance_id,
                        (SELECT i.id FROM instances i
                         WHERE i.document_id = d.id AND i.unit_id = d.unit_id)),
                    d.created_at
                 FROM integration_documents d WHERE d.id = ?1 AND d.unit_id = ?2",
                args![&document_id, &unit_id],
            )?
            .ok_or_else(|| no_such_document(&document_id))?;
        Ok(DocumentView {
            document: decode(&row.text(0)?)?,
            instance_id: row.opt_text(1)?,
            created_at: row.text(2)?,
        })
    })
    .await
}

fn no_such_document(id: &str) -> ApiError {
    not_found("no_such_document", format!("no document {id}"))
}

/// Starts a flow on a handed-over document; 409 `already_started` if one was.
pub async fn start_flow(
    db: &Db,
    key: &IntegrationKey,
    unit_id: &str,
    document_id: &str,
    start: StartOnDocument,
    now: DateTime<Utc>,
) -> Result<FlowStarted, ApiError> {
    let actor = key.in_unit(unit_id)?;
    let view = get_document(db, key, unit_id, document_id).await?;
    if view.instance_id.is_some() {
        return Err(already_started());
    }
    let started = flows::start_flow(
        db,
        &actor,
        unit_id,
        StartFlow {
            definition_id: start.definition_id,
            drafter: start.drafter,
            document: view.document,
            instance_id: None,
            handlers: start.handlers,
        },
        now,
    )
    .await?;
    let (instance_id, document_id, unit_id) = (
        started.instance_id.clone(),
        document_id.to_owned(),
        unit_id.to_owned(),
    );
    // Starting stored the document under its id, so a second start of the same document fails
    // there (409); this only records which flow carries it (a read finds it without, too).
    db.tx(move |sql| {
        sql.execute(
            "UPDATE integration_documents SET instance_id = ?1 WHERE id = ?2 AND unit_id = ?3",
            args![&instance_id, &document_id, &unit_id],
        )?;
        Ok(())
    })
    .await?;
    Ok(started)
}

fn already_started() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_started",
        "a flow was already started on this document",
    )
}
