//! Bounded retention: the phone keeps everything still pending for the user plus the last N days
//! (the policy's `retention_days`); older finished items are purged in one transaction. A lost
//! phone thus holds weeks of documents, not years.
//!
//! Kept whatever their age: instances with a task in 待办, queued or waiting, with a command in
//! the outbox, a draft, or an unread read item for the user; unread notices and receipts not yet
//! sent. Encrypted files no document or notice refers to any more (handwriting and voice attached
//! to opinions here count as referred to while their command waits and for the retention period),
//! and the pieces of downloads nobody continued within the retention period, are reported for the
//! caller to delete.

use super::downloads::{self, DownloadPart};
use super::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

/// What a purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Instances removed (with their tasks, opinions, trace and read items).
    pub instances: usize,
    /// Documents removed.
    pub documents: usize,
    /// Notices removed.
    pub notices: usize,
    /// SHA-256 of encrypted files no longer referenced: delete them from the file vault.
    pub orphan_files: Vec<String>,
    /// Pieces of abandoned downloads, by the file's SHA-256: delete them from the file vault.
    pub stale_download_parts: Vec<(String, DownloadPart)>,
}

impl Store {
    /// Removes finished items last changed before `now - retention_days`.
    pub fn purge(
        &mut self,
        now: DateTime<Utc>,
        retention_days: u32,
    ) -> Result<PurgeReport, StoreError> {
        let cutoff = now - Duration::days(i64::from(retention_days));
        let user = self.user_id()?;
        let tx = self.conn.transaction()?;
        let instances = tx.execute(
            "DELETE FROM instances WHERE updated_at < ?1
               AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = instances.id
                               AND t.list IN ('todo', 'queued', 'waiting'))
               AND NOT EXISTS (SELECT 1 FROM tasks t JOIN outbox o ON o.task_id = t.id
                               WHERE t.instance_id = instances.id)
               AND NOT EXISTS (SELECT 1 FROM tasks t JOIN drafts k ON k.task_id = t.id
                               WHERE t.instance_id = instances.id)
               AND NOT EXISTS (SELECT 1 FROM read_items r WHERE r.instance_id = instances.id
                               AND r.recipient = ?2 AND r.read_at IS NULL)",
            params![cutoff, user],
        )?;
        let documents = tx.execute(
            "DELETE FROM documents WHERE updated_at < ?1
               AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.document_id = documents.id)",
            [cutoff],
        )?;
        tx.execute(
            "DELETE FROM definitions
             WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.definition_id = definitions.id)",
            [],
        )?;
        let notices = tx.execute(
            "DELETE FROM notices WHERE updated_at < ?1 AND unread = 0
               AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.notice_id = notices.id AND r.changed_locally = 1)",
            [cutoff],
        )?;
        // Handwriting and voice attached here are kept while their command waits, and then as
        // long as any finished item; after that they are files like any other.
        tx.execute(
            "DELETE FROM opinion_files WHERE uploaded = 1 AND created_at < ?1
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.command_id = opinion_files.command_id)",
            [cutoff],
        )?;
        let orphan_files: Vec<String> = {
            let mut stmt = tx.prepare(
                "SELECT sha256 FROM files f
                 WHERE NOT EXISTS (SELECT 1 FROM body_versions b WHERE b.sha256 = f.sha256)
                   AND NOT EXISTS (SELECT 1 FROM body_versions b WHERE b.rendition_sha256 = f.sha256)
                   AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = f.sha256)
                   AND NOT EXISTS (SELECT 1 FROM opinion_files o WHERE o.sha256 = f.sha256)
                   AND NOT EXISTS (SELECT 1 FROM notices n, json_each(n.body, '$.attachments') a
                                   WHERE json_extract(a.value, '$.sha256') = f.sha256)
                 ORDER BY sha256",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for sha in &orphan_files {
            tx.execute("DELETE FROM files WHERE sha256 = ?1", [sha])?;
        }
        let stale_download_parts = downloads::purge_stale(&tx, cutoff)?;
        tx.commit()?;
        Ok(PurgeReport {
            instances,
            documents,
            notices,
            orphan_files,
            stale_download_parts,
        })
    }

    /// Records that the file vault holds the file with this content hash.
    pub fn record_file(
        &mut self,
        sha256: &str,
        size: u64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO files (sha256, size, stored_at) VALUES (?1, ?2, ?3)",
            params![sha256, i64::try_from(size).unwrap_or(i64::MAX), at],
        )?;
        Ok(())
    }
}
