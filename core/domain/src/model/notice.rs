//! 通知公告 — a notice as published: title, body, attachments, publisher, publish time, scope,
//! and whether a 回执 (receipt) is required, on which form and by when. The notice is the signed,
//! unchanging part; each recipient's delivered / read / replied state lives in
//! [`super::receipt`], because it changes on every phone while the notice does not.

use super::validate::validate_attachments;
use super::{Attachment, AttachmentError, Identity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use thiserror::Error;

/// 发布范围 — who a notice is addressed to: whole units, departments, or named people. The
/// gateway expands it into the list of recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NoticeScope {
    /// 单位 — unit ids.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub units: Vec<String>,
    /// 部门 — department ids.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub departments: Vec<String>,
    /// 人员 — user ids.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub people: Vec<String>,
}

impl NoticeScope {
    /// Whether the scope names nobody.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.departments.is_empty() && self.people.is_empty()
    }
}

/// 回执选项 — one choice on a receipt form, e.g. `参加`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptChoice {
    /// Stable id the reply names (`attend`); labels may be reworded, ids may not.
    pub id: String,
    /// 选项 — the label shown (`参加`).
    pub label: String,
}

/// 备注 — whether a reply may or must carry a note.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoteRule {
    /// 不填备注 — no note.
    Forbidden,
    /// 可填备注 — a note may be added.
    #[default]
    Optional,
    /// 必填备注 — a note is required (e.g. the names of those attending).
    Required,
}

/// 回执单 — the receipt form: the choices (one must be picked when there are any) and the note
/// rule. Without choices, replying is a plain acknowledgement (收到).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReceiptForm {
    /// 选项 — e.g. 参加 / 不参加 / 待定.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub choices: Vec<ReceiptChoice>,
    /// 备注 — whether a note is allowed or required.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: NoteRule,
}

impl ReceiptForm {
    /// The usual meeting form: 参加 / 不参加 / 待定, with an optional note.
    pub fn attendance() -> ReceiptForm {
        let choice = |id: &str, label: &str| ReceiptChoice {
            id: id.to_owned(),
            label: label.to_owned(),
        };
        ReceiptForm {
            choices: vec![
                choice("attend", "参加"),
                choice("absent", "不参加"),
                choice("undecided", "待定"),
            ],
            note: NoteRule::Optional,
        }
    }

    /// The choice with this id.
    pub fn choice(&self, id: &str) -> Option<&ReceiptChoice> {
        self.choices.iter().find(|c| c.id == id)
    }
}

/// 通知公告 — a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    /// Stable id.
    pub id: String,
    /// 标题 — title.
    pub title: String,
    /// 正文 — the text.
    pub body: String,
    /// 附件 — attachments.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub attachments: Vec<Attachment>,
    /// 发布人 — who published it.
    pub publisher: Identity,
    /// 发布时间 — when it was published.
    pub published_at: DateTime<Utc>,
    /// 发布范围 — who it is addressed to.
    pub scope: NoticeScope,
    /// 需要回执 — whether recipients must reply.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub receipt_required: bool,
    /// 回执单 — the form of the reply; none means a plain acknowledgement.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub receipt_form: Option<ReceiptForm>,
    /// 回执截止时间 — replies after this are refused.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub receipt_deadline: Option<DateTime<Utc>>,
}

impl Notice {
    /// The form replies are checked against: the notice's own, or a plain acknowledgement.
    pub fn effective_form(&self) -> ReceiptForm {
        self.receipt_form.clone().unwrap_or_default()
    }

    /// Checks the notice is well formed; the first fault found is returned.
    pub fn validate(&self) -> Result<(), NoticeError> {
        if self.id.trim().is_empty() {
            return Err(NoticeError::EmptyId);
        }
        if self.title.trim().is_empty() {
            return Err(NoticeError::EmptyTitle);
        }
        if self.title.chars().count() > super::MAX_TITLE_CHARS {
            return Err(NoticeError::TooLong("标题 title", super::MAX_TITLE_CHARS));
        }
        if self.body.chars().count() > MAX_NOTICE_BODY_CHARS {
            return Err(NoticeError::TooLong("正文 body", MAX_NOTICE_BODY_CHARS));
        }
        if self.scope.is_empty() {
            return Err(NoticeError::EmptyScope);
        }
        validate_attachments(&self.attachments)?;
        if !self.receipt_required {
            if self.receipt_form.is_some() {
                return Err(NoticeError::FormWithoutReceipt);
            }
            if self.receipt_deadline.is_some() {
                return Err(NoticeError::DeadlineWithoutReceipt);
            }
        }
        if self
            .receipt_deadline
            .is_some_and(|d| d <= self.published_at)
        {
            return Err(NoticeError::DeadlineNotAfterPublish);
        }
        if let Some(form) = &self.receipt_form {
            let mut ids = HashSet::new();
            for c in &form.choices {
                if c.id.trim().is_empty() || c.label.trim().is_empty() {
                    return Err(NoticeError::BlankChoice);
                }
                if c.id.chars().count() > MAX_CHOICE_CHARS
                    || c.label.chars().count() > MAX_CHOICE_CHARS
                {
                    return Err(NoticeError::TooLong("回执选项 choice", MAX_CHOICE_CHARS));
                }
                if !ids.insert(c.id.as_str()) {
                    return Err(NoticeError::DuplicateChoice(c.id.clone()));
                }
            }
        }
        Ok(())
    }
}

/// The longest notice body, in characters (a long notice is a file attached to it).
pub const MAX_NOTICE_BODY_CHARS: usize = 20_000;
/// The longest id or label of a receipt choice.
pub const MAX_CHOICE_CHARS: usize = 64;

/// Why a notice is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoticeError {
    /// A notice without an id.
    #[error("the notice has no id")]
    EmptyId,
    /// A blank title.
    #[error("the notice title (标题) is empty")]
    EmptyTitle,
    /// A text longer than its bound: which, and the bound in characters.
    #[error("the notice's {0} is longer than {1} characters")]
    TooLong(&'static str, usize),
    /// A scope naming nobody.
    #[error("the notice is addressed to nobody (发布范围)")]
    EmptyScope,
    /// A faulty attachment.
    #[error(transparent)]
    Attachment(#[from] AttachmentError),
    /// A receipt form on a notice that requires no receipt.
    #[error("a receipt form (回执单) on a notice that requires no receipt")]
    FormWithoutReceipt,
    /// A receipt deadline on a notice that requires no receipt.
    #[error("a receipt deadline (回执截止时间) on a notice that requires no receipt")]
    DeadlineWithoutReceipt,
    /// A receipt deadline not after the publish time: nobody could ever reply.
    #[error("the receipt deadline (回执截止时间) is not after the publish time")]
    DeadlineNotAfterPublish,
    /// A choice without its id or label.
    #[error("a receipt choice (回执选项) lacks its id or label")]
    BlankChoice,
    /// Two choices with the same id.
    #[error("two receipt choices (回执选项) share the id {0}")]
    DuplicateChoice(String),
}
