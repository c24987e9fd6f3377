//! From the core's document detail screen model to the bindings' records: times become
//! timestamps, dates calendar dates, labels enums.

use super::*;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use qianpi_core::screens as core;

fn time(t: DateTime<Utc>) -> SystemTime {
    SystemTime::from(t)
}

fn date(d: NaiveDate) -> CalendarDate {
    // Month and day always fit a byte.
    CalendarDate {
        year: d.year(),
        month: u8::try_from(d.month()).unwrap_or(0),
        day: u8::try_from(d.day()).unwrap_or(0),
    }
}

impl From<core::Person> for Person {
    fn from(p: core::Person) -> Self {
        Person {
            user_id: p.user_id,
            name: p.name,
            post: p.post,
        }
    }
}

impl From<core::Deadline> for Deadline {
    fn from(d: core::Deadline) -> Self {
        Deadline {
            due: time(d.due),
            overdue: d.overdue,
        }
    }
}

impl From<core::DetailHead> for DocumentHead {
    fn from(h: core::DetailHead) -> Self {
        DocumentHead {
            title: h.title,
            number: h.number,
            kind: h.kind.into(),
            genre: h.genre.map(Into::into),
            urgency: h.urgency.into(),
            secrecy: h.secrecy.into(),
            secrecy_period: h.secrecy_period,
            copy_number: h.copy_number,
            issuing_organs: h.issuing_organs,
            signers: h.signers,
            from_organ: h.from_organ,
            from_number: h.from_number,
            received_at: h.received_at.map(time),
            registration_number: h.registration_number,
            main_recipients: h.main_recipients,
            signature_organs: h.signature_organs,
            date: h.date.map(date),
            copy_to: h.copy_to,
            printed_by: h.printed_by,
            printed_on: h.printed_on.map(date),
            note: h.note,
        }
    }
}

impl From<core::OpinionEntry> for OpinionEntry {
    fn from(o: core::OpinionEntry) -> Self {
        OpinionEntry {
            task_id: o.task_id,
            node_name: o.node_name,
            author: o.author.into(),
            on_behalf_of: o.on_behalf_of.map(Into::into),
            entered_by: o.entered_by.map(Into::into),
            at: o.at.map(time),
            attitude: o.attitude.into(),
            text: o.text,
            has_handwriting: o.has_handwriting,
            has_audio: o.has_audio,
            handwriting: o.handwriting.map(Into::into),
            voice: o.audio.map(Into::into),
            pending: o.pending,
        }
    }
}

impl From<core::FlowStep> for FlowStep {
    fn from(s: core::FlowStep) -> Self {
        FlowStep {
            version: s.version,
            action: s.action.into(),
            actor: s.actor.into(),
            entered_by: s.entered_by.map(Into::into),
            on_behalf_of: s.on_behalf_of.map(Into::into),
            at: time(s.at),
            node_name: s.node_name,
            task_id: s.task_id,
            to: s.to.into_iter().map(Into::into).collect(),
            returned_to: s.returned_to,
            pending: s.pending,
        }
    }
}

impl From<core::DocumentDetail> for DocumentDetail {
    fn from(d: core::DocumentDetail) -> Self {
        DocumentDetail {
            document_id: d.document_id,
            head: d.head.into(),
            bodies: d
                .bodies
                .into_iter()
                .map(|b| BodyFile {
                    id: b.id,
                    stage: b.stage.into(),
                    format: b.format.into(),
                    media_type: b.media_type,
                    size: b.size,
                    sha256: b.sha256,
                    pages: b.pages,
                    created_at: b.created_at.map(time),
                    held: b.held,
                    current: b.current,
                    rendition: b.rendition.map(Into::into),
                    view_sha256: b.view_sha256,
                    view_media_type: b.view_media_type,
                })
                .collect(),
            attachments: d
                .attachments
                .into_iter()
                .map(|a| AttachmentFile {
                    id: a.id,
                    name: a.name,
                    media_type: a.media_type,
                    size: a.size,
                    sha256: a.sha256,
                    held: a.held,
                })
                .collect(),
            reading: d.reading.into(),
            deadline: d.deadline.map(Into::into),
            finished_at: d.finished_at.map(time),
            instance_id: d.instance_id,
            flow_name: d.flow_name,
            instance_state: d.instance_state.map(Into::into),
            initiator: d.initiator.map(Into::into),
            current_nodes: d.current_nodes,
            opinion_columns: d
                .opinion_columns
                .into_iter()
                .map(|c| OpinionColumn {
                    name: c.name,
                    opinions: c.opinions.into_iter().map(Into::into).collect(),
                })
                .collect(),
            flow_record: d.flow_record.into_iter().map(Into::into).collect(),
            my_task: d.my_task.map(|t| MyTask {
                item: t.item.into(),
                deadline: t.deadline.map(Into::into),
                unopened_body: t.unopened_body.into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_stay_instants_and_dates_stay_days() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let since_epoch = time(at)
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        assert_eq!(since_epoch, 1_772_438_400);
        let day = NaiveDate::from_ymd_opt(2026, 2, 28).map(date);
        assert_eq!(
            day,
            Some(CalendarDate {
                year: 2026,
                month: 2,
                day: 28
            })
        );
    }
}
