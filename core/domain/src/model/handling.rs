//! 办理 — how a 公文 is handled: its handling kind, its 文种 (one of the 15 of the 党政机关公文处理
//! 工作条例), 办理时限 and 办结时间, 督办 and the pointers to the leaders' 批示. The handling kind
//! sits directly on the document (its place since the first slice); [`Handling`] carries the rest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 公文类型 — how the document is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// 文种 — the 15 kinds of 公文 of the 党政机关公文处理工作条例 (2012), article 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentGenre {
    /// 决议 — resolution.
    Resolution,
    /// 决定 — decision.
    Decision,
    /// 命令（令） — order.
    Order,
    /// 公报 — communiqué.
    Communique,
    /// 公告 — announcement.
    Announcement,
    /// 通告 — public notice.
    PublicNotice,
    /// 意见 — opinions.
    Opinions,
    /// 通知 — notice.
    Notice,
    /// 通报 — bulletin.
    Bulletin,
    /// 报告 — report.
    Report,
    /// 请示 — request for instructions.
    Request,
    /// 批复 — official reply.
    Reply,
    /// 议案 — motion.
    Motion,
    /// 函 — letter.
    Letter,
    /// 纪要 — minutes.
    Minutes,
}

impl DocumentGenre {
    /// All 15, in the order of the regulation.
    pub const ALL: [DocumentGenre; 15] = [
        DocumentGenre::Resolution,
        DocumentGenre::Decision,
        DocumentGenre::Order,
        DocumentGenre::Communique,
        DocumentGenre::Announcement,
        DocumentGenre::PublicNotice,
        DocumentGenre::Opinions,
        DocumentGenre::Notice,
        DocumentGenre::Bulletin,
        DocumentGenre::Report,
        DocumentGenre::Request,
        DocumentGenre::Reply,
        DocumentGenre::Motion,
        DocumentGenre::Letter,
        DocumentGenre::Minutes,
    ];

    /// The Chinese name, as it ends the title (`关于……的通知`).
    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentGenre::Resolution => "决议",
            DocumentGenre::Decision => "决定",
            DocumentGenre::Order => "命令",
            DocumentGenre::Communique => "公报",
            DocumentGenre::Announcement => "公告",
            DocumentGenre::PublicNotice => "通告",
            DocumentGenre::Opinions => "意见",
            DocumentGenre::Notice => "通知",
            DocumentGenre::Bulletin => "通报",
            DocumentGenre::Report => "报告",
            DocumentGenre::Request => "请示",
            DocumentGenre::Reply => "批复",
            DocumentGenre::Motion => "议案",
            DocumentGenre::Letter => "函",
            DocumentGenre::Minutes => "纪要",
        }
    }

    /// The 文种 named by its Chinese label (`令` is accepted for 命令).
    pub fn from_label_zh(label: &str) -> Option<DocumentGenre> {
        let label = label.trim();
        if label == "令" {
            return Some(DocumentGenre::Order);
        }
        DocumentGenre::ALL
            .into_iter()
            .find(|genre| genre.label_zh() == label)
    }
}

/// 督办 — a supervision put on the document's handling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supervision {
    /// 督办单位 / 督办人 — who supervises (e.g. `厅督查室`).
    pub supervisor: String,
    /// 督办要求 — what is required, in words.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub requirement: String,
    /// 立项时间 — when the supervision started.
    pub started_at: DateTime<Utc>,
    /// 反馈时限 — when progress must be reported back.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub report_by: Option<DateTime<Utc>>,
}

/// 办理 — the handling details not kept directly on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Handling {
    /// 文种 — which of the 15 kinds of 公文 this is.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub genre: Option<DocumentGenre>,
    /// 办理时限 — when handling must be finished.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub deadline: Option<DateTime<Utc>>,
    /// 办结时间 — when handling was finished; a finished document is never overdue.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub finished_at: Option<DateTime<Utc>>,
    /// 督办 — the supervision, if the document is supervised.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub supervision: Option<Supervision>,
    /// 领导批示 — the ids of the tasks whose opinions are leaders' instructions on this document,
    /// in the order given (an opinion is stored on its task, so the task id points at it).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub instruction_task_ids: Vec<String>,
}
