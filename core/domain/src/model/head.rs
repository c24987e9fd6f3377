//! 版头 — the head of a 公文 (GB/T 9704): 份号, 密级 and 保密期限, 紧急程度, 发文机关标志,
//! 发文字号 and 签发人. The 密级, 紧急程度 and 发文字号 sit directly on the document (their place
//! since the first slice); [`DocumentHead`] carries the rest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// 紧急程度 — how urgent a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 平件 — ordinary.
    Normal,
    /// 加急 — urgent.
    Urgent,
    /// 特急 — extra urgent.
    ExtraUrgent,
}

impl Urgency {
    /// The label printed on the document head.
    pub fn label_zh(self) -> &'static str {
        match self {
            Urgency::Normal => "平件",
            Urgency::Urgent => "加急",
            Urgency::ExtraUrgent => "特急",
        }
    }
}

/// 密级 — secrecy level. Phones only ever hold documents at [`SecrecyLevel::None`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecrecyLevel {
    /// 无 — not classified.
    None,
    /// 秘密 — secret.
    Secret,
    /// 机密 — confidential.
    Confidential,
    /// 绝密 — top secret.
    TopSecret,
}

impl SecrecyLevel {
    /// The label printed on the document head (无 for an unclassified document, which prints
    /// nothing).
    pub fn label_zh(self) -> &'static str {
        match self {
            SecrecyLevel::None => "无",
            SecrecyLevel::Secret => "秘密",
            SecrecyLevel::Confidential => "机密",
            SecrecyLevel::TopSecret => "绝密",
        }
    }

    /// The secrecy gate: whether a phone may receive, store or show a document at this level.
    /// Mobile office is for non-classified work only, so this holds for 无 alone.
    pub fn allowed_on_phone(self) -> bool {
        matches!(self, SecrecyLevel::None)
    }
}

/// 保密期限 — how long a classified document stays classified, printed after the 密级
/// (`秘密★1年`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecrecyPeriod {
    /// N 年 — a number of years.
    Years(u16),
    /// N 个月 — a number of months.
    Months(u16),
    /// 至某日 — until a date (解密时间).
    Until(NaiveDate),
    /// 解密条件 — until a condition is met, in words.
    Condition(String),
    /// 长期 — indefinitely.
    Long,
}

impl SecrecyPeriod {
    /// The Chinese wording, e.g. `10年`, `6个月`, `长期`.
    pub fn label_zh(&self) -> String {
        match self {
            SecrecyPeriod::Years(n) => format!("{n}年"),
            SecrecyPeriod::Months(n) => format!("{n}个月"),
            SecrecyPeriod::Until(date) => date.format("至%Y年%-m月%-d日").to_string(),
            SecrecyPeriod::Condition(text) => text.clone(),
            SecrecyPeriod::Long => "长期".to_owned(),
        }
    }
}

/// 发文字号 — the document number `{organ code, year, sequence}`, shown as `晋农办〔2026〕12号`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentNumber {
    /// 机关代字 — the issuing organ's code, e.g. `晋农办`.
    pub organ: String,
    /// 年份 — the year.
    pub year: i32,
    /// 发文顺序号 — the sequence within the year.
    pub sequence: u32,
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // GB/T 9704: the year sits in hexagonal brackets 〔〕, the number ends in 号.
        write!(f, "{}〔{}〕{}号", self.organ, self.year, self.sequence)
    }
}

/// 版头 — the head elements not kept directly on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DocumentHead {
    /// 份号 — the copy number, digits as printed (`000001`); only classified documents carry one
    /// as a rule.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub copy_number: Option<String>,
    /// 保密期限 — the secrecy period; only with a 密级 above 无.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub secrecy_period: Option<SecrecyPeriod>,
    /// 发文机关标志 — the issuing organ(s), the lead organ first; several for a joint issue (联合行文).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub issuing_organs: Vec<String>,
    /// 签发人 — the signers' names in printed order (required on upward documents).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub signers: Vec<String>,
}
