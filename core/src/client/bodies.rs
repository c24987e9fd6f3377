//! 正文 and 附件 as the shell gets them: bytes read from the encrypted vault in memory or as a
//! pulled stream (never a plaintext file), each read remembered as the body being opened; the
//! unit's rule on approving a body never opened here; and fetching the files of pending tasks
//! ahead of time on Wi-Fi.
//!
//! Which actions count as approving: those that put a judgement of the content into the 意见栏
//! — 同意 and 不同意 (`Approve`, with either attitude), 批量同意 (`BatchApprove`), 委派办结
//! (`Resolve`, the delegatee's opinion) and 加签 after oneself with one's approval
//! (`AddSigner` carrying an opinion). An opinion of attitude 已阅 judges nothing. 驳回, 退回,
//! 转交, 委派, 传阅 and the rest route the document without deciding on it (a leader may send
//! back a misaddressed document unread), so the rule does not hold them back.

use super::blobs::ProgressListener;
use super::{Client, ClientError};
use crate::files::FileReader;
use crate::model::{Attitude, Document};
use crate::screens::detail::{BodyReading, UnopenedBodyCheck};
use crate::store::{Store, StoreError};
use crate::workflow::Command;
use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use zeroize::Zeroizing;

/// How much a prefetch downloads at most unless the shell says otherwise (200 MiB).
pub const PREFETCH_BUDGET: u64 = 200 * 1024 * 1024;
/// The pending documents a prefetch looks at, most pressing first.
const PREFETCH_DOCUMENTS: usize = 200;
/// The plaintext a stream holds at once: one vault chunk and its tag.
const STREAM_BUFFER: usize = 64 * 1024 + 16;

/// The kind of network the phone is on, as the platform tells the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Wi-Fi, or another connection not charged by volume.
    Unmetered,
    /// Mobile data or a hotspot: charged, so nothing is fetched ahead of time.
    Metered,
}

/// How far a prefetch is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefetchProgress {
    /// The file being fetched, from 1.
    pub file: usize,
    /// How many files the prefetch fetches.
    pub files: usize,
    /// Its SHA-256.
    pub sha256: String,
    /// Its bytes received so far.
    pub received: u64,
    /// Its size.
    pub size: u64,
    /// Bytes received over the whole prefetch.
    pub bytes_done: u64,
    /// Bytes the whole prefetch fetches.
    pub bytes_total: u64,
}

/// Told how far a prefetch is, as bytes arrive.
pub type PrefetchListener = Arc<dyn Fn(&PrefetchProgress) + Send + Sync>;

/// A file a prefetch could not fetch, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefetchFailure {
    /// Its SHA-256.
    pub sha256: String,
    /// Why, for people.
    pub reason: String,
}

/// What a prefetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefetchReport {
    /// The network is metered: nothing was fetched.
    pub metered: bool,
    /// Files fetched now.
    pub downloaded: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Files of pending tasks already on the phone.
    pub already_held: usize,
    /// Files left for later because they did not fit in the budget.
    pub over_budget: usize,
    /// Files that could not be fetched (the rest went on; an unreachable gateway stops it).
    pub failures: Vec<PrefetchFailure>,
}

/// A vault file handed to the shell in pieces as it asks, decrypted chunk by chunk and checked
/// against its hash at the end; no plaintext of it reaches the disk. Once the data is locked
/// (or wiped) after it was opened, it hands out nothing more.
pub struct FileStream {
    reader: FileReader,
    chunk: Zeroizing<Vec<u8>>,
    offset: usize,
    size: u64,
    /// The lock generation when it was opened, and where to see the current one.
    opened_under: u64,
    changes: tokio::sync::watch::Receiver<super::Generations>,
}

impl std::fmt::Debug for FileStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStream")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl FileStream {
    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Up to `max_bytes` (at least one) of the next bytes; empty at the end, which comes only once
    /// the content matched its hash. On an error (a damaged file, another content) the caller
    /// must drop what it received.
    pub fn read(&mut self, max_bytes: usize) -> Result<Vec<u8>, ClientError> {
        if self.changes.borrow().lock != self.opened_under {
            // The reader holds the file's key: a lock must end it as it ends everything else.
            self.chunk.clear();
            return Err(ClientError::Store(StoreError::Locked));
        }
        if self.offset >= self.chunk.len() && !self.fill()? {
            return Ok(Vec::new());
        }
        let end = self.chunk.len().min(self.offset + max_bytes.max(1));
        let out = self
            .chunk
            .get(self.offset..end)
            .unwrap_or_default()
            .to_vec();
        self.offset = end;
        Ok(out)
    }

    /// Decrypts the next chunk into the buffer; false at the end.
    fn fill(&mut self) -> Result<bool, ClientError> {
        self.chunk.clear();
        self.offset = 0;
        match self.reader.next_chunk()? {
            Some(plain) => {
                self.chunk.extend_from_slice(plain);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Whether `command` approves the content (see the module's header for which and why).
pub fn is_approving(command: &Command) -> bool {
    let judges = |attitude: Attitude| attitude != Attitude::Read;
    match command {
        Command::Approve { opinion, .. } | Command::Resolve { opinion, .. } => {
            judges(opinion.attitude)
        }
        Command::AddSigner {
            opinion: Some(opinion),
            ..
        } => judges(opinion.attitude),
        Command::BatchApprove { .. } => true,
        _ => false,
    }
}

/// Which body version an approval of `document` names now and what the unit's rule says.
pub(super) fn body_reading(store: &Store, document: &Document) -> Result<BodyReading, StoreError> {
    let held = store.held_bodies(document)?;
    let opened = store.opened_bodies(document)?;
    Ok(BodyReading::new(
        document,
        &held,
        &opened,
        store.policy()?.unopened_body,
    ))
}

impl Client {
    /// Streams a kept file into `out`, checking its content hash, and remembers that it was
    /// opened; on error, discard what `out` received.
    pub fn read_file(&self, sha256: &str, out: impl Write) -> Result<u64, ClientError> {
        let size = self.files()?.read_to(sha256, sha256, out)?;
        self.note_opened(sha256)?;
        Ok(size)
    }

    /// Opens a kept file for reading in pieces ([`FileStream::read`]) and remembers that it was
    /// opened. Its first chunk is decrypted now, so a file damaged at its start fails here.
    pub fn open_file(&self, sha256: &str) -> Result<FileStream, ClientError> {
        let size = self.store()?.stored_file_size(sha256)?.unwrap_or(0);
        let reader = self.files()?.open_reader(sha256, sha256)?;
        let changes = self.changes.subscribe();
        let opened_under = changes.borrow().lock;
        let mut stream = FileStream {
            reader,
            chunk: Zeroizing::new(Vec::with_capacity(STREAM_BUFFER)),
            offset: 0,
            size,
            opened_under,
            changes,
        };
        stream.fill()?;
        self.note_opened(sha256)?;
        Ok(stream)
    }

    /// When the file `sha256` was first opened on this phone, if ever.
    pub fn first_opened(
        &self,
        sha256: &str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, ClientError> {
        Ok(self.store()?.first_opened(sha256)?)
    }

    /// What approving task `id` now meets under the unit's rule for a body never opened here
    /// (for a list row or a batch screen; the detail's task carries the same).
    pub fn unopened_body_check(&self, id: &str) -> Result<UnopenedBodyCheck, ClientError> {
        let store = self.store()?;
        let row = store
            .flow_row(id)?
            .ok_or_else(|| ClientError::NoSuchTask(id.to_owned()))?;
        Ok(body_reading(&store, &row.entry.document)?.check())
    }

    fn note_opened(&self, sha256: &str) -> Result<(), ClientError> {
        let now = self.device_now();
        Ok(self.store()?.record_opened(sha256, now)?)
    }

    /// Fetches ahead of time the files of the pending tasks (待办, the soonest 办理时限 first):
    /// each current body (its PDF rendition when there is one, the file a viewer opens) and the
    /// attachments, skipping what is on the phone already, up to `budget` bytes (a file that does
    /// not fit is left for later and smaller ones go on). On a metered network it fetches
    /// nothing and says so.
    pub async fn prefetch_pending(
        &self,
        network: Network,
        budget: u64,
        listener: Option<PrefetchListener>,
    ) -> Result<PrefetchReport, ClientError> {
        let mut report = PrefetchReport::default();
        if network == Network::Metered {
            report.metered = true;
            return Ok(report);
        }
        let plan = self.prefetch_plan(budget, &mut report)?;
        let bytes_total: u64 = plan.iter().map(|(_, size)| size).sum();
        let files = plan.len();
        let mut bytes_done = 0u64;
        for (index, (sha256, size)) in plan.into_iter().enumerate() {
            let per_file: Option<ProgressListener> = listener.as_ref().map(|listener| {
                let (listener, sha256) = (Arc::clone(listener), sha256.clone());
                Arc::new(move |received: u64, _total: u64| {
                    listener(&PrefetchProgress {
                        file: index + 1,
                        files,
                        sha256: sha256.clone(),
                        received,
                        size,
                        bytes_done: bytes_done + received.min(size),
                        bytes_total,
                    })
                }) as ProgressListener
            });
            match self.download_with_progress(&sha256, per_file).await {
                Ok(got) => {
                    report.downloaded += 1;
                    report.bytes += got;
                }
                Err(e @ ClientError::Link(crate::link::LinkError::Unreachable(_))) => {
                    report.failures.push(PrefetchFailure {
                        sha256,
                        reason: e.to_string(),
                    });
                    return Ok(report);
                }
                Err(e @ (ClientError::Store(_) | ClientError::Wiped(_))) => return Err(e),
                Err(e) => report.failures.push(PrefetchFailure {
                    sha256,
                    reason: e.to_string(),
                }),
            }
            bytes_done += size;
        }
        Ok(report)
    }

    /// The files a prefetch fetches, in order, with their sizes.
    fn prefetch_plan(
        &self,
        budget: u64,
        report: &mut PrefetchReport,
    ) -> Result<Vec<(String, u64)>, ClientError> {
        let documents = self.store()?.pending_documents(PREFETCH_DOCUMENTS)?;
        let mut seen = HashSet::new();
        let mut wanted = Vec::new();
        for document in &documents {
            if let Some(version) = document.current_body() {
                let (_, sha256, size) = version.viewer_file();
                wanted.push((sha256.to_owned(), size));
            }
            for attachment in &document.body.attachments {
                wanted.push((attachment.sha256.clone(), attachment.size));
            }
        }
        let mut plan = Vec::new();
        let mut planned = 0u64;
        for (sha256, size) in wanted {
            if !seen.insert(sha256.clone()) {
                continue;
            }
            let stored = self.store()?.stored_file_size(&sha256)?.is_some();
            if stored && self.files()?.contains(&sha256) {
                report.already_held += 1;
                continue;
            }
            if planned.saturating_add(size) > budget {
                report.over_budget += 1;
                continue;
            }
            planned += size;
            plan.push((sha256, size));
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests;
