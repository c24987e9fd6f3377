//! The change feed over the wire: a long-poll returns as soon as a change for the user is
//! committed (by any request, so by any replica) and otherwise after the wait; pages are gzipped
//! for a client that accepts it.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use qianpi_core::model::Attitude;
use qianpi_gateway::admin::demo;
use qianpi_tests::{pull, Harness, Phone};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_long_poll_returns_when_a_change_arrives() {
    let harness = Harness::start().await.unwrap();
    let (phone, task) = harness.leader_with_task().await.unwrap();
    let tablet = harness
        .activated_phone("leader-tablet", demo::LEADER)
        .await
        .unwrap();
    tablet.client.sync().await.unwrap();
    let head = pull(&harness, &phone, "cursor=&limit=500")
        .await
        .next_cursor;

    let started = Instant::now();
    let query = format!("cursor={head}&wait=20");
    let waiting = pull(&harness, &phone, &query);
    let acting = async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        tablet
            .client
            .approve(&task, Attitude::Agree, "同意")
            .unwrap();
        tablet.client.sync().await.unwrap();
    };
    let (page, ()) = tokio::join!(waiting, acting);
    let elapsed = started.elapsed();
    assert!(
        !page.changes.is_empty(),
        "the poll returned without the change"
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "the poll waited {elapsed:?} after the change"
    );
    assert!(
        elapsed >= Duration::from_millis(500),
        "it did not wait at all"
    );
}

#[tokio::test]
async fn a_long_poll_with_nothing_new_returns_empty_after_its_wait() {
    let harness = Harness::start().await.unwrap();
    let (phone, _) = harness.leader_with_task().await.unwrap();
    let head = pull(&harness, &phone, "cursor=&limit=500")
        .await
        .next_cursor;
    let started = Instant::now();
    let page = pull(&harness, &phone, &format!("cursor={head}&wait=1")).await;
    assert!(page.changes.is_empty());
    assert_eq!(page.next_cursor, head);
    assert!(started.elapsed() >= Duration::from_millis(900));
}

/// A signed pull at `query` by a client that asks for gzip but does not decode it, to see the
/// bytes on the wire: the content encoding and the body as sent.
async fn raw_pull(harness: &Harness, phone: &Phone, query: &str) -> (Option<String>, Vec<u8>) {
    let response = qianpi_tests::get_raw(harness, phone, &format!("v1/sync?{query}"), &[]).await;
    assert_eq!(response.status(), 200);
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    (encoding, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn pages_are_gzipped_for_a_client_that_accepts_it() {
    let harness = Harness::start().await.unwrap();
    let phone = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let (encoding, bytes) = raw_pull(&harness, &phone, "cursor=").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "not a gzip stream");
}

#[tokio::test]
async fn a_sync_with_nothing_new_is_one_small_answer_not_worth_compressing() {
    let harness = Harness::start().await.unwrap();
    let phone = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let head = pull(&harness, &phone, "cursor=").await.next_cursor;
    let (encoding, bytes) = raw_pull(&harness, &phone, &format!("cursor={head}")).await;
    assert_eq!(encoding, None, "a small answer went compressed");
    // Well inside performance.md P-5 (2 KB each way), checkpoint included.
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
    let page: qianpi_core::protocol::SyncPage = serde_json::from_slice(&bytes).unwrap();
    assert!(page.changes.is_empty() && page.checkpoint.is_some());
}
