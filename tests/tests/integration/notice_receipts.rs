//! 回执 (receipts of notices) against a real gateway: they follow the core's rules, in any order
//! and any number of times, a reply made offline before the deadline counts, every refusal has its
//! code, and the publisher's roster shrinks as people read and reply.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::{DateTime, Duration, Utc};
use qianpi_core::protocol::ReceiptOutcome;
use qianpi_tests::Harness;
use serde_json::json;
use units::notices::{
    accepted, code, ids, meeting, publish, published, read, receipt_changes, reply, roster,
    send_one, sorted,
};
use units::{audit_count, feed, get, operator, phone, send_receipts, unit};

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
    // The user's other phones learn the state held; the feed keeps only the newest change of it.
    let statuses = receipt_changes(&feed(&harness, &leader).await, &id);
    assert_eq!(statuses, [accepted(&changed).clone()]);
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
    // A reply the form refuses still records the read that came with it, and the refusal says
    // the state held; a time that cannot be true records nothing.
    let results = &answer.as_ref().unwrap().results;
    for result in &results[..5] {
        let ReceiptOutcome::Refused { status, .. } = &result.outcome else {
            panic!("{result:?}");
        };
        let held = status
            .as_ref()
            .expect("a form refusal carries the state held");
        assert!(held.read_at.is_some() && held.reply.is_none(), "{held:?}");
    }
    for result in &results[5..] {
        assert!(
            matches!(
                &result.outcome,
                ReceiptOutcome::Refused { status: None, .. }
            ),
            "{result:?}"
        );
    }
    for notice in [&plain, &noted, &silent] {
        let after = roster(&harness, &a, notice).await;
        assert!(ids(&after["unread"]).is_empty(), "{after}");
        assert!(after["recipients"][0]["reply"].is_null(), "{after}");
    }
    let replied = audit_count(&harness, "notice.replied", &noted).await;
    assert_eq!(replied, 0, "no refused reply was recorded");
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
