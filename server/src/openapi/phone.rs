//! The phone's operations: health, activation and its challenge, the signed pull and push, and
//! ping, described on their handlers in [`crate::routes`]; their wire types derive their schemas
//! in the protocol and domain crates.

use crate::routes::__path_health;
use crate::routes::commands::__path_push;
use crate::routes::devices::{__path_activate, __path_challenge};
use crate::routes::sync::{__path_ping, __path_pull};
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

/// The phone's operations.
#[derive(OpenApi)]
#[openapi(
    paths(health, activate, challenge, pull, push, ping),
    modifiers(&OpenRequests)
)]
pub struct Api;

/// The request bodies whose unknown fields the gateway ignores (a newer phone may send more):
/// their schemas stay open rather than closed like every answer's.
const OPEN_REQUESTS: [&str; 3] = ["ActivateRequest", "CommandBatch", "SignedCommand"];

/// Marks [`OPEN_REQUESTS`] (and the variants of the attestation evidence an activation carries)
/// as open objects.
struct OpenRequests;

impl Modify for OpenRequests {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (name, schema) in components.schemas.iter_mut() {
            if OPEN_REQUESTS.contains(&name.as_str()) {
                open(schema);
            }
            if name == "AttestationEvidence" {
                if let RefOr::T(Schema::OneOf(one_of)) = schema {
                    one_of.items.iter_mut().for_each(open);
                }
            }
        }
    }
}

/// Lets an object schema take properties it does not name.
fn open(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::Object(object)) = schema {
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(true)));
    }
}
