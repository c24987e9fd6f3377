//! The integration API for an existing OA system (each handler carries its OpenAPI description),
//! under `/v1/integration` with `Authorization: Bearer qpk_…` (the [`Integration`] extractor),
//! and the administrators' API keys under `/v1/admin/units/{unit}/api-keys`: here the files,
//! documents and flows of a unit; [`webhooks`] and [`keys`] the rest. The logic lives in
//! [`crate::integration`]; a unit outside the key's scope answers 404.

pub(crate) mod keys;
pub(crate) mod webhooks;

use super::body::{read_body, RawBody};
use super::extract::parse_json;
use super::state::AppState;
use crate::admin::flows::FlowStarted;
use crate::blobs::BlobView;
use crate::error::ApiError;
use crate::integration::documents::{self, DocumentView, StartOnDocument, MAX_FILE_BYTES};
use crate::integration::keys as api_keys;
use crate::integration::record::{self, InstanceView, RecordEntry};
use crate::integration::IntegrationKey;
use crate::openapi::notices::Binary;
use crate::openapi::refusals::IntegrationRefusals;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_domain::model::Document;
use qianpi_protocol::ErrorBody;

/// The API key an `Authorization: Bearer qpk_…` header names (401 without a valid one). Reads
/// only the head, so it is checked before any body is read.
pub struct Integration(pub IntegrationKey);

impl FromRequestParts<AppState> for Integration {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Integration, ApiError> {
        let authorization = super::extract::authorization(parts, "bad_key")?;
        api_keys::authenticate(&state.db, authorization)
            .await
            .map(Integration)
    }
}

/// The integration routes and the administrators' key routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    let units = "/v1/integration/units/{unit}";
    Router::new()
        .route(
            &format!("{units}/files"),
            post(upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)),
        )
        .route(&format!("{units}/documents"), post(create_document))
        .route(
            &format!("{units}/documents/{{document}}"),
            get(get_document),
        )
        .route(
            &format!("{units}/documents/{{document}}/flow"),
            post(start_flow),
        )
        .route(&format!("{units}/instances/{{instance}}"), get(instance))
        .route(
            &format!("{units}/instances/{{instance}}/record"),
            get(flow_record),
        )
        .route(
            "/v1/integration/webhooks",
            get(webhooks::list_webhooks).post(webhooks::subscribe),
        )
        .route(
            "/v1/integration/webhooks/{id}",
            axum::routing::delete(webhooks::unsubscribe),
        )
        .route(
            "/v1/integration/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .route(
            "/v1/admin/units/{unit}/api-keys",
            get(keys::list_keys).post(keys::issue_key),
        )
        .route(
            "/v1/admin/units/{unit}/api-keys/{key}/revoke",
            post(keys::revoke_key),
        )
}

#[utoipa::path(
    post,
    path = "/v1/integration/units/{unit}/files",
    operation_id = "integrationUploadFile",
    tag = "integration",
    summary = "Upload a body or attachment file (PDF or OFD).",
    description = "The raw file is the body, at most 50 MiB, sent as `application/pdf` or \
        `application/ofd` (the bytes must start as such a file does: `%PDF-`, or a ZIP container \
        for OFD), or as `application/octet-stream` (the format is then read from those first \
        bytes). The gateway computes its SHA-256 and stores it as a file of the unit; a document \
        then names it by that hash and size in a body version or attachment. Uploading a file \
        the unit already holds changes nothing (200). Audited `blob.uploaded` under \
        `apikey:<key id>`.",
    params(("unit" = String, Path, description = "The unit id; it must be one the key is scoped to (another answers 404 `no_such_unit`).")),
    request_body(content(
        (inline(Binary) = "application/pdf"),
        (inline(Binary) = "application/ofd"),
        (inline(Binary) = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "The unit already held this file; nothing changed.",
         body = BlobView),
        (status = 201, description = "Stored.", body = BlobView),
        (status = 400, description = "`bad_file` (the bytes are not of the named format), \
         `unreadable_body`, `malformed_encoding`.", body = ErrorBody),
        (status = 404, description = "`no_such_unit`: no such unit, or not one the key is \
         scoped to.", body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type` (neither application/pdf, \
         application/ofd nor application/octet-stream) or `unsupported_encoding`.",
         body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    // Checked before the body is read: nobody unauthenticated makes the gateway take in 50 MB.
    Integration(key): Integration,
    headers: HeaderMap,
    Path(unit): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<BlobView>), ApiError> {
    key.in_unit(&unit)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The media type is refused before a large body is read.
    documents::format_of(content_type.as_deref())?;
    let body = read_body(request, &state, MAX_FILE_BYTES).await?;
    let (blob, created) = documents::upload_file(
        &state.db,
        &key,
        &unit,
        content_type.as_deref(),
        body,
        Utc::now(),
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(blob)))
}

#[utoipa::path(
    post,
    path = "/v1/integration/units/{unit}/documents",
    operation_id = "integrationCreateDocument",
    tag = "integration",
    summary = "Hand over a document (GB/T 9704 fields) with its body and attachments.",
    description = "The document as core's model has it; its `unit_id` must be the unit in the \
        path, every field is checked as the phones check it, and every file it names (body \
        versions, their renditions, attachments) must have been uploaded to the unit with the \
        size stated. The document is stored, not yet started: start its flow with POST \
        …/documents/{document}/flow. Audited `document.received`.",
    params(("unit" = String, Path, description = "The unit id; it must be one the key is scoped to (another answers 404 `no_such_unit`).")),
    request_body = Document,
    responses(
        (status = 201, description = "Stored.", body = DocumentView),
        (status = 400, description = "`malformed_body`, `unit_mismatch`, `invalid_document`, \
         `missing_blob`, `blob_size_mismatch`, `invalid_text`.", body = ErrorBody),
        (status = 404, description = "`no_such_unit`.", body = ErrorBody),
        (status = 409, description = "`already_exists`: a document with this id exists.",
         body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn create_document(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    key.in_unit(&unit)?;
    let document = parse_json(&body)?;
    let view = documents::create_document(&state.db, &key, &unit, document, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    get,
    path = "/v1/integration/units/{unit}/documents/{document}",
    operation_id = "integrationGetDocument",
    tag = "integration",
    summary = "Read a handed-over document and the flow started on it.",
    description = "Only documents handed over through this API in the unit; another unit's id \
        answers 404.",
    params(("unit" = String, Path, description = "The unit id; it must be one the key is scoped to (another answers 404 `no_such_unit`)."), ("document" = String, Path, description = "The document id.")),
    responses(
        (status = 200, description = "The document.", body = DocumentView),
        (status = 404, description = "`no_such_unit` or `no_such_document`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn get_document(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, document)): Path<(String, String)>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(
        documents::get_document(&state.db, &key, &unit, &document).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/v1/integration/units/{unit}/documents/{document}/flow",
    operation_id = "integrationStartFlow",
    tag = "integration",
    summary = "Start the flow on a handed-over document.",
    description = "Starts the unit's process definition `definition_id` on the document for the \
        drafter (the initiator, a person of the unit), exactly as an administrator's start, with \
        the handlers the OA chose for the steps the process leaves to the starter (`handlers`): the \
        first tasks reach their handlers' phones (a document above 无 is started but never \
        reaches a phone). Audited `flow.started` under the key; subscriptions receive \
        `flow.moved`.",
    params(("unit" = String, Path, description = "The unit id; it must be one the key is scoped to (another answers 404 `no_such_unit`)."), ("document" = String, Path, description = "The document id.")),
    request_body = StartOnDocument,
    responses(
        (status = 201, description = "Started.", body = FlowStarted),
        (status = 400, description = "`malformed_body`, `invalid_definition`, \
         `invalid_handlers` (a step left unchosen, someone chosen twice or not of the unit, a step \
         that takes no choice), `invalid_document`, `missing_blob`, `blob_size_mismatch`, \
         `unit_mismatch`.",
         body = ErrorBody),
        (status = 404, description = "`no_such_unit`, `no_such_document`, \
         `no_such_definition`, `no_such_user`.", body = ErrorBody),
        (status = 409, description = "`already_started`, or `already_exists` (the document or \
         instance id is taken).", body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn start_flow(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, document)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<FlowStarted>), ApiError> {
    key.in_unit(&unit)?;
    let start: StartOnDocument = parse_json(&body)?;
    let started =
        documents::start_flow(&state.db, &key, &unit, &document, start, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

#[utoipa::path(
    get,
    path = "/v1/integration/units/{unit}/instances/{instance}",
    operation_id = "integrationGetInstance",
    tag = "integration",
    summary = "Where a flow stands: state, version, open nodes and waiting tasks.",
    description = "Any instance of the unit; another unit's id answers 404.",
    params(("unit" = String, Path, description = "The unit id; it must be one the key is scoped to (another answers 404 `no_such_unit`)."), ("instance" = String, Path, description = "The instance id.")),
    responses(
        (status = 200, description = "The instance.", body = InstanceView),
        (status = 404, description = "`no_such_unit` or `no_such_instance`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn instance(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, instance)): Path<(String, String)>,
) -> Result<Json<InstanceView>, ApiError> {
    Ok(Json(
        record::instance(&state.db, &key, &unit, &instance).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/v1/integration/units/{unit}/instances/{instance}/record",
    operation_id = "integrationGetFlowRecord",
    tag = "integration",
    summary = "The flow record (流转记录): every accepted action, oldest first.",
    description = "Who acted (and who entered it for them, 代签), when, at which node, the \
        action, the attitude and the opinion text, and the route chosen.",
    params(("unit" = String, Path, description = "The unit id; it must be one the key is scoped to (another answers 404 `no_such_unit`)."), ("instance" = String, Path, description = "The instance id.")),
    responses(
        (status = 200, description = "The record.", body = [RecordEntry]),
        (status = 404, description = "`no_such_unit` or `no_such_instance`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn flow_record(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, instance)): Path<(String, String)>,
) -> Result<Json<Vec<RecordEntry>>, ApiError> {
    Ok(Json(
        record::flow_record(&state.db, &key, &unit, &instance).await?,
    ))
}
