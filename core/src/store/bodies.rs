//! 正文 on this phone beyond the files themselves: which were opened (read through the core, so a
//! unit may refuse an approval of a body never opened here), and which documents the pending
//! tasks need, for fetching their files ahead of time on Wi-Fi.

use super::{decode, Store, StoreError};
use crate::model::Document;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use std::collections::HashSet;

impl Store {
    /// Remembers that the file `sha256` was opened at `at` (the first time is kept too).
    pub fn record_opened(&mut self, sha256: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO opened_files (sha256, first_opened_at, last_opened_at)
                 VALUES (?1, ?2, ?2)
                 ON CONFLICT (sha256) DO UPDATE SET last_opened_at = excluded.last_opened_at",
            )?
            .execute(params![sha256, at])?;
        Ok(())
    }

    /// When the file `sha256` was first opened on this phone, if ever.
    pub fn first_opened(&self, sha256: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT first_opened_at FROM opened_files WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get(0))
            .optional()?)
    }

    /// Those of `document`'s body files (versions and renditions) that were opened here.
    pub fn opened_bodies(&self, document: &Document) -> Result<HashSet<String>, StoreError> {
        let mut opened = HashSet::new();
        for version in &document.body.versions {
            let rendition = version.rendition.as_ref().map(|r| &r.sha256);
            for sha256 in std::iter::once(&version.sha256).chain(rendition) {
                if self.first_opened(sha256)?.is_some() {
                    opened.insert(sha256.clone());
                }
            }
        }
        Ok(opened)
    }

    /// Those of `document`'s body files (versions and renditions) whose file the vault holds.
    pub fn held_bodies(&self, document: &Document) -> Result<HashSet<String>, StoreError> {
        let mut held = HashSet::new();
        for version in &document.body.versions {
            let rendition = version.rendition.as_ref().map(|r| &r.sha256);
            for sha256 in std::iter::once(&version.sha256).chain(rendition) {
                if self.stored_file_size(sha256)?.is_some() {
                    held.insert(sha256.clone());
                }
            }
        }
        Ok(held)
    }

    /// The documents of the viewer's pending tasks (待办), each once: the soonest 办理时限 first,
    /// tasks without one after them, newest first.
    pub fn pending_documents(&self, limit: usize) -> Result<Vec<Document>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.id, d.body FROM tasks t
               JOIN instances i ON i.id = t.instance_id
               JOIN documents d ON d.id = i.document_id
             WHERE t.list = 'todo'
             ORDER BY t.deadline IS NULL, t.deadline, t.received_at DESC, t.id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut seen = HashSet::new();
        let mut documents = Vec::new();
        for row in rows {
            let (id, body) = row?;
            if documents.len() >= limit {
                break;
            }
            if seen.insert(id) {
                documents.push(decode(&body)?);
            }
        }
        Ok(documents)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::test_support::{approved, days, fresh_entry, page, store_in, t0};
    use crate::keys::DataKey;
    use crate::model::{BodyFormat, Rendition, Urgency};

    #[test]
    fn openings_are_kept_per_file_with_the_first_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        let entry = fresh_entry("doc-1", "通知", Urgency::Normal, t0());
        store
            .apply_page_at(&page(vec![entry.clone()], "1"), t0())
            .unwrap();
        let sha = entry.document.body.versions[0].sha256.clone();
        assert!(store.opened_bodies(&entry.document).unwrap().is_empty());
        store.record_opened(&sha, days(1)).unwrap();
        store.record_opened(&sha, days(2)).unwrap();
        assert_eq!(store.first_opened(&sha).unwrap(), Some(days(1)));
        assert!(store.opened_bodies(&entry.document).unwrap().contains(&sha));
    }

    #[test]
    fn pending_documents_come_soonest_deadline_first_each_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        let mut later = fresh_entry("later", "较晚", Urgency::Normal, t0());
        later.instance.tasks[0].deadline = Some(days(9));
        let mut sooner = fresh_entry("sooner", "较早", Urgency::Normal, t0());
        sooner.instance.tasks[0].deadline = Some(days(3));
        let open = fresh_entry("open", "无时限", Urgency::Normal, t0());
        let done = approved(
            &fresh_entry("done", "已办", Urgency::Normal, t0()),
            "同意",
            t0(),
        );
        store
            .apply_page_at(&page(vec![later, open, done, sooner], "1"), t0())
            .unwrap();
        let ids: Vec<String> = store
            .pending_documents(10)
            .unwrap()
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, ["sooner", "later", "open"]);
        assert_eq!(store.pending_documents(1).unwrap().len(), 1);
    }

    #[test]
    fn the_purge_keeps_a_renditions_file_while_its_document_stays() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        let mut entry = fresh_entry("ofd", "通知", Urgency::Normal, t0());
        let rendition = "c".repeat(64);
        entry.document.body.versions[0].format = BodyFormat::Ofd;
        entry.document.body.versions[0].rendition = Some(Rendition {
            format: BodyFormat::Pdf,
            sha256: rendition.clone(),
            size: 10,
        });
        store
            .apply_page_at(&page(vec![entry.clone()], "1"), t0())
            .unwrap();
        store.record_file(&rendition, 10, t0()).unwrap();
        assert!(store
            .held_bodies(&entry.document)
            .unwrap()
            .contains(&rendition));
        let report = store.purge(days(90), 30).unwrap();
        assert!(report.orphan_files.is_empty(), "{:?}", report.orphan_files);
        assert!(store.stored_file_size(&rendition).unwrap().is_some());
    }
}
