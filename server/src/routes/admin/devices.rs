//! The administrators' device endpoints: a unit's devices and the changes of their state
//! (approve, suspend, resume, revoke, wipe).

use super::NO_SUCH;
use crate::admin::devices::{self, DeviceView, Transition};
use crate::error::ApiError;
use crate::openapi::refusals::AdminRefusals;
use crate::routes::extract::Admin;
use crate::routes::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use qianpi_protocol::ErrorBody;

#[utoipa::path(
    get,
    path = "/v1/admin/units/{unit}/devices",
    operation_id = "adminListDevices",
    tag = "admin",
    summary = "List the devices of a unit's people (key ids only)",
    params(("unit" = String, Path, description = "The unit's id.")),
    responses(
        (status = 200, description = "The devices", body = Vec<DeviceView>),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn list_devices(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<Vec<DeviceView>>, ApiError> {
    Ok(Json(devices::list_devices(&state.db, &actor, &unit).await?))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/devices/{device}/{action}",
    operation_id = "adminDeviceAction",
    tag = "admin",
    summary = "Change a device's state",
    description = "approve: pending→active; suspend: active→suspended; resume: suspended→active; \
        revoke: any→revoked (sets revoked_at); wipe: pending/active/suspended→wipe_requested.",
    params(
        ("unit" = String, Path, description = "The unit's id."),
        ("device" = String, Path, description = "The device's id."),
        ("action" = inline(Transition), Path, description = "What to do to the device.")
    ),
    responses(
        (status = 200, description = "The device after the change", body = DeviceView),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 409, description = "`bad_transition`", body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn device_action(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, device, action)): Path<(String, String, String)>,
) -> Result<Json<DeviceView>, ApiError> {
    let transition = Transition::parse(&action).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such device action (approve, suspend, resume, revoke, wipe)",
        )
    })?;
    let view = devices::transition(
        &state.db,
        &actor,
        Some(&unit),
        &device,
        transition,
        Utc::now(),
    )
    .await?;
    Ok(Json(view))
}
