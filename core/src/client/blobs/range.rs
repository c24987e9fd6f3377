//! What the blob endpoint's answers say about the file, read without IO: the `Content-Range`
//! of a 206 or 416 (parsed by [`crate::protocol::content_range`]), the strong `ETag` that must
//! name the file asked for, and the SHA-256 a file is asked for by.

use super::BlobError;
use crate::link::BlobResponse;
pub(crate) use crate::protocol::content_range::{parse_content_range, ContentRange};

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
