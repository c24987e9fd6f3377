//! The integration API's share of the document: an OA system's calls under `/v1/integration`
//! (files, documents, the flows started on them, their record, webhook subscriptions) and the
//! administrators' API keys, each described on its handler in `crate::routes::integration` (and
//! its `webhooks` and `keys`), with the wire types of `crate::integration`; the schemas it shares
//! with other audiences (`Document`, `InstanceState`, `Blob`, `FlowStarted`) come from the same
//! types as theirs. `WebhookEvent` is the body the gateway POSTs to an OA system's webhook (and
//! the `payload` of each delivery listed).

use crate::integration::events::WebhookEvent;
use crate::integration::keys::{IssuedKey, KeyView, NewKey};
use crate::integration::record::{InstanceView, NodeRef, PendingTask, RecordEntry};
use crate::integration::webhooks::{AttemptView, DeliveryView, NewSubscription, SubscriptionView};
use crate::integration::{documents::DocumentView, documents::StartOnDocument, EVENT_TYPES};
use crate::routes::integration as routes;
use qianpi_domain::model::Attitude;
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::Required;
use utoipa::{Modify, OpenApi};

/// The integration API and the administrators' API keys.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::upload,
        routes::create_document,
        routes::get_document,
        routes::start_flow,
        routes::instance,
        routes::flow_record,
        routes::webhooks::list_webhooks,
        routes::webhooks::subscribe,
        routes::webhooks::unsubscribe,
        routes::webhooks::deliveries,
        routes::keys::list_keys,
        routes::keys::issue_key,
        routes::keys::revoke_key,
    ),
    components(schemas(
        NewKey,
        IssuedKey,
        KeyView,
        DocumentView,
        StartOnDocument,
        NodeRef,
        PendingTask,
        InstanceView,
        RecordEntry,
        NewSubscription,
        SubscriptionView,
        AttemptView,
        DeliveryView,
        WebhookEvent,
    )),
    modifiers(&OptionalKeyRequest)
)]
pub struct Api;

/// Issuing a key takes an optional body (none is an empty label and no further units); utoipa
/// writes an optional body as `oneOf [null, ...]`, which would invite a `null` body the handler
/// refuses, so the body is written as the object and marked not required.
struct OptionalKeyRequest;

impl Modify for OptionalKeyRequest {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let operation = openapi
            .paths
            .paths
            .get_mut("/v1/admin/units/{unit}/api-keys")
            .and_then(|item| item.post.as_mut());
        if let Some(body) = operation.and_then(|op| op.request_body.as_mut()) {
            body.required = Some(Required::False);
        }
    }
}

/// A string that is one of `values`.
fn one_of(values: impl IntoIterator<Item = Value>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
}

/// The events a subscription may name ([`EVENT_TYPES`]).
fn event_types() -> ObjectBuilder {
    one_of(EVENT_TYPES.map(Value::from))
}

/// `WebhookEvent.type`, `WebhookDelivery.event_type`: one event type.
pub fn event_type() -> ObjectBuilder {
    event_types()
}

/// `WebhookSubscriptionRequest.events`: one or more event types.
pub fn events_wanted() -> ArrayBuilder {
    ArrayBuilder::new().items(event_types()).min_items(Some(1))
}

/// `WebhookSubscription.events`: the event types a subscription receives.
pub fn events_received() -> ArrayBuilder {
    ArrayBuilder::new().items(event_types())
}

/// `WebhookDelivery.state`.
pub fn delivery_state() -> ObjectBuilder {
    one_of(["pending", "delivered", "failed"].map(Value::from)).description(Some(
        "`pending`, `delivered` or `failed` (gave up after the last retry).",
    ))
}

/// `FlowRecordEntry.attitude`: 态度 as the domain serialises it, or null.
pub fn attitude() -> ObjectBuilder {
    let values = [Attitude::Agree, Attitude::Disagree, Attitude::Read]
        .iter()
        .filter_map(|a| serde_json::to_value(a).ok())
        .chain([Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some("态度, when the action carried an opinion."))
}
