//! 回执 from the phones (`POST /v1/receipts`): each [`ReceiptUpdate`] is a recipient's state for one
//! notice as changed on a phone, possibly offline and long ago. The gateway applies it with the
//! core's own rules ([`RecipientStatus::mark_delivered`], [`RecipientStatus::mark_read`],
//! [`RecipientStatus::reply`]) to the state it holds, in a transaction per update.
//!
//! - Times are the phone's clock corrected by the gateway's offset. One more than
//!   [`TOLERANCE_SECS`] ahead of the gateway's clock, or before the notice was published, cannot be
//!   true and is refused; any other is believed, so a reply made offline before the deadline and
//!   synced after it still counts.
//! - Order does not matter: a reply older than the one held changes nothing (the newer wins), and
//!   the answer is the state held. Sending a state again changes nothing: no audit entry, no feed
//!   change.
//! - A read or a reply is audited and sent to the user's feed as a [`Change::Receipt`], so the
//!   user's other phones learn it; a mere delivery is only stored (it is no one's act).
//! - A reply the form's rules refuse still leaves its read recorded, and the refusal carries the
//!   state held, so the phone returns to it and the person can reply again.
//! - A notice of another unit and one the user is not a recipient of get the same refusal,
//!   `no_such_notice`: nothing is revealed about other units' notices.

use super::roster::load;
use crate::audit::{self, Event};
use crate::auth::AuthedDevice;
use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::feed::append_change;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Duration, Utc};
use qianpi_domain::model::{ReceiptError, RecipientStatus};
use qianpi_protocol::{Change, NoticeStatus, ReceiptOutcome, ReceiptUpdate};

/// Most receipts in one request.
pub const MAX_BATCH: usize = qianpi_protocol::MAX_RECEIPT_BATCH;
/// How far a receipt's time may lie ahead of the gateway's clock (the phone corrects its clock by
/// the gateway's offset; this is only the slack of that correction).
pub const TOLERANCE_SECS: i64 = 60;

/// A refusal's stable code, Chinese message and English message.
type Reason = (&'static str, &'static str, &'static str);

const NO_SUCH_NOTICE: Reason = (
    "no_such_notice",
    "没有这条通知，或您不在其发布范围内",
    "no such notice, or you are not among its recipients",
);
const FROM_FUTURE: Reason = (
    "from_future",
    "回执时间晚于服务器时间",
    "the receipt claims a time in the future",
);
const BEFORE_PUBLISHED: Reason = (
    "before_published",
    "回执时间早于通知发布时间",
    "the receipt claims a time before the notice was published",
);
const MALFORMED: Reason = (
    "malformed_receipt",
    "回执内容与回执时间须同时提供",
    "a reply and its time (replied_at) come together or not at all",
);

/// A refusal with no state to report (the update never reached a recipient's row, or its times
/// cannot be true).
fn refused((code, zh, en): Reason) -> ReceiptOutcome {
    ReceiptOutcome::Refused {
        code: code.to_owned(),
        message_zh: zh.to_owned(),
        message_en: en.to_owned(),
        status: None,
    }
}

/// A reply the core's rules refuse, with the state held after the rest of the update (its read)
/// was applied.
fn reply_refused(error: &ReceiptError, status: RecipientStatus) -> ReceiptOutcome {
    match error {
        // Never tell another unit's user more than that there is no such notice for them.
        ReceiptError::NotRecipient(_) | ReceiptError::WrongNotice { .. } => refused(NO_SUCH_NOTICE),
        _ => ReceiptOutcome::Refused {
            code: error.code().to_owned(),
            message_zh: error.message_zh().to_owned(),
            message_en: error.to_string(),
            status: Some(status),
        },
    }
}

/// Applies one receipt of `device`'s user at the gateway's time `now`, inside the caller's
/// transaction.
pub fn apply(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    update: &ReceiptUpdate,
    now: DateTime<Utc>,
) -> Result<ReceiptOutcome, ApiError> {
    let Some(notice) = load(sql, &device.unit_id, &update.notice_id)? else {
        return Ok(refused(NO_SUCH_NOTICE));
    };
    // The row is locked: two phones of one user replying at once take turns.
    let lock = sql.dialect().for_update();
    let Some(row) = sql.query_opt(
        &format!(
            "SELECT status FROM notice_recipients WHERE notice_id = ?1 AND user_id = ?2{lock}"
        ),
        args![&notice.id, &device.user_id],
    )?
    else {
        return Ok(refused(NO_SUCH_NOTICE));
    };
    let held: RecipientStatus = decode(&row.text(0)?)?;
    let sent = &update.status;
    let tolerance = Duration::seconds(TOLERANCE_SECS);
    let times = [sent.delivered_at, sent.read_at, sent.replied_at];
    if times.iter().flatten().any(|at| *at > now + tolerance) {
        return Ok(refused(FROM_FUTURE));
    }
    if times
        .iter()
        .flatten()
        .any(|at| *at + tolerance < notice.published_at)
    {
        return Ok(refused(BEFORE_PUBLISHED));
    }
    if sent.reply.is_some() != sent.replied_at.is_some() {
        return Ok(refused(MALFORMED));
    }
    let mut next = held.clone();
    if let Some(at) = sent.delivered_at {
        next.mark_delivered(at);
    }
    if let Some(at) = sent.read_at {
        next.mark_read(at);
    }
    // A refused reply keeps what came with it: the person did read the notice.
    let mut refusal = None;
    if let (Some(reply), Some(at)) = (&sent.reply, sent.replied_at) {
        // Replies made on two phones arrive in any order: the newer one stands.
        let older = held.replied_at.is_some_and(|held_at| at < held_at);
        if !older {
            refusal = next.reply(&notice, reply.clone(), at).err();
        }
    }
    if next != held {
        record(sql, device, &notice.id, &held, &next, now)?;
    }
    Ok(match refusal {
        Some(error) => reply_refused(&error, next),
        None => ReceiptOutcome::Accepted { status: next },
    })
}

/// Stores a recipient's changed state; a read or a reply (a person's act) is audited and sent to
/// the user's other phones, a mere delivery only stored.
fn record(
    sql: &mut dyn Sql,
    device: &AuthedDevice,
    notice_id: &str,
    held: &RecipientStatus,
    next: &RecipientStatus,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sql.execute(
        "UPDATE notice_recipients SET status = ?1, read_at = ?2, replied_at = ?3
         WHERE notice_id = ?4 AND user_id = ?5",
        args![
            encode(next)?,
            next.read_at.map(|t| t.to_rfc3339()),
            next.replied_at.map(|t| t.to_rfc3339()),
            notice_id,
            &device.user_id
        ],
    )?;
    let kind = if next.replied_at != held.replied_at || next.reply != held.reply {
        "notice.replied"
    } else if next.read_at != held.read_at {
        "notice.read"
    } else {
        return Ok(());
    };
    // Ids and times only: a note is the person's own text and stays out of the log.
    audit::append(
        sql,
        &Event {
            unit_id: Some(&device.unit_id),
            actor: &device.user_id,
            kind,
            subject: notice_id,
            detail: serde_json::json!({
                "device_id": device.device_id,
                "delivered_at": next.delivered_at, "read_at": next.read_at,
                "replied_at": next.replied_at,
                "choice": next.reply.as_ref().and_then(|r| r.choice.clone()),
            }),
        },
        now,
    )?;
    append_change(
        sql,
        &device.user_id,
        &Change::Receipt {
            status: NoticeStatus {
                notice_id: notice_id.to_owned(),
                user_id: device.user_id.clone(),
                status: next.clone(),
            },
        },
    )?;
    Ok(())
}
