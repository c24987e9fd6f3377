//! 通讯录 on the phone: the unit's address book as the gateway hands it to a signed device, for
//! the transfer / add-signer / circulate / delegate pickers and the contacts screen.
//!
//! - `GET /v1/people` — signed → [`PeopleDirectory`] with a strong `ETag` (the directory's
//!   [`version`](PeopleDirectory::version), quoted). A phone sends the version it holds as
//!   `If-None-Match` and gets a bodiless `304 Not Modified` while nothing changed.
//!
//! Why a snapshot rather than feed changes: the directory belongs to the unit, not to one
//! person's lanes; it is small (a few thousand rows at most), and a whole snapshot lets a phone
//! drop whoever left without the gateway keeping tombstones. The version makes an unchanged
//! directory cost one signed request and an empty answer.

use serde::{Deserialize, Serialize};

/// Path of the address book endpoint.
pub const PEOPLE_PATH: &str = "/v1/people";

/// The unit's address book as one device may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeopleDirectory {
    /// Changes whenever anything a phone would show changes (a person, a post, a department,
    /// a phone number, the unit's policy); also sent as the `ETag`.
    pub version: String,
    /// The unit's name.
    pub unit_name: String,
    /// Whether the unit lets phones show office phone numbers (when not, none is sent).
    pub show_office_phones: bool,
    /// Everyone listed, one entry per identity (a person holding two posts appears twice).
    pub people: Vec<DirectoryPerson>,
}

/// One identity of the address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryPerson {
    /// User id (the id a transfer, an added signer or a delegation names).
    pub user_id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// 处室 (empty when the unit recorded none).
    pub department: String,
    /// 办公电话; absent unless the unit shows phones and one is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub office_phone: Option<String>,
}
