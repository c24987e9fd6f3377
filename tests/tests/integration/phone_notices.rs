//! Notices (通知公告) and files on a phone of the real core against a real gateway: a published
//! notice reaches the phone, is read and replied offline, and once synced the publisher's unread
//! and unreplied lists shrink (and the user's other phone learns the reply); a late reply is
//! refused on the phone at once, and a reply the gateway refuses stays on the phone with its
//! reason and is not sent again; an attachment downloads through a link that keeps cutting
//! connections, resumes after the phone restarts mid-download, and reads back identical from the
//! encrypted vault.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::{Duration, Utc};
use qianpi_core::client::{ClientError, Clock, NoticeError};
use qianpi_core::link::LinkError;
use qianpi_core::model::ReceiptError;
use qianpi_tests::proxy::{Faults, Proxy};
use qianpi_tests::{Harness, Phone};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use units::notices::roster;
use units::{
    file, operator, phone, phone_at, post, sha256, staff_behind_proxy, unit, upload, Unit,
};

/// The most bytes the phone asks for in one range request.
const PIECE: u64 = 256 * 1024;

/// Publishes a notice of `unit` to everyone in it, asking for an attendance reply due in `due`,
/// with `attachments`; returns its id.
async fn publish(harness: &Harness, unit: &Unit, due: Duration, attachments: Value) -> String {
    let (status, body) = post(
        harness,
        &unit.token,
        &format!("/units/{}/notices", unit.id),
        json!({
            "title": "关于召开安全生产工作会议的通知",
            "body": "定于本周五上午九时在三楼会议室召开安全生产工作会议，请准时参加。",
            "attachments": attachments,
            "publisher": unit.admin,
            "scope": { "units": [unit.id] },
            "receipt_required": true,
            "receipt_form": {
                "choices": [
                    { "id": "attend", "label": "参加" },
                    { "id": "absent", "label": "不参加" }
                ],
                "note": "optional"
            },
            "receipt_deadline": Utc::now() + due,
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["notice"]["id"].as_str().unwrap().to_owned()
}

fn listed(list: &Value, user: &str) -> bool {
    list.as_array().unwrap().iter().any(|v| v == user)
}

#[tokio::test]
async fn a_notice_read_and_replied_offline_reaches_the_publisher_and_the_users_other_phone() {
    let mut harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let staff = phone(&harness, &a, &a.staff, "staff-unit-a").await;
    let id = publish(&harness, &a, Duration::days(1), json!([])).await;

    staff.client.sync().await.unwrap();
    let list = staff.client.notices(20, 0).unwrap();
    let summary = list
        .iter()
        .find(|n| n.id == id)
        .expect("the notice arrived");
    assert!(summary.unread && summary.receipt_required);
    assert_eq!(summary.publisher.name, "管理员");
    let before = roster(&harness, &a, &id).await;
    assert!(listed(&before["unread"], &a.staff) && listed(&before["unreplied"], &a.staff));

    // On the plane: the notice is opened and answered with no gateway in reach.
    harness.stop_gateway().await.unwrap();
    let opened = staff.client.notice(&id).unwrap();
    assert_eq!(opened.notice.title, "关于召开安全生产工作会议的通知");
    assert!(opened.status.read_at.is_some() && opened.can_reply);
    let replied = staff
        .client
        .reply_notice(&id, Some("attend".into()), Some("带笔记本电脑".into()))
        .unwrap();
    assert!(replied.pending_send);
    assert!(matches!(
        staff.client.sync().await,
        Err(ClientError::Link(LinkError::Unreachable(_)))
    ));
    assert!(
        staff.client.notice(&id).unwrap().pending_send,
        "still waiting"
    );

    // Landed.
    harness.restart_gateway().await.unwrap();
    let report = staff.client.sync().await.unwrap();
    assert!(
        report.receipts_sent >= 1 && report.receipts_refused == 0,
        "{report:?}"
    );
    let after = roster(&harness, &a, &id).await;
    assert!(!listed(&after["unread"], &a.staff), "{after}");
    assert!(!listed(&after["unreplied"], &a.staff), "{after}");
    assert!(
        listed(&after["unread"], &a.leader),
        "the others have not read it"
    );
    let me = after["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == a.staff.as_str())
        .unwrap();
    assert_eq!(me["reply"]["choice"], "attend");
    assert_eq!(me["reply"]["note"], "带笔记本电脑");
    let settled = staff.client.notice(&id).unwrap();
    assert!(!settled.pending_send && settled.refusal.is_none());
    assert_eq!(settled.status.reply, replied.status.reply);
    let again = staff.client.sync().await.unwrap();
    assert_eq!((again.receipts_sent, again.receipts_refused), (0, 0));

    // The same user's second phone shows the reply made on the first.
    let second = phone_at(
        &harness,
        &a,
        (&a.staff, "staff-unit-a"),
        "second-phone",
        &harness.url(),
        None,
    )
    .await;
    second.client.sync().await.unwrap();
    let there = second.client.notices(20, 0).unwrap();
    let there = there.iter().find(|n| n.id == id).unwrap();
    assert!(!there.unread && there.replied_at.is_some(), "{there:?}");
    let detail = second.client.notice(&id).unwrap();
    assert_eq!(detail.status.reply, replied.status.reply);
}

#[tokio::test]
async fn a_late_reply_is_refused_at_once_and_one_the_gateway_refuses_stays_with_its_reason() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let skew = Arc::new(AtomicI64::new(0));
    let clock: Clock = {
        let skew = skew.clone();
        Arc::new(move || Utc::now() + Duration::seconds(skew.load(Ordering::SeqCst)))
    };
    let staff = phone_at(
        &harness,
        &a,
        (&a.staff, "staff-unit-a"),
        "staff",
        &harness.url(),
        Some(clock),
    )
    .await;
    let closing = publish(&harness, &a, Duration::seconds(2), json!([])).await;
    let open = publish(&harness, &a, Duration::days(1), json!([])).await;
    staff.client.sync().await.unwrap();
    staff.client.notice(&open).unwrap();
    staff.client.sync().await.unwrap();

    // Past the deadline the phone itself refuses, at once, and keeps nothing to send.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    match staff
        .client
        .reply_notice(&closing, Some("attend".into()), None)
    {
        Err(ClientError::Notice(e @ NoticeError::Reply(ReceiptError::AfterDeadline { .. }))) => {
            assert_eq!(e.code(), "after_deadline");
        }
        other => panic!("expected a refusal after the deadline, got {other:?}"),
    }
    assert!(!staff.client.notice(&closing).unwrap().can_reply);

    // The phone's clock jumps two hours ahead (set by hand, say) and the person replies: the
    // reply carries a time the gateway knows cannot be true, and is refused when it arrives.
    skew.store(2 * 3600, Ordering::SeqCst);
    let replied = staff
        .client
        .reply_notice(&open, Some("absent".into()), Some("出差".into()))
        .unwrap();
    let report = staff.client.sync().await.unwrap();
    assert_eq!(report.receipts_refused, 1, "{report:?}");

    let shown = staff.client.notice(&open).unwrap();
    let refusal = shown.refusal.clone().expect("the refusal is kept");
    assert_eq!(refusal.code, "from_future");
    assert!(!refusal.message_zh.is_empty() && !refusal.message_en.is_empty());
    assert_eq!(
        refusal.status.reply, replied.status.reply,
        "what was refused"
    );
    assert_eq!(shown.status.reply, replied.status.reply, "still shown");
    assert!(!shown.pending_send);
    let listed_refusal = staff.client.notices(20, 0).unwrap();
    let summary = listed_refusal.iter().find(|n| n.id == open).unwrap();
    assert_eq!(
        summary.refusal.as_ref().map(|r| r.code.as_str()),
        Some("from_future")
    );
    let again = staff.client.sync().await.unwrap();
    assert_eq!(
        (again.receipts_sent, again.receipts_refused),
        (0, 0),
        "not resent"
    );
    let roster = roster(&harness, &a, &open).await;
    assert!(listed(&roster["unreplied"], &a.staff));
    assert!(
        !listed(&roster["unread"], &a.staff),
        "the read before it still counts"
    );

    // With the clock learned anew, a fresh reply goes through and replaces the refusal.
    let fixed = staff
        .client
        .reply_notice(&open, Some("attend".into()), None)
        .unwrap();
    assert!(fixed.refusal.is_none() && fixed.pending_send);
    let report = staff.client.sync().await.unwrap();
    assert_eq!((report.receipts_sent, report.receipts_refused), (1, 0));
    let roster = self::roster(&harness, &a, &open).await;
    assert!(!listed(&roster["unreplied"], &a.staff), "{roster}");
}

/// A unit with an uploaded `len`-byte attachment on a notice to everyone, and the staff member's
/// phone reaching the gateway through a proxy; the attachment's bytes and hash.
async fn attachment_behind_proxy(
    harness: &Harness,
    len: usize,
) -> (Unit, Proxy, Phone, Vec<u8>, String) {
    let op = operator(harness).await;
    let a = unit(harness, &op, "unit-a").await;
    let bytes = file(len, 3);
    let hash = sha256(&bytes);
    let (status, body) = upload(
        harness,
        &a.token,
        &a.id,
        &hash,
        "application/pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let attachments = json!([{ "id": "att-1", "name": "会议议程", "media_type": "application/pdf",
                               "size": len, "sha256": hash }]);
    let id = publish(harness, &a, Duration::days(1), attachments).await;
    let (proxy, staff) = staff_behind_proxy(harness, &a).await;
    staff.client.sync().await.unwrap();
    let detail = staff.client.notice(&id).unwrap();
    assert_eq!(detail.attachments.len(), 1);
    assert!(!detail.attachments[0].stored);
    assert_eq!(detail.attachments[0].attachment.sha256, hash);
    (a, proxy, staff, bytes, hash)
}

fn read_back(phone: &Phone, hash: &str) -> Vec<u8> {
    let mut out = Vec::new();
    phone.client.read_file(hash, &mut out).unwrap();
    out
}

#[tokio::test]
async fn an_attachment_downloads_through_a_link_that_keeps_cutting_and_reads_back_identical() {
    let harness = Harness::start().await.unwrap();
    let (_, proxy, staff, bytes, hash) = attachment_behind_proxy(&harness, 700_000).await;
    // Every connection dies after 100 kB from the gateway, headers included.
    proxy.set(Faults {
        cut_after: Some(100_000),
        ..Faults::default()
    });
    assert_eq!(staff.client.download(&hash).await.unwrap(), 700_000);
    assert_eq!(read_back(&staff, &hash), bytes);
    let starts = proxy.range_starts();
    assert_eq!(starts.first(), Some(&0));
    assert!(
        starts.iter().any(|s| s % PIECE != 0),
        "a cut answer resumed from the byte after the last one received: {starts:?}"
    );
    assert!(
        starts.windows(2).all(|w| w[0] < w[1]),
        "never asked again: {starts:?}"
    );
    // Kept: no second transfer.
    proxy.set(Faults::default());
    assert_eq!(staff.client.download(&hash).await.unwrap(), 700_000);
    assert_eq!(proxy.range_starts().len(), starts.len());
    let notice = staff.client.notices(10, 0).unwrap()[0].id.clone();
    assert!(staff.client.notice(&notice).unwrap().attachments[0].stored);
}

#[tokio::test]
async fn a_download_cut_off_midway_resumes_after_the_phone_restarts() {
    let harness = Harness::start().await.unwrap();
    let (_, proxy, staff, bytes, hash) = attachment_behind_proxy(&harness, 900_000).await;
    // The link goes away for good after about 400 kB.
    proxy.set(Faults {
        budget: Some(400_000),
        ..Faults::default()
    });
    assert!(matches!(
        staff.client.download(&hash).await,
        Err(ClientError::Link(LinkError::Unreachable(_)))
    ));
    let asked = proxy.range_starts().len();
    let staff = staff.restart().unwrap();
    proxy.set(Faults::default());
    assert_eq!(staff.client.download(&hash).await.unwrap(), 900_000);
    assert_eq!(read_back(&staff, &hash), bytes);
    let resumed = proxy.range_starts()[asked];
    // Headers took part of the budget: the body bytes kept lie a little under it.
    assert!(
        resumed > PIECE && resumed < 400_000,
        "resumed at {resumed}, not from the start"
    );
}

#[tokio::test]
async fn a_download_killed_while_the_link_is_silent_resumes_after_the_last_byte_received() {
    let harness = Harness::start().await.unwrap();
    let (_, proxy, staff, bytes, hash) = attachment_behind_proxy(&harness, 300_000).await;
    // About 100 kB of the first piece pass, then the link goes silent, and the app is killed
    // while it waits (the call is dropped: nothing of it runs after).
    proxy.set(Faults {
        hold_after: Some(100_000),
        ..Faults::default()
    });
    let killed = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        staff.client.download(&hash),
    )
    .await;
    assert!(killed.is_err(), "{killed:?}");
    let asked = proxy.range_starts().len();
    let staff = staff.restart().unwrap();
    proxy.set(Faults::default());
    assert_eq!(staff.client.download(&hash).await.unwrap(), 300_000);
    assert_eq!(read_back(&staff, &hash), bytes);
    let resumed = proxy.range_starts()[asked];
    // Headers took part of the 100 kB: the body bytes kept lie a little under it.
    assert!(
        resumed > 90_000 && resumed < 100_000,
        "resumed at {resumed}, not after the last byte received"
    );
}

#[tokio::test]
async fn a_revoked_phone_asking_for_a_file_erases_itself_on_the_gateways_order() {
    let harness = Harness::start().await.unwrap();
    let (a, _proxy, staff, _, hash) = attachment_behind_proxy(&harness, 1000).await;
    let device = staff.account().device_id;
    let (status, body) = post(
        &harness,
        &a.token,
        &format!("/units/{}/devices/{device}/revoke", a.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(matches!(
        staff.client.download(&hash).await,
        Err(ClientError::Wiped(_))
    ));
    assert!(staff.client.is_locked());
}
