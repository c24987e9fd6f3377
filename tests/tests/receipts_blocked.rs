//! A gateway that will not take a phone's 回执 (or a reverse proxy before it refusing the upload)
//! does not hold the rest of the sync back: the pull still runs, so new notices and tasks arrive
//! and the phone keeps renewing its signed checkpoint instead of drifting towards read-only and
//! wipe over a reply; the reply stays marked and goes out once the gateway takes it. A refusal
//! saying the device may not sync at all still stops the sync.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod units;

use chrono::{Duration, Utc};
use qianpi_core::client::ClientError;
use qianpi_core::sync::SyncError;
use qianpi_tests::proxy::{Canned, Faults};
use qianpi_tests::Harness;
use serde_json::json;
use units::notices::{meeting, published, roster};
use units::{operator, staff_behind_proxy, unit};

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
        Err(ClientError::Sync(SyncError::Refused { status: 401, .. }))
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
