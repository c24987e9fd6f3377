//! The 公文 (official document) and the people who handle it, as the phone and the gateway both
//! see them, and the 通知公告 with their 回执. Pure data and pure functions: no IO, no clock (every
//! time comes in as an argument). Field names are English; the Chinese term is in each doc comment.
//!
//! The document follows the groups of GB/T 9704 and the electronic-公文 metadata:
//!
//! | module | role |
//! | --- | --- |
//! | [`head`] | 版头: 份号, 密级 and 保密期限, 紧急程度, 发文机关, 发文字号, 签发人 |
//! | [`body`] | 主体: 主送机关, 正文 versions, 附件, 署名, 成文日期, 印章, 附注 |
//! | [`footer`] | 版记: 抄送机关, 印发机关 and 印发日期 |
//! | [`receiving`] | 收文登记: 来文字号, 登记时间, 收文编号 |
//! | [`handling`] | 办理: kind, 文种, 办理时限, 督办, 领导批示 |
//! | `validate` | what a real document must never be ([`DocumentError`]) |
//! | [`notice`] | 通知公告 and their receipt form |
//! | [`receipt`] | 回执: each recipient's delivered / read / replied state and the operations on it |
//!
//! The fields of the first slice (title, number, urgency, secrecy, kind, 来文单位, 收文时间) stay
//! directly on [`Document`] so stored JSON keeps its shape; every later group is a
//! `#[serde(default)]` field, so a document stored before it existed still parses.

pub mod body;
pub mod footer;
pub mod handling;
pub mod head;
pub mod notice;
pub mod receipt;
pub mod receiving;
mod validate;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use body::{
    Attachment, BodyFormat, BodyStage, BodyVersion, DocumentBody, Rendition, Seal, SealVerification,
};
pub use footer::DocumentFooter;
pub use handling::{DocumentGenre, DocumentKind, Handling, Supervision};
pub use head::{DocumentHead, DocumentNumber, SecrecyLevel, SecrecyPeriod, Urgency};
pub use notice::{
    NoteRule, Notice, NoticeError, NoticeScope, ReceiptChoice, ReceiptForm, MAX_CHOICE_CHARS,
    MAX_NOTICE_BODY_CHARS,
};
pub use receipt::{ReceiptError, Receipts, RecipientStatus, Reply, MAX_NOTE_CHARS};
pub use receiving::Receiving;
pub use validate::{is_sha256_hex, AttachmentError, DocumentError};

// Opinions belong to the flow; they are re-exported here because every shell names them with the
// document.
pub use crate::workflow::{Attitude, Opinion, OpinionFile};

/// The longest title of a document or a notice, in characters (GB/T 9704 titles are a line or
/// two; the bound keeps every list row and every phone's copy small).
pub const MAX_TITLE_CHARS: usize = 200;

/// 公文 — the document as a phone shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub from_organ: Option<String>,
    /// 收文时间 — for incoming documents, when it arrived, RFC 3339.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub received_at: Option<String>,
    /// 版头 — the rest of the head: 份号, 保密期限, 发文机关, 签发人.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub head: DocumentHead,
    /// 主体 — the rest of the body: 主送机关, 正文, 附件, 署名, 成文日期, 印章, 附注.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub body: DocumentBody,
    /// 版记 — 抄送机关, 印发机关, 印发日期.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub footer: DocumentFooter,
    /// 收文登记 — the rest of the receiving side: 来文字号, 登记时间, 收文编号.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub receiving: Receiving,
    /// 办理 — 文种, 办理时限, 办结时间, 督办, 领导批示.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub handling: Handling,
}

impl Document {
    /// 超期 — whether handling is late at `now`: a 办理时限 is set, it has passed, and the
    /// document is not yet finished (办结). Without a 办理时限 a document is never overdue.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        match self.handling.deadline {
            Some(deadline) => self.handling.finished_at.is_none() && now > deadline,
            None => false,
        }
    }

    /// 当前正文 — the latest body version, if the document has a body file yet.
    pub fn current_body(&self) -> Option<&BodyVersion> {
        self.body.versions.last()
    }
}

/// A person acting in a post of a unit (identity = person + post + unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
mod document_tests;
#[cfg(test)]
mod notice_tests;
#[cfg(test)]
mod receipt_tests;
#[cfg(test)]
mod validate_tests;
