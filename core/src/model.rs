//! The 公文 (official document) and the people who handle it, as the phone and the gateway both
//! see them. Pure data: no IO. Field names are English; the Chinese term is in each doc comment.

use serde::{Deserialize, Serialize};
use std::fmt;

// Opinions belong to the flow; they are re-exported here because every shell names them with the
// document.
pub use crate::workflow::{Attitude, Opinion};

/// 紧急程度 — how urgent a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// 公文类型 — how the document is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 发文 — outgoing.
    Outgoing,
    /// 收文 — incoming.
    Incoming,
    /// 签报 — internal request.
    InternalRequest,
    /// 请示 — request for instructions.
    Request,
}

impl DocumentKind {
    /// The Chinese name shown in lists.
    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentKind::Outgoing => "发文",
            DocumentKind::Incoming => "收文",
            DocumentKind::InternalRequest => "签报",
            DocumentKind::Request => "请示",
        }
    }
}

/// 发文字号 — the document number `{organ code, year, sequence}`, shown as `晋农办〔2026〕12号`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// 公文 — the document as a phone shows it (head, title and receiving side for this slice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Stable id.
    pub id: String,
    /// 单位 — the unit that owns the document.
    pub unit_id: String,
    /// 公文类型 — handling kind.
    pub kind: DocumentKind,
    /// 标题 — title.
    pub title: String,
    /// 发文字号 — document number.
    pub number: DocumentNumber,
    /// 紧急程度 — urgency.
    pub urgency: Urgency,
    /// 密级 — secrecy level.
    pub secrecy: SecrecyLevel,
    /// 来文单位 — for incoming documents, the sending organ.
    pub from_organ: Option<String>,
    /// 收文时间 — when it was registered, RFC 3339.
    pub received_at: Option<String>,
}

/// A person acting in a post of a unit (identity = person + post + unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The user id.
    pub user_id: String,
    /// 姓名 — display name.
    pub name: String,
    /// 职务 — post.
    pub post: String,
    /// 单位 — unit id.
    pub unit_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_number_is_shown_in_the_official_form() {
        let number = DocumentNumber {
            organ: "晋农办".into(),
            year: 2026,
            sequence: 12,
        };
        assert_eq!(number.to_string(), "晋农办〔2026〕12号");
    }

    #[test]
    fn document_round_trips_through_json() {
        let doc = Document {
            id: "d1".into(),
            unit_id: "u1".into(),
            kind: DocumentKind::Incoming,
            title: "关于做好2026年春耕备耕工作的通知".into(),
            number: DocumentNumber {
                organ: "晋农办".into(),
                year: 2026,
                sequence: 12,
            },
            urgency: Urgency::Urgent,
            secrecy: SecrecyLevel::None,
            from_organ: Some("山西省人民政府办公厅".into()),
            received_at: Some("2026-03-02T09:00:00Z".into()),
        };
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(serde_json::from_str::<Document>(&json).unwrap(), doc);
    }
}
