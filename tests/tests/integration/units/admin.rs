//! Admin helpers: a unit set up through the admin API with an administrator, a leader and a
//! drafter, a phone activated with a code the admin API issued, and device actions.

use super::{activate, issue_code, post, unit_with};
use qianpi_tests::{Harness, Phone};
use serde_json::{json, Value};

/// A unit with an administrator, a leader and a drafter; returns (admin token, leader id,
/// drafter id). The leader's login is `zhangsan` in every unit: one person, several identities.
pub async fn unit_with_people(harness: &Harness, op: &str, unit: &str) -> (String, String, String) {
    let people = [
        (format!("admin-{unit}"), "某人", "管理员", "unit_admin"),
        ("zhangsan".to_owned(), "某人", "局长", "leader"),
        (format!("drafter-{unit}"), "某人", "科员", "staff"),
    ];
    let (token, ids) = unit_with(harness, op, unit, &people).await;
    (token, ids[1].clone(), ids[2].clone())
}

/// A phone activated with a code the admin API issued for identity `user`; its device id.
pub async fn phone_for(
    harness: &Harness,
    token: &str,
    unit: &str,
    user: &str,
    login: &str,
    needs_approval: bool,
) -> (Phone, String) {
    let code = issue_code(harness, token, unit, user, needs_approval).await;
    let name = format!("phone-{user}");
    let (phone, account) = activate(harness, &name, &harness.url(), login, &code, None).await;
    assert_eq!(account.identity.user_id, user);
    (phone, account.device_id)
}

/// Applies `action` (suspend, resume, approve, revoke, wipe) to `device` of `unit` as `token`:
/// the status and answer.
pub async fn device_action(
    harness: &Harness,
    token: &str,
    unit: &str,
    device: &str,
    action: &str,
) -> (u16, Value) {
    post(
        harness,
        token,
        &format!("/units/{unit}/devices/{device}/{action}"),
        json!({}),
    )
    .await
}
