//! Reading a vault file by pulling: the shell asks for the next bytes when its viewer wants them,
//! and each 64 KiB chunk is decrypted and authenticated only then. The reader holds the open
//! file and its own key, not the vault, so a viewer reading slowly holds no lock of the phone.
//! The content hash is checked when the last chunk is reached: a file that is not the one named
//! fails there, after the earlier (authenticated) chunks were handed out, so the caller must drop
//! what it received on any error.

use super::format::{self, Digest, Header, HEADER_LEN, TAG_LEN};
use super::{FileError, FileVault};
use ring::aead::{Aad, LessSafeKey};
use std::fs::File;
use std::io::{self, BufReader};
use zeroize::Zeroizing;

/// A vault file being read chunk by chunk.
pub struct FileReader {
    file: BufReader<File>,
    key: LessSafeKey,
    header: [u8; HEADER_LEN],
    chunk_size: usize,
    prefix: [u8; format::PREFIX_LEN],
    /// One sealed chunk plus one byte read ahead (which tells whether the chunk is the last).
    buf: Zeroizing<Vec<u8>>,
    have: usize,
    counter: u32,
    digest: Option<Digest>,
    expected: String,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl FileVault {
    /// Opens the file `file_id` for reading chunk by chunk, its content to be checked against
    /// `expected_sha256` at the end. [`FileError::NotFound`] if the vault lacks it; a damaged
    /// header is [`FileError::Corrupted`] at once, a damaged chunk when it is reached.
    pub fn open_reader(
        &self,
        file_id: &str,
        expected_sha256: &str,
    ) -> Result<FileReader, FileError> {
        let path = self.path_of(file_id)?;
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(FileError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let mut file = BufReader::new(file);
        let mut header = [0u8; HEADER_LEN];
        if format::fill(&mut file, &mut header)? < HEADER_LEN {
            return Err(FileError::Corrupted);
        }
        let Header { chunk_size, prefix } = Header::parse(&header).ok_or(FileError::Corrupted)?;
        Ok(FileReader {
            file,
            key: self.root.file_key(file_id)?,
            header,
            chunk_size,
            prefix,
            buf: Zeroizing::new(vec![0u8; chunk_size + TAG_LEN + 1]),
            have: 0,
            counter: 0,
            digest: Some(Digest::new()),
            expected: expected_sha256.to_owned(),
        })
    }
}

impl FileReader {
    /// The next chunk of plaintext, or `None` once the whole file was read and its hash checked.
    /// An empty file yields no chunk. After an error the reader yields nothing more.
    pub fn next_chunk(&mut self) -> Result<Option<&[u8]>, FileError> {
        let Some(digest) = self.digest.as_mut() else {
            return Ok(None);
        };
        let sealed_chunk = self.chunk_size + TAG_LEN;
        if self.counter > 0 {
            // The read-ahead byte of the previous call starts this chunk.
            let next = self.buf.get(sealed_chunk).copied();
            match (next, self.buf.first_mut()) {
                (Some(byte), Some(first)) => *first = byte,
                _ => return self.fail(FileError::Corrupted),
            }
            self.have = 1;
        }
        let read = match self.buf.get_mut(self.have..) {
            Some(rest) => format::fill(&mut self.file, rest),
            None => return self.fail(FileError::Corrupted),
        };
        match read {
            Ok(n) => self.have += n,
            Err(e) => return self.fail(e.into()),
        }
        let last = self.have <= sealed_chunk;
        let len = self.have.min(sealed_chunk);
        if len < TAG_LEN {
            return self.fail(FileError::Corrupted);
        }
        let nonce = format::chunk_nonce(&self.prefix, self.counter, last);
        let Some(chunk) = self.buf.get_mut(..len) else {
            return self.fail(FileError::Corrupted);
        };
        let Ok(text) = self
            .key
            .open_in_place(nonce, Aad::from(&self.header), chunk)
        else {
            self.digest = None;
            return Err(FileError::Corrupted);
        };
        digest.update(text);
        let text_len = text.len();
        if last {
            if let Some(done) = self.digest.take() {
                let meta = done.finish();
                if !self.expected.eq_ignore_ascii_case(&meta.sha256) {
                    return Err(FileError::HashMismatch {
                        expected: self.expected.clone(),
                        actual: meta.sha256,
                    });
                }
            }
            if text_len == 0 {
                return Ok(None);
            }
        } else {
            match self.counter.checked_add(1) {
                Some(next) => self.counter = next,
                None => return self.fail(FileError::Corrupted),
            }
        }
        Ok(self.buf.get(..text_len))
    }

    fn fail<T>(&mut self, error: FileError) -> Result<T, FileError> {
        self.digest = None;
        Err(error)
    }
}
