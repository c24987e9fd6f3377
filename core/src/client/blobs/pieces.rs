//! The pieces of a download as the vault keeps them: their ids, whether the kept ones can be
//! continued, and all of them read back, decrypted one at a time, as the one stream the whole
//! file is written from.

use crate::files::{FileError, FileVault};
use crate::store::DownloadPart;
use std::io::{self, Read};
use zeroize::Zeroizing;

/// The vault id of the piece of `sha256` starting at `start`.
pub(crate) fn piece_id(sha256: &str, start: u64) -> String {
    format!("download|{sha256}|{start}")
}

/// Whether kept pieces can be continued: back to back from the first byte, one size for the
/// file, none empty or past the end.
pub(crate) fn resumable(parts: &[DownloadPart]) -> bool {
    let total = parts.first().map_or(0, |p| p.total);
    let mut at = 0;
    parts.iter().all(|p| {
        let ok = p.start == at && p.size > 0 && p.end() <= total && p.total == total;
        at = p.end();
        ok
    })
}

/// The kept pieces, decrypted one at a time, as one stream.
pub(crate) struct Pieces<'a> {
    vault: &'a FileVault,
    sha256: &'a str,
    parts: &'a [DownloadPart],
    next: usize,
    current: Zeroizing<Vec<u8>>,
    at: usize,
}

impl<'a> Pieces<'a> {
    /// The pieces `parts` of the file `sha256` in `vault`, from the first.
    pub(crate) fn new(vault: &'a FileVault, sha256: &'a str, parts: &'a [DownloadPart]) -> Self {
        Pieces {
            vault,
            sha256,
            parts,
            next: 0,
            current: Zeroizing::new(Vec::new()),
            at: 0,
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            let Some(part) = self.parts.get(self.next) else {
                return Ok(0);
            };
            self.current = self
                .vault
                .read_to_vec(&piece_id(self.sha256, part.start), &part.part_sha256)
                .map_err(|e: FileError| io::Error::new(io::ErrorKind::InvalidData, e))?;
            self.at = 0;
            self.next += 1;
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
