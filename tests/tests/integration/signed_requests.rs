//! The gateway refuses every request that is not signed exactly as the profile demands, with a 401
//! and a code naming the failed check; a correctly signed request passes. What the connections
//! themselves may do (timeouts, the per-address cap, the HTTP layer's refusals, trusted proxies)
//! is in [`connections`].

mod connections;

use qianpi_gateway::admin::demo;
use qianpi_tests::{error_code, http, send_signed, Harness, Phone};
use reqwest::Method;

fn sync_url(harness: &Harness) -> String {
    format!("{}v1/sync?cursor=&limit=10", harness.url())
}

/// A pull signed by `phone`, with header `name` rewritten by `edit` after signing; returns the
/// status and error code.
async fn pull_with_edited_header(
    harness: &Harness,
    phone: &Phone,
    name: &str,
    edit: impl FnOnce(&str) -> String,
) -> (u16, String) {
    let response = send_signed(
        &sync_url(harness),
        Method::GET,
        vec![],
        &phone.credentials(),
        chrono::Utc::now(),
        |headers| {
            if let Some((_, value)) = headers.iter_mut().find(|(n, _)| *n == name) {
                *value = edit(value);
            }
        },
    )
    .await;
    error_code(response).await
}

#[tokio::test]
async fn a_correctly_signed_request_is_served() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    let response = send_signed(
        &sync_url(&harness),
        Method::GET,
        vec![],
        &phone.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_unsigned_request_is_refused() {
    let harness = Harness::start().await.unwrap();
    let response = http().get(sync_url(&harness)).send().await.unwrap();
    assert_eq!(
        error_code(response).await,
        (401, "missing_component".into())
    );
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    // Flip one character inside the base64 signature.
    let answer = pull_with_edited_header(&harness, &phone, "signature", |value| {
        let mut chars: Vec<char> = value.chars().collect();
        chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    })
    .await;
    assert_eq!(answer, (401, "bad_signature".into()));
}

#[tokio::test]
async fn a_reused_nonce_is_refused() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    let url = sync_url(&harness);
    let now = chrono::Utc::now();
    let headers =
        qianpi_core::link::sign_request("GET", &url, &[], &phone.credentials(), now).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let mut request = http().get(&url).header("content-type", "application/json");
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        statuses.push(error_code(request.send().await.unwrap()).await);
    }
    assert_eq!(statuses[0].0, 200);
    assert_eq!(statuses[1], (401, "replayed_nonce".into()));
}

#[tokio::test]
async fn a_tampered_body_fails_its_digest() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    let url = format!("{}v1/commands", harness.url());
    let creds = phone.credentials();
    let headers = qianpi_core::link::sign_request(
        "POST",
        &url,
        br#"{"commands":[]}"#,
        &creds,
        chrono::Utc::now(),
    )
    .unwrap();
    let mut request = http()
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"commands":[{}]}"#);
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    assert_eq!(
        error_code(request.send().await.unwrap()).await,
        (401, "bad_digest".into())
    );
}

#[tokio::test]
async fn a_signature_made_outside_the_time_window_is_refused() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    let stale = chrono::Utc::now() - chrono::Duration::seconds(300);
    let response = send_signed(
        &sync_url(&harness),
        Method::GET,
        vec![],
        &phone.credentials(),
        stale,
        |_| {},
    )
    .await;
    assert_eq!(error_code(response).await, (401, "outside_window".into()));
}

#[tokio::test]
async fn a_token_used_with_another_devices_key_is_refused() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let drafter = harness
        .activated_phone("drafter", demo::DRAFTER)
        .await
        .unwrap();
    let mut stolen = drafter.credentials();
    stolen.access_token = leader.account().access_token;
    let response = send_signed(
        &sync_url(&harness),
        Method::GET,
        vec![],
        &stolen,
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(error_code(response).await, (401, "token_not_bound".into()));
}

#[tokio::test]
async fn a_signature_covering_fewer_components_is_refused() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    let answer = pull_with_edited_header(&harness, &phone, "signature-input", |value| {
        value.replace(" \"authorization\"", "")
    })
    .await;
    assert_eq!(answer, (401, "malformed_signature".into()));
}

#[tokio::test]
async fn malformed_bodies_and_unknown_routes_get_json_errors() {
    let harness = Harness::start().await.unwrap();
    let response = http()
        .post(format!("{}v1/devices/activate", harness.url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, (400, "malformed_body".into()));
    let response = http()
        .get(format!("{}v1/nothing-here", harness.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(response).await, (404, "not_found".into()));
}

#[tokio::test]
async fn the_housekeeping_deletes_nonces_whose_window_passed_and_keeps_live_ones() {
    let harness = Harness::start().await.unwrap();
    let now = chrono::Utc::now().timestamp();
    harness
        .db
        .tx(move |sql| {
            for (nonce, expires) in [("old", now - 600), ("live", now + 60)] {
                sql.execute(
                    "INSERT INTO nonces (key_id, nonce, expires_at) VALUES ('dk_test', ?1, ?2)",
                    qianpi_gateway::sql::args![nonce, expires],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let deleted = qianpi_gateway::housekeeping::sweep(&harness.db)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    let left = harness
        .db
        .tx(|sql| {
            let rows = sql.query("SELECT nonce FROM nonces WHERE key_id = 'dk_test'", &[])?;
            rows.into_iter()
                .map(|r| Ok(r.text(0)?))
                .collect::<Result<Vec<_>, qianpi_gateway::ApiError>>()
        })
        .await
        .unwrap();
    assert_eq!(left, ["live"]);
}

#[tokio::test]
async fn extreme_signature_times_are_refused_not_overflowed() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    for (created, expires, code) in [
        (i64::MIN + 1, i64::MAX, "bad_validity"),
        (
            -9_223_372_036_854_775_807,
            9_223_372_036_854_775_807,
            "bad_validity",
        ),
        (i64::MAX - 30, i64::MAX, "outside_window"),
        (i64::MIN, i64::MIN + 30, "outside_window"),
    ] {
        let answer = pull_with_edited_header(&harness, &phone, "signature-input", |value| {
            replace_param(
                &replace_param(value, "created", &created.to_string()),
                "expires",
                &expires.to_string(),
            )
        })
        .await;
        assert_eq!(
            answer,
            (401, code.into()),
            "created={created} expires={expires}"
        );
    }
    // The gateway is still there and serves the phone.
    phone.client.sync().await.unwrap();
}

#[tokio::test]
async fn a_nonce_that_is_not_sixteen_bytes_is_refused() {
    let harness = Harness::start().await.unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();
    let long = "A".repeat(2_048);
    for nonce in [
        "",
        "x",
        "AAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAA==",
        "AAAAAAAAAAAAAAAAAAAAA+",
        long.as_str(),
    ] {
        let answer = pull_with_edited_header(&harness, &phone, "signature-input", |value| {
            replace_param(value, "nonce", &format!("\"{nonce}\""))
        })
        .await;
        assert_eq!(answer, (401, "bad_nonce".into()), "nonce {nonce:?}");
    }
}

/// `header` with the value of parameter `name` replaced by `value` (as it appears on the wire).
fn replace_param(header: &str, name: &str, value: &str) -> String {
    header
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((n, _)) if n == name => format!("{name}={value}"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}
