//! The phone's lists as the shells page through them: 待办, 已办, 待阅, 已阅, 已发, 草稿.

use crate::detail::{DocumentKind, SecrecyLevel, Urgency};
use qianpi_core::store::{ListItem as CoreListItem, ListKind as CoreListKind};
use std::time::SystemTime;

/// One of the phone's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ListKind {
    /// 待办
    Todo,
    /// 已办 (with the actions still waiting for the gateway first)
    Done,
    /// 待阅
    ToRead,
    /// 已阅
    Read,
    /// 已发
    Sent,
    /// 草稿
    Drafts,
}

impl From<ListKind> for CoreListKind {
    fn from(kind: ListKind) -> Self {
        match kind {
            ListKind::Todo => CoreListKind::Todo,
            ListKind::Done => CoreListKind::Done,
            ListKind::ToRead => CoreListKind::ToRead,
            ListKind::Read => CoreListKind::Read,
            ListKind::Sent => CoreListKind::Sent,
            ListKind::Drafts => CoreListKind::Drafts,
        }
    }
}

/// One row of a list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ListEntry {
    /// Task id (待办, 已办, 草稿), read item id (待阅, 已阅) or instance id (已发).
    pub id: String,
    /// The document.
    pub document_id: String,
    /// 标题.
    pub title: String,
    /// 发文字号.
    pub document_number: String,
    /// 紧急程度.
    pub urgency: Urgency,
    /// 公文类型 (收文, 发文 …).
    pub kind: DocumentKind,
    /// 密级.
    pub secrecy: SecrecyLevel,
    /// The list's time (received, finished, delivered, started or saved).
    pub at: Option<SystemTime>,
    /// 办理时限.
    pub deadline: Option<SystemTime>,
    /// Acted on here; waiting for the gateway.
    pub queued: bool,
}

impl From<CoreListItem> for ListEntry {
    fn from(item: CoreListItem) -> Self {
        ListEntry {
            id: item.id,
            document_id: item.document_id,
            title: item.title,
            document_number: item.number,
            urgency: item.urgency.into(),
            kind: item.kind.into(),
            secrecy: item.secrecy.into(),
            at: item.at.map(Into::into),
            deadline: item.deadline.map(Into::into),
            queued: item.queued,
        }
    }
}
