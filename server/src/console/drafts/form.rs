//! Reading a drafter's multipart form (the new draft with its body, or a further body version):
//! the CSRF token first, before any other field is read, then bounded text fields and at most
//! one PDF body file no larger than the draft store takes. Also the small conversions the
//! draft pages share: a snake-case name of a domain value and back, and the text of a refusal.

use super::super::prelude::*;
use super::super::session::checked_multipart;
use crate::office::drafts::{DraftError, Invalid, MAX_BODY_BYTES};
use axum::http::HeaderMap;
use bytes::{Bytes, BytesMut};
use qianpi_domain::workflow::RejectionCode;
use std::collections::HashMap;

/// The most text fields a draft form sends.
const MAX_FIELDS: usize = 32;
/// The longest text field (the main recipients, one per line, are the longest).
const MAX_FIELD_BYTES: usize = 16 * 1024;

/// A read multipart form: its text fields and its file, if one was chosen.
pub(super) struct Upload {
    /// Text fields by name.
    pub fields: HashMap<String, String>,
    /// The body file: its name and bytes.
    pub file: Option<(String, Bytes)>,
}

impl Upload {
    /// A text field, trimmed ("" when absent).
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }
}

/// Reads a draft form posted by `office`: refused unless it came from this console and its first
/// field is the session's CSRF token.
pub(super) async fn read(
    office: &Office,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<Upload, ConsoleError> {
    checked_multipart(office, headers, &mut multipart).await?;
    let malformed = |_| ConsoleError::Malformed;
    let mut upload = Upload {
        fields: HashMap::new(),
        file: None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "body" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let mut bytes = BytesMut::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                let total = bytes.len().checked_add(chunk.len());
                if total.is_none_or(|n| n > MAX_BODY_BYTES) {
                    return Err(ConsoleError::BadInput(
                        office.t("drafts.invalid.file_too_large").to_owned(),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            // A file input left empty still sends a part, with no name and no bytes.
            if !bytes.is_empty() || !file_name.is_empty() {
                upload.file = Some((file_name, bytes.freeze()));
            }
            continue;
        }
        if upload.fields.len() >= MAX_FIELDS {
            return Err(ConsoleError::Malformed);
        }
        let value = field.bytes().await.map_err(malformed)?;
        if value.len() > MAX_FIELD_BYTES {
            return Err(ConsoleError::BadInput(
                office.t("drafts.invalid.field_too_long").to_owned(),
            ));
        }
        let value = String::from_utf8(value.to_vec()).map_err(|_| ConsoleError::Malformed)?;
        upload.fields.insert(name, value);
    }
    Ok(upload)
}

/// The snake-case name a domain value is stored under (`extra_urgent`, `top_secret`).
pub(super) fn snake<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A domain value from its snake-case name.
pub(super) fn parse_snake<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// A refusal of the draft store as a console error: the reader's text for what they can fix, 404
/// for what is not theirs, 403 for a leader who is not theirs.
pub(crate) fn refused(office: &Office, error: DraftError) -> ConsoleError {
    let text = match error {
        DraftError::NotFound => return ConsoleError::NotFound,
        DraftError::NotSecretary => return ConsoleError::Forbidden,
        DraftError::Api(e) => return e.into(),
        DraftError::Invalid(invalid) => invalid_text(office, invalid),
        DraftError::Refused(code) => rejection_text(office, code),
    };
    ConsoleError::BadInput(text.to_owned())
}

fn invalid_text(office: &Office, invalid: Invalid) -> &'static str {
    match invalid {
        Invalid::EmptyTitle => office.t("drafts.invalid.empty_title"),
        Invalid::TitleTooLong => office.t("drafts.invalid.title_too_long"),
        Invalid::BadNumber => office.t("drafts.invalid.bad_number"),
        Invalid::BadRecipients => office.t("drafts.invalid.bad_recipients"),
        Invalid::NotPdf => office.t("drafts.invalid.not_pdf"),
        Invalid::EmptyFile => office.t("drafts.invalid.empty_file"),
        Invalid::FileTooLarge => office.t("drafts.invalid.file_too_large"),
        Invalid::TooManyVersions => office.t("drafts.invalid.too_many_versions"),
        Invalid::NoBody => office.t("drafts.invalid.no_body"),
        Invalid::AlreadyStarted => office.t("drafts.invalid.already_started"),
        Invalid::NoSuchDefinition => office.t("drafts.invalid.no_definition"),
        Invalid::OpinionTooLong => office.t("drafts.invalid.opinion_too_long"),
        Invalid::DelegateToSelf => office.t("drafts.invalid.delegate_to_self"),
        Invalid::BadWindow => office.t("drafts.invalid.bad_window"),
        Invalid::WindowTooLong => office.t("drafts.invalid.window_too_long"),
        Invalid::NoSuchDeputy => office.t("drafts.invalid.no_deputy"),
    }
}

/// The reason the workflow gave, for the codes a 撤销 or a 代签 can meet; any other as a general
/// refusal (the flow changed: look again).
fn rejection_text(office: &Office, code: RejectionCode) -> &'static str {
    match code {
        RejectionCode::TooLate => office.t("drafts.refused.too_late"),
        RejectionCode::NotInitiator => office.t("drafts.refused.not_initiator"),
        RejectionCode::NotRunning => office.t("drafts.refused.not_running"),
        RejectionCode::Stale => office.t("drafts.refused.stale"),
        RejectionCode::NoSuchTask | RejectionCode::NotAssignee | RejectionCode::TaskNotPending => {
            office.t("drafts.refused.task_gone")
        }
        RejectionCode::OpinionRequired => office.t("drafts.refused.opinion_required"),
        RejectionCode::RouteRequired | RejectionCode::NoSuchRoute => {
            office.t("drafts.refused.route_required")
        }
        RejectionCode::ReadOnlyNode | RejectionCode::InvalidAttitude => {
            office.t("drafts.refused.read_only")
        }
        RejectionCode::ActionNotAllowed => office.t("drafts.refused.not_allowed"),
        RejectionCode::NotAuthorised => office.t("drafts.refused.not_authorised"),
        RejectionCode::Suspended | RejectionCode::TaskPaused => office.t("drafts.refused.paused"),
        _ => office.t("drafts.refused.other"),
    }
}
