//! An OA system's webhook subscriptions under `/v1/integration/webhooks`, with the key of the
//! [`Integration`] extractor: list, subscribe, delete, and read a subscription's deliveries. The
//! logic lives in [`crate::integration::webhooks`].

use super::Integration;
use crate::error::ApiError;
use crate::integration::webhooks::{self, DeliveryView, NewSubscription, SubscriptionView};
use crate::openapi::refusals::IntegrationRefusals;
use crate::routes::body::RawBody;
use crate::routes::extract::parse_json;
use crate::routes::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use qianpi_protocol::ErrorBody;

#[utoipa::path(
    get,
    path = "/v1/integration/webhooks",
    operation_id = "integrationListWebhooks",
    tags = ["integration", "webhooks"],
    summary = "The key's webhook subscriptions.",
    description = "Live subscriptions of the calling key, oldest first; never their secrets.",
    responses(
        (status = 200, description = "The subscriptions.", body = [SubscriptionView]),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn list_webhooks(
    State(state): State<AppState>,
    Integration(key): Integration,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    Ok(Json(webhooks::list(&state.db, &key).await?))
}

#[utoipa::path(
    post,
    path = "/v1/integration/webhooks",
    operation_id = "integrationSubscribe",
    tags = ["integration", "webhooks"],
    summary = "Subscribe a URL to events of the key's units.",
    description = "Events: `flow.moved` (a flow entered nodes, or started), `task.done` (a \
        person finished or returned a task; `data` is a flow record entry), `flow.completed` \
        (the flow ended; `data.state`), `notice.receipt` (a person read or replied to a \
        notice). Each delivery is a POST of a WebhookEvent as JSON with the headers \
        `Qianpi-Timestamp` (Unix seconds), `Qianpi-Signature: v1=<hex HMAC-SHA256 over \
        \"<timestamp>.<body>\" with the subscription's secret>`, `Qianpi-Event` and \
        `Qianpi-Delivery`. A 2xx answer delivers it; anything else (redirects are not \
        followed), a timeout (10 s) or no answer is retried after 2, 4, 8 … seconds, 8 attempts \
        in all, each recorded. The event id is the same in every attempt: receivers dedupe by \
        it. Only events after the subscription are sent. The answer holds the secret \
        (`whsec_…`), shown this once. Audited `webhook.subscribed`.",
    request_body = NewSubscription,
    responses(
        (status = 201, description = "Subscribed; the secret is in this answer only.",
         body = SubscriptionView),
        (status = 400, description = "`malformed_body`, `invalid_url` (not an absolute http or \
         https URL), `invalid_events`, `invalid_text`.", body = ErrorBody),
        (status = 409, description = "`too_many_subscriptions`: the key holds 20.",
         body = ErrorBody),
        (status = 413, description = "`body_too_large`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn subscribe(
    State(state): State<AppState>,
    Integration(key): Integration,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<SubscriptionView>), ApiError> {
    let new: NewSubscription = parse_json(&body)?;
    let view = webhooks::subscribe(&state.db, &key, new, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    delete,
    path = "/v1/integration/webhooks/{id}",
    operation_id = "integrationUnsubscribe",
    tags = ["integration", "webhooks"],
    summary = "Delete a subscription; its pending deliveries are given up.",
    description = "Audited `webhook.unsubscribed`.",
    params(("id" = String, Path, description = "The subscription id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`no_such_subscription`: none of this key's with this id.",
         body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::unsubscribe(&state.db, &key, &id, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/integration/webhooks/{id}/deliveries",
    operation_id = "integrationListDeliveries",
    tags = ["integration", "webhooks"],
    summary = "A subscription's newest deliveries (100), with every attempt.",
    description = "Newest first; each with its state (`pending`, `delivered`, `failed` after the \
        last attempt), the JSON sent and each attempt's time, HTTP status and error.",
    params(("id" = String, Path, description = "The subscription id.")),
    responses(
        (status = 200, description = "The deliveries.", body = [DeliveryView]),
        (status = 404, description = "`no_such_subscription`.", body = ErrorBody),
        IntegrationRefusals
    ),
    security(("integrationKey" = []))
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    Integration(key): Integration,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    Ok(Json(webhooks::deliveries(&state.db, &key, &id).await?))
}
