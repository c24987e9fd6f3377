//! The integration API for an existing OA system (server/openapi/integration.json documents it),
//! under `/v1/integration` with `Authorization: Bearer qpk_…` (the [`Integration`] extractor),
//! and the administrators' API keys under `/v1/admin/units/{unit}/api-keys`. The logic lives in
//! [`crate::integration`]; a unit outside the key's scope answers 404.

use super::body::{read_body, RawBody};
use super::extract::{parse_json, Admin};
use super::state::AppState;
use crate::admin::flows::FlowStarted;
use crate::blobs::BlobView;
use crate::error::ApiError;
use crate::integration::documents::{self, DocumentView, StartOnDocument, MAX_FILE_BYTES};
use crate::integration::keys::{self, IssuedKey, KeyView, NewKey};
use crate::integration::record::{self, InstanceView, RecordEntry};
use crate::integration::webhooks::{self, DeliveryView, NewSubscription, SubscriptionView};
use crate::integration::IntegrationKey;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;

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
        keys::authenticate(&state.db, authorization)
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
            get(list_webhooks).post(subscribe),
        )
        .route(
            "/v1/integration/webhooks/{id}",
            axum::routing::delete(unsubscribe),
        )
        .route("/v1/integration/webhooks/{id}/deliveries", get(deliveries))
        .route(
            "/v1/admin/units/{unit}/api-keys",
            get(list_keys).post(issue_key),
        )
        .route(
            "/v1/admin/units/{unit}/api-keys/{key}/revoke",
            post(revoke_key),
        )
}

async fn upload(
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

async fn create_document(
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

async fn get_document(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, document)): Path<(String, String)>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(
        documents::get_document(&state.db, &key, &unit, &document).await?,
    ))
}

async fn start_flow(
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

async fn instance(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, instance)): Path<(String, String)>,
) -> Result<Json<InstanceView>, ApiError> {
    Ok(Json(
        record::instance(&state.db, &key, &unit, &instance).await?,
    ))
}

async fn flow_record(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path((unit, instance)): Path<(String, String)>,
) -> Result<Json<Vec<RecordEntry>>, ApiError> {
    Ok(Json(
        record::flow_record(&state.db, &key, &unit, &instance).await?,
    ))
}

async fn list_webhooks(
    State(state): State<AppState>,
    Integration(key): Integration,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    Ok(Json(webhooks::list(&state.db, &key).await?))
}

async fn subscribe(
    State(state): State<AppState>,
    Integration(key): Integration,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<SubscriptionView>), ApiError> {
    let new: NewSubscription = parse_json(&body)?;
    let view = webhooks::subscribe(&state.db, &key, new, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn unsubscribe(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::unsubscribe(&state.db, &key, &id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn deliveries(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    Ok(Json(webhooks::deliveries(&state.db, &key, &id).await?))
}

async fn list_keys(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    Ok(Json(keys::list(&state.db, &actor, &unit).await?))
}

async fn issue_key(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    let new: NewKey = if body.is_empty() {
        NewKey::default()
    } else {
        parse_json(&body)?
    };
    let issued = keys::issue(&state.db, &actor, &unit, new, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

async fn revoke_key(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, key)): Path<(String, String)>,
) -> Result<Json<KeyView>, ApiError> {
    Ok(Json(
        keys::revoke(&state.db, &actor, &unit, &key, Utc::now()).await?,
    ))
}
