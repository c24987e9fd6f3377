//! 送达 implied by the cursor, on a phone of the real core against a real gateway behind the
//! tests' proxy: a first sync of more notices than fit one page is followed by a sync with
//! nothing new that is exactly one request (the pull), small both ways, after which the
//! publisher's roster shows every notice delivered; a first sync cut short stores nothing, the
//! roster claims no delivery for it, and the next sync resumes and delivers each notice once.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::Duration;
use qianpi_tests::proxy::Faults;
use qianpi_tests::Harness;
use units::notices::{meeting, published, roster};
use units::{operator, staff_behind_proxy, unit, Unit};

/// More notices than one page holds (the phone asks for 200 changes a page).
const NOTICES: usize = 210;

/// Publishes [`NOTICES`] notices to everyone in `unit`; their ids.
async fn publish_many(harness: &Harness, unit: &Unit) -> Vec<String> {
    let mut ids = Vec::with_capacity(NOTICES);
    for _ in 0..NOTICES {
        let notice = meeting(
            unit,
            serde_json::json!({ "units": [unit.id] }),
            Duration::days(3),
        );
        ids.push(published(harness, unit, notice).await);
    }
    ids
}

/// How many of `ids` the roster shows delivered to `user`.
async fn delivered(harness: &Harness, unit: &Unit, ids: &[String], user: &str) -> usize {
    let mut count = 0;
    for id in ids {
        let body = roster(harness, unit, id).await;
        let me = body["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == user)
            .unwrap_or_else(|| panic!("{user} is not on the roster of {id}: {body}"));
        if me["delivered_at"].is_string() {
            count += 1;
        }
    }
    count
}

#[tokio::test]
async fn after_a_first_sync_a_sync_with_nothing_new_is_one_small_pull_and_every_notice_is_delivered(
) {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let ids = publish_many(&harness, &a).await;
    let (proxy, staff) = staff_behind_proxy(&harness, &a).await;
    assert_eq!(delivered(&harness, &a, &ids, &a.staff).await, 0);

    let first = staff.client.sync().await.unwrap();
    assert!(first.pulled >= NOTICES, "{first:?}");
    assert_eq!(staff.client.notices(500, 0).unwrap().len(), NOTICES);
    let first_requests = proxy.requests();
    assert!(
        first_requests
            .iter()
            .filter(|r| *r == "GET /v1/sync")
            .count()
            >= 2,
        "{first_requests:?}"
    );
    assert!(
        !first_requests
            .iter()
            .any(|r| r.starts_with("POST /v1/receipts")),
        "a delivery is no 回执 of its own: {first_requests:?}"
    );

    let (sent_before, received_before) = proxy.carried();
    let again = staff.client.sync().await.unwrap();
    assert_eq!((again.pulled, again.receipts_sent), (0, 0), "{again:?}");
    let requests = proxy.requests()[first_requests.len()..].to_vec();
    assert_eq!(requests, ["GET /v1/sync"]);
    let (sent, received) = proxy.carried();
    let (up, down) = (sent - sent_before, received - received_before);
    assert!(up <= 2048 && down <= 2048, "{up} bytes up, {down} down");

    // The pull carried the pages' deliveries: the roster has every notice delivered.
    assert_eq!(delivered(&harness, &a, &ids, &a.staff).await, NOTICES);
    let unread = roster(&harness, &a, &ids[0]).await;
    assert!(
        unread["unread"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == a.staff.as_str()),
        "delivered is not read: {unread}"
    );
    // Reported once: the next sync carries nothing more and changes nothing.
    let third = staff.client.sync().await.unwrap();
    assert_eq!((third.pulled, third.receipts_sent), (0, 0), "{third:?}");
    assert_eq!(delivered(&harness, &a, &ids, &a.staff).await, NOTICES);
}

#[tokio::test]
async fn a_first_sync_cut_short_claims_no_delivery_and_the_next_sync_resumes_with_each_notice_once()
{
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let ids = publish_many(&harness, &a).await;
    let (proxy, staff) = staff_behind_proxy(&harness, &a).await;

    // Every connection is cut long before a page of notices has come through.
    proxy.set(Faults {
        cut_after: Some(1024),
        ..Faults::default()
    });
    assert!(staff.client.sync().await.is_err());
    assert!(staff.client.notices(500, 0).unwrap().is_empty());
    assert_eq!(
        delivered(&harness, &a, &ids, &a.staff).await,
        0,
        "the gateway served pages the phone never stored"
    );

    proxy.set(Faults::default());
    staff.client.sync().await.unwrap();
    let held = staff.client.notices(500, 0).unwrap();
    let mut held_ids: Vec<&str> = held.iter().map(|n| n.id.as_str()).collect();
    held_ids.sort_unstable();
    held_ids.dedup();
    assert_eq!((held.len(), held_ids.len()), (NOTICES, NOTICES));
    staff.client.sync().await.unwrap();
    assert_eq!(delivered(&harness, &a, &ids, &a.staff).await, NOTICES);
}

/// The 常用意见 book's version rides on every pull, so the phone fetches the book only when it
/// changed: a sync with nothing new stays one request however long since the last look, and a
/// book an administrator changed is fetched by the very next sync, not minutes later.
#[tokio::test]
async fn the_phrase_book_is_fetched_by_the_next_sync_after_it_changed_and_only_then() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let (proxy, staff) = staff_behind_proxy(&harness, &a).await;
    staff.client.sync().await.unwrap();
    let since = |from: usize| proxy.requests()[from..].to_vec();

    let before = proxy.requests().len();
    staff.client.sync().await.unwrap();
    assert_eq!(since(before), ["GET /v1/sync"]);

    let phrase = "请按程序抓紧办理。";
    let (status, answer) = qianpi_tests::admin_api::put(
        &harness,
        &a.token,
        &format!("/units/{}/phrases", a.id),
        serde_json::json!({ "phrases": [phrase] }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let before = proxy.requests().len();
    staff.client.sync().await.unwrap();
    assert_eq!(since(before), ["GET /v1/sync", "GET /v1/phrases"]);
    assert!(
        staff
            .client
            .phrases()
            .unwrap()
            .all()
            .iter()
            .any(|p| p == phrase),
        "the unit's new phrase reached the picker"
    );

    let before = proxy.requests().len();
    staff.client.sync().await.unwrap();
    assert_eq!(since(before), ["GET /v1/sync"]);
}
