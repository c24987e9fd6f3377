//! Notices as a shell drives them: the list, opening (verified against the gateway's signature,
//! marked read at the gateway's time), and replying under the form's rules, offline.

use super::super::test_support::*;
use super::NoticeError;
use crate::client::ClientError;
use crate::model::{ReceiptError, Reply};
use chrono::{Duration, Utc};

fn reply(choice: &str, note: Option<&str>) -> (Option<String>, Option<String>) {
    (Some(choice.to_owned()), note.map(str::to_owned))
}

#[test]
fn the_list_shows_unread_notices_first_without_opening_them() {
    let (_root, client, key) = offline_client();
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
    // A delivery is reported by the next pull's cursor, not sent as a 回执: only the notice
    // opened here waits to be sent.
    let pending: Vec<(&str, bool)> = list
        .iter()
        .map(|n| (n.id.as_str(), n.pending_send))
        .collect();
    assert_eq!(pending, [("old", false), ("older", false), ("new", true)]);
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
    let (_root, client, key) = offline_client();
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

    // The stored text changed: refused when opened, flagged in the list.
    sql("UPDATE notices SET body = json_set(body, '$.body', '会议取消') WHERE id = 'a'");
    assert!(is_tampered(client.notice("a")));
    let listed = client.notices(10, 0).unwrap();
    let flagged: Vec<(&str, bool)> = listed.iter().map(|n| (n.id.as_str(), n.tampered)).collect();
    assert!(
        flagged.contains(&("a", true)) && flagged.contains(&("b", false)),
        "{flagged:?}"
    );
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
    // Neither the list nor the notice: without the key nothing can be checked.
    assert!(matches!(
        client.notices(10, 0),
        Err(ClientError::GatewayKeyUnknown)
    ));
    assert!(matches!(
        client.notice("n1"),
        Err(ClientError::GatewayKeyUnknown)
    ));
}

#[test]
fn a_reply_against_the_form_is_refused_at_once_and_nothing_is_kept() {
    let (_root, client, key) = offline_client();
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
    let (_root, client, key) = offline_client();
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
