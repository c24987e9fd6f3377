//! 正文 and 附件 files fetched from the gateway on demand (`GET /v1/blobs/<sha256>`), by signed
//! `Range` requests of at most [`PIECE`] bytes, and kept encrypted in the vault.
//!
//! A download is a sequence of pieces. Each piece is kept as its own encrypted vault file while it
//! grows (when the link goes quiet, at least once a second while bytes flow, and when it is
//! whole or the call gives up) and remembered in the store, so a cut download resumes after the
//! last byte received: within the call (a few retries, each asking from the byte after the last
//! one that arrived) and after the app restarts or is killed (from the last byte kept: the
//! growing piece is read back and grows on). Every answer must name the file by its strong
//! `ETag` and agree on the total size; once every byte is in, the pieces are joined into the file
//! under its content hash, which the vault checks, and the pieces are removed. Nothing is ever on
//! disk in plaintext.

mod pieces;
mod progress;
mod range;

use super::{Client, ClientError};
use crate::link::{BlobResponse, Credentials, GatewayClient, LinkError};
use crate::protocol::MAX_BLOB_BYTES;
use crate::store::{Account, DownloadPart};
pub(super) use pieces::piece_id;
use pieces::{resumable, Pieces};
use progress::Progress;
use range::{check_etag, normalized, parse_content_range, ContentRange};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most bytes one request asks for (128 KiB: about 16 s at 64 kbit/s, well under the 30 s
/// request timeout, and a small loss when a piece has to be asked for again).
pub(super) const PIECE: u64 = 128 * 1024;
/// Attempts in a row that may bring no new byte before the call gives up (the bytes received
/// are kept for the next call).
const MAX_STALLS: u32 = 4;
/// Failed attempts in all, however much each brought: a link that passes a few bytes per
/// connection must not keep the call going forever (the next call goes on from there).
const MAX_FAILURES: u32 = 64;
/// Pause before the first retry; doubled on each stall in a row.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// A link quiet this long gets the growing piece kept, so an app killed while it waits loses
/// nothing it received.
const QUIET: Duration = Duration::from_millis(500);
/// While bytes flow, the growing piece is kept at least this often (one vault write and one row
/// a second at most; a fast link fills whole pieces before that): a kill loses at most this
/// much transfer.
const KEEP_EVERY: Duration = Duration::from_secs(1);

/// Told how far a download is: the bytes received so far and the file's size (0 until the
/// gateway said it). Called on the downloading task, after each block of bytes that arrived.
pub type ProgressListener = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Why a file could not be downloaded (besides the network and the vault).
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// Not a SHA-256.
    #[error("{0:?} is not the SHA-256 of a file (64 hexadecimal digits)")]
    BadHash(String),
    /// The gateway's answers do not fit together (another file's tag, a different size, a range
    /// that was not asked for): what was received is discarded.
    #[error("the gateway's answers for this file do not agree ({0}); what was received is discarded: try again, and report it if it keeps happening")]
    Inconsistent(String),
    /// The file is larger than any the gateway takes.
    #[error("the file would have {0} bytes, more than the {MAX_BLOB_BYTES} a phone accepts")]
    TooLarge(u64),
    /// The same file is being downloaded already (another screen, a prefetch).
    #[error("this file is being downloaded already; wait for that download to finish")]
    InProgress,
}

/// This client's claim on downloading one file, given back when dropped.
struct DownloadClaim<'a> {
    downloading: &'a parking_lot::Mutex<std::collections::HashSet<String>>,
    sha256: String,
}

impl<'a> DownloadClaim<'a> {
    fn take(
        downloading: &'a parking_lot::Mutex<std::collections::HashSet<String>>,
        sha256: &str,
    ) -> Result<DownloadClaim<'a>, BlobError> {
        if !downloading.lock().insert(sha256.to_owned()) {
            return Err(BlobError::InProgress);
        }
        Ok(DownloadClaim {
            downloading,
            sha256: sha256.to_owned(),
        })
    }
}

impl Drop for DownloadClaim<'_> {
    fn drop(&mut self) {
        self.downloading.lock().remove(&self.sha256);
    }
}

impl Client {
    /// Downloads the file with this SHA-256 (a document body or an attachment) into the
    /// encrypted vault, unless it is there already, and returns its size. The transfer goes in
    /// signed ranges of at most 128 KiB, resumes after a cut (a few retries within the call;
    /// the next call, even after a restart, continues from what was received), and keeps the
    /// file only if its content has this hash.
    pub async fn download(&self, sha256: &str) -> Result<u64, ClientError> {
        self.download_with_progress(sha256, None).await
    }

    /// [`Client::download`], telling `listener` how far it is as bytes arrive (and once at the
    /// end, with the whole size, also when the file was there already).
    pub async fn download_with_progress(
        &self,
        sha256: &str,
        listener: Option<ProgressListener>,
    ) -> Result<u64, ClientError> {
        let sha = normalized(sha256)?;
        // One download per file at a time: two would write the same pieces.
        let _claim = DownloadClaim::take(&self.downloading, &sha)?;
        let (account, device, stored, parts) = {
            let store = self.store()?;
            let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            (
                account,
                device,
                store.stored_file_size(&sha)?,
                store.download_parts(&sha)?,
            )
        };
        if let Some(size) = stored {
            if self.files()?.contains(&sha) {
                if let Some(listener) = &listener {
                    listener(size, size);
                }
                return Ok(size);
            }
        }
        let gateway = self.link_now(&account, &device)?;
        let credentials = Credentials {
            signer: Arc::clone(&self.signer),
            request_key_id: account.request_key_id.clone(),
            access_token: account.access_token.clone(),
            clock_offset_ms: device.clock_offset_ms,
        };
        let mut progress = Progress::new(sha, parts);
        progress.listener = listener;
        if resumable(&progress.parts) {
            self.reopen_last_piece(&mut progress)?;
        } else {
            self.discard(&progress.sha256)?;
            progress.parts.clear();
            progress.total = None;
        }
        match self.fetch_all(&gateway, &credentials, &mut progress).await {
            Ok(()) => {}
            Err(ClientError::Blob(e)) => {
                self.discard(&progress.sha256)?;
                return Err(e.into());
            }
            Err(e) => {
                // Keep what arrived, so the next call (or the next start) goes on from there.
                if let Err(keep) = self.keep_piece(&mut progress) {
                    tracing::warn!(error = %keep, "the bytes of a cut download could not be kept");
                }
                return Err(self.settle(e, &account));
            }
        }
        self.keep_piece(&mut progress)?;
        self.assemble(&progress)
    }

    /// A refusal may carry the gateway's signed order to wipe (a revoked phone asking for a
    /// file): it is obeyed as a sync obeys it.
    fn settle(&self, error: ClientError, account: &Account) -> ClientError {
        match (&error, &account.gateway_key) {
            (ClientError::Link(LinkError::Refused { .. }), Some(key)) => {
                self.obey_wipe(error, key, &account.device_id)
            }
            _ => error,
        }
    }

    /// Asks for ranges until every byte is in, retrying transport failures.
    async fn fetch_all(
        &self,
        gateway: &GatewayClient,
        credentials: &Credentials,
        progress: &mut Progress,
    ) -> Result<(), ClientError> {
        let (mut stalls, mut failures) = (0u32, 0u32);
        while !progress.done() {
            let before = progress.position();
            match self.fetch_range(gateway, credentials, progress).await {
                Ok(()) => stalls = 0,
                Err(ClientError::Link(LinkError::Unreachable(reason))) => {
                    failures += 1;
                    stalls = if progress.position() > before {
                        0
                    } else {
                        stalls + 1
                    };
                    if stalls >= MAX_STALLS || failures >= MAX_FAILURES {
                        return Err(LinkError::Unreachable(reason).into());
                    }
                    tokio::time::sleep(RETRY_PAUSE * 2u32.saturating_pow(stalls)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One request: the rest of the current piece, from the next byte wanted.
    async fn fetch_range(
        &self,
        gateway: &GatewayClient,
        credentials: &Credentials,
        progress: &mut Progress,
    ) -> Result<(), ClientError> {
        let from = progress.position();
        let mut to = progress.piece_start() + PIECE;
        if let Some(total) = progress.total {
            to = to.min(total);
        }
        let mut response = gateway
            .fetch_blob_range(credentials, &progress.sha256, from, to.saturating_sub(1))
            .await?;
        if response.status != 416 {
            check_etag(&response, &progress.sha256)?;
        }
        let range = response
            .content_range
            .as_deref()
            .and_then(parse_content_range);
        match (response.status, range) {
            (206, Some(ContentRange::Bytes { start, end, total })) => {
                if start != from {
                    return Err(BlobError::Inconsistent(format!(
                        "asked for bytes from {from}, got from {start}"
                    ))
                    .into());
                }
                progress.learn_total(total)?;
                self.receive(&mut response, progress, 0, end + 1).await
            }
            (200, _) => {
                // The whole file, whatever was asked: skip what is already here.
                let total = response.content_length.ok_or_else(|| {
                    BlobError::Inconsistent("a whole file without its length".into())
                })?;
                progress.learn_total(total)?;
                self.receive(&mut response, progress, from, total).await
            }
            (416, Some(ContentRange::Unsatisfied { total })) if total == from => {
                // Nothing after the last byte received: the file is complete (or empty).
                progress.learn_total(total).map_err(Into::into)
            }
            (status, _) => Err(BlobError::Inconsistent(format!(
                "HTTP {status} with content range {:?}",
                response.content_range
            ))
            .into()),
        }
    }

    /// Reads a body into the progress until `until` (exclusive, in file offsets), first
    /// skipping `skip` bytes; keeps each piece as it fills. A body cut short is a transport
    /// failure: the bytes that came are kept.
    async fn receive(
        &self,
        response: &mut BlobResponse,
        progress: &mut Progress,
        mut skip: u64,
        until: u64,
    ) -> Result<(), ClientError> {
        loop {
            let next = if progress.unkept() {
                match tokio::time::timeout(QUIET, response.chunk()).await {
                    Ok(next) => next?,
                    Err(_) => {
                        self.keep_piece(progress)?;
                        continue;
                    }
                }
            } else {
                response.chunk().await?
            };
            let Some(chunk) = next else {
                break;
            };
            let mut chunk = chunk.as_slice();
            let skipped = chunk.len().min(usize::try_from(skip).unwrap_or(usize::MAX));
            chunk = &chunk[skipped..];
            skip -= skipped as u64;
            while !chunk.is_empty() {
                let wanted = until.saturating_sub(progress.position());
                let room = (progress.piece_start() + PIECE - progress.position()).min(wanted);
                if room == 0 {
                    return Err(BlobError::Inconsistent("more bytes than announced".into()).into());
                }
                let take = chunk.len().min(usize::try_from(room).unwrap_or(usize::MAX));
                progress.piece.extend_from_slice(&chunk[..take]);
                chunk = &chunk[take..];
                if progress.piece.len() as u64 == PIECE {
                    self.keep_piece(progress)?;
                }
            }
            if progress.unkept() && progress.kept_at.elapsed() >= KEEP_EVERY {
                self.keep_piece(progress)?;
            }
            progress.report();
        }
        if progress.position() < until {
            return Err(LinkError::Unreachable("the answer was cut short".into()).into());
        }
        Ok(())
    }

    /// Keeps the bytes of the growing piece as an encrypted vault file and remembers it (the
    /// same file and row, replaced, each time it is kept again). A whole piece, or the file's
    /// last, is then closed: the next byte starts a new one.
    fn keep_piece(&self, progress: &mut Progress) -> Result<(), ClientError> {
        let (Some(total), false) = (progress.total, progress.piece.is_empty()) else {
            return Ok(());
        };
        if progress.unkept() {
            let start = progress.piece_start();
            // The file first, then its row: a row never names bytes the vault lacks. A crash
            // between the two leaves a file its row does not match, which the next call finds
            // when it reads the piece back.
            let meta = self.files()?.write(
                &piece_id(&progress.sha256, start),
                progress.piece.as_slice(),
                None,
            )?;
            let part = DownloadPart {
                start,
                size: meta.size,
                part_sha256: meta.sha256,
                total,
            };
            self.store()?
                .save_download_part(&progress.sha256, &part, self.device_now())?;
            progress.open = Some(part);
            progress.kept_at = Instant::now();
        }
        if progress.piece.len() as u64 == PIECE || progress.done() {
            if let Some(part) = progress.open.take() {
                progress.parts.push(part);
            }
            progress.piece.clear();
        }
        Ok(())
    }

    /// Joins the pieces into the file, which the vault keeps only if its content has the hash;
    /// then the pieces go. Pieces that do not make the file are discarded.
    fn assemble(&self, progress: &Progress) -> Result<u64, ClientError> {
        let sha = &progress.sha256;
        let written = {
            let files = self.files()?;
            let reader = Pieces::new(&files, sha, &progress.parts);
            files.write(sha, reader, Some(sha))
        };
        let meta = match written {
            Ok(meta) => meta,
            Err(e) => {
                self.discard(sha)?;
                return Err(e.into());
            }
        };
        let parts = self
            .store()?
            .finish_download(sha, meta.size, self.device_now())?;
        self.remove_pieces(sha, &parts);
        Ok(meta.size)
    }

    /// Forgets the download of `sha256` and removes its pieces from the vault.
    fn discard(&self, sha256: &str) -> Result<(), ClientError> {
        let parts = self.store()?.discard_download(sha256)?;
        self.remove_pieces(sha256, &parts);
        Ok(())
    }

    /// Removes pieces from the vault. Best effort: a piece left behind is ciphertext that
    /// nothing names, and its id is reused if the same download starts again.
    fn remove_pieces(&self, sha256: &str, parts: &[DownloadPart]) {
        let Ok(files) = self.files() else {
            return;
        };
        for part in parts {
            if let Err(e) = files.remove(&piece_id(sha256, part.start)) {
                tracing::warn!(error = %e, "a downloaded piece could not be removed");
            }
        }
    }
}

#[cfg(test)]
mod refusal_tests;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;
