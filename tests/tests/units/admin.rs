//! Admin helpers: a unit set up through the admin API with an administrator, a leader and a
//! drafter, a phone activated with a code the admin API issued, and device actions.

use super::post;
use qianpi_tests::{Harness, Phone};
use serde_json::{json, Value};

/// A unit with an administrator, a leader and a drafter; returns (admin token, leader id,
/// drafter id). The leader's login is `zhangsan` in every unit: one person, several identities.
pub async fn unit_with_people(harness: &Harness, op: &str, unit: &str) -> (String, String, String) {
    let (status, _) = post(
        harness,
        op,
        "/units",
        json!({ "id": unit, "name": format!("{unit} 办公室"), "organ_code": "某办" }),
    )
    .await;
    assert_eq!(status, 201);
    let mut ids = Vec::new();
    for (login, post_name, role) in [
        (format!("admin-{unit}"), "管理员", "unit_admin"),
        ("zhangsan".to_owned(), "局长", "leader"),
        (format!("drafter-{unit}"), "科员", "staff"),
    ] {
        let (status, user) = post(
            harness,
            op,
            &format!("/units/{unit}/users"),
            json!({ "login": login, "name": "某人", "post": post_name, "role": role }),
        )
        .await;
        assert_eq!(status, 201, "{user}");
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let (status, issued) = post(
        harness,
        op,
        &format!("/units/{unit}/admin-tokens"),
        json!({ "user_id": ids[0], "label": "tests" }),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    (
        issued["token"].as_str().unwrap().to_owned(),
        ids[1].clone(),
        ids[2].clone(),
    )
}

/// A phone activated with a code the admin API issued for identity `user`.
pub async fn phone_for(
    harness: &Harness,
    token: &str,
    unit: &str,
    user: &str,
    login: &str,
    needs_approval: bool,
) -> (Phone, String) {
    let (status, issued) = post(
        harness,
        token,
        &format!("/units/{unit}/users/{user}/activation-code"),
        json!({ "needs_approval": needs_approval }),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let phone = harness.phone(&format!("phone-{user}")).unwrap();
    let activated = phone
        .client
        .activate(
            &harness.url(),
            login,
            issued["code"].as_str().unwrap(),
            "测试手机",
            "terminal",
        )
        .await
        .unwrap();
    assert_eq!(activated.identity.user_id, user);
    let device = activated.device_id;
    (phone, device)
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
