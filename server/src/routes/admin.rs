//! The administrators' endpoints under `/v1/admin` (server/openapi/admin.json documents them):
//! `Authorization: Bearer <admin token>`, JSON in and out (CSV for the address book import), the
//! logic in [`crate::admin`]. The operator may do anything; a unit administrator only in their
//! unit, and another unit's data answers 404 as if it did not exist.

use super::body::RawBody;
use super::extract::{parse_json, Admin};
use super::state::AppState;
use crate::admin::address_book;
use crate::admin::devices::{self, DeviceView, Transition};
use crate::admin::flows::{self, FlowStarted, StartFlow};
use crate::admin::people::{self, NewUnit, NewUser, UnitView, UserView};
use crate::admin::tokens::{self, Holder, IssuedToken};
use crate::admin::{self, IssuedCode};
use crate::checkpoints::{self, PolicyChange};
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_domain::workflow::ProcessDefinition;
use serde::Deserialize;

/// The admin routes, to nest under `/v1/admin`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", post(create_unit))
        .route("/units/{unit}/users", get(list_users).post(create_user))
        .route("/units/{unit}/users/import", post(import_users))
        .route(
            "/units/{unit}/users/{user}/activation-code",
            post(issue_code),
        )
        .route("/units/{unit}/definitions", post(load_definition))
        .route("/units/{unit}/devices", get(list_devices))
        .route(
            "/units/{unit}/devices/{device}/{action}",
            post(device_action),
        )
        .route("/units/{unit}/flows", post(start_flow))
        .route("/units/{unit}/admin-tokens", post(issue_admin_token))
        .route("/units/{unit}/policy", put(set_policy))
}

async fn create_unit(
    State(state): State<AppState>,
    Admin(actor): Admin,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<UnitView>), ApiError> {
    actor.require_operator()?;
    let unit: NewUnit = parse_json(&body)?;
    let view = people::create_unit(&state.db, &actor, unit, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn list_users(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(people::list_users(&state.db, &actor, &unit).await?))
}

async fn create_user(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user: NewUser = parse_json(&body)?;
    let view = people::create_user(&state.db, &actor, &unit, user, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn import_users(
    State(state): State<AppState>,
    Admin(actor): Admin,
    headers: HeaderMap,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<Vec<UserView>>), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/csv");
    if !content_type.trim_start().starts_with("text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the address book must be sent as text/csv",
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("malformed_body", "the CSV is not UTF-8"))?;
    let users = address_book::import_csv(&state.db, &actor, &unit, text, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(users)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    #[serde(default)]
    needs_approval: bool,
}

async fn issue_code(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((unit, user)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<IssuedCode>), ApiError> {
    let request: CodeRequest = if body.is_empty() {
        CodeRequest::default()
    } else {
        parse_json(&body)?
    };
    let code = admin::issue_code(
        &state.db,
        &actor,
        Some(&unit),
        &user,
        request.needs_approval,
        Utc::now().timestamp(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(code)))
}

async fn load_definition(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<ProcessDefinition>), ApiError> {
    let definition: ProcessDefinition = parse_json(&body)?;
    let loaded = flows::load_definition(&state.db, &actor, &unit, definition, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(loaded)))
}

async fn list_devices(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<Vec<DeviceView>>, ApiError> {
    Ok(Json(devices::list_devices(&state.db, &actor, &unit).await?))
}

async fn device_action(
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

async fn start_flow(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<FlowStarted>), ApiError> {
    let start: StartFlow = parse_json(&body)?;
    let started = flows::start_flow(&state.db, &actor, &unit, start, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    user_id: String,
    #[serde(default)]
    label: String,
}

async fn issue_admin_token(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let request: TokenRequest = parse_json(&body)?;
    let issued = tokens::issue_unit_admin_token(
        &state.db,
        &actor,
        Some(&unit),
        Holder::User(request.user_id),
        &request.label,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

async fn set_policy(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<checkpoints::UnitPolicy>, ApiError> {
    let change: PolicyChange = parse_json(&body)?;
    let policy = checkpoints::set_policy(&state.db, &actor, &unit, change, Utc::now()).await?;
    Ok(Json(policy))
}
