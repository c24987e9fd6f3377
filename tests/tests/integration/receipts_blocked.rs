//! A gateway that will not take a phone's 回执 (or a reverse proxy before it refusing the upload)
//! does not hold the rest of the sync back: the pull still runs, so new notices and tasks arrive
//! and the phone keeps renewing its signed checkpoint instead of drifting towards read-only and
//! wipe over a reply; the reply stays marked and goes out once the gateway takes it. A refusal
//! saying the device may not sync at all still stops the sync. Nor does a link that cuts long
//! transfers: pushes shrink until they pass, and the verdicts come with the pull.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::{Duration, Utc};
use qianpi_core::client::ClientError;
use qianpi_core::link::LinkError;
use qianpi_core::model::{Attitude, SecrecyLevel};
use qianpi_gateway::admin::describe_instance;
use qianpi_tests::proxy::{Canned, Faults, Proxy};
use qianpi_tests::{verdict_code, Harness};
use serde_json::json;
use units::files::{begin, load};
use units::notices::{meeting, published, roster};
use units::{document, operator, phone_at, staff_behind_proxy, unit};

/// Faults answering every receipt upload with `status` and the gateway's error `code`.
fn receipts_answered(status: u16, code: &str) -> Faults {
    let body = json!({ "code": code, "message": "refused by the test", "server_time": Utc::now() });
    Faults {
        answer: Some((
            "POST /v1/receipts ".to_owned(),
            Canned {
                status,
                body: body.to_string(),
            },
        )),
        ..Faults::default()
    }
}

fn unreplied(roster: &serde_json::Value, user: &str) -> bool {
    roster["unreplied"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == user)
}

#[tokio::test]
async fn receipts_the_gateway_will_not_take_stay_marked_and_the_pull_still_runs() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let everyone = json!({ "units": [a.id] });
    let first = published(
        &harness,
        &a,
        meeting(&a, everyone.clone(), Duration::days(1)),
    )
    .await;
    let (proxy, staff) = staff_behind_proxy(&harness, &a).await;
    staff.client.sync().await.unwrap();
    staff.client.notice(&first).unwrap();
    staff
        .client
        .reply_notice(&first, Some("attend".into()), None)
        .unwrap();

    proxy.set(receipts_answered(413, "body_too_large"));
    let second = published(&harness, &a, meeting(&a, everyone, Duration::days(2))).await;
    let report = staff.client.sync().await.unwrap();
    assert_eq!(
        (report.receipts_sent, report.receipts_refused),
        (0, 0),
        "{report:?}"
    );
    assert!(report.pulled >= 1, "the pull ran: {report:?}");
    let listed = staff.client.notices(20, 0).unwrap();
    assert!(
        listed.iter().any(|n| n.id == second),
        "the notice published meanwhile arrived"
    );
    let waiting = staff.client.notice(&first).unwrap();
    assert!(waiting.pending_send && waiting.refusal.is_none());
    assert!(unreplied(&roster(&harness, &a, &first).await, &a.staff));

    // A device that may not sync is told so by the same endpoint: that stops the sync.
    proxy.set(receipts_answered(401, "device_suspended"));
    assert!(matches!(
        staff.client.sync().await,
        Err(ClientError::Link(LinkError::Refused { status: 401, .. }))
    ));
    assert!(staff.client.notice(&first).unwrap().pending_send);

    // The gateway takes it again: the reply goes out once.
    proxy.set(Faults::default());
    let report = staff.client.sync().await.unwrap();
    assert!(report.receipts_sent >= 1, "{report:?}");
    assert!(!staff.client.notice(&first).unwrap().pending_send);
    let roster = roster(&harness, &a, &first).await;
    assert!(!unreplied(&roster, &a.staff), "{roster}");
    let again = staff.client.sync().await.unwrap();
    assert_eq!((again.receipts_sent, again.receipts_refused), (0, 0));
}

#[tokio::test]
async fn forty_long_approvals_drain_through_a_link_that_cuts_every_connection_after_32_kb() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    load(&harness, &a, "def-cut").await;
    let mut instances = Vec::new();
    for n in 0..40 {
        let doc = document(&format!("doc-{n}"), &a.id, SecrecyLevel::None);
        let (status, started) = begin(&harness, &a, "def-cut", &doc).await;
        assert_eq!(status, 201, "{started}");
        instances.push(started["instance_id"].as_str().unwrap().to_owned());
    }
    let proxy = Proxy::start(harness.addr()).await.unwrap();
    let leader = phone_at(
        &harness,
        &a,
        (&a.leader, "zhangsan"),
        "leader-behind-proxy",
        &proxy.url(),
        None,
    )
    .await;
    leader.client.sync().await.unwrap();
    let inbox = leader.client.inbox().unwrap();
    assert_eq!(inbox.len(), 40);
    // Offline, on the plane: forty approvals with a 500-character 批示 each, every one its own
    // text (repeated text would compress to nothing and prove little).
    for (n, item) in inbox.iter().enumerate() {
        let opinion = opinion(n as u32 + 1);
        assert_eq!(opinion.chars().count(), 500);
        leader
            .client
            .approve(&item.task_id, Attitude::Agree, &opinion)
            .unwrap();
    }
    assert_eq!(leader.client.outbox().unwrap().len(), 40);

    // Every connection dies after 32 KB, either way.
    proxy.set(Faults {
        cut_after: Some(32 * 1024),
        cut_requests_after: Some(32 * 1024),
        ..Faults::default()
    });
    let mut syncs = 0;
    while !leader.client.outbox().unwrap().is_empty() {
        syncs += 1;
        assert!(
            syncs <= 8,
            "the outbox does not drain: {} left",
            leader.client.outbox().unwrap().len()
        );
        match leader.client.sync().await {
            Ok(_) | Err(ClientError::Link(LinkError::Unreachable(_))) => {}
            Err(e) => panic!("the sync failed: {e}"),
        }
    }
    // Each command was applied once: every flow moved by one version, to its end.
    for id in &instances {
        let summary = describe_instance(&harness.db, id).await.unwrap().unwrap();
        assert_eq!(summary.version, 2, "{id}");
    }
    let verdicts = leader.client.verdicts().unwrap();
    assert_eq!(verdicts.len(), 40);
    assert!(verdicts
        .iter()
        .all(|row| verdict_code(&row.verdict) == "accepted"));
}

/// 500 Chinese characters that do not repeat, from `seed`.
fn opinion(seed: u32) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9) | 1;
    (0..500)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from_u32(0x4e00 + x % 0x51a5).unwrap()
        })
        .collect()
}
