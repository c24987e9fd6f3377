//! The standing delegation endpoints (委托代理 from the phone): `POST /v1/delegations` sets a rule
//! for the signer, `GET /v1/delegations` lists the rules naming them, and
//! `POST /v1/delegations/{id}/revoke` ends one of their own now. All signed; the rules are in
//! [`crate::delegations`].

use super::extract::{parse_json, Signed};
use super::state::AppState;
use crate::delegations;
use crate::error::ApiError;
use crate::openapi::refusals::SignedRefusals;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::delegations::{DelegationView, NewDelegation, DELEGATIONS_PATH};
use qianpi_protocol::ErrorBody;

/// The standing delegation routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(DELEGATIONS_PATH, get(list).post(create))
        .route("/v1/delegations/{id}/revoke", post(revoke))
}

/// Set a standing delegation (委托代理) for oneself (signed).
#[utoipa::path(
    post,
    path = "/v1/delegations",
    operation_id = "setDelegation",
    tag = "phone",
    description = "While the rule is active, new tasks for the signer (of every flow, or of one \
        process) go to the deputy, marked as on behalf of the signer, who may still act. The \
        deputy must be a person of the signer's unit and not the signer; the window must end \
        after it starts and in the future, and last at most 92 days; a process scope must name \
        a definition of the unit. Audited as `delegation.created`.",
    request_body = NewDelegation,
    responses(
        (status = 201, description = "The rule as stored.", body = DelegationView),
        (status = 400, description = "`malformed_body`, `unreadable_body`, `delegate_to_self`, \
            `bad_window`, `window_too_long`, `no_such_deputy` or `no_such_definition`.",
         body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    Signed { device, body }: Signed,
) -> Result<(StatusCode, Json<DelegationView>), ApiError> {
    let request: NewDelegation = parse_json(&body)?;
    let now = Utc::now();
    let view = state
        .db
        .tx(move |sql| delegations::create(sql, &device, &request, now))
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The standing delegations naming the signer, as principal or deputy (signed).
#[utoipa::path(
    get,
    path = "/v1/delegations",
    operation_id = "listDelegations",
    tag = "phone",
    description = "Newest window first; revoked and expired rules are included with their \
        times, so the phone shows what was in force.",
    responses(
        (status = 200, description = "The rules.", body = Vec<DelegationView>),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    Signed { device, .. }: Signed,
) -> Result<Json<Vec<DelegationView>>, ApiError> {
    Ok(Json(
        state
            .db
            .once(move |sql| delegations::list(sql, &device))
            .await?,
    ))
}

/// End one's own standing delegation now (signed).
#[utoipa::path(
    post,
    path = "/v1/delegations/{id}/revoke",
    operation_id = "revokeDelegation",
    tag = "phone",
    description = "New tasks go to the principal again from now on; tasks already sent to the \
        deputy stay with the deputy (the principal may take one back with the `take_back` \
        command). Revoking twice keeps the first time. Audited as `delegation.revoked`.",
    params(("id" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule with its revocation time.", body = DelegationView),
        (status = 404, description = "`no_such_delegation`: no rule of the signer with this id.",
         body = ErrorBody),
        SignedRefusals
    ),
    security(("signedRequest" = []))
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Signed { device, .. }: Signed,
) -> Result<Json<DelegationView>, ApiError> {
    let now = Utc::now();
    Ok(Json(
        state
            .db
            .tx(move |sql| delegations::revoke(sql, &device, &id, now))
            .await?,
    ))
}
