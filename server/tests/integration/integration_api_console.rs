//! The administrator's API keys page on the console: issuing a key shows it once (and the OA can
//! use it at once), the list never shows it again, the webhook deliveries of the key's
//! subscriptions are listed with each attempt, revoking stops the key; other roles are refused
//! and another unit's key is not found. On SQLite, or PostgreSQL with `QIANPI_TEST_POSTGRES`.

// A failed assumption is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::Console;
use crate::integration_api_support::{call, start_document};
use qianpi_gateway::office::Role;
use serde_json::{json, Value};
use std::time::Duration;

/// The first `data-key` id on a page.
fn first_key_id(body: &str) -> String {
    let at = body.find("data-key=\"").unwrap() + "data-key=\"".len();
    body[at..body[at..].find('"').unwrap() + at].to_owned()
}

#[tokio::test]
async fn an_administrator_issues_a_key_once_sees_its_deliveries_and_revokes_it() {
    let console = Console::start().await;
    let addr = console.addr();
    let mut admin = console
        .logged_in("admin-zhou", &[Role::Administrator])
        .await;

    let page = admin.get("/console/apikeys").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let issued = admin
        .post_form("/console/apikeys", &[("label", "致远OA <script>")])
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let key = issued.text_of("new-key").unwrap();
    assert!(key.starts_with("qpk_"), "{key}");
    assert!(!issued.body.contains("<script>"), "the label is escaped");

    // The OA uses it at once; the page never shows it again.
    let (status, _) = call(
        addr,
        "GET",
        "/v1/integration/webhooks",
        Some(&key),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let page = admin.get("/console/apikeys").await;
    assert!(!page.body.contains(&key));
    let key_id = first_key_id(&page.body);

    // A subscription whose receiver is unreachable: its attempts show with their error.
    let (status, _) = call(
        addr,
        "POST",
        "/v1/integration/webhooks",
        Some(&key),
        json!({ "url": "http://127.0.0.1:9/nowhere", "events": ["flow.moved"] }),
    )
    .await;
    assert_eq!(status, 201);
    start_document(addr, &key, "doc-console-1").await;
    let page = loop {
        let page = admin.get("/console/apikeys").await;
        if page.body.contains("<li>") {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(page.body.contains("http://127.0.0.1:9/nowhere"));
    assert!(page.body.contains("flow.moved"));
    assert!(page.body.contains("data-state=\"pending\""));
    assert!(
        page.body.contains("class=\"error\""),
        "the attempt's error is shown"
    );

    // Other roles are refused; another unit's key is not found here.
    let mut registrar = console.logged_in("reg-wu", &[Role::Registrar]).await;
    assert_eq!(registrar.get("/console/apikeys").await.status, 403);
    let page = admin.get("/console/apikeys").await;
    assert_eq!(page.status, 200);
    let refused = admin
        .post_form("/console/apikeys/key-of-another-unit/revoke", &[])
        .await;
    assert_eq!(refused.status, 404);

    // Revoked: the key stops working and the list says so.
    admin.get("/console/apikeys").await;
    let revoked = admin
        .post_form(&format!("/console/apikeys/{key_id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(revoked.location(), "/console/apikeys?done=apikeys.revoked");
    let (status, _) = call(
        addr,
        "GET",
        "/v1/integration/webhooks",
        Some(&key),
        Value::Null,
    )
    .await;
    assert_eq!(status, 401);
    let page = admin.get_following(revoked.location()).await;
    assert!(page.body.contains("已吊销于") || page.body.contains("Revoked at"));
    console.gateway.stop().await.unwrap();
}
