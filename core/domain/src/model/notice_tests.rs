//! Tests of 通知公告 as data: JSON round-trips of the notice and its receipts, and the notice's
//! own refusals. The shared fixtures (a meeting notice, its roster) live here.

use super::document_tests::{at, hash};
use super::*;

/// A meeting notice to a department and a leader, with the attendance form and a deadline.
pub(super) fn meeting() -> Notice {
    Notice {
        id: "n1".into(),
        title: "关于召开2026年春耕生产调度会的通知".into(),
        body: "定于3月5日上午9时在厅三楼会议室召开春耕生产调度会，请各处室负责同志参加。".into(),
        attachments: vec![Attachment {
            id: "na1".into(),
            name: "参会回执表".into(),
            media_type: "application/pdf".into(),
            size: 20_480,
            sha256: hash('d'),
        }],
        publisher: Identity {
            user_id: "user-li".into(),
            name: "李晓梅".into(),
            post: "秘书科科员".into(),
            unit_id: "unit-sxnyt".into(),
        },
        published_at: at("2026-03-02T08:00:00+08:00"),
        scope: NoticeScope {
            units: vec![],
            departments: vec!["dept-planting".into()],
            people: vec!["user-wang".into()],
        },
        receipt_required: true,
        receipt_form: Some(ReceiptForm::attendance()),
        receipt_deadline: Some(at("2026-03-04T17:00:00+08:00")),
    }
}

/// The recipients of `meeting()` once the gateway expanded its scope.
pub(super) fn roster() -> Receipts {
    Receipts::new("n1", ["user-wang", "user-zhao", "user-chen"])
}

pub(super) fn attend() -> Reply {
    Reply {
        choice: Some("attend".into()),
        note: None,
    }
}

pub(super) const BEFORE: &str = "2026-03-03T10:00:00+08:00";

#[test]
fn notice_and_receipts_round_trip_through_json() {
    let notice = meeting();
    notice.validate().unwrap();
    let json = serde_json::to_string(&notice).unwrap();
    assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), notice);

    let mut receipts = roster();
    receipts.mark_delivered("user-chen", at(BEFORE)).unwrap();
    receipts.mark_read("user-wang", at(BEFORE)).unwrap();
    receipts
        .reply(
            &notice,
            "user-zhao",
            Reply {
                choice: Some("absent".into()),
                note: Some("出差".into()),
            },
            at(BEFORE),
        )
        .unwrap();
    let json = serde_json::to_string(&receipts).unwrap();
    assert_eq!(serde_json::from_str::<Receipts>(&json).unwrap(), receipts);
    for status in receipts.recipients.values() {
        let json = serde_json::to_string(status).unwrap();
        assert_eq!(
            &serde_json::from_str::<RecipientStatus>(&json).unwrap(),
            status
        );
    }
}

#[test]
fn a_notice_without_receipt_needs_only_its_core_fields_in_json() {
    let json = r#"{"id":"n2","title":"端午节放假安排","body":"……",
        "publisher":{"user_id":"u","name":"办公室","post":"科员","unit_id":"unit"},
        "published_at":"2026-06-01T09:00:00Z","scope":{"units":["unit"]}}"#;
    let notice: Notice = serde_json::from_str(json).unwrap();
    assert!(!notice.receipt_required);
    assert_eq!(notice.receipt_form, None);
    notice.validate().unwrap();
}

/// Validates `meeting()` after `change`.
fn notice_refusal(change: impl FnOnce(&mut Notice)) -> NoticeError {
    let mut notice = meeting();
    change(&mut notice);
    notice.validate().unwrap_err()
}

#[test]
fn refuses_a_notice_without_id_or_title() {
    assert_eq!(notice_refusal(|n| n.id.clear()), NoticeError::EmptyId);
    assert_eq!(
        notice_refusal(|n| n.title = " ".into()),
        NoticeError::EmptyTitle
    );
}

#[test]
fn refuses_a_notice_addressed_to_nobody() {
    assert_eq!(
        notice_refusal(|n| n.scope = NoticeScope::default()),
        NoticeError::EmptyScope
    );
}

#[test]
fn refuses_a_notice_with_a_faulty_attachment() {
    assert_eq!(
        notice_refusal(|n| n.attachments[0].sha256 = hash('Z')),
        NoticeError::Attachment(AttachmentError::BadHash("na1".into()))
    );
}

#[test]
fn refuses_a_form_or_deadline_without_receipt() {
    assert_eq!(
        notice_refusal(|n| n.receipt_required = false),
        NoticeError::FormWithoutReceipt
    );
    assert_eq!(
        notice_refusal(|n| {
            n.receipt_required = false;
            n.receipt_form = None;
        }),
        NoticeError::DeadlineWithoutReceipt
    );
}

#[test]
fn refuses_a_deadline_not_after_publishing() {
    assert_eq!(
        notice_refusal(|n| n.receipt_deadline = Some(n.published_at)),
        NoticeError::DeadlineNotAfterPublish
    );
}

#[test]
fn refuses_a_blank_or_duplicate_choice() {
    assert_eq!(
        notice_refusal(|n| {
            if let Some(f) = n.receipt_form.as_mut() {
                f.choices[1].label.clear();
            }
        }),
        NoticeError::BlankChoice
    );
    assert_eq!(
        notice_refusal(|n| {
            if let Some(f) = n.receipt_form.as_mut() {
                f.choices[2].id = "attend".into();
            }
        }),
        NoticeError::DuplicateChoice("attend".into())
    );
}
