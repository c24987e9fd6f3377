//! 通知公告 as the shells show them: the list, the detail (checked against the gateway's
//! signature and marked read by opening it) and the reply (回执); their files are downloaded and
//! read through `bodies`. Conversion only.

use crate::{blocking, QianpiClient, QianpiError};
use qianpi_core::client::{
    NoticeAttachment as CoreAttachment, NoticeDetail as CoreDetail, NoticeSummary as CoreSummary,
};
use qianpi_core::model::NoteRule as CoreNoteRule;
use qianpi_core::store::ReceiptRefusal as CoreRefusal;
use std::time::SystemTime;

/// One notice in the list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NoticeListItem {
    /// Notice id.
    pub id: String,
    /// 标题.
    pub title: String,
    /// 发布人 (name).
    pub publisher_name: String,
    /// 发布人 (post).
    pub publisher_post: String,
    /// 发布时间.
    pub published_at: SystemTime,
    /// 需要回执.
    pub receipt_required: bool,
    /// 回执截止时间.
    pub receipt_deadline: Option<SystemTime>,
    /// 未读.
    pub unread: bool,
    /// When this user replied.
    pub replied_at: Option<SystemTime>,
    /// How many attachments.
    pub attachment_count: u32,
    /// Read or reply not yet confirmed by the gateway.
    pub pending_send: bool,
    /// The reply the gateway refused, with its reason.
    pub refusal: Option<ReceiptRefusal>,
    /// The copy on the phone fails its check against the gateway's signature: show a warning,
    /// not its text.
    pub tampered: bool,
}

/// A reply the gateway would not record, kept on the phone with its reason.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReceiptRefusal {
    /// Stable code.
    pub code: String,
    /// Reason in Chinese.
    pub reason_zh: String,
    /// Reason in English.
    pub reason_en: String,
    /// The choice that was refused.
    pub choice: Option<String>,
    /// The note that was refused.
    pub note: Option<String>,
    /// When the gateway refused it.
    pub refused_at: SystemTime,
}

/// 备注 — whether a reply may or must carry a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NoteRule {
    /// 不填备注.
    Forbidden,
    /// 可填备注.
    Optional,
    /// 必填备注.
    Required,
}

/// 回执选项.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReceiptChoice {
    /// The id a reply names.
    pub id: String,
    /// The label shown.
    pub label: String,
}

/// One attachment of a notice.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NoticeAttachment {
    /// Attachment id.
    pub id: String,
    /// 附件名称.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 (hex): what `download` and `read_file` take.
    pub sha256: String,
    /// Whether its file is on the phone already.
    pub stored: bool,
}

/// A notice opened.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NoticeDetail {
    /// Notice id.
    pub id: String,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// 发布人 (name).
    pub publisher_name: String,
    /// 发布人 (post).
    pub publisher_post: String,
    /// 发布时间.
    pub published_at: SystemTime,
    /// 需要回执.
    pub receipt_required: bool,
    /// 回执截止时间.
    pub receipt_deadline: Option<SystemTime>,
    /// 回执选项 (empty: a plain acknowledgement).
    pub choices: Vec<ReceiptChoice>,
    /// 备注 rule.
    pub note_rule: NoteRule,
    /// Whether a reply may be given now.
    pub can_reply: bool,
    /// When this user read it.
    pub read_at: Option<SystemTime>,
    /// When this user replied.
    pub replied_at: Option<SystemTime>,
    /// The chosen option's id.
    pub reply_choice: Option<String>,
    /// The note.
    pub reply_note: Option<String>,
    /// Read or reply not yet confirmed by the gateway.
    pub pending_send: bool,
    /// The reply the gateway refused, with its reason.
    pub refusal: Option<ReceiptRefusal>,
    /// 附件.
    pub attachments: Vec<NoticeAttachment>,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> SystemTime {
    t.into()
}

impl From<CoreRefusal> for ReceiptRefusal {
    fn from(r: CoreRefusal) -> Self {
        let reply = r.status.reply.unwrap_or_default();
        ReceiptRefusal {
            code: r.code,
            reason_zh: r.message_zh,
            reason_en: r.message_en,
            choice: reply.choice,
            note: reply.note,
            refused_at: time(r.refused_at),
        }
    }
}

impl From<CoreSummary> for NoticeListItem {
    fn from(n: CoreSummary) -> Self {
        NoticeListItem {
            id: n.id,
            title: n.title,
            publisher_name: n.publisher.name,
            publisher_post: n.publisher.post,
            published_at: time(n.published_at),
            receipt_required: n.receipt_required,
            receipt_deadline: n.receipt_deadline.map(time),
            unread: n.unread,
            replied_at: n.replied_at.map(time),
            attachment_count: u32::try_from(n.attachments).unwrap_or(u32::MAX),
            pending_send: n.pending_send,
            refusal: n.refusal.map(Into::into),
            tampered: n.tampered,
        }
    }
}

impl From<CoreAttachment> for NoticeAttachment {
    fn from(a: CoreAttachment) -> Self {
        NoticeAttachment {
            id: a.attachment.id,
            name: a.attachment.name,
            media_type: a.attachment.media_type,
            size: a.attachment.size,
            sha256: a.attachment.sha256,
            stored: a.stored,
        }
    }
}

impl From<CoreDetail> for NoticeDetail {
    fn from(d: CoreDetail) -> Self {
        let notice = d.notice;
        let reply = d.status.reply.unwrap_or_default();
        NoticeDetail {
            id: notice.id,
            title: notice.title,
            body: notice.body,
            publisher_name: notice.publisher.name,
            publisher_post: notice.publisher.post,
            published_at: time(notice.published_at),
            receipt_required: notice.receipt_required,
            receipt_deadline: notice.receipt_deadline.map(time),
            choices: d
                .form
                .choices
                .into_iter()
                .map(|c| ReceiptChoice {
                    id: c.id,
                    label: c.label,
                })
                .collect(),
            note_rule: match d.form.note {
                CoreNoteRule::Forbidden => NoteRule::Forbidden,
                CoreNoteRule::Optional => NoteRule::Optional,
                CoreNoteRule::Required => NoteRule::Required,
            },
            can_reply: d.can_reply,
            read_at: d.status.read_at.map(time),
            replied_at: d.status.replied_at.map(time),
            reply_choice: reply.choice,
            reply_note: reply.note,
            pending_send: d.pending_send,
            refusal: d.refusal.map(Into::into),
            attachments: d.attachments.into_iter().map(Into::into).collect(),
        }
    }
}

#[uniffi::export]
impl QianpiClient {
    /// 通知公告 — a page of the notices, unread first.
    pub async fn notices(
        &self,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<NoticeListItem>, QianpiError> {
        let (limit, offset) = (usize::try_from(limit), usize::try_from(offset));
        let (limit, offset) = (limit.unwrap_or(usize::MAX), offset.unwrap_or(usize::MAX));
        blocking(&self.inner, move |client| {
            Ok(client
                .notices(limit, offset)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// Opens a notice: checked against the gateway's signature (`Tampered` if the copy on the
    /// phone was altered) and marked read, offline too.
    pub async fn notice(&self, id: String) -> Result<NoticeDetail, QianpiError> {
        blocking(&self.inner, move |client| Ok(client.notice(&id)?.into())).await
    }

    /// 回执 — replies with a choice of the form and a note; kept here and sent at the next sync.
    /// A reply against the form's rules fails at once with `ReplyNotAllowed`.
    pub async fn reply_notice(
        &self,
        id: String,
        choice: Option<String>,
        note: Option<String>,
    ) -> Result<NoticeDetail, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.reply_notice(&id, choice, note)?.into())
        })
        .await
    }
}
