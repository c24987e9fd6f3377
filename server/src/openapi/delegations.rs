//! The standing delegations a phone sets, lists and revokes (委托代理): their operations, described
//! on the handlers in [`crate::routes::delegations`].

use crate::routes::delegations::{__path_create, __path_list, __path_revoke};
use utoipa::OpenApi;

/// The standing delegation operations.
#[derive(OpenApi)]
#[openapi(paths(create, list, revoke))]
pub struct Api;
