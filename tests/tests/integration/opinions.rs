//! 常用意见 end to end: the unit's defaults set by an administrator and a person's own phrases
//! reach each of his devices, an edit made offline on one is seen on the other, and an edit made
//! on an older version is refused and replaced by the one that won. The handwriting and voice of
//! opinions are in `opinion_files.rs`.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_core::protocol::phrases::STALE_PHRASES;
use qianpi_gateway::admin::demo;
use qianpi_tests::admin_api::{get, operator, put};
use qianpi_tests::{error_code, get_raw, send_signed, Harness, Phone};
use serde_json::json;

/// The unit's phrases as the tests' administrator sets them (the demo seeds the first four).
pub(crate) const DEFAULTS: [&str; 5] = [
    "同意。",
    "请晓梅同志阅处。",
    "已阅。",
    "拟同意，请领导审定。",
    "请办公室研提意见。",
];

/// Sets [`DEFAULTS`] as the demo unit's phrases, through the admin API, and checks the bounds.
pub(crate) async fn set_defaults(harness: &Harness) {
    let token = operator(harness).await;
    let (status, answer) = put(
        harness,
        &token,
        "/units/unit-sxnyt/phrases",
        json!({ "phrases": DEFAULTS }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = get(harness, &token, "/units/unit-sxnyt/phrases").await;
    assert_eq!((status, answer), (200, json!({ "phrases": DEFAULTS })));
    // Bounds hold for administrators too.
    let (status, answer) = put(
        harness,
        &token,
        "/units/unit-sxnyt/phrases",
        json!({ "phrases": ["同意。", "同意。"] }),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("invalid_phrases"))
    );
}

/// A signed request from `phone` to `path` with a JSON or raw body; status and error code.
pub(crate) async fn signed(
    harness: &Harness,
    phone: &Phone,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> (u16, String) {
    let response = send_signed(
        &format!("{}{path}", harness.url()),
        method,
        body,
        &phone.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    error_code(response).await
}

#[tokio::test]
async fn phrases_follow_the_person_across_devices_and_a_stale_edit_is_refused() {
    let mut harness = Harness::start().await.unwrap();
    set_defaults(&harness).await;
    let desk = harness.activated_phone("desk", demo::LEADER).await.unwrap();
    let mobile = harness
        .activated_phone("mobile", demo::LEADER)
        .await
        .unwrap();

    let first = desk.client.sync_phrases().await.unwrap();
    assert_eq!(first.unit, DEFAULTS);
    assert!(first.own.is_empty());
    assert_eq!(first.all(), DEFAULTS, "a picker lists the unit's phrases");

    // An edit made offline waits, then goes with the next sync.
    harness.stop_gateway().await.unwrap();
    desk.client.add_phrase("请办公室牵头办理。").unwrap();
    let kept = desk.client.add_phrase("同意。").unwrap();
    assert!(kept.edit_pending);
    assert!(
        desk.client.sync_phrases().await.is_err(),
        "the gateway is away"
    );
    harness.restart_gateway().await.unwrap();
    desk.client.sync().await.unwrap();
    let synced = desk.client.phrases().unwrap();
    assert_eq!(synced.own, ["请办公室牵头办理。", "同意。"]);
    assert!(!synced.edit_pending);
    assert_eq!(
        synced.all(),
        [
            "请办公室牵头办理。",
            "同意。",
            "请晓梅同志阅处。",
            "已阅。",
            "拟同意，请领导审定。",
            "请办公室研提意见。"
        ],
        "own phrases first, then the unit's it does not repeat"
    );

    // The other device of the same person gets the list; an unchanged book costs a 304.
    let seen = mobile.client.sync_phrases().await.unwrap();
    assert_eq!(seen.own, synced.own);
    let book: serde_json::Value = get_raw(&harness, &mobile, "v1/phrases", &[])
        .await
        .json()
        .await
        .unwrap();
    let tag = format!("\"{}\"", book["version"].as_str().unwrap());
    let again = get_raw(&harness, &mobile, "v1/phrases", &[("if-none-match", &tag)]).await;
    assert_eq!(again.status(), 304);

    // Both edit at once: the mobile's reaches the gateway first and wins; the desk's was made
    // on the older version, is refused, and the desk shows the winning list and says so.
    mobile.client.remove_phrase(1).unwrap();
    mobile.client.add_phrase("已阅，请按程序办理。").unwrap();
    desk.client.move_phrase(1, 0).unwrap();
    let won = mobile.client.sync_phrases().await.unwrap();
    assert_eq!(won.own, ["请办公室牵头办理。", "已阅，请按程序办理。"]);
    let lost = desk.client.sync_phrases().await.unwrap();
    assert!(lost.edit_refused);
    assert!(!lost.edit_pending);
    assert_eq!(lost.own, won.own);
    // The next edit on the desk is made on the current version and goes through.
    let next = desk.client.add_phrase("拟同意。").unwrap();
    assert!(!next.edit_refused);
    let taken = desk.client.sync_phrases().await.unwrap();
    assert_eq!(taken.own.last().map(String::as_str), Some("拟同意。"));

    // At the HTTP level: a stale version is a 409 with its code, a list past the bounds a 400.
    let stale = json!({ "base_version": 1, "phrases": ["同意。"] });
    assert_eq!(
        signed(
            &harness,
            &desk,
            reqwest::Method::PUT,
            "v1/phrases",
            stale.to_string().into_bytes()
        )
        .await,
        (409, STALE_PHRASES.to_owned())
    );
    let many: Vec<String> = (0..51).map(|i| format!("意见{i}")).collect();
    let too_many = json!({ "base_version": 3, "phrases": many });
    assert_eq!(
        signed(
            &harness,
            &desk,
            reqwest::Method::PUT,
            "v1/phrases",
            too_many.to_string().into_bytes()
        )
        .await,
        (400, "invalid_phrases".to_owned())
    );
    assert_eq!(desk.client.sync_phrases().await.unwrap().own, taken.own);
}
