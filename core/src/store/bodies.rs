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
