//! Notices (通知公告) and their receipts (回执) against a real gateway: a published notice reaches
//! exactly its recipients, signed so the phone can check it with the key it got at activation;
//! one unit can neither see another's notices nor address its people; receipts follow the core's
//! rules, in any order and any number of times, and the publisher's roster shrinks as people read
//! and reply.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod units;

use chrono::{DateTime, Duration, Utc};
use qianpi_core::model::{Notice, RecipientStatus, Reply};
use qianpi_core::protocol::statement::GatewayKey;
use qianpi_core::protocol::{Change, ReceiptOutcome, ReceiptResult, ReceiptUpdate};
use qianpi_tests::{error_code, Harness, Phone};
use serde_json::{json, Value};
use units::{
    audit_count, feed, fetch, file, get, operator, phone, post, send_receipts, sha256, unit,
    upload, Unit,
};

/// Publishes `notice` in `unit`: the status and answer.
async fn publish(harness: &Harness, unit: &Unit, notice: Value) -> (u16, Value) {
    post(
        harness,
        &unit.token,
        &format!("/units/{}/notices", unit.id),
        notice,
    )
    .await
}

/// A notice of `unit` to `scope` requiring a reply on the attendance form, due in `due`.
fn meeting(unit: &Unit, scope: Value, due: Duration) -> Value {
    json!({
        "title": "关于召开安全生产工作会议的通知",
        "body": "定于本周五上午九时在三楼会议室召开安全生产工作会议，请准时参加。",
        "publisher": unit.admin,
        "scope": scope,
        "receipt_required": true,
        "receipt_form": {
            "choices": [
                { "id": "attend", "label": "参加" },
                { "id": "absent", "label": "不参加" },
                { "id": "undecided", "label": "待定" }
            ],
            "note": "optional"
        },
        "receipt_deadline": Utc::now() + due,
    })
}

/// Publishes and returns the new notice's id.
async fn published(harness: &Harness, unit: &Unit, notice: Value) -> String {
    let (status, body) = publish(harness, unit, notice).await;
    assert_eq!(status, 201, "{body}");
    body["notice"]["id"].as_str().unwrap().to_owned()
}

fn read(notice: &str, at: DateTime<Utc>) -> ReceiptUpdate {
    ReceiptUpdate {
        notice_id: notice.to_owned(),
        status: RecipientStatus {
            delivered_at: Some(at),
            read_at: Some(at),
            ..Default::default()
        },
    }
}

fn reply(
    notice: &str,
    choice: Option<&str>,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> ReceiptUpdate {
    ReceiptUpdate {
        notice_id: notice.to_owned(),
        status: RecipientStatus {
            delivered_at: Some(at),
            read_at: Some(at),
            replied_at: Some(at),
            reply: Some(Reply {
                choice: choice.map(str::to_owned),
                note: note.map(str::to_owned),
            }),
        },
    }
}

/// The refusal code of a result, or `accepted`.
fn code(result: &ReceiptResult) -> &str {
    match &result.outcome {
        ReceiptOutcome::Accepted { .. } => "accepted",
        ReceiptOutcome::Refused { code, .. } => code,
    }
}

/// The state an accepted result carries.
fn accepted(result: &ReceiptResult) -> &RecipientStatus {
    match &result.outcome {
        ReceiptOutcome::Accepted { status } => status,
        ReceiptOutcome::Refused { code, .. } => panic!("refused: {code}"),
    }
}

/// Sends one receipt and returns its result.
async fn send_one(harness: &Harness, phone: &Phone, update: ReceiptUpdate) -> ReceiptResult {
    let (status, answer) = send_receipts(harness, phone, vec![update]).await;
    assert_eq!(status, 200);
    answer.unwrap().results.remove(0)
}

async fn roster(harness: &Harness, unit: &Unit, notice: &str) -> Value {
    let path = format!("/units/{}/notices/{notice}/receipts", unit.id);
    let (status, body) = get(harness, &unit.token, &path).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    ids.sort();
    ids
}

/// The receipt changes for `notice` in a feed.
fn receipt_changes(changes: &[Change], notice: &str) -> Vec<RecipientStatus> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Receipt { status } if status.notice_id == notice => Some(status.status.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_published_notice_reaches_its_recipients_signed_and_nobody_else() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let staff = phone(&harness, &a, &a.staff, "staff-unit-a").await;
    let attachment = file(300_000, 1);
    let hash = sha256(&attachment);
    let (status, body) = upload(
        &harness,
        &a.token,
        "unit-a",
        &hash,
        "application/pdf",
        attachment.clone(),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let (status, body) = publish(
        &harness,
        &a,
        json!({
            "title": "关于国庆节放假安排的通知",
            "body": "10月1日至7日放假调休，共7天。",
            "attachments": [{ "id": "att-1", "name": "值班安排表", "media_type": "application/pdf",
                              "size": attachment.len(), "sha256": hash }],
            "publisher": a.admin,
            "scope": { "people": [a.leader] },
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["recipients"], 1);
    let id = body["notice"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("notice-"), "{id}");
    assert_eq!(body["notice"]["publisher"]["name"], "管理员");
    assert_eq!(body["notice"]["publisher"]["post"], "办公室副主任");

    // The recipient's feed holds the notice and its signed copy, which verifies under the key
    // the phone learned at activation and decodes to the very notice published.
    let changes = feed(&harness, &leader).await;
    let (notice, signed) = changes
        .iter()
        .find_map(|c| match c {
            Change::Notice { notice, signed } if notice.id == id => Some((notice, signed)),
            _ => None,
        })
        .expect("the recipient's feed lacks the notice");
    let key = leader.account().gateway_key.unwrap();
    let verified: Notice = signed.verify(&key).unwrap();
    assert_eq!(&verified, notice.as_ref());
    assert_eq!(serde_json::to_value(&verified).unwrap(), body["notice"]);
    let stranger = GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap();
    assert!(signed.verify(stranger.public()).is_err());
    // The phone's core files the page with the notice.
    leader.client.sync().await.unwrap();

    // Nobody else gets it, nor its attachment.
    let others = feed(&harness, &staff).await;
    assert!(
        !others.iter().any(|c| matches!(c, Change::Notice { .. })),
        "a non-recipient received the notice"
    );
    let response = fetch(&harness, &leader, &hash, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        attachment.as_slice()
    );
    let response = fetch(&harness, &staff, &hash, &[]).await;
    assert_eq!(error_code(response).await, (404, "no_such_blob".to_owned()));

    assert_eq!(audit_count(&harness, "notice.published", &id).await, 1);
    let (status, list) = get(&harness, &a.token, "/units/unit-a/notices").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["title"], "关于国庆节放假安排的通知");
    assert_eq!(
        (&list[0]["recipients"], &list[0]["read"]),
        (&json!(1), &json!(0))
    );
}

#[tokio::test]
async fn one_unit_neither_sees_another_units_notices_nor_addresses_its_people() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let b = unit(&harness, &op, "unit-b").await;
    let b_leader = phone(&harness, &b, &b.leader, "zhangsan").await;
    let id = published(
        &harness,
        &a,
        meeting(&a, json!({ "units": ["unit-a"] }), Duration::hours(1)),
    )
    .await;
    let b_file = file(1000, 9);
    let b_hash = sha256(&b_file);
    let (status, _) = upload(&harness, &b.token, "unit-b", &b_hash, "text/plain", b_file).await;
    assert_eq!(status, 201);

    // Unit B's administrator cannot list or read unit A's notices, by either path.
    let (status, _) = get(&harness, &b.token, "/units/unit-a/notices").await;
    assert_eq!(status, 404);
    let (status, body) = get(
        &harness,
        &b.token,
        &format!("/units/unit-b/notices/{id}/receipts"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("no_such_notice"))
    );
    let (status, _) = get(
        &harness,
        &b.token,
        &format!("/units/unit-a/notices/{id}/receipts"),
    )
    .await;
    assert_eq!(status, 404);
    // Unit B's phone cannot send a receipt for it: the same refusal as an unknown notice.
    let result = send_one(&harness, &b_leader, read(&id, Utc::now())).await;
    assert_eq!(code(&result), "no_such_notice");
    let result = send_one(&harness, &b_leader, read("notice-nope", Utc::now())).await;
    assert_eq!(code(&result), "no_such_notice");

    // Unit A cannot address unit B, its people, or its files, and every refusal stores nothing.
    let base = |scope: Value| meeting(&a, scope, Duration::hours(1));
    let mut with_b_file = base(json!({ "units": ["unit-a"] }));
    with_b_file["attachments"] = json!([{ "id": "x", "name": "附件", "media_type": "text/plain",
                                          "size": 1000, "sha256": b_hash }]);
    let mut b_publisher = base(json!({ "units": ["unit-a"] }));
    b_publisher["publisher"] = json!(b.admin);
    let mut untitled = base(json!({ "units": ["unit-a"] }));
    untitled["title"] = json!("  ");
    let mut duplicate = base(json!({ "units": ["unit-a"] }));
    duplicate["id"] = json!(id);
    let mut unknown_field = base(json!({ "units": ["unit-a"] }));
    unknown_field["secrecy"] = json!("secret");
    for (notice, status, expected) in [
        (
            base(json!({ "people": [b.leader] })),
            400,
            "unknown_recipient",
        ),
        (
            base(json!({ "units": ["unit-b"] })),
            400,
            "unknown_recipient",
        ),
        (
            base(json!({ "departments": ["dept-1"] })),
            400,
            "unsupported_scope",
        ),
        (base(json!({})), 400, "invalid_notice"),
        (with_b_file, 400, "missing_blob"),
        (b_publisher, 400, "unknown_publisher"),
        (untitled, 400, "invalid_notice"),
        (duplicate, 409, "notice_exists"),
        (unknown_field, 400, "malformed_body"),
    ] {
        let (got, body) = publish(&harness, &a, notice).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(expected)),
            "{body}"
        );
    }
    let (_, list) = get(&harness, &a.token, "/units/unit-a/notices").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let b_feed = feed(&harness, &b_leader).await;
    assert!(!b_feed.iter().any(|c| matches!(c, Change::Notice { .. })));
    // Unit B's own notice list is empty, and its roster path knows nothing of A's notice.
    let (status, list) = get(&harness, &b.token, "/units/unit-b/notices").await;
    assert_eq!((status, list), (200, json!([])));
}

#[tokio::test]
async fn receipts_are_idempotent_order_independent_and_shrink_the_roster() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let id = published(
        &harness,
        &a,
        meeting(&a, json!({ "units": ["unit-a"] }), Duration::hours(1)),
    )
    .await;
    let everyone = sorted(&[&a.admin, &a.leader, &a.staff, &a.secretary]);
    let before = roster(&harness, &a, &id).await;
    assert_eq!(ids(&before["unread"]), everyone);
    assert_eq!(ids(&before["unreplied"]), everyone);
    assert_eq!(before["recipients"].as_array().unwrap().len(), 4);

    // 已读: recorded once, audited once, sent to the user's feed once.
    let at = Utc::now() - Duration::seconds(30);
    let first = send_one(&harness, &leader, read(&id, at)).await;
    assert_eq!(accepted(&first).read_at, Some(at));
    let again = send_one(&harness, &leader, read(&id, at)).await;
    assert_eq!(accepted(&again), accepted(&first));
    assert_eq!(audit_count(&harness, "notice.read", &id).await, 1);
    assert_eq!(
        receipt_changes(&feed(&harness, &leader).await, &id).len(),
        1
    );
    let after_read = roster(&harness, &a, &id).await;
    let unread: Vec<String> = everyone
        .iter()
        .filter(|u| **u != a.leader)
        .cloned()
        .collect();
    assert_eq!(ids(&after_read["unread"]), unread);
    assert_eq!(ids(&after_read["unreplied"]), everyone);

    // 回执: the reply lands, a resend changes nothing.
    let replied = Utc::now() - Duration::seconds(10);
    let result = send_one(
        &harness,
        &leader,
        reply(&id, Some("attend"), Some("带一名科员"), replied),
    )
    .await;
    let status = accepted(&result).clone();
    assert_eq!(status.replied_at, Some(replied));
    assert_eq!(status.read_at, Some(at), "the first read time stays");
    assert_eq!(
        status.reply.as_ref().unwrap().choice.as_deref(),
        Some("attend")
    );
    let resent = send_one(
        &harness,
        &leader,
        reply(&id, Some("attend"), Some("带一名科员"), replied),
    )
    .await;
    assert_eq!(accepted(&resent), &status);
    assert_eq!(audit_count(&harness, "notice.replied", &id).await, 1);

    // A reply made earlier on another phone arrives late: the newer one stands.
    let older = send_one(
        &harness,
        &leader,
        reply(&id, Some("absent"), None, replied - Duration::seconds(5)),
    )
    .await;
    assert_eq!(accepted(&older), &status);
    assert_eq!(audit_count(&harness, "notice.replied", &id).await, 1);
    // A newer one replaces it (修改回执).
    let changed_at = Utc::now();
    let changed = send_one(
        &harness,
        &leader,
        reply(&id, Some("undecided"), None, changed_at),
    )
    .await;
    assert_eq!(
        accepted(&changed).reply.as_ref().unwrap().choice.as_deref(),
        Some("undecided")
    );
    assert_eq!(audit_count(&harness, "notice.replied", &id).await, 2);

    let after = roster(&harness, &a, &id).await;
    let unreplied: Vec<String> = everyone
        .iter()
        .filter(|u| **u != a.leader)
        .cloned()
        .collect();
    assert_eq!(ids(&after["unreplied"]), unreplied);
    let mine = after["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == a.leader.as_str())
        .unwrap();
    assert_eq!(mine["name"], "张三");
    assert_eq!(mine["reply"]["choice"], "undecided");
    assert!(mine["read_at"].is_string() && mine["delivered_at"].is_string());
    // The user's phones learn each change; the last one is the state held.
    let statuses = receipt_changes(&feed(&harness, &leader).await, &id);
    assert_eq!(statuses.len(), 3);
    assert_eq!(statuses.last(), Some(accepted(&changed)));
    let (_, list) = get(&harness, &a.token, "/units/unit-a/notices").await;
    assert_eq!(
        (&list[0]["read"], &list[0]["replied"]),
        (&json!(1), &json!(1))
    );
}

#[tokio::test]
async fn a_reply_made_offline_before_the_deadline_counts_and_a_late_one_is_refused() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let staff = phone(&harness, &a, &a.staff, "staff-unit-a").await;
    let (status, body) = publish(
        &harness,
        &a,
        meeting(&a, json!({ "units": ["unit-a"] }), Duration::seconds(2)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["notice"]["id"].as_str().unwrap().to_owned();
    let deadline: DateTime<Utc> =
        serde_json::from_value(body["notice"]["receipt_deadline"].clone()).unwrap();
    // Replied on the plane a second before the deadline, synced after landing.
    let offline = deadline - Duration::seconds(1);
    tokio::time::sleep(
        (deadline - Utc::now()).to_std().unwrap_or_default()
            + std::time::Duration::from_millis(500),
    )
    .await;
    let result = send_one(&harness, &leader, reply(&id, Some("attend"), None, offline)).await;
    assert_eq!(accepted(&result).replied_at, Some(offline));
    let late = send_one(
        &harness,
        &staff,
        reply(&id, Some("attend"), None, Utc::now()),
    )
    .await;
    assert_eq!(code(&late), "after_deadline");
    let ReceiptOutcome::Refused {
        message_zh,
        message_en,
        ..
    } = &late.outcome
    else {
        unreachable!()
    };
    assert!(!message_zh.is_empty() && !message_en.is_empty());
    // Reading is still recorded after the deadline; only replies close.
    let read_late = send_one(&harness, &staff, read(&id, Utc::now())).await;
    assert!(accepted(&read_late).replied_at.is_none());
    let after = roster(&harness, &a, &id).await;
    assert!(ids(&after["unreplied"]).contains(&a.staff));
    assert!(!ids(&after["unreplied"]).contains(&a.leader));
}

#[tokio::test]
async fn receipts_that_break_the_form_or_the_clock_are_refused_with_their_codes() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let secretary = phone(&harness, &a, &a.secretary, "secretary-unit-a").await;
    let to_leader = json!({ "people": [a.leader] });
    let plain = published(
        &harness,
        &a,
        json!({ "title": "通报", "body": "正文", "publisher": a.admin, "scope": to_leader }),
    )
    .await;
    let mut noted = meeting(&a, to_leader.clone(), Duration::hours(1));
    noted["receipt_form"]["note"] = json!("required");
    let noted = published(&harness, &a, noted).await;
    let mut silent = meeting(&a, to_leader.clone(), Duration::hours(1));
    silent["receipt_form"]["note"] = json!("forbidden");
    let silent = published(&harness, &a, silent).await;

    let now = Utc::now();
    let mut no_time = reply(&noted, Some("attend"), Some("两人"), now);
    no_time.status.replied_at = None;
    let batch = vec![
        reply(&plain, None, None, now),
        reply(&noted, None, Some("两人"), now),
        reply(&noted, Some("maybe"), Some("两人"), now),
        reply(&noted, Some("attend"), None, now),
        reply(&silent, Some("attend"), Some("两人"), now),
        read(&noted, now + Duration::minutes(5)),
        read(&noted, now - Duration::hours(1)),
        no_time,
    ];
    let (status, answer) = send_receipts(&harness, &leader, batch).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = answer.as_ref().unwrap().results.iter().map(code).collect();
    assert_eq!(
        codes,
        [
            "receipt_not_required",
            "choice_required",
            "unknown_choice",
            "note_required",
            "note_not_allowed",
            "from_future",
            "before_published",
            "malformed_receipt",
        ]
    );
    // Someone outside the scope is told the notice does not exist.
    let outsider = send_one(&harness, &secretary, read(&noted, now)).await;
    assert_eq!(code(&outsider), "no_such_notice");
    // Nothing of it was recorded.
    for notice in [&plain, &noted, &silent] {
        let after = roster(&harness, &a, notice).await;
        assert_eq!(ids(&after["unread"]), vec![a.leader.clone()]);
    }
    assert!(receipt_changes(&feed(&harness, &leader).await, &noted).is_empty());
    // A plain notice is read without a reply, and asks no reply of anyone.
    let result = send_one(&harness, &leader, read(&plain, now)).await;
    assert_eq!(code(&result), "accepted");
    let after = roster(&harness, &a, &plain).await;
    assert_eq!(
        (after["unread"].clone(), after["unreplied"].clone()),
        (json!([]), json!([]))
    );

    // A batch over the limit is refused whole.
    let many = (0..65).map(|_| read(&plain, now)).collect();
    let (status, _) = send_receipts(&harness, &leader, many).await;
    assert_eq!(status, 413);
}
