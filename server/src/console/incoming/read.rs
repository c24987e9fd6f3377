//! Reading the registration form (multipart): refused unless it came from this console and its
//! first part is the session's CSRF token, read before anything else. Then the text fields,
//! bounded, and the files, each kept up to the size limit (a longer one is marked, its rest
//! read and dropped, so the form still comes back with every other field). A request cut at the
//! console's body limit keeps what arrived and says so.

use super::super::prelude::*;
use super::super::session::checked_multipart;
use crate::office::incoming::{
    Registration, Upload, HANDLERS_FIELD, MAX_ATTACHMENTS, MAX_FILE_BYTES,
};
use axum::extract::multipart::{Field, MultipartError};
use axum::http::{HeaderMap, StatusCode};
use bytes::BytesMut;

/// The longest text field accepted (a title of 200 characters is 600 bytes).
const MAX_TEXT_BYTES: usize = 4 * 1024;
/// The most parts a form may have (its fields, the attachments and every handler chosen for every
/// process's steps, with room to spare).
const MAX_PARTS: usize = 512;

/// The form `office` posted, its CSRF token checked first.
pub(super) async fn form(
    office: &Office,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<Registration, ConsoleError> {
    checked_multipart(office, headers, &mut multipart).await?;
    let mut form = Registration::default();
    let mut parts = 1usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if cut(&e) => {
                form.cut_short = true;
                break;
            }
            Err(_) => return Err(ConsoleError::Malformed),
        };
        parts = parts.saturating_add(1);
        if parts > MAX_PARTS {
            return Err(ConsoleError::Malformed);
        }
        let name = field.name().unwrap_or_default().to_owned();
        let read = match name.as_str() {
            "body_pdf" | "body_ofd" | "attachments" => file(field).await.map(|upload| {
                let Some(upload) = upload else { return };
                match name.as_str() {
                    "body_pdf" => form.body_pdf = Some(upload),
                    "body_ofd" => form.body_ofd = Some(upload),
                    // One more than allowed is kept, so the form can say there are too many.
                    _ if form.attachments.len() <= MAX_ATTACHMENTS => form.attachments.push(upload),
                    _ => {}
                }
            }),
            _ => text(field).await.map(|value| {
                if name.starts_with(HANDLERS_FIELD) {
                    form.handlers.push((name, value));
                } else if let Some(slot) = text_slot(&mut form, &name) {
                    *slot = value;
                }
            }),
        };
        match read {
            Ok(()) => {}
            Err(e) if cut(&e) => {
                form.cut_short = true;
                break;
            }
            Err(_) => return Err(ConsoleError::Malformed),
        }
    }
    Ok(form)
}

/// Whether the request was cut at the body limit (rather than malformed).
fn cut(e: &MultipartError) -> bool {
    e.status() == StatusCode::PAYLOAD_TOO_LARGE
}

/// Where a text field goes; `None` for a field the form does not have.
fn text_slot<'a>(form: &'a mut Registration, name: &str) -> Option<&'a mut String> {
    Some(match name {
        "from_organ" => &mut form.from_organ,
        "number" => &mut form.number,
        "title" => &mut form.title,
        "urgency" => &mut form.urgency,
        "secrecy" => &mut form.secrecy,
        "genre" => &mut form.genre,
        "made_on" => &mut form.made_on,
        "received_on" => &mut form.received_on,
        "copy_number" => &mut form.copy_number,
        "pages" => &mut form.pages,
        "registration_number" => &mut form.registration_number,
        "deadline" => &mut form.deadline,
        "definition" => &mut form.definition,
        _ => return None,
    })
}

/// A text field, at most [`MAX_TEXT_BYTES`] kept (a longer one is cut on a character boundary
/// and then refused by its field's length check).
async fn text(mut field: Field<'_>) -> Result<String, MultipartError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        let room = MAX_TEXT_BYTES.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            String::from_utf8_lossy(&e.into_bytes()[..valid]).into_owned()
        }
    })
}

/// A file field; `None` for a file input left empty (browsers send a part without a name or
/// bytes).
async fn file(mut field: Field<'_>) -> Result<Option<Upload>, MultipartError> {
    let file_name = field.file_name().unwrap_or_default().to_owned();
    let mut bytes = BytesMut::new();
    let mut too_large = false;
    while let Some(chunk) = field.chunk().await? {
        let total = bytes.len().checked_add(chunk.len());
        if too_large || total.is_none_or(|n| n > MAX_FILE_BYTES) {
            // The rest is read and dropped: the other fields still arrive.
            if !too_large {
                too_large = true;
                bytes = BytesMut::new();
            }
            continue;
        }
        bytes.extend_from_slice(&chunk);
    }
    if file_name.is_empty() && bytes.is_empty() && !too_large {
        return Ok(None);
    }
    Ok(Some(Upload {
        file_name,
        bytes: bytes.freeze(),
        too_large,
    }))
}
