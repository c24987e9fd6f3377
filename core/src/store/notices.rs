//! 通知公告 and this user's 回执. A notice arrives from the gateway; reading and replying change
//! the user's [`RecipientStatus`] here first (offline too) and are marked for sending. The rules
//! of a reply live in `model::receipt`; this repository only keeps the result.

use super::{decode, encode, Store, StoreError};
use crate::model::{Notice, RecipientStatus};
use chrono::{DateTime, Utc};
use rusqlite::params;

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
}

impl Store {
    /// Stores a notice from the gateway (a newer copy replaces the text; the user's own state is
    /// kept) and records its delivery at `now`.
    pub fn save_notice(&mut self, notice: &Notice, now: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        file_notice(&tx, notice, now)?;
        tx.commit()?;
        Ok(())
    }

    /// One notice with this user's state.
    pub fn notice(&self, id: &str) -> Result<Option<NoticeRow>, StoreError> {
        let mut rows = self.query_notices(
            "SELECT n.body, r.status, n.unread, r.changed_locally FROM notices n
             JOIN receipts r ON r.notice_id = n.id WHERE n.id = ?1",
            params![id],
        )?;
        Ok(rows.pop())
    }

    /// Notices, unread first, newest first within each group.
    pub fn notices(&self, limit: usize, offset: usize) -> Result<Vec<NoticeRow>, StoreError> {
        self.query_notices(
            "SELECT n.body, r.status, n.unread, r.changed_locally FROM notices n
             JOIN receipts r ON r.notice_id = n.id
             ORDER BY n.unread DESC, n.published_at DESC, n.id LIMIT ?1 OFFSET ?2",
            params![
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ],
        )
    }

    /// Keeps this user's new state for a notice (read, replied) and marks it for sending.
    pub fn save_receipt(
        &mut self,
        notice_id: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE receipts SET status = ?1, changed_locally = 1 WHERE notice_id = ?2",
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

    /// The gateway confirmed `status` for `notice_id`; a newer local change stays marked.
    pub fn receipt_sent(
        &mut self,
        notice_id: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE receipts SET changed_locally = 0 WHERE notice_id = ?1 AND status = ?2",
            params![notice_id, encode(status)?],
        )?;
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
            ))
        })?;
        rows.map(|row| {
            let (notice, status, unread, changed_locally) = row?;
            Ok(NoticeRow {
                notice: decode(&notice)?,
                status: decode(&status)?,
                unread,
                changed_locally,
            })
        })
        .collect()
    }
}

/// Files a notice inside the caller's transaction (a pulled page is one transaction).
pub(super) fn file_notice(
    tx: &rusqlite::Transaction<'_>,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO notices (id, title, published_at, unread, body, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, published_at = excluded.published_at,
           body = excluded.body, updated_at = excluded.updated_at",
    )?
    .execute(params![notice.id, notice.title, notice.published_at, encode(notice)?, now])?;
    let mut status = RecipientStatus::default();
    status.mark_delivered(now);
    // Delivery is the gateway's business too: it counts as a change to send.
    tx.prepare_cached(
        "INSERT INTO receipts (notice_id, status, changed_locally) VALUES (?1, ?2, 1)
         ON CONFLICT (notice_id) DO NOTHING",
    )?
    .execute(params![notice.id, encode(&status)?])?;
    Ok(())
}

/// Takes the gateway's copy of this user's state for a notice (read on another phone, say),
/// unless a change made here is still waiting to be sent: that one is newer.
pub(super) fn file_status(
    tx: &rusqlite::Transaction<'_>,
    notice_id: &str,
    status: &RecipientStatus,
) -> Result<(), StoreError> {
    let changed = tx
        .prepare_cached(
            "UPDATE receipts SET status = ?1 WHERE notice_id = ?2 AND changed_locally = 0",
        )?
        .execute(params![encode(status)?, notice_id])?;
    if changed > 0 {
        tx.prepare_cached("UPDATE notices SET unread = ?1 WHERE id = ?2")?
            .execute(params![status.read_at.is_none(), notice_id])?;
    }
    Ok(())
}
