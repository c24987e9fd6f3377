//! Notices as a shell drives them: the list, opening (verified against the gateway's signature,
//! marked read at the gateway's time), replying under the form's rules offline, and what becomes
//! of each receipt state: accepted, refused (kept with its reason), or not sent at all.

use super::super::test_support::*;
use super::NoticeError;
use crate::client::ClientError;
use crate::model::{ReceiptError, RecipientStatus, Reply};
use crate::protocol::{Change, NoticeStatus};
use crate::store::{merge_status as merged, ReceiptRefusal};
use crate::sync::SyncError;
use chrono::{Duration, Utc};

const OFFLINE: &str = "http://127.0.0.1:1/";

fn reply(choice: &str, note: Option<&str>) -> (Option<String>, Option<String>) {
    (Some(choice.to_owned()), note.map(str::to_owned))
}

#[test]
fn the_list_shows_unread_notices_first_without_opening_them() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
    deliver(
        &client,
        &key,
        &[
            notice("old", "关于春耕的通知", 3, None),
            notice("new", "关于防汛的通知", 1, None),
            notice("older", "关于培训的通知", 5, None),
        ],
    );
    client.notice("new").unwrap();
    let list = client.notices(10, 0).unwrap();
    let order: Vec<(&str, bool)> = list.iter().map(|n| (n.id.as_str(), n.unread)).collect();
    assert_eq!(order, [("old", true), ("older", true), ("new", false)]);
    assert_eq!(list[0].title, "关于春耕的通知");
    assert_eq!(list[0].publisher.name, "办公室");
    assert!(list[0].receipt_required);
    assert!(list[0].replied_at.is_none());
    // Delivery is news for the gateway too: every notice waits to be confirmed.
    assert!(list.iter().all(|n| n.pending_send));
    assert_eq!(client.notices(1, 2).unwrap()[0].id, "new");
}

#[test]
fn opening_a_notice_shows_the_signed_text_and_marks_it_read_once_at_the_gateways_time() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    // The gateway's clock runs an hour ahead of this phone's.
    bind(&client, OFFLINE, Some(&key), 3_600_000);
    let sent = notice("n1", "关于春耕的通知", 1, None);
    deliver(&client, &key, std::slice::from_ref(&sent));
    let first = client.notice("n1").unwrap();
    assert_eq!(first.notice, sent);
    let read_at = first.status.read_at.unwrap();
    assert!(read_at > Utc::now() + Duration::minutes(59), "{read_at}");
    assert!(first.pending_send && first.can_reply);
    assert_eq!(first.form.choices.len(), 3);
    let again = client.notice("n1").unwrap();
    assert_eq!(
        again.status.read_at,
        Some(read_at),
        "a second read keeps the first time"
    );
    let queued = client.store().unwrap().receipts_to_send().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].1.read_at, Some(read_at));
    assert!(matches!(
        client.notice("missing"),
        Err(ClientError::Notice(NoticeError::NotFound(_)))
    ));
}

fn is_tampered<T: std::fmt::Debug>(result: Result<T, ClientError>) -> bool {
    matches!(
        result,
        Err(ClientError::Notice(NoticeError::Tampered { .. }))
    )
}

#[test]
fn a_notice_altered_on_the_phone_is_never_shown_as_genuine() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
    let a = notice("a", "关于春耕的通知", 1, None);
    let b = notice("b", "关于防汛的通知", 1, None);
    deliver(&client, &key, &[a.clone(), b.clone()]);
    let sql = |statement: &str| {
        client
            .store()
            .unwrap()
            .raw_connection()
            .execute(statement, [])
            .unwrap()
    };

    // The stored text changed.
    sql("UPDATE notices SET body = json_set(body, '$.body', '会议取消') WHERE id = 'a'");
    assert!(is_tampered(client.notice("a")));
    assert!(is_tampered(client.reply_notice(
        "a",
        Some("attend".into()),
        None
    )));
    let row = client.store().unwrap().notice("a").unwrap().unwrap();
    assert!(
        row.status.read_at.is_none(),
        "an unverified notice is not marked read"
    );

    // Another notice's signature in its place.
    sql("UPDATE notices SET signed = (SELECT signed FROM notices WHERE id = 'b') WHERE id = 'a'");
    assert!(is_tampered(client.notice("a")));

    // The right text signed by a key that is not the gateway's.
    let forged = gateway_key().sign(&b).unwrap();
    client
        .store()
        .unwrap()
        .raw_connection()
        .execute(
            "UPDATE notices SET signed = ?1 WHERE id = 'b'",
            [forged.as_base64()],
        )
        .unwrap();
    assert!(is_tampered(client.notice("b")));

    // A damaged signature, and none at all.
    sql("UPDATE notices SET signed = 'bm90IGEgc3RhdGVtZW50' WHERE id = 'b'");
    assert!(is_tampered(client.notice("b")));
    sql("UPDATE notices SET signed = NULL WHERE id = 'b'");
    assert!(is_tampered(client.notice("b")));
}

#[test]
fn without_the_gateways_key_no_notice_is_shown() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, None, 0);
    deliver(&client, &key, &[notice("n1", "关于春耕的通知", 1, None)]);
    assert_eq!(
        client.notices(10, 0).unwrap().len(),
        1,
        "the list needs no key"
    );
    assert!(matches!(
        client.notice("n1"),
        Err(ClientError::GatewayKeyUnknown)
    ));
}

#[test]
fn a_reply_against_the_form_is_refused_at_once_and_nothing_is_kept() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
    let mut closed = notice(
        "closed",
        "已截止的通知",
        3,
        Some(Utc::now() - Duration::days(1)),
    );
    closed.receipt_form = None;
    let mut info = notice("info", "无需回执的通知", 1, None);
    info.receipt_required = false;
    info.receipt_form = None;
    let mut strict = notice("strict", "需填备注的通知", 1, None);
    if let Some(form) = strict.receipt_form.as_mut() {
        form.note = crate::model::NoteRule::Required;
    }
    deliver(
        &client,
        &key,
        &[notice("open", "会议通知", 1, None), closed, info, strict],
    );
    let refused = |id: &str, (choice, note): (Option<String>, Option<String>)| match client
        .reply_notice(id, choice, note)
    {
        Err(ClientError::Notice(NoticeError::Reply(e))) => e,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(refused("open", (None, None)), ReceiptError::ChoiceRequired);
    assert_eq!(
        refused("open", reply("maybe", None)),
        ReceiptError::UnknownChoice("maybe".into())
    );
    assert!(matches!(
        refused("closed", (None, None)),
        ReceiptError::AfterDeadline { .. }
    ));
    assert_eq!(
        refused("info", (None, None)),
        ReceiptError::ReceiptNotRequired
    );
    assert_eq!(
        refused("strict", reply("attend", Some("  "))),
        ReceiptError::NoteRequired
    );
    for id in ["open", "closed", "info", "strict"] {
        let row = client.store().unwrap().notice(id).unwrap().unwrap();
        assert!(
            row.status.reply.is_none() && row.status.read_at.is_none(),
            "{id}"
        );
    }
    let closed = client.notice("closed").unwrap();
    assert!(!closed.can_reply, "past the deadline");
    assert!(!client.notice("info").unwrap().can_reply);
    let code = NoticeError::Reply(ReceiptError::ChoiceRequired).code();
    assert_eq!(code, "choice_required");
}

#[test]
fn a_reply_is_kept_here_first_and_a_new_one_replaces_it() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
    deliver(&client, &key, &[notice("n1", "会议通知", 1, None)]);
    let (choice, note) = reply("attend", Some(" 张三、李四 "));
    let detail = client.reply_notice("n1", choice, note).unwrap();
    let expected = Reply {
        choice: Some("attend".into()),
        note: Some("张三、李四".into()),
    };
    assert_eq!(detail.status.reply.as_ref(), Some(&expected));
    assert!(
        detail.status.read_at.is_some(),
        "a reply reads the notice too"
    );
    assert!(detail.pending_send);
    let first_at = detail.status.replied_at.unwrap();
    let (choice, note) = reply("attend", Some("张三、李四"));
    let same = client.reply_notice("n1", choice, note).unwrap();
    assert_eq!(
        same.status.replied_at,
        Some(first_at),
        "the same reply changes nothing"
    );
    let changed = client
        .reply_notice("n1", Some("absent".into()), None)
        .unwrap();
    assert_eq!(
        changed.status.reply.unwrap().choice.as_deref(),
        Some("absent")
    );
    let summary = &client.notices(10, 0).unwrap()[0];
    assert!(!summary.unread && summary.replied_at.is_some());
    let queued = client.store().unwrap().receipts_to_send().unwrap();
    assert_eq!(
        queued[0].1.reply.as_ref().unwrap().choice.as_deref(),
        Some("absent")
    );
}

#[test]
fn a_refused_reply_stays_visible_with_its_reason_and_is_not_sent_again() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
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
        .receipt_refused("n1", &refusal)
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
        .receipt_refused("n1", &refusal)
        .unwrap());
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

    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
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
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
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

    // Only the delivery recorded here waits: the other phone's read and reply show at once,
    // and the merged state still goes to the gateway.
    let other = elsewhere("attend", 40);
    apply(&client, vec![change("n1", ME, other.clone())]);
    let row = client.store().unwrap().notice("n1").unwrap().unwrap();
    assert!(!row.unread && row.changed_locally);
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
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
    deliver(&client, &key, &[notice("n1", "会议通知", 1, None)]);
    client
        .reply_notice("n1", Some("attend".into()), None)
        .unwrap();
    let before = client.store().unwrap().receipts_to_send().unwrap();
    assert!(matches!(
        client.sync().await,
        Err(ClientError::Sync(SyncError::Unreachable(_)))
    ));
    assert_eq!(client.store().unwrap().receipts_to_send().unwrap(), before);
    assert!(client.notice("n1").unwrap().pending_send);
}

#[test]
fn a_downloaded_notice_attachment_survives_the_purge() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
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
