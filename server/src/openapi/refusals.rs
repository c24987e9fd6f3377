//! The refusals many operations share, as response sets an operation names in its
//! `#[utoipa::path(responses(...))]` beside its own: a handler documents what it decides itself
//! (its 200, its 400s and 404s) and takes the rest from here, so the wording of a 401 or a 503 is
//! written once.

use std::collections::BTreeMap;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::IntoResponses;

/// A response whose body is the gateway's `ErrorBody`.
pub fn error(description: &str) -> ResponseBuilder {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
}

/// The 503 every operation that reads the database may answer, with its Retry-After.
fn busy() -> Response {
    let seconds = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9]+$"));
    let retry_after = HeaderBuilder::new()
        .schema(seconds)
        .description(Some("Seconds to wait before trying again."))
        .build();
    error("`database_busy` or `database_unavailable`; retry after Retry-After seconds.")
        .header("Retry-After", retry_after)
        .build()
}

/// The refusals of any operation: another method on its path, a failure of the gateway, a busy
/// database.
fn common() -> BTreeMap<String, RefOr<Response>> {
    let mut responses = BTreeMap::new();
    let mut add = |status: &str, response: Response| {
        responses.insert(status.to_owned(), RefOr::T(response));
    };
    add(
        "405",
        error("`method_not_allowed`: the path exists but not with this method.").build(),
    );
    add(
        "500",
        error("`internal`: the gateway failed; details are logged, never sent.").build(),
    );
    add("503", busy());
    responses
}

/// [`common`] plus a 401 described by `unauthenticated`.
fn with_401(unauthenticated: &str) -> BTreeMap<String, RefOr<Response>> {
    let mut responses = common();
    responses.insert("401".to_owned(), RefOr::T(error(unauthenticated).build()));
    responses
}

/// The refusals of an operation with no credentials (activation, health, this document).
pub struct Common;

impl IntoResponses for Common {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        common()
    }
}

/// The refusals of a phone's signed request (the `signedRequest` scheme).
pub struct SignedRefusals;

impl IntoResponses for SignedRefusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        with_401(
            "The signed request failed a check; the code names it (see the signedRequest \
             scheme).",
        )
    }
}

/// The refusals of an administrator's call (the `bearerAuth` scheme): no valid token, or a
/// holder who may no longer do this.
pub struct AdminRefusals;

impl IntoResponses for AdminRefusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut responses = with_401("`missing_token` or `bad_token`: no valid admin token.");
        responses.insert(
            "403".to_owned(),
            RefOr::T(
                error(
                    "`forbidden`: the token's holder may not do this (not the operator, or no \
                     longer an administrator of the unit).",
                )
                .build(),
            ),
        );
        responses
    }
}

/// The refusals of an OA system's call (the `integrationKey` scheme).
pub struct IntegrationRefusals;

impl IntoResponses for IntegrationRefusals {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        with_401("`missing_key` or `bad_key`: no valid, unrevoked API key.")
    }
}
