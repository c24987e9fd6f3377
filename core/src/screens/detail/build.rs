//! Builds the detail screen from the store's rows: the head, the files with whether each is on
//! the phone, the deadlines, and (through `flow`) the opinions and the flow record.

use super::flow;
use super::{
    AttachmentFile, BodyFile, BodyReading, Deadline, DetailHead, DocumentDetail, MyTask, Person,
    RenditionFile,
};
use crate::client::InboxItem;
use crate::model::{Document, Identity};
use crate::store::DetailRows;
use crate::workflow::Task;
use chrono::{DateTime, Utc};

/// Builds the screen from the store's rows for `viewer` at `now`; `my_task` is the viewer's
/// task with its flags (made by the client, which computes them for every screen alike).
pub(crate) fn build(
    rows: DetailRows,
    viewer: &Identity,
    my_task: Option<InboxItem>,
    now: DateTime<Utc>,
) -> DocumentDetail {
    let DetailRows {
        document,
        flow,
        held_files,
        opened_files,
        unopened_body,
    } = rows;
    let reading = BodyReading::new(&document, &held_files, &opened_files, unopened_body);
    let held = |sha: &str| held_files.contains(sha);
    let last = document.body.versions.len().saturating_sub(1);
    let bodies = document
        .body
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| BodyFile {
            id: v.id.clone(),
            stage: v.stage,
            format: v.format,
            media_type: v.format.media_type().to_owned(),
            size: v.size,
            sha256: v.sha256.clone(),
            pages: v.pages,
            created_at: v.created_at,
            held: held(&v.sha256),
            current: i == last,
            rendition: v.rendition.as_ref().map(|r| RenditionFile {
                format: r.format,
                media_type: r.format.media_type().to_owned(),
                size: r.size,
                sha256: r.sha256.clone(),
                held: held(&r.sha256),
            }),
            view_sha256: v.viewer_file().1.to_owned(),
            view_media_type: v.viewer_file().0.media_type().to_owned(),
        })
        .collect();
    let attachments = document
        .body
        .attachments
        .iter()
        .map(|a| AttachmentFile {
            id: a.id.clone(),
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            held: held(&a.sha256),
        })
        .collect();
    let deadline = document.handling.deadline.map(|due| Deadline {
        due,
        overdue: document.is_overdue(now),
    });
    let mut detail = DocumentDetail {
        document_id: document.id.clone(),
        head: head(&document),
        bodies,
        attachments,
        reading,
        deadline,
        finished_at: document.handling.finished_at,
        instance_id: None,
        flow_name: None,
        instance_state: None,
        initiator: None,
        current_nodes: Vec::new(),
        opinion_columns: Vec::new(),
        flow_record: Vec::new(),
        my_task: None,
    };
    if let Some(flow) = flow {
        // The phone's own queued actions are part of what the viewer sees.
        let shown = flow.local.as_ref().unwrap_or(&flow.instance);
        detail.instance_id = Some(shown.id.clone());
        detail.flow_name = Some(flow.definition.name.clone());
        detail.instance_state = Some(shown.state);
        detail.initiator = Some(Person::known(&shown.initiator, viewer));
        detail.current_nodes = shown
            .active
            .iter()
            .map(|a| flow::node_name(&flow.definition, &a.node_id))
            .collect();
        detail.opinion_columns = flow::opinion_columns(&flow, viewer);
        detail.flow_record = flow::flow_record(&flow, viewer);
        detail.my_task = my_task.map(|item| {
            let deadline = shown
                .task(&item.task_id)
                .and_then(|task| task_deadline(task, now));
            MyTask {
                item,
                deadline,
                unopened_body: detail.reading.check(),
            }
        });
    }
    detail
}

/// A task's 办理时限: late once passed while the task is still open, unless it was paused
/// before the time ran out (a paused task's clock stands still).
fn task_deadline(task: &Task, now: DateTime<Utc>) -> Option<Deadline> {
    task.deadline.map(|due| {
        let stopped_in_time = task.paused_at.is_some_and(|paused| paused <= due);
        Deadline {
            due,
            overdue: task.state.is_open() && !stopped_in_time && now > due,
        }
    })
}

fn head(document: &Document) -> DetailHead {
    DetailHead {
        title: document.title.clone(),
        number: document.number.to_string(),
        kind: document.kind,
        genre: document.handling.genre,
        urgency: document.urgency,
        secrecy: document.secrecy,
        secrecy_period: document.head.secrecy_period.as_ref().map(|p| p.label_zh()),
        copy_number: document.head.copy_number.clone(),
        issuing_organs: document.head.issuing_organs.clone(),
        signers: document.head.signers.clone(),
        from_organ: document.from_organ.clone(),
        from_number: document.receiving.from_number.clone(),
        received_at: document
            .received_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
        registration_number: document.receiving.registration_number.clone(),
        main_recipients: document.body.main_recipients.clone(),
        signature_organs: document.body.signature_organs.clone(),
        date: document.body.date,
        copy_to: document.footer.copy_to.clone(),
        printed_by: document.footer.printed_by.clone(),
        printed_on: document.footer.printed_on,
        note: document.body.note.clone(),
    }
}
