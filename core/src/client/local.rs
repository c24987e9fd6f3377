//! What the phone reads and keeps without the gateway: the lists (待办, 已办, 待阅, 已阅, 已发,
//! 草稿), drafts (暂存), encrypted document files, and the retention purge.

use super::{Client, ClientError};
use crate::model::{Attitude, Opinion};
use crate::store::{ListItem, ListKind, PurgeReport};
use std::io::Read;

impl Client {
    /// A page of one of the phone's lists.
    pub fn list(
        &self,
        kind: ListKind,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ListItem>, ClientError> {
        Ok(self.store()?.list(kind, limit, offset)?)
    }

    /// 暂存 — keeps an opinion being written for a task on this phone until the person decides.
    pub fn save_draft(
        &self,
        task_id: &str,
        attitude: Attitude,
        text: &str,
    ) -> Result<(), ClientError> {
        let mut store = self.store()?;
        if store.inbox_row(task_id)?.is_none() {
            return Err(ClientError::NoSuchTask(task_id.to_owned()));
        }
        store.save_draft(task_id, &Opinion::new(attitude, text), self.device_now())?;
        Ok(())
    }

    /// The draft kept for a task, if any.
    pub fn draft(&self, task_id: &str) -> Result<Option<Opinion>, ClientError> {
        Ok(self.store()?.draft(task_id)?)
    }

    /// Throws a draft away.
    pub fn discard_draft(&self, task_id: &str) -> Result<(), ClientError> {
        Ok(self.store()?.discard_draft(task_id)?)
    }

    /// Keeps a document body or attachment, encrypted, under its content hash (SHA-256, hex).
    /// The bytes are streamed; content that does not match the hash is refused and not kept.
    pub fn store_file(&self, sha256: &str, content: impl Read) -> Result<u64, ClientError> {
        let meta = self.files()?.write(sha256, content, Some(sha256))?;
        self.store()?
            .record_file(&meta.sha256, meta.size, self.device_now())?;
        Ok(meta.size)
    }

    /// Removes finished items older than the policy's retention, the encrypted files nothing
    /// refers to any more, and the pieces of downloads abandoned as long.
    pub fn purge(&self) -> Result<PurgeReport, ClientError> {
        let report = {
            let mut store = self.store()?;
            let days = store.policy()?.retention_days;
            store.purge(self.device_now(), days)?
        };
        let files = self.files()?;
        for sha in &report.orphan_files {
            files.remove(sha)?;
        }
        for (sha, part) in &report.stale_download_parts {
            files.remove(&super::blobs::piece_id(sha, part.start))?;
        }
        Ok(report)
    }
}
