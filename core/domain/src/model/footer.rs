//! 版记 — the footer of a 公文 (GB/T 9704): 抄送机关, 印发机关 and 印发日期.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 版记 — the footer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DocumentFooter {
    /// 抄送机关 — the organs sent a copy.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub copy_to: Vec<String>,
    /// 印发机关 — the office that printed and sent it (usually the issuing organ's 办公厅/室).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub printed_by: Option<String>,
    /// 印发日期 — the date it was printed and sent; never before the 成文日期.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub printed_on: Option<NaiveDate>,
}
