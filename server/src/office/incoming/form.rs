//! The registrar's form as a whole: each field read by [`super::fields`], the dates against each
//! other and today, the files by [`super::files`]; every fault recorded, and the document the
//! form describes when there is none.

use super::fields::{self, Faults, Field, Problem};
use super::files;
use super::{is_ofd, is_pdf, Registration, MAX_ATTACHMENTS};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use qianpi_domain::model::{
    Document, DocumentBody, DocumentHead, DocumentKind, Handling, Receiving,
};

/// The document the form describes, without its files yet; faults recorded.
pub(super) fn check(
    form: &Registration,
    zone: Tz,
    now: DateTime<Utc>,
    faults: &mut Faults,
) -> Option<Document> {
    use fields::*;
    let from_organ = faults.keep(
        Field::FromOrgan,
        line(&form.from_organ, true, MAX_ORGAN_CHARS),
    );
    let number = faults.keep(Field::Number, number(&form.number));
    let title = faults.keep(Field::Title, title(&form.title));
    let urgency = faults.keep(Field::Urgency, urgency(&form.urgency));
    let secrecy = faults.keep(Field::Secrecy, secrecy(&form.secrecy));
    let genre = faults.keep(Field::Genre, genre(&form.genre));
    let made_on = faults.keep(Field::MadeOn, date(&form.made_on));
    let received_on = faults.keep(
        Field::ReceivedOn,
        date(&form.received_on).and_then(|d| d.ok_or(Problem::Required)),
    );
    let copy_number = faults.keep(Field::CopyNumber, copy_number(&form.copy_number));
    let pages = faults.keep(Field::Pages, pages(&form.pages));
    let registration_number = faults.keep(
        Field::RegistrationNumber,
        line(&form.registration_number, false, MAX_REGISTRATION_CHARS),
    );
    let deadline = faults.keep(Field::Deadline, date(&form.deadline));
    if form.definition.trim().is_empty() {
        faults.add(Field::Definition, Problem::Required);
    }
    if let Some(received) = received_on {
        if received > now.with_timezone(&zone).date_naive() {
            faults.add(Field::ReceivedOn, Problem::ReceivedInFuture);
        }
        if made_on.flatten().is_some_and(|made| made > received) {
            faults.add(Field::MadeOn, Problem::MadeAfterReceived);
        }
        if deadline.flatten().is_some_and(|by| by < received) {
            faults.add(Field::Deadline, Problem::DeadlineBeforeReceived);
        }
    }
    check_files(form, faults);
    let document = Document {
        id: format!("doc-{}", uuid::Uuid::now_v7()),
        unit_id: String::new(),
        kind: DocumentKind::Incoming,
        title: title?,
        number: number.clone()?,
        urgency: urgency?,
        secrecy: secrecy?,
        from_organ: from_organ?,
        received_at: Some(start_of(received_on?, zone).to_rfc3339()),
        head: DocumentHead {
            copy_number: copy_number?,
            ..Default::default()
        },
        body: DocumentBody {
            date: made_on?,
            ..Default::default()
        },
        footer: Default::default(),
        receiving: Receiving {
            from_number: number.map(|n| n.to_string()),
            registered_at: Some(now),
            registration_number: registration_number?,
        },
        handling: Handling {
            genre: genre?,
            deadline: deadline?.map(|d| end_of(d, zone)),
            ..Default::default()
        },
    };
    // The pages belong to the body version, made once the files are hashed.
    let _ = pages?;
    Some(document)
}

/// Records the faults of the body files and attachments.
pub(super) fn check_files(form: &Registration, faults: &mut Faults) {
    if form.cut_short {
        faults.add(Field::Attachments, Problem::TooMuchInTotal);
    }
    if form.body_pdf.is_none() && form.body_ofd.is_none() {
        faults.add(Field::BodyPdf, Problem::BodyMissing);
    }
    if let Some(pdf) = &form.body_pdf {
        let checked = files::check_body(pdf, is_pdf, Problem::NotPdf);
        faults.keep(Field::BodyPdf, checked);
    }
    if let Some(ofd) = &form.body_ofd {
        let checked = files::check_body(ofd, is_ofd, Problem::NotOfd);
        faults.keep(Field::BodyOfd, checked);
    }
    if form.attachments.len() > MAX_ATTACHMENTS {
        faults.add(Field::Attachments, Problem::TooManyAttachments);
    }
    // One fault of a kind is enough for the field: the registrar sees what to fix.
    let mut seen = Vec::new();
    for upload in &form.attachments {
        if let Err(problem) = files::check_attachment(upload) {
            if !seen.contains(&problem) {
                seen.push(problem);
                faults.add(Field::Attachments, problem);
            }
        }
    }
}
