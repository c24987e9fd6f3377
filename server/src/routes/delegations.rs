//! The standing delegation endpoints (委托代理 from the phone): `POST /v1/delegations` sets a rule
//! for the signer, `GET /v1/delegations` lists the rules naming them, and
//! `POST /v1/delegations/{id}/revoke` ends one of their own now. All signed; the rules are in
//! [`crate::delegations`].

use super::extract::{parse_json, Signed};
use super::state::AppState;
use crate::delegations;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use qianpi_protocol::delegations::{DelegationView, NewDelegation, DELEGATIONS_PATH};

/// The standing delegation routes, with their full paths.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(DELEGATIONS_PATH, get(list).post(create))
        .route("/v1/delegations/{id}/revoke", post(revoke))
}

async fn create(
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

async fn list(
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

async fn revoke(
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
