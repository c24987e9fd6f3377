//! 正文 and 附件 for the shells: downloads into the encrypted vault with a progress listener,
//! the bytes handed over in memory (`read_file`) or as a stream pulled chunk by chunk
//! (`open_file`), never as a plaintext file; fetching the files of pending tasks ahead of time on
//! Wi-Fi; and the unit's rule on approving a body never opened on this phone, as the detail
//! shows it. Conversion only: the core decides.

use crate::detail::BodyFormat;
use crate::{blocking, runtime, QianpiClient, QianpiError};
use qianpi_core::client::{
    FileStream as CoreStream, Network, PrefetchListener as CoreListener,
    PrefetchProgress as CoreProgress, PrefetchReport as CoreReport, ProgressListener,
    PREFETCH_BUDGET,
};
use qianpi_core::protocol::UnopenedBodyRule as CoreRule;
use qianpi_core::screens::{
    BodyReading as CoreReading, RenditionFile as CoreRendition, UnopenedBodyCheck as CoreCheck,
};
use std::sync::{Arc, Mutex, PoisonError};

/// Told how far a download is.
#[uniffi::export(with_foreign)]
pub trait DownloadListener: Send + Sync {
    /// Bytes received so far and the file's size (0 until the gateway said it); called as bytes
    /// arrive, and once at the end with the whole size.
    fn on_progress(&self, received: u64, total: u64);
}

/// Told how far a prefetch is.
#[uniffi::export(with_foreign)]
pub trait PrefetchListener: Send + Sync {
    /// Where the prefetch stands now.
    fn on_progress(&self, progress: PrefetchProgress);
}

/// The kind of network the phone is on, as the platform says (Android's
/// `NET_CAPABILITY_NOT_METERED`, iOS's `NWPath.isExpensive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NetworkKind {
    /// Wi-Fi or another connection not charged by volume.
    Unmetered,
    /// Mobile data or a hotspot.
    Metered,
}

/// How far a prefetch is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrefetchProgress {
    /// The file being fetched, from 1.
    pub file: u32,
    /// How many files the prefetch fetches.
    pub files: u32,
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

/// A file a prefetch could not fetch.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrefetchFailure {
    /// Its SHA-256.
    pub sha256: String,
    /// Why.
    pub reason: String,
}

/// What a prefetch did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrefetchReport {
    /// The network is metered: nothing was fetched.
    pub metered: bool,
    /// Files fetched now.
    pub downloaded: u32,
    /// Their bytes.
    pub bytes: u64,
    /// Files of pending tasks already on the phone.
    pub already_held: u32,
    /// Files left for later: they did not fit in the budget.
    pub over_budget: u32,
    /// Files that could not be fetched.
    pub failures: Vec<PrefetchFailure>,
}

/// 未阅正文 — a unit's rule for approving a body never opened on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UnopenedBodyRule {
    /// 允许.
    Allow,
    /// 提醒 — the shell asks for a confirmation.
    Warn,
    /// 禁止 — the approving actions fail with `BodyNotOpened`.
    Refuse,
}

/// What approving now meets under that rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UnopenedBodyCheck {
    /// Nothing to say.
    Clear,
    /// Ask the user to confirm approving a body they did not open here.
    Confirm,
    /// Approving fails until the body is opened.
    Refused,
}

/// The body version an approval made now names, and whether it was opened here.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BodyReading {
    /// The version an approval names: the newest held here, else the newest listed.
    pub version_id: Option<String>,
    /// Its original's SHA-256: the `document_hash` the signed record carries.
    pub sha256: Option<String>,
    /// Its file (or its rendition) is on this phone.
    pub held: bool,
    /// Its file (or its rendition) was opened on this phone.
    pub opened: bool,
    /// The unit's rule.
    pub rule: UnopenedBodyRule,
}

/// 版式转换件 — the PDF the office made of an OFD body version.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenditionFile {
    /// Its format (PDF).
    pub format: BodyFormat,
    /// The media type to open it with.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// The file is on this phone.
    pub held: bool,
}

impl From<CoreRule> for UnopenedBodyRule {
    fn from(rule: CoreRule) -> Self {
        match rule {
            CoreRule::Allow => UnopenedBodyRule::Allow,
            CoreRule::Warn => UnopenedBodyRule::Warn,
            CoreRule::Refuse => UnopenedBodyRule::Refuse,
        }
    }
}

impl From<CoreCheck> for UnopenedBodyCheck {
    fn from(check: CoreCheck) -> Self {
        match check {
            CoreCheck::Clear => UnopenedBodyCheck::Clear,
            CoreCheck::Confirm => UnopenedBodyCheck::Confirm,
            CoreCheck::Refused => UnopenedBodyCheck::Refused,
        }
    }
}

impl From<CoreReading> for BodyReading {
    fn from(r: CoreReading) -> Self {
        BodyReading {
            version_id: r.version_id,
            sha256: r.sha256,
            held: r.held,
            opened: r.opened,
            rule: r.rule.into(),
        }
    }
}

impl From<CoreRendition> for RenditionFile {
    fn from(r: CoreRendition) -> Self {
        RenditionFile {
            format: r.format.into(),
            media_type: r.media_type,
            size: r.size,
            sha256: r.sha256,
            held: r.held,
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<&CoreProgress> for PrefetchProgress {
    fn from(p: &CoreProgress) -> Self {
        PrefetchProgress {
            file: count(p.file),
            files: count(p.files),
            sha256: p.sha256.clone(),
            received: p.received,
            size: p.size,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
        }
    }
}

impl From<CoreReport> for PrefetchReport {
    fn from(r: CoreReport) -> Self {
        PrefetchReport {
            metered: r.metered,
            downloaded: count(r.downloaded),
            bytes: r.bytes,
            already_held: count(r.already_held),
            over_budget: count(r.over_budget),
            failures: r
                .failures
                .into_iter()
                .map(|f| PrefetchFailure {
                    sha256: f.sha256,
                    reason: f.reason,
                })
                .collect(),
        }
    }
}

fn joined(e: tokio::task::JoinError) -> QianpiError {
    QianpiError::Internal {
        reason: e.to_string(),
    }
}

/// A file of the vault read in pieces: each `read` decrypts only what it hands out; the content
/// is checked against its SHA-256 when the end is reached, and an error (a damaged file, another
/// content) means the bytes received so far must be dropped. Closing the object (Kotlin's
/// `close`, Swift's release) frees its buffer.
#[derive(uniffi::Object)]
pub struct FileStream {
    inner: Arc<Mutex<CoreStream>>,
    size: u64,
}

#[uniffi::export]
impl FileStream {
    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Up to `max_bytes` of the next bytes (at least one); empty at the end, which comes only
    /// once the whole content matched its hash. Read off the shell's thread.
    pub async fn read(&self, max_bytes: u32) -> Result<Vec<u8>, QianpiError> {
        let inner = Arc::clone(&self.inner);
        runtime()?
            .spawn_blocking(move || {
                let mut stream = inner.lock().unwrap_or_else(PoisonError::into_inner);
                stream
                    .read(usize::try_from(max_bytes).unwrap_or(usize::MAX))
                    .map_err(Into::into)
            })
            .await
            .map_err(joined)?
    }
}

#[uniffi::export]
impl QianpiClient {
    /// Downloads a body or attachment file by its SHA-256 into the encrypted vault (resuming a
    /// cut transfer; nothing when it is there already); returns its size.
    pub async fn download(&self, sha256: String) -> Result<u64, QianpiError> {
        let inner = Arc::clone(&self.inner);
        runtime()?
            .spawn(async move { inner.download(&sha256).await })
            .await
            .map_err(joined)?
            .map_err(Into::into)
    }

    /// [`QianpiClient::download`], telling `listener` the bytes received and the size as they
    /// arrive.
    pub async fn download_with_progress(
        &self,
        sha256: String,
        listener: Arc<dyn DownloadListener>,
    ) -> Result<u64, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let progress: ProgressListener =
            Arc::new(move |received, total| listener.on_progress(received, total));
        runtime()?
            .spawn(async move { inner.download_with_progress(&sha256, Some(progress)).await })
            .await
            .map_err(joined)?
            .map_err(Into::into)
    }

    /// The content of a file in the vault, in memory, checked against its SHA-256 (large files
    /// are better read with `open_file`). Counts as opening it.
    pub async fn read_file(&self, sha256: String) -> Result<Vec<u8>, QianpiError> {
        blocking(&self.inner, move |client| {
            let mut out = Vec::new();
            client.read_file(&sha256, &mut out)?;
            Ok(out)
        })
        .await
    }

    /// Opens a file of the vault for reading in pieces; counts as opening it. `InvalidInput`
    /// when it is not on the phone (download it first); `Tampered` when it is damaged.
    pub async fn open_file(&self, sha256: String) -> Result<Arc<FileStream>, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let stream = runtime()?
            .spawn_blocking(move || inner.open_file(&sha256))
            .await
            .map_err(joined)??;
        Ok(Arc::new(FileStream {
            size: stream.size(),
            inner: Arc::new(Mutex::new(stream)),
        }))
    }

    /// What approving task `id` now meets under the unit's rule for a body never opened on this
    /// phone: for a list row or a batch screen (the detail's task and a prepared approval carry
    /// the same). `Confirm`: ask first; `Refused`: the approving actions fail until it is opened.
    pub async fn unopened_body_check(&self, id: String) -> Result<UnopenedBodyCheck, QianpiError> {
        crate::blocking(&self.inner, move |client| {
            Ok(client.unopened_body_check(&id)?.into())
        })
        .await
    }

    /// Fetches ahead of time the bodies (the PDF rendition when there is one) and attachments of
    /// the pending tasks, the soonest 办理时限 first, skipping what is on the phone, up to
    /// `budget_bytes` (200 MiB when none). On a metered network it fetches nothing and says so.
    pub async fn prefetch_pending(
        &self,
        network: NetworkKind,
        budget_bytes: Option<u64>,
        listener: Option<Arc<dyn PrefetchListener>>,
    ) -> Result<PrefetchReport, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let network = match network {
            NetworkKind::Unmetered => Network::Unmetered,
            NetworkKind::Metered => Network::Metered,
        };
        let listener: Option<CoreListener> = listener.map(|listener| {
            Arc::new(move |p: &CoreProgress| listener.on_progress(p.into())) as CoreListener
        });
        let budget = budget_bytes.unwrap_or(PREFETCH_BUDGET);
        let report = runtime()?
            .spawn(async move { inner.prefetch_pending(network, budget, listener).await })
            .await
            .map_err(joined)??;
        Ok(report.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::ClientError;

    #[test]
    fn an_unopened_body_is_its_own_error_in_both_languages() {
        match QianpiError::from(ClientError::UnopenedBody("doc-1".into())) {
            e @ QianpiError::BodyNotOpened { .. } => {
                assert!(e.message_zh().contains("正文"), "{}", e.message_zh());
                assert!(e.message_en().contains("doc-1"), "{}", e.message_en());
            }
            other => panic!("{other:?}"),
        }
    }
}
