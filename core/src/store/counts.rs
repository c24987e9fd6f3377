//! How many rows each of the phone's lists holds, for the badges of the lists screen. One
//! statement of indexed counts (the same indexes the lists page through), so the badges cost
//! about as much as one list page.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};

/// The size of each list, and the pending tasks past their deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCounts {
    /// 待办.
    pub todo: u32,
    /// Of 待办, those past their 办理时限.
    pub overdue: u32,
    /// 已办, with the actions still waiting for the gateway.
    pub done: u32,
    /// 待阅.
    pub to_read: u32,
    /// 已阅.
    pub read: u32,
    /// 已发.
    pub sent: u32,
    /// 草稿.
    pub drafts: u32,
}

impl Store {
    /// The size of every list at `now` (which decides what is overdue).
    pub fn list_counts(&self, now: DateTime<Utc>) -> Result<ListCounts, StoreError> {
        let user = self.user_id()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT
                (SELECT count(*) FROM tasks WHERE list = 'todo'),
                (SELECT count(*) FROM tasks WHERE list = 'todo' AND deadline < ?2),
                (SELECT count(*) FROM tasks WHERE list = 'queued' OR list = 'done'),
                (SELECT count(*) FROM read_items WHERE recipient = ?1 AND (read_at IS NOT NULL) = 0),
                (SELECT count(*) FROM read_items WHERE recipient = ?1 AND (read_at IS NOT NULL) = 1),
                (SELECT count(*) FROM instances WHERE initiator = ?1),
                (SELECT count(*) FROM drafts)",
        )?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(stmt.query_row(rusqlite::params![user, now], |r| {
            Ok(ListCounts {
                todo: count(r.get(0)?),
                overdue: count(r.get(1)?),
                done: count(r.get(2)?),
                to_read: count(r.get(3)?),
                read: count(r.get(4)?),
                sent: count(r.get(5)?),
                drafts: count(r.get(6)?),
            })
        })?)
    }
}
