//! The files of a registration: what a body must be (a PDF starts with `%PDF-`; an OFD is a zip
//! package whose root holds `OFD.xml`, GB/T 33190), the size limits, and the media type an
//! attachment is stored and served with. Only the bytes decide: a name or a browser's
//! `Content-Type` says nothing reliable about a file.

use super::fields::Problem;
use bytes::Bytes;

/// Largest file accepted, body or attachment.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// Most attachments one registration may carry.
pub const MAX_ATTACHMENTS: usize = 20;
/// Largest registration request, files and fields together (the console route's body limit).
pub const MAX_REQUEST_BYTES: usize = 120 * 1024 * 1024;
/// Longest attachment name, in characters.
pub const MAX_ATTACHMENT_NAME_CHARS: usize = 100;

/// A file as the form sent it.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The name the registrar's computer gave it.
    pub file_name: String,
    /// Its bytes, at most [`MAX_FILE_BYTES`].
    pub bytes: Bytes,
    /// Whether it was longer than [`MAX_FILE_BYTES`] (the rest was not kept).
    pub too_large: bool,
}

/// Whether `bytes` are a PDF file (ISO 32000: the header `%PDF-` opens the file).
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Whether `bytes` are an OFD package: a zip file whose root holds `OFD.xml` (GB/T 33190 §7).
pub fn is_ofd(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") && zip_names(bytes).iter().any(|n| *n == b"OFD.xml")
}

/// A registration's body file checked: present, not empty, within the limit, and of `format`
/// by its bytes.
pub fn check_body(
    upload: &Upload,
    is_format: fn(&[u8]) -> bool,
    wrong: Problem,
) -> Result<(), Problem> {
    if upload.too_large {
        return Err(Problem::FileTooLarge);
    }
    if upload.bytes.is_empty() {
        return Err(Problem::EmptyFile);
    }
    if !is_format(&upload.bytes) {
        return Err(wrong);
    }
    Ok(())
}

/// An attachment checked; its name for 附件说明 (the file's own name without any folder).
pub fn check_attachment(upload: &Upload) -> Result<String, Problem> {
    if upload.too_large {
        return Err(Problem::FileTooLarge);
    }
    if upload.bytes.is_empty() {
        return Err(Problem::EmptyFile);
    }
    attachment_name(&upload.file_name)
}

/// The name an attachment is listed under: its file name without the folders some browsers
/// send, trimmed, one line, at most [`MAX_ATTACHMENT_NAME_CHARS`].
pub fn attachment_name(file_name: &str) -> Result<String, Problem> {
    let name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    if name.is_empty()
        || name.chars().any(char::is_control)
        || name.chars().count() > MAX_ATTACHMENT_NAME_CHARS
    {
        return Err(Problem::AttachmentName);
    }
    Ok(name.to_owned())
}

/// The media type an attachment is stored with, from its bytes (and, for office formats that
/// are zip or OLE containers, its extension). Anything unknown is `application/octet-stream`,
/// which the console only ever offers as a download.
pub fn media_type(file_name: &str, bytes: &[u8]) -> &'static str {
    if is_pdf(bytes) {
        return "application/pdf";
    }
    if is_ofd(bytes) {
        return "application/ofd";
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return "image/png";
    }
    if bytes.starts_with(b"\xff\xd8\xff") {
        return "image/jpeg";
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1");
    match extension.as_str() {
        "docx" if zip => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" if zip => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" | "wps" if ole => "application/msword",
        "xls" | "et" if ole => "application/vnd.ms-excel",
        _ if zip => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Whether a file of `media_type` may be shown in the browser (`inline`): formats a browser
/// renders without running anything of the file's. Others are offered as downloads.
pub fn shown_inline(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/pdf" | "application/ofd" | "image/png" | "image/jpeg"
    )
}

/// The names of a zip file's entries, read from its central directory; none for a file that
/// is not a well-formed zip (every offset is checked against the file's length).
fn zip_names(bytes: &[u8]) -> Vec<&[u8]> {
    const END_SIGNATURE: &[u8] = b"PK\x05\x06";
    const END_LEN: usize = 22;
    const ENTRY_SIGNATURE: &[u8] = b"PK\x01\x02";
    const ENTRY_LEN: usize = 46;
    // Every offset comes from the file: each sum is checked, each read bounded by its length.
    let u16_at = |base: usize, offset: usize| -> Option<usize> {
        let at = base.checked_add(offset)?;
        let b = bytes.get(at..at.checked_add(2)?)?;
        Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |base: usize, offset: usize| -> Option<usize> {
        let at = base.checked_add(offset)?;
        let b = bytes.get(at..at.checked_add(4)?)?;
        usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
    };
    let signature_at = |at: usize, signature: &[u8]| {
        at.checked_add(4)
            .and_then(|end| bytes.get(at..end))
            .is_some_and(|b| b == signature)
    };
    let Some(last) = bytes.len().checked_sub(END_LEN) else {
        return Vec::new();
    };
    // The end record sits at the very end, after a comment of up to 65535 bytes.
    let first = last.saturating_sub(usize::from(u16::MAX));
    let Some(end) = (first..=last)
        .rev()
        .find(|&at| signature_at(at, END_SIGNATURE))
    else {
        return Vec::new();
    };
    let (Some(entries), Some(mut at)) = (u16_at(end, 10), u32_at(end, 16)) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for _ in 0..entries {
        let header = at.checked_add(ENTRY_LEN);
        let (Some(header), Some(name_len), Some(extra_len), Some(comment_len)) =
            (header, u16_at(at, 28), u16_at(at, 30), u16_at(at, 32))
        else {
            break;
        };
        if !signature_at(at, ENTRY_SIGNATURE) {
            break;
        }
        let Some(name) = header
            .checked_add(name_len)
            .and_then(|end| bytes.get(header..end))
        else {
            break;
        };
        names.push(name);
        match header
            .checked_add(name_len)
            .and_then(|n| n.checked_add(extra_len))
            .and_then(|n| n.checked_add(comment_len))
        {
            Some(next) => at = next,
            None => break,
        }
    }
    names
}
