//! The on-disk format of one vault file: a 16-byte header, then the plaintext in 64 KiB chunks,
//! each sealed with AES-256-GCM as in the STREAM construction (Hoang, Reyhanitabar, Rogaway,
//! Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015).
//!
//! ```text
//! header  = "QPF1" || version (1 byte, = 1) || chunk size (u32 BE, = 65536) || nonce prefix (7 bytes)
//! chunk i = AES-256-GCM(key, nonce = prefix || i (u32 BE) || last (0x00 / 0x01),
//!                       aad = header, plaintext i) — ciphertext || 16-byte tag
//! file    = header || chunk 0 || … || chunk n   (every chunk but the last holds exactly chunk-size
//!                                                plaintext bytes; the last holds 0 ..= chunk size)
//! ```
//!
//! Because the counter and the last-chunk flag are in the nonce, a reordered, dropped, swapped or
//! appended chunk and a file cut at any point fail a tag; because the header is the associated
//! data, so does any change to it. The key is per file id, so a whole file copied over another's
//! name fails too. An empty file is one empty last chunk (the header plus a lone tag).
//!
//! Both directions hold one chunk in memory, never the file.

use super::{FileError, FileMeta};
use crate::crypto::hex;
use ring::aead::{Aad, LessSafeKey, Nonce, NONCE_LEN};
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

/// Magic bytes at the start of every vault file.
pub(super) const MAGIC: [u8; 4] = *b"QPF1";
/// Format version written by this code.
pub(super) const VERSION: u8 = 1;
/// Plaintext bytes per chunk.
pub(super) const CHUNK_SIZE: usize = 64 * 1024;
/// The largest chunk size a reader accepts: the header is only authenticated once the first chunk
/// is opened, so a damaged size must not make the reader allocate without bound first.
const MAX_CHUNK_SIZE: usize = 1024 * 1024;
/// Length of the random nonce prefix.
pub(super) const PREFIX_LEN: usize = 7;
/// Length of the header.
pub(super) const HEADER_LEN: usize = MAGIC.len() + 1 + 4 + PREFIX_LEN;
/// Length of an AES-GCM tag.
pub(super) const TAG_LEN: usize = 16;

/// The parsed header of a vault file.
pub(super) struct Header {
    pub(super) chunk_size: usize,
    pub(super) prefix: [u8; PREFIX_LEN],
}

impl Header {
    fn encode(&self) -> Result<[u8; HEADER_LEN], FileError> {
        let size = u32::try_from(self.chunk_size).map_err(|_| FileError::Crypto)?;
        let mut out = [0u8; HEADER_LEN];
        let (magic, rest) = out.split_at_mut(MAGIC.len());
        magic.copy_from_slice(&MAGIC);
        let (version, rest) = rest.split_at_mut(1);
        version.copy_from_slice(&[VERSION]);
        let (chunk_size, prefix) = rest.split_at_mut(4);
        chunk_size.copy_from_slice(&size.to_be_bytes());
        prefix.copy_from_slice(&self.prefix);
        Ok(out)
    }

    /// Parses a header; `None` for anything this version cannot read.
    pub(super) fn parse(bytes: &[u8; HEADER_LEN]) -> Option<Header> {
        let (magic, rest) = bytes.split_first_chunk::<4>()?;
        let (version, rest) = rest.split_first()?;
        let (size, rest) = rest.split_first_chunk::<4>()?;
        let prefix: [u8; PREFIX_LEN] = rest.try_into().ok()?;
        let chunk_size = usize::try_from(u32::from_be_bytes(*size)).ok()?;
        let valid =
            *magic == MAGIC && *version == VERSION && (1..=MAX_CHUNK_SIZE).contains(&chunk_size);
        valid.then_some(Header { chunk_size, prefix })
    }
}

/// The nonce of chunk `counter`: prefix || counter (u32 BE) || last-chunk flag.
pub(super) fn chunk_nonce(prefix: &[u8; PREFIX_LEN], counter: u32, last: bool) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN];
    let (head, rest) = nonce.split_at_mut(PREFIX_LEN);
    head.copy_from_slice(prefix);
    let (count, flag) = rest.split_at_mut(4);
    count.copy_from_slice(&counter.to_be_bytes());
    flag.copy_from_slice(&[u8::from(last)]);
    Nonce::assume_unique_for_key(nonce)
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read. Unlike
/// `read_exact`, reaching the end early is not an error: that is how the last chunk is found.
pub(super) fn fill(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match input.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Running SHA-256 and size of the plaintext.
pub(super) struct Digest {
    context: ring::digest::Context,
    size: u64,
}

impl Digest {
    pub(super) fn new() -> Digest {
        Digest {
            context: ring::digest::Context::new(&ring::digest::SHA256),
            size: 0,
        }
    }

    pub(super) fn update(&mut self, plain: &[u8]) {
        self.context.update(plain);
        // A usize always fits in a u64 on the targets Qianpi supports (32- and 64-bit).
        self.size += plain.len() as u64;
    }

    pub(super) fn finish(self) -> FileMeta {
        FileMeta {
            sha256: hex(self.context.finish().as_ref()),
            size: self.size,
        }
    }
}

/// Encrypts everything `plain` yields into `out` under `key`, with the random nonce `prefix`.
/// Returns the plaintext's SHA-256 and size.
pub(super) fn seal_stream(
    key: &LessSafeKey,
    prefix: [u8; PREFIX_LEN],
    mut plain: impl Read,
    out: &mut impl Write,
) -> Result<FileMeta, FileError> {
    let header = Header {
        chunk_size: CHUNK_SIZE,
        prefix,
    }
    .encode()?;
    out.write_all(&header)?;
    let mut digest = Digest::new();
    // One chunk plus room for its tag; zeroized on drop since it holds plaintext between reads.
    let mut buf = Zeroizing::new(vec![0u8; CHUNK_SIZE + TAG_LEN]);
    // A byte read ahead to learn whether the chunk just filled is the last one.
    let mut carry: Option<u8> = None;
    let mut counter: u32 = 0;
    loop {
        let mut len = 0;
        if let (Some(byte), Some(first)) = (carry.take(), buf.first_mut()) {
            *first = byte;
            len = 1;
        }
        let chunk = buf.get_mut(len..CHUNK_SIZE).ok_or(FileError::Crypto)?;
        len += fill(&mut plain, chunk)?;
        let last = if len < CHUNK_SIZE {
            true
        } else {
            let mut one = [0u8; 1];
            let more = fill(&mut plain, &mut one)? == 1;
            carry = more.then_some(one[0]);
            !more
        };
        let (text, tail) = buf.split_at_mut(len);
        digest.update(text);
        let tag = key
            .seal_in_place_separate_tag(
                chunk_nonce(&prefix, counter, last),
                Aad::from(&header),
                text,
            )
            .map_err(|_| FileError::Crypto)?;
        let tag_room = tail.get_mut(..TAG_LEN).ok_or(FileError::Crypto)?;
        tag_room.copy_from_slice(tag.as_ref());
        out.write_all(buf.get(..len + TAG_LEN).ok_or(FileError::Crypto)?)?;
        if last {
            return Ok(digest.finish());
        }
        counter = counter.checked_add(1).ok_or(FileError::TooLarge)?;
    }
}

/// Decrypts a vault file from `sealed` into `plain`, chunk by chunk; only authenticated chunks
/// reach `plain`, but on error `plain` may already hold a prefix of the file. Returns the
/// plaintext's SHA-256 and size.
pub(super) fn open_stream(
    key: &LessSafeKey,
    mut sealed: impl Read,
    plain: &mut impl Write,
) -> Result<FileMeta, FileError> {
    let mut header = [0u8; HEADER_LEN];
    if fill(&mut sealed, &mut header)? < HEADER_LEN {
        return Err(FileError::Corrupted);
    }
    let Header { chunk_size, prefix } = Header::parse(&header).ok_or(FileError::Corrupted)?;
    let sealed_chunk = chunk_size + TAG_LEN;
    let mut digest = Digest::new();
    // One sealed chunk plus one byte read ahead: if that byte arrives, the chunk is not the last.
    let mut buf = Zeroizing::new(vec![0u8; sealed_chunk + 1]);
    let mut have = 0;
    let mut counter: u32 = 0;
    loop {
        have += fill(
            &mut sealed,
            buf.get_mut(have..).ok_or(FileError::Corrupted)?,
        )?;
        let last = have <= sealed_chunk;
        let len = have.min(sealed_chunk);
        // Too short for a tag: the file was cut inside a chunk.
        if len < TAG_LEN {
            return Err(FileError::Corrupted);
        }
        let chunk = buf.get_mut(..len).ok_or(FileError::Corrupted)?;
        let text = key
            .open_in_place(
                chunk_nonce(&prefix, counter, last),
                Aad::from(&header),
                chunk,
            )
            .map_err(|_| FileError::Corrupted)?;
        digest.update(text);
        plain.write_all(text)?;
        if last {
            return Ok(digest.finish());
        }
        // The read-ahead byte starts the next chunk.
        let next = buf.get(sealed_chunk).copied().ok_or(FileError::Corrupted)?;
        if let Some(first) = buf.first_mut() {
            *first = next;
        }
        have = 1;
        counter = counter.checked_add(1).ok_or(FileError::Corrupted)?;
    }
}
