//! 通知公告 and this user's 回执. A notice arrives from the gateway with its signed form, which is
//! kept beside it so the copy can be checked whenever it is shown; reading and replying change the
//! user's [`RecipientStatus`] here first (offline too) and are marked for sending. A state the
//! gateway refused is kept with its reason and no longer sent. The rules of a reply live in
//! `model::receipt`; this repository only keeps the result.
//!
//! 送达 (delivery) is not sent as a 回执: it is implied by the cursor. The pages stored since the
//! gateway last heard of them that carried notices are remembered as one range of cursors (the
//! one before the first such page, the one after the last), kept with each page in its
//! transaction; the next pull carries that range and the gateway marks those notices delivered
//! (`server/src/notices/deliveries.rs`). A first sync's 2,000 notices thus cost no request of
//! their own, and the gateway never hears of a delivery the phone has not stored.

use super::{decode, encode, Store, StoreError};
use crate::model::{Notice, RecipientStatus};
use crate::protocol::{NoticeStatus, Signed};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// 回执被拒 — a state of this user's the gateway would not record (a reply after the deadline,
/// say), kept with the gateway's reason so the person sees what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRefusal {
    /// The gateway's stable reason code.
    pub code: String,
    /// The reason in Chinese.
    pub message_zh: String,
    /// The reason in English.
    pub message_en: String,
    /// The state that was refused, reply included.
    pub status: RecipientStatus,
    /// When the gateway refused it (its clock).
    pub refused_at: DateTime<Utc>,
}

/// A notice with this user's state for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// The notice.
    pub notice: Notice,
    /// Delivered, read, replied, and the reply.
    pub status: RecipientStatus,
    /// Not opened yet.
    pub unread: bool,
    /// Read or reply changed here and not yet sent.
    pub changed_locally: bool,
    /// The gateway's signed form of the notice, as received (none for a notice filed without
    /// one, which can then never be shown as genuine).
    pub signed: Option<Signed<Notice>>,
    /// The last state the gateway refused, until a newer one is made here.
    pub refusal: Option<ReceiptRefusal>,
}

/// The columns [`Store::query_notices`] reads, in its order.
const NOTICE_COLUMNS: &str = "n.body, r.status, n.unread, r.changed_locally, n.signed, r.refused";

impl Store {
    /// Stores a notice from the gateway with its signed form (a newer copy replaces the text;
    /// the user's own state is kept) and records its delivery at `now`. Without a signed form
    /// the notice is kept but never verifies.
    pub fn save_notice(
        &mut self,
        notice: &Notice,
        signed: Option<&Signed<Notice>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        file_notice(&tx, notice, signed, now, now)?;
        super::search::catch_up(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// One notice with this user's state.
    pub fn notice(&self, id: &str) -> Result<Option<NoticeRow>, StoreError> {
        let mut rows = self.query_notices(
            &format!(
                "SELECT {NOTICE_COLUMNS} FROM notices n
                 JOIN receipts r ON r.notice_id = n.id WHERE n.id = ?1"
            ),
            params![id],
        )?;
        Ok(rows.pop())
    }

    /// Notices, unread first, newest first within each group.
    pub fn notices(&self, limit: usize, offset: usize) -> Result<Vec<NoticeRow>, StoreError> {
        self.query_notices(
            &format!(
                "SELECT {NOTICE_COLUMNS} FROM notices n
                 JOIN receipts r ON r.notice_id = n.id
                 ORDER BY n.unread DESC, n.published_at DESC, n.id LIMIT ?1 OFFSET ?2"
            ),
            params![
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ],
        )
    }

    /// Keeps this user's new state for a notice (read, replied) and marks it for sending; an
    /// earlier refusal is superseded by it.
    pub fn save_receipt(
        &mut self,
        notice_id: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE receipts SET status = ?1, changed_locally = 1, refused = NULL WHERE notice_id = ?2",
            params![encode(status)?, notice_id],
        )?;
        if changed == 0 {
            return Err(StoreError::Corrupted(format!(
                "no notice {notice_id} is stored"
            )));
        }
        tx.execute(
            "UPDATE notices SET unread = ?1 WHERE id = ?2",
            params![status.read_at.is_none(), notice_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Receipt states changed here and not yet confirmed by the gateway.
    pub fn receipts_to_send(&self) -> Result<Vec<(String, RecipientStatus)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT notice_id, status FROM receipts WHERE changed_locally = 1 ORDER BY notice_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (id, status) = row?;
            Ok((id, decode(&status)?))
        })
        .collect()
    }

    /// The gateway recorded `sent` for `notice_id` and now holds `confirmed` (the two may differ:
    /// another of the user's phones may have been first). Unless a newer change was made here
    /// meanwhile (which stays marked), the gateway's state is taken and nothing is left to send.
    /// Returns whether the row took it.
    pub fn receipt_sent(
        &mut self,
        notice_id: &str,
        sent: &RecipientStatus,
        confirmed: &RecipientStatus,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE receipts SET status = ?1, changed_locally = 0, refused = NULL
             WHERE notice_id = ?2 AND status = ?3",
            params![encode(confirmed)?, notice_id, encode(sent)?],
        )?;
        if changed > 0 {
            tx.execute(
                "UPDATE notices SET unread = ?1 WHERE id = ?2",
                params![confirmed.read_at.is_none(), notice_id],
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// The gateway refused `refusal.status` for `notice_id`: it is kept with the reason and not
    /// sent again, and the state becomes `held`, what the gateway holds (when it said), so the
    /// person sees where things stand and can reply again. A newer change made here meanwhile
    /// stays marked and goes next. Returns whether the row took it.
    pub fn receipt_refused(
        &mut self,
        notice_id: &str,
        refusal: &ReceiptRefusal,
        held: Option<&RecipientStatus>,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let now_held = held.unwrap_or(&refusal.status);
        let changed = tx.execute(
            "UPDATE receipts SET changed_locally = 0, refused = ?1, status = ?4
             WHERE notice_id = ?2 AND status = ?3",
            params![
                encode(refusal)?,
                notice_id,
                encode(&refusal.status)?,
                encode(now_held)?
            ],
        )?;
        if changed > 0 {
            tx.execute(
                "UPDATE notices SET unread = ?1 WHERE id = ?2",
                params![now_held.read_at.is_none(), notice_id],
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// The range of cursors whose notices this phone stored and the gateway has not
    /// acknowledged yet (`(before the first such page, after the last)`), if any: the next pull
    /// carries it.
    pub fn deliveries_to_report(&self) -> Result<Option<(String, String)>, StoreError> {
        read_deliveries(&self.conn)
    }

    /// The gateway took the range `sent` (from [`Store::deliveries_to_report`]): it is no longer
    /// reported. Pages stored since it was read stay, from where it ended.
    pub fn deliveries_reported(&mut self, sent: &(String, String)) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if let Some((from, to)) = read_deliveries(&tx)? {
            // Another report took it meanwhile: what is left is not this one's to touch.
            if from == sent.0 {
                if to == sent.1 {
                    tx.execute("DELETE FROM sync_cursors WHERE feed = ?1", [DELIVERIES])?;
                } else {
                    write_deliveries(&tx, &sent.1, &to)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn query_notices(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<NoticeRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (notice, status, unread, changed_locally, signed, refused) = row?;
            Ok(NoticeRow {
                notice: decode(&notice)?,
                status: decode(&status)?,
                unread,
                changed_locally,
                signed: signed.map(Signed::from_base64),
                refusal: refused.as_deref().map(decode).transpose()?,
            })
        })
        .collect()
    }
}

/// Files a notice and its signed form inside the caller's transaction (a pulled page is one
/// transaction), last changed `now` (the phone's clock, for retention) and delivered at
/// `delivered_at` (the gateway's clock). The signed form is not checked here but each time the
/// notice is shown, which also catches a copy altered on the phone after it arrived.
pub(super) fn file_notice(
    tx: &rusqlite::Transaction<'_>,
    notice: &Notice,
    signed: Option<&Signed<Notice>>,
    now: DateTime<Utc>,
    delivered_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let stored = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM notices WHERE id = ?1)")?
        .query_row([&notice.id], |r| r.get::<_, bool>(0))?;
    // A new notice's insert needs no statement journal (`feed.rs` says why that matters).
    tx.prepare_cached(if stored {
        "INSERT INTO notices (id, title, published_at, unread, body, updated_at, signed)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, published_at = excluded.published_at,
           body = excluded.body, updated_at = excluded.updated_at, signed = excluded.signed"
    } else {
        "INSERT OR FAIL INTO notices (id, title, published_at, unread, body, updated_at, signed)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)"
    })?
    .execute(params![
        notice.id,
        notice.title,
        notice.published_at,
        encode(notice)?,
        now,
        signed.map(Signed::as_base64)
    ])?;
    let mut status = RecipientStatus::default();
    status.mark_delivered(delivered_at);
    // Nothing to send: the gateway learns of the delivery from the cursor (the module's header).
    tx.prepare_cached(
        "INSERT INTO receipts (notice_id, status, changed_locally) VALUES (?1, ?2, 0)
         ON CONFLICT (notice_id) DO NOTHING",
    )?
    .execute(params![notice.id, encode(&status)?])?;
    Ok(())
}

/// Where the range of unreported deliveries is kept, beside the cursor.
const DELIVERIES: &str = "deliveries";

/// The range of cursors whose notices wait to be reported delivered.
#[derive(Serialize, Deserialize)]
struct Deliveries {
    from: String,
    to: String,
}

fn read_deliveries(conn: &rusqlite::Connection) -> Result<Option<(String, String)>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT cursor FROM sync_cursors WHERE feed = ?1")?
        .query_row([DELIVERIES], |r| r.get(0))
        .optional()?;
    Ok(text
        .as_deref()
        .map(decode::<Deliveries>)
        .transpose()?
        .map(|d| (d.from, d.to)))
}

fn write_deliveries(conn: &rusqlite::Connection, from: &str, to: &str) -> Result<(), StoreError> {
    let range = Deliveries {
        from: from.to_owned(),
        to: to.to_owned(),
    };
    conn.prepare_cached(
        "INSERT INTO sync_cursors (feed, cursor) VALUES (?1, ?2)
         ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor",
    )?
    .execute(params![DELIVERIES, encode(&range)?])?;
    Ok(())
}

/// A page that carried notices was stored, inside its transaction: it moved the cursor from
/// `before` to `after`, so the range to report now ends at `after` (and starts at `before` if
/// nothing was waiting).
pub(super) fn notices_stored(
    tx: &rusqlite::Transaction<'_>,
    before: &str,
    after: &str,
) -> Result<(), StoreError> {
    let from = read_deliveries(tx)?.map_or_else(|| before.to_owned(), |(from, _)| from);
    write_deliveries(tx, &from, after)
}

/// Takes the gateway's copy of this user's state for a notice (read or replied on another phone,
/// say). With a change made here still waiting to be sent, the two are merged as the gateway will
/// merge them when it arrives ([`merge_status`]) and the result still waits to be sent; otherwise
/// the gateway's copy is the truth. A state for another user (which the gateway never sends) or
/// for a notice not on the phone is ignored. A refusal stays: it records what the person did,
/// whatever the gateway holds now.
pub(super) fn file_status(
    tx: &rusqlite::Transaction<'_>,
    user_id: &str,
    status: &NoticeStatus,
) -> Result<(), StoreError> {
    if status.user_id != user_id {
        return Ok(());
    }
    let (notice_id, held) = (&status.notice_id, &status.status);
    let local: Option<(String, bool)> = tx
        .prepare_cached("SELECT status, changed_locally FROM receipts WHERE notice_id = ?1")?
        .query_row([notice_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((local, pending)) = local else {
        return Ok(());
    };
    let next = if pending {
        merge_status(&decode(&local)?, held)
    } else {
        held.clone()
    };
    tx.prepare_cached("UPDATE receipts SET status = ?1 WHERE notice_id = ?2")?
        .execute(params![encode(&next)?, notice_id])?;
    tx.prepare_cached("UPDATE notices SET unread = ?1 WHERE id = ?2")?
        .execute(params![next.read_at.is_none(), notice_id])?;
    Ok(())
}

/// Two copies of one recipient's state merged: delivery and reading keep their earliest time, and
/// of two replies the later one stands. On a tie the gateway's copy is kept here, while the
/// gateway itself takes the phone's: both are the same reply time, so the copies agree after the
/// next answer either way. Nothing either copy recorded is dropped.
pub(crate) fn merge_status(local: &RecipientStatus, held: &RecipientStatus) -> RecipientStatus {
    let earliest = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let local_newer = match (local.replied_at, held.replied_at) {
        (Some(l), Some(h)) => l > h,
        (l, h) => l.is_some() && h.is_none(),
    };
    let newer = if local_newer { local } else { held };
    RecipientStatus {
        delivered_at: earliest(local.delivered_at, held.delivered_at),
        read_at: earliest(local.read_at, held.read_at),
        replied_at: newer.replied_at,
        reply: newer.reply.clone(),
    }
}
