//! A download under way: the pieces closed so far, and the piece still growing, whose bytes are
//! kept in the vault as they arrive (so a download killed in the middle resumes after the last
//! byte kept, not at the start of its piece), and the reading back of that piece when the next
//! call starts.

use super::{piece_id, BlobError, PIECE};
use crate::client::{Client, ClientError};
use crate::protocol::MAX_BLOB_BYTES;
use crate::store::DownloadPart;
use std::time::Instant;
use zeroize::Zeroizing;

/// The state of one download.
pub(super) struct Progress {
    pub(super) sha256: String,
    pub(super) total: Option<u64>,
    /// The pieces closed: whole, or cut short by an earlier call.
    pub(super) parts: Vec<DownloadPart>,
    /// Bytes after the last closed piece; never more than [`PIECE`], so it never reallocates
    /// (and leaves no copy behind).
    pub(super) piece: Zeroizing<Vec<u8>>,
    /// The growing piece as the vault and the store hold it, once kept.
    pub(super) open: Option<DownloadPart>,
    /// When the growing piece was last kept.
    pub(super) kept_at: Instant,
    /// Told the bytes received so far and the total (0 until known) as they arrive.
    pub(super) listener: Option<super::ProgressListener>,
}

impl Progress {
    /// A download of `sha256` going on from the pieces `parts`.
    pub(super) fn new(sha256: String, parts: Vec<DownloadPart>) -> Progress {
        Progress {
            total: parts.first().map(|p| p.total),
            parts,
            piece: Zeroizing::new(Vec::with_capacity(PIECE as usize)),
            sha256,
            open: None,
            kept_at: Instant::now(),
            listener: None,
        }
    }

    /// Tells the listener, if any, how far the download is.
    pub(super) fn report(&self) {
        if let Some(listener) = &self.listener {
            listener(self.position(), self.total.unwrap_or(0));
        }
    }

    pub(super) fn piece_start(&self) -> u64 {
        self.parts.last().map_or(0, DownloadPart::end)
    }

    /// The offset of the next byte wanted.
    pub(super) fn position(&self) -> u64 {
        self.piece_start() + self.piece.len() as u64
    }

    pub(super) fn done(&self) -> bool {
        self.total.is_some_and(|total| self.position() >= total)
    }

    /// Whether the growing piece holds bytes the vault does not.
    pub(super) fn unkept(&self) -> bool {
        let kept = self.open.as_ref().map_or(0, |part| part.size);
        self.piece.len() as u64 > kept
    }

    /// Takes the file's size from an answer; another size than before means another file.
    pub(super) fn learn_total(&mut self, total: u64) -> Result<(), BlobError> {
        if total > MAX_BLOB_BYTES {
            return Err(BlobError::TooLarge(total));
        }
        match self.total {
            Some(known) if known != total => Err(BlobError::Inconsistent(format!(
                "the size changed from {known} to {total} bytes"
            ))),
            _ if total < self.position() => Err(BlobError::Inconsistent(format!(
                "the size {total} is below the {} bytes already received",
                self.position()
            ))),
            _ => {
                self.total = Some(total);
                Ok(())
            }
        }
    }
}

impl Client {
    /// Reads the last kept piece back to grow on, when it is short of a whole piece and of the
    /// file's end (it was kept while growing, or by a call that gave up). One that does not
    /// read back as its row says is forgotten, and its bytes asked for again.
    pub(super) fn reopen_last_piece(&self, progress: &mut Progress) -> Result<(), ClientError> {
        let Some(last) = progress.parts.last() else {
            return Ok(());
        };
        if last.size >= PIECE || progress.total.is_some_and(|total| last.end() >= total) {
            return Ok(());
        }
        let Some(last) = progress.parts.pop() else {
            return Ok(());
        };
        let id = piece_id(&progress.sha256, last.start);
        // Read first: the vault and the store share one lock.
        let read = self.files()?.read_to_vec(&id, &last.part_sha256);
        match read {
            Ok(bytes) if bytes.len() as u64 == last.size => {
                progress.piece.extend_from_slice(&bytes);
                progress.open = Some(last);
            }
            Ok(_) | Err(_) => {
                tracing::warn!("a kept piece of a download did not read back: it is asked again");
                self.store()?
                    .forget_download_part(&progress.sha256, last.start)?;
            }
        }
        Ok(())
    }
}
