//! The server time in every answer (security.md, signed requests; sync.md, Time): a phone whose
//! clock is wrong learns the offset from whatever the gateway last said, so every answer carries
//! the time — the `Date` header on all of them, and `server_time` in the JSON of every phone
//! answer and every error — whether it is a feed page, a file range, an admin answer or a refusal.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::{DateTime, Utc};
use qianpi_core::model::SecrecyLevel;
use qianpi_tests::{get_raw, get_sync, http, send_signed, Harness};
use reqwest::Method;
use serde_json::Value;
use units::files::{start, stored, with_files};
use units::{fetch, file, operator, phone, unit};

/// How far an answer's time may lie from this test's clock (one clock, a busy machine).
const SLACK_SECONDS: i64 = 30;

fn close_to_now(at: DateTime<Utc>, what: &str) {
    let off = (Utc::now() - at).num_seconds().abs();
    assert!(off <= SLACK_SECONDS, "{what}: {at} is {off} s from now");
}

/// Checks the `Date` header, and `server_time` when the body is JSON expected to carry it.
async fn carries_time(response: reqwest::Response, what: &str, json_time: bool) -> u16 {
    let status = response.status().as_u16();
    let date = response
        .headers()
        .get("date")
        .unwrap_or_else(|| panic!("{what}: no Date header"))
        .to_str()
        .unwrap()
        .to_owned();
    let date = DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000"))
        .unwrap_or_else(|e| panic!("{what}: Date {date:?} is no HTTP date: {e}"));
    close_to_now(date.with_timezone(&Utc), what);
    let bytes = response.bytes().await.unwrap();
    if json_time {
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{what}: the answer is not JSON: {e}"));
        let at = body["server_time"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no server_time in {body}"));
        close_to_now(at.parse().unwrap(), what);
    }
    status
}

#[tokio::test]
async fn every_answer_carries_the_gateways_time() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let body = file(2000, 1);
    let attachment = file(100, 2);
    let hash = stored(&harness, &a, "application/ofd", &body).await;
    stored(&harness, &a, "text/csv", &attachment).await;
    let doc = with_files("doc-t", "unit-a", SecrecyLevel::None, &body, &attachment);
    assert_eq!(start(&harness, &a, &doc).await.0, 201);
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let base = harness.url();
    let plain = |method: Method, path: &str| http().request(method, format!("{base}{path}"));

    // Phone answers: a page (gzipped or not), a ping, a push, receipts, a refused signature.
    let page = get_sync(&harness, &leader, "cursor=").await;
    assert_eq!(carries_time(page, "a feed page", true).await, 200);
    let raw = get_raw(&harness, &leader, "v1/sync?cursor=", &[]).await;
    assert_eq!(carries_time(raw, "a page as sent", false).await, 200);
    let credentials = leader.credentials();
    for (method, path, body, status) in [
        (Method::GET, "v1/ping", "", 200),
        (Method::POST, "v1/commands", r#"{"commands":[]}"#, 200),
        (Method::POST, "v1/receipts", r#"{"receipts":[]}"#, 200),
        (Method::POST, "v1/commands", "{not json", 400),
    ] {
        let url = format!("{base}{path}");
        let response = send_signed(
            &url,
            method.clone(),
            body.into(),
            &credentials,
            Utc::now(),
            |_| {},
        )
        .await;
        let what = format!("{method} {path} {body}");
        assert_eq!(carries_time(response, &what, true).await, status, "{what}");
    }
    let forged = send_signed(
        &format!("{base}v1/ping"),
        Method::GET,
        vec![],
        &credentials,
        Utc::now(),
        |headers| {
            for (name, value) in headers.iter_mut() {
                if *name == "signature" {
                    *value = "sig1=:AAAA:".into();
                }
            }
        },
    )
    .await;
    assert_eq!(carries_time(forged, "a forged signature", true).await, 401);

    // A file range: bytes, not JSON, so the header alone.
    let range = fetch(&harness, &leader, &hash, &[("range", "bytes=0-99")]).await;
    assert_eq!(carries_time(range, "a file range", false).await, 206);

    // Unsigned and admin answers, and errors of every kind.
    let health = plain(Method::GET, "v1/health").send().await.unwrap();
    assert_eq!(carries_time(health, "health", true).await, 200);
    let users = plain(Method::GET, "v1/admin/units/unit-a/users")
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert_eq!(
        carries_time(users, "the people of a unit", false).await,
        200
    );
    for (method, path, status) in [
        (Method::GET, "v1/no-such-route", 404),
        (Method::DELETE, "v1/health", 405),
        (Method::GET, "v1/sync", 401),
        (Method::GET, "v1/admin/units/unit-a/users", 401),
    ] {
        let response = plain(method.clone(), path).send().await.unwrap();
        let what = format!("{method} {path}");
        assert_eq!(carries_time(response, &what, true).await, status, "{what}");
    }
    let huge = plain(Method::POST, "v1/devices/activate")
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(carries_time(huge, "an oversized body", true).await, 413);
}
