//! The admin API against a real gateway: the operator sets up units, each unit's administrator
//! sees and changes only their own unit, flows reach only their own unit's phones, the 通讯录
//! import is all-or-nothing, bad definitions and bodies get JSON errors, and every action lands in
//! an intact audit chain that detects an edited row. `admin_devices.rs` tests device states.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::units;

use qianpi_core::model::{Document, SecrecyLevel};
use qianpi_gateway::audit::{self, Verdict};
use qianpi_gateway::sql::args;
use qianpi_tests::admin_api::call;
use qianpi_tests::{fixtures, http, Harness};
use reqwest::Method;
use serde_json::{json, Value};
use units::admin::{device_action, phone_for, unit_with_people};
use units::{definition, operator, post};

async fn import(harness: &Harness, token: &str, unit: &str, csv: &str) -> (u16, Value) {
    let response = http()
        .post(format!(
            "{}v1/admin/units/{unit}/users/import",
            harness.url()
        ))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn document(id: &str, unit: &str, title: &str) -> Document {
    fixtures::document(id, unit, title, SecrecyLevel::None)
}

async fn start_flow(harness: &Harness, token: &str, unit: &str, leader: &str, drafter: &str) {
    let def = definition(&format!("def-{unit}"), leader);
    let (status, body) = post(
        harness,
        token,
        &format!("/units/{unit}/definitions"),
        serde_json::to_value(&def).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        harness,
        token,
        &format!("/units/{unit}/flows"),
        json!({
            "definition_id": def.id, "drafter": drafter,
            "document": document(&format!("doc-{unit}"), unit, &format!("{unit} 的来文")),
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn verify(harness: &Harness) -> Verdict {
    harness.db.tx(|sql| audit::verify(sql)).await.unwrap()
}

#[tokio::test]
async fn a_unit_admin_sees_and_changes_only_their_own_unit() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token_a, _, _) = unit_with_people(&harness, &op, "unit-a").await;
    let (_, leader_b, _) = unit_with_people(&harness, &op, "unit-b").await;
    let (_, device_b) = phone_for(&harness, &op, "unit-b", &leader_b, "zhangsan", false).await;

    let (status, users) = call(&harness, &token_a, Method::GET, "/units/unit-a/users", None).await;
    assert_eq!(status, 200);
    assert_eq!(users.as_array().unwrap().len(), 3);
    for (method, path, body) in [
        (Method::GET, "/units/unit-b/users".to_owned(), None),
        (Method::GET, "/units/unit-b/devices".to_owned(), None),
        (
            Method::POST,
            "/units/unit-b/users".to_owned(),
            Some(json!({ "login": "x", "name": "x", "post": "x", "role": "staff" })),
        ),
        (
            Method::POST,
            format!("/units/unit-b/devices/{device_b}/revoke"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/units/unit-a/devices/{device_b}/revoke"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/units/unit-a/users/{leader_b}/activation-code"),
            Some(json!({})),
        ),
    ] {
        let (status, body) = call(&harness, &token_a, method, &path, body).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, body) = post(
        &harness,
        &token_a,
        "/units",
        json!({ "name": "x", "organ_code": "x" }),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let (status, body) = call(&harness, "", Method::GET, "/units/unit-a/users", None).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = call(
        &harness,
        "qpa_nope",
        Method::GET,
        "/units/unit-a/users",
        None,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("bad_token")));
    // Unit B's device is untouched.
    let (_, devices) = call(&harness, &op, Method::GET, "/units/unit-b/devices", None).await;
    assert_eq!(devices[0]["state"], "active");
    assert!(devices[0].get("token_hash").is_none());
}

#[tokio::test]
async fn a_phone_of_one_unit_never_receives_another_units_flow() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token_a, leader_a, drafter_a) = unit_with_people(&harness, &op, "unit-a").await;
    let (token_b, leader_b, drafter_b) = unit_with_people(&harness, &op, "unit-b").await;
    start_flow(&harness, &token_a, "unit-a", &leader_a, &drafter_a).await;
    start_flow(&harness, &token_b, "unit-b", &leader_b, &drafter_b).await;
    // A definition naming another unit's person is refused.
    let (status, body) = post(
        &harness,
        &token_a,
        "/units/unit-a/definitions",
        serde_json::to_value(definition("def-leak", &leader_b)).unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_definition"))
    );

    // The same login leads both units; the phone is bound to unit A's identity.
    let (phone, _) = phone_for(&harness, &token_a, "unit-a", &leader_a, "zhangsan", false).await;
    phone.client.sync().await.unwrap();
    let titles: Vec<String> = phone
        .client
        .inbox()
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert_eq!(titles, vec!["unit-a 的来文".to_owned()]);
}

#[tokio::test]
async fn a_csv_import_with_one_bad_row_stores_nothing() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, _, _) = unit_with_people(&harness, &op, "unit-a").await;
    let csv = "login,name,post,role\nliu,刘一,科员,staff\nchen,陈二,处长,boss\nzhou,周三,秘书,secretary\n";
    let (status, body) = import(&harness, &token, "unit-a", csv).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_rows")));
    assert!(
        body["message"].as_str().unwrap().contains("row 3"),
        "{body}"
    );
    let (_, users) = call(&harness, &token, Method::GET, "/units/unit-a/users", None).await;
    assert_eq!(users.as_array().unwrap().len(), 3);
    // A row clashing with a stored identity is refused the same way.
    let clash = "login,name,post,role\nliu,刘一,科员,staff\nzhangsan,张三,局长,leader\n";
    let (status, body) = import(&harness, &token, "unit-a", clash).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("row 3"),
        "{body}"
    );
    let (_, users) = call(&harness, &token, Method::GET, "/units/unit-a/users", None).await;
    assert_eq!(users.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_csv_import_creates_users_and_one_login_may_hold_two_posts() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, _, _) = unit_with_people(&harness, &op, "unit-a").await;
    let csv = "登录名,姓名,职务,角色\nliu,刘一,科员,staff\nwu,吴二,办公室主任,leader\nwu,吴二,党组书记,领导\n";
    let (status, body) = import(&harness, &token, "unit-a", csv).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 3);
    let (_, users) = call(&harness, &token, Method::GET, "/units/unit-a/users", None).await;
    let posts_of_wu: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["login"] == "wu")
        .map(|u| u["post"].as_str().unwrap())
        .collect();
    assert_eq!(posts_of_wu.len(), 2);
    assert!(posts_of_wu.contains(&"党组书记") && posts_of_wu.contains(&"办公室主任"));
}

#[tokio::test]
async fn bad_definitions_and_bodies_are_refused_with_json_errors() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, _) = unit_with_people(&harness, &op, "unit-a").await;
    let mut invalid = definition("def-bad", &leader);
    invalid.start = "nowhere".into();
    let (status, body) = post(
        &harness,
        &token,
        "/units/unit-a/definitions",
        serde_json::to_value(&invalid).unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_definition"))
    );
    let (status, body) = post(
        &harness,
        &token,
        "/units/unit-a/users",
        json!({ "login": 3 }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("malformed_body"))
    );
    let (status, body) = post(
        &harness,
        &token,
        "/units/unit-a/users",
        json!({ "login": "x", "name": "x", "post": "x", "role": "boss" }),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_user")));
}

#[tokio::test]
async fn every_admin_action_is_audited_and_an_edited_row_breaks_the_chain() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, drafter) = unit_with_people(&harness, &op, "unit-a").await;
    start_flow(&harness, &token, "unit-a", &leader, &drafter).await;
    let (_, device) = phone_for(&harness, &token, "unit-a", &leader, "zhangsan", true).await;
    assert_eq!(
        device_action(&harness, &token, "unit-a", &device, "approve")
            .await
            .0,
        200
    );
    assert_eq!(
        device_action(&harness, &token, "unit-a", &device, "revoke")
            .await
            .0,
        200
    );
    let csv = "login,name,post,role\nliu,刘一,科员,staff\n";
    assert_eq!(import(&harness, &token, "unit-a", csv).await.0, 201);

    let kinds: Vec<String> = harness
        .db
        .tx(|sql| {
            Ok(sql
                .query("SELECT kind FROM audit ORDER BY seq", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap();
    for kind in [
        "admin_token.issued",
        "unit.created",
        "user.created",
        "definition.loaded",
        "flow.started",
        "code.issued",
        "device.activated",
        "device.approved",
        "device.revoked",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    // Four users (three by the API, one by CSV) and two tokens (the operator's, the admin's).
    assert_eq!(kinds.iter().filter(|k| *k == "user.created").count(), 4);
    assert_eq!(
        kinds.iter().filter(|k| *k == "admin_token.issued").count(),
        2
    );
    let Verdict::Intact { entries, .. } = verify(&harness).await else {
        panic!("the chain is broken");
    };
    assert_eq!(entries, kinds.len() as i64);
    // No token or code ever reaches the audit log.
    let details: Vec<String> = harness
        .db
        .tx(|sql| {
            Ok(sql
                .query("SELECT detail FROM audit", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap();
    assert!(details
        .iter()
        .all(|d| !d.contains(&token) && !d.contains(&op)));

    harness
        .db
        .tx(|sql| {
            sql.execute(
                "UPDATE audit SET detail = ?1 WHERE seq = 3",
                args!["{\"role\":\"staff\"}"],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    assert!(
        matches!(verify(&harness).await, Verdict::Broken { seq: 3, .. }),
        "an edited row must break the chain at its seq"
    );
}

#[tokio::test]
async fn texts_past_their_bounds_are_refused_with_a_clear_error() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, drafter) = unit_with_people(&harness, &op, "unit-a").await;

    // A device name of 180 KB (the request body limit is larger).
    let code = harness
        .code(qianpi_gateway::admin::demo::LEADER)
        .await
        .unwrap();
    let activation = |name: String, platform: &str| {
        json!({
            "login": qianpi_gateway::admin::demo::LEADER, "code": code,
            "request_key_spki": "AA==", "approval_key_spki": "AA==",
            "device_name": name, "platform": platform,
        })
    };
    for (body, expected) in [
        (
            activation("机".repeat(60_000), "terminal"),
            "invalid_device_name",
        ),
        (
            activation("name\u{7}".into(), "terminal"),
            "invalid_device_name",
        ),
        (
            activation("phone".into(), &"x".repeat(5_000)),
            "invalid_platform",
        ),
    ] {
        let response = http()
            .post(format!("{}v1/devices/activate", harness.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some(expected)),
            "{answer}"
        );
    }

    // A document title past 200 characters.
    let def = definition("def-long", &leader);
    let (status, _) = post(
        &harness,
        &token,
        "/units/unit-a/definitions",
        serde_json::to_value(&def).unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = post(
        &harness,
        &token,
        "/units/unit-a/flows",
        json!({
            "definition_id": def.id, "drafter": drafter,
            "document": document("doc-long", "unit-a", &"长".repeat(201)),
        }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_document")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("200"), "{body}");

    // A notice title past 200 characters, and a body past 20,000.
    for (title, text) in [
        ("长".repeat(201), "正文".to_owned()),
        ("通知".to_owned(), "字".repeat(20_001)),
    ] {
        let (status, body) = post(
            &harness,
            &token,
            "/units/unit-a/notices",
            json!({
                "title": title, "body": text, "publisher": drafter,
                "scope": { "units": ["unit-a"], "departments": [], "people": [] },
            }),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_notice")),
            "{body}"
        );
    }
}
