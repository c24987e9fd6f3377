//! The administrators' flow endpoints: loading a process definition into a unit, and starting a
//! flow on a document for a drafter.

use super::{NO_SUCH, TOO_LARGE};
use crate::admin::flows::{self, FlowStarted, StartFlow};
use crate::error::ApiError;
use crate::openapi::refusals::AdminRefusals;
use crate::routes::body::RawBody;
use crate::routes::extract::{parse_json, Admin};
use crate::routes::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use qianpi_domain::workflow::ProcessDefinition;
use qianpi_protocol::ErrorBody;

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/definitions",
    operation_id = "adminLoadDefinition",
    tag = "admin",
    summary = "Load a process definition",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body = ProcessDefinition,
    responses(
        (status = 201, description = "Loaded", body = ProcessDefinition),
        (status = 400, description = "`malformed_body`, `invalid_definition` (fails validation, \
            or a handler is not a person of the unit)", body = ErrorBody),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 409, description = "`already_exists`", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn load_definition(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<ProcessDefinition>), ApiError> {
    let definition: ProcessDefinition = parse_json(&body)?;
    let loaded = flows::load_definition(&state.db, &actor, &unit, definition, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(loaded)))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/flows",
    operation_id = "adminStartFlow",
    tag = "admin",
    summary = "Start a flow on a document for a drafter",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body = StartFlow,
    responses(
        (status = 201, description = "Started and published", body = FlowStarted),
        (status = 400, description = "`malformed_body`, `unit_mismatch`, `invalid_document`, \
            `invalid_definition`, `invalid_handlers` (a handler chosen at start who is not a \
            person of the unit, or a choice that does not fit the process)", body = ErrorBody),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 409, description = "`already_exists`: the document or instance id is taken",
         body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn start_flow(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<FlowStarted>), ApiError> {
    let start: StartFlow = parse_json(&body)?;
    let started = flows::start_flow(&state.db, &actor, &unit, start, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(started)))
}
