//! Which parts of the phone's data a committed write touched, told to whoever watches (the
//! screens' observers). SQLite's update hook collects the tables a transaction writes, its commit
//! hook hands them on as [`Topics`], and its rollback hook forgets them: every write path is
//! covered, including ones added later, without each having to remember to say what it changed.
//!
//! The sink runs inside SQLite's commit, on the writer's thread: it must only record or signal
//! (the client bumps counters on a watch channel), never touch the store.

use super::{Store, StoreError};
use rusqlite::hooks::Action;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// A set of parts of the phone's data that changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Topics(u8);

impl Topics {
    /// Nothing.
    pub const NONE: Topics = Topics(0);
    /// The lists and their rows: tasks, instances, documents, opinions, read items, drafts.
    pub const LISTS: Topics = Topics(1);
    /// What one document's detail shows beyond the lists: body versions, attachments, files held.
    pub const DOCUMENTS: Topics = Topics(1 << 1);
    /// Commands waiting for the gateway and the verdicts on them.
    pub const OUTBOX: Topics = Topics(1 << 2);
    /// 通知公告 and 回执.
    pub const NOTICES: Topics = Topics(1 << 3);
    /// The device binding, its policy and checkpoint (online state, offline limits).
    pub const ACCOUNT: Topics = Topics(1 << 4);
    /// Anything else the store keeps (cursors, secrets, download progress, later additions).
    pub const OTHER: Topics = Topics(1 << 5);
    /// 通讯录: the unit's address book (contacts screen and pickers).
    pub const PEOPLE: Topics = Topics(1 << 6);
    /// 全文检索: the search index (it changes with the documents, opinions and notices it
    /// covers, and when a search catches it up with them).
    pub const SEARCH: Topics = Topics(1 << 7);

    /// Both sets.
    pub const fn union(self, other: Topics) -> Topics {
        Topics(self.0 | other.0)
    }

    /// Whether any part of `other` is in this set.
    pub const fn intersects(self, other: Topics) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether nothing is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The parts of the data a write to `table` changes.
    pub fn of_table(table: &str) -> Topics {
        match table {
            // An opinion, a read item or a document row is shown both in a list and in the
            // detail; a queued action changes its task's row too.
            "tasks" | "instances" | "documents" | "opinions" | "read_items" | "inbox" => {
                Topics::LISTS.union(Topics::DOCUMENTS)
            }
            "drafts" => Topics::LISTS,
            "body_versions" | "attachments" | "files" | "opened_files" | "definitions" => {
                Topics::DOCUMENTS
            }
            "outbox" | "verdicts" => Topics::OUTBOX.union(Topics::LISTS),
            "notices" | "receipts" => Topics::NOTICES,
            "account" | "policy" | "checkpoint" => Topics::ACCOUNT,
            "directory" => Topics::PEOPLE,
            // The opinion files held are files a detail shows; the phrases are the person's
            // own settings, like the account's.
            "opinion_files" => Topics::DOCUMENTS,
            "phrases" => Topics::ACCOUNT,
            // The index, its items and FTS5's own tables behind it (search_index_data, …).
            t if t.starts_with("search_") => Topics::SEARCH,
            _ => Topics::OTHER,
        }
    }
}

/// Where committed changes go.
pub type ChangeSink = Arc<dyn Fn(Topics) + Send + Sync>;

impl Store {
    /// From now on, tells `sink` after each committed write which parts of the data it touched
    /// (a write that is rolled back tells nothing). Replaces an earlier sink.
    pub fn watch_changes(&mut self, sink: ChangeSink) -> Result<(), StoreError> {
        let pending = Arc::new(AtomicU8::new(0));
        let written = Arc::clone(&pending);
        self.conn
            .update_hook(Some(move |_: Action, _: &str, table: &str, _: i64| {
                written.fetch_or(Topics::of_table(table).0, Ordering::Relaxed);
            }))?;
        let committed = Arc::clone(&pending);
        self.conn.commit_hook(Some(move || {
            let topics = Topics(committed.swap(0, Ordering::Relaxed));
            if !topics.is_empty() {
                sink(topics);
            }
            // false: let the commit go ahead.
            false
        }))?;
        self.conn.rollback_hook(Some(move || {
            pending.store(0, Ordering::Relaxed);
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::DataKey;
    use crate::store::test_support::store_in;
    use parking_lot::Mutex;

    fn watched() -> (tempfile::TempDir, Store, Arc<Mutex<Vec<Topics>>>) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        store
            .watch_changes(Arc::new(move |topics| sink.lock().push(topics)))
            .unwrap();
        (dir, store, seen)
    }

    #[test]
    fn a_committed_write_is_told_with_the_parts_it_touched() {
        let (_dir, store, seen) = watched();
        store
            .conn
            .execute_batch(
                "BEGIN;
                 INSERT INTO drafts (task_id, opinion, updated_at)
                     VALUES ('t-1', '{}', '2026-12-06T00:00:00Z');
                 COMMIT;",
            )
            .unwrap();
        assert_eq!(*seen.lock(), vec![Topics::LISTS]);
    }

    #[test]
    fn a_rolled_back_write_tells_nothing_and_does_not_leak_into_the_next() {
        let (_dir, store, seen) = watched();
        store
            .conn
            .execute_batch(
                "BEGIN;
                 INSERT INTO drafts (task_id, opinion, updated_at)
                     VALUES ('t-1', '{}', '2026-12-06T00:00:00Z');
                 ROLLBACK;",
            )
            .unwrap();
        assert!(seen.lock().is_empty());
        store
            .conn
            .execute(
                "INSERT INTO sync_cursors (feed, cursor) VALUES ('x', 'y')",
                [],
            )
            .unwrap();
        assert_eq!(*seen.lock(), vec![Topics::OTHER]);
    }

    #[test]
    fn every_table_of_the_store_belongs_somewhere_deliberate() {
        let (_dir, store, _) = watched();
        let mut stmt = store
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // The tables whose changes no screen shows: a new table lands here only on purpose.
        let unseen = ["sync_cursors", "secrets", "download_parts", "trace"];
        for table in tables {
            let topics = Topics::of_table(&table);
            assert!(
                topics != Topics::OTHER || unseen.contains(&table.as_str()),
                "table {table} changes no screen: give it a topic in Topics::of_table"
            );
        }
    }
}
