//! 收文登记 — the receiving side of a 公文: what the receiving unit records when a document
//! arrives. 来文单位 and 收文时间 sit directly on the document (their place since the first
//! slice); [`Receiving`] carries the rest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 收文登记 — the registration details not kept directly on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Receiving {
    /// 来文字号 — the sender's document number as printed on the incoming document (kept as text:
    /// other organs' numbers need not follow our form).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub from_number: Option<String>,
    /// 登记时间 — when the 收发 clerk registered it; not before it was received.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub registered_at: Option<DateTime<Utc>>,
    /// 收文编号 — the registration number in this unit's incoming register, e.g. `收〔2026〕58号`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub registration_number: Option<String>,
}
