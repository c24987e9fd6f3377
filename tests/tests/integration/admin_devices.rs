//! Device states through the admin API against a real gateway: a revoked device is refused and
//! cannot come back, a suspended one is refused until resumed, a wipe order reaches the phone, and
//! a code issued with approval binds a pending device until an administrator approves it. Each
//! state takes effect on the phone's next signed request.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::units;

use qianpi_tests::admin_api::call;
use qianpi_tests::{error_code, get_sync, Harness, Phone};
use reqwest::Method;
use units::admin::{device_action, phone_for, unit_with_people};
use units::operator;

/// A signed pull by `phone`: (status, code).
async fn pull(harness: &Harness, phone: &Phone) -> (u16, String) {
    error_code(get_sync(harness, phone, "cursor=&limit=10").await).await
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_cannot_come_back() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, _) = unit_with_people(&harness, &op, "unit-a").await;
    let (phone, device) = phone_for(&harness, &token, "unit-a", &leader, "zhangsan", false).await;
    assert_eq!(pull(&harness, &phone).await.0, 200);
    let (status, body) = device_action(&harness, &token, "unit-a", &device, "revoke").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked_at"].is_string());
    assert_eq!(pull(&harness, &phone).await, (401, "device_revoked".into()));
    for action in ["resume", "approve", "revoke", "wipe"] {
        let (status, body) = device_action(&harness, &token, "unit-a", &device, action).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("bad_transition"))
        );
    }
}

#[tokio::test]
async fn a_suspended_device_is_refused_until_resumed() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, _) = unit_with_people(&harness, &op, "unit-a").await;
    let (phone, device) = phone_for(&harness, &token, "unit-a", &leader, "zhangsan", false).await;
    let (status, body) = device_action(&harness, &token, "unit-a", &device, "resume").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("bad_transition"))
    );
    assert_eq!(
        device_action(&harness, &token, "unit-a", &device, "suspend")
            .await
            .0,
        200
    );
    assert_eq!(
        pull(&harness, &phone).await,
        (401, "device_suspended".into())
    );
    assert_eq!(
        device_action(&harness, &token, "unit-a", &device, "resume")
            .await
            .0,
        200
    );
    assert_eq!(pull(&harness, &phone).await.0, 200);
    assert_eq!(
        device_action(&harness, &token, "unit-a", &device, "wipe")
            .await
            .0,
        200
    );
    assert_eq!(pull(&harness, &phone).await, (401, "wipe_requested".into()));
}

#[tokio::test]
async fn a_code_with_approval_binds_a_pending_device_until_approved() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, _) = unit_with_people(&harness, &op, "unit-a").await;
    let (phone, device) = phone_for(&harness, &token, "unit-a", &leader, "zhangsan", true).await;
    assert_eq!(pull(&harness, &phone).await, (401, "device_pending".into()));
    let (_, devices) = call(&harness, &token, Method::GET, "/units/unit-a/devices", None).await;
    assert_eq!(devices[0]["state"], "pending");
    assert_eq!(
        device_action(&harness, &token, "unit-a", &device, "approve")
            .await
            .0,
        200
    );
    assert_eq!(pull(&harness, &phone).await.0, 200);
}
