//! Tests of the 回执 operations: delivery, the idempotent read, replying with each of its
//! refusals, and what the publisher sees of who has not read or replied.

use super::document_tests::at;
use super::notice_tests::{attend, meeting, roster, BEFORE};
use super::*;

/// `reply` by user-zhao to `notice` at `when`, on a fresh roster.
fn reply_refusal(notice: &Notice, reply: Reply, when: &str) -> ReceiptError {
    roster()
        .reply(notice, "user-zhao", reply, at(when))
        .unwrap_err()
}

#[test]
fn delivery_and_reading_keep_the_first_time() {
    let mut receipts = roster();
    receipts
        .mark_delivered("user-wang", at("2026-03-02T08:01:00+08:00"))
        .unwrap();
    receipts
        .mark_delivered("user-wang", at("2026-03-02T08:05:00+08:00"))
        .unwrap();
    receipts
        .mark_read("user-wang", at("2026-03-02T09:00:00+08:00"))
        .unwrap();
    receipts
        .mark_read("user-wang", at("2026-03-03T09:00:00+08:00"))
        .unwrap();
    let status = receipts.status("user-wang").unwrap();
    assert_eq!(status.delivered_at, Some(at("2026-03-02T08:01:00+08:00")));
    assert_eq!(status.read_at, Some(at("2026-03-02T09:00:00+08:00")));
}

#[test]
fn reads_reported_out_of_order_keep_the_earliest_time() {
    let (first, later) = (
        at("2026-03-02T09:00:00+08:00"),
        at("2026-03-02T11:00:00+08:00"),
    );
    // One phone's read arrives after the other's later one: the result is the same either way.
    let mut forward = RecipientStatus::default();
    forward.mark_read(first);
    forward.mark_read(later);
    let mut backward = RecipientStatus::default();
    backward.mark_delivered(later);
    backward.mark_read(later);
    backward.mark_read(first);
    assert_eq!(forward, backward);
    assert_eq!(backward.read_at, Some(first));
    assert_eq!(
        backward.delivered_at,
        Some(first),
        "delivered no later than read"
    );
}

#[test]
fn reading_an_undelivered_notice_counts_as_delivered() {
    let mut status = RecipientStatus::default();
    status.mark_read(at(BEFORE));
    assert_eq!(status.delivered_at, Some(at(BEFORE)));
}

#[test]
fn replying_records_the_reply_and_implies_read() {
    let mut receipts = roster();
    receipts
        .reply(&meeting(), "user-zhao", attend(), at(BEFORE))
        .unwrap();
    let status = receipts.status("user-zhao").unwrap();
    assert_eq!(status.reply, Some(attend()));
    assert_eq!(status.replied_at, Some(at(BEFORE)));
    assert_eq!(status.read_at, Some(at(BEFORE)));
    assert_eq!(status.delivered_at, Some(at(BEFORE)));
}

#[test]
fn a_reply_is_trimmed_and_a_blank_note_is_no_note() {
    let mut status = RecipientStatus::default();
    let reply = Reply {
        choice: Some(" attend ".into()),
        note: Some("  ".into()),
    };
    status.reply(&meeting(), reply, at(BEFORE)).unwrap();
    assert_eq!(status.reply, Some(attend()));
}

#[test]
fn resending_the_same_reply_changes_nothing_even_after_the_deadline() {
    let mut receipts = roster();
    receipts
        .reply(&meeting(), "user-zhao", attend(), at(BEFORE))
        .unwrap();
    let before = receipts.clone();
    receipts
        .reply(
            &meeting(),
            "user-zhao",
            attend(),
            at("2026-03-05T09:00:00+08:00"),
        )
        .unwrap();
    assert_eq!(receipts, before);
}

#[test]
fn a_different_reply_before_the_deadline_replaces_the_first() {
    let mut receipts = roster();
    receipts
        .reply(&meeting(), "user-zhao", attend(), at(BEFORE))
        .unwrap();
    let later = at("2026-03-04T12:00:00+08:00");
    let undecided = Reply {
        choice: Some("undecided".into()),
        note: Some("视出差情况而定".into()),
    };
    receipts
        .reply(&meeting(), "user-zhao", undecided.clone(), later)
        .unwrap();
    let status = receipts.status("user-zhao").unwrap();
    assert_eq!(status.reply, Some(undecided));
    assert_eq!(status.replied_at, Some(later));
    assert_eq!(status.read_at, Some(at(BEFORE)));
}

#[test]
fn a_reply_at_the_deadline_is_accepted() {
    let mut receipts = roster();
    receipts
        .reply(
            &meeting(),
            "user-zhao",
            attend(),
            at("2026-03-04T17:00:00+08:00"),
        )
        .unwrap();
}

#[test]
fn a_plain_acknowledgement_needs_no_choice() {
    let mut notice = meeting();
    notice.receipt_form = None;
    let mut status = RecipientStatus::default();
    status.reply(&notice, Reply::default(), at(BEFORE)).unwrap();
    assert!(status.replied_at.is_some());
}

#[test]
fn refuses_a_reply_from_someone_not_addressed() {
    let mut receipts = roster();
    let err = receipts
        .reply(&meeting(), "user-stranger", attend(), at(BEFORE))
        .unwrap_err();
    assert_eq!(err, ReceiptError::NotRecipient("user-stranger".into()));
    assert_eq!(receipts, roster());
}

#[test]
fn refuses_reading_or_delivery_for_someone_not_addressed() {
    let mut receipts = roster();
    assert_eq!(
        receipts.mark_read("user-stranger", at(BEFORE)),
        Err(ReceiptError::NotRecipient("user-stranger".into()))
    );
    assert_eq!(
        receipts.mark_delivered("user-stranger", at(BEFORE)),
        Err(ReceiptError::NotRecipient("user-stranger".into()))
    );
    assert_eq!(receipts, roster());
}

#[test]
fn refuses_a_reply_checked_against_another_notice() {
    let mut other = meeting();
    other.id = "n9".into();
    assert_eq!(
        reply_refusal(&other, attend(), BEFORE),
        ReceiptError::WrongNotice {
            expected: "n1".into(),
            got: "n9".into()
        }
    );
}

#[test]
fn refuses_a_reply_when_no_receipt_is_required() {
    let mut notice = meeting();
    notice.receipt_required = false;
    notice.receipt_form = None;
    notice.receipt_deadline = None;
    assert_eq!(
        reply_refusal(&notice, Reply::default(), BEFORE),
        ReceiptError::ReceiptNotRequired
    );
}

#[test]
fn refuses_a_reply_after_the_deadline() {
    assert_eq!(
        reply_refusal(&meeting(), attend(), "2026-03-04T17:00:01+08:00"),
        ReceiptError::AfterDeadline {
            deadline: at("2026-03-04T17:00:00+08:00")
        }
    );
}

#[test]
fn refuses_a_choice_the_form_does_not_offer() {
    let reply = Reply {
        choice: Some("参加".into()),
        note: None,
    };
    assert_eq!(
        reply_refusal(&meeting(), reply, BEFORE),
        ReceiptError::UnknownChoice("参加".into())
    );
    let mut plain = meeting();
    plain.receipt_form = None;
    assert_eq!(
        reply_refusal(&plain, attend(), BEFORE),
        ReceiptError::UnknownChoice("attend".into())
    );
}

#[test]
fn refuses_a_reply_without_a_choice_when_the_form_has_choices() {
    let blank = Reply {
        choice: Some("  ".into()),
        note: Some("稍后确认".into()),
    };
    assert_eq!(
        reply_refusal(&meeting(), blank, BEFORE),
        ReceiptError::ChoiceRequired
    );
}

#[test]
fn refuses_a_reply_without_a_required_note() {
    let mut notice = meeting();
    if let Some(form) = notice.receipt_form.as_mut() {
        form.note = NoteRule::Required;
    }
    assert_eq!(
        reply_refusal(&notice, attend(), BEFORE),
        ReceiptError::NoteRequired
    );
}

#[test]
fn refuses_a_note_the_form_does_not_take() {
    let mut notice = meeting();
    if let Some(form) = notice.receipt_form.as_mut() {
        form.note = NoteRule::Forbidden;
    }
    let reply = Reply {
        choice: Some("attend".into()),
        note: Some("带一名处长".into()),
    };
    assert_eq!(
        reply_refusal(&notice, reply, BEFORE),
        ReceiptError::NoteNotAllowed
    );
}

#[test]
fn a_refused_reply_changes_nothing() {
    let mut status = RecipientStatus::default();
    let err = status.reply(&meeting(), Reply::default(), at(BEFORE));
    assert_eq!(err, Err(ReceiptError::ChoiceRequired));
    assert_eq!(status, RecipientStatus::default());
}

#[test]
fn the_publisher_sees_who_has_not_read_and_not_replied() {
    let notice = meeting();
    let mut receipts = roster();
    assert_eq!(receipts.unread(), ["user-chen", "user-wang", "user-zhao"]);
    receipts.mark_read("user-wang", at(BEFORE)).unwrap();
    receipts
        .reply(&notice, "user-zhao", attend(), at(BEFORE))
        .unwrap();
    assert_eq!(receipts.unread(), ["user-chen"]);
    assert_eq!(
        receipts.unreplied(&notice).unwrap(),
        ["user-chen", "user-wang"]
    );
}

#[test]
fn nobody_is_waited_on_for_a_notice_without_receipt() {
    let mut notice = meeting();
    notice.receipt_required = false;
    assert_eq!(roster().unreplied(&notice).unwrap(), Vec::<&str>::new());
    assert_eq!(roster().unread().len(), 3);
}

#[test]
fn refuses_a_note_longer_than_a_receipt_holds_and_takes_one_at_the_limit() {
    let long = Reply {
        choice: Some("attend".into()),
        note: Some("参".repeat(MAX_NOTE_CHARS + 1)),
    };
    assert_eq!(
        reply_refusal(&meeting(), long, BEFORE),
        ReceiptError::NoteTooLong
    );
    let mut receipts = roster();
    let fits = Reply {
        choice: Some("attend".into()),
        note: Some("参".repeat(MAX_NOTE_CHARS)),
    };
    receipts
        .reply(&meeting(), "user-zhao", fits, at(BEFORE))
        .unwrap();
}

#[test]
fn every_refusal_has_its_own_stable_code() {
    let errors = [
        ReceiptError::NotRecipient("u".into()),
        ReceiptError::WrongNotice {
            expected: "a".into(),
            got: "b".into(),
        },
        ReceiptError::ReceiptNotRequired,
        ReceiptError::AfterDeadline {
            deadline: at(BEFORE),
        },
        ReceiptError::ChoiceRequired,
        ReceiptError::UnknownChoice("x".into()),
        ReceiptError::NoteRequired,
        ReceiptError::NoteNotAllowed,
        ReceiptError::NoteTooLong,
    ];
    let codes: std::collections::HashSet<&str> = errors.iter().map(ReceiptError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert!(errors.iter().all(|e| !e.message_zh().is_empty()));
}
