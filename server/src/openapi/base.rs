//! The document's frame: its info, its server, the three security schemes (a phone's signed
//! request, an administrator's token, an OA system's API key), the error body every refusal
//! carries, and the operation that serves the document itself.

use qianpi_protocol::ErrorBody;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The frame the audiences' documents are merged into.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Qianpi (签批) sync gateway",
        description = "The office side the phones talk to: device activation, the signed pull of \
            a user's change feed and the signed push of approval commands (design: sync.md, \
            security.md); the administrators' calls; the integration API for an existing OA \
            system. Every error is a JSON ErrorBody with a stable `code`; a 503 carries \
            Retry-After. An unknown path answers 404 `not_found`, a known path with another \
            method 405 `method_not_allowed`. This document is generated from the gateway's \
            code.",
        license(name = "MPL-2.0")
    ),
    servers((url = "/", description = "The gateway that served this document")),
    paths(super::serve),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes)
)]
pub struct Base;

/// The security schemes the operations name.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme("signedRequest", bearer(SIGNED_REQUEST));
        components.add_security_scheme(
            "bearerAuth",
            bearer(
                "An admin token (qpa_…), issued by `qianpi-gateway issue-admin-token` or POST \
                 …/admin-tokens.",
            ),
        );
        components.add_security_scheme(
            "integrationKey",
            bearer(
                "An API key of an external system (qpk_…), issued by a unit's administrator \
                 (POST /v1/admin/units/{unit}/api-keys or the console) and scoped to one or more \
                 units.",
            ),
        );
    }
}

/// The signed-request profile of security.md, as a phone must follow it.
const SIGNED_REQUEST: &str = "The signed-request profile of security.md (RFC 9421): besides \
`Authorization: Bearer <access token>` (the token activation returned, bound to the device's \
request key), every request carries `Content-Digest: sha-256=:<base64 sha256(body)>:` (also for \
an empty body), `Content-Type`, and `Signature-Input: req=(\"@method\" \"@target-uri\" \
\"content-digest\" \"content-type\" \"authorization\");created=..;expires=..;nonce=\"..\";\
keyid=\"<request key id>\";alg=\"ecdsa-p256-sha256\";tag=\"qianpi-req-v1\"` with `Signature: \
req=:<base64 raw r||s>:` made by the request key (DSK). The signature base is one line \
`\"<component>\": <value>` per covered component in that order, then `\"@signature-params\": \
<the inner list and parameters as in Signature-Input>`, joined by newlines, without a final \
newline; `@target-uri` is `<scheme>://<Host header><path and query as sent>`. The signature is \
valid for at most 60 seconds around the gateway's clock (`expires` − `created` ≤ 60), and each \
nonce (16 random bytes, base64url) is accepted once per key. Any failed check is a 401 whose \
code names it: missing_component, malformed_signature, bad_digest, bad_validity, \
outside_window, bad_nonce (a nonce that is not exactly 16 bytes in unpadded base64url), \
bad_token, unknown_key, token_not_bound, bad_signature, replayed_nonce, device_pending, \
device_suspended, wipe_requested, device_revoked (the last two with a signed `wipe` order in \
the ErrorBody).";
