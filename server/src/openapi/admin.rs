//! The administrators' operations under `/v1/admin/units` (an admin token each): units, their
//! identities and the address book import, activation codes, process definitions, devices,
//! flows started for a drafter, unit administrators' tokens and the unit's offline policy. The
//! operations are described on their handlers in `crate::routes::admin`.

use crate::checkpoints::UnitPolicy;
use crate::routes::admin::{self, CodeRequest};
use qianpi_protocol::OfflinePolicy;
use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{OpenApi, PartialSchema, ToSchema};

/// The administrators' operations.
#[derive(OpenApi)]
#[openapi(
    paths(
        admin::create_unit,
        admin::list_users,
        admin::create_user,
        admin::import_users,
        admin::issue_code,
        admin::flows::load_definition,
        admin::devices::list_devices,
        admin::devices::device_action,
        admin::flows::start_flow,
        admin::issue_admin_token,
        admin::set_policy,
    ),
    // Reached only through UnitPolicy's hand-made schema, and the optional body's reference.
    components(schemas(OfflinePolicy, CodeRequest))
)]
pub struct Api;

/// [`UnitPolicy`] on the wire is [`OfflinePolicy`]'s fields with `require_hardware_keys` beside
/// them (`#[serde(flatten)]`). A derived schema would be an `allOf` of the two, which cannot be
/// closed (each part would refuse the other's fields); this one is the single object the answer
/// is.
impl PartialSchema for UnitPolicy {
    fn schema() -> RefOr<Schema> {
        let offline = match OfflinePolicy::schema() {
            RefOr::T(Schema::Object(object)) => object,
            other => return other,
        };
        let hardware = ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(
                "Only phones whose keys attested as held by secure hardware may activate (false \
             when absent).",
            ));
        ObjectBuilder::from(offline)
            .description(Some(
                "A unit's policy: the offline policy its phones get with each checkpoint, and \
                 whether only phones with hardware-backed keys may activate.",
            ))
            .property("require_hardware_keys", hardware)
            .into()
    }
}

impl ToSchema for UnitPolicy {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("UnitPolicy")
    }
}
