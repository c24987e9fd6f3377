//! How many rows each of the phone's lists holds, for the badges of the lists screen. One
//! statement of indexed counts (the same indexes the lists page through), each stopping at
//! [`BADGE_CAP`]: a leader with 25,000 finished tasks sees "999+" on 已办, and the badges cost
//! about as much as one list page rather than a walk over every row he ever handled.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};

/// The most a badge counts; a list holding more shows this number (a screen draws "999+").
pub const BADGE_CAP: u32 = 999;

/// The size of each list (at most [`BADGE_CAP`]), and the pending tasks past their deadline.
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
        // Each count reads at most ?3 index entries; 已办 is two ranges of its index (queued and
        // done) rather than an OR the planner would scan the table for. Without statistics the
        // planner picks `tasks_done` for 超期 and reads every pending task's row for its
        // deadline (about 10 ms on 25,000 of them): the partial index is named.
        let mut stmt = self.conn.prepare_cached(
            "SELECT
                (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE list = 'todo' LIMIT ?3)),
                (SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY tasks_overdue
                    WHERE list = 'todo' AND deadline IS NOT NULL AND deadline < ?2 LIMIT ?3)),
                (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE list = 'queued' LIMIT ?3))
                  + (SELECT count(*) FROM (SELECT 1 FROM tasks WHERE list = 'done' LIMIT ?3)),
                (SELECT count(*) FROM (SELECT 1 FROM read_items
                    WHERE recipient = ?1 AND (read_at IS NOT NULL) = 0 LIMIT ?3)),
                (SELECT count(*) FROM (SELECT 1 FROM read_items
                    WHERE recipient = ?1 AND (read_at IS NOT NULL) = 1 LIMIT ?3)),
                (SELECT count(*) FROM (SELECT 1 FROM instances WHERE initiator = ?1 LIMIT ?3)),
                (SELECT count(*) FROM (SELECT 1 FROM drafts LIMIT ?3))",
        )?;
        let count = |n: i64| u32::try_from(n).unwrap_or(BADGE_CAP).min(BADGE_CAP);
        Ok(
            stmt.query_row(rusqlite::params![user, now, BADGE_CAP], |r| {
                Ok(ListCounts {
                    todo: count(r.get(0)?),
                    overdue: count(r.get(1)?),
                    done: count(r.get(2)?),
                    to_read: count(r.get(3)?),
                    read: count(r.get(4)?),
                    sent: count(r.get(5)?),
                    drafts: count(r.get(6)?),
                })
            })?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::DataKey;
    use crate::store::test_support::store_in;

    #[test]
    fn a_badge_stops_counting_at_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path(), &DataKey::generate().unwrap());
        let now = chrono::Utc::now();
        assert_eq!(store.list_counts(now).unwrap(), ListCounts::default());
        for i in 0..(BADGE_CAP + 6) {
            store
                .conn
                .execute(
                    "INSERT INTO drafts (task_id, opinion, updated_at) VALUES (?1, '{}', ?2)",
                    rusqlite::params![format!("t-{i}"), now],
                )
                .unwrap();
        }
        let counts = store.list_counts(now).unwrap();
        assert_eq!(counts.drafts, BADGE_CAP);
        assert_eq!(counts.todo, 0);
    }
}
