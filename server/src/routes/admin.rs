//! The administrators' endpoints under `/v1/admin` (each handler carries its OpenAPI description):
//! `Authorization: Bearer <admin token>`, JSON in and out (CSV for the address book import), the
//! logic in [`crate::admin`]. The operator may do anything; a unit administrator only in their
//! unit, and another unit's data answers 404 as if it did not exist.

pub(crate) mod devices;
pub(crate) mod flows;

use super::body::RawBody;
use super::extract::{parse_json, Admin};
use super::state::AppState;
use crate::admin::address_book;
use crate::admin::people::{self, NewUnit, NewUser, UnitView, UserView};
use crate::admin::tokens::{self, Holder, IssuedToken};
use crate::admin::{self, IssuedCode};
use crate::checkpoints::{self, PolicyChange, UnitPolicy};
use crate::error::ApiError;
use crate::openapi::refusals::AdminRefusals;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::ErrorBody;
use serde::Deserialize;

/// The 404 of the operations under a unit.
pub(crate) const NO_SUCH: &str = "`no_such_unit` (also for another unit's data), `no_such_user`, \
    `no_such_device`, `no_such_definition`, or `not_found`";
/// The 413 of the operations that take a body.
pub(crate) const TOO_LARGE: &str = "`body_too_large`";

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
        .route("/units/{unit}/definitions", post(flows::load_definition))
        .route("/units/{unit}/devices", get(devices::list_devices))
        .route(
            "/units/{unit}/devices/{device}/{action}",
            post(devices::device_action),
        )
        .route("/units/{unit}/flows", post(flows::start_flow))
        .route("/units/{unit}/admin-tokens", post(issue_admin_token))
        .route("/units/{unit}/policy", put(set_policy))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units",
    operation_id = "adminCreateUnit",
    tag = "admin",
    summary = "Create a unit (deployment operator only)",
    request_body = NewUnit,
    responses(
        (status = 201, description = "Created", body = UnitView),
        (status = 400, description = "`malformed_body`, `invalid_unit`", body = ErrorBody),
        (status = 409, description = "`already_exists`", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn create_unit(
    State(state): State<AppState>,
    Admin(actor): Admin,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<UnitView>), ApiError> {
    actor.require_operator()?;
    let unit: NewUnit = parse_json(&body)?;
    let view = people::create_unit(&state.db, &actor, unit, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    get,
    path = "/v1/admin/units/{unit}/users",
    operation_id = "adminListUsers",
    tag = "admin",
    summary = "List a unit's identities",
    params(("unit" = String, Path, description = "The unit's id.")),
    responses(
        (status = 200, description = "The unit's identities", body = Vec<UserView>),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(people::list_users(&state.db, &actor, &unit).await?))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/users",
    operation_id = "adminCreateUser",
    tag = "admin",
    summary = "Create one identity (login + post + unit)",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, description = "`malformed_body`, `invalid_user`", body = ErrorBody),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 409, description = "`already_exists`: the login already holds this post in the \
            unit", body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user: NewUser = parse_json(&body)?;
    let view = people::create_user(&state.db, &actor, &unit, user, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/users/import",
    operation_id = "adminImportUsers",
    tag = "admin",
    summary = "Import the address book (通讯录), all or nothing",
    description = "Header `login,name,post,role` or `登录名,姓名,职务,角色`, optionally followed by \
        `department,office_phone` (`处室,办公电话`) for the address book phones receive. Any bad \
        row refuses the whole file with 400 `invalid_rows`, naming each bad row (line number, \
        header = 1) and why.",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 201, description = "The identities created", body = Vec<UserView>),
        (status = 400, description = "`invalid_header`, `invalid_rows`, `malformed_body` (not \
            UTF-8)", body = ErrorBody),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not text/csv; \
            `unsupported_encoding`: the body's Content-Encoding is neither gzip nor absent",
         body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn import_users(
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

/// What an activation code is issued with; the body may be left out.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeRequest {
    /// Whether the device the code binds waits for an administrator's approval.
    #[serde(default)]
    #[schema(default = false)]
    needs_approval: bool,
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/users/{user}/activation-code",
    operation_id = "adminIssueCode",
    tag = "admin",
    summary = "Issue a one-time activation code for an identity",
    params(
        ("unit" = String, Path, description = "The unit's id."),
        ("user" = String, Path, description = "The identity's user id, of that unit.")
    ),
    // By reference: a body the request may leave out, not a `null` one.
    request_body(content = ref("#/components/schemas/CodeRequest"),
        content_type = "application/json"),
    responses(
        (status = 201, description = "The code, shown once", body = IssuedCode),
        (status = 400, description = "`malformed_body`", body = ErrorBody),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn issue_code(
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

/// Whom an admin token is issued to.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    /// The unit administrator's user id.
    user_id: String,
    /// A label to recognise the token by.
    #[serde(default)]
    label: String,
}

#[utoipa::path(
    post,
    path = "/v1/admin/units/{unit}/admin-tokens",
    operation_id = "adminIssueToken",
    tag = "admin",
    summary = "Issue an admin token for a unit administrator (operator or that unit's admin)",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body = TokenRequest,
    responses(
        (status = 201, description = "The token, shown once", body = IssuedToken),
        (status = 400, description = "`malformed_body`", body = ErrorBody),
        (status = 404, description = NO_SUCH, body = ErrorBody),
        (status = 409, description = "`not_unit_admin`: the person's role is not unit_admin",
         body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn issue_admin_token(
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

#[utoipa::path(
    put,
    path = "/v1/admin/units/{unit}/policy",
    operation_id = "adminSetPolicy",
    tag = "admin",
    summary = "Change a unit's offline policy (operator or that unit's admin)",
    description = "Absent fields keep their value; the policy gets the next version, and phones \
        get it with their next checkpoint (the signed `checkpoint` of a pull). Limits are given \
        in days and answered in seconds. Refused with 400 `invalid_policy` when they make no \
        sense: a wipe limit shorter than the block limit, or a zero.",
    params(("unit" = String, Path, description = "The unit's id.")),
    request_body = PolicyChange,
    responses(
        (status = 200, description = "The unit's policy after the change", body = UnitPolicy),
        (status = 400, description = "`malformed_body` (not JSON, an unknown field, a value that \
            is not a whole number of at most 4294967295), `invalid_policy` (the wipe limit is \
            shorter than the block limit, or a limit is zero)", body = ErrorBody),
        (status = 404, description = "`no_such_unit` (also for another unit's data)",
         body = ErrorBody),
        (status = 413, description = TOO_LARGE, body = ErrorBody),
        AdminRefusals
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn set_policy(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(unit): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<UnitPolicy>, ApiError> {
    let change: PolicyChange = parse_json(&body)?;
    let policy = checkpoints::set_policy(&state.db, &actor, &unit, change, Utc::now()).await?;
    Ok(Json(policy))
}
