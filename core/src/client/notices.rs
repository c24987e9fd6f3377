//! 通知公告 on the phone: the list, the detail (checked against the gateway's signature each time
//! it is shown, and marked read by opening it), the reply (回执) under the form's rules, and the
//! push of this user's receipt states during a sync.
//!
//! Reading and replying write the local store first, offline too, and are sent at the next sync.
//! The gateway answers each state: an accepted one takes the gateway's merged state (another of
//! the user's phones may have been first), a refused one stays on the phone with its reason and is
//! not sent again, a transport failure leaves everything marked for the next sync.

use super::views::SyncReport;
use super::{offset_ms, Client, ClientError};
use crate::engine::Deadlines;
use crate::link::{Credentials, GatewayClient};
use crate::model::{
    Attachment, Identity, Notice, ReceiptError, ReceiptForm, RecipientStatus, Reply,
};
use crate::protocol::{ReceiptBatch, ReceiptOutcome, ReceiptUpdate, MAX_RECEIPT_BATCH};
use crate::store::{merge_status, Account, NoticeRow, ReceiptRefusal, Store};
use chrono::{DateTime, Utc};

/// Why a notice cannot be shown or replied to.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// No notice with this id is on the phone.
    #[error("no notice {0} is on this phone; sync to receive new notices")]
    NotFound(String),
    /// The copy on the phone does not match what the gateway signed: it is not shown.
    #[error("the copy of notice {notice_id} on this phone fails its check against the gateway's signature ({reason}); it is not shown: report this phone to your administrator")]
    Tampered {
        /// The notice.
        notice_id: String,
        /// What failed.
        reason: String,
    },
    /// The reply breaks the notice's receipt rules (deadline, form choices, note).
    #[error("the reply is not accepted: {0}")]
    Reply(#[from] ReceiptError),
}

impl NoticeError {
    /// A stable code for shells and logs.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeError::NotFound(_) => "no_such_notice",
            NoticeError::Tampered { .. } => "notice_tampered",
            NoticeError::Reply(e) => e.code(),
        }
    }
}

/// A notice as the list shows it, checked against the gateway's signature like the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSummary {
    /// The notice id.
    pub id: String,
    /// 标题.
    pub title: String,
    /// 发布人.
    pub publisher: Identity,
    /// 发布时间.
    pub published_at: DateTime<Utc>,
    /// 需要回执.
    pub receipt_required: bool,
    /// 回执截止时间.
    pub receipt_deadline: Option<DateTime<Utc>>,
    /// 未读 — not opened yet.
    pub unread: bool,
    /// 已回执 — when this user replied, if they did.
    pub replied_at: Option<DateTime<Utc>>,
    /// How many attachments it has.
    pub attachments: usize,
    /// Read or reply changed here and not yet confirmed by the gateway.
    pub pending_send: bool,
    /// The last state the gateway refused, with its reason.
    pub refusal: Option<ReceiptRefusal>,
    /// The copy on the phone fails its check against the gateway's signature: the shell shows a
    /// warning in its place, never its text as genuine (opening it answers
    /// [`NoticeError::Tampered`]).
    pub tampered: bool,
}

/// One attachment of a notice, and whether its file is on the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeAttachment {
    /// The attachment.
    pub attachment: Attachment,
    /// Its file is in the encrypted vault ([`Client::read_file`] works); otherwise
    /// [`Client::download`] fetches it.
    pub stored: bool,
}

/// A notice opened: the text as the gateway signed it, this user's state, and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDetail {
    /// The notice, checked against the gateway's signature.
    pub notice: Notice,
    /// This user's state (read now, since it was opened).
    pub status: RecipientStatus,
    /// The form replies are checked against (choices, note rule).
    pub form: ReceiptForm,
    /// Whether a reply may be given now (required, and before the deadline by the gateway's
    /// clock).
    pub can_reply: bool,
    /// Read or reply changed here and not yet confirmed by the gateway.
    pub pending_send: bool,
    /// The last state the gateway refused, with its reason.
    pub refusal: Option<ReceiptRefusal>,
    /// The attachments and whether each file is on the phone.
    pub attachments: Vec<NoticeAttachment>,
}

impl Client {
    /// The gateway's clock, as the phone estimates it.
    fn server_now(&self, clock_offset_ms: i64) -> DateTime<Utc> {
        self.device_now() + chrono::Duration::milliseconds(clock_offset_ms)
    }

    /// 通知公告 — a page of the notices, unread first, newest first within each group.
    /// Each row is checked against the gateway's signature (one ES256 verification, well under a
    /// millisecond): a list is display too.
    pub fn notices(&self, limit: usize, offset: usize) -> Result<Vec<NoticeSummary>, ClientError> {
        let store = self.store()?;
        let (account, _) = store.account()?.ok_or(ClientError::NotActivated)?;
        store
            .notices(limit, offset)?
            .into_iter()
            .map(|row| match verified(&account, &row) {
                Ok(_) => Ok(summary(row, false)),
                Err(ClientError::Notice(NoticeError::Tampered { .. })) => Ok(summary(row, true)),
                Err(other) => Err(other),
            })
            .collect()
    }

    /// Opens a notice: its stored copy is checked against the gateway's signature (a copy that
    /// fails is never shown: [`NoticeError::Tampered`]), and it is marked read, here first, at
    /// the gateway-corrected time.
    pub fn notice(&self, id: &str) -> Result<NoticeDetail, ClientError> {
        self.change_status(id, |_, status, now| {
            status.mark_read(now);
            Ok(())
        })
    }

    /// 回执 — replies to a notice with a choice of its form and a note, offline too. The form's
    /// rules (required, deadline by the gateway-corrected clock, choices, note) refuse a bad reply
    /// at once with [`NoticeError::Reply`]; a good one is kept here and sent at the next sync.
    /// Giving the reply already recorded changes nothing; another one before the deadline
    /// replaces it.
    pub fn reply_notice(
        &self,
        id: &str,
        choice: Option<String>,
        note: Option<String>,
    ) -> Result<NoticeDetail, ClientError> {
        self.change_status(id, |notice, status, now| {
            status
                .reply(notice, Reply { choice, note }, now)
                .map_err(|e| NoticeError::Reply(e).into())
        })
    }

    /// Opens notice `id`, checked against the gateway's signature (the form a reply is checked
    /// against must be the gateway's, not an altered copy's), lets `edit` change this user's
    /// state at the gateway-corrected time, and keeps the result for sending if it changed. One
    /// store guard covers the read, the check and the write: a sync filing the gateway's state
    /// meanwhile must not be overwritten with an older one.
    fn change_status(
        &self,
        id: &str,
        edit: impl FnOnce(&Notice, &mut RecipientStatus, DateTime<Utc>) -> Result<(), ClientError>,
    ) -> Result<NoticeDetail, ClientError> {
        let mut store = self.store()?;
        let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
        let row = store
            .notice(id)?
            .ok_or_else(|| NoticeError::NotFound(id.to_owned()))?;
        let notice = verified(&account, &row)?;
        let now = self.server_now(device.clock_offset_ms);
        let mut status = row.status.clone();
        edit(&notice, &mut status, now)?;
        let changed = status != row.status;
        if changed {
            store.save_receipt(id, &status)?;
        }
        detail(&store, notice, status, &row, changed, now)
    }

    /// Sends every receipt state changed here, in batches, each under the sync engine's
    /// `deadlines`, and files each answer. A transport failure stops here with everything still
    /// marked; the sync reports it, and a gateway's `Retry-After` lands in `retry_after_ms` for
    /// the engine's next wait.
    pub(super) async fn push_receipts(
        &self,
        gateway: &GatewayClient,
        credentials: &mut Credentials,
        report: &mut SyncReport,
        deadlines: &Deadlines,
        retry_after_ms: &mut Option<u64>,
    ) -> Result<(), ClientError> {
        let pending = self.store()?.receipts_to_send()?;
        for chunk in pending.chunks(MAX_RECEIPT_BATCH) {
            let batch = ReceiptBatch {
                receipts: chunk
                    .iter()
                    .map(|(notice_id, status)| ReceiptUpdate {
                        notice_id: notice_id.clone(),
                        status: status.clone(),
                    })
                    .collect(),
            };
            let response = gateway
                .push_receipts_within(credentials, &batch, deadlines)
                .await
                .map_err(|failed| failed.keeping_retry_after(retry_after_ms))?
                .value;
            credentials.clock_offset_ms = offset_ms(response.server_time, self.device_now());
            let mut store = self.store()?;
            for result in &response.results {
                // Matched by id, not position: a result for something not sent changes nothing,
                // and a state without a result stays marked for the next sync.
                let Some((notice_id, sent)) = chunk.iter().find(|(id, _)| *id == result.notice_id)
                else {
                    continue;
                };
                match &result.outcome {
                    ReceiptOutcome::Accepted { status } => {
                        store.receipt_sent(notice_id, sent, &merge_status(sent, status))?;
                        report.receipts_sent += 1;
                    }
                    ReceiptOutcome::Refused {
                        code,
                        message_zh,
                        message_en,
                        status: held,
                    } => {
                        // The code only: the reply's text stays out of the logs.
                        tracing::info!(code = %code, "the gateway refused a receipt");
                        let refusal = ReceiptRefusal {
                            code: code.clone(),
                            message_zh: message_zh.clone(),
                            message_en: message_en.clone(),
                            status: sent.clone(),
                            refused_at: response.server_time,
                        };
                        // Back to the gateway's truth (the read it kept), the refusal beside it.
                        store.receipt_refused(notice_id, &refusal, held.as_ref())?;
                        report.receipts_refused += 1;
                    }
                }
            }
            store.set_network(true, Some(credentials.clock_offset_ms))?;
        }
        Ok(())
    }
}

/// The stored notice, after checking that the gateway's signed form verifies under the account's
/// gateway key and says exactly what the stored copy says.
fn verified(account: &Account, row: &NoticeRow) -> Result<Notice, ClientError> {
    let key = account
        .gateway_key
        .as_ref()
        .ok_or(ClientError::GatewayKeyUnknown)?;
    let tampered = |reason: &str| {
        // The id only: a notice's text never reaches a log.
        tracing::warn!(notice_id = %row.notice.id, "a stored notice failed its signature check");
        NoticeError::Tampered {
            notice_id: row.notice.id.clone(),
            reason: reason.to_owned(),
        }
    };
    let signed = row
        .signed
        .as_ref()
        .ok_or_else(|| tampered("no signed copy is kept"))?;
    let genuine = signed.verify(key).map_err(|e| tampered(&e.to_string()))?;
    if genuine != row.notice {
        return Err(tampered("the stored text differs from the signed one").into());
    }
    Ok(genuine)
}

fn summary(row: NoticeRow, tampered: bool) -> NoticeSummary {
    NoticeSummary {
        tampered,
        id: row.notice.id,
        title: row.notice.title,
        publisher: row.notice.publisher,
        published_at: row.notice.published_at,
        receipt_required: row.notice.receipt_required,
        receipt_deadline: row.notice.receipt_deadline,
        unread: row.unread,
        replied_at: row.status.replied_at,
        attachments: row.notice.attachments.len(),
        pending_send: row.changed_locally,
        refusal: row.refusal,
    }
}

/// The detail of `notice` after this user's state became `status` (`changed`: by this call).
fn detail(
    store: &Store,
    notice: Notice,
    status: RecipientStatus,
    row: &NoticeRow,
    changed: bool,
    now: DateTime<Utc>,
) -> Result<NoticeDetail, ClientError> {
    let mut attachments = Vec::with_capacity(notice.attachments.len());
    for attachment in &notice.attachments {
        attachments.push(NoticeAttachment {
            stored: store.stored_file_size(&attachment.sha256)?.is_some(),
            attachment: attachment.clone(),
        });
    }
    Ok(NoticeDetail {
        can_reply: notice.receipt_required && notice.receipt_deadline.is_none_or(|d| now <= d),
        form: notice.effective_form(),
        pending_send: row.changed_locally || changed,
        // A change made now supersedes the refusal (the store cleared it).
        refusal: if changed { None } else { row.refusal.clone() },
        status,
        attachments,
        notice,
    })
}

#[cfg(test)]
mod receipt_tests;
#[cfg(test)]
mod tests;
