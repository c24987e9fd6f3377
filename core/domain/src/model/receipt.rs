//! 回执 — each recipient's state for a notice (delivered, read, replied, and the reply) and the
//! pure operations on it. A phone applies them to its own [`RecipientStatus`] offline; the
//! gateway applies the same ones to the whole roster ([`Receipts`]) when the synced command
//! arrives, and the publisher asks the roster who has not read or replied. Every time comes in as
//! an argument; re-sending an operation already applied changes nothing.

use super::NoteRule;
use super::Notice;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// The longest note a reply may carry, in characters: a 备注 is a line or two (who attends, why
/// not), and a bound keeps every batch of receipts small enough for the gateway to take.
pub const MAX_NOTE_CHARS: usize = 500;

/// 回执内容 — what a recipient answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Reply {
    /// 选项 — the id of the chosen [`super::ReceiptChoice`], if the form has choices.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub choice: Option<String>,
    /// 备注 — the note.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
}

impl Reply {
    /// The reply with surrounding blanks trimmed and blank fields treated as absent.
    fn normalized(self) -> Reply {
        let clean = |s: Option<String>| {
            s.map(|s| s.trim().to_owned())
                .filter(|s: &String| !s.is_empty())
        };
        Reply {
            choice: clean(self.choice),
            note: clean(self.note),
        }
    }
}

/// 阅办状态 — one recipient's state for one notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RecipientStatus {
    /// 送达时间 — when it reached the recipient's phone.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub delivered_at: Option<DateTime<Utc>>,
    /// 阅读时间 — when the recipient first opened it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub read_at: Option<DateTime<Utc>>,
    /// 回执时间 — when the recipient replied (last changed the reply).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub replied_at: Option<DateTime<Utc>>,
    /// 回执 — the reply.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reply: Option<Reply>,
}

impl RecipientStatus {
    /// 送达 — records delivery at `at`; the earliest delivery recorded stays, whatever order the
    /// reports arrive in (two phones of one person, a late sync).
    pub fn mark_delivered(&mut self, at: DateTime<Utc>) {
        self.delivered_at = Some(self.delivered_at.map_or(at, |t| t.min(at)));
    }

    /// 已读 — records reading at `at` (and delivery, no later than that); the earliest read
    /// recorded stays, whatever order the reports arrive in.
    pub fn mark_read(&mut self, at: DateTime<Utc>) {
        self.mark_delivered(at);
        self.read_at = Some(self.read_at.map_or(at, |t| t.min(at)));
    }

    /// 回执 — records `reply` at `at`, which also marks the notice read. Refused when the notice
    /// requires no receipt, after the deadline, or when the reply does not fit the form. Sending
    /// the reply already recorded changes nothing; a different reply before the deadline replaces
    /// it (修改回执).
    pub fn reply(
        &mut self,
        notice: &Notice,
        reply: Reply,
        at: DateTime<Utc>,
    ) -> Result<(), ReceiptError> {
        if !notice.receipt_required {
            return Err(ReceiptError::ReceiptNotRequired);
        }
        let reply = reply.normalized();
        if self.reply.as_ref() == Some(&reply) {
            return Ok(());
        }
        if let Some(deadline) = notice.receipt_deadline {
            if at > deadline {
                return Err(ReceiptError::AfterDeadline { deadline });
            }
        }
        let form = notice.effective_form();
        match &reply.choice {
            None if !form.choices.is_empty() => return Err(ReceiptError::ChoiceRequired),
            Some(choice) if form.choice(choice).is_none() => {
                return Err(ReceiptError::UnknownChoice(choice.clone()))
            }
            _ => {}
        }
        match (form.note, &reply.note) {
            (NoteRule::Required, None) => return Err(ReceiptError::NoteRequired),
            (NoteRule::Forbidden, Some(_)) => return Err(ReceiptError::NoteNotAllowed),
            _ => {}
        }
        if reply
            .note
            .as_ref()
            .is_some_and(|note| note.chars().count() > MAX_NOTE_CHARS)
        {
            return Err(ReceiptError::NoteTooLong);
        }
        self.mark_read(at);
        self.reply = Some(reply);
        self.replied_at = Some(at);
        Ok(())
    }
}

/// 回执汇总 — the roster of one notice: every recipient's state, by user id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipts {
    /// The notice these receipts belong to.
    pub notice_id: String,
    /// 接收人 — each recipient's state, by user id.
    pub recipients: BTreeMap<String, RecipientStatus>,
}

impl Receipts {
    /// A roster for `notice_id` with these recipients (the scope expanded), nothing delivered yet.
    pub fn new<I, S>(notice_id: &str, user_ids: I) -> Receipts
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Receipts {
            notice_id: notice_id.to_owned(),
            recipients: user_ids
                .into_iter()
                .map(|id| (id.into(), RecipientStatus::default()))
                .collect(),
        }
    }

    /// The state of `user_id`, if a recipient.
    pub fn status(&self, user_id: &str) -> Option<&RecipientStatus> {
        self.recipients.get(user_id)
    }

    fn status_mut(&mut self, user_id: &str) -> Result<&mut RecipientStatus, ReceiptError> {
        self.recipients
            .get_mut(user_id)
            .ok_or_else(|| ReceiptError::NotRecipient(user_id.to_owned()))
    }

    fn check_notice(&self, notice: &Notice) -> Result<(), ReceiptError> {
        if notice.id != self.notice_id {
            return Err(ReceiptError::WrongNotice {
                expected: self.notice_id.clone(),
                got: notice.id.clone(),
            });
        }
        Ok(())
    }

    /// 送达 — see [`RecipientStatus::mark_delivered`]; refused for a non-recipient.
    pub fn mark_delivered(&mut self, user_id: &str, at: DateTime<Utc>) -> Result<(), ReceiptError> {
        self.status_mut(user_id)?.mark_delivered(at);
        Ok(())
    }

    /// 已读 — see [`RecipientStatus::mark_read`]; refused for a non-recipient.
    pub fn mark_read(&mut self, user_id: &str, at: DateTime<Utc>) -> Result<(), ReceiptError> {
        self.status_mut(user_id)?.mark_read(at);
        Ok(())
    }

    /// 回执 — see [`RecipientStatus::reply`]; refused for a non-recipient or another notice.
    pub fn reply(
        &mut self,
        notice: &Notice,
        user_id: &str,
        reply: Reply,
        at: DateTime<Utc>,
    ) -> Result<(), ReceiptError> {
        self.check_notice(notice)?;
        self.status_mut(user_id)?.reply(notice, reply, at)
    }

    /// 未读 — the recipients who have not read the notice, by user id.
    pub fn unread(&self) -> Vec<&str> {
        self.recipients
            .iter()
            .filter(|(_, s)| s.read_at.is_none())
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// 未回执 — the recipients who have not replied, by user id; nobody when the notice requires
    /// no receipt.
    pub fn unreplied(&self, notice: &Notice) -> Result<Vec<&str>, ReceiptError> {
        self.check_notice(notice)?;
        if !notice.receipt_required {
            return Ok(Vec::new());
        }
        Ok(self
            .recipients
            .iter()
            .filter(|(_, s)| s.replied_at.is_none())
            .map(|(id, _)| id.as_str())
            .collect())
    }
}

/// Why a receipt operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    /// The user is not among the notice's recipients.
    #[error("{0} is not a recipient of this notice (不在发布范围内)")]
    NotRecipient(String),
    /// The notice given is not the one the roster belongs to.
    #[error("the receipts belong to notice {expected}, not {got}")]
    WrongNotice {
        /// The roster's notice id.
        expected: String,
        /// The notice id given.
        got: String,
    },
    /// The notice requires no receipt.
    #[error("this notice requires no receipt (无需回执)")]
    ReceiptNotRequired,
    /// The receipt deadline has passed.
    #[error("the receipt deadline (回执截止时间) {deadline} has passed")]
    AfterDeadline {
        /// The deadline.
        deadline: DateTime<Utc>,
    },
    /// The form has choices and none was picked.
    #[error("a choice is required (请选择回执选项)")]
    ChoiceRequired,
    /// A choice the form does not offer.
    #[error("the receipt form offers no choice {0:?}")]
    UnknownChoice(String),
    /// The form requires a note and none was given.
    #[error("a note is required (请填写备注)")]
    NoteRequired,
    /// The form allows no note and one was given.
    #[error("this receipt takes no note")]
    NoteNotAllowed,
    /// The note is longer than [`MAX_NOTE_CHARS`].
    #[error("the note may have at most {MAX_NOTE_CHARS} characters")]
    NoteTooLong,
}

impl ReceiptError {
    /// The stable code of the refusal, the same on the phone and at the gateway.
    pub fn code(&self) -> &'static str {
        match self {
            ReceiptError::NotRecipient(_) => "not_recipient",
            ReceiptError::WrongNotice { .. } => "wrong_notice",
            ReceiptError::ReceiptNotRequired => "receipt_not_required",
            ReceiptError::AfterDeadline { .. } => "after_deadline",
            ReceiptError::ChoiceRequired => "choice_required",
            ReceiptError::UnknownChoice(_) => "unknown_choice",
            ReceiptError::NoteRequired => "note_required",
            ReceiptError::NoteNotAllowed => "note_not_allowed",
            ReceiptError::NoteTooLong => "note_too_long",
        }
    }

    /// The refusal in Chinese, for the person.
    pub fn message_zh(&self) -> &'static str {
        match self {
            ReceiptError::NotRecipient(_) => "您不在此通知的发布范围内",
            ReceiptError::WrongNotice { .. } => "回执与通知不符",
            ReceiptError::ReceiptNotRequired => "此通知无需回执",
            ReceiptError::AfterDeadline { .. } => "已过回执截止时间",
            ReceiptError::ChoiceRequired => "请选择回执选项",
            ReceiptError::UnknownChoice(_) => "回执单中没有该选项",
            ReceiptError::NoteRequired => "请填写备注",
            ReceiptError::NoteNotAllowed => "此回执不可填写备注",
            ReceiptError::NoteTooLong => "备注过长",
        }
    }
}
