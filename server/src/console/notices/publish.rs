//! Publishing a notice from the console: title, text, recipients (the whole unit or people
//! ticked from its address book), whether a 回执 is asked, its choices (one per line) and whether
//! a note is forbidden, allowed or required, a deadline in the deployment's zone, and attached
//! files. The form is multipart (the files); its first field is the CSRF token, checked before
//! anything else is read. The notice is published as the logged-in person, signed and delivered
//! to every recipient's feed by [`crate::notices::publish`].

use super::super::prelude::*;
use super::super::session::checked_multipart;
use crate::admin::people::list_users;
use crate::blobs::{self, MAX_BLOB_BYTES};
use crate::notices::{self, PublishNotice};
use axum::http::HeaderMap;
use chrono::{NaiveDateTime, TimeZone};
use qianpi_domain::model::{Attachment, NoteRule, NoticeScope, ReceiptChoice, ReceiptForm};
use std::collections::HashMap;

/// All files of one notice together.
const MAX_TOTAL_BYTES: usize = 50 * 1024 * 1024;
/// Most files on one notice.
const MAX_FILES: usize = 20;
/// Longest text field (the notice's body is bounded by the domain at 20,000 characters).
const MAX_FIELD_BYTES: usize = 128 * 1024;

pub(super) async fn form(
    State(state): State<AppState>,
    office: Office,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Administrator)?;
    let people = list_users(&state.db, &office.actor(), office.unit()).await?;
    let body = html! {
        form.grid #publish-form method="post" action="/console/notices/new" enctype="multipart/form-data" {
            (office.csrf_field())
            label for="notice-title" { (office.t("notices.col.title")) }
            input #notice-title name="title" required maxlength="200";
            label for="notice-body" { (office.t("notices.body")) }
            textarea #notice-body name="body" rows="8" {}
            fieldset #recipients {
                legend { (office.t("notices.recipients")) }
                label { input #scope-unit type="radio" name="scope" value="unit" checked; " " (office.t("notices.scope.unit")) }
                label { input #scope-people type="radio" name="scope" value="people"; " " (office.t("notices.scope.people")) }
                div #people-choice { @for p in &people {
                    label { input type="checkbox" name="people" value=(p.id); " " (p.name) " " span.muted { (p.post) } }
                } }
            }
            fieldset #receipt-form {
                legend { (office.t("notices.receipt")) }
                label { input #receipt-required type="checkbox" name="receipt" value="1"; " " (office.t("notices.receipt.ask")) }
                label for="receipt-choices" { (office.t("notices.receipt.choices")) }
                textarea #receipt-choices name="choices" rows="3" placeholder=(office.t("notices.receipt.choices_hint")) {}
                label for="receipt-note" { (office.t("notices.receipt.note")) }
                select #receipt-note name="note" {
                    option value="optional" selected { (office.t("notices.note.optional")) }
                    option value="required" { (office.t("notices.note.required")) }
                    option value="forbidden" { (office.t("notices.note.forbidden")) }
                }
                label for="receipt-deadline" { (office.t("notices.deadline")) }
                input #receipt-deadline type="datetime-local" name="deadline";
            }
            label for="notice-files" { (office.t("notices.attachments")) }
            input #notice-files type="file" name="attachments" multiple;
            div.actions { button #publish-button type="submit" { (office.t("notices.publish")) } }
        }
    };
    Ok(page(&office, office.t("notices.new"), body))
}

/// The form as posted: text fields (people repeated) and files.
struct Posted {
    fields: HashMap<String, String>,
    people: Vec<String>,
    files: Vec<(String, Option<String>, bytes::Bytes)>,
}

impl Posted {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }
}

async fn read(
    office: &Office,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<Posted, ConsoleError> {
    checked_multipart(office, headers, &mut multipart).await?;
    let malformed = |_| ConsoleError::Malformed;
    let too_large = || ConsoleError::BadInput(office.t("notices.error.too_large").to_owned());
    let mut posted = Posted {
        fields: HashMap::new(),
        people: Vec::new(),
        files: Vec::new(),
    };
    let mut total = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let media_type = field.content_type().map(str::to_owned);
        let mut bytes = bytes::BytesMut::new();
        let limit = if name == "attachments" {
            MAX_BLOB_BYTES
        } else {
            MAX_FIELD_BYTES
        };
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            total = total.checked_add(chunk.len()).ok_or_else(too_large)?;
            if total > MAX_TOTAL_BYTES || bytes.len().saturating_add(chunk.len()) > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "attachments" => {
                // An empty file input still sends a part, with no name and no bytes.
                let file_name = file_name.unwrap_or_default();
                if !file_name.is_empty() || !bytes.is_empty() {
                    if posted.files.len() >= MAX_FILES {
                        return Err(too_large());
                    }
                    posted.files.push((file_name, media_type, bytes.freeze()));
                }
            }
            _ => {
                let text =
                    String::from_utf8(bytes.to_vec()).map_err(|_| ConsoleError::Malformed)?;
                if name == "people" {
                    posted.people.push(text);
                } else if posted.fields.len() < 32 {
                    posted.fields.insert(name, text);
                }
            }
        }
    }
    Ok(posted)
}

/// The receipt form from the choices (one label per line) and the note rule.
fn receipt_form(posted: &Posted) -> ReceiptForm {
    let choices = posted
        .get("choices")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, label)| ReceiptChoice {
            id: format!("c{}", i.saturating_add(1)),
            label: label.to_owned(),
        })
        .collect();
    let note = match posted.get("note") {
        "required" => NoteRule::Required,
        "forbidden" => NoteRule::Forbidden,
        _ => NoteRule::Optional,
    };
    ReceiptForm { choices, note }
}

pub(super) async fn submit(
    State(state): State<AppState>,
    office: Office,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    office.require(Role::Administrator)?;
    let posted = read(&office, &headers, multipart).await?;
    let bad = |key: &str| ConsoleError::BadInput(office.t(key).to_owned());
    if posted.get("title").is_empty() {
        return Err(bad("notices.error.title"));
    }
    let scope = if posted.get("scope") == "people" {
        if posted.people.is_empty() {
            return Err(bad("notices.error.nobody"));
        }
        NoticeScope {
            people: posted.people.clone(),
            ..NoticeScope::default()
        }
    } else {
        NoticeScope {
            units: vec![office.unit().to_owned()],
            ..NoticeScope::default()
        }
    };
    let now = Utc::now();
    let receipt_required = !posted.get("receipt").is_empty();
    let deadline = match posted.get("deadline") {
        "" => None,
        text => {
            let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .map_err(|_| bad("notices.error.deadline"))?;
            let at = office
                .zone
                .from_local_datetime(&local)
                .earliest()
                .ok_or_else(|| bad("notices.error.deadline"))?
                .with_timezone(&Utc);
            if at <= now {
                return Err(bad("notices.error.deadline_past"));
            }
            Some(at)
        }
    };
    let actor = office.actor();
    let mut attachments = Vec::new();
    for (index, (name, media_type, bytes)) in posted.files.iter().enumerate() {
        let sha256 = qianpi_protocol::crypto::sha256_hex(bytes);
        let media_type = blobs::media_type(media_type.as_deref())
            .unwrap_or_else(|_| "application/octet-stream".to_owned());
        let uploaded = blobs::upload(
            &state.db,
            &actor,
            office.unit(),
            &sha256,
            media_type.clone(),
            bytes.clone(),
            now,
        )
        .await?;
        attachments.push(Attachment {
            id: format!("a{}", index.saturating_add(1)),
            name: if name.trim().is_empty() {
                sha256.clone()
            } else {
                name.trim().to_owned()
            },
            media_type: uploaded.blob.media_type,
            size: uploaded.blob.size,
            sha256,
        });
    }
    let request = PublishNotice {
        id: None,
        title: posted.get("title").to_owned(),
        body: posted.get("body").to_owned(),
        attachments,
        publisher: office.account.user_id.clone(),
        scope,
        receipt_required,
        receipt_form: receipt_required.then(|| receipt_form(&posted)),
        receipt_deadline: deadline.filter(|_| receipt_required),
    };
    let published = notices::publish(&state.db, &state.key, &actor, office.unit(), request, now)
        .await
        .map_err(|e| {
            if e.status.is_client_error() && e.status.as_u16() != 404 {
                ConsoleError::BadInput(format!(
                    "{} ({})",
                    office.t("notices.error.refused"),
                    e.message
                ))
            } else {
                e.into()
            }
        })?;
    Ok(redirect(&format!(
        "/console/notices/{}?done=notices.published",
        published.notice.id
    )))
}
