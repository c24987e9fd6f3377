//! Notices (通知公告) against a real gateway: a published notice reaches exactly its recipients,
//! signed so the phone can check it with the key it got at activation, with its attachments
//! shared with them alone; one unit can neither see another's notices nor address its people.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::{Duration, Utc};
use qianpi_core::model::Notice;
use qianpi_core::protocol::statement::GatewayKey;
use qianpi_core::protocol::Change;
use qianpi_tests::{error_code, Harness};
use serde_json::{json, Value};
use units::notices::{code, meeting, publish, published, read, send_one};
use units::{audit_count, feed, fetch, file, get, operator, phone, sha256, unit, upload};

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
    // Ids no notice can have (PostgreSQL refuses a NUL outright) are simply unknown too.
    let result = send_one(&harness, &b_leader, read("notice\u{0}x", Utc::now())).await;
    assert_eq!(code(&result), "no_such_notice");
    let (status, body) = get(
        &harness,
        &a.token,
        "/units/unit-a/notices/bad%00id/receipts",
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("no_such_notice"))
    );

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
            base(json!({ "people": ["user\u{0}x"] })),
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
