//! What the blob endpoint's answers say about the file, read without IO: the `Content-Range`
//! of a 206 or 416, the strong `ETag` that must name the file asked for, and the SHA-256 a file
//! is asked for by.

use super::BlobError;
use crate::sync::BlobResponse;

/// What `Content-Range` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentRange {
    /// `bytes start-end/total`.
    Bytes {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
        /// The file's size.
        total: u64,
    },
    /// `bytes */total` (on a 416).
    Unsatisfied {
        /// The file's size.
        total: u64,
    },
}

/// Parses a `Content-Range` value; a range the file cannot hold, or an unknown size, is none.
pub(crate) fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let total: u64 = total.trim().parse().ok()?;
    if range.trim() == "*" {
        return Some(ContentRange::Unsatisfied { total });
    }
    let (start, end) = range.split_once('-')?;
    let (start, end): (u64, u64) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start <= end && end < total).then_some(ContentRange::Bytes { start, end, total })
}

/// The lowercase form of a SHA-256 in hex, or why it is not one.
pub(crate) fn normalized(sha256: &str) -> Result<String, BlobError> {
    let sha = sha256.trim().to_ascii_lowercase();
    if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(sha)
    } else {
        Err(BlobError::BadHash(sha256.to_owned()))
    }
}

/// The answer must name this file by its strong tag: anything else (another file from a
/// confused cache, a captive portal's page) is not this file's bytes.
pub(crate) fn check_etag(response: &BlobResponse, sha256: &str) -> Result<(), BlobError> {
    let expected = format!("\"{sha256}\"");
    match response.etag.as_deref() {
        Some(tag) if tag.eq_ignore_ascii_case(&expected) => Ok(()),
        Some(tag) => Err(BlobError::Inconsistent(format!(
            "the answer is tagged {tag}, not {expected}"
        ))),
        None => Err(BlobError::Inconsistent("the answer carries no ETag".into())),
    }
}
