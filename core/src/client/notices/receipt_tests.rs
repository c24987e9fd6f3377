//! What becomes of each receipt state after it leaves the screen: kept with its reason when the
//! gateway refuses it (and not sent again), merged with what the gateway holds when accepted or
//! when the user's other phone changed it, left marked when the gateway cannot be reached; and a
//! notice's downloaded attachment outlives the retention purge.

use super::super::test_support::*;
use crate::client::ClientError;
use crate::link::LinkError;
use crate::model::{RecipientStatus, Reply};
use crate::protocol::{Change, NoticeStatus};
use crate::store::{merge_status as merged, ReceiptRefusal};
use chrono::{Duration, Utc};

#[test]
fn a_refused_reply_stays_visible_with_its_reason_and_is_not_sent_again() {
    let (_root, client, key) = offline_client();
    deliver(&client, &key, &[notice("n1", "会议通知", 1, None)]);
    let replied = client
        .reply_notice("n1", Some("attend".into()), None)
        .unwrap();
    let refusal = ReceiptRefusal {
        code: "after_deadline".into(),
        message_zh: "已过回执截止时间".into(),
        message_en: "the receipt deadline has passed".into(),
        status: replied.status.clone(),
        refused_at: Utc::now(),
    };
    assert!(client
        .store()
        .unwrap()
        .receipt_refused("n1", &refusal, None)
        .unwrap());
    let shown = client.notice("n1").unwrap();
    assert_eq!(shown.refusal.as_ref(), Some(&refusal));
    assert_eq!(
        shown.status.reply, replied.status.reply,
        "the reply is still shown"
    );
    assert!(!shown.pending_send);
    assert_eq!(
        client.notices(10, 0).unwrap()[0].refusal.as_ref(),
        Some(&refusal)
    );
    assert!(client
        .store()
        .unwrap()
        .receipts_to_send()
        .unwrap()
        .is_empty());

    // A newer reply supersedes the refusal and goes next time.
    let again = client
        .reply_notice("n1", Some("absent".into()), None)
        .unwrap();
    assert!(again.refusal.is_none() && again.pending_send);
    assert_eq!(client.store().unwrap().receipts_to_send().unwrap().len(), 1);
    // A refusal of the older state arriving late leaves the newer one marked.
    assert!(!client
        .store()
        .unwrap()
        .receipt_refused("n1", &refusal, None)
        .unwrap());
    assert_eq!(client.store().unwrap().receipts_to_send().unwrap().len(), 1);
}

#[test]
fn a_refused_reply_returns_to_the_gateways_state_and_the_same_reply_can_be_sent_again() {
    let (_root, client, key) = offline_client();
    deliver(&client, &key, &[notice("n1", "会议通知", 1, None)]);
    let replied = client
        .reply_notice("n1", Some("attend".into()), None)
        .unwrap();
    // The gateway kept the read that came with the reply, and no reply.
    let held = RecipientStatus {
        reply: None,
        replied_at: None,
        ..replied.status.clone()
    };
    let refusal = ReceiptRefusal {
        code: "from_future".into(),
        message_zh: "回执时间晚于服务器时间".into(),
        message_en: "the receipt claims a time in the future".into(),
        status: replied.status.clone(),
        refused_at: Utc::now(),
    };
    assert!(client
        .store()
        .unwrap()
        .receipt_refused("n1", &refusal, Some(&held))
        .unwrap());
    let shown = client.notice("n1").unwrap();
    assert_eq!(
        shown.refusal.as_ref(),
        Some(&refusal),
        "the reason stays visible"
    );
    assert_eq!(
        shown.status.reply, None,
        "the refused reply is not shown as given"
    );
    assert!(shown.status.read_at.is_some());
    // The same reply again is a change, and goes at the next sync.
    let again = client
        .reply_notice("n1", Some("attend".into()), None)
        .unwrap();
    assert!(again.pending_send && again.status.reply.is_some());
    assert_eq!(client.store().unwrap().receipts_to_send().unwrap().len(), 1);
}

#[test]
fn an_accepted_state_takes_what_the_gateway_holds_without_losing_the_reply() {
    let at = |h: i64| Utc::now() - Duration::hours(h);
    let sent = RecipientStatus {
        delivered_at: Some(at(5)),
        read_at: Some(at(2)),
        replied_at: Some(at(2)),
        reply: Some(Reply {
            choice: Some("attend".into()),
            note: None,
        }),
    };
    // Read first on another phone; the gateway echoes no reply.
    let held = RecipientStatus {
        delivered_at: Some(at(6)),
        read_at: Some(at(4)),
        replied_at: None,
        reply: None,
    };
    let kept = merged(&sent, &held);
    assert_eq!(kept.delivered_at, held.delivered_at);
    assert_eq!(kept.read_at, held.read_at);
    assert_eq!(kept.reply, sent.reply);
    // A reply the gateway holds (a newer one from the other phone) wins.
    let other = RecipientStatus {
        replied_at: Some(at(1)),
        reply: Some(Reply {
            choice: Some("absent".into()),
            note: None,
        }),
        ..held
    };
    assert_eq!(merged(&sent, &other).reply, other.reply);

    let (_root, client, key) = offline_client();
    deliver(&client, &key, &[notice("n1", "会议通知", 1, None)]);
    let status = client.notice("n1").unwrap().status;
    let mut store = client.store().unwrap();
    assert!(store
        .receipt_sent("n1", &status, &merged(&status, &held))
        .unwrap());
    let row = store.notice("n1").unwrap().unwrap();
    assert_eq!(row.status.read_at, held.read_at);
    assert!(!row.changed_locally);
}

#[test]
fn the_gateways_state_from_another_phone_is_merged_with_a_change_still_waiting_here() {
    let (_root, client, key) = offline_client();
    deliver(
        &client,
        &key,
        &[
            notice("n1", "会议通知", 1, None),
            notice("n2", "培训通知", 1, None),
        ],
    );
    let at = |minutes: i64| Some(Utc::now() - Duration::minutes(minutes));
    let elsewhere = |choice: &str, replied: i64| RecipientStatus {
        delivered_at: at(60),
        read_at: at(50),
        replied_at: at(replied),
        reply: Some(Reply {
            choice: Some(choice.into()),
            note: None,
        }),
    };
    let change = |notice: &str, user: &str, status: RecipientStatus| Change::Receipt {
        status: NoticeStatus {
            notice_id: notice.into(),
            user_id: user.into(),
            status,
        },
    };
    // Someone else's state is never filed as this user's.
    apply(
        &client,
        vec![change("n1", "someone-else", elsewhere("attend", 40))],
    );
    assert!(client.notices(10, 0).unwrap().iter().all(|n| n.unread));

    // Nothing waits here (a delivery is reported by the cursor, not sent): the other phone's
    // read and reply show at once, as the gateway holds them.
    let other = elsewhere("attend", 40);
    apply(&client, vec![change("n1", ME, other.clone())]);
    let row = client.store().unwrap().notice("n1").unwrap().unwrap();
    assert!(!row.unread && !row.changed_locally);
    assert_eq!(
        row.status, other,
        "the earlier delivery and read, and the reply"
    );

    // A newer reply made here stands against an older one from the other phone.
    client
        .reply_notice("n2", Some("absent".into()), None)
        .unwrap();
    apply(&client, vec![change("n2", ME, elsewhere("attend", 40))]);
    let row = client.store().unwrap().notice("n2").unwrap().unwrap();
    assert_eq!(row.status.reply.unwrap().choice.as_deref(), Some("absent"));
    assert!(row.changed_locally);

    // Once nothing waits here, the gateway's copy is the truth.
    let sent = client
        .store()
        .unwrap()
        .notice("n2")
        .unwrap()
        .unwrap()
        .status;
    client
        .store()
        .unwrap()
        .receipt_sent("n2", &sent, &sent)
        .unwrap();
    apply(&client, vec![change("n2", ME, elsewhere("attend", 1))]);
    let summary = client.store().unwrap().notice("n2").unwrap().unwrap();
    assert_eq!(
        summary.status.reply.unwrap().choice.as_deref(),
        Some("attend")
    );
    assert!(!summary.changed_locally);
}

#[tokio::test]
async fn a_sync_that_cannot_reach_the_gateway_leaves_every_receipt_marked() {
    let (_root, client, key) = offline_client();
    deliver(&client, &key, &[notice("n1", "会议通知", 1, None)]);
    client
        .reply_notice("n1", Some("attend".into()), None)
        .unwrap();
    let before = client.store().unwrap().receipts_to_send().unwrap();
    assert!(matches!(
        client.sync().await,
        Err(ClientError::Link(LinkError::Unreachable(_)))
    ));
    assert_eq!(client.store().unwrap().receipts_to_send().unwrap(), before);
    assert!(client.notice("n1").unwrap().pending_send);
}

#[test]
fn a_downloaded_notice_attachment_survives_the_purge() {
    let (_root, client, key) = offline_client();
    let content = "附件：春耕备耕任务分解表".as_bytes();
    let sha: String = crate::crypto::sha256(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut with_file = notice("n1", "会议通知", 1, None);
    with_file.attachments.push(crate::model::Attachment {
        id: "a1".into(),
        name: "任务分解表".into(),
        media_type: "application/pdf".into(),
        size: content.len() as u64,
        sha256: sha.clone(),
    });
    deliver(&client, &key, &[with_file]);
    assert!(!client.notice("n1").unwrap().attachments[0].stored);
    client.store_file(&sha, content).unwrap();
    let report = client.purge().unwrap();
    assert!(report.orphan_files.is_empty(), "{report:?}");
    let mut out = Vec::new();
    client.read_file(&sha, &mut out).unwrap();
    assert_eq!(out, content);
    assert!(client.notice("n1").unwrap().attachments[0].stored);
}
