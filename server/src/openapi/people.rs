//! The address book (通讯录): a phone's signed fetch of its unit's directory, and what the
//! unit's administrators set on it. The operations are described on their handlers in
//! `crate::routes::people`.

use crate::routes::people;
use utoipa::OpenApi;

/// The address book's operations.
#[derive(OpenApi)]
#[openapi(paths(people::people, people::set_entry, people::set_policy))]
pub struct Api;
